//! The one error type of the client and the session manager, and the hints it carries.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tableau_auth_core::{
    ApiVersion, CredentialKind, ErrorCode, Feature, ParseError, ProviderError, RenderError, Scope,
    TableauError,
};

/// Everything that can go wrong while signing in or making an authenticated call.
///
/// The variants are the cases a caller handles differently. `Display` is short, never contains
/// a secret, and ends with a hint naming the likely cause when the evidence allows one.
///
/// Cheap to clone: the causes that cannot be cloned (reqwest's errors) are shared, so every
/// task that waited for one sign-in gets the same, complete error. [`source`](std::error::Error::source)
/// still returns the cause itself, so `downcast_ref::<reqwest::Error>()` works.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Error {
    /// The credential provider could not produce credentials.
    Provider(ProviderError),

    /// The server answered with a Tableau error (code, summary and detail are in `error`).
    Tableau {
        /// What the server said.
        error: TableauError,
        /// The likely cause, when the evidence allows one.
        hint: Option<String>,
    },

    /// The server refused the credentials at sign-in (401001: wrong user name, password or
    /// PAT, a revoked or expired PAT, an unknown site, a JWT it did not accept). The hint
    /// depends on the credential family: for a JWT the clock and the claims, for a PAT
    /// revocation and expiry, for a password multi-factor authentication on Tableau Cloud.
    SignInRefused {
        /// What the server said.
        error: TableauError,
        /// The credential family that was refused.
        kind: CredentialKind,
        /// The likely causes.
        hint: Option<String>,
    },

    /// The session token is no longer valid (401002: expired, signed out or superseded).
    /// The only remedy is to sign in again; [`SessionManager`](crate::SessionManager) does it
    /// for you.
    SessionExpired {
        /// What the server said.
        error: TableauError,
        /// The likely cause, when the evidence allows one.
        hint: Option<String>,
    },

    /// A 401002 on a young JWT session (connected app or unified access token) for a call
    /// whose scope the JWT's `scp` does not grant: the session is fine, the call is outside
    /// its scopes (`docs/protocol.md` section 13). Signing in again would not help (a new JWT
    /// with the same scopes fails the same way), so the session manager does not.
    MissingScope {
        /// The scope to add (the first one the call accepts; see
        /// [`required_scope`](crate::required_scope)).
        scope: Scope,
        /// The scopes the session's JWT granted.
        granted: Vec<Scope>,
        /// What the server said (401002).
        error: TableauError,
    },

    /// The session manager is stopped: the server refused its credentials (401001), so it
    /// answers every later call with this error, without asking the server, until
    /// [`SessionManager::resume`](crate::SessionManager::resume). `cause` (also
    /// [`source`](std::error::Error::source)) is the refusal itself.
    ManagerStopped {
        /// The error that stopped the manager.
        cause: Box<Error>,
    },

    /// The session manager has no credential provider, so it cannot sign in again: it was
    /// built from a session ([`SessionManager::from_session`](crate::SessionManager::from_session))
    /// whose token has ended (or was never valid). Get a new token, or give the manager a
    /// provider.
    NoProvider,

    /// The server is throttling (429) and asked to wait longer than the retry policy's
    /// deadline allows, in a `Retry-After` header or in the message text (Tableau Cloud:
    /// "retry after 29 minutes"). Nothing was retried; try again at `retry_at`.
    Throttled {
        /// The Tableau error of the answer (429000), when it carried one.
        error: Option<TableauError>,
        /// How long the server asked to wait.
        wait: Duration,
        /// When the wait ends, by the client's clock.
        retry_at: SystemTime,
    },

    /// The personal access token's session was superseded too often: another process or
    /// machine signs in with the same PAT. The manager stops instead of fighting it.
    PatInUseElsewhere {
        /// How many supersessions were seen.
        supersessions: u32,
        /// The window they were seen in.
        window: Duration,
    },

    /// The server's REST API version is too old for what was asked. Nothing was sent.
    UnsupportedByServer {
        /// The feature that is missing.
        feature: Feature,
        /// A human name for it.
        what: &'static str,
        /// The server's (or the pinned) version.
        server_version: ApiVersion,
        /// The minimum version the feature needs.
        required: ApiVersion,
        /// The Tableau Server release that introduced it.
        release: &'static str,
    },

    /// `serverinfo` answered 404001 or 404003: the server is older than REST API 2.4 (Tableau
    /// Server 10.1), or the URL does not point at a Tableau server.
    ServerTooOld {
        /// What the server said.
        error: TableauError,
    },

    /// An `http://` URL for a host that is not the local machine.
    InsecureUrl {
        /// The host that was refused.
        host: String,
    },

    /// The server redirected a call that must not follow it (an authenticated call to another
    /// host, where the session token must not travel, or a redirect from https to http).
    Redirect {
        /// The HTTP status of the redirect.
        status: u16,
        /// The `Location` the server named.
        location: String,
        /// Why it was not followed.
        reason: &'static str,
    },

    /// Sign-in was redirected more than 5 times.
    TooManyRedirects {
        /// How many redirects were followed.
        hops: usize,
        /// The last `Location`.
        location: String,
    },

    /// The server answered something that is not a Tableau answer.
    UnexpectedResponse(ParseError),

    /// The server could not be reached, or the connection failed. When the TLS handshake
    /// failed (an untrusted or mismatched certificate, or no TLS on that port), the text ends
    /// with a hint saying so and what to do.
    Transport(Arc<reqwest::Error>),

    /// A request hit the client's per-request timeout and no retry was left.
    ///
    /// When the retry policy's total deadline stops the retries, the error is the last failure
    /// itself (the 503, the 429, the connection error), so it keeps the server's evidence.
    Timeout(Option<Arc<reqwest::Error>>),

    /// A [`SessionManager`](crate::SessionManager) sign-in did not finish within its
    /// [`sign_in_timeout`](crate::SessionManagerBuilder::sign_in_timeout) (a server or a
    /// credential provider that does not answer). Every task that waited for it gets this
    /// error; the next call signs in again.
    SignInTimeout {
        /// The limit that was reached.
        timeout: Duration,
    },

    /// A [`SessionManager`](crate::SessionManager) sign-in ended without a result: the task
    /// running it panicked (a bug in a credential provider, say) or the runtime is shutting
    /// down. The next call signs in again.
    SignInAborted,

    /// The client is configured wrongly (bad URL, unusable TLS settings, …).
    Configuration(String),

    /// The credentials cannot be written in the chosen wire format.
    Render(RenderError),

    /// A session store shared between processes failed (an unusable cache directory, a Redis
    /// server that does not answer, a lock lost before the session was written). The message
    /// names the store (never a password) and what to do.
    SessionStore {
        /// The store: its kind and place (`file /home/me/.cache/tableau-auth/sessions`,
        /// `redis redis://cache.internal:6379/0`).
        store: String,
        /// What failed and what to do.
        message: String,
        /// The underlying cause (an I/O or Redis error).
        source: Option<Arc<dyn std::error::Error + Send + Sync>>,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Provider(error) => fmt::Display::fmt(error, f),
            Error::Tableau { error, hint } | Error::SignInRefused { error, hint, .. } => {
                write!(f, "{error}{}", hint_suffix(hint))
            }
            Error::SessionExpired { error, hint } => write!(
                f,
                "the session is no longer valid ({error}){}",
                hint_suffix(hint)
            ),
            Error::MissingScope { scope, granted, .. } => write!(
                f,
                "the server refused the call (401002) because the session's JWT does not grant \
                 the scope {scope} this call needs (granted: {}); hint: {}",
                scope_list(granted),
                missing_scope_hint(scope)
            ),
            Error::ManagerStopped { cause } => write!(
                f,
                "the session manager is stopped: the server refused its {} (401001) and it \
                 signs in no more, so that a job cannot lock an account; hint: {STOPPED_HINT}",
                match cause.as_ref() {
                    Error::SignInRefused { kind, .. } => format!("{} credentials", kind.label()),
                    _ => "credentials".to_owned(),
                }
            ),
            Error::NoProvider => write!(
                f,
                "the session manager cannot sign in again: it was built from a session without a \
                 credential provider, and that session has ended; hint: {NO_PROVIDER_HINT}"
            ),
            Error::Throttled {
                error,
                wait,
                retry_at,
            } => write!(
                f,
                "the server is throttling requests ({}) and asks to wait {}, longer than the \
                 retry policy's deadline; hint: {}",
                match error {
                    Some(error) => format!("Tableau error {}", error.code),
                    None => "HTTP 429".to_owned(),
                },
                human(*wait),
                throttled_hint(*retry_at)
            ),
            Error::PatInUseElsewhere {
                supersessions,
                window,
            } => write!(
                f,
                "the personal access token's session was superseded {supersessions} times \
                 within {} minutes: the token is being used to sign in elsewhere (one session \
                 per PAT). Share the session between processes through a session store \
                 (TABLEAU_SESSION_STORE, SessionManagerBuilder::session_store), or give each \
                 process its own PAT; call SessionManager::resume() to try again",
                window.as_secs() / 60
            ),
            Error::UnsupportedByServer {
                what,
                server_version,
                required,
                release,
                ..
            } => write!(
                f,
                "{what} needs REST API {required} (Tableau Server {release}) or newer, but the \
                 server speaks {server_version}"
            ),
            Error::ServerTooOld { error } => write!(
                f,
                "the server does not answer `GET /api/2.4/serverinfo` ({}): it is older than \
                 Tableau Server 10.1 (REST API 2.4), or the URL is not the Tableau server's root; \
                 pin a version with ClientBuilder::api_version if it is an old server",
                error.code
            ),
            Error::InsecureUrl { host } => write!(
                f,
                "refusing to send credentials over plain http to `{host}`: use https://, or \
                 ClientBuilder::allow_insecure_http(true) on a trusted network"
            ),
            Error::Redirect {
                status,
                location,
                reason,
            } => write!(
                f,
                "refused to follow the HTTP {status} redirect to `{location}`: {reason}"
            ),
            Error::TooManyRedirects { hops, location } => write!(
                f,
                "sign-in was redirected more than {hops} times (last `Location`: `{location}`)"
            ),
            Error::UnexpectedResponse(error) => fmt::Display::fmt(error, f),
            Error::Transport(error) => write!(
                f,
                "could not talk to the Tableau server: {}{}",
                with_causes(error),
                hint_suffix(&transport_hint(error))
            ),
            Error::Timeout(_) => f.write_str("the call to the Tableau server timed out"),
            Error::SignInTimeout { timeout } => write!(
                f,
                "the sign-in did not finish within {} s (the server or the credential provider \
                 did not answer); the next call tries again. Raise \
                 SessionManagerBuilder::sign_in_timeout if sign-in is slow but working",
                timeout.as_secs_f64()
            ),
            Error::SignInAborted => f.write_str(
                "the sign-in ended without a result (its task panicked, or the runtime is \
                 shutting down); the next call tries again",
            ),
            Error::Configuration(message) => {
                write!(f, "invalid client configuration: {message}")
            }
            Error::Render(error) => fmt::Display::fmt(error, f),
            Error::SessionStore { store, message, .. } => {
                write!(f, "session store ({store}): {message}")
            }
        }
    }
}

