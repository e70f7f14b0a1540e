//! [`Client`]: server info, version negotiation and sign-in.

use std::sync::Arc;

use http::header::{ACCEPT, CONTENT_TYPE};
use tableau_auth_core::{
    ApiVersion, AuthProvider, CredentialKind, Feature, ServerInfo, SignInRequest, SignInResponse,
    Sleep, TimeSource, WireFormat,
};
use url::Url;

use crate::builder::ClientBuilder;
use crate::error::Error;
use crate::responses::{Call, error_from_response, read_success};
use crate::retry::RetryPolicy;
use crate::session::Session;
use crate::transport::{Follow, Replay, transport_error};

/// A Tableau REST API client: knows the server, negotiates the API version once, and signs
/// in, out and across sites. Cheap to clone (clones share the connection pool and the
/// negotiated version).
///
/// For long-running work, wrap it in a [`SessionManager`](crate::SessionManager), which
/// signs in lazily and again whenever the session ends.
#[derive(Clone, Debug)]
pub struct Client {
    inner: Arc<ClientInner>,
    format: WireFormat,
}

#[derive(Debug)]
pub(crate) struct ClientInner {
    pub(crate) http: reqwest::Client,
    pub(crate) server: Url,
    pub(crate) pinned: Option<ApiVersion>,
    pub(crate) server_info: tokio::sync::OnceCell<ServerInfo>,
    pub(crate) allow_insecure_http: bool,
    pub(crate) retry: RetryPolicy,
    pub(crate) sleep: Arc<dyn Sleep>,
    pub(crate) time: Arc<dyn TimeSource>,
}

