//! `RedisStore` (feature `redis`): sealed sessions in Redis, one key per identity, with a lock
//! that expires.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, Script};
use tokio::sync::OnceCell;
use url::Url;

use super::{SessionStore, StoreGuard, StoreKey};
use crate::error::Error;

/// The default [`RedisStore::lock_expiry`].
pub(crate) const DEFAULT_LOCK_EXPIRY: Duration = Duration::from_secs(30);
/// How long an entry lives in Redis after its last write (a week; a session older than that is
/// signed in again once, by whichever process finds it gone).
const ENTRY_TTL: Duration = Duration::from_secs(7 * 86_400);
/// The default key prefix.
const DEFAULT_PREFIX: &str = "tableau-auth:";
/// Connection and answer timeouts: a Redis that does not answer fails the load quickly.
const NETWORK_TIMEOUT: Duration = Duration::from_secs(5);
/// The longest pause between two tries at a held lock.
const MAX_POLL: Duration = Duration::from_millis(200);
/// The URL parameter that sets the lock expiry in milliseconds (removed before the URL
/// reaches the Redis client).
const LOCK_EXPIRY_PARAM: &str = "lock_expiry_ms";

/// Deletes the lock only when it still holds the caller's owner value.
const RELEASE: &str = r#"if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) else return 0 end"#;
/// Writes the entry (with its expiry) only while the caller still holds the lock.
const WRITE: &str = r#"if redis.call("GET", KEYS[1]) == ARGV[1] then redis.call("SET", KEYS[2], ARGV[2], "PX", ARGV[3]) return 1 else return 0 end"#;
/// Removes the entry only while the caller still holds the lock.
const REMOVE: &str = r#"if redis.call("GET", KEYS[1]) == ARGV[1] then redis.call("DEL", KEYS[2]) return 1 else return 0 end"#;

/// Sessions shared by every process of a fleet, through Redis (feature `redis`).
///
/// The same protocol as the [`FileStore`](crate::FileStore), across hosts: one key per
/// identity (`tableau-auth:session:<hash>`) holding the sealed session, and a lock key
/// (`tableau-auth:lock:<hash>`) taken with `SET key owner NX PX <expiry>`, where `owner` is a
/// random value of this lock holder. Only the owner releases it (a compare-and-delete Lua
/// script), and writes and removals check ownership in the same script, so a process whose
/// lock expired while it was signing in cannot overwrite the session of the process that took
/// over. A process killed while holding the lock delays the others by at most the lock's
/// expiry (default 30 seconds; keep it above a sign-in's duration).
///
/// `redis://` and `rediss://` (TLS with rustls: the Mozilla roots and the system's) URLs;
/// `redis://user:password@host:port/db`. The URL parameter `lock_expiry_ms` sets the lock
/// expiry (`redis://cache:6379/0?lock_expiry_ms=10000`). Messages and
/// [`describe`](SessionStore::describe) never show the password.
#[derive(Clone)]
pub struct RedisStore {
    inner: Arc<Inner>,
}

/// Not `Debug`: the Redis client's own `Debug` shows the password.
struct Inner {
    client: redis::Client,
    connection: OnceCell<MultiplexedConnection>,
    display: String,
    prefix: String,
    lock_expiry: Duration,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("url", &self.inner.display)
            .field("prefix", &self.inner.prefix)
            .field("lock_expiry", &self.inner.lock_expiry)
            .finish_non_exhaustive()
    }
}

impl RedisStore {
    /// A store at this `redis://` or `rediss://` URL. Nothing is sent until the first use.
    /// Fails when the URL is not a Redis URL; the error never contains its password.
    pub fn open(url: &str) -> Result<RedisStore, Error> {
        let (url, lock_expiry) = parse_url(url)?;
        let display = redact(&url);
        let client = redis::Client::open(url.as_str()).map_err(|err| {
            Error::Configuration(format!(
                "{display} is not a usable Redis URL: {}",
                err.detail().unwrap_or("invalid URL")
            ))
        })?;
        Ok(RedisStore {
            inner: Arc::new(Inner {
                client,
                connection: OnceCell::new(),
                display,
                prefix: DEFAULT_PREFIX.to_owned(),
                lock_expiry: lock_expiry.unwrap_or(DEFAULT_LOCK_EXPIRY),
            }),
        })
    }

