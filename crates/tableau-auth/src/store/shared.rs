//! [`SharedSessions`]: the store protocol, as a [`SessionSource`].

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};
use tableau_auth_core::{AuthProvider, Feature, StoreIdentity};

use super::seal::Keys;
use super::{SessionStore, StoreGuard};
use crate::client::Client;
use crate::error::Error;
use crate::policy::is_token_rejection;
use crate::session::Session;
use crate::source::{LoadReason, LoadRequest, SessionSource, SignIn};

/// Where the last session [`SharedSessions`] handed out came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SessionOrigin {
    /// A session another process (or an earlier run) signed in and stored; checked alive.
    Stored,
    /// A new sign-in by this process, now in the store.
    SignedIn,
}

impl fmt::Display for SessionOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SessionOrigin::Stored => "taken from the store",
            SessionOrigin::SignedIn => "signed in by this process and stored",
        })
    }
}

/// A [`SessionSource`] that shares one session per credential through a [`SessionStore`]:
/// the store is consulted before signing in and updated after, under the store's lock, so
/// processes sharing the store sign in once between them (see the
/// [store documentation](crate::store)).
///
/// [`SessionManagerBuilder::session_store`](crate::SessionManagerBuilder::session_store) puts
/// one under a manager. Build one yourself when you also want [`sign_out`](Self::sign_out)
/// (ending the shared session for everyone) or [`last_origin`](Self::last_origin):
///
/// ```no_run
/// use std::sync::Arc;
/// use tableau_auth::{Client, FileStore, PersonalAccessTokenProvider, SessionManager, SharedSessions};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let client = Client::builder().server_url("https://tableau.example.com").build()?;
/// let provider = Arc::new(PersonalAccessTokenProvider::new("ci", "SECRET")?);
/// let store = Arc::new(FileStore::open("/var/cache/my-job/tableau")?);
/// let shared = SharedSessions::new(client.clone(), provider.clone(), store);
/// let manager = SessionManager::builder(client, provider)
///     .wrap_source({
///         let shared = shared.clone();
///         move |_sign_in| Arc::new(shared)
///     })
///     .build();
/// let token = manager.token().await?;
/// println!("{:?}", shared.last_origin());
/// # Ok(()) }
/// ```
///
/// The provider must have a [`StoreIdentity`]
/// ([`AuthProvider::store_identity`]); the password, personal-access-token, connected-app,
/// unified-access-token and environment providers do.
#[derive(Clone)]
pub struct SharedSessions {
    inner: Arc<Inner>,
}

struct Inner {
    client: Client,
    provider: Arc<dyn AuthProvider>,
    store: Arc<dyn SessionStore>,
    sign_in: Arc<dyn SessionSource>,
    origin: Mutex<Option<SessionOrigin>>,
}

impl fmt::Debug for SharedSessions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedSessions")
            .field("server", &self.inner.client.server_url().as_str())
            .field("provider", &self.inner.provider.name())
            .field("store", &self.inner.store.describe())
            .finish_non_exhaustive()
    }
}

/// What one load learned: the tokens known dead, and whether it already warned about an
/// unreadable entry (it reads the entry twice).
#[derive(Default)]
struct Known {
    tokens: Vec<SecretString>,
    warned: bool,
}

impl SharedSessions {
    /// Shares the sessions of `provider` on `client`'s server through `store`, signing in
    /// with them when the store has no live session.
    pub fn new(
        client: Client,
        provider: Arc<dyn AuthProvider>,
        store: Arc<dyn SessionStore>,
    ) -> SharedSessions {
        let sign_in = Arc::new(SignIn::new(client.clone(), Arc::clone(&provider)));
        SharedSessions::wrapping(client, provider, store, sign_in)
    }

