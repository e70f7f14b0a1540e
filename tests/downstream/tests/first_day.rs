//! A downstream crate's first day: tests written the way a user of `tableau-auth` writes them,
//! from the README and `docs/` alone (the snippets they copy are marked), against the
//! in-process mock server. Only `tableau_auth::…` and `tableau_mock_server::…` are imported.

use std::sync::Arc;
use std::time::Duration;

use tableau_auth::{
    AuthProvider, Client, CredentialKind, Credentials, Error, ErrorCode,
    PersonalAccessTokenProvider, ProviderError, SessionManager, StaticEnv, async_trait,
};
use tableau_mock_server::{ConnectedApp, Flavor, MockServer};

/// README "Example", pointed at the mock: a PAT sign-in, the session, sign-out.
#[tokio::test]
async fn signs_in_with_a_pat_as_the_readme_shows() {
    let mock = MockServer::start().await;
    let creds = mock.default_credentials();
    let client = Client::builder().server_url(&mock.uri()).build().unwrap();
    let pat = PersonalAccessTokenProvider::new(creds.pat_name, creds.pat_secret).unwrap();
    let manager = SessionManager::new(client, Arc::new(pat.site(creds.site_content_url)));

    let session = manager.session().await.unwrap();
    assert_eq!(
        session.credential_kind(),
        Some(CredentialKind::PersonalAccessToken)
    );
    // client.md section 3: CurrentSession and its fields.
    let me = manager.whoami().await.unwrap();
    assert_eq!(me.user.name.as_deref(), Some("admin"));
    assert_eq!(me.user.id, session.user_id());
    assert_eq!(me.site.id, session.site_id());
    assert_eq!(me.site.content_url, "");
    assert_eq!(me.user.site_role.as_deref(), Some("ServerAdministrator"));

    manager.sign_out().await;
    assert_eq!(mock.session_count(), 0, "the sign-out reached the server");
}

/// client.md section 5, "`send` or `send_checked`": a 404 is `Ok` from `send` and an `Error`
/// with its Tableau code from `send_checked` and from `Error::from_response`.
#[tokio::test]
async fn send_returns_a_404_and_send_checked_turns_it_into_an_error() {
    let mock = MockServer::start().await;
    let creds = mock.default_credentials();
    let client = Client::builder().server_url(&mock.uri()).build().unwrap();
    let manager = SessionManager::new(
        client,
        Arc::new(Credentials::password(creds.username, creds.password)),
    );
    let session = manager.session().await.unwrap();
    let path = format!(
        "sites/{}/users/00000000-0000-0000-0000-000000000000",
        session.site_id()
    );
    let url = manager.api_url(&path).await.unwrap();

    let response = manager
        .send(manager.client().http().get(url.clone()))
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let from_response = Error::from_response(response).await;
    assert_eq!(
        from_response
            .tableau_code()
            .map(|code| code.to_string())
            .as_deref(),
        Some("404002")
    );

    let checked = manager
        .send_checked(manager.client().http().get(url))
        .await
        .unwrap_err();
    assert!(matches!(checked, Error::Tableau { .. }), "{checked:?}");
    assert_eq!(checked.tableau_code(), from_response.tableau_code());
    assert_ne!(checked.tableau_code(), Some(ErrorCode::SIGNIN_ERROR));
}

/// client.md section 2, "From the environment": `Client::from_env_source` with a `StaticEnv`.
#[tokio::test]
async fn configures_client_and_provider_from_a_static_env() {
    let mock = MockServer::start().await;
    let creds = mock.default_credentials();
    let uri = mock.uri();
    let env = StaticEnv::from_vars(&[
        ("TABLEAU_SERVER_URL", uri.as_str()),
        ("TABLEAU_PAT_NAME", creds.pat_name.as_str()),
        ("TABLEAU_PAT_SECRET", creds.pat_secret.as_str()),
    ]);
    let (client, provider) = Client::from_env_source(env).unwrap();
    assert_eq!(provider.kind(), Some(CredentialKind::PersonalAccessToken));
    let manager = SessionManager::new(client, Arc::new(provider));
    assert_eq!(
        manager.whoami().await.unwrap().user.name.as_deref(),
        Some("admin")
    );
}

/// providers.md "Your own provider", copied as it is there.
#[derive(Debug)]
struct PatFromFile(std::path::PathBuf);

