//! Session stores in one process: managers standing for separate processes share one PAT
//! session through a `FileStore`; entries are sealed, private, replaced when unreadable, and
//! re-sign-in is keyed on the rejected token. (The command's tests run the same protocol
//! across real processes and Redis.)

mod common;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use common::{Clock, password, pat, requests_to};
use tableau_auth::{
    AuthProvider, Credentials, Error, ExposeSecret, FileStore, ProviderError, SessionManager,
    SessionOrigin, SessionStore, SharedSessions, async_trait,
};
use tableau_mock_server::MockServer;

/// A manager for `mock` with its own client (as another process would have), sharing `store`.
fn manager(mock: &MockServer, store: &FileStore) -> SessionManager {
    SessionManager::builder(Clock::new().client(mock), Arc::new(pat(mock)))
        .session_store(Arc::new(store.clone()))
        .build()
}

async fn get_current(manager: &SessionManager) -> Result<reqwest::Response, Error> {
    let url = manager.api_url("sessions/current").await?;
    manager.send(manager.client().http().get(url)).await
}

/// The one entry file in `dir`.
fn entry_file(dir: &Path) -> std::path::PathBuf {
    let entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "session"))
        .collect();
    assert_eq!(entries.len(), 1, "{entries:?}");
    entries.into_iter().next().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_managers_share_one_pat_session_and_renew_it_once() {
    let mock = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::open(dir.path()).unwrap();
    let managers: Vec<_> = (0..20).map(|_| manager(&mock, &store)).collect();

    let tasks: Vec<_> = managers
        .iter()
        .map(|manager| {
            let manager = manager.clone();
            tokio::spawn(async move { manager.token().await })
        })
        .collect();
    let mut tokens = Vec::new();
    for task in tasks {
        tokens.push(task.await.unwrap().unwrap().expose_secret().to_owned());
    }
    tokens.dedup();
    assert_eq!(tokens.len(), 1, "one session for all");
    assert_eq!(requests_to(&mock, "/auth/signin").await.len(), 1);

    // The session dies on the server; every manager finds out on its next call. The first to
    // report it signs in; every other one takes the new session from the store.
    mock.advance_clock(Duration::from_secs(241 * 60)).await;
    let tasks: Vec<_> = managers
        .iter()
        .map(|manager| {
            let manager = manager.clone();
            tokio::spawn(async move { get_current(&manager).await.map(|r| r.status()) })
        })
        .collect();
    for task in tasks {
        assert!(task.await.unwrap().unwrap().is_success());
    }
    assert_eq!(requests_to(&mock, "/auth/signin").await.len(), 2);
    let mut after = Vec::new();
    for manager in &managers {
        after.push(manager.token().await.unwrap().expose_secret().to_owned());
    }
    after.dedup();
    assert_eq!(after.len(), 1);
    assert_ne!(after[0], tokens[0]);
}

#[tokio::test]
async fn a_stored_session_is_checked_before_it_is_used() {
    let mock = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::open(dir.path()).unwrap();
    let first = manager(&mock, &store);
    first.token().await.unwrap();
    let checks_before = requests_to(&mock, "/sessions/current").await.len();

    let second = manager(&mock, &store);
    assert_eq!(
        second.token().await.unwrap().expose_secret(),
        first.token().await.unwrap().expose_secret()
    );
    assert_eq!(requests_to(&mock, "/auth/signin").await.len(), 1);
    let checks = requests_to(&mock, "/sessions/current").await;
    assert_eq!(checks.len(), checks_before + 1, "one check");
    assert_eq!(checks.last().unwrap().status, Some(200));

    // Signed out behind the store's back: the check finds the token dead, so the next
    // process signs in instead of handing out a dead token.
    first.try_sign_out().await.unwrap();
    let third = manager(&mock, &store);
    let token = third.token().await.unwrap();
    assert_ne!(
        token.expose_secret(),
        second.token().await.unwrap().expose_secret()
    );
    assert_eq!(requests_to(&mock, "/auth/signin").await.len(), 2);
}