    /// How long the lock lives when its holder dies without releasing it (default 30 s). Keep
    /// it above the longest sign-in: a lock that expires during a sign-in lets a second
    /// process sign in.
    #[must_use]
    pub fn lock_expiry(self, expiry: Duration) -> RedisStore {
        self.rebuild(|inner| inner.lock_expiry = expiry.max(Duration::from_millis(1)))
    }

    /// The prefix of every key (default `tableau-auth:`), to share one Redis between
    /// applications.
    #[must_use]
    pub fn key_prefix(self, prefix: impl Into<String>) -> RedisStore {
        let prefix = prefix.into();
        self.rebuild(|inner| inner.prefix = prefix)
    }

    /// The URL without its password.
    pub fn url(&self) -> &str {
        &self.inner.display
    }

    fn rebuild(self, change: impl FnOnce(&mut Inner)) -> RedisStore {
        let mut inner = Inner {
            client: self.inner.client.clone(),
            connection: OnceCell::new(),
            display: self.inner.display.clone(),
            prefix: self.inner.prefix.clone(),
            lock_expiry: self.inner.lock_expiry,
        };
        change(&mut inner);
        RedisStore {
            inner: Arc::new(inner),
        }
    }

    fn entry_key(&self, key: &StoreKey) -> String {
        format!("{}session:{key}", self.inner.prefix)
    }

    fn lock_key(&self, key: &StoreKey) -> String {
        format!("{}lock:{key}", self.inner.prefix)
    }

    fn error(&self, message: &str, cause: redis::RedisError) -> Error {
        Error::SessionStore {
            store: self.describe(),
            message: format!("{message}: {}", describe_error(&cause)),
            source: Some(Arc::new(cause)),
        }
    }

    async fn connection(&self) -> Result<MultiplexedConnection, Error> {
        self.inner
            .connection
            .get_or_try_init(|| async {
                let config = AsyncConnectionConfig::new()
                    .set_connection_timeout(Some(NETWORK_TIMEOUT))
                    .set_response_timeout(Some(NETWORK_TIMEOUT));
                self.inner
                    .client
                    .get_multiplexed_async_connection_with_config(&config)
                    .await
                    .map_err(|err| self.error("cannot connect to Redis", err))
            })
            .await
            .cloned()
    }
}

#[async_trait]
impl SessionStore for RedisStore {
    fn describe(&self) -> String {
        format!("redis {}", self.inner.display)
    }

    async fn read(&self, key: &StoreKey) -> Result<Option<Vec<u8>>, Error> {
        let mut connection = self.connection().await?;
        redis::cmd("GET")
            .arg(self.entry_key(key))
            .query_async::<Option<Vec<u8>>>(&mut connection)
            .await
            .map_err(|err| self.error("cannot read the session entry", err))
    }

    async fn lock(&self, key: &StoreKey) -> Result<Box<dyn StoreGuard>, Error> {
        let mut connection = self.connection().await?;
        let lock_key = self.lock_key(key);
        let owner = format!("{:032x}", rand::random::<u128>());
        let expiry_ms = u64::try_from(self.inner.lock_expiry.as_millis()).unwrap_or(u64::MAX);
        let mut pause = Duration::from_millis(10);
        let mut waited = false;
        loop {
            let taken: Option<String> = redis::cmd("SET")
                .arg(&lock_key)
                .arg(&owner)
                .arg("NX")
                .arg("PX")
                .arg(expiry_ms)
                .query_async(&mut connection)
                .await
                .map_err(|err| self.error("cannot take the lock", err))?;
            if taken.is_some() {
                return Ok(Box::new(RedisGuard {
                    store: self.clone(),
                    connection,
                    entry_key: self.entry_key(key),
                    lock_key,
                    owner: Some(owner),
                }));
            }
            if !waited {
                waited = true;
                tracing::debug!(
                    store = %self.describe(),
                    key = %key,
                    "waiting for the session store lock (another process is signing in)"
                );
            }
            // A short pause, growing to MAX_POLL: the holder usually finishes within one
            // sign-in, and a dead holder's lock expires by itself.
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(MAX_POLL);
        }
    }
}

