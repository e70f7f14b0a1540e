//! A client for the mock server's control API (contracts section 2), over HTTP, so the same
//! checks run against the embedded mock and a mock started elsewhere.

use std::time::Duration;

use serde::Deserialize;
use serde_json::{Value, json};

/// Talks to `/_mock/*`.
#[derive(Debug, Clone)]
pub struct ControlClient {
    base: String,
    token: Option<String>,
    http: reqwest::Client,
}

/// One request from the mock's log.
#[derive(Debug, Clone, Deserialize)]
pub struct LoggedRequest {
    /// HTTP method.
    pub method: String,
    /// Path, for example `/api/3.27/auth/signin`.
    pub path: String,
    /// Status answered, `None` for a dropped connection.
    pub status: Option<u16>,
    /// Headers (secret ones redacted).
    #[serde(default)]
    pub headers: std::collections::BTreeMap<String, String>,
    /// Body with secret values redacted, or `[unparsed body, N bytes]`.
    pub body: Option<String>,
}

/// A PAT the mock created.
#[derive(Debug, Clone, Deserialize)]
pub struct CreatedToken {
    /// Token name.
    pub name: String,
    /// Token secret (shown only once).
    pub secret: String,
}

/// A user the mock created.
#[derive(Debug, Clone, Deserialize)]
pub struct CreatedUser {
    /// User LUID.
    pub id: String,
    /// User name.
    pub name: String,
}

impl ControlClient {
    /// A client for the mock at `base` (for example `http://127.0.0.1:8080`).
    pub fn new(base: &str, token: Option<String>) -> Self {
        ControlClient {
            base: base.trim_end_matches('/').to_owned(),
            token,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap_or_default(),
        }
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, String> {
        let mut request = self
            .http
            .request(method.clone(), format!("{}/_mock/{path}", self.base));
        if let Some(token) = &self.token {
            request = request.header("X-Mock-Control", token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request
            .send()
            .await
            .map_err(|e| format!("{method} /_mock/{path}: {e}"))?;
        let status = response.status();
        let text = response
            .text()
            .await
            .map_err(|e| format!("{method} /_mock/{path}: {e}"))?;
        if !status.is_success() {
            return Err(format!("{method} /_mock/{path} answered {status}: {text}"));
        }
        if text.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_str(&text).map_err(|e| format!("{method} /_mock/{path}: bad JSON: {e}"))
    }

    async fn post(&self, path: &str, body: Value) -> Result<Value, String> {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }

    /// Whether `GET /_mock/health` answers 200.
    pub async fn healthy(&self) -> bool {
        self.call(reqwest::Method::GET, "health", None)
            .await
            .is_ok()
    }

    /// Creates a site.
    pub async fn create_site(&self, content_url: &str, name: &str) -> Result<String, String> {
        let site = self
            .post("sites", json!({"contentUrl": content_url, "name": name}))
            .await?;
        site["id"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| "no site id".into())
    }

    /// Creates a user on a site.
    pub async fn create_user(
        &self,
        site: &str,
        name: &str,
        password: &str,
        role: &str,
    ) -> Result<CreatedUser, String> {
        let user = self
            .post(
                "users",
                json!({"site": site, "name": name, "password": password, "siteRole": role}),
            )
            .await?;
        serde_json::from_value(user).map_err(|e| e.to_string())
    }

    /// Creates a PAT.
    pub async fn create_token(
        &self,
        site: &str,
        user: &str,
        name: &str,
        expires_in_days: Option<u32>,
    ) -> Result<CreatedToken, String> {
        let mut body = json!({"site": site, "user": user, "name": name});
        if let Some(days) = expires_in_days {
            body["expiresInDays"] = json!(days);
        }
        serde_json::from_value(self.post("tokens", body).await?).map_err(|e| e.to_string())
    }

    /// Revokes a PAT.
    pub async fn revoke_token(&self, site: &str, user: &str, name: &str) -> Result<(), String> {
        self.post(
            "tokens/revoke",
            json!({"site": site, "user": user, "name": name}),
        )
        .await
        .map(drop)
    }

    /// Registers a connected app.
    pub async fn create_connected_app(
        &self,
        site: &str,
        client_id: &str,
        secret_id: &str,
        secret_value: &str,
    ) -> Result<(), String> {
        self.post(
            "connected-apps",
            json!({"site": site, "clientId": client_id, "secretId": secret_id, "secretValue": secret_value, "enabled": true}),
        )
        .await
        .map(drop)
    }

    /// Moves the mock's clock forward; returns the new offset in seconds.
    pub async fn advance_clock(&self, by: Duration) -> Result<i64, String> {
        let clock = self
            .post("clock/advance", json!({"seconds": by.as_secs()}))
            .await?;
        clock["offsetSeconds"]
            .as_i64()
            .ok_or_else(|| "no offsetSeconds".into())
    }

    /// The mock clock's offset from real time, in seconds.
    pub async fn clock_offset(&self) -> Result<i64, String> {
        let clock = self.call(reqwest::Method::GET, "clock", None).await?;
        clock["offsetSeconds"]
            .as_i64()
            .ok_or_else(|| "no offsetSeconds".into())
    }

    /// Injects a fault (the JSON of contracts section 2).
    pub async fn inject_fault(&self, fault: Value) -> Result<(), String> {
        self.post("faults", fault).await.map(drop)
    }

    /// The request log, oldest first.
    pub async fn requests(&self) -> Result<Vec<LoggedRequest>, String> {
        let log = self.call(reqwest::Method::GET, "requests", None).await?;
        serde_json::from_value(log).map_err(|e| e.to_string())
    }

    /// Back to the seed data.
    pub async fn reset(&self) -> Result<(), String> {
        self.call(reqwest::Method::POST, "reset", None)
            .await
            .map(drop)
    }
}
