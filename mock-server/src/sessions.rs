//! Live sessions. Validation is a read: one hash-map lookup behind an `RwLock`, and the
//! sliding expiry is an atomic last-used time in the entry, so readers never take the write lock.
//!
//! Memory (100,000 live sessions must fit well under 100 MB): a session is two heap blocks, the
//! record and its token. The token is stored once, in the record; the id is an inline UUID.
//! The token and id indexes are hash sets of the record itself, looked up by `&str` / UUID
//! through `Borrow` (8 bytes per slot, no key copies), and the user, site and PAT ids are the
//! directory's own `Arc<str>`s, so they cost nothing per session.

use std::borrow::Borrow;
use std::collections::VecDeque;

// foldhash: seeded per process like SipHash, several times cheaper per token looked up.
use foldhash::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard, Weak};

use uuid::Uuid;

/// How a session was signed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Name and password.
    Password,
    /// Personal access token.
    PersonalAccessToken,
    /// Connected-app JWT.
    Jwt,
    /// Unified access token (an RS256 JWT with `isUat`, Tableau Cloud).
    Uat,
}

impl Family {
    /// The name `GET /_mock/sessions` gives it: `password`, `pat`, `connected-app` or `uat`.
    pub fn label(self) -> &'static str {
        match self {
            Family::Password => "password",
            Family::PersonalAccessToken => "pat",
            Family::Jwt => "connected-app",
            Family::Uat => "uat",
        }
    }
}

/// One live session.
pub struct Session {
    /// Session id (what `DELETE sessions/{id}` takes); rendered lower-case and hyphenated.
    pub id: Uuid,
    /// The `X-Tableau-Auth` token, stored only here (the indexes borrow it).
    pub token: Box<str>,
    /// User LUID (the impersonated user, when impersonating); shared with the directory.
    pub user_id: Arc<str>,
    /// Site LUID; shared with the directory.
    pub site_id: Arc<str>,
    /// Credential family.
    pub family: Family,
    /// The PAT's internal id, for PAT sessions (also after a switch site); shared with the
    /// directory.
    pub pat_id: Option<Arc<str>>,
    /// The JWT's `scp`, for sessions signed in with a JWT: the calls it may make
    /// (docs/protocol.md section 13). `None` for password and PAT sessions, which scopes do
    /// not limit.
    pub scopes: Option<Box<[Box<str>]>>,
    /// Creation time, Unix nanoseconds of the virtual clock.
    pub created_nanos: i64,
    last_used_nanos: AtomicI64,
    last_use_sequence: AtomicU64,
    /// Insertion order in the store (sessions created at the same virtual instant stay in
    /// order).
    created_sequence: u64,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("id", &self.id.to_string())
            .field("token", &"[redacted]")
            .field("user_id", &self.user_id)
            .field("site_id", &self.site_id)
            .field("family", &self.family)
            .field("pat_id", &self.pat_id)
            .field("scopes", &self.scopes)
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
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        id: Uuid,
        token: String,
        user_id: Arc<str>,
        site_id: Arc<str>,
        family: Family,
        pat_id: Option<Arc<str>>,
        scopes: Option<Box<[Box<str>]>>,
        now_nanos: i64,
    ) -> Self {
        Self {
            id,
            token: token.into_boxed_str(),
            user_id,
            site_id,
            family,
            pat_id,
            scopes,
            created_nanos: now_nanos,
            last_used_nanos: AtomicI64::new(now_nanos),
            last_use_sequence: AtomicU64::new(0),
            created_sequence: 0,
        }
    }

    /// The order in which the store took the session in (oldest first).
    pub fn created_sequence(&self) -> u64 {
        self.created_sequence
    }

    /// Last use, Unix nanoseconds of the virtual clock.
    pub fn last_used_nanos(&self) -> i64 {
        self.last_used_nanos.load(Ordering::Relaxed)
    }
}

/// The id as `DELETE sessions/{id}` must spell it: only the lower-case hyphenated form that
/// the session was answered with matches.
fn parse_id(id: &str) -> Option<Uuid> {
    let uuid = Uuid::try_parse(id).ok()?;
    let mut buffer = Uuid::encode_buffer();
    (uuid.hyphenated().encode_lower(&mut buffer) == id).then_some(uuid)
}

