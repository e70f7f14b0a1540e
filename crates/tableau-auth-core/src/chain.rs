//! [`ProviderChain`]: try providers in order, fall through only when one is not configured.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;

use crate::credentials::Credentials;
use crate::provider::{AuthProvider, ProviderError};
use crate::store_identity::StoreIdentity;

/// Tries providers in order and uses the first that is configured.
///
/// A provider answering [`ProviderError::NotConfigured`] passes the turn to the next one; any
/// other error stops the chain at once (a broken configuration must not silently become a
/// different identity). When no provider is configured, the error lists every attempt.
///
/// [`store_identity`](AuthProvider::store_identity) delegates the same way, to the provider
/// whose credentials the chain would use: a provider answering `None` (it does not opt in) is
/// asked for its credentials to learn whether it is configured, so the chain never takes the
/// identity of a provider other than the one that signs in.
///
/// Each answer is logged as a `tracing` debug event naming the provider that answered and the
/// ones that were not configured before it (names and reasons only, never a secret).
///
/// ```
/// # use std::sync::Arc;
/// use async_trait::async_trait;
/// use tableau_auth_core::{AuthProvider, Credentials, ProviderChain, ProviderError};
///
/// #[derive(Debug)]
/// struct Nothing;
/// #[async_trait]
/// impl AuthProvider for Nothing {
///     fn name(&self) -> &str { "nothing" }
///     async fn credentials(&self) -> Result<Credentials, ProviderError> {
///         Err(ProviderError::not_configured("nothing", "no variables set"))
///     }
/// }
///
/// #[derive(Debug)]
/// struct Admin;
/// #[async_trait]
/// impl AuthProvider for Admin {
///     fn name(&self) -> &str { "admin" }
///     async fn credentials(&self) -> Result<Credentials, ProviderError> {
///         Ok(Credentials::password("admin", "admin"))
///     }
/// }
///
/// let chain = ProviderChain::first_try("env", Nothing).or_else("admin", Admin);
/// let creds = tokio::runtime::Builder::new_current_thread().build().unwrap()
///     .block_on(chain.credentials()).unwrap();
/// assert_eq!(creds.kind(), tableau_auth_core::CredentialKind::Password);
/// assert_eq!(format!("{chain:?}"), r#"ProviderChain(["env", "admin"])"#);
/// ```
#[derive(Clone)]
pub struct ProviderChain {
    providers: Vec<(String, Arc<dyn AuthProvider>)>,
}

impl ProviderChain {
    /// Starts a chain with its first provider.
    pub fn first_try(name: impl Into<String>, provider: impl AuthProvider + 'static) -> Self {
        ProviderChain {
            providers: vec![(name.into(), Arc::new(provider))],
        }
    }

    /// Adds the next provider to try.
    #[must_use]
    pub fn or_else(
        mut self,
        name: impl Into<String>,
        provider: impl AuthProvider + 'static,
    ) -> Self {
        self.providers.push((name.into(), Arc::new(provider)));
        self
    }

    /// Adds a provider that is already shared.
    #[must_use]
    pub fn or_else_shared(
        mut self,
        name: impl Into<String>,
        provider: Arc<dyn AuthProvider>,
    ) -> Self {
        self.providers.push((name.into(), provider));
        self
    }

    /// The names of the providers, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.providers.iter().map(|(name, _)| name.as_str())
    }
}

impl fmt::Debug for ProviderChain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ProviderChain")
            .field(&self.names().collect::<Vec<_>>())
            .finish()
    }
}

#[async_trait]
impl AuthProvider for ProviderChain {
    fn name(&self) -> &str {
        "chain"
    }

    async fn credentials(&self) -> Result<Credentials, ProviderError> {
        let mut attempts = Vec::with_capacity(self.providers.len());
        let mut not_configured = Vec::with_capacity(self.providers.len());
        for (name, provider) in &self.providers {
            match provider.credentials().await {
                Ok(credentials) => {
                    tracing::debug!(
                        provider = %name,
                        credential_kind = %credentials.kind(),
                        ?not_configured,
                        "the chain's credentials come from this provider"
                    );
                    return Ok(credentials);
                }
                Err(ProviderError::NotConfigured { reason, .. }) => {
                    tracing::debug!(provider = %name, %reason, "not configured; trying the next provider");
                    attempts.push(format!("{name}: {reason}"));
                    not_configured.push(name.as_str());
                }
                Err(other) => {
                    tracing::debug!(
                        provider = %name,
                        error = %other,
                        ?not_configured,
                        "the provider is configured but failed; the chain stops"
                    );
                    return Err(other);
                }
            }
        }
        tracing::debug!(?not_configured, "no provider in the chain is configured");
        Err(nothing_configured(&attempts))
    }

    async fn store_identity(&self) -> Result<Option<StoreIdentity>, ProviderError> {
        let mut attempts = Vec::with_capacity(self.providers.len());
        for (name, provider) in &self.providers {
            let answer = match provider.store_identity().await {
                Ok(Some(identity)) => return Ok(Some(identity)),
                // It does not opt in; whether it is the provider that signs in depends on
                // whether it is configured.
                Ok(None) => provider.credentials().await.map(|_| None),
                Err(error) => Err(error),
            };
            match answer {
                Err(ProviderError::NotConfigured { reason, .. }) => {
                    attempts.push(format!("{name}: {reason}"));
                }
                other => return other,
            }
        }
        Err(nothing_configured(&attempts))
    }
}