#[async_trait]
impl AuthProvider for PatFromFile {
    fn name(&self) -> &str {
        "pat-from-file"
    }
    async fn credentials(&self) -> Result<Credentials, ProviderError> {
        let secret = std::fs::read_to_string(&self.0).map_err(|err| {
            ProviderError::failed(self.name(), format!("cannot read {}", self.0.display()))
                .with_source(err)
        })?;
        Ok(Credentials::personal_access_token("ci-token", secret.trim_end()).with_site("finance"))
    }
}

/// The provider of your own is asked at every sign-in: a secret rotated in its file is used
/// by the next one, without a restart.
#[tokio::test]
async fn a_provider_of_your_own_reads_a_rotated_secret_at_the_next_sign_in() {
    let mock = MockServer::start().await;
    mock.create_site("finance", "Finance").await;
    mock.create_user("finance", "robot", None, "Creator").await;
    let first = mock.create_pat("finance", "robot", "ci-token").await;
    let file = std::env::temp_dir().join(format!("tableau-downstream-pat-{}", std::process::id()));
    std::fs::write(&file, format!("{}\n", first.secret)).unwrap();

    let client = Client::builder().server_url(&mock.uri()).build().unwrap();
    let manager = SessionManager::new(client, Arc::new(PatFromFile(file.clone())));
    let me = manager.whoami().await.unwrap();
    assert_eq!(
        (me.user.name.as_deref(), me.site.content_url.as_str()),
        (Some("robot"), "finance")
    );

    // The secret is rotated; the session dies of idleness; the next call signs in again.
    assert!(mock.revoke_pat("finance", "robot", "ci-token").await);
    let second = mock.create_pat("finance", "robot", "ci-token").await;
    assert_ne!(first.secret, second.secret);
    std::fs::write(&file, &second.secret).unwrap();
    mock.advance_clock(Duration::from_secs(5 * 3600)).await;
    assert_eq!(
        manager.whoami().await.unwrap().user.name.as_deref(),
        Some("robot")
    );
    assert_eq!(manager.sign_in_count(), 2);

    // A file that cannot be read is the provider's error, naming the file.
    std::fs::remove_file(&file).unwrap();
    let err = PatFromFile(file.clone()).credentials().await.unwrap_err();
    assert!(
        err.to_string().contains(&file.display().to_string()),
        "{err}"
    );
}

/// mock-server.md "A connected app in a test": a disabled app is refused with 401001.
#[tokio::test]
async fn a_disabled_connected_app_is_refused() {
    let mock = MockServer::start().await;
    mock.create_connected_app(ConnectedApp {
        site: String::new(),
        client_id: "my-client-id".into(),
        secret_id: "my-secret-id".into(),
        secret_value: "my-secret-value".into(),
        enabled: false,
    })
    .await;
    let client = Client::builder().server_url(&mock.uri()).build().unwrap();
    let app = tableau_auth::ConnectedAppProvider::new(
        "my-client-id",
        "my-secret-id",
        "my-secret-value",
        "admin",
    )
    .unwrap();
    let err = client.sign_in(&app).await.unwrap_err();
    assert!(matches!(err, Error::SignInRefused { .. }), "{err:?}");
    assert_eq!(err.tableau_code(), Some(ErrorCode::SIGNIN_ERROR));
}

/// mock-server.md: the `DefaultCredentials` table, both flavours.
#[tokio::test]
async fn default_credentials_are_what_the_table_says() {
    let server = MockServer::start().await.default_credentials();
    assert_eq!(server.site_content_url, "");
    assert_eq!(server.username, "admin");
    assert_eq!(server.password, "admin");
    assert_eq!(server.pat_name, "admin-pat");
    assert!(!server.pat_secret.is_empty());

    let cloud = MockServer::builder().flavor(Flavor::Cloud).start().await;
    let creds = cloud.default_credentials();
    assert_eq!(creds.site_content_url, "analytics");
    assert_eq!(creds.username, "admin@example.com");
    assert_eq!(creds.password, "");
    assert_eq!(creds.pat_name, "admin-pat");
    let debug = format!("{creds:?}");
    assert!(!debug.contains(&creds.pat_secret), "{debug}");

    // Random at each start, unless the mock is deterministic.
    let again = MockServer::start().await.default_credentials();
    assert_ne!(again.pat_secret, server.pat_secret);
    let seeded = |seed| async move {
        let mock = MockServer::builder().deterministic(seed).start().await;
        mock.default_credentials().pat_secret
    };
    assert_eq!(seeded(7).await, seeded(7).await);
    assert_ne!(seeded(7).await, seeded(8).await);
}