impl std::error::Error for Error {
    /// The cause itself (not the `Arc` that shares it), so callers can downcast it.
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            // Transparent variants: the wrapped error's own cause, as `#[error(transparent)]`
            // would give.
            Error::Provider(error) => error.source(),
            Error::UnexpectedResponse(error) => error.source(),
            Error::Render(error) => error.source(),
            Error::Transport(error) => Some(&**error),
            Error::ManagerStopped { cause } => Some(&**cause),
            Error::Timeout(error) => error
                .as_deref()
                .map(|error| error as &(dyn std::error::Error + 'static)),
            Error::SessionStore { source, .. } => source
                .as_deref()
                .map(|error| error as &(dyn std::error::Error + 'static)),
            _ => None,
        }
    }
}

impl From<ProviderError> for Error {
    fn from(error: ProviderError) -> Self {
        Error::Provider(error)
    }
}

impl From<ParseError> for Error {
    fn from(error: ParseError) -> Self {
        Error::UnexpectedResponse(error)
    }
}

impl From<RenderError> for Error {
    fn from(error: RenderError) -> Self {
        Error::Render(error)
    }
}

fn hint_suffix(hint: &Option<impl AsRef<str>>) -> String {
    match hint {
        Some(hint) => format!("; hint: {}", hint.as_ref()),
        None => String::new(),
    }
}

impl Error {
    /// The Tableau error the server reported, if any (for [`Error::ManagerStopped`], the one
    /// that stopped the manager).
    pub fn tableau_error(&self) -> Option<&TableauError> {
        match self {
            Error::Tableau { error, .. }
            | Error::SignInRefused { error, .. }
            | Error::SessionExpired { error, .. }
            | Error::MissingScope { error, .. }
            | Error::ServerTooOld { error } => Some(error),
            Error::Throttled { error, .. } => error.as_ref(),
            Error::ManagerStopped { cause } => cause.tableau_error(),
            _ => None,
        }
    }

    /// The Tableau error code the server reported, if any.
    pub fn tableau_code(&self) -> Option<ErrorCode> {
        self.tableau_error().map(|e| e.code)
    }

    /// The hint naming the likely cause, if any (the text `Display` ends with after `hint:`).
    pub fn hint(&self) -> Option<Cow<'_, str>> {
        match self {
            Error::Tableau { hint, .. }
            | Error::SignInRefused { hint, .. }
            | Error::SessionExpired { hint, .. } => hint.as_deref().map(Cow::Borrowed),
            Error::MissingScope { scope, .. } => Some(Cow::Owned(missing_scope_hint(scope))),
            Error::ManagerStopped { .. } => Some(Cow::Borrowed(STOPPED_HINT)),
            Error::NoProvider => Some(Cow::Borrowed(NO_PROVIDER_HINT)),
            Error::Throttled { retry_at, .. } => Some(Cow::Owned(throttled_hint(*retry_at))),
            Error::Transport(error) => transport_hint(error).map(Cow::Owned),
            _ => None,
        }
    }

    /// A transport failure from reqwest: [`Error::Timeout`] for a timeout, else
    /// [`Error::Transport`].
    pub(crate) fn from_reqwest(error: reqwest::Error) -> Error {
        if error.is_timeout() {
            Error::Timeout(Some(Arc::new(error)))
        } else {
            Error::Transport(Arc::new(error))
        }
    }

    pub(crate) fn unsupported(feature: Feature, server_version: ApiVersion) -> Error {
        Error::UnsupportedByServer {
            feature,
            what: feature_name(feature),
            server_version,
            required: feature.minimum_version(),
            release: feature.first_release(),
        }
    }
}

fn feature_name(feature: Feature) -> &'static str {
    match feature {
        Feature::ServerInfo => "`GET serverinfo`",
        Feature::SwitchSite => "switching sites",
        Feature::CurrentSession => "`GET sessions/current`",
        Feature::PersonalAccessToken => "signing in with a personal access token",
        Feature::DeleteSession => "deleting sessions",
        Feature::RevokeAdminTokens => "revoking administrators' tokens",
        Feature::PersonalAccessTokenImpersonation => "impersonation with a personal access token",
        Feature::ConnectedApp => "signing in with a connected app",
        Feature::UnifiedAccessToken => "signing in with a unified access token",
        _ => "this feature",
    }
}

