//! Turning answers into results: success bodies, and Tableau errors with hints.
//!
//! Pure functions of the answer, the call it belongs to and the time; no client, no state.

use std::time::{Duration, SystemTime};

use http::Method;
use tableau_auth_core::{CredentialKind, ErrorCode, TableauError};
use url::Url;

use crate::error::{
    Error, METHOD_NOT_ALLOWED_HINT, PAT_USED_ELSEWHERE, method_not_allowed_at, sign_in_hint,
};
use crate::retry::ServerWait;
use crate::scopes::required_scope;
use crate::session::{Session, server_root};

/// A 401002 on a PAT session younger than this is blamed on another sign-in with the same
/// PAT by a bare [`Client`](crate::Client) call (which knows neither the session's use nor the
/// server's configured idle limit): no server's idle limit is shorter than Tableau Cloud's 120
/// minutes. The session manager uses the idle limit it knows instead.
pub(crate) const SUPERSESSION_SUSPECT_AGE: Duration = Duration::from_secs(120 * 60);

/// A 401002 on a JWT session younger than this, for a call its scopes do not grant, is a
/// missing scope: no session expires that fast.
pub(crate) const MISSING_SCOPE_SUSPECT_AGE: Duration = Duration::from_secs(60);

/// Which call an answer belongs to, for hints.
#[derive(Debug)]
pub(crate) enum Call<'a> {
    /// `GET serverinfo`.
    ServerInfo,
    /// `POST auth/signin`.
    SignIn {
        /// The site content URL that was sent.
        site: String,
        /// The credential family that was sent.
        kind: CredentialKind,
        /// The server URL the client was configured with.
        configured: &'a Url,
    },
    /// A call with this session's token.
    Authenticated {
        /// The session whose token was sent.
        session: &'a Session,
        /// The method and URL path of the call, when known.
        request: Option<(&'a Method, &'a str)>,
        /// What is known of the session's use.
        usage: Usage,
        /// The server URL the client was configured with.
        configured: &'a Url,
    },
    /// `GET sessions/current` with a token someone else signed in for
    /// ([`Session::from_token`]).
    CheckToken,
    /// An answer whose call is not known (`Error::from_response`).
    Unknown,
}

/// What the caller knows of a session's use, for judging a 401002.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Usage {
    /// How long the session has been idle (for a bare client: its age, an upper bound).
    pub(crate) idle: Duration,
    /// The idle limit a supersession is judged against.
    pub(crate) idle_limit: Duration,
    /// Whether the session was never used successfully (the manager knows; a bare client
    /// does not, and says `false`).
    pub(crate) never_used: bool,
}

impl Usage {
    /// What a bare client knows at `now`: the session's age, and the shortest idle limit of
    /// any server.
    pub(crate) fn from_age(session: &Session, now: SystemTime) -> Usage {
        Usage {
            idle: now.duration_since(session.issued_at()).unwrap_or_default(),
            idle_limit: SUPERSESSION_SUSPECT_AGE,
            never_used: false,
        }
    }
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
    let answered_at = server_root(response.url());
    let wait = response.extensions().get::<ServerWait>().copied();
    let body = match response.bytes().await {
        Ok(body) => body,
        Err(e) => return Error::from_reqwest(e),
    };
    let parsed = TableauError::parse(status, &body);
    if let Some(wait) = wait {
        // The transport gave up on a throttled call whose wait it knows.
        return Error::Throttled {
            error: parsed.ok(),
            wait: wait.wait,
            retry_at: wait.retry_at,
        };
    }
    match parsed {
        Ok(error) => classify(error, call, now, answered_at.as_ref()),
        Err(parse) => Error::UnexpectedResponse(parse),
    }
}

impl Error {
    /// The error an unsuccessful answer describes: its Tableau error (code, summary, detail)
    /// with a hint when the code allows one, or [`Error::UnexpectedResponse`] for a body that
    /// is not a Tableau error (a proxy's page, say). For answers to requests you sent yourself
    /// (with [`SessionManager::token`](crate::SessionManager::token));
    /// [`SessionManager::send_checked`](crate::SessionManager::send_checked) does this for you,
    /// knowing more of the call (a 405000 then names the pod, for example).
    ///
    /// It reads the body. A 2xx answer is not an error: it gives
    /// [`Error::UnexpectedResponse`] saying so.
    pub async fn from_response(response: reqwest::Response) -> Error {
        error_from_response(response, &Call::Unknown, SystemTime::now()).await
    }
}