/// A session in the token index: hashed, compared and looked up (`Borrow<str>`) by its token.
struct ByToken(Arc<Session>);

impl Borrow<str> for ByToken {
    fn borrow(&self) -> &str {
        &self.0.token
    }
}

impl Hash for ByToken {
    fn hash<H: Hasher>(&self, state: &mut H) {
        <str as Hash>::hash(&self.0.token, state);
    }
}

impl PartialEq for ByToken {
    fn eq(&self, other: &Self) -> bool {
        self.0.token == other.0.token
    }
}

impl Eq for ByToken {}

/// A session in the id index: hashed, compared and looked up (`Borrow<Uuid>`) by its id.
struct ById(Arc<Session>);

impl Borrow<Uuid> for ById {
    fn borrow(&self) -> &Uuid {
        &self.0.id
    }
}

impl Hash for ById {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.id.hash(state);
    }
}

impl PartialEq for ById {
    fn eq(&self, other: &Self) -> bool {
        self.0.id == other.0.id
    }
}

impl Eq for ById {}

/// The indexes. Each slot is one pointer to the shared record: no string is copied per index.
#[derive(Default)]
struct Table {
    by_token: HashSet<ByToken>,
    by_id: HashSet<ById>,
    /// PAT id → its one live session.
    by_pat: HashMap<Arc<str>, Arc<Session>>,
    /// Eviction candidates from the last scan past the cap, least recently used first, each
    /// with the use sequence it had then (see `SessionStore::make_room`).
    victims: VecDeque<(u64, Weak<Session>)>,
}

impl Table {
    fn remove_token(&mut self, token: &str) -> Option<Arc<Session>> {
        let ByToken(session) = self.by_token.take(token)?;
        self.by_id.remove(&session.id);
        if let Some(pat_id) = &session.pat_id {
            if self
                .by_pat
                .get(&**pat_id)
                .is_some_and(|live| Arc::ptr_eq(live, &session))
            {
                self.by_pat.remove(&**pat_id);
            }
        }
        Some(session)
    }