/// The hint for a 401002 on a PAT session that was issued not long ago.
pub(crate) const PAT_USED_ELSEWHERE: &str = "the personal access token was probably used to sign \
     in elsewhere (one session per PAT): share the session between processes through a session \
     store (TABLEAU_SESSION_STORE, SessionManagerBuilder::session_store), or give each process or \
     job its own PAT; share one SessionManager between the tasks of a process";

/// The hint for 405000 when the client does not know the pod.
pub(crate) const METHOD_NOT_ALLOWED_HINT: &str = "a redirect probably turned the POST into a GET: \
     use an https:// URL (not http://), and for Tableau Cloud include the pod in the URL \
     (https://10ay.online.tableau.com, not https://online.tableau.com)";

/// The hint for 405000 when a redirect showed where the server really is (a Tableau Cloud pod
/// behind the front door): name it.
pub(crate) fn method_not_allowed_at(pod: &url::Url) -> String {
    let pod = pod.as_str().trim_end_matches('/');
    format!(
        "the server redirected the client to {pod}, and a redirect can turn a POST into a GET: \
         use {pod} as the server URL (ClientBuilder::server_url, TABLEAU_SERVER_URL)"
    )
}

/// What to do about [`Error::ManagerStopped`].
const STOPPED_HINT: &str = "fix the credentials (the error that stopped the manager, its \
     source, says what to check), then call SessionManager::resume() or build a new manager";

