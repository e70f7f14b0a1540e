//! The production path: HTTPS through rustls to a server whose certificate a private CA signed.
//!
//! Every other test talks plain http to the mock on loopback. Here a TLS front (tokio-rustls on
//! ring, a CA and a server certificate made by rcgen at run time) terminates HTTPS on a free
//! loopback port and relays the bytes to the mock, so the client's TLS settings are what is
//! tested: `add_root_certificate` makes a private CA trusted, and without it the sign-in is
//! refused with an error that says what to do, before any credential reaches the server.

mod common;

use std::net::SocketAddr;
use std::sync::Arc;

use common::{Clock, pat, requests_to};
use tableau_auth::{Error, RetryPolicy};
use tableau_mock_server::MockServer;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::crypto::ring::default_provider;
use tokio_rustls::rustls::pki_types::PrivatePkcs8KeyDer;

/// An HTTPS listener in front of a mock server; stops when dropped.
struct TlsFront {
    url: String,
    ca_pem: String,
    accept_loop: JoinHandle<()>,
}

impl Drop for TlsFront {
    fn drop(&mut self) {
        self.accept_loop.abort();
    }
}

/// A CA, a certificate for 127.0.0.1 signed by it, and a TLS front relaying to `mock`.
async fn tls_front(mock: &MockServer) -> TlsFront {
    let ca_key = rcgen::KeyPair::generate().expect("CA key");
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "tableau-auth test CA");
    let ca = ca_params.self_signed(&ca_key).expect("CA certificate");
    let server_key = rcgen::KeyPair::generate().expect("server key");
    let server = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .expect("server params")
        .signed_by(&server_key, &ca, &ca_key)
        .expect("server certificate");

    let config = ServerConfig::builder_with_provider(Arc::new(default_provider()))
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_no_client_auth()
        .with_single_cert(
            vec![server.der().clone()],
            PrivatePkcs8KeyDer::from(server_key.serialize_der()).into(),
        )
        .expect("TLS config");
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("address").port();
    let backend: SocketAddr = mock.address();
    let accept_loop = tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A refused handshake just ends this connection: the client reports it.
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let Ok(mut plain) = TcpStream::connect(backend).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
            });
        }
    });
    TlsFront {
        url: format!("https://127.0.0.1:{port}"),
        ca_pem: ca.pem(),
        accept_loop,
    }
}

#[tokio::test]
async fn a_private_root_certificate_makes_https_work() {
    let mock = MockServer::start().await;
    let front = tls_front(&mock).await;
    let root = reqwest::Certificate::from_pem(front.ca_pem.as_bytes()).expect("CA PEM");
    let client = Clock::new()
        .builder(&mock)
        .server_url(&front.url)
        .add_root_certificate(root)
        .build()
        .expect("client");

    let session = client
        .sign_in(&pat(&mock))
        .await
        .expect("sign-in over https");
    let current = client
        .current_session(&session)
        .await
        .expect("sessions/current over https");
    assert_eq!(current.user.name.as_deref(), Some("admin"));
    client
        .sign_out(&session)
        .await
        .expect("sign-out over https");

    // The requests really went through the TLS front: the mock saw serverinfo, the sign-in,
    // the look-up and the sign-out, and the session is gone.
    assert_eq!(requests_to(&mock, "/serverinfo").await.len(), 1);
    assert_eq!(
        requests_to(&mock, "/auth/signin").await[0].status,
        Some(200)
    );
    assert_eq!(requests_to(&mock, "/sessions/current").await.len(), 1);
    assert_eq!(
        requests_to(&mock, "/auth/signout").await[0].status,
        Some(204)
    );
}

/// A PAT sign-in to `url` with the default trust store and no retries, which must fail.
async fn failed_sign_in(mock: &MockServer, url: &str) -> Error {
    let client = Clock::new()
        .builder(mock)
        .server_url(url)
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("client");
    client
        .sign_in(&pat(mock))
        .await
        .expect_err("the TLS handshake must fail")
}

#[tokio::test]
async fn an_untrusted_certificate_is_refused_with_a_hint_and_sends_nothing() {
    let mock = MockServer::start().await;
    let front = tls_front(&mock).await;
    let error = failed_sign_in(&mock, &front.url).await;
    assert!(matches!(error, Error::Transport(_)), "{error:?}");
    let text = error.to_string();
    let hint = error.hint().expect("a hint for the untrusted certificate");
    assert!(hint.contains("invalid peer certificate"), "{text}");
    assert!(
        hint.contains("ClientBuilder::add_root_certificate"),
        "{text}"
    );
    assert!(text.ends_with(&*hint), "{text}");
    assert!(
        !text.contains(&mock.default_credentials().pat_secret),
        "{text}"
    );
    assert!(
        mock.requests().await.is_empty(),
        "nothing may reach the server over an untrusted connection"
    );
}