#[tokio::test]
async fn entries_are_private_and_sealed() {
    let mock = MockServer::start().await;
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("sessions");
    let store = FileStore::open(&dir).unwrap();
    let token = manager(&mock, &store).token().await.unwrap();
    let entry = entry_file(&dir);
    let bytes = std::fs::read(&entry).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    let secret = mock.default_credentials().pat_secret;
    assert!(
        !text.contains(token.expose_secret()),
        "the token in plain text"
    );
    assert!(!text.contains(&secret), "the PAT secret in plain text");
    assert!(!text.contains("admin-pat"), "the PAT name in plain text");
    let name = entry.file_name().unwrap().to_str().unwrap().to_owned();
    assert!(!name.contains("admin"), "{name}");

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        for file in std::fs::read_dir(&dir).unwrap() {
            let path = file.unwrap().path();
            assert_eq!(mode(&path), 0o600, "{}", path.display());
        }
        // Loosened by hand: tightened on the next open and the next read.
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::set_permissions(&entry, std::fs::Permissions::from_mode(0o644)).unwrap();
        let store = FileStore::open(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
        manager(&mock, &store).token().await.unwrap();
        assert_eq!(mode(&entry), 0o600);
    }
}

#[tokio::test]
async fn a_corrupt_entry_is_ignored_and_replaced() {
    let mock = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::open(dir.path()).unwrap();
    manager(&mock, &store).token().await.unwrap();
    let entry = entry_file(dir.path());
    for garbage in [&b""[..], b"not a session", b"tas1\x00\x01\x02"] {
        std::fs::write(&entry, garbage).unwrap();
        let fresh = manager(&mock, &store);
        fresh
            .token()
            .await
            .expect("a corrupt entry is not an error");
        let replaced = std::fs::read(&entry).unwrap();
        assert_ne!(replaced, garbage);
        // The replacement opens: the next process takes it without signing in.
        let signed_in = requests_to(&mock, "/auth/signin").await.len();
        manager(&mock, &store).token().await.unwrap();
        assert_eq!(requests_to(&mock, "/auth/signin").await.len(), signed_in);
    }
}

#[tokio::test]
async fn an_entry_sealed_under_another_secret_is_ignored_and_replaced() {
    let mock = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::open(dir.path()).unwrap();
    let old = manager(&mock, &store).token().await.unwrap();
    let sealed = std::fs::read(entry_file(dir.path())).unwrap();

    // The PAT is rotated: same name, same site, same server (so the same entry), new secret.
    let creds = mock.default_credentials();
    assert!(mock.revoke_pat("", &creds.username, &creds.pat_name).await);
    let rotated = mock.create_pat("", &creds.username, &creds.pat_name).await;
    let provider =
        tableau_auth::PersonalAccessTokenProvider::new(creds.pat_name, rotated.secret).unwrap();
    let after = SessionManager::builder(Clock::new().client(&mock), Arc::new(provider))
        .session_store(Arc::new(store.clone()))
        .build();
    let new = after
        .token()
        .await
        .expect("the foreign entry is not an error");
    assert_ne!(new.expose_secret(), old.expose_secret());
    assert_eq!(requests_to(&mock, "/auth/signin").await.len(), 2);
    let replaced = std::fs::read(entry_file(dir.path())).unwrap();
    assert_ne!(replaced, sealed, "replaced by the new credential's entry");
}

#[tokio::test]
async fn sign_out_ends_the_shared_session_and_removes_the_entry() {
    let mock = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn SessionStore> = Arc::new(FileStore::open(dir.path()).unwrap());
    let client = Clock::new().client(&mock);
    let provider: Arc<dyn AuthProvider> = Arc::new(pat(&mock));
    let shared = SharedSessions::new(client.clone(), Arc::clone(&provider), Arc::clone(&store));
    let manager = SessionManager::builder(client.clone(), provider)
        .wrap_source({
            let shared = shared.clone();
            move |_| Arc::new(shared)
        })
        .build();
    assert_eq!(shared.last_origin(), None);
    let session = manager.session().await.unwrap();
    assert_eq!(shared.last_origin(), Some(SessionOrigin::SignedIn));
    let other = manager_from(&mock, &store);
    other.token().await.unwrap();

    assert!(shared.sign_out(None).await.unwrap());
    assert_eq!(
        std::fs::read_dir(dir.path())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .path()
                    .extension()
                    .is_some_and(|ext| ext == "session")
            })
            .count(),
        0
    );
    let err = client.current_session(&session).await.unwrap_err();
    assert!(matches!(err, Error::SessionExpired { .. }), "{err:?}");
    assert!(
        !shared.sign_out(None).await.unwrap(),
        "nothing left to sign out"
    );
}

