//! Session stores: one session per credential shared by every process of a machine
//! ([`FileStore`]) or of a fleet (`RedisStore`, feature `redis`).
//!
//! Tableau allows one session per personal access token: every sign-in ends the previous one.
//! A store sits under the session manager's own cache (through the [`SessionSource`](crate::SessionSource) seam): the
//! in-process cache stays, and when it needs a session, [`SharedSessions`] consults the store
//! before signing in and writes the new session after. The protocol:
//!
//! 1. Read the stored entry (no lock). If it holds a session whose token is not the one the
//!    caller saw rejected, check it with `GET sessions/current` (which also keeps it alive):
//!    alive, it is used without a sign-in.
//! 2. Otherwise take the identity's lock (a file lock on one machine, `SET NX PX` in Redis),
//!    read again — another process may have signed in meanwhile — and check that session the
//!    same way.
//! 3. Only then sign in, write the new session, and release the lock.
//!
//! So however many processes find the session dead at once, exactly one signs in; the others
//! wait on the lock and take its session. Entries are sealed (see [`StoreKey`] and
//! `docs/security.md`): they are filed under a hash of the identity and encrypted with a key
//! derived from the credential's own secret, so the store is useless to someone who does not
//! already hold the credential. An entry that cannot be opened (corrupt, foreign, sealed under
//! another secret) is ignored with a warning and replaced.
//!
//! The module's parts, in dependency order: `seal` (keys and records), `file` and `redis`
//! (the backends), `shared` (the protocol), `setting` (`TABLEAU_SESSION_STORE`).

use std::fmt;

use async_trait::async_trait;

use crate::error::Error;

mod file;
#[cfg(feature = "redis")]
mod redis;
mod seal;
mod setting;
mod shared;

pub use file::FileStore;
#[cfg(feature = "redis")]
pub use redis::RedisStore;
pub use seal::StoreKey;
pub use setting::StoreSetting;
pub use shared::{SessionOrigin, SharedSessions};

/// Where sealed sessions are kept between processes, and the lock that lets one process at a
/// time sign in for an identity.
///
/// A store holds opaque bytes: [`SharedSessions`] seals and opens them, runs the protocol
/// (see the [module documentation](self)) and checks every session before handing it out.
/// Implement it to keep sessions elsewhere (a database, a secret manager); [`FileStore`] and
/// `RedisStore` are the two this crate ships.
#[async_trait]
pub trait SessionStore: Send + Sync + fmt::Debug {
    /// What the store is, for messages and logs: its kind and place, never a password
    /// (`file /home/me/.cache/tableau-auth/sessions`, `redis redis://cache:6379/0`).
    fn describe(&self) -> String;

    /// The entry filed under `key`, read without the lock; `None` when there is none.
    async fn read(&self, key: &StoreKey) -> Result<Option<Vec<u8>>, Error>;

    /// Takes `key`'s lock, waiting while another process holds it. The lock ends when the
    /// guard is [released](StoreGuard::release) or dropped, and when the process holding it
    /// dies (a file lock with the process, a Redis lock at its expiry), so a killed process
    /// never leaves it stuck.
    async fn lock(&self, key: &StoreKey) -> Result<Box<dyn StoreGuard>, Error>;
}

/// One identity's lock, held: the only way to change its entry.
#[async_trait]
pub trait StoreGuard: Send + fmt::Debug {
    /// The entry, read under the lock.
    async fn read(&mut self) -> Result<Option<Vec<u8>>, Error>;

    /// Replaces the entry (atomically: a reader sees the old entry or the new one). Fails when
    /// the lock was lost meanwhile (a Redis lock that expired), and then writes nothing.
    async fn write(&mut self, entry: &[u8]) -> Result<(), Error>;

    /// Removes the entry, if there is one.
    async fn remove(&mut self) -> Result<(), Error>;

    /// Releases the lock.
    async fn release(self: Box<Self>) -> Result<(), Error>;
}
