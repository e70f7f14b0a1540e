//! What one sign-in sends: the credential family, and where and as whom to sign in.

use std::fmt;
use std::str::FromStr;

use async_trait::async_trait;
use secrecy::SecretString;

use crate::provider::{AuthProvider, ProviderError};
use crate::redacted::Redacted;
use crate::store_identity::StoreIdentity;
use crate::version::Feature;

/// The credential families of `POST auth/signin`: the one list of them in the workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CredentialKind {
    /// User name and password.
    Password,
    /// Personal access token (name and secret).
    PersonalAccessToken,
    /// A connected app (direct trust): an HS256 JWT minted per sign-in.
    ConnectedApp,
    /// A Tableau Cloud unified access token: an RS256 JWT signed with the customer's own key
    /// (`isUat="true"` on the wire).
    UnifiedAccessToken,
}

impl CredentialKind {
    /// Every family, in the order messages list them.
    pub const ALL: [CredentialKind; 4] = [
        CredentialKind::PersonalAccessToken,
        CredentialKind::Password,
        CredentialKind::ConnectedApp,
        CredentialKind::UnifiedAccessToken,
    ];

    /// The server feature the family needs, if any (password sign-in works on every version).
    pub const fn required_feature(self) -> Option<Feature> {
        match self {
            CredentialKind::Password => None,
            CredentialKind::PersonalAccessToken => Some(Feature::PersonalAccessToken),
            CredentialKind::ConnectedApp => Some(Feature::ConnectedApp),
            CredentialKind::UnifiedAccessToken => Some(Feature::UnifiedAccessToken),
        }
    }

    /// The short name `TABLEAU_AUTH` and the mock's control API use: `password`, `pat`,
    /// `connected-app`, `uat`.
    pub const fn as_str(self) -> &'static str {
        match self {
            CredentialKind::Password => "password",
            CredentialKind::PersonalAccessToken => "pat",
            CredentialKind::ConnectedApp => "connected-app",
            CredentialKind::UnifiedAccessToken => "uat",
        }
    }

    /// How messages name the family: `password`, `personal access token`, `connected app`,
    /// `unified access token`.
    pub const fn label(self) -> &'static str {
        match self {
            CredentialKind::Password => "password",
            CredentialKind::PersonalAccessToken => "personal access token",
            CredentialKind::ConnectedApp => "connected app",
            CredentialKind::UnifiedAccessToken => "unified access token",
        }
    }

    /// Whether the family signs in with a JWT (connected app or unified access token), whose
    /// session is limited to the JWT's scopes.
    pub const fn is_jwt(self) -> bool {
        matches!(
            self,
            CredentialKind::ConnectedApp | CredentialKind::UnifiedAccessToken
        )
    }
}

impl fmt::Display for CredentialKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text was not one of `password`, `pat`, `connected-app`, `uat`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown credential kind; expected pat, password, connected-app or uat (case-insensitive)")]
pub struct CredentialKindParseError;

impl FromStr for CredentialKind {
    type Err = CredentialKindParseError;

    /// Parses [`as_str`](CredentialKind::as_str)'s names, case-insensitively.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CredentialKind::ALL
            .into_iter()
            .find(|kind| kind.as_str().eq_ignore_ascii_case(s))
            .ok_or(CredentialKindParseError)
    }
}

/// One credential family with its secret. `Debug` never shows a secret.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum CredentialFamily {
    /// User name and password.
    Password {
        /// The Tableau user name.
        username: String,
        /// The password.
        password: Redacted<SecretString>,
    },
    /// A personal access token.
    PersonalAccessToken {
        /// The token's name, as created in the Tableau UI.
        name: String,
        /// The token's secret.
        secret: Redacted<SecretString>,
    },
    /// A connected-app JWT, minted for this sign-in only (sent as `jwt`).
    ConnectedApp {
        /// The signed JWT.
        jwt: Redacted<SecretString>,
    },
    /// A unified access token JWT (sent as `jwt` with `isUat="true"`).
    UnifiedAccessToken {
        /// The signed JWT.
        jwt: Redacted<SecretString>,
    },
}

