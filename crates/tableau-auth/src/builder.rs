//! [`ClientBuilder`]: the server URL, HTTP settings, version pinning and test seams. It checks
//! the URL, builds the [`Transport`] and hands both to [`Client`].

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use tableau_auth_core::{ApiVersion, Sleep, SystemTimeSource, TimeSource, TokioSleep, WireFormat};
use url::Url;

use crate::client::Client;
use crate::error::Error;
use crate::retry::RetryPolicy;
use crate::transport::{Transport, check_scheme};

impl Client {
    /// Starts configuring a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }
}

/// The default `User-Agent`.
pub const DEFAULT_USER_AGENT: &str = concat!("tableau-auth-rust/", env!("CARGO_PKG_VERSION"));

/// Configures a [`Client`]. Start with [`Client::builder`].
///
/// ```
/// use std::time::Duration;
/// use tableau_auth::{Client, Error};
///
/// let client = Client::builder()
///     .server_url("https://tableau.example.com")
///     .timeout(Duration::from_secs(30))
///     .build()?;
/// assert_eq!(client.server_url().as_str(), "https://tableau.example.com/");
///
/// // Plain http is refused for anything but the local machine.
/// let err = Client::builder().server_url("http://tableau.example.com").build().unwrap_err();
/// assert!(matches!(err, Error::InsecureUrl { .. }));
/// # Ok::<(), Error>(())
/// ```
#[derive(Debug)]
#[must_use]
pub struct ClientBuilder {
    server_url: Option<String>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    proxies: Vec<reqwest::Proxy>,
    root_certificates: Vec<reqwest::Certificate>,
    native_roots: bool,
    user_agent: String,
    api_version: Option<ApiVersion>,
    format: WireFormat,
    allow_insecure_http: bool,
    retry_policy: RetryPolicy,
    sleep: Arc<dyn Sleep>,
    time_source: Arc<dyn TimeSource>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            server_url: None,
            timeout: Some(Duration::from_secs(60)),
            connect_timeout: Some(Duration::from_secs(10)),
            proxies: Vec::new(),
            root_certificates: Vec::new(),
            native_roots: true,
            user_agent: DEFAULT_USER_AGENT.to_owned(),
            api_version: None,
            format: WireFormat::Xml,
            allow_insecure_http: false,
            retry_policy: RetryPolicy::default(),
            sleep: Arc::new(TokioSleep),
            time_source: Arc::new(SystemTimeSource),
        }
    }
}

impl ClientBuilder {
    /// The server's root URL (`https://tableau.example.com`, or for Tableau Cloud the pod:
    /// `https://10ay.online.tableau.com`). A path prefix is kept (for reverse proxies).
    pub fn server_url(mut self, url: &str) -> Self {
        self.server_url = Some(url.to_owned());
        self
    }

    /// The timeout of each HTTP request (default 60 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The timeout for establishing a connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Sends requests through a proxy.
    pub fn proxy(mut self, proxy: reqwest::Proxy) -> Self {
        self.proxies.push(proxy);
        self
    }

    /// Trusts an additional root certificate (for servers with a private CA). From the
    /// environment: `TABLEAU_CA_FILE` (see [`environment`](ClientBuilder::environment)).
    pub fn add_root_certificate(mut self, certificate: reqwest::Certificate) -> Self {
        self.root_certificates.push(certificate);
        self
    }

    /// Whether to trust the operating system's certificate store as well as the built-in web
    /// roots (default: yes). The store is the one other programs on the machine use (on
    /// Linux the distribution's bundle, on macOS the keychain, on Windows the system store),
    /// so a company CA installed there is trusted without configuration. `SSL_CERT_FILE` (a
    /// PEM bundle) and `SSL_CERT_DIR` replace the store when set, as they do for OpenSSL.
    /// The store is read once per process, at the first client build.
    pub fn trust_native_roots(mut self, trust: bool) -> Self {
        self.native_roots = trust;
        self
    }

    /// The `User-Agent` header (default `tableau-auth-rust/<version>`).
    pub fn user_agent(mut self, user_agent: &str) -> Self {
        self.user_agent = user_agent.to_owned();
        self
    }

    /// Pins the REST API version instead of negotiating it with `serverinfo`.
    pub fn api_version(mut self, version: ApiVersion) -> Self {
        self.api_version = Some(version);
        self
    }

    /// The wire format of requests and responses (default XML).
    pub fn format(mut self, format: WireFormat) -> Self {
        self.format = format;
        self
    }

    /// Allows `http://` URLs for hosts other than the local machine. Credentials and tokens
    /// then travel unencrypted: only for trusted networks.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// How throttled and failed calls are retried (default: [`RetryPolicy::default`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry_policy = policy;
        self
    }

    /// How the client waits between retries (default: tokio's timer). Tests inject
    /// [`ManualSleep`](crate::ManualSleep).
    pub fn sleep(mut self, sleep: Arc<dyn Sleep>) -> Self {
        self.sleep = sleep;
        self
    }

    /// The clock for session ages, retry deadlines and `Retry-After` dates (default: the
    /// system clock). Tests inject [`ManualTimeSource`](crate::ManualTimeSource).
    pub fn time_source(mut self, time_source: Arc<dyn TimeSource>) -> Self {
        self.time_source = time_source;
        self
    }

    /// Builds the client. Fails on a missing or unusable URL, on `http://` for a remote host
    /// (unless allowed), and on TLS or proxy settings reqwest rejects.
    pub fn build(self) -> Result<Client, Error> {
        let raw = self
            .server_url
            .as_deref()
            .ok_or_else(|| Error::Configuration("no server URL: call .server_url(..)".into()))?;
        let server = parse_server_url(raw)?;
        check_scheme(&server, self.allow_insecure_http)?;

        let mut http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(self.user_agent.as_str());
        if let Some(timeout) = self.timeout {
            http = http.timeout(timeout);
        }
        if let Some(timeout) = self.connect_timeout {
            http = http.connect_timeout(timeout);
        }
        for proxy in self.proxies {
            http = http.proxy(proxy);
        }
        if self.native_roots {
            for certificate in native_roots() {
                http = http.add_root_certificate(certificate.clone());
            }
        }
        for certificate in self.root_certificates {
            http = http.add_root_certificate(certificate);
        }
        let http = http
            .build()
            .map_err(|e| Error::Configuration(format!("cannot build the HTTP client: {e}")))?;
        let transport = Transport::new(
            http,
            self.retry_policy,
            self.allow_insecure_http,
            self.sleep,
            self.time_source,
        );
        Ok(Client::new(
            transport,
            server,
            self.api_version,
            self.format,
        ))
    }
}

