//! The [`AuthProvider`] trait and its error type.

use std::fmt::Debug;
use std::sync::Arc;

use async_trait::async_trait;

use crate::credentials::Credentials;

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
}

#[async_trait]
impl<T: AuthProvider + ?Sized> AuthProvider for Arc<T> {
    fn name(&self) -> &str {
        (**self).name()
    }

    async fn credentials(&self) -> Result<Credentials, ProviderError> {
        (**self).credentials().await
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
}

/// Why a provider could not produce credentials.
///
/// The variant decides what a [`ProviderChain`](crate::ProviderChain) does: only
/// [`NotConfigured`](ProviderError::NotConfigured) lets it try the next provider; any other
/// error stops it, because falling through on a misconfiguration silently signs in as someone
/// else. Messages never contain a secret value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProviderError {
    /// The provider found nothing to use (for example: no `TABLEAU_*` variables at all).
    #[error("{provider} provider is not configured: {reason}")]
    NotConfigured {
        /// The provider's name.
        provider: String,
        /// What it looked for.
        reason: String,
    },
    /// The provider found a configuration, but it is unusable (half set, contradictory,
    /// unreadable). The message names the settings involved and what to do.
    #[error("{provider} provider is misconfigured: {message}")]
    InvalidConfiguration {
        /// The provider's name.
        provider: String,
        /// What is wrong and how to fix it.
        message: String,
        /// The underlying cause (an I/O error reading a secret file, say).
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// The provider is configured but failed to produce credentials (signing a JWT failed, a
    /// secret store did not answer).
    #[error("{provider} provider failed: {message}")]
    Failed {
        /// The provider's name.
        provider: String,
        /// What failed.
        message: String,
        /// The underlying cause.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
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

    /// The name of the provider that failed.
    pub fn provider(&self) -> &str {
        match self {
            ProviderError::NotConfigured { provider, .. }
            | ProviderError::InvalidConfiguration { provider, .. }
            | ProviderError::Failed { provider, .. } => provider,
        }
    }
}
