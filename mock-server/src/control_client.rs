//! [`ControlClient`]: the control API over HTTP, typed (feature `control-client`).

use std::time::Duration;

use http::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::control::wire::{
    self, CONTROL_TOKEN_HEADER, ClockAdvance, ErrorBody, Health, NewDataSource, NewProject,
    NewSite, NewToken, NewUser, NewWorkbook, TokenRef,
};
use crate::faults::Fault;
use crate::stubs::{Stub, StubCreated, StubDetails, StubId, StubInfo};
use crate::types::{
    ClockInfo, ConnectedApp, ConnectedAppInfo, DataSourceInfo, PatInfo, ProjectInfo,
    RecordedRequest, SessionInfo, SiteInfo, UatConfig, UatConfigInfo, UserInfo, WorkbookInfo,
};

/// How long one control call may take by default.
const TIMEOUT: Duration = Duration::from_secs(10);

/// A typed client of the mock's control API (`/_mock/*`): for a mock server in another process
/// (the binary, a container), or an in-process [`MockServer`](crate::MockServer) when a test
/// wants `Result`s instead of panics ([`MockServer::control_client`](crate::MockServer::control_client)).
///
/// Its methods mirror [`MockServer`](crate::MockServer)'s helpers. Each returns the call's
/// answer as a typed value, or a [`ControlClientError`] with the status and the
/// `{"error": "…"}` message. The request and answer shapes are the server's own definitions,
/// so the client and the server cannot disagree.
///
/// ```
/// use std::time::Duration;
/// use tableau_mock_server::{ControlClient, Fault, MockServer};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), tableau_mock_server::ControlClientError> {
/// let mock = MockServer::builder().control_token("s3cret").start().await;
/// // A mock started elsewhere is the same: its URL and its `--control-token`.
/// let control = ControlClient::new(&mock.uri()).control_token("s3cret");
/// control.health().await?;
/// let user = control.create_user("", "ana", Some("pw"), "Viewer").await?;
/// assert_eq!(user.site_role, "Viewer");
/// let pat = control.create_pat_expiring_in("", "ana", "ci", 1).await?;
/// let clock = control.advance_clock(Duration::from_secs(2 * 86_400)).await?;
/// assert!(clock.now > pat.expires_at, "the PAT has expired");
/// control.inject_fault(Fault::new("/serverinfo").status(503).times(1)).await?;
///
/// let refused = control.create_user("nowhere", "bo", None, "Viewer").await.unwrap_err();
/// assert_eq!(refused.status().map(|s| s.as_u16()), Some(404));
/// control.reset().await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct ControlClient {
    base: String,
    token: Option<String>,
    http: reqwest::Client,
}

impl std::fmt::Debug for ControlClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ControlClient")
            .field("base", &self.base)
            .field("token", &self.token.as_ref().map(|_| "[redacted]"))
            .finish_non_exhaustive()
    }
}

/// Why a control call failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ControlClientError {
    /// The control API refused the call: a 4xx status and its `{"error": "…"}` message (400
    /// invalid input, 401 missing or wrong control token, 404 no such site, user or token, 409
    /// it exists, …).
    #[error("{call} answered {status}: {message}")]
    Refused {
        /// The call, e.g. `POST /_mock/users`.
        call: String,
        /// The status.
        status: StatusCode,
        /// The `error` of the answer (its raw text when it is not that JSON).
        message: String,
    },
    /// No answer: the server cannot be reached, or the call timed out.
    #[error("{call} failed: {detail}")]
    Transport {
        /// The call, e.g. `POST /_mock/users`.
        call: String,
        /// What went wrong, with its innermost cause (e.g. "Connection refused").
        detail: String,
        /// The HTTP client's error.
        #[source]
        source: reqwest::Error,
    },
    /// A success status with a body that is not the call's JSON answer (not a mock server?).
    #[error("{call} answered {status} with an unexpected body: {detail}")]
    InvalidAnswer {
        /// The call, e.g. `POST /_mock/users`.
        call: String,
        /// The status.
        status: StatusCode,
        /// Why the body does not fit.
        detail: String,
    },
}

impl ControlClientError {
    /// The status of the answer, when there was one.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Refused { status, .. } | Self::InvalidAnswer { status, .. } => Some(*status),
            Self::Transport { .. } => None,
        }
    }
}

