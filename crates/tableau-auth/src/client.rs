//! [`Client`]: server info, version negotiation and sign-in.
//!
//! Owns the server's URL, the pinned or negotiated API version and the wire format; sends
//! everything through its [`Transport`]. Knows nothing of shared sessions (that is the
//! manager's business) and does not decide retries or redirects (the transport's).

use std::sync::Arc;
use std::time::SystemTime;

use http::header::{ACCEPT, CONTENT_TYPE};
use secrecy::ExposeSecret;
use tableau_auth_core::{
    ApiVersion, AuthProvider, CredentialFamily, CredentialKind, Feature, ServerInfo, SignInRequest,
    SignInResponse, TimeSource, WireFormat,
};
use tracing::Instrument;
use tracing::field::{Empty, display};
use url::Url;

use crate::error::Error;
use crate::responses::{Call, read_success};
use crate::scopes::jwt_scopes;
use crate::session::{Session, api_url, server_root, token_header};
use crate::transport::{Follow, Replay, Transport};

/// A Tableau REST API client: knows the server, negotiates the API version once, and signs
/// in, out and across sites. Cheap to clone (clones share the connection pool and the
/// negotiated version). Start with [`Client::builder`].
///
/// For long-running work, wrap it in a [`SessionManager`](crate::SessionManager), which
/// signs in lazily and again whenever the session ends.
#[derive(Clone, Debug)]
pub struct Client {
    inner: Arc<ClientInner>,
    format: WireFormat,
}

#[derive(Debug)]
struct ClientInner {
    transport: Transport,
    server: Url,
    pinned: Option<ApiVersion>,
    server_info: tokio::sync::OnceCell<ServerInfo>,
}

impl Client {
    /// A client for `server` (already checked) sending through `transport`.
    pub(crate) fn new(
        transport: Transport,
        server: Url,
        pinned: Option<ApiVersion>,
        format: WireFormat,
    ) -> Self {
        Client {
            inner: Arc::new(ClientInner {
                transport,
                server,
                pinned,
                server_info: tokio::sync::OnceCell::new(),
            }),
            format,
        }
    }

    /// The transport every call of this client goes through.
    pub(crate) fn transport(&self) -> &Transport {
        &self.inner.transport
    }

    /// The client's current time.
    pub(crate) fn now(&self) -> SystemTime {
        self.inner.transport.time_source().now()
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
        self.inner.transport.http()
    }

    /// The client's clock.
    pub fn time_source(&self) -> &Arc<dyn TimeSource> {
        self.inner.transport.time_source()
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
            .http()
            .get(url)
            .header(ACCEPT, self.format.media_type())
            .build()
            .map_err(Error::from_reqwest)?;
        // Unauthenticated, so it may follow a redirect to another host like sign-in does (a
        // whole server moved to https, a Tableau Cloud pod).
        let response = self
            .transport()
            .execute(request, Replay::Safe, Follow::AnyHost)
            .await?;
        let (status, body) = read_success(response, &Call::ServerInfo, self.now()).await?;
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

    /// Signs in with the provider's credentials, in this client's wire format (for another
    /// format: `client.with_format(format).sign_in(provider)`).
    ///
    /// The whole sign-in (server info and version negotiation included) runs in a `tracing`
    /// span `tableau_auth::sign_in` with the fields `provider`, `credential_kind`, `site` and
    /// `api_version` (never a secret).
    pub async fn sign_in(&self, provider: &dyn AuthProvider) -> Result<Session, Error> {
        self.sign_in_to_site(provider, None).await
    }

    /// Signs in; `site` overrides the provider's site content URL when given (the session
    /// manager keeps a site chosen with `switch_site` this way).
    pub(crate) async fn sign_in_to_site(
        &self,
        provider: &dyn AuthProvider,
        site: Option<&str>,
    ) -> Result<Session, Error> {
        let span = tracing::info_span!(
            target: "tableau_auth",
            "sign_in",
            provider = provider.name(),
            credential_kind = Empty,
            site = Empty,
            api_version = Empty,
        );
        self.sign_in_in_span(provider, site, &span)
            .instrument(span.clone())
            .await
    }

    async fn sign_in_in_span(
        &self,
        provider: &dyn AuthProvider,
        site: Option<&str>,
        span: &tracing::Span,
    ) -> Result<Session, Error> {
        let format = self.format;
        let mut credentials = provider.credentials().await?;
        if let Some(site) = site {
            credentials = credentials.with_site(site);
        }
        let kind = credentials.kind();
        span.record("credential_kind", display(kind));
        span.record("site", credentials.site());
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
        span.record("api_version", display(version));
        let body = SignInRequest::new(&credentials).render(format)?;
        let call = Call::SignIn {
            site: credentials.site().to_owned(),
            kind,
            configured: &self.inner.server,
        };
        // The calls a JWT session may make are the JWT's scopes: remembered to tell a missing
        // scope from a dead session later. Only the claim is kept, never the token.
        let scopes = match credentials.family() {
            CredentialFamily::ConnectedApp { jwt }
            | CredentialFamily::UnifiedAccessToken { jwt } => jwt_scopes(jwt.expose_secret()),
            _ => None,
        };
        drop(credentials);
        tracing::debug!(
            provider = provider.name(),
            kind = %kind,
            api_version = %version,
            "signing in"
        );
        let request = self
            .http()
            .post(api_url(&self.inner.server, version, "auth/signin")?)
            .header(CONTENT_TYPE, body.content_type())
            .header(ACCEPT, format.media_type())
            .body(body.expose_secret().to_owned())
            .build()
            .map_err(Error::from_reqwest)?;
        drop(body);
        let response = self
            .transport()
            .execute(request, Replay::Safe, Follow::AnyHost)
            .await?;
        let final_url = response.url().clone();
        let (status, bytes) = read_success(response, &call, self.now()).await?;
        let parsed = SignInResponse::parse(&bytes).map_err(|e| e.with_status(status))?;
        let session = Session::new(
            parsed,
            version,
            kind,
            self.now(),
            server_root(&final_url).unwrap_or_else(|| self.inner.server.clone()),
        )
        .with_scopes(scopes);
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
            .http()
            .request(method, url)
            .header(crate::AUTH_HEADER, token_header(session)?)
            .header(ACCEPT, self.format.media_type()))
    }
}