/// Picks the variant and the hint for a Tableau error. `answered_at` is the server root the
/// answer came from (after any redirect).
pub(crate) fn classify(
    error: TableauError,
    call: &Call<'_>,
    now: SystemTime,
    answered_at: Option<&Url>,
) -> Error {
    if error.code == ErrorCode::METHOD_NOT_ALLOWED {
        let hint = match pod(call, answered_at) {
            Some(pod) => method_not_allowed_at(&pod),
            None => METHOD_NOT_ALLOWED_HINT.to_owned(),
        };
        return Error::Tableau {
            error,
            hint: Some(hint),
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
        Call::SignIn { site, kind, .. } if error.code == ErrorCode::SIGNIN_ERROR => {
            Error::SignInRefused {
                error,
                kind: *kind,
                hint: Some(sign_in_hint(site, *kind)),
            }
        }
        Call::Authenticated {
            session,
            request,
            usage,
            ..
        } if error.code == ErrorCode::INVALID_CREDENTIALS
            || error.code == ErrorCode::UNAUTHORIZED =>
        {
            if error.code == ErrorCode::INVALID_CREDENTIALS {
                if let Some(missing) = missing_scope(session, *request, *usage, now, &error) {
                    return missing;
                }
            }
            let hint = (error.code == ErrorCode::INVALID_CREDENTIALS
                && probably_superseded(session, *usage))
            .then(|| PAT_USED_ELSEWHERE.to_owned());
            Error::SessionExpired { error, hint }
        }
        Call::CheckToken if error.code == ErrorCode::INVALID_CREDENTIALS => Error::SessionExpired {
            error,
            hint: Some(
                "the server does not know this token: it was signed out, it passed the idle \
                 limit, a newer sign-in with the same personal access token ended it, or it was \
                 issued by another server"
                    .to_owned(),
            ),
        },
        Call::Unknown | Call::CheckToken
            if error.code == ErrorCode::INVALID_CREDENTIALS
                || error.code == ErrorCode::UNAUTHORIZED =>
        {
            Error::SessionExpired { error, hint: None }
        }
        _ => {
            let hint = other_hint(error.code, call).map(str::to_owned);
            Error::Tableau { error, hint }
        }
    }
}

/// Where the server really is, when a redirect showed it: the server a sign-in's answer came
/// from, or the session's server, when it is not the one the client was configured with.
fn pod(call: &Call<'_>, answered_at: Option<&Url>) -> Option<Url> {
    let (configured, actual) = match call {
        Call::SignIn { configured, .. } => (*configured, answered_at?),
        Call::Authenticated {
            configured,
            session,
            ..
        } => (*configured, session.server_url()),
        _ => return None,
    };
    (actual.origin() != configured.origin()).then(|| actual.clone())
}

/// [`Error::MissingScope`] when a 401002 on a JWT session is best explained by the call's
/// scope: the session is young (or was never used), it knows its JWT's scopes, the call's
/// scope is known, and the scopes do not grant it.
fn missing_scope(
    session: &Session,
    request: Option<(&Method, &str)>,
    usage: Usage,
    now: SystemTime,
    error: &TableauError,
) -> Option<Error> {
    if !session
        .credential_kind()
        .is_some_and(CredentialKind::is_jwt)
    {
        return None;
    }
    let granted = session.scopes()?;
    let (method, path) = request?;
    let required = required_scope(method, path)?;
    if required.is_granted_by(granted) {
        return None;
    }
    let age = now.duration_since(session.issued_at()).unwrap_or_default();
    let young =
        age < MISSING_SCOPE_SUSPECT_AGE || (usage.never_used && usage.idle < usage.idle_limit);
    if !young {
        return None;
    }
    Some(Error::MissingScope {
        scope: required.first()?.clone(),
        granted: granted.to_vec(),
        error: error.clone(),
    })
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

/// Whether a 401002 on this session is best explained by another sign-in with its PAT: a PAT
/// session idle for less than the idle limit the server applies cannot have expired.
pub(crate) fn probably_superseded(session: &Session, usage: Usage) -> bool {
    session.credential_kind() == Some(CredentialKind::PersonalAccessToken)
        && usage.idle < usage.idle_limit
}
