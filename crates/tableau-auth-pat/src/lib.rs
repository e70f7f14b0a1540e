//! Sign in to the Tableau REST API with a personal access token (PAT).
//!
//! [`PersonalAccessTokenProvider`] holds a token name and its secret (as a [`SecretString`]
//! from the moment it is given) and sends them as `personalAccessTokenName` /
//! `personalAccessTokenSecret`, the only field names Tableau ever shipped (a 2019 pre-release
//! used `clientId` / `personalAccessToken`; this crate never sends them).
//!
//! PATs need REST API 3.6 (Tableau Server 2019.4) or newer on the server, and 3.11 to
//! impersonate another user.
//!
//! # One session per PAT
//!
//! Tableau keeps **at most one session per personal access token**. Signing in again with the
//! same PAT — from this process, from another process, on the same or another site — silently
//! ends the earlier session, whose token then gets error **401002** on its next request.
//! Password sign-ins do not behave like this. It is the most common production failure with
//! PATs: parallel jobs (CI matrix legs, workers of one service, a cron job overlapping a
//! developer's shell) that share one PAT knock each other out, each sign-in ending the other's
//! session, over and over.
//!
//! This crate only produces credentials; the protection lives in the client. The
//! `SessionManager` of the `tableau-auth` crate:
//!
//! - shares **one session per PAT per process**: every task asking for a token gets the same
//!   session, and only one of them signs in when it is missing or expired;
//! - signs in again **once** when the server answers 401002, and keys that re-sign-in on the
//!   token that failed, so a thousand tasks holding a dead token cause one sign-in, not a
//!   thousand (each of which would end the last);
//! - detects **supersession**: a 401002 soon after its own successful sign-in means another
//!   holder of the PAT signed in since, and the error says the PAT was probably used elsewhere;
//! - after repeated supersessions in a short window, **stops** with a `PatInUseElsewhere`
//!   error instead of signing in again, because every sign-in would end the other process's
//!   session and start a fight that neither side wins.
//!
//! Give every concurrent job its own PAT (or use a connected app, whose JWTs are minted per
//! sign-in and do not end each other's sessions).
//!
//! ```
//! use tableau_auth_core::{AuthProvider, CredentialKind, SignInRequest, WireFormat};
//! use tableau_auth_pat::PersonalAccessTokenProvider;
//!
//! let provider = PersonalAccessTokenProvider::new("ci-token", "SECRET")?.site("MarketingTeam");
//! assert_eq!(provider.name(), "pat");
//!
//! let creds = tokio::runtime::Builder::new_current_thread()
//!     .build()?
//!     .block_on(provider.credentials())?;
//! assert_eq!(creds.kind(), CredentialKind::PersonalAccessToken);
//! let body = SignInRequest::new(&creds).render(WireFormat::Json)?;
//! assert_eq!(
//!     body.expose_secret(),
//!     r#"{"credentials":{"personalAccessTokenName":"ci-token","personalAccessTokenSecret":"SECRET","site":{"contentUrl":"MarketingTeam"}}}"#
//! );
//! assert!(!format!("{provider:?}").contains("SECRET"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};
use tableau_auth_core::{AuthProvider, Credentials, ProviderError, StoreIdentity};

/// The provider name reported by [`PersonalAccessTokenProvider::name`] and in its errors.
const NAME: &str = "pat";

/// Signs in with a personal access token: its name and its secret.
///
/// A validated [`Credentials`] value of the personal-access-token family. Read the
/// [crate documentation](crate#one-session-per-pat) before sharing one PAT between processes.
/// `Debug` prints the token name and site, never the secret:
///
/// ```
/// use tableau_auth_pat::PersonalAccessTokenProvider;
///
/// let provider = PersonalAccessTokenProvider::new("ci-token", "SECRET")?;
/// assert_eq!(
///     format!("{provider:?}"),
///     r#"PersonalAccessTokenProvider(Credentials { family: PersonalAccessToken { name: "ci-token", secret: [redacted] }, target: SignInTarget { content_url: "", impersonate: None } })"#
/// );
/// # Ok::<(), tableau_auth_core::ProviderError>(())
/// ```
#[derive(Clone, Debug)]
pub struct PersonalAccessTokenProvider(Credentials);

impl PersonalAccessTokenProvider {
    /// A provider for the PAT with this name and secret, on the Default site.
    ///
    /// Both are kept verbatim. An empty or whitespace-only name or secret is refused with
    /// [`ProviderError::InvalidConfiguration`] (the message never contains the secret).
    pub fn new(
        token_name: impl Into<String>,
        token_secret: impl Into<SecretString>,
    ) -> Result<Self, ProviderError> {
        let token_name = token_name.into();
        let token_secret = token_secret.into();
        if token_name.trim().is_empty() {
            return Err(ProviderError::invalid_configuration(
                NAME,
                "the personal access token name is empty; give the name shown in \
                 My Account Settings",
            ));
        }
        if token_secret.expose_secret().trim().is_empty() {
            return Err(ProviderError::invalid_configuration(
                NAME,
                format!("the secret of personal access token `{token_name}` is empty"),
            ));
        }
        Ok(PersonalAccessTokenProvider(
            Credentials::personal_access_token(token_name, token_secret),
        ))
    }

    /// Signs in to the site with this content URL (the part after `#/site/` in a browser URL;
    /// `""` is the Default site). Never the site LUID.
    #[must_use]
    pub fn site(self, content_url: impl Into<String>) -> Self {
        PersonalAccessTokenProvider(self.0.with_site(content_url))
    }

    /// Impersonates the user with this LUID (needs a server administrator's PAT and REST API
    /// 3.11 or newer).
    #[must_use]
    pub fn impersonate(self, user_id: impl Into<String>) -> Self {
        PersonalAccessTokenProvider(self.0.with_impersonation(user_id))
    }

    /// The credentials every sign-in sends (site and impersonation included).
    pub fn as_credentials(&self) -> &Credentials {
        &self.0
    }
}

#[async_trait]
impl AuthProvider for PersonalAccessTokenProvider {
    fn name(&self) -> &str {
        NAME
    }

    async fn credentials(&self) -> Result<Credentials, ProviderError> {
        Ok(self.0.clone())
    }

    /// The token name, the site and impersonated user; sealed with the token secret.
    async fn store_identity(&self) -> Result<Option<StoreIdentity>, ProviderError> {
        self.0.store_identity().await
    }
}
