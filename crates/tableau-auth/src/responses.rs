//! Turning answers into results: success bodies, and Tableau errors with hints.
//!
//! Pure functions of the answer, the call it belongs to and the time; no client, no state.

use std::time::{Duration, SystemTime};

use tableau_auth_core::{CredentialKind, ErrorCode, TableauError};

use crate::error::{Error, METHOD_NOT_ALLOWED_HINT, PAT_USED_ELSEWHERE, sign_in_hint};
use crate::session::Session;

/// A 401002 on a PAT session younger than this is blamed on another sign-in with the same
/// PAT: no server's idle limit is shorter (Tableau Cloud: 120 minutes).
pub(crate) const SUPERSESSION_SUSPECT_AGE: Duration = Duration::from_secs(120 * 60);

/// Which call an answer belongs to, for hints.
#[derive(Debug)]
pub(crate) enum Call<'a> {
    /// `GET serverinfo`.
    ServerInfo,
    /// `POST auth/signin` for this site content URL.
    SignIn {
        /// The site content URL that was sent.
        site: String,
    },
    /// A call with this session's token.
    Authenticated {
        /// The session whose token was sent.
        session: &'a Session,
    },
}

/// The status and body of a 2xx answer, or the error the answer describes. `now` is the
/// client's time (for the age of a rejected session).
pub(crate) async fn read_success(
    response: reqwest::Response,
    call: &Call<'_>,
    now: SystemTime,
) -> Result<(u16, Vec<u8>), Error> {
    let status = response.status().as_u16();
    if !response.status().is_success() {
        return Err(error_from_response(response, call, now).await);
    }
    let body = response.bytes().await.map_err(Error::from_reqwest)?;
    Ok((status, body.to_vec()))
}

/// The error an unsuccessful answer describes.
pub(crate) async fn error_from_response(
    response: reqwest::Response,
    call: &Call<'_>,
    now: SystemTime,
) -> Error {
    let status = response.status().as_u16();
    let body = match response.bytes().await {
        Ok(body) => body,
        Err(e) => return Error::from_reqwest(e),
    };
    match TableauError::parse(status, &body) {
        Ok(error) => classify(error, call, now),
        Err(parse) => Error::UnexpectedResponse(parse),
    }
}

/// Picks the variant and the hint for a Tableau error.
pub(crate) fn classify(error: TableauError, call: &Call<'_>, now: SystemTime) -> Error {
    if error.code == ErrorCode::METHOD_NOT_ALLOWED {
        return Error::Tableau {
            error,
            hint: Some(METHOD_NOT_ALLOWED_HINT.to_owned()),
        };
    }
    match call {
        // 404001 is what a real server older than the URL's 2.4 answers (docs/protocol.md
        // section 1); 404003 what a server without the endpoint answers.
        Call::ServerInfo
            if error.code == ErrorCode::RESOURCE_NOT_FOUND
                || error.code == ErrorCode::INVALID_API_VERSION =>
        {
            Error::ServerTooOld { error }
        }
        Call::SignIn { site } if error.code == ErrorCode::SIGNIN_ERROR => Error::Tableau {
            error,
            hint: Some(sign_in_hint(site)),
        },
        Call::Authenticated { session }
            if error.code == ErrorCode::INVALID_CREDENTIALS
                || error.code == ErrorCode::UNAUTHORIZED =>
        {
            let hint = (error.code == ErrorCode::INVALID_CREDENTIALS
                && probably_superseded(session, now))
            .then(|| PAT_USED_ELSEWHERE.to_owned());
            Error::SessionExpired { error, hint }
        }
        _ => {
            let hint = other_hint(error.code, call).map(str::to_owned);
            Error::Tableau { error, hint }
        }
    }
}

/// The hint for the codes whose cause does not depend on the session.
fn other_hint(code: ErrorCode, call: &Call<'_>) -> Option<&'static str> {
    let signing_in = matches!(call, Call::SignIn { .. });
    Some(match code {
        ErrorCode::BAD_REQUEST if signing_in => {
            "the server could not read the sign-in body; this is a bug in the provider or in \
             tableau-auth, please report it with the server version (the body is never logged)"
        }
        ErrorCode::BAD_REQUEST => "the server could not read the request body",
        ErrorCode::SWITCH_SITE_ERROR => {
            "the destination site was not found or is unavailable: use the site's content URL \
             (the part after #/site/ in the browser), and check the user is a member of it"
        }
        ErrorCode::FORBIDDEN => {
            "the signed-in user's site role does not allow this call; sign in as a site or \
             server administrator"
        }
        ErrorCode::SITE_NOT_FOUND => {
            "the site LUID in the URL is unknown: use Session::site_id() of the current \
             session (it changes after switching sites)"
        }
        ErrorCode::USER_NOT_FOUND if signing_in => {
            "the user to impersonate is not on this site: impersonation takes the user's LUID \
             (from the users API), not the user name"
        }
        ErrorCode::USER_NOT_FOUND => "no user with this LUID on the session's site",
        ErrorCode::RESOURCE_NOT_FOUND => {
            "the server does not know this path at this REST API version: check the URL, or \
             pin an older version with ClientBuilder::api_version"
        }
        ErrorCode::INVALID_API_VERSION => {
            "the server does not speak the REST API version in the URL: let the client \
             negotiate it (do not pin a version newer than the server's with \
             ClientBuilder::api_version)"
        }
        ErrorCode::OTHER_SITE => {
            "the URL names another site than the session's: use Session::site_id() of the \
             current session, or switch site first"
        }
        ErrorCode::USER_QUERY_FORBIDDEN => {
            "only site and server administrators may look up other users"
        }
        ErrorCode::UNSUPPORTED_MEDIA_TYPE => {
            "the server does not read this Content-Type: send application/xml or \
             application/json"
        }
        ErrorCode::ENTITY_TOO_LARGE => "the request body is larger than the server accepts",
        _ => return None,
    })
}

/// Whether a 401002 on this session is best explained by another sign-in with its PAT.
pub(crate) fn probably_superseded(session: &Session, now: SystemTime) -> bool {
    session.credential_kind() == CredentialKind::PersonalAccessToken
        && now
            .duration_since(session.issued_at())
            .is_ok_and(|age| age < SUPERSESSION_SUSPECT_AGE)
}