    /// As [`new`](Self::new), getting new sessions from `sign_in` (the manager's source).
    pub(crate) fn wrapping(
        client: Client,
        provider: Arc<dyn AuthProvider>,
        store: Arc<dyn SessionStore>,
        sign_in: Arc<dyn SessionSource>,
    ) -> SharedSessions {
        SharedSessions {
            inner: Arc::new(Inner {
                client,
                provider,
                store,
                sign_in,
                origin: Mutex::new(None),
            }),
        }
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn SessionStore> {
        &self.inner.store
    }

    /// Where the last session handed out came from (`None` before the first).
    pub fn last_origin(&self) -> Option<SessionOrigin> {
        *self
            .inner
            .origin
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Ends the shared session for every process: under the store's lock, signs the stored
    /// session out (one the server no longer knows counts as signed out) and removes the
    /// entry. `site` is the site content URL when it is not the provider's own. Returns
    /// whether there was a session to sign out.
    pub async fn sign_out(&self, site: Option<&str>) -> Result<bool, Error> {
        let keys = self.keys(site).await?;
        let mut guard = self.inner.store.lock(&keys.store_key).await?;
        let outcome = self.sign_out_locked(&keys, &mut *guard).await;
        let released = guard.release().await;
        let signed_out = outcome?;
        released?;
        Ok(signed_out)
    }

    async fn sign_out_locked(
        &self,
        keys: &Keys,
        guard: &mut dyn StoreGuard,
    ) -> Result<bool, Error> {
        let stored = match guard.read().await? {
            Some(entry) => self.open(keys, &entry, &mut false),
            None => None,
        };
        if let Some(session) = &stored {
            self.inner.client.sign_out(session).await?;
        }
        guard.remove().await?;
        Ok(stored.is_some())
    }

    /// The keys of the identity the provider signs in as, on `site` (or its own site).
    async fn keys(&self, site: Option<&str>) -> Result<Keys, Error> {
        let identity = self.identity().await?;
        let site = site.unwrap_or(identity.site());
        Keys::derive(self.inner.client.server_url(), site, &identity)
    }

    async fn identity(&self) -> Result<StoreIdentity, Error> {
        let identity = self.inner.provider.store_identity().await?.ok_or_else(|| {
            Error::Configuration(format!(
                "the credential provider `{}` cannot be used with a session store: it gives no \
                 identity to file sessions under (AuthProvider::store_identity); use the \
                 password, personal access token, connected app, unified access token or \
                 environment provider, or no store",
                self.inner.provider.name()
            ))
        })?;
        if identity.has_empty_secret() {
            return Err(Error::Configuration(format!(
                "the credential provider `{}` gave an empty secret for the session store",
                self.inner.provider.name()
            )));
        }
        Ok(identity)
    }

    /// The session in `entry`, or `None` when it cannot be opened (with a warning, unless
    /// `warned` says this load already gave one).
    fn open(&self, keys: &Keys, entry: &[u8], warned: &mut bool) -> Option<Session> {
        match keys.open(entry, self.inner.client.now()) {
            Ok(session) => Some(session),
            Err(_) if *warned => None,
            Err(why) => {
                *warned = true;
                tracing::warn!(
                    store = %self.inner.store.describe(),
                    key = %keys.store_key,
                    "ignoring the stored session: {why}; it will be replaced"
                );
                None
            }
        }
    }

    fn set_origin(&self, origin: SessionOrigin) {
        *self
            .inner
            .origin
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(origin);
    }

    /// Steps 2 and 3 of the protocol, holding the lock: the stored session if another process
    /// stored a live one meanwhile, else a sign-in, written before the lock is released.
    async fn load_locked(
        &self,
        keys: &Keys,
        guard: &mut dyn StoreGuard,
        request: &LoadRequest<'_>,
        dead: &mut Known,
    ) -> Result<Session, Error> {
        if let Some(entry) = guard.read().await? {
            if let Some(session) = self.judge(keys, &entry, dead).await? {
                tracing::debug!(store = %self.inner.store.describe(), "another process stored a live session meanwhile; using it");
                self.set_origin(SessionOrigin::Stored);
                return Ok(session);
            }
        }
        tracing::debug!(store = %self.inner.store.describe(), "no live session in the store; signing in");
        let session = self.inner.sign_in.load(request).await?;
        guard
            .write(&keys.seal(&session, self.inner.client.now()))
            .await?;
        tracing::debug!(store = %self.inner.store.describe(), "stored the new session");
        self.set_origin(SessionOrigin::SignedIn);
        Ok(session)
    }

    /// Opens `entry` and checks its session, unless its token is known dead: the session if
    /// the server accepted it just now; `None` for no entry, an unreadable one, or a dead
    /// session (its token joins the known-dead list).
    async fn judge(
        &self,
        keys: &Keys,
        entry: &[u8],
        dead: &mut Known,
    ) -> Result<Option<Session>, Error> {
        let Some(session) = self.open(keys, entry, &mut dead.warned) else {
            return Ok(None);
        };
        let token = session.token().expose_secret();
        if dead
            .tokens
            .iter()
            .any(|known| known.expose_secret() == token)
        {
            return Ok(None);
        }
        if self.check(&session).await? {
            Ok(Some(session))
        } else {
            dead.tokens.push(session.token().clone());
            Ok(None)
        }
    }

    /// Whether the server still accepts `session` (for its site and user): `GET
    /// sessions/current`, which also slides its idle limit (a user look-up before REST API
    /// 3.1). A rejected token is `false`; any other failure is an error.
    async fn check(&self, session: &Session) -> Result<bool, Error> {
        let client = &self.inner.client;
        let answer = if session.api_version().supports(Feature::CurrentSession) {
            client.current_session(session).await.map(|current| {
                current.site.id == session.site_id() && current.user.id == session.user_id()
            })
        } else {
            client
                .get_user(session, session.user_id())
                .await
                .map(|_| true)
        };
        match answer {
            Ok(true) => Ok(true),
            Ok(false) => {
                tracing::warn!(
                    store = %self.inner.store.describe(),
                    "the stored session belongs to another site or user; ignoring it"
                );
                Ok(false)
            }
            Err(error) if is_token_rejection(&error) => {
                tracing::debug!(store = %self.inner.store.describe(), "the stored session is no longer valid");
                Ok(false)
            }
            Err(error) => Err(error),
        }
    }
}

#[async_trait]
impl SessionSource for SharedSessions {
    async fn load(&self, request: &LoadRequest<'_>) -> Result<Session, Error> {
        let keys = self.keys(request.site).await?;
        let store = &self.inner.store;
        // Tokens known dead: the one the caller saw rejected, then any the checks find dead.
        let mut dead = Known::default();
        if request.reason == LoadReason::Rejected {
            if let Some(rejected) = request.replacing {
                dead.tokens.push(rejected.token().clone());
            }
        }
        // 1. Without the lock: a live stored session is all most loads need.
        if let Some(entry) = store.read(&keys.store_key).await? {
            if let Some(session) = self.judge(&keys, &entry, &mut dead).await? {
                tracing::debug!(store = %store.describe(), "using the stored session");
                self.set_origin(SessionOrigin::Stored);
                return Ok(session);
            }
        }
        // 2 and 3. Under the lock: one process signs in; the others take its session.
        let mut guard = store.lock(&keys.store_key).await?;
        tracing::debug!(store = %store.describe(), key = %keys.store_key, "holding the session store lock");
        let outcome = self
            .load_locked(&keys, &mut *guard, request, &mut dead)
            .await;
        if let Err(error) = guard.release().await {
            tracing::warn!(store = %store.describe(), %error, "could not release the session store lock (it ends with the process, or at its expiry)");
        }
        outcome
    }
}
