//! What one sign-in sends: the credential family, the site and the impersonated user.

use std::fmt;

use secrecy::SecretString;

use crate::version::Feature;

/// The credential families of `POST auth/signin`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CredentialKind {
    /// User name and password.
    Password,
    /// Personal access token (name and secret).
    PersonalAccessToken,
    /// A connected-app JSON Web Token.
    Jwt,
}

impl CredentialKind {
    /// The server feature the family needs, if any (password sign-in works on every version).
    pub const fn required_feature(self) -> Option<Feature> {
        match self {
            CredentialKind::Password => None,
            CredentialKind::PersonalAccessToken => Some(Feature::PersonalAccessToken),
            CredentialKind::Jwt => Some(Feature::ConnectedAppJwt),
        }
    }

    /// A short lower-case name (`password`, `pat`, `jwt`).
    pub const fn as_str(self) -> &'static str {
        match self {
            CredentialKind::Password => "password",
            CredentialKind::PersonalAccessToken => "pat",
            CredentialKind::Jwt => "jwt",
        }
    }
}

impl fmt::Display for CredentialKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One credential family with its secret. `Debug` never shows a secret.
#[derive(Clone)]
#[non_exhaustive]
pub enum CredentialFamily {
    /// User name and password.
    Password {
        /// The Tableau user name.
        username: String,
        /// The password.
        password: SecretString,
    },
    /// A personal access token.
    PersonalAccessToken {
        /// The token's name, as created in the Tableau UI.
        name: String,
        /// The token's secret.
        secret: SecretString,
    },
    /// A connected-app JWT, minted for this sign-in only.
    Jwt {
        /// The signed JWT.
        token: SecretString,
        /// `isUat`: `Some(true)` for a Tableau Cloud unified access token. `None` omits it.
        is_uat: Option<bool>,
    },
}

impl CredentialFamily {
    /// Which family this is.
    pub fn kind(&self) -> CredentialKind {
        match self {
            CredentialFamily::Password { .. } => CredentialKind::Password,
            CredentialFamily::PersonalAccessToken { .. } => CredentialKind::PersonalAccessToken,
            CredentialFamily::Jwt { .. } => CredentialKind::Jwt,
        }
    }
}

impl fmt::Debug for CredentialFamily {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CredentialFamily::Password { username, .. } => f
                .debug_struct("Password")
                .field("username", username)
                .field("password", &crate::Redacted)
                .finish(),
            CredentialFamily::PersonalAccessToken { name, .. } => f
                .debug_struct("PersonalAccessToken")
                .field("name", name)
                .field("secret", &crate::Redacted)
                .finish(),
            CredentialFamily::Jwt { is_uat, .. } => f
                .debug_struct("Jwt")
                .field("token", &crate::Redacted)
                .field("is_uat", is_uat)
                .finish(),
        }
    }
}

/// Everything one sign-in attempt sends: a credential family, the site's content URL and,
/// optionally, the LUID of a user to impersonate.
///
/// ```
/// use tableau_auth_core::{Credentials, CredentialKind};
///
/// let creds = Credentials::personal_access_token("ci-token", "SECRET-value")
///     .with_site("MarketingTeam");
/// assert_eq!(creds.kind(), CredentialKind::PersonalAccessToken);
/// assert_eq!(creds.site(), "MarketingTeam");
/// assert!(!format!("{creds:?}").contains("SECRET-value"));
/// ```
#[derive(Clone, Debug)]
pub struct Credentials {
    family: CredentialFamily,
    site: String,
    impersonate: Option<String>,
}

impl Credentials {
    /// Credentials of any family, for the Default site (content URL `""`).
    pub fn new(family: CredentialFamily) -> Self {
        Credentials {
            family,
            site: String::new(),
            impersonate: None,
        }
    }

    /// User name and password credentials.
    pub fn password(username: impl Into<String>, password: impl Into<SecretString>) -> Self {
        Self::new(CredentialFamily::Password {
            username: username.into(),
            password: password.into(),
        })
    }

    /// Personal access token credentials.
    pub fn personal_access_token(name: impl Into<String>, secret: impl Into<SecretString>) -> Self {
        Self::new(CredentialFamily::PersonalAccessToken {
            name: name.into(),
            secret: secret.into(),
        })
    }

    /// Connected-app JWT credentials (`isUat` omitted).
    pub fn jwt(token: impl Into<SecretString>) -> Self {
        Self::new(CredentialFamily::Jwt {
            token: token.into(),
            is_uat: None,
        })
    }

    /// Sets the site content URL (the part after `#/site/` in a browser URL; `""` is the
    /// Default site). Never the site LUID.
    #[must_use]
    pub fn with_site(mut self, content_url: impl Into<String>) -> Self {
        self.site = content_url.into();
        self
    }

    /// Asks to impersonate the user with this LUID (needs an administrator's credentials).
    #[must_use]
    pub fn with_impersonation(mut self, user_id: impl Into<String>) -> Self {
        self.impersonate = Some(user_id.into());
        self
    }

    /// Sets or clears the impersonated user id: what a provider with an optional
    /// `impersonate` setting passes through.
    pub fn with_optional_impersonation(mut self, user_id: Option<String>) -> Self {
        self.impersonate = user_id;
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

    /// The site content URL.
    pub fn site(&self) -> &str {
        &self.site
    }

    /// The impersonated user's LUID, if any.
    pub fn impersonated_user_id(&self) -> Option<&str> {
        self.impersonate.as_deref()
    }
}
