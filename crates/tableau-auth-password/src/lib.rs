//! Sign in to the Tableau REST API with a user name and a password.
//!
//! [`PasswordProvider`] holds one user name and password (the password as a
//! [`SecretString`] from the moment it is given) and hands out the same
//! [`Credentials`] for every sign-in. Password sign-ins do not end each other's sessions, so
//! several processes may share one account (unlike a personal access token).
//!
//! Prefer a personal access token or a connected app for unattended jobs: sites that require
//! multi-factor authentication or single sign-on do not accept password sign-in through the
//! REST API.
//!
//! ```
//! use tableau_auth_core::{AuthProvider, CredentialKind, SignInRequest, WireFormat};
//! use tableau_auth_password::PasswordProvider;
//!
//! let provider = PasswordProvider::new("jdoe", "s3cret")?.site("finance");
//! assert_eq!(provider.name(), "password");
//!
//! let creds = tokio::runtime::Builder::new_current_thread()
//!     .build()?
//!     .block_on(provider.credentials())?;
//! assert_eq!(creds.kind(), CredentialKind::Password);
//! assert_eq!(creds.site(), "finance");
//! let body = SignInRequest::new(&creds).render(WireFormat::Xml)?;
//! assert_eq!(
//!     body.expose_secret(),
//!     r#"<tsRequest><credentials name="jdoe" password="s3cret"><site contentUrl="finance"/></credentials></tsRequest>"#
//! );
//!
//! // Debug never shows the password.
//! assert!(!format!("{provider:?}").contains("s3cret"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

use async_trait::async_trait;
use secrecy::SecretString;
use tableau_auth_core::{AuthProvider, Credentials, ProviderError, StoreIdentity};

/// The provider name reported by [`PasswordProvider::name`] and in its errors.
const NAME: &str = "password";

/// Signs in with a Tableau user name and password.
///
/// A validated [`Credentials`] value of the password family: the site defaults to the Default
/// site (content URL `""`); set another with [`site`](PasswordProvider::site). `Debug` prints
/// the user name and site, never the password:
///
/// ```
/// use tableau_auth_password::PasswordProvider;
///
/// let provider = PasswordProvider::new("jdoe", "s3cret")?.site("finance");
/// assert_eq!(
///     format!("{provider:?}"),
///     r#"PasswordProvider(Credentials { family: Password { username: "jdoe", password: [redacted] }, target: SignInTarget { content_url: "finance", impersonate: None } })"#
/// );
/// # Ok::<(), tableau_auth_core::ProviderError>(())
/// ```
#[derive(Clone, Debug)]
pub struct PasswordProvider(Credentials);

impl PasswordProvider {
    /// A provider for this user name and password, on the Default site.
    ///
    /// The password is kept verbatim (spaces included). An empty or whitespace-only user name is
    /// refused with [`ProviderError::InvalidConfiguration`]: Tableau would answer 401001, which
    /// hides the real cause.
    pub fn new(
        username: impl Into<String>,
        password: impl Into<SecretString>,
    ) -> Result<Self, ProviderError> {
        let username = username.into();
        if username.trim().is_empty() {
            return Err(ProviderError::invalid_configuration(
                NAME,
                "the user name is empty; give the Tableau user name to sign in as",
            ));
        }
        Ok(PasswordProvider(Credentials::password(username, password)))
    }

    /// Signs in to the site with this content URL (the part after `#/site/` in a browser URL;
    /// `""` is the Default site). Never the site LUID.
    #[must_use]
    pub fn site(self, content_url: impl Into<String>) -> Self {
        PasswordProvider(self.0.with_site(content_url))
    }

    /// Impersonates the user with this LUID (the signing-in user must be a server
    /// administrator).
    #[must_use]
    pub fn impersonate(self, user_id: impl Into<String>) -> Self {
        PasswordProvider(self.0.with_impersonation(user_id))
    }

    /// The credentials every sign-in sends (site and impersonation included).
    pub fn as_credentials(&self) -> &Credentials {
        &self.0
    }
}

#[async_trait]
impl AuthProvider for PasswordProvider {
    fn name(&self) -> &str {
        NAME
    }

    async fn credentials(&self) -> Result<Credentials, ProviderError> {
        Ok(self.0.clone())
    }

    /// The user name, the site and impersonated user; sealed with the password.
    async fn store_identity(&self) -> Result<Option<StoreIdentity>, ProviderError> {
        self.0.store_identity().await
    }
}
