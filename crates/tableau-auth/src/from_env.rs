//! Configuring a [`Client`] and a [`SessionManager`] from `TABLEAU_*` environment variables
//! (feature `env`).

use std::sync::Arc;

use tableau_auth_core::{Env, ProcessEnv};
use tableau_auth_env::EnvironmentProvider;

use crate::builder::ClientBuilder;
use crate::client::Client;
use crate::error::Error;
use crate::manager::SessionManager;
use crate::manager_builder::SessionManagerBuilder;
use crate::store::StoreSetting;

impl Client {
    /// Reads `TABLEAU_*` variables once: the credentials (the returned provider, which also
    /// carries the site), `TABLEAU_SERVER_URL` and the optional pinned `TABLEAU_API_VERSION`.
    /// Fails, before any network call, when no credential family is configured or the
    /// configuration is invalid ([`Error::Provider`]) or the server URL is missing.
    ///
    /// See [`EnvironmentProvider`] for the variables.
    pub fn from_env() -> Result<(Client, EnvironmentProvider), Error> {
        Client::from_env_source(ProcessEnv)
    }

    /// As [`Client::from_env`], reading the variables from `env` (tests pass a
    /// [`StaticEnv`](tableau_auth_core::StaticEnv)).
    pub fn from_env_source(
        env: impl Env + 'static,
    ) -> Result<(Client, EnvironmentProvider), Error> {
        let provider = EnvironmentProvider::from_source(env);
        provider.check()?;
        let client = Client::builder().environment(&provider)?.build()?;
        Ok((client, provider))
    }
}

impl ClientBuilder {
    /// Takes the server URL and the pinned API version (if any) from an
    /// [`EnvironmentProvider`]. Fails when it has no server URL.
    pub fn environment(self, provider: &EnvironmentProvider) -> Result<ClientBuilder, Error> {
        let url = provider.server_url().ok_or_else(|| {
            Error::Configuration(format!(
                "{}SERVER_URL is not set: it names the Tableau server \
                 (https://tableau.example.com, or the Tableau Cloud pod URL)",
                provider.prefix()
            ))
        })?;
        let mut builder = self.server_url(url);
        if let Some(version) = provider.api_version() {
            builder = builder.api_version(version);
        }
        Ok(builder)
    }
}

impl SessionManager {
    /// A manager configured by `TABLEAU_*` variables: the client and credentials of
    /// [`Client::from_env`], and the session store `TABLEAU_SESSION_STORE` names (`none` when
    /// unset: see [`StoreSetting`]). Fails before any network call when the configuration is
    /// invalid.
    pub fn from_env() -> Result<SessionManager, Error> {
        Ok(SessionManager::builder_from_env_source(ProcessEnv)?.build())
    }

    /// As [`SessionManager::from_env`], reading the variables from `env`, and returning the
    /// builder for more settings.
    pub fn builder_from_env_source(
        env: impl Env + 'static,
    ) -> Result<SessionManagerBuilder, Error> {
        let env: Arc<dyn Env> = Arc::new(env);
        let (client, provider) = Client::from_env_source(Arc::clone(&env))?;
        let setting = StoreSetting::from_env(&*env, provider.prefix(), StoreSetting::none())?;
        let store = setting.open(&*env)?;
        let mut builder = SessionManager::builder(client, Arc::new(provider));
        if let Some(store) = store {
            builder = builder.session_store(store);
        }
        Ok(builder)
    }
}