/// A held Redis lock. Dropped without [`release`](StoreGuard::release), it is released in
/// the background when a runtime is there to do it, and expires otherwise.
struct RedisGuard {
    store: RedisStore,
    connection: MultiplexedConnection,
    entry_key: String,
    lock_key: String,
    /// `None` once released.
    owner: Option<String>,
}

impl std::fmt::Debug for RedisGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisGuard")
            .field("store", &self.store)
            .field("lock_key", &self.lock_key)
            .field("held", &self.owner.is_some())
            .finish_non_exhaustive()
    }
}

impl RedisGuard {
    fn owner(&self) -> &str {
        self.owner.as_deref().unwrap_or_default()
    }

    fn lost(&self) -> Error {
        Error::SessionStore {
            store: self.store.describe(),
            message: format!(
                "the lock expired (after {} ms) before the session was written, and another \
                 process may have taken over; nothing was written. Raise the lock expiry \
                 (the URL parameter {LOCK_EXPIRY_PARAM}) above the longest sign-in",
                self.store.inner.lock_expiry.as_millis()
            ),
            source: None,
        }
    }
}

#[async_trait]
impl StoreGuard for RedisGuard {
    async fn read(&mut self) -> Result<Option<Vec<u8>>, Error> {
        redis::cmd("GET")
            .arg(&self.entry_key)
            .query_async::<Option<Vec<u8>>>(&mut self.connection)
            .await
            .map_err(|err| self.store.error("cannot read the session entry", err))
    }

    async fn write(&mut self, entry: &[u8]) -> Result<(), Error> {
        let ttl = u64::try_from(ENTRY_TTL.as_millis()).unwrap_or(u64::MAX);
        let written: i64 = Script::new(WRITE)
            .key(&self.lock_key)
            .key(&self.entry_key)
            .arg(self.owner())
            .arg(entry)
            .arg(ttl)
            .invoke_async(&mut self.connection)
            .await
            .map_err(|err| self.store.error("cannot write the session entry", err))?;
        if written == 1 {
            Ok(())
        } else {
            Err(self.lost())
        }
    }

    async fn remove(&mut self) -> Result<(), Error> {
        let removed: i64 = Script::new(REMOVE)
            .key(&self.lock_key)
            .key(&self.entry_key)
            .arg(self.owner())
            .invoke_async(&mut self.connection)
            .await
            .map_err(|err| self.store.error("cannot remove the session entry", err))?;
        if removed == 1 {
            Ok(())
        } else {
            Err(self.lost())
        }
    }

    async fn release(mut self: Box<Self>) -> Result<(), Error> {
        let Some(owner) = self.owner.take() else {
            return Ok(());
        };
        release(&mut self.connection, &self.lock_key, &owner)
            .await
            .map_err(|err| self.store.error("cannot release the lock", err))
    }
}

