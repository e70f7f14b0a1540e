//! [`Session`]: what a successful sign-in gives back.

use std::fmt;
use std::time::{Duration, SystemTime};

use secrecy::SecretString;
use tableau_auth_core::{
    ApiVersion, CredentialKind, CurrentSession, Redacted, Scope, SignInResponse,
};
use url::Url;

/// A signed-in session: the token for `X-Tableau-Auth`, the site and user it belongs to, and
/// the API version and server it was issued by.
///
/// It comes from a sign-in ([`Client::sign_in`](crate::Client::sign_in)), or from a token
/// another program signed in for ([`Session::from_token`]).
///
/// `Debug` never shows the token:
///
/// ```
/// # use tableau_auth::Session;
/// fn show(session: &Session) -> String {
///     format!("{session:?}") // token: [redacted]
/// }
/// ```
#[derive(Clone)]
pub struct Session {
    token: SecretString,
    site_id: String,
    site_content_url: String,
    user_id: String,
    api_version: ApiVersion,
    pat_expires_in: Option<Duration>,
    issued_at: SystemTime,
    credential_kind: Option<CredentialKind>,
    scopes: Option<Vec<Scope>>,
    server_url: Url,
    /// When this process last saw the server accept the session: its issue, or the check of
    /// a session taken from a store. The manager counts idle time from here.
    active_at: SystemTime,
}

/// The parts of a [`Session`] a session store keeps (crate-private: stores rebuild sessions
/// with [`Session::restore`]).
pub(crate) struct SessionParts {
    pub(crate) token: SecretString,
    pub(crate) site_id: String,
    pub(crate) site_content_url: String,
    pub(crate) user_id: String,
    pub(crate) api_version: ApiVersion,
    pub(crate) pat_expires_in: Option<Duration>,
    pub(crate) issued_at: SystemTime,
    pub(crate) credential_kind: CredentialKind,
    pub(crate) scopes: Option<Vec<Scope>>,
    pub(crate) server_url: Url,
}

impl Session {
    pub(crate) fn new(
        response: SignInResponse,
        api_version: ApiVersion,
        credential_kind: CredentialKind,
        issued_at: SystemTime,
        server_url: Url,
    ) -> Self {
        Session {
            token: response.token.into_inner(),
            site_id: response.site_id,
            site_content_url: response.site_content_url,
            user_id: response.user_id,
            api_version,
            pat_expires_in: response.pat_expires_in,
            issued_at,
            credential_kind: Some(credential_kind),
            scopes: None,
            server_url,
            active_at: issued_at,
        }
    }

    /// A session for a token someone else signed in for, as `sessions/current` described it
    /// (`checked_at` by the client's clock). Its credential family is unknown.
    pub(crate) fn from_current(
        token: SecretString,
        current: CurrentSession,
        api_version: ApiVersion,
        checked_at: SystemTime,
        server_url: Url,
    ) -> Self {
        Session {
            token,
            site_id: current.site.id,
            site_content_url: current.site.content_url,
            user_id: current.user.id,
            api_version,
            pat_expires_in: None,
            issued_at: checked_at,
            credential_kind: None,
            scopes: None,
            server_url,
            active_at: checked_at,
        }
    }

    /// The session a switch of `from` to another site gave (same version, family, scopes and
    /// server; new token, site and user).
    pub(crate) fn switched(
        response: SignInResponse,
        from: &Session,
        issued_at: SystemTime,
    ) -> Self {
        Session {
            token: response.token.into_inner(),
            site_id: response.site_id,
            site_content_url: response.site_content_url,
            user_id: response.user_id,
            api_version: from.api_version,
            pat_expires_in: response.pat_expires_in,
            issued_at,
            credential_kind: from.credential_kind,
            scopes: from.scopes.clone(),
            server_url: from.server_url.clone(),
            active_at: issued_at,
        }
    }

    /// The same session, remembering the scopes of the JWT it was signed in with.
    #[must_use]
    pub(crate) fn with_scopes(mut self, scopes: Option<Vec<Scope>>) -> Self {
        self.scopes = scopes;
        self
    }

    /// A session read back from a store, which the server accepted at `active_at`.
    pub(crate) fn restore(parts: SessionParts, active_at: SystemTime) -> Self {
        Session {
            token: parts.token,
            site_id: parts.site_id,
            site_content_url: parts.site_content_url,
            user_id: parts.user_id,
            api_version: parts.api_version,
            pat_expires_in: parts.pat_expires_in,
            issued_at: parts.issued_at,
            credential_kind: Some(parts.credential_kind),
            scopes: parts.scopes,
            server_url: parts.server_url,
            active_at,
        }
    }