impl CredentialFamily {
    /// Which family this is.
    pub fn kind(&self) -> CredentialKind {
        match self {
            CredentialFamily::Password { .. } => CredentialKind::Password,
            CredentialFamily::PersonalAccessToken { .. } => CredentialKind::PersonalAccessToken,
            CredentialFamily::ConnectedApp { .. } => CredentialKind::ConnectedApp,
            CredentialFamily::UnifiedAccessToken { .. } => CredentialKind::UnifiedAccessToken,
        }
    }
}

/// Where and as whom a sign-in lands: the site's content URL and, optionally, the LUID of a
/// user to impersonate. Every provider holds one.
///
/// ```
/// use tableau_auth_core::SignInTarget;
///
/// let target = SignInTarget::site("MarketingTeam").with_impersonation("9f9e9d9c-…");
/// assert_eq!(target.content_url(), "MarketingTeam");
/// assert_eq!(target.impersonated_user_id(), Some("9f9e9d9c-…"));
/// assert_eq!(SignInTarget::default().content_url(), ""); // the Default site
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SignInTarget {
    content_url: String,
    impersonate: Option<String>,
}

impl SignInTarget {
    /// The site with this content URL (the part after `#/site/` in a browser URL; `""` is the
    /// Default site of Tableau Server). Never the site LUID.
    pub fn site(content_url: impl Into<String>) -> Self {
        SignInTarget {
            content_url: content_url.into(),
            impersonate: None,
        }
    }

    /// The same target on another site.
    #[must_use]
    pub fn with_site(mut self, content_url: impl Into<String>) -> Self {
        self.content_url = content_url.into();
        self
    }

    /// Asks to impersonate the user with this LUID (needs an administrator's credentials).
    #[must_use]
    pub fn with_impersonation(mut self, user_id: impl Into<String>) -> Self {
        self.impersonate = Some(user_id.into());
        self
    }

    /// Sets or clears the impersonated user's LUID.
    #[must_use]
    pub fn with_optional_impersonation(mut self, user_id: Option<String>) -> Self {
        self.impersonate = user_id;
        self
    }

    /// The site content URL.
    pub fn content_url(&self) -> &str {
        &self.content_url
    }

    /// The impersonated user's LUID, if any.
    pub fn impersonated_user_id(&self) -> Option<&str> {
        self.impersonate.as_deref()
    }
}

/// Everything one sign-in attempt sends: a credential family and a [`SignInTarget`].
///
/// `Credentials` is itself an [`AuthProvider`] that hands out a copy of itself for every
/// sign-in (static credentials, as aws-config's are), so a test or a one-off script needs no
/// provider crate. `Debug` never shows the secret.
///
/// ```
/// use tableau_auth_core::{AuthProvider, Credentials, CredentialKind};
///
/// let creds = Credentials::personal_access_token("ci-token", "SECRET-value")
///     .with_site("MarketingTeam");
/// assert_eq!(creds.kind(), CredentialKind::PersonalAccessToken);
/// assert_eq!(creds.site(), "MarketingTeam");
/// assert_eq!(
///     format!("{creds:?}"),
///     r#"Credentials { family: PersonalAccessToken { name: "ci-token", secret: [redacted] }, target: SignInTarget { content_url: "MarketingTeam", impersonate: None } }"#
/// );
/// assert_eq!(creds.name(), "static");
/// ```
#[derive(Clone, Debug)]
pub struct Credentials {
    family: CredentialFamily,
    target: SignInTarget,
}

impl Credentials {
    /// Credentials of any family, for the Default site (content URL `""`).
    pub fn new(family: CredentialFamily) -> Self {
        Credentials {
            family,
            target: SignInTarget::default(),
        }
    }

    /// User name and password credentials.
    pub fn password(username: impl Into<String>, password: impl Into<SecretString>) -> Self {
        Self::new(CredentialFamily::Password {
            username: username.into(),
            password: Redacted::new(password.into()),
        })
    }

    /// Personal access token credentials.
    pub fn personal_access_token(name: impl Into<String>, secret: impl Into<SecretString>) -> Self {
        Self::new(CredentialFamily::PersonalAccessToken {
            name: name.into(),
            secret: Redacted::new(secret.into()),
        })
    }

