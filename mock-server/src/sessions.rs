//! Live sessions. Validation is a read: one hash-map lookup behind an `RwLock`, and the
//! sliding expiry is an atomic last-used time in the entry, so readers never take the write lock.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// How a session was signed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Name and password.
    Password,
    /// Personal access token.
    PersonalAccessToken,
    /// Connected-app JWT.
    Jwt,
}

/// One live session.
pub struct Session {
    /// Session id (what `DELETE sessions/{id}` takes).
    pub id: String,
    /// The `X-Tableau-Auth` token.
    pub token: String,
    /// User LUID (the impersonated user, when impersonating).
    pub user_id: String,
    /// Site LUID.
    pub site_id: String,
    /// Credential family.
    pub family: Family,
    /// The PAT's internal id, for PAT sessions (also after a switch site).
    pub pat_id: Option<String>,
    /// Creation time, Unix nanoseconds of the virtual clock.
    pub created_nanos: i64,
    last_used_nanos: AtomicI64,
    last_use_sequence: AtomicU64,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("id", &self.id)
            .field("token", &"[redacted]")
            .field("user_id", &self.user_id)
            .field("site_id", &self.site_id)
            .field("family", &self.family)
            .field("pat_id", &self.pat_id)
            .field("created_nanos", &self.created_nanos)
            .field(
                "last_used_nanos",
                &self.last_used_nanos.load(Ordering::Relaxed),
            )
            .finish()
    }
}

impl Session {
    /// A new session created at `now_nanos`.
    pub fn new(
        id: String,
        token: String,
        user_id: String,
        site_id: String,
        family: Family,
        pat_id: Option<String>,
        now_nanos: i64,
    ) -> Self {
        Self {
            id,
            token,
            user_id,
            site_id,
            family,
            pat_id,
            created_nanos: now_nanos,
            last_used_nanos: AtomicI64::new(now_nanos),
            last_use_sequence: AtomicU64::new(0),
        }
    }

    /// Last use, Unix nanoseconds of the virtual clock.
    pub fn last_used_nanos(&self) -> i64 {
        self.last_used_nanos.load(Ordering::Relaxed)
    }
}

#[derive(Default)]
struct Table {
    by_token: HashMap<String, Arc<Session>>,
    token_by_id: HashMap<String, String>,
    token_by_pat: HashMap<String, String>,
}

impl Table {
    fn remove_token(&mut self, token: &str) -> Option<Arc<Session>> {
        let session = self.by_token.remove(token)?;
        self.token_by_id.remove(&session.id);
        if let Some(pat_id) = &session.pat_id {
            if self.token_by_pat.get(pat_id).map(String::as_str) == Some(token) {
                self.token_by_pat.remove(pat_id);
            }
        }
        Some(session)
    }
}

/// The session store.
pub struct SessionStore {
    table: RwLock<Table>,
    idle_nanos: i64,
    max_sessions: usize,
    sequence: AtomicU64,
}

impl std::fmt::Debug for SessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let table = self.read();
        let mut sessions: Vec<&Arc<Session>> = table.by_token.values().collect();
        sessions.sort_by(|a, b| a.id.cmp(&b.id));
        f.debug_struct("SessionStore")
            .field("sessions", &sessions)
            .field("idle_nanos", &self.idle_nanos)
            .field("max_sessions", &self.max_sessions)
            .finish()
    }
}

impl SessionStore {
    /// A store with an idle limit and a cap on live sessions.
    pub fn new(idle: std::time::Duration, max_sessions: usize) -> Self {
        Self {
            table: RwLock::new(Table::default()),
            idle_nanos: i64::try_from(idle.as_nanos()).unwrap_or(i64::MAX),
            max_sessions: max_sessions.max(1),
            sequence: AtomicU64::new(1),
        }
    }