/// What to do about [`Error::NoProvider`].
const NO_PROVIDER_HINT: &str = "get a new token and build a new manager with \
     SessionManager::from_session, or give the manager a credential provider \
     (SessionManager::builder(client, provider).session(session)) so that it can sign in again";

fn missing_scope_hint(scope: &Scope) -> String {
    format!(
        "add {scope} to the scopes the JWT asks for (ConnectedAppProvider::scopes, \
         UnifiedAccessTokenBuilder::scopes, TABLEAU_JWT_SCOPES or TABLEAU_UAT_SCOPES), and make \
         sure the connected app or UAT configuration allows it; signing in again with the same \
         scopes fails the same way"
    )
}

fn throttled_hint(retry_at: SystemTime) -> String {
    format!(
        "try again after {} (Tableau Cloud limits some calls per site and hour); raise \
         RetryPolicy::with_total_deadline to wait inside the call instead",
        httpdate::fmt_http_date(retry_at)
    )
}

fn scope_list(scopes: &[Scope]) -> String {
    if scopes.is_empty() {
        return "none".to_owned();
    }
    scopes
        .iter()
        .map(Scope::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A duration as people say it: seconds below two minutes, else minutes (and hours).
fn human(wait: Duration) -> String {
    let seconds = wait.as_secs();
    match seconds {
        0..120 => format!("{seconds} s"),
        120..7_200 => format!("{} minutes", seconds.div_ceil(60)),
        _ => format!(
            "{} h {} min",
            seconds / 3_600,
            (seconds % 3_600).div_ceil(60)
        ),
    }
}

/// reqwest's text ("error sending request for url (…)") followed by the causes under it, the
/// innermost last ("tcp connect error: Connection refused (os error 111)", "dns error: …"),
/// each only once.
fn with_causes(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut cause = std::error::Error::source(error);
    while let Some(inner) = cause {
        let said = inner.to_string();
        if !said.is_empty() && !text.contains(&said) {
            text.push_str(": ");
            text.push_str(&said);
        }
        cause = inner.source();
    }
    text
}

/// The hint for a connection whose TLS handshake failed, found by the rustls error in the
/// chain (hyper wraps it in I/O errors, whose `source` skips what they wrap, so each one's
/// payload is looked into too).
fn transport_hint(error: &reqwest::Error) -> Option<String> {
    let tls = tls_error(std::error::Error::source(error)?)?;
    let advice = match tls {
        rustls::Error::InvalidCertificate(_) => {
            "if a private certificate authority signed the server's certificate, trust it with \
             ClientBuilder::add_root_certificate; the host in the URL must be one the \
             certificate names"
        }
        _ => "check that the URL's host and port serve HTTPS, not plain http",
    };
    Some(format!("the TLS handshake failed ({tls}): {advice}"))
}

fn tls_error<'a>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    if let Some(tls) = error.downcast_ref::<rustls::Error>() {
        return Some(tls);
    }
    let wrapped = error
        .downcast_ref::<std::io::Error>()
        .and_then(std::io::Error::get_ref)
        .and_then(|inner| tls_error(inner));
    wrapped.or_else(|| tls_error(error.source()?))
}

