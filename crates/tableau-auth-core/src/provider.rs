//! The [`AuthProvider`] trait and its error type.

use std::fmt::Debug;
use std::sync::Arc;

use async_trait::async_trait;

use crate::credentials::Credentials;
use crate::store_identity::StoreIdentity;

/// Produces the credentials for one sign-in attempt.
///
/// A provider is asked once per sign-in, so it can mint a fresh single-use token (the
/// connected-app provider does) or re-read a rotated secret. Providers are held as
/// `Arc<dyn AuthProvider>` and chosen at run time; caching sessions is the client's job, not
/// the provider's.
///
/// ```
/// use async_trait::async_trait;
/// use tableau_auth_core::{AuthProvider, Credentials, ProviderError};
///
/// #[derive(Debug)]
/// struct Fixed;
///
/// #[async_trait]
/// impl AuthProvider for Fixed {
///     fn name(&self) -> &str {
///         "fixed"
///     }
///     async fn credentials(&self) -> Result<Credentials, ProviderError> {
///         Ok(Credentials::password("admin", "admin"))
///     }
/// }
///
/// # tokio_test_block(async {
/// let provider: std::sync::Arc<dyn AuthProvider> = std::sync::Arc::new(Fixed);
/// let creds = provider.credentials().await.unwrap();
/// assert_eq!(creds.site(), "");
/// # });
/// # fn tokio_test_block<F: std::future::Future>(f: F) -> F::Output {
/// #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
/// # }
/// ```
#[async_trait]
pub trait AuthProvider: Send + Sync + Debug {
    /// A short name for diagnostics (`"pat"`, `"env"`, …). Never contains a secret.
    fn name(&self) -> &str;

    /// The credentials for one sign-in attempt.
    async fn credentials(&self) -> Result<Credentials, ProviderError>;

    /// Who this provider signs in as and the secret a session store seals its sessions with
    /// (see [`StoreIdentity`]), or `None` when the provider does not opt in: then no session
    /// store can share its sessions between processes.
    ///
    /// Errors mean what they mean for [`credentials`](AuthProvider::credentials):
    /// [`ProviderError::NotConfigured`] lets a [`ProviderChain`](crate::ProviderChain) ask the
    /// next provider. The default answers `Ok(None)`. The password, personal-access-token,
    /// connected-app, unified-access-token and environment providers answer with their
    /// identity; the secret of a connected app is its secret value and that of a unified access
    /// token its private key, never a JWT minted for one sign-in.
    async fn store_identity(&self) -> Result<Option<StoreIdentity>, ProviderError> {
        Ok(None)
    }
}

#[async_trait]
impl<T: AuthProvider + ?Sized> AuthProvider for Arc<T> {
    fn name(&self) -> &str {
        (**self).name()
    }

    async fn credentials(&self) -> Result<Credentials, ProviderError> {
        (**self).credentials().await
    }

    async fn store_identity(&self) -> Result<Option<StoreIdentity>, ProviderError> {
        (**self).store_identity().await
    }
}

#[async_trait]
impl<T: AuthProvider + ?Sized> AuthProvider for Box<T> {
    fn name(&self) -> &str {
        (**self).name()
    }

    async fn credentials(&self) -> Result<Credentials, ProviderError> {
        (**self).credentials().await
    }

    async fn store_identity(&self) -> Result<Option<StoreIdentity>, ProviderError> {
        (**self).store_identity().await
    }
}

/// Why a provider could not produce credentials.
///
/// The variant decides what a [`ProviderChain`](crate::ProviderChain) does: only
/// [`NotConfigured`](ProviderError::NotConfigured) lets it try the next provider; any other
/// error stops it, because falling through on a misconfiguration silently signs in as someone
/// else. Messages never contain a secret value.
///
/// Cheap to clone (causes are shared), so every task waiting on one sign-in gets the same error.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ProviderError {
    /// The provider found nothing to use (for example: no `TABLEAU_*` variables at all).
    NotConfigured {
        /// The provider's name.
        provider: String,
        /// What it looked for.
        reason: String,
    },
    /// The provider found a configuration, but it is unusable (half set, contradictory,
    /// unreadable). The message names the settings involved and what to do.
    InvalidConfiguration {
        /// The provider's name.
        provider: String,
        /// What is wrong and how to fix it.
        message: String,
        /// The underlying cause (an I/O error reading a secret file, say).
        source: Option<Arc<dyn std::error::Error + Send + Sync>>,
    },
    /// The provider is configured but failed to produce credentials (signing a JWT failed, a
    /// secret store did not answer).
    Failed {
        /// The provider's name.
        provider: String,
        /// What failed.
        message: String,
        /// The underlying cause.
        source: Option<Arc<dyn std::error::Error + Send + Sync>>,
    },
}

impl std::fmt::Display for ProviderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProviderError::NotConfigured { provider, reason } => {
                write!(f, "{provider} provider is not configured: {reason}")
            }
            ProviderError::InvalidConfiguration {
                provider, message, ..
            } => write!(f, "{provider} provider is misconfigured: {message}"),
            ProviderError::Failed {
                provider, message, ..
            } => write!(f, "{provider} provider failed: {message}"),
        }
    }
}

impl std::error::Error for ProviderError {
    /// The cause itself (not the `Arc` that shares it), so callers can downcast it.
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ProviderError::InvalidConfiguration { source, .. }
            | ProviderError::Failed { source, .. } => source
                .as_deref()
                .map(|cause| cause as &(dyn std::error::Error + 'static)),
            ProviderError::NotConfigured { .. } => None,
        }
    }
}

impl ProviderError {
    /// A [`NotConfigured`](ProviderError::NotConfigured) error.
    pub fn not_configured(provider: impl Into<String>, reason: impl Into<String>) -> Self {
        ProviderError::NotConfigured {
            provider: provider.into(),
            reason: reason.into(),
        }
    }

    /// An [`InvalidConfiguration`](ProviderError::InvalidConfiguration) error without a cause.
    pub fn invalid_configuration(provider: impl Into<String>, message: impl Into<String>) -> Self {
        ProviderError::InvalidConfiguration {
            provider: provider.into(),
            message: message.into(),
            source: None,
        }
    }

    /// A [`Failed`](ProviderError::Failed) error without a cause.
    pub fn failed(provider: impl Into<String>, message: impl Into<String>) -> Self {
        ProviderError::Failed {
            provider: provider.into(),
            message: message.into(),
            source: None,
        }
    }

    /// Whether a chain may try the next provider.
    pub fn is_not_configured(&self) -> bool {
        matches!(self, ProviderError::NotConfigured { .. })
    }

    /// Attaches the underlying cause (an I/O error, a signing error) to an
    /// [`InvalidConfiguration`](ProviderError::InvalidConfiguration) or
    /// [`Failed`](ProviderError::Failed) error; `NotConfigured` has none.
    #[must_use]
    pub fn with_source(mut self, cause: impl std::error::Error + Send + Sync + 'static) -> Self {
        match &mut self {
            ProviderError::InvalidConfiguration { source, .. }
            | ProviderError::Failed { source, .. } => *source = Some(Arc::new(cause)),
            ProviderError::NotConfigured { .. } => {}
        }
        self
    }

    /// The name of the provider that failed.
    pub fn provider(&self) -> &str {
        match self {
            ProviderError::NotConfigured { provider, .. }
            | ProviderError::InvalidConfiguration { provider, .. }
            | ProviderError::Failed { provider, .. } => provider,
        }
    }
}