    fn read(&self) -> RwLockReadGuard<'_, Table> {
        self.table
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Table> {
        self.table
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn expired(&self, session: &Session, now_nanos: i64) -> bool {
        now_nanos.saturating_sub(session.last_used_nanos()) > self.idle_nanos
    }

    /// Validates a token at `now_nanos` and slides its expiry. Expired sessions are removed.
    pub fn validate(&self, token: &str, now_nanos: i64) -> Option<Arc<Session>> {
        let found = self.read().by_token.get(token).cloned()?;
        if self.expired(&found, now_nanos) {
            self.write().remove_token(token);
            return None;
        }
        found
            .last_used_nanos
            .fetch_max(now_nanos, Ordering::Relaxed);
        let sequence = self.sequence.fetch_add(1, Ordering::Relaxed);
        found.last_use_sequence.store(sequence, Ordering::Relaxed);
        Some(found)
    }

    /// Looks a session up without sliding it (no expiry check).
    pub fn peek(&self, token: &str) -> Option<Arc<Session>> {
        self.read().by_token.get(token).cloned()
    }

    /// Inserts a session: a PAT session supersedes the PAT's earlier one; past the cap, expired
    /// sessions are purged and then the least recently used one is evicted.
    pub fn insert(&self, session: Session, now_nanos: i64) -> Arc<Session> {
        let sequence = self.sequence.fetch_add(1, Ordering::Relaxed);
        session.last_use_sequence.store(sequence, Ordering::Relaxed);
        let session = Arc::new(session);
        let mut table = self.write();
        let superseded = session
            .pat_id
            .as_ref()
            .and_then(|pat_id| table.token_by_pat.get(pat_id).cloned());
        if let Some(old) = superseded {
            table.remove_token(&old);
        }
        if table.by_token.len() >= self.max_sessions {
            let expired: Vec<String> = table
                .by_token
                .values()
                .filter(|s| self.expired(s, now_nanos))
                .map(|s| s.token.clone())
                .collect();
            for token in expired {
                table.remove_token(&token);
            }
        }
        while table.by_token.len() >= self.max_sessions {
            let victim = table
                .by_token
                .values()
                .min_by_key(|s| s.last_use_sequence.load(Ordering::Relaxed))
                .map(|s| s.token.clone());
            match victim {
                Some(token) => {
                    table.remove_token(&token);
                }
                None => break,
            }
        }
        table
            .token_by_id
            .insert(session.id.clone(), session.token.clone());
        if let Some(pat_id) = &session.pat_id {
            table
                .token_by_pat
                .insert(pat_id.clone(), session.token.clone());
        }
        table
            .by_token
            .insert(session.token.clone(), Arc::clone(&session));
        session
    }

    /// Ends the session of `token`.
    pub fn remove_token(&self, token: &str) -> Option<Arc<Session>> {
        self.write().remove_token(token)
    }

    /// Ends the session with id `id`.
    pub fn remove_by_id(&self, id: &str) -> Option<Arc<Session>> {
        let mut table = self.write();
        let token = table.token_by_id.get(id).cloned()?;
        table.remove_token(&token)
    }

    /// Ends the live session of a PAT.
    pub fn remove_by_pat(&self, pat_id: &str) -> Option<Arc<Session>> {
        let mut table = self.write();
        let token = table.token_by_pat.get(pat_id).cloned()?;
        table.remove_token(&token)
    }

    /// Ends every session.
    pub fn clear(&self) {
        *self.write() = Table::default();
    }

    /// Number of sessions held (including expired ones not yet purged).
    pub fn len(&self) -> usize {
        self.read().by_token.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn session(n: u32, pat: Option<&str>) -> Session {
        Session::new(
            format!("id{n}"),
            format!("token{n}"),
            "user".into(),
            "site".into(),
            Family::Password,
            pat.map(str::to_owned),
            0,
        )
    }

    #[test]
    fn pat_sessions_supersede() {
        let store = SessionStore::new(Duration::from_secs(60), 10);
        store.insert(session(1, Some("p")), 0);
        store.insert(session(2, Some("p")), 0);
        assert!(store.validate("token1", 0).is_none());
        assert!(store.validate("token2", 0).is_some());
    }

    #[test]
    fn idle_expiry_slides() {
        let store = SessionStore::new(Duration::from_secs(60), 10);
        store.insert(session(1, None), 0);
        let second = 1_000_000_000;
        assert!(store.validate("token1", 50 * second).is_some());
        assert!(store.validate("token1", 100 * second).is_some());
        assert!(store.validate("token1", 161 * second).is_none());
        assert_eq!(store.len(), 0);
    }

    #[test]
    fn lru_eviction() {
        let store = SessionStore::new(Duration::from_secs(60), 2);
        store.insert(session(1, None), 0);
        store.insert(session(2, None), 0);
        assert!(store.validate("token1", 0).is_some());
        store.insert(session(3, None), 0);
        assert!(store.peek("token2").is_none());
        assert!(store.peek("token1").is_some());
        assert_eq!(store.len(), 2);
    }
}