/// The hint for 401001 on sign-in with credentials of `kind`, mentioning a LUID-looking site
/// when there is one.
pub(crate) fn sign_in_hint(site: &str, kind: CredentialKind) -> String {
    let mut hint = String::new();
    if looks_like_luid(site) {
        hint.push_str(&format!(
            "the site `{site}` looks like a site LUID, but sign-in needs the site's content URL \
             (the part after #/site/ in the browser's address bar); "
        ));
    }
    hint.push_str(
        "check the site content URL (not the site LUID; \"\" is the Default site of Tableau \
         Server, and Tableau Cloud has none), then ",
    );
    hint.push_str(match kind {
        CredentialKind::Password => {
            "the user name and password; on Tableau Cloud password sign-in is not allowed \
             (sites with multi-factor authentication refuse it): use a personal access token \
             or a connected app"
        }
        CredentialKind::PersonalAccessToken => {
            "the token's name and secret; a personal access token may have been revoked, or \
             may have expired (after 15 days unused, or at the end of its lifetime: one year \
             on Tableau Server, 1-365 days on Tableau Cloud): create a new one"
        }
        CredentialKind::ConnectedApp => {
            "the JWT: this machine's clock (exp must lie in the server's future, at most 10 \
             minutes ahead; a skewed clock fails every sign-in), kid (the secret ID) and iss \
             (the client ID) of an enabled connected app, sub (the user name, which is \
             case-sensitive and must be a user of the site), and that the app allows the \
             scopes asked for"
        }
        CredentialKind::UnifiedAccessToken => {
            "the JWT: this machine's clock (exp must lie in the server's future), the issuer, \
             tenant id and key id of the UAT configuration, that the private key matches the \
             configuration's public key, the user-name claim (a user of the site, \
             case-sensitive), and that the configuration allows the scopes asked for"
        }
        _ => "the credentials",
    });
    hint
}

