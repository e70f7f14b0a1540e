//! Configuring a [`Client`] from `TABLEAU_*` environment variables (feature `env`).

use tableau_auth_core::{Env, ProcessEnv};
use tableau_auth_env::EnvironmentProvider;

use crate::builder::ClientBuilder;
use crate::client::Client;
use crate::error::Error;

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