#[tokio::test]
async fn https_to_a_plain_http_port_says_so() {
    let mock = MockServer::start().await;
    let error = failed_sign_in(&mock, &mock.uri().replacen("http://", "https://", 1)).await;
    let hint = error.hint().expect("a hint for the failed handshake");
    assert!(hint.contains("TLS handshake failed"), "{error}");
    assert!(hint.contains("serve HTTPS"), "{error}");
    assert!(error.to_string().ends_with(&*hint), "{error}");
}

/// The process's variables are never touched: the test's variables come from a `StaticEnv`,
/// and its files from the real file system (the CA file is a real temporary file).
#[derive(Debug)]
struct VarsAndRealFiles(tableau_auth::StaticEnv);

impl tableau_auth::Env for VarsAndRealFiles {
    fn var_os(&self, name: &str) -> Option<std::ffi::OsString> {
        self.0.var_os(name)
    }

    fn read_file(&self, path: &std::path::Path) -> std::io::Result<Vec<u8>> {
        std::fs::read(path)
    }
}

/// A file under the temporary directory, removed when dropped.
struct TempFile(std::path::PathBuf);

impl TempFile {
    fn new(name: &str, contents: &[u8]) -> TempFile {
        let path = std::env::temp_dir().join(format!(
            "tableau-auth-{}-{}-{name}",
            std::process::id(),
            next_suffix()
        ));
        std::fs::write(&path, contents).expect("temporary file");
        TempFile(path)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn next_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// The environment of a PAT sign-in to `url`, with `TABLEAU_CA_FILE` when given.
fn env_for(mock: &MockServer, url: &str, ca_file: Option<&std::path::Path>) -> VarsAndRealFiles {
    let creds = mock.default_credentials();
    let mut env = tableau_auth::StaticEnv::from_vars(&[
        ("TABLEAU_SERVER_URL", url),
        ("TABLEAU_PAT_NAME", &creds.pat_name),
        ("TABLEAU_PAT_SECRET", &creds.pat_secret),
    ]);
    if let Some(path) = ca_file {
        env = env.with_var("TABLEAU_CA_FILE", path.as_os_str());
    }
    VarsAndRealFiles(env)
}

#[tokio::test]
async fn tableau_ca_file_makes_an_environment_built_client_trust_a_private_ca() {
    let mock = MockServer::start().await;
    let front = tls_front(&mock).await;
    let ca_file = TempFile::new("ca.pem", front.ca_pem.as_bytes());

    let (client, provider) =
        tableau_auth::Client::from_env_source(env_for(&mock, &front.url, Some(&ca_file.0)))
            .expect("client from the environment");
    let session = client
        .sign_in(&provider)
        .await
        .expect("sign-in over https with the CA of TABLEAU_CA_FILE");
    client.current_session(&session).await.expect("over https");

    // The same environment without the variable: the CA is not trusted.
    let (client, provider) =
        tableau_auth::Client::from_env_source(env_for(&mock, &front.url, None)).unwrap();
    let err = client.sign_in(&provider).await.unwrap_err();
    assert!(
        err.hint().is_some_and(|h| h.contains("certificate")),
        "{err}"
    );
}

#[tokio::test]
async fn an_unusable_tableau_ca_file_names_the_variable_and_the_path() {
    let mock = MockServer::start().await;
    let url = "https://tableau.example.com";
    let missing = std::env::temp_dir().join("tableau-auth-no-such-ca.pem");
    let not_pem = TempFile::new("not.pem", b"this is not a certificate\n");
    let damaged = TempFile::new(
        "damaged.pem",
        b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    );
    for (path, expected) in [
        (missing.as_path(), "cannot be read"),
        (not_pem.0.as_path(), "holds no PEM certificate"),
        (damaged.0.as_path(), "certificate number 1"),
    ] {
        let err = tableau_auth::Client::from_env_source(env_for(&mock, url, Some(path)))
            .map(|_| ())
            .unwrap_err();
        assert!(matches!(err, Error::Configuration(_)), "{err:?}");
        let text = err.to_string();
        assert!(text.contains("TABLEAU_CA_FILE"), "{text}");
        assert!(text.contains(&path.display().to_string()), "{text}");
        assert!(text.contains(expected), "{expected}: {text}");
    }
    // Blank means unset.
    for blank in ["", "  "] {
        let env = env_for(&mock, url, None);
        let env = VarsAndRealFiles(env.0.with_var("TABLEAU_CA_FILE", blank));
        assert!(tableau_auth::Client::from_env_source(env).is_ok());
    }
}