    /// Connected-app credentials: a signed JWT (sent without `isUat`).
    pub fn connected_app(jwt: impl Into<SecretString>) -> Self {
        Self::new(CredentialFamily::ConnectedApp {
            jwt: Redacted::new(jwt.into()),
        })
    }

    /// Unified access token credentials: a signed JWT (sent with `isUat="true"`).
    pub fn unified_access_token(jwt: impl Into<SecretString>) -> Self {
        Self::new(CredentialFamily::UnifiedAccessToken {
            jwt: Redacted::new(jwt.into()),
        })
    }

    /// Sets the site content URL (the part after `#/site/` in a browser URL; `""` is the
    /// Default site). Never the site LUID.
    #[must_use]
    pub fn with_site(mut self, content_url: impl Into<String>) -> Self {
        self.target = self.target.with_site(content_url);
        self
    }

    /// Asks to impersonate the user with this LUID (needs an administrator's credentials).
    #[must_use]
    pub fn with_impersonation(mut self, user_id: impl Into<String>) -> Self {
        self.target = self.target.with_impersonation(user_id);
        self
    }

    /// Replaces the site and impersonated user.
    #[must_use]
    pub fn with_target(mut self, target: SignInTarget) -> Self {
        self.target = target;
        self
    }

    /// The credential family.
    pub fn family(&self) -> &CredentialFamily {
        &self.family
    }

    /// Which family this is.
    pub fn kind(&self) -> CredentialKind {
        self.family.kind()
    }

    /// The site and impersonated user.
    pub fn target(&self) -> &SignInTarget {
        &self.target
    }

    /// The site content URL.
    pub fn site(&self) -> &str {
        self.target.content_url()
    }

    /// The impersonated user's LUID, if any.
    pub fn impersonated_user_id(&self) -> Option<&str> {
        self.target.impersonated_user_id()
    }
}

#[async_trait]
impl AuthProvider for Credentials {
    fn name(&self) -> &str {
        "static"
    }

    async fn credentials(&self) -> Result<Credentials, ProviderError> {
        Ok(self.clone())
    }

    /// Password and personal-access-token credentials have an identity (the user or token
    /// name, the target, the secret); a JWT minted for one sign-in does not.
    async fn store_identity(&self) -> Result<Option<StoreIdentity>, ProviderError> {
        use secrecy::ExposeSecret;
        let (identity, name) = match &self.family {
            CredentialFamily::Password { username, password } => (
                StoreIdentity::new(
                    CredentialKind::Password,
                    password.expose_secret().as_bytes(),
                ),
                ("user", username),
            ),
            CredentialFamily::PersonalAccessToken { name, secret } => (
                StoreIdentity::new(
                    CredentialKind::PersonalAccessToken,
                    secret.expose_secret().as_bytes(),
                ),
                ("token", name),
            ),
            CredentialFamily::ConnectedApp { .. } | CredentialFamily::UnifiedAccessToken { .. } => {
                return Ok(None);
            }
        };
        Ok(Some(
            identity
                .with_part(name.0, name.1.clone())
                .with_target(&self.target),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_their_names() {
        for kind in CredentialKind::ALL {
            assert_eq!(kind.as_str().parse::<CredentialKind>(), Ok(kind));
            assert_eq!(
                kind.as_str().to_uppercase().parse::<CredentialKind>(),
                Ok(kind)
            );
        }
        assert!("jwt".parse::<CredentialKind>().is_err());
        assert!("".parse::<CredentialKind>().is_err());
    }

    #[test]
    fn debug_hides_every_secret() {
        let all = [
            Credentials::password("jdoe", "SECRET-1"),
            Credentials::personal_access_token("ci", "SECRET-2"),
            Credentials::connected_app("SECRET-3"),
            Credentials::unified_access_token("SECRET-4"),
        ];
        for creds in all {
            let text = format!("{creds:?}");
            assert!(!text.contains("SECRET"), "{text}");
            assert!(text.contains("[redacted]"), "{text}");
        }
    }
}