/// The error's text and, when it adds something, its innermost cause.
fn with_innermost_cause(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut innermost: Option<&dyn std::error::Error> = None;
    let mut next = std::error::Error::source(error);
    while let Some(cause) = next {
        innermost = Some(cause);
        next = cause.source();
    }
    if let Some(cause) = innermost.map(ToString::to_string) {
        if !text.contains(&cause) {
            text.push_str(": ");
            text.push_str(&cause);
        }
    }
    text
}

/// At most `max` characters of `text`.
fn cut(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

impl ControlClient {
    /// A client for the mock at `base_url` (`http://127.0.0.1:8080`), with a 10-second timeout
    /// per call and no control token.
    pub fn new(base_url: &str) -> Self {
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .build()
            .unwrap_or_default();
        Self {
            base: base_url.trim_end_matches('/').to_owned(),
            token: None,
            http,
        }
    }

    /// Sends `X-Mock-Control: token` with every call (the mock's `--control-token`).
    #[must_use]
    pub fn control_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// Uses `http` for the calls (its own timeouts, proxy or TLS settings).
    #[must_use]
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = http;
        self
    }

    /// The mock's base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// Sends one call; the status and body of a success answer.
    async fn exchange<B: Serialize>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<(String, StatusCode, String), ControlClientError> {
        let call = format!("{method} {}{path}", wire::PREFIX);
        let url = format!("{}{}{path}", self.base, wire::PREFIX);
        let mut request = self.http.request(method, url);
        if let Some(token) = &self.token {
            request = request.header(CONTROL_TOKEN_HEADER, token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let transport = |call: &str, source: reqwest::Error| ControlClientError::Transport {
            call: call.to_owned(),
            detail: with_innermost_cause(&source),
            source,
        };
        let response = request.send().await.map_err(|e| transport(&call, e))?;
        let status = response.status();
        let text = response.text().await.map_err(|e| transport(&call, e))?;
        if status.is_success() {
            return Ok((call, status, text));
        }
        let message = serde_json::from_str::<ErrorBody>(&text)
            .map(|body| body.error)
            .unwrap_or_else(|_| cut(&text, 200));
        Err(ControlClientError::Refused {
            call,
            status,
            message,
        })
    }

    /// A call whose answer is JSON.
    async fn call<B: Serialize, A: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<A, ControlClientError> {
        let (call, status, text) = self.exchange(method, path, body).await?;
        serde_json::from_str(&text).map_err(|error| ControlClientError::InvalidAnswer {
            call,
            status,
            detail: format!("{error} in {:?}", cut(&text, 200)),
        })
    }

    /// A call answered with 204 No Content.
    async fn call_without_answer<B: Serialize>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<(), ControlClientError> {
        let (call, status, text) = self.exchange(method, path, body).await?;
        if status == StatusCode::NO_CONTENT {
            Ok(())
        } else {
            Err(ControlClientError::InvalidAnswer {
                call,
                status,
                detail: format!("expected 204 No Content, got {:?}", cut(&text, 200)),
            })
        }
    }

    /// `GET /_mock/health`: `Ok` when a mock server answers (it needs no control token).
    pub async fn health(&self) -> Result<(), ControlClientError> {
        let health: Health = self.call(Method::GET, wire::HEALTH, None::<&()>).await?;
        match health.status.as_str() {
            "ok" => Ok(()),
            other => Err(ControlClientError::InvalidAnswer {
                call: format!("GET {}{}", wire::PREFIX, wire::HEALTH),
                status: StatusCode::OK,
                detail: format!("status {other:?}, not \"ok\""),
            }),
        }
    }

    /// `POST /_mock/sites`: creates a site (409 when the content URL exists; 400 for `""` on
    /// Tableau Cloud, which has no Default site).
    pub async fn create_site(
        &self,
        content_url: &str,
        name: &str,
    ) -> Result<SiteInfo, ControlClientError> {
        self.new_site(content_url, name, None).await
    }

    /// `POST /_mock/sites` with `patLifetimeDays`: a site whose PATs live `days` days by
    /// default (1–365; on Tableau Cloud also their maximum).
    pub async fn create_site_with_pat_lifetime(
        &self,
        content_url: &str,
        name: &str,
        days: u32,
    ) -> Result<SiteInfo, ControlClientError> {
        self.new_site(content_url, name, Some(days)).await
    }

    async fn new_site(
        &self,
        content_url: &str,
        name: &str,
        pat_lifetime_days: Option<u32>,
    ) -> Result<SiteInfo, ControlClientError> {
        let body = NewSite {
            content_url: content_url.to_owned(),
            name: name.to_owned(),
            pat_lifetime_days,
        };
        self.call(Method::POST, wire::SITES, Some(&body)).await
    }

    /// `POST /_mock/users`: creates a user on `site` (a content URL; 404 when unknown, 409 when
    /// the user exists there, 400 for an unknown role).
    pub async fn create_user(
        &self,
        site: &str,
        name: &str,
        password: Option<&str>,
        site_role: &str,
    ) -> Result<UserInfo, ControlClientError> {
        let body = NewUser {
            site: site.to_owned(),
            name: name.to_owned(),
            password: password.map(str::to_owned),
            site_role: Some(site_role.to_owned()),
        };
        self.call(Method::POST, wire::USERS, Some(&body)).await
    }

    /// `POST /_mock/tokens`: creates a PAT with the site's PAT lifetime (by default 365 days on
    /// Server, 180 on Cloud); the answer is the only place its secret is shown.
    pub async fn create_pat(
        &self,
        site: &str,
        user: &str,
        name: &str,
    ) -> Result<PatInfo, ControlClientError> {
        self.new_pat(site, user, name, None).await
    }

    /// `POST /_mock/tokens` with `expiresInDays`: a PAT that expires in `days` days.
    pub async fn create_pat_expiring_in(
        &self,
        site: &str,
        user: &str,
        name: &str,
        days: u32,
    ) -> Result<PatInfo, ControlClientError> {
        self.new_pat(site, user, name, Some(days)).await
    }

    async fn new_pat(
        &self,
        site: &str,
        user: &str,
        name: &str,
        expires_in_days: Option<u32>,
    ) -> Result<PatInfo, ControlClientError> {
        let body = NewToken {
            site: site.to_owned(),
            user: user.to_owned(),
            name: name.to_owned(),
            expires_in_days,
        };
        self.call(Method::POST, wire::TOKENS, Some(&body)).await
    }

    /// `POST /_mock/tokens/revoke`: revokes a PAT and ends its live session (404 when there is
    /// no such live token).
    pub async fn revoke_pat(
        &self,
        site: &str,
        user: &str,
        name: &str,
    ) -> Result<(), ControlClientError> {
        let body = TokenRef {
            site: site.to_owned(),
            user: user.to_owned(),
            name: name.to_owned(),
        };
        self.call_without_answer(Method::POST, wire::TOKENS_REVOKE, Some(&body))
            .await
    }

    /// `POST /_mock/connected-apps`: registers a connected app secret (409 when the secret id
    /// exists). The answer leaves the secret value out.
    pub async fn create_connected_app(
        &self,
        app: ConnectedApp,
    ) -> Result<ConnectedAppInfo, ControlClientError> {
        self.call(Method::POST, wire::CONNECTED_APPS, Some(&app))
            .await
    }

    /// `POST /_mock/uat-configs`: registers a unified access token configuration (409 when
    /// the name exists, 400 for a key that is not an RSA public key or a malformed scope).
    /// Only the cloud flavour signs UATs in.
    pub async fn create_uat_config(
        &self,
        config: UatConfig,
    ) -> Result<UatConfigInfo, ControlClientError> {
        self.call(Method::POST, wire::UAT_CONFIGS, Some(&config))
            .await
    }

    /// `POST /_mock/projects`: creates a project on `site` (a content URL), under the project
    /// named `parent` or at the top level (409 when the name exists under that parent; 404 for
    /// an unknown site or parent).
    pub async fn create_project(
        &self,
        site: &str,
        name: &str,
        parent: Option<&str>,
    ) -> Result<ProjectInfo, ControlClientError> {
        let body = NewProject {
            site: site.to_owned(),
            name: name.to_owned(),
            description: None,
            parent: parent.map(str::to_owned),
            owner: None,
        };
        self.call(Method::POST, wire::PROJECTS, Some(&body)).await
    }

    /// `POST /_mock/workbooks`: creates a workbook in the project named `project`, owned by the
    /// user named `owner`, with `views` (one view named after the workbook when empty); 409
    /// when the name exists in the project, 404 for an unknown site, project or owner.
    pub async fn create_workbook(
        &self,
        site: &str,
        project: &str,
        name: &str,
        owner: &str,
        views: &[&str],
    ) -> Result<WorkbookInfo, ControlClientError> {
        let body = NewWorkbook {
            site: site.to_owned(),
            project: project.to_owned(),
            name: name.to_owned(),
            owner: owner.to_owned(),
            views: (!views.is_empty()).then(|| views.iter().map(|v| (*v).to_owned()).collect()),
            description: None,
        };
        self.call(Method::POST, wire::WORKBOOKS, Some(&body)).await
    }

    /// `POST /_mock/datasources`: creates a data source in the project named `project`, owned
    /// by the user named `owner` (409 when the name exists in the project; 404 for an unknown
    /// site, project or owner).
    pub async fn create_datasource(
        &self,
        site: &str,
        project: &str,
        name: &str,
        owner: &str,
    ) -> Result<DataSourceInfo, ControlClientError> {
        let body = NewDataSource {
            site: site.to_owned(),
            project: project.to_owned(),
            name: name.to_owned(),
            owner: owner.to_owned(),
            description: None,
        };
        self.call(Method::POST, wire::DATASOURCES, Some(&body))
            .await
    }

    /// `GET /_mock/clock`: the virtual time and the clock's offset.
    pub async fn clock(&self) -> Result<ClockInfo, ControlClientError> {
        self.call(Method::GET, wire::CLOCK, None::<&()>).await
    }

    /// `POST /_mock/clock/advance`: moves the virtual clock forward; the clock afterwards.
    pub async fn advance_clock(&self, by: Duration) -> Result<ClockInfo, ControlClientError> {
        let body = ClockAdvance {
            seconds: by.as_secs_f64(),
        };
        self.call(Method::POST, wire::CLOCK_ADVANCE, Some(&body))
            .await
    }

    /// `POST /_mock/faults`: injects a fault (400 when it is invalid); the fault as registered.
    pub async fn inject_fault(&self, fault: Fault) -> Result<Fault, ControlClientError> {
        self.call(Method::POST, wire::FAULTS, Some(&fault)).await
    }

    /// `GET /_mock/requests`: the request log, oldest first, secrets redacted.
    pub async fn requests(&self) -> Result<Vec<RecordedRequest>, ControlClientError> {
        self.call(Method::GET, wire::REQUESTS, None::<&()>).await
    }

    /// `GET /_mock/sessions`: the live sessions, oldest first, never a token; their ids are
    /// what `DELETE sessions/{id}` takes.
    pub async fn sessions(&self) -> Result<Vec<SessionInfo>, ControlClientError> {
        self.call(Method::GET, wire::SESSIONS, None::<&()>).await
    }

    /// `POST /_mock/reset`: back to the seed data, clock offset 0, no faults, no stubs, empty
    /// request log.
    pub async fn reset(&self) -> Result<(), ControlClientError> {
        self.call_without_answer(Method::POST, wire::RESET, None::<&()>)
            .await
    }

    /// `POST /_mock/stubs`: registers a stub (400 with the reason when it is invalid, e.g. a
    /// path of the auth surface); its id. [`Stub::expect`] is not sent: check
    /// [`ControlClient::stub`]'s `calls` instead.
    pub async fn create_stub(&self, stub: &Stub) -> Result<StubId, ControlClientError> {
        let created: StubCreated = self.call(Method::POST, wire::STUBS, Some(stub)).await?;
        Ok(created.id)
    }

    /// `GET /_mock/stubs`: the stubs, oldest first, with their call counts.
    pub async fn stubs(&self) -> Result<Vec<StubInfo>, ControlClientError> {
        self.call(Method::GET, wire::STUBS, None::<&()>).await
    }

    /// `GET /_mock/stubs/{id}`: one stub, its call count and the requests it answered
    /// (redacted); 404 when unknown.
    pub async fn stub(&self, id: &str) -> Result<StubDetails, ControlClientError> {
        self.call(Method::GET, &wire::stub_path(id), None::<&()>)
            .await
    }

    /// `DELETE /_mock/stubs/{id}`: removes a stub; 404 when unknown.
    pub async fn delete_stub(&self, id: &str) -> Result<(), ControlClientError> {
        self.call_without_answer(Method::DELETE, &wire::stub_path(id), None::<&()>)
            .await
    }

    /// `GET /_mock/openapi.json`: the OpenAPI 3.1 document of the control API.
    pub async fn openapi(&self) -> Result<serde_json::Value, ControlClientError> {
        self.call(Method::GET, wire::OPENAPI, None::<&()>).await
    }
}