fn looks_like_luid(site: &str) -> bool {
    let groups: Vec<&str> = site.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, len)| g.len() == len && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clone_keeps_the_real_cause() {
        let cause = reqwest::Client::new().get("not a url").build().unwrap_err();
        let text = cause.to_string();
        let error = Error::from_reqwest(cause);
        let copy = error.clone();
        for error in [&error, &copy] {
            assert!(matches!(error, Error::Transport(_)), "{error:?}");
            let source = std::error::Error::source(error).expect("a cause");
            let reqwest = source
                .downcast_ref::<reqwest::Error>()
                .expect("the reqwest error");
            assert_eq!(reqwest.to_string(), text);
        }
        assert_eq!(error.to_string(), copy.to_string());
    }

    #[test]
    fn recognises_luids() {
        assert!(looks_like_luid("a946d998-2ead-4894-bb50-1054a91dcab3"));
        assert!(!looks_like_luid("MarketingTeam"));
        assert!(!looks_like_luid(""));
    }

    #[test]
    fn tableau_display_carries_the_hint() {
        let err = Error::Tableau {
            error: TableauError {
                http_status: 401,
                code: ErrorCode::SIGNIN_ERROR,
                summary: "Signin Error".into(),
                detail: "Error signing in to Tableau Server".into(),
            },
            hint: Some(sign_in_hint("", CredentialKind::Password)),
        };
        let text = err.to_string();
        assert!(
            text.starts_with("Tableau error 401001 (Signin Error)"),
            "{text}"
        );
        assert!(text.contains("hint: check the site content URL"), "{text}");
    }
}