fn manager_from(mock: &MockServer, store: &Arc<dyn SessionStore>) -> SessionManager {
    SessionManager::builder(Clock::new().client(mock), Arc::new(pat(mock)))
        .session_store(Arc::clone(store))
        .build()
}

#[tokio::test]
async fn password_sessions_are_shared_too_and_kept_apart_from_pat_sessions() {
    let mock = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn SessionStore> = Arc::new(FileStore::open(dir.path()).unwrap());
    let by_password = |mock: &MockServer| {
        SessionManager::builder(Clock::new().client(mock), Arc::new(password(mock)))
            .session_store(Arc::clone(&store))
            .build()
    };
    let a = by_password(&mock).token().await.unwrap();
    let b = by_password(&mock).token().await.unwrap();
    assert_eq!(a.expose_secret(), b.expose_secret());
    let p = manager_from(&mock, &store).token().await.unwrap();
    assert_ne!(p.expose_secret(), a.expose_secret());
    assert_eq!(requests_to(&mock, "/auth/signin").await.len(), 2);
}

/// A provider that does not opt in to stores.
#[derive(Debug)]
struct Opaque(Credentials);

#[async_trait]
impl AuthProvider for Opaque {
    fn name(&self) -> &str {
        "opaque"
    }
    async fn credentials(&self) -> Result<Credentials, ProviderError> {
        Ok(self.0.clone())
    }
}

#[tokio::test]
async fn a_provider_without_a_store_identity_is_a_configuration_error() {
    let mock = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let creds = mock.default_credentials();
    let manager = SessionManager::builder(
        Clock::new().client(&mock),
        Arc::new(Opaque(Credentials::password(
            creds.username,
            creds.password,
        ))),
    )
    .session_store(Arc::new(FileStore::open(dir.path()).unwrap()))
    .build();
    let err = manager.token().await.unwrap_err();
    assert!(matches!(err, Error::Configuration(_)), "{err:?}");
    assert!(err.to_string().contains("`opaque`"), "{err}");
    assert!(requests_to(&mock, "/auth/signin").await.is_empty());
}

#[test]
fn a_store_directory_of_another_kind_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, b"x").unwrap();
    let err = FileStore::open(&file).unwrap_err();
    assert!(matches!(err, Error::SessionStore { .. }), "{err:?}");
    assert!(err.to_string().contains("not a directory"), "{err}");
}

#[tokio::test]
async fn a_refresh_keeps_a_stored_session_that_another_process_kept_alive() {
    let mock = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::open(dir.path()).unwrap();
    let clock = Clock::new();
    let manager = SessionManager::builder(clock.client(&mock), Arc::new(pat(&mock)))
        .session_lifetime(Duration::from_secs(10 * 60))
        .refresh_buffer(Duration::from_secs(5 * 60))
        .session_store(Arc::new(store.clone()))
        .build();
    let first = manager.token().await.unwrap();
    let checks = requests_to(&mock, "/sessions/current").await.len();

    // Past the refresh point by this process's clock: the manager asks for a new session, and
    // the store's session (alive on the server) is checked and kept, not replaced by a sign-in
    // that would end it for every other process.
    clock.time.advance(Duration::from_secs(6 * 60));
    let again = manager.token().await.unwrap();
    assert_eq!(again.expose_secret(), first.expose_secret());
    assert_eq!(requests_to(&mock, "/auth/signin").await.len(), 1);
    assert_eq!(
        requests_to(&mock, "/sessions/current").await.len(),
        checks + 1
    );
    // The check counts as a use: the next call does not refresh again.
    manager.token().await.unwrap();
    assert_eq!(
        requests_to(&mock, "/sessions/current").await.len(),
        checks + 1
    );
}