/// The operating system's root certificates (or those of `SSL_CERT_FILE`/`SSL_CERT_DIR`),
/// read once per process: loading the store is slow. Certificates the store holds but rustls
/// cannot use are left out; a store that cannot be read is logged and left out (the built-in
/// roots still apply).
fn native_roots() -> &'static [reqwest::Certificate] {
    static ROOTS: OnceLock<Vec<reqwest::Certificate>> = OnceLock::new();
    ROOTS.get_or_init(|| {
        let loaded = rustls_native_certs::load_native_certs();
        for error in &loaded.errors {
            tracing::warn!(%error, "could not read part of the operating system's certificate store");
        }
        let roots: Vec<reqwest::Certificate> = loaded
            .certs
            .iter()
            .filter_map(|der| reqwest::Certificate::from_der(der.as_ref()).ok())
            .collect();
        tracing::debug!(
            certificates = roots.len(),
            "read the operating system's certificate store"
        );
        roots
    })
}

/// The URL as given, for messages, with anything up to its last `@` (a user name and
/// password) replaced, so a mistaken credential in the URL never reaches a log.
fn shown(raw: &str) -> String {
    match raw.rfind('@') {
        Some(at) => format!("[redacted]@{}", &raw[at + 1..]),
        None => raw.to_owned(),
    }
}

fn parse_server_url(raw: &str) -> Result<Url, Error> {
    let mut url = Url::parse(raw.trim()).map_err(|e| {
        Error::Configuration(format!(
            "`{}` is not a URL ({e}); expected something like https://tableau.example.com",
            shown(raw)
        ))
    })?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::Configuration(
            "the server URL must not contain a user name or password".into(),
        ));
    }
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Error::Configuration(format!(
            "the server URL must start with https:// (got `{}:`)",
            url.scheme()
        )));
    }
    if url.host().is_none() {
        return Err(Error::Configuration(format!(
            "`{}` has no host",
            shown(raw)
        )));
    }
    if url.fragment().is_some() {
        return Err(Error::Configuration(format!(
            "`{}` contains a browser fragment (`#...`): pass only the server's root URL and \
             give the site's content URL to the credential provider",
            shown(raw)
        )));
    }
    if url.query().is_some() {
        return Err(Error::Configuration(format!(
            "`{}` must not have a query",
            shown(raw)
        )));
    }
    // A path prefix is kept; a copied `/api/...` tail is not.
    let path = url.path().to_owned();
    let trimmed = match path.find("/api/") {
        Some(index) => &path[..index],
        None => path.trim_end_matches('/'),
    };
    let trimmed = format!("{trimmed}/");
    url.set_path(&trimmed);
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_server_urls() {
        let p = |s| parse_server_url(s).unwrap().to_string();
        assert_eq!(p("https://t.example.com"), "https://t.example.com/");
        assert_eq!(p("https://t.example.com/"), "https://t.example.com/");
        assert_eq!(
            p("https://t.example.com/tableau/"),
            "https://t.example.com/tableau/"
        );
        assert_eq!(
            p("https://t.example.com/api/3.27/auth/signin"),
            "https://t.example.com/"
        );
        assert!(parse_server_url("https://t.example.com/#/site/x").is_err());
        assert!(parse_server_url("ftp://t.example.com").is_err());
        assert!(parse_server_url("t.example.com").is_err());
    }

    #[test]
    fn a_password_in_the_url_never_reaches_the_error() {
        for raw in [
            "https://jdoe:hunter2@t.example.com/?x=1",
            "https://jdoe:hunter2@t.example.com/#/site/x",
            "https://jdoe:hunter2@t.exa mple.com",
            "https://jdoe:hunter2@",
            "https://jdoe:hunter2@t.example.com",
        ] {
            let err = parse_server_url(raw).unwrap_err().to_string();
            assert!(!err.contains("hunter2"), "{err}");
        }
    }

    #[test]
    fn http_is_refused_except_for_loopback() {
        let check = |s, allow| check_scheme(&parse_server_url(s).unwrap(), allow);
        assert!(check("http://localhost:8080", false).is_ok());
        assert!(check("http://127.0.0.1:8080", false).is_ok());
        assert!(check("http://[::1]:8080", false).is_ok());
        assert!(check("http://tableau.example.com", true).is_ok());
        let err = check("http://tableau.example.com", false).unwrap_err();
        assert!(err.to_string().contains("tableau.example.com"), "{err}");
        assert!(err.to_string().contains("https://"), "{err}");
    }
}
