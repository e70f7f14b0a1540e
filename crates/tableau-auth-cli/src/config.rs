//! The command's configuration: the environment provider, the client, and the session store
//! (`TABLEAU_SESSION_STORE`, default `file`).

use std::sync::Arc;

use tableau_auth::{
    AuthProvider, Client, CredentialKind, Env, EnvironmentProvider, ProcessEnv, SessionManager,
    SessionStore, SharedSessions, StoreSetting,
};

use crate::Failure;

/// Everything a command needs, built without sending anything.
pub(crate) struct Setup {
    /// The client for `TABLEAU_SERVER_URL`.
    pub(crate) client: Client,
    /// The credential family the environment chose.
    pub(crate) kind: CredentialKind,
    /// `TABLEAU_SESSION_STORE`, as read.
    pub(crate) setting: StoreSetting,
    /// The store protocol, unless the setting is `none`.
    pub(crate) shared: Option<SharedSessions>,
    /// The manager, sharing its session through `shared`.
    pub(crate) manager: SessionManager,
}

/// Reads the configuration; any problem is a configuration failure (exit status 2) and nothing
/// is sent.
pub(crate) fn setup() -> Result<Setup, Failure> {
    let env = env();
    let (provider, kind) = provider(&env)?;
    let client = client(&provider)?;
    let setting = store_setting(&*env, provider.prefix())?;
    let store = open_store(&setting, &*env)?;
    Ok(assemble(client, Arc::new(provider), kind, setting, store))
}

/// The process environment, shared.
pub(crate) fn env() -> Arc<dyn Env> {
    Arc::new(ProcessEnv)
}

/// The environment provider and the family it chose.
pub(crate) fn provider(
    env: &Arc<dyn Env>,
) -> Result<(EnvironmentProvider, CredentialKind), Failure> {
    let provider = EnvironmentProvider::from_source(Arc::clone(env));
    let kind = provider
        .check()
        .map_err(|err| Failure::configuration(err.to_string()))?;
    Ok((provider, kind))
}

/// The client for the provider's `TABLEAU_SERVER_URL` (and pinned API version).
pub(crate) fn client(provider: &EnvironmentProvider) -> Result<Client, Failure> {
    Client::builder()
        .environment(provider)
        .and_then(|builder| builder.build())
        .map_err(|err| Failure::configuration(err.to_string()))
}

/// `TABLEAU_SESSION_STORE` (with the provider's prefix), default `file`.
pub(crate) fn store_setting(env: &dyn Env, prefix: &str) -> Result<StoreSetting, Failure> {
    StoreSetting::from_env(env, prefix, StoreSetting::file())
        .map_err(|err| Failure::configuration(err.to_string()))
}

/// The store the setting names (`None` for `none`).
pub(crate) fn open_store(
    setting: &StoreSetting,
    env: &dyn Env,
) -> Result<Option<Arc<dyn SessionStore>>, Failure> {
    setting
        .open(env)
        .map_err(|err| Failure::configuration(err.to_string()))
}

/// The manager, its session shared through the store when there is one.
pub(crate) fn assemble(
    client: Client,
    provider: Arc<EnvironmentProvider>,
    kind: CredentialKind,
    setting: StoreSetting,
    store: Option<Arc<dyn SessionStore>>,
) -> Setup {
    let provider: Arc<dyn AuthProvider> = provider;
    let shared =
        store.map(|store| SharedSessions::new(client.clone(), Arc::clone(&provider), store));
    let mut builder = SessionManager::builder(client.clone(), provider);
    if let Some(shared) = &shared {
        let shared = shared.clone();
        builder = builder.wrap_source(move |_sign_in| Arc::new(shared));
    }
    Setup {
        client,
        kind,
        setting,
        shared,
        manager: builder.build(),
    }
}
