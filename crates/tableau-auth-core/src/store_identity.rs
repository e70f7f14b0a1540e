//! [`StoreIdentity`]: what a session store needs to know about a credential.

use std::fmt;

use secrecy::{ExposeSecret, SecretSlice};

use crate::credentials::{CredentialKind, SignInTarget};
use crate::redacted::Redacted;

/// Who a credential signs in as (nothing secret), and the secret that a session store derives
/// its encryption key from.
///
/// A session store shared between processes (the `tableau-auth` crate's file and Redis
/// stores) files one session per identity under a hash of the identity's public parts (server,
/// site, credential kind, the named [parts](StoreIdentity::with_part)), and seals it with a
/// key derived from [`secret`](StoreIdentity::secret): reading the store gives nothing to
/// someone who does not already hold the credential. Providers opt in through
/// [`AuthProvider::store_identity`](crate::AuthProvider::store_identity).
///
/// Every part that changes what a session may do belongs in the identity (the user, the
/// impersonated user, JWT scopes), so two configurations that would get different sessions
/// never share one. `Debug` never shows the secret:
///
/// ```
/// use tableau_auth_core::{CredentialKind, SignInTarget, StoreIdentity};
///
/// let identity = StoreIdentity::new(CredentialKind::PersonalAccessToken, "SECRET".as_bytes())
///     .with_target(&SignInTarget::site("finance"))
///     .with_part("name", "ci-token");
/// assert_eq!(identity.site(), "finance");
/// assert_eq!(identity.parts().collect::<Vec<_>>(), [("name", "ci-token")]);
/// assert_eq!(
///     format!("{identity:?}"),
///     r#"StoreIdentity { kind: PersonalAccessToken, site: "finance", parts: [("name", "ci-token")], secret: [redacted] }"#
/// );
/// ```
#[derive(Clone)]
pub struct StoreIdentity {
    kind: CredentialKind,
    site: String,
    parts: Vec<(String, String)>,
    secret: SecretSlice<u8>,
}

impl StoreIdentity {
    /// The identity of a credential of this kind whose secret is `secret` (the PAT secret, the
    /// password, the connected app's secret value, the private key), for the Default site.
    pub fn new(kind: CredentialKind, secret: impl Into<Vec<u8>>) -> Self {
        StoreIdentity {
            kind,
            site: String::new(),
            parts: Vec::new(),
            secret: SecretSlice::from(secret.into()),
        }
    }

    /// The same identity for this sign-in target: its site, and the impersonated user (a part
    /// named `impersonate`) when there is one.
    #[must_use]
    pub fn with_target(mut self, target: &SignInTarget) -> Self {
        self.site = target.content_url().to_owned();
        if let Some(user_id) = target.impersonated_user_id() {
            self = self.with_part("impersonate", user_id);
        }
        self
    }

    /// Adds a named public part of the identity (a user name, a token name, a client id, a
    /// scope list). Never a secret: parts are hashed into the store key, which is not secret.
    #[must_use]
    pub fn with_part(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.parts.push((name.into(), value.into()));
        self
    }

    /// The credential family.
    pub fn kind(&self) -> CredentialKind {
        self.kind
    }

    /// The site content URL the credential signs in to (`""` for the Default site).
    pub fn site(&self) -> &str {
        &self.site
    }

    /// The named public parts, in the order they were added.
    pub fn parts(&self) -> impl Iterator<Item = (&str, &str)> {
        self.parts
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()))
    }

    /// The secret the store's encryption key is derived from.
    pub fn secret(&self) -> &SecretSlice<u8> {
        &self.secret
    }

    /// Whether the secret is empty (a store refuses such an identity).
    pub fn has_empty_secret(&self) -> bool {
        self.secret.expose_secret().is_empty()
    }
}

impl fmt::Debug for StoreIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoreIdentity")
            .field("kind", &self.kind)
            .field("site", &self.site)
            .field("parts", &self.parts)
            .field("secret", &Redacted::new(()))
            .finish()
    }
}