    /// When this process last saw the server accept the session (its issue, or a store's
    /// check of it): the manager counts idle time from here.
    pub(crate) fn active_at(&self) -> SystemTime {
        self.active_at
    }

    /// The session token. Expose it only where the `X-Tableau-Auth` header is written.
    pub fn token(&self) -> &SecretString {
        &self.token
    }

    /// The site LUID (for `/sites/{site-luid}/...` URLs).
    pub fn site_id(&self) -> &str {
        &self.site_id
    }

    /// The site content URL (`""` for the Default site).
    pub fn site_content_url(&self) -> &str {
        &self.site_content_url
    }

    /// The signed-in (or impersonated) user's LUID.
    pub fn user_id(&self) -> &str {
        &self.user_id
    }

    /// The REST API version this session's calls use.
    pub fn api_version(&self) -> ApiVersion {
        self.api_version
    }

    /// How long the **personal access token** had left when the session was issued
    /// (`estimatedTimeToExpiration`); `None` for other credentials or when the server did
    /// not say.
    pub fn pat_expires_in(&self) -> Option<Duration> {
        self.pat_expires_in
    }

    /// The estimated instant the personal access token expires, if known.
    pub fn pat_expires_at(&self) -> Option<SystemTime> {
        self.pat_expires_in.map(|left| self.issued_at + left)
    }

    /// When the session was issued (by the client's clock); for a session made from a token
    /// ([`Session::from_token`]), when the token was checked.
    pub fn issued_at(&self) -> SystemTime {
        self.issued_at
    }

    /// The credential family used to sign in; `None` for a session made from a token
    /// ([`Session::from_token`]), whose family the client cannot know.
    pub fn credential_kind(&self) -> Option<CredentialKind> {
        self.credential_kind
    }

    /// The scopes of the JWT the session was signed in with (connected app or unified access
    /// token), read from its `scp` claim at sign-in: the calls the session may make
    /// (`docs/protocol.md` section 13). `None` for password and PAT sessions (not limited by
    /// scopes), for sessions made from a token, and when the JWT had no readable `scp`.
    pub fn scopes(&self) -> Option<&[Scope]> {
        self.scopes.as_deref()
    }

    /// The server root this session talks to (after any sign-in redirect, e.g. to a Tableau
    /// Cloud pod).
    pub fn server_url(&self) -> &Url {
        &self.server_url
    }

    /// The URL of `path` under `/api/{version}/` on this session's server.
    pub fn api_url(&self, path: &str) -> Result<Url, crate::Error> {
        api_url(&self.server_url, self.api_version, path)
    }
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("token", &Redacted::new(()))
            .field("site_id", &self.site_id)
            .field("site_content_url", &self.site_content_url)
            .field("user_id", &self.user_id)
            .field("api_version", &self.api_version)
            .field("pat_expires_in", &self.pat_expires_in)
            .field("issued_at", &self.issued_at)
            .field("credential_kind", &self.credential_kind)
            .field("scopes", &self.scopes)
            .field("server_url", &self.server_url.as_str())
            .finish()
    }
}

/// `{server}/api/{version}/{path}`.
pub(crate) fn api_url(server: &Url, version: ApiVersion, path: &str) -> Result<Url, crate::Error> {
    let root = server.as_str().trim_end_matches('/');
    let path = path.trim_start_matches('/');
    Url::parse(&format!("{root}/api/{version}/{path}"))
        .map_err(|e| crate::Error::Configuration(format!("cannot build the URL for `{path}`: {e}")))
}

/// The server root of a URL ending in `/api/{version}/...` (where a sign-in redirect led).
pub(crate) fn server_root(url: &Url) -> Option<Url> {
    let path = url.path();
    let index = path.rfind("/api/")?;
    let mut root = url.clone();
    let prefix = format!("{}/", &path[..index]);
    root.set_path(&prefix);
    root.set_query(None);
    root.set_fragment(None);
    Some(root)
}

/// The `X-Tableau-Auth` value for a session, marked sensitive so that HTTP libraries never
/// print it.
pub(crate) fn token_header(session: &Session) -> Result<http::HeaderValue, crate::Error> {
    use secrecy::ExposeSecret;
    let mut value = http::HeaderValue::from_str(session.token().expose_secret()).map_err(|_| {
        crate::Error::Configuration("the session token is not a valid header value".into())
    })?;
    value.set_sensitive(true);
    Ok(value)
}
