//! Configuring a [`Client`] and a [`SessionManager`] from `TABLEAU_*` environment variables
//! (feature `env`).

use std::sync::Arc;

use std::path::PathBuf;

use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
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
    /// carries the site), `TABLEAU_SERVER_URL`, the optional pinned `TABLEAU_API_VERSION` and
    /// the optional `TABLEAU_CA_FILE` (a PEM bundle of extra root certificates; see
    /// [`ClientBuilder::environment`]). Fails, before any network call, when no credential
    /// family is configured or the configuration is invalid ([`Error::Provider`]), the server
    /// URL is missing, or the CA file cannot be read ([`Error::Configuration`]).
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
    /// Takes from an [`EnvironmentProvider`]'s environment:
    ///
    /// | variable | meaning |
    /// |---|---|
    /// | `TABLEAU_SERVER_URL` | required: the server's root URL (for Tableau Cloud the pod's) |
    /// | `TABLEAU_API_VERSION` | optional: the REST API version to pin instead of negotiating one |
    /// | `TABLEAU_CA_FILE` | optional: a file of PEM certificates (one or more), trusted as root certificates in addition to the built-in and the operating system's roots: a company CA or a TLS-inspecting proxy |
    ///
    /// (With another prefix, [`EnvironmentProvider::with_prefix`], the names change
    /// accordingly; a blank value counts as unset.) The CA file is read through the provider's
    /// [`Env`], once, here. Fails
    /// when there is no server URL, or when the CA file cannot be read or holds no PEM
    /// certificate ([`Error::Configuration`] naming the variable and the path).
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
        for certificate in ca_file(provider)? {
            builder = builder.add_root_certificate(certificate);
        }
        Ok(builder)
    }
}

/// The certificates of `{prefix}CA_FILE`, if it is set (a blank value counts as unset, as for
/// every `TABLEAU_*` variable).
fn ca_file(provider: &EnvironmentProvider) -> Result<Vec<reqwest::Certificate>, Error> {
    let name = format!("{}CA_FILE", provider.prefix());
    let env = provider.env();
    let blank = |value: &std::ffi::OsString| value.to_str().is_some_and(|v| v.trim().is_empty());
    let Some(path) = env.var_os(&name).filter(|value| !blank(value)) else {
        return Ok(Vec::new());
    };
    let path = PathBuf::from(path);
    let shown = path.display();
    let pem = env.read_file(&path).map_err(|e| {
        Error::Configuration(format!("{name} names `{shown}`, which cannot be read: {e}"))
    })?;
    let mut certificates = Vec::new();
    for (index, item) in CertificateDer::pem_slice_iter(&pem).enumerate() {
        let der = item.map_err(|e| {
            Error::Configuration(format!(
                "{name} names `{shown}`, which is not a PEM certificate bundle ({e})"
            ))
        })?;
        // Checked now, so that a damaged certificate is reported with the variable's name
        // rather than as a failure to build the HTTP client.
        RootCertStore::empty().add(der.clone()).map_err(|e| {
            Error::Configuration(format!(
                "{name} names `{shown}`, whose certificate number {} cannot be a root \
                 certificate: {e}",
                index + 1
            ))
        })?;
        let certificate = reqwest::Certificate::from_der(der.as_ref())
            .map_err(|e| Error::Configuration(format!("{name} names `{shown}`: {e}")))?;
        certificates.push(certificate);
    }
    if certificates.is_empty() {
        return Err(Error::Configuration(format!(
            "{name} names `{shown}`, which holds no PEM certificate (-----BEGIN CERTIFICATE-----)"
        )));
    }
    tracing::debug!(
        variable = %name,
        certificates = certificates.len(),
        "trusting the root certificates of the CA file"
    );
    Ok(certificates)
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