fn nothing_configured(attempts: &[String]) -> ProviderError {
    ProviderError::not_configured(
        "chain",
        format!(
            "no provider in the chain is configured ({})",
            attempts.join("; ")
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[derive(Debug)]
    struct Scripted {
        outcome: fn() -> Result<Credentials, ProviderError>,
        calls: Arc<AtomicUsize>,
    }

    #[async_trait]
    impl AuthProvider for Scripted {
        fn name(&self) -> &str {
            "scripted"
        }
        async fn credentials(&self) -> Result<Credentials, ProviderError> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            (self.outcome)()
        }
    }

    fn scripted(
        outcome: fn() -> Result<Credentials, ProviderError>,
    ) -> (Scripted, Arc<AtomicUsize>) {
        let calls = Arc::new(AtomicUsize::new(0));
        (
            Scripted {
                outcome,
                calls: calls.clone(),
            },
            calls,
        )
    }

    fn run<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    #[test]
    fn falls_through_only_on_not_configured() {
        let (a, a_calls) = scripted(|| Err(ProviderError::not_configured("a", "nothing set")));
        let (b, b_calls) = scripted(|| Ok(Credentials::password("u", "p")));
        let chain = ProviderChain::first_try("a", a).or_else("b", b);
        let creds = run(chain.credentials()).unwrap();
        assert_eq!(creds.kind(), crate::CredentialKind::Password);
        assert_eq!(a_calls.load(Ordering::SeqCst), 1);
        assert_eq!(b_calls.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn stops_on_invalid_configuration() {
        let (a, _) = scripted(|| Err(ProviderError::invalid_configuration("a", "half set")));
        let (b, b_calls) = scripted(|| Ok(Credentials::password("u", "p")));
        let chain = ProviderChain::first_try("a", a).or_else("b", b);
        let err = run(chain.credentials()).unwrap_err();
        assert!(matches!(err, ProviderError::InvalidConfiguration { .. }));
        assert_eq!(
            b_calls.load(Ordering::SeqCst),
            0,
            "the chain must not fall through"
        );
    }

    #[test]
    fn lists_every_attempt_when_nothing_is_configured() {
        let (a, _) = scripted(|| Err(ProviderError::not_configured("a", "no TABLEAU_* variables")));
        let (b, _) = scripted(|| Err(ProviderError::not_configured("b", "no profile file")));
        let chain = ProviderChain::first_try("env", a).or_else("profile", b);
        let err = run(chain.credentials()).unwrap_err();
        assert!(err.is_not_configured());
        assert_eq!(
            err.to_string(),
            "chain provider is not configured: no provider in the chain is configured \
             (env: no TABLEAU_* variables; profile: no profile file)"
        );
    }

    #[test]
    fn the_store_identity_is_the_one_of_the_provider_that_signs_in() {
        let (none, _) = scripted(|| Err(ProviderError::not_configured("a", "nothing set")));
        let (custom, custom_calls) = scripted(|| Ok(Credentials::password("u", "p")));
        let pat = Credentials::personal_access_token("ci", "SECRET");
        // A configured provider that does not opt in answers for the chain: no identity, even
        // though a later provider has one.
        let chain = ProviderChain::first_try("none", none)
            .or_else("custom", custom)
            .or_else("pat", pat.clone());
        assert!(run(chain.store_identity()).unwrap().is_none());
        assert_eq!(custom_calls.load(Ordering::SeqCst), 1);
        // Providers that are not configured pass the turn, as for credentials.
        let (none, _) = scripted(|| Err(ProviderError::not_configured("a", "nothing set")));
        let chain = ProviderChain::first_try("none", none).or_else("pat", pat);
        let identity = run(chain.store_identity()).unwrap().unwrap();
        assert_eq!(identity.kind(), crate::CredentialKind::PersonalAccessToken);
        // Nothing configured: the same error as credentials.
        let (a, _) = scripted(|| Err(ProviderError::not_configured("a", "no variables")));
        let chain = ProviderChain::first_try("env", a);
        assert!(run(chain.store_identity()).unwrap_err().is_not_configured());
        // A broken provider stops the chain.
        let (broken, _) = scripted(|| Err(ProviderError::invalid_configuration("a", "half set")));
        let chain = ProviderChain::first_try("broken", broken)
            .or_else("pat", Credentials::personal_access_token("ci", "SECRET"));
        assert!(matches!(
            run(chain.store_identity()).unwrap_err(),
            ProviderError::InvalidConfiguration { .. }
        ));
    }

    #[test]
    fn debug_prints_names_only() {
        let (a, _) = scripted(|| Ok(Credentials::password("u", "SECRET-do-not-print")));
        let chain = ProviderChain::first_try("first", a);
        assert_eq!(format!("{chain:?}"), r#"ProviderChain(["first"])"#);
    }
}