impl Drop for RedisGuard {
    fn drop(&mut self) {
        let Some(owner) = self.owner.take() else {
            return;
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let mut connection = self.connection.clone();
        let lock_key = std::mem::take(&mut self.lock_key);
        runtime.spawn(async move {
            if let Err(error) = release(&mut connection, &lock_key, &owner).await {
                tracing::debug!(%error, "could not release a dropped session store lock; it expires by itself");
            }
        });
    }
}

async fn release(
    connection: &mut MultiplexedConnection,
    lock_key: &str,
    owner: &str,
) -> Result<(), redis::RedisError> {
    let _: i64 = Script::new(RELEASE)
        .key(lock_key)
        .arg(owner)
        .invoke_async(connection)
        .await?;
    Ok(())
}

/// The URL without the store's own parameter, and the lock expiry it set.
fn parse_url(text: &str) -> Result<(Url, Option<Duration>), Error> {
    // The text is not quoted: it may hold a password.
    let mut url = Url::parse(text).map_err(|err| {
        Error::Configuration(format!(
            "the session store is not a Redis URL ({err}); expected redis://HOST:PORT/DB or \
             rediss://…"
        ))
    })?;
    if !matches!(url.scheme(), "redis" | "rediss") {
        return Err(Error::Configuration(format!(
            "`{}` is not a Redis URL: the scheme must be redis:// or rediss://",
            redact(&url)
        )));
    }
    let mut lock_expiry = None;
    let mut kept = Vec::new();
    for (name, value) in url.query_pairs() {
        if name == LOCK_EXPIRY_PARAM {
            let ms = value
                .parse::<u64>()
                .ok()
                .filter(|ms| *ms > 0)
                .ok_or_else(|| {
                    Error::Configuration(format!(
                        "{LOCK_EXPIRY_PARAM} in `{}` must be a positive number of milliseconds",
                        redact(&url)
                    ))
                })?;
            lock_expiry = Some(Duration::from_millis(ms));
        } else {
            kept.push((name.into_owned(), value.into_owned()));
        }
    }
    if kept.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear().extend_pairs(kept);
    }
    Ok((url, lock_expiry))
}

/// The URL with its password (if any) replaced.
fn redact(url: &Url) -> String {
    if url.password().is_none() {
        return url.to_string();
    }
    let mut shown = url.clone();
    let _ = shown.set_password(None);
    let _ = shown.set_username("");
    // Without its user information the URL is `scheme://host…`; put it back, redacted.
    let text = shown.to_string();
    let rest = text
        .strip_prefix(shown.scheme())
        .and_then(|rest| rest.strip_prefix("://"))
        .unwrap_or_default();
    format!("{}://{}:[redacted]@{rest}", url.scheme(), url.username())
}

/// A Redis error in words that never quote a command (and so never an entry).
fn describe_error(error: &redis::RedisError) -> String {
    if error.is_timeout() {
        "Redis did not answer in time".to_owned()
    } else if error.is_connection_refusal() {
        "the connection was refused (is Redis running there?)".to_owned()
    } else if error.is_io_error() {
        format!("connection failed ({:?})", error.kind())
    } else {
        format!(
            "{}{}",
            error.code().unwrap_or("error"),
            error
                .detail()
                .map(|detail| format!(": {detail}"))
                .unwrap_or_default()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_parsed_and_never_shown_with_their_password() {
        let store =
            RedisStore::open("redis://app:hunter2@cache.internal:6380/2?lock_expiry_ms=1500")
                .unwrap();
        assert_eq!(store.url(), "redis://app:[redacted]@cache.internal:6380/2");
        assert_eq!(store.inner.lock_expiry, Duration::from_millis(1500));
        assert!(!format!("{store:?}").contains("hunter2"));
        assert_eq!(
            store.describe(),
            "redis redis://app:[redacted]@cache.internal:6380/2"
        );

        let no_user = RedisStore::open("redis://:hunter2@cache.internal:6380").unwrap();
        assert_eq!(no_user.url(), "redis://:[redacted]@cache.internal:6380");

        let plain = RedisStore::open("rediss://cache.internal").unwrap();
        assert_eq!(plain.url(), "rediss://cache.internal");
        assert_eq!(plain.inner.lock_expiry, DEFAULT_LOCK_EXPIRY);

        for bad in [
            "http://app:hunter2@cache.internal",
            "redis://app:hunter2@cache.internal/?lock_expiry_ms=soon",
            "redis://app:hunter2@cache.internal/?lock_expiry_ms=0",
            "not a url with hunter2@inside",
        ] {
            let err = RedisStore::open(bad).unwrap_err().to_string();
            assert!(!err.contains("hunter2"), "{err}");
        }
    }
}