impl Client {
    /// Starts configuring a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    pub(crate) fn from_inner(inner: Arc<ClientInner>, format: WireFormat) -> Self {
        Client { inner, format }
    }

    pub(crate) fn inner(&self) -> &ClientInner {
        &self.inner
    }

    /// The wire format this client sends and asks for.
    pub fn format(&self) -> WireFormat {
        self.format
    }

    /// A clone of this client that uses another wire format (sharing everything else).
    #[must_use]
    pub fn with_format(&self, format: WireFormat) -> Client {
        Client {
            inner: Arc::clone(&self.inner),
            format,
        }
    }

    /// The server's root URL.
    pub fn server_url(&self) -> &Url {
        &self.inner.server
    }

    /// The underlying HTTP client (automatic redirects are off). Use it to build requests for
    /// [`SessionManager::send`](crate::SessionManager::send).
    pub fn http(&self) -> &reqwest::Client {
        &self.inner.http
    }

    /// The client's clock.
    pub fn time_source(&self) -> &Arc<dyn TimeSource> {
        &self.inner.time
    }

    /// `GET /api/2.4/serverinfo`, asked once and cached. A 404003 answer means the server is
    /// older than REST API 2.4 ([`Error::ServerTooOld`]).
    pub async fn server_info(&self) -> Result<ServerInfo, Error> {
        self.inner
            .server_info
            .get_or_try_init(|| self.fetch_server_info())
            .await
            .cloned()
    }

    async fn fetch_server_info(&self) -> Result<ServerInfo, Error> {
        let url = api_url(
            &self.inner.server,
            ApiVersion::OLDEST_WITH_SERVER_INFO,
            "serverinfo",
        )?;
        let request = self
            .inner
            .http
            .get(url)
            .header(ACCEPT, self.format.media_type())
            .build()
            .map_err(transport_error)?;
        // Unauthenticated, so it may follow a redirect to another host like sign-in does (a
        // whole server moved to https, a Tableau Cloud pod).
        let response = self.execute(request, Replay::Safe, Follow::AnyHost).await?;
        let (status, body) = read_success(response, &Call::ServerInfo, self).await?;
        let info = ServerInfo::parse(&body).map_err(|e| e.with_status(status))?;
        tracing::debug!(
            rest_api_version = %info.rest_api_version,
            product_version = info.product_version.as_deref().unwrap_or(""),
            "server info"
        );
        Ok(info)
    }

    /// The REST API version this client uses: the pinned one, or
    /// `min(server version, ApiVersion::LATEST_KNOWN)`, negotiated once.
    pub async fn api_version(&self) -> Result<ApiVersion, Error> {
        if let Some(pinned) = self.inner.pinned {
            return Ok(pinned);
        }
        let info = self.server_info().await?;
        Ok(info.rest_api_version.min(ApiVersion::LATEST_KNOWN))
    }

    /// Fails with [`Error::UnsupportedByServer`] unless the server offers `feature`. A pinned
    /// version that offers it is trusted without asking the server.
    pub async fn require(&self, feature: Feature) -> Result<(), Error> {
        if self.inner.pinned.is_some_and(|v| v.supports(feature)) {
            return Ok(());
        }
        let server_version = self.server_info().await?.rest_api_version;
        if server_version.supports(feature) {
            Ok(())
        } else {
            Err(Error::unsupported(feature, server_version))
        }
    }

    /// Signs in with the provider's credentials, in this client's wire format.
    pub async fn sign_in(&self, provider: &dyn AuthProvider) -> Result<Session, Error> {
        self.sign_in_as(provider, self.format, None).await
    }

    /// Signs in with the provider's credentials, in the given wire format.
    pub async fn sign_in_with_format(
        &self,
        provider: &dyn AuthProvider,
        format: WireFormat,
    ) -> Result<Session, Error> {
        self.sign_in_as(provider, format, None).await
    }

    /// Signs in; `site` overrides the provider's site content URL when given.
    pub(crate) async fn sign_in_as(
        &self,
        provider: &dyn AuthProvider,
        format: WireFormat,
        site: Option<&str>,
    ) -> Result<Session, Error> {
        let mut credentials = provider.credentials().await?;
        if let Some(site) = site {
            credentials = credentials.with_site(site);
        }
        let kind = credentials.kind();
        if let Some(feature) = kind.required_feature() {
            self.require(feature).await?;
        }
        if kind == CredentialKind::PersonalAccessToken
            && credentials.impersonated_user_id().is_some()
        {
            self.require(Feature::PersonalAccessTokenImpersonation)
                .await?;
        }
        let version = self.api_version().await?;
        let body = SignInRequest::new(&credentials).render(format)?;
        let call = Call::SignIn {
            site: credentials.site().to_owned(),
        };
        drop(credentials);
        tracing::debug!(
            provider = provider.name(),
            kind = %kind,
            api_version = %version,
            "signing in"
        );
        let request = self
            .inner
            .http
            .post(api_url(&self.inner.server, version, "auth/signin")?)
            .header(CONTENT_TYPE, body.content_type())
            .header(ACCEPT, format.media_type())
            .body(body.expose_secret().to_owned())
            .build()
            .map_err(transport_error)?;
        drop(body);
        let response = self.execute(request, Replay::Safe, Follow::AnyHost).await?;
        let final_url = response.url().clone();
        let (status, bytes) = read_success(response, &call, self).await?;
        let parsed = SignInResponse::parse(&bytes).map_err(|e| e.with_status(status))?;
        let session = Session::new(
            parsed,
            version,
            kind,
            self.inner.time.now(),
            server_root(&final_url).unwrap_or_else(|| self.inner.server.clone()),
        );
        tracing::info!(
            kind = %kind,
            site = session.site_content_url(),
            site_id = session.site_id(),
            user_id = session.user_id(),
            "signed in"
        );
        Ok(session)
    }

    /// Builds an authenticated request for `path` under `/api/{version}/` of the session's
    /// server, with `X-Tableau-Auth` (marked sensitive) and `Accept` set.
    pub fn authenticated(
        &self,
        session: &Session,
        method: http::Method,
        path: &str,
    ) -> Result<reqwest::RequestBuilder, Error> {
        let url = session.api_url(path)?;
        Ok(self
            .inner
            .http
            .request(method, url)
            .header(crate::AUTH_HEADER, token_header(session)?)
            .header(ACCEPT, self.format.media_type()))
    }

    pub(crate) async fn error_for(&self, response: reqwest::Response, call: &Call<'_>) -> Error {
        error_from_response(response, call, self).await
    }
}

/// The `X-Tableau-Auth` value for a session, marked sensitive so that HTTP libraries never
/// print it.
pub(crate) fn token_header(session: &Session) -> Result<http::HeaderValue, Error> {
    use secrecy::ExposeSecret;
    let mut value = http::HeaderValue::from_str(session.token().expose_secret()).map_err(|_| {
        Error::Configuration("the session token is not a valid header value".into())
    })?;
    value.set_sensitive(true);
    Ok(value)
}

/// `{server}/api/{version}/{path}`.
pub(crate) fn api_url(server: &Url, version: ApiVersion, path: &str) -> Result<Url, Error> {
    let root = server.as_str().trim_end_matches('/');
    let path = path.trim_start_matches('/');
    Url::parse(&format!("{root}/api/{version}/{path}"))
        .map_err(|e| Error::Configuration(format!("cannot build the URL for `{path}`: {e}")))
}

/// The server root of a URL ending in `/api/{version}/...` (where a sign-in redirect led).
fn server_root(url: &Url) -> Option<Url> {
    let path = url.path();
    let index = path.rfind("/api/")?;
    let mut root = url.clone();
    let prefix = format!("{}/", &path[..index]);
    root.set_path(&prefix);
    root.set_query(None);
    root.set_fragment(None);
    Some(root)
}