    fn get(&self, token: &str) -> Option<&Arc<Session>> {
        self.by_token.get(token).map(|entry| &entry.0)
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
        let mut sessions: Vec<&Arc<Session>> = table.by_token.iter().map(|e| &e.0).collect();
        sessions.sort_by_key(|session| session.id);
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
    ///
    /// The last-use time and sequence change only under the read lock, so nothing moves them
    /// while `insert` holds the write lock.
    pub fn validate(&self, token: &str, now_nanos: i64) -> Option<Arc<Session>> {
        {
            let table = self.read();
            let found = table.get(token)?;
            if !self.expired(found, now_nanos) {
                found
                    .last_used_nanos
                    .fetch_max(now_nanos, Ordering::Relaxed);
                let sequence = self.sequence.fetch_add(1, Ordering::Relaxed);
                found.last_use_sequence.store(sequence, Ordering::Relaxed);
                return Some(Arc::clone(found));
            }
        }
        self.write().remove_token(token);
        None
    }

    /// Looks a session up without sliding it (no expiry check).
    pub fn peek(&self, token: &str) -> Option<Arc<Session>> {
        self.read().get(token).cloned()
    }

    /// Inserts a session: a PAT session supersedes the PAT's earlier one; past the cap, expired
    /// sessions are purged and then the least recently used one is evicted.
    pub fn insert(&self, mut session: Session, now_nanos: i64) -> Arc<Session> {
        let sequence = self.sequence.fetch_add(1, Ordering::Relaxed);
        session.last_use_sequence.store(sequence, Ordering::Relaxed);
        session.created_sequence = sequence;
        let session = Arc::new(session);
        let mut table = self.write();
        let superseded = session
            .pat_id
            .as_ref()
            .and_then(|pat_id| table.by_pat.get(pat_id).cloned());
        if let Some(old) = superseded {
            table.remove_token(&old.token);
        }
        self.make_room(&mut table, now_nanos);
        table.by_id.replace(ById(Arc::clone(&session)));
        if let Some(pat_id) = &session.pat_id {
            table
                .by_pat
                .insert(Arc::clone(pat_id), Arc::clone(&session));
        }
        table.by_token.replace(ByToken(Arc::clone(&session)));
        session
    }

    /// Past the cap, evicts the least recently used sessions until one more fits.
    ///
    /// Finding the least recently used session takes a look at every session, and at the cap
    /// every sign-in needs one: done each time, 1,000,000 sessions brought sign-ins down to about
    /// a thousand a second, each holding the write lock for a millisecond. So a scan purges the
    /// expired sessions and keeps the `cap / 64` (at least as many as must go) least recently
    /// used ones in `victims`, oldest first, with the use sequence each had; the following
    /// inserts take them in order, skipping any that was used or ended since. A candidate
    /// still unused is the least recently used session of all: every use and insert after the
    /// scan drew a higher sequence than any before it, and the sessions not kept had higher
    /// ones too. Eviction stays exact, and a scan is paid once per `cap / 64` evictions.
    fn make_room(&self, table: &mut Table, now_nanos: i64) {
        while table.by_token.len() >= self.max_sessions {
            match table.victims.pop_front() {
                Some((sequence, candidate)) => {
                    if let Some(session) = candidate.upgrade() {
                        if session.last_use_sequence.load(Ordering::Relaxed) == sequence {
                            table.remove_token(&session.token);
                        }
                    }
                }
                None => self.scan_for_victims(table, now_nanos),
            }
        }
    }

    /// Purges the expired sessions and, if the table is still full, refills `victims`.
    fn scan_for_victims(&self, table: &mut Table, now_nanos: i64) {
        let expired: Vec<Arc<Session>> = table
            .by_token
            .iter()
            .filter(|e| self.expired(&e.0, now_nanos))
            .map(|e| Arc::clone(&e.0))
            .collect();
        for old in expired {
            table.remove_token(&old.token);
        }
        let len = table.by_token.len();
        if len < self.max_sessions {
            return;
        }
        let keep = (len + 1 - self.max_sessions)
            .max(self.max_sessions / 64)
            .min(len);
        let mut candidates: Vec<(u64, &Arc<Session>)> = table
            .by_token
            .iter()
            .map(|e| (e.0.last_use_sequence.load(Ordering::Relaxed), &e.0))
            .collect();
        candidates.select_nth_unstable_by_key(keep - 1, |c| c.0);
        candidates.truncate(keep);
        candidates.sort_unstable_by_key(|c| c.0);
        let victims = candidates
            .into_iter()
            .map(|(sequence, session)| (sequence, Arc::downgrade(session)))
            .collect();
        table.victims = victims;
    }

    /// Ends the session of `token`.
    pub fn remove_token(&self, token: &str) -> Option<Arc<Session>> {
        self.write().remove_token(token)
    }

    /// Ends the session with id `id`.
    pub fn remove_by_id(&self, id: &str) -> Option<Arc<Session>> {
        let id = parse_id(id)?;
        let mut table = self.write();
        let session = Arc::clone(&table.by_id.get(&id)?.0);
        table.remove_token(&session.token)
    }

    /// Ends the live session of a PAT.
    pub fn remove_by_pat(&self, pat_id: &str) -> Option<Arc<Session>> {
        let mut table = self.write();
        let session = table.by_pat.get(pat_id).cloned()?;
        table.remove_token(&session.token)
    }

    /// Every session held (expired ones not yet purged included), in no particular order.
    pub fn snapshot(&self) -> Vec<Arc<Session>> {
        self.read()
            .by_token
            .iter()
            .map(|entry| Arc::clone(&entry.0))
            .collect()
    }

    /// Whether the session has been idle past the limit at `now_nanos`.
    pub fn is_expired(&self, session: &Session, now_nanos: i64) -> bool {
        self.expired(session, now_nanos)
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
            Uuid::from_u128(0xabcd_ef00 + u128::from(n)),
            format!("token{n}"),
            "user".into(),
            "site".into(),
            Family::Password,
            pat.map(Arc::from),
            None,
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
    fn removal_by_id_and_by_pat_clears_every_index() {
        let store = SessionStore::new(Duration::from_secs(60), 10);
        let first = store.insert(session(1, Some("p")), 0);
        store.insert(session(2, None), 0);
        let id = first.id.to_string();
        assert!(store.remove_by_id(&id.to_uppercase()).is_none());
        assert!(store.remove_by_id(&first.id.simple().to_string()).is_none());
        assert!(store.remove_by_id(&id).is_some());
        assert!(store.peek("token1").is_none());
        assert!(store.remove_by_pat("p").is_none());
        assert!(store.remove_by_id(&id).is_none());
        store.insert(session(3, Some("p")), 0);
        assert!(store.remove_by_pat("p").is_some());
        assert!(store.peek("token3").is_none());
        assert_eq!(store.len(), 1);
        let second = store.remove_token("token2").unwrap();
        assert!(store.remove_by_id(&second.id.to_string()).is_none());
        assert_eq!(store.len(), 0);
    }

    #[derive(Debug, Clone)]
    enum Op {
        Insert,
        Use(usize),
        End(usize),
    }

    fn op() -> impl proptest::strategy::Strategy<Value = Op> {
        use proptest::prelude::*;
        prop_oneof![
            3 => Just(Op::Insert),
            3 => (0usize..400).prop_map(Op::Use),
            1 => (0usize..400).prop_map(Op::End),
        ]
    }

    proptest::proptest! {
        /// Batched eviction is still exact LRU: after every step the live tokens are those of
        /// a model that evicts the least recently used session one at a time. A cap of 130
        /// keeps two candidates per scan, so candidates get used, ended and skipped.
        #[test]
        fn eviction_matches_an_exact_lru_model(ops in proptest::collection::vec(op(), 1..1500)) {
            const CAP: usize = 130;
            let store = SessionStore::new(Duration::from_secs(60), CAP);
            // The model: token number → last use (a step counter), in insertion order.
            let mut model: Vec<(u32, u64)> = Vec::new();
            let mut next = 0u32;
            for (step, op) in (0u64..).zip(ops) {
                match op {
                    Op::Insert => {
                        if model.len() >= CAP {
                            let lru = (0..model.len()).min_by_key(|&i| model[i].1).unwrap();
                            model.remove(lru);
                        }
                        store.insert(session(next, None), 0);
                        model.push((next, step));
                        next += 1;
                    }
                    Op::Use(i) if !model.is_empty() => {
                        let i = i % model.len();
                        model[i].1 = step;
                        let used = store.validate(&format!("token{}", model[i].0), 0);
                        proptest::prop_assert!(used.is_some());
                    }
                    Op::End(i) if !model.is_empty() => {
                        let (n, _) = model.remove(i % model.len());
                        let ended = store.remove_token(&format!("token{}", n));
                        proptest::prop_assert!(ended.is_some());
                    }
                    _ => {}
                }
                proptest::prop_assert_eq!(store.len(), model.len());
            }
            for (n, _) in &model {
                let live = store.peek(&format!("token{}", n));
                proptest::prop_assert!(live.is_some(), "token{} was evicted", n);
            }
        }
    }

    #[test]
    fn a_full_table_is_scanned_once_per_batch() {
        let store = SessionStore::new(Duration::from_secs(60), 640);
        for n in 0..640 {
            store.insert(session(n, None), 0);
        }
        store.insert(session(640, None), 0);
        // One scan kept the ten least recently used; one was evicted, nine wait.
        assert_eq!(store.read().victims.len(), 9);
        assert!(store.peek("token0").is_none());
        assert!(store.peek("token1").is_some());
        for n in 641..650 {
            store.insert(session(n, None), 0);
        }
        assert!(store.read().victims.is_empty());
        assert!((0..10).all(|n| store.peek(&format!("token{n}")).is_none()));
        assert!(store.peek("token10").is_some());
        assert_eq!(store.len(), 640);
    }

    #[test]
    fn expired_sessions_go_before_any_live_one() {
        let second = 1_000_000_000;
        let store = SessionStore::new(Duration::from_secs(60), 3);
        store.insert(session(1, None), 0);
        store.insert(session(2, None), 0);
        store.insert(session(3, None), 0);
        assert!(store.validate("token1", 50 * second).is_some());
        assert!(store.validate("token2", 50 * second).is_some());
        // At 100 s, token3 (last used at 0) has expired; token1 and token2 have not.
        store.insert(session(4, None), 100 * second);
        assert!(store.peek("token3").is_none());
        assert!(store.peek("token1").is_some() && store.peek("token2").is_some());
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
