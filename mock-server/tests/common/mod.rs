//! Helpers shared by the integration tests: deterministic state, `oneshot` calls, bodies.
#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use http::{HeaderMap, Request, StatusCode};
use tableau_mock_server::{AppState, MockServer, MockServerBuilder};
use tower::ServiceExt;

pub const START: time::OffsetDateTime = time::macros::datetime!(2026-11-28 10:00:00 UTC);
pub const PAT_SECRET: &str = "pat-secret-of-admin";

pub const SEED: &str = r#"
[[sites]]
contentUrl = ""
name = "Default"
id = "00000000-0000-4000-8000-00000000d001"

[[sites]]
contentUrl = "analytics"
name = "Analytics"
id = "00000000-0000-4000-8000-00000000a001"

[[sites]]
contentUrl = "lonely"
name = "Lonely"
id = "00000000-0000-4000-8000-00000000c001"

[[users]]
site = ""
name = "admin"
password = "admin"
siteRole = "ServerAdministrator"
id = "00000000-0000-4000-8000-0000000000a1"

[[users]]
site = "analytics"
name = "admin"
siteRole = "ServerAdministrator"
id = "00000000-0000-4000-8000-0000000000a2"

[[users]]
site = ""
name = "viewer"
password = "viewer-pw"
siteRole = "Viewer"
id = "00000000-0000-4000-8000-0000000000b1"
fullName = "Vera Viewer"
email = "vera@example.com"

[[users]]
site = "analytics"
name = "viewer"
siteRole = "Viewer"
id = "00000000-0000-4000-8000-0000000000b2"

[[users]]
site = "analytics"
name = "ghost"
siteRole = "Viewer"
id = "00000000-0000-4000-8000-0000000000c2"

[[tokens]]
site = ""
user = "admin"
name = "admin-pat"
secret = "pat-secret-of-admin"

[[tokens]]
site = ""
user = "viewer"
name = "viewer-pat"
secret = "pat-secret-of-viewer"

[[connectedApps]]
site = ""
clientId = "client-1"
secretId = "kid-1"
secretValue = "c2VjcmV0LXZhbHVl"
"#;

pub const ADMIN_ID: &str = "00000000-0000-4000-8000-0000000000a1";
pub const VIEWER_ID: &str = "00000000-0000-4000-8000-0000000000b1";
pub const DEFAULT_SITE: &str = "00000000-0000-4000-8000-00000000d001";
pub const ANALYTICS_SITE: &str = "00000000-0000-4000-8000-00000000a001";

pub fn builder() -> MockServerBuilder {
    MockServer::builder()
        .seed_toml(SEED)
        .deterministic(42)
        .fixed_start(START)
}

pub fn state() -> AppState {
    builder().build_state().unwrap()
}

pub fn app(state: &AppState) -> Router {
    tableau_mock_server::router(state.clone())
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }

    /// The session token of a sign-in answer, in either format.
    pub fn token(&self) -> String {
        if self.body.starts_with('{') {
            return self.json()["credentials"]["token"]
                .as_str()
                .unwrap()
                .to_owned();
        }
        attr(&self.body, "token").unwrap_or_else(|| panic!("no token in {}", self.body))
    }

    /// The body with session tokens replaced by `[token]`.
    pub fn redacted(&self) -> String {
        redact_tokens(&self.body)
    }
}

pub fn attr(xml: &str, name: &str) -> Option<String> {
    let needle = format!(" {name}=\"");
    let start = xml.find(&needle)? + needle.len();
    let end = xml[start..].find('"')? + start;
    Some(xml[start..end].to_owned())
}

pub fn redact_tokens(body: &str) -> String {
    let mut out = body.to_owned();
    for (open, close) in [("token=\"", '"'), ("\"token\":\"", '"')] {
        if let Some(start) = out.find(open) {
            let from = start + open.len();
            if let Some(len) = out[from..].find(close) {
                out.replace_range(from..from + len, "[token]");
            }
        }
    }
    out
}

pub async fn call(
    app: &Router,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: impl Into<Body>,
) -> Answer {
    let mut request = Request::builder().method(method).uri(path);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = app
        .clone()
        .oneshot(request.body(body.into()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    Answer {
        status,
        headers,
        body: String::from_utf8(bytes.to_vec()).unwrap(),
    }
}

pub const XML: &[(&str, &str)] = &[("content-type", "application/xml")];
pub const JSON: &[(&str, &str)] = &[
    ("content-type", "application/json"),
    ("accept", "application/json"),
];

pub fn password_xml(name: &str, password: &str, site: &str) -> String {
    format!(
        r#"<tsRequest><credentials name="{name}" password="{password}"><site contentUrl="{site}"/></credentials></tsRequest>"#
    )
}

pub fn pat_xml(name: &str, secret: &str, site: &str) -> String {
    format!(
        r#"<tsRequest><credentials personalAccessTokenName="{name}" personalAccessTokenSecret="{secret}"><site contentUrl="{site}"/></credentials></tsRequest>"#
    )
}

pub fn pat_json(name: &str, secret: &str, site: &str) -> String {
    serde_json::json!({"credentials": {"personalAccessTokenName": name, "personalAccessTokenSecret": secret, "site": {"contentUrl": site}}}).to_string()
}

pub fn password_json(name: &str, password: &str, site: &str) -> String {
    serde_json::json!({"credentials": {"name": name, "password": password, "site": {"contentUrl": site}}}).to_string()
}

/// Signs in as admin on the Default site with the seeded PAT (XML); returns the token.
pub async fn sign_in_admin(app: &Router) -> String {
    let answer = call(
        app,
        "POST",
        "/api/3.27/auth/signin",
        XML,
        pat_xml("admin-pat", PAT_SECRET, ""),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.token()
}

pub async fn sign_in_password(app: &Router, name: &str, password: &str, site: &str) -> String {
    let answer = call(
        app,
        "POST",
        "/api/3.27/auth/signin",
        XML,
        password_xml(name, password, site),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.token()
}

/// Asserts a well-formed Tableau error body (XML or JSON) with `code`, whose first three digits
/// are the status.
pub fn assert_tableau_error(answer: &Answer, code: &str) {
    assert_eq!(
        answer.status.as_u16().to_string(),
        code[..3],
        "{}",
        answer.body
    );
    assert_eq!(
        tableau_error_code(answer).as_deref(),
        Some(code),
        "{}",
        answer.body
    );
}

/// The code of a well-formed Tableau error body, if it is one.
pub fn tableau_error_code(answer: &Answer) -> Option<String> {
    let content_type = answer.headers.get("content-type")?.to_str().ok()?;
    if content_type.starts_with("application/json") {
        let value: serde_json::Value = serde_json::from_str(&answer.body).ok()?;
        let error = value.get("error")?;
        error.get("summary")?.as_str()?;
        error.get("detail")?.as_str()?;
        Some(error.get("code")?.as_str()?.to_owned())
    } else {
        let doc = roxmltree::Document::parse(&answer.body).ok()?;
        let root = doc.root_element();
        if root.tag_name().name() != "tsResponse"
            || root.tag_name().namespace() != Some("http://tableau.com/api")
        {
            return None;
        }
        let error = root.children().find(|n| n.has_tag_name("error"))?;
        error.children().find(|n| n.has_tag_name("summary"))?;
        error.children().find(|n| n.has_tag_name("detail"))?;
        Some(error.attribute("code")?.to_owned())
    }
}

/// The secret value of the seeded connected app `client-1` / `kid-1` (a fixed test value).
pub const JWT_SECRET: &str = "c2VjcmV0LXZhbHVl";

/// Signs `header.claims` by hand (so a test can break any claim on purpose). The key is the
/// UTF-8 bytes of `secret`, never base64-decoded (docs/protocol.md section 9).
pub fn mint_jwt(
    header: &serde_json::Value,
    claims: &serde_json::Value,
    secret: &str,
    alg: jsonwebtoken::Algorithm,
) -> String {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let message = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let signature = jsonwebtoken::crypto::sign(
        message.as_bytes(),
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
        alg,
    )
    .unwrap();
    format!("{message}.{signature}")
}

/// A valid JWT of the seeded connected app for `sub`, expiring 5 minutes after `now`, with
/// the given `jti` (fixed per test, so nothing in it depends on the wall clock) and the scope
/// `tableau:content:read`.
pub fn connected_app_jwt(sub: &str, now: time::OffsetDateTime, jti: &str) -> String {
    connected_app_jwt_with_scopes(sub, now, jti, &["tableau:content:read"])
}

/// [`connected_app_jwt`] with the scopes `scp`.
pub fn connected_app_jwt_with_scopes(
    sub: &str,
    now: time::OffsetDateTime,
    jti: &str,
    scp: &[&str],
) -> String {
    mint_jwt(
        &serde_json::json!({"alg": "HS256", "typ": "JWT", "kid": "kid-1", "iss": "client-1"}),
        &serde_json::json!({
            "iss": "client-1",
            "sub": sub,
            "aud": "tableau",
            "exp": now.unix_timestamp() + 300,
            "jti": jti,
            "scp": scp,
        }),
        JWT_SECRET,
        jsonwebtoken::Algorithm::HS256,
    )
}

pub fn jwt_xml(jwt: &str, site: &str) -> String {
    format!(
        r#"<tsRequest><credentials jwt="{jwt}" isUat="false"><site contentUrl="{site}"/></credentials></tsRequest>"#
    )
}

pub fn jwt_json(jwt: &str, site: &str) -> String {
    serde_json::json!({"credentials": {"jwt": jwt, "isUat": false, "site": {"contentUrl": site}}})
        .to_string()
}

/// The Tableau Cloud data of the cloud tests: no Default site; `analytics` and `finance`;
/// e-mail user names; PATs and a connected app on `analytics`. The viewer has a password, so
/// a test can prove that even the right one is refused.
pub const CLOUD_SEED: &str = r#"
[[sites]]
contentUrl = "analytics"
name = "Analytics"
id = "00000000-0000-4000-8000-0000000c0a01"

[[sites]]
contentUrl = "finance"
name = "Finance"
id = "00000000-0000-4000-8000-0000000c0f01"
patLifetimeDays = 30

[[users]]
site = "analytics"
name = "admin@example.com"
siteRole = "SiteAdministratorCreator"
email = "admin@example.com"
id = "00000000-0000-4000-8000-0000000c00a1"

[[users]]
site = "analytics"
name = "viewer@example.com"
password = "viewer-pw"
siteRole = "Viewer"
email = "viewer@example.com"
id = "00000000-0000-4000-8000-0000000c00b1"

[[users]]
site = "finance"
name = "admin@example.com"
siteRole = "SiteAdministratorCreator"
id = "00000000-0000-4000-8000-0000000c00a2"

[[tokens]]
site = "analytics"
user = "admin@example.com"
name = "admin-pat"
secret = "pat-secret-of-admin"

[[tokens]]
site = "analytics"
user = "viewer@example.com"
name = "viewer-pat"
secret = "pat-secret-of-viewer"

[[connectedApps]]
site = "analytics"
clientId = "client-1"
secretId = "kid-1"
secretValue = "c2VjcmV0LXZhbHVl"
"#;

pub const CLOUD_SITE: &str = "00000000-0000-4000-8000-0000000c0a01";
pub const FINANCE_SITE: &str = "00000000-0000-4000-8000-0000000c0f01";
pub const CLOUD_ADMIN_ID: &str = "00000000-0000-4000-8000-0000000c00a1";
pub const CLOUD_VIEWER_ID: &str = "00000000-0000-4000-8000-0000000c00b1";

pub fn cloud_builder() -> MockServerBuilder {
    MockServer::builder()
        .cloud()
        .seed_toml(CLOUD_SEED)
        .deterministic(42)
        .fixed_start(START)
}

pub fn cloud_state() -> AppState {
    cloud_builder().build_state().unwrap()
}

/// One flavour's state and the names of its seeded data, so a test runs the same requests
/// against Tableau Server and Tableau Cloud.
pub struct Fixture {
    pub flavor: tableau_mock_server::Flavor,
    pub state: AppState,
    /// The content URL the PATs and the connected app belong to.
    pub site: &'static str,
    pub site_id: &'static str,
    /// Another site the admin is a member of.
    pub other_site_id: &'static str,
    pub admin: &'static str,
    pub admin_id: &'static str,
    pub viewer: &'static str,
    pub viewer_id: &'static str,
}

impl Fixture {
    pub fn app(&self) -> Router {
        app(&self.state)
    }

    /// A PAT sign-in body (XML) of the seeded `name` PAT.
    pub fn pat_xml(&self, name: &str) -> String {
        let secret = if name == "admin-pat" {
            PAT_SECRET
        } else {
            "pat-secret-of-viewer"
        };
        pat_xml(name, secret, self.site)
    }

    /// Signs in with the seeded `name` PAT; the token.
    pub async fn sign_in_pat(&self, app: &Router, name: &str) -> String {
        let answer = call(
            app,
            "POST",
            "/api/3.27/auth/signin",
            XML,
            self.pat_xml(name),
        )
        .await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        answer.token()
    }

    /// Signs in with a JWT of the seeded connected app for `sub`, with `scopes`; the token.
    pub async fn sign_in_jwt(&self, app: &Router, sub: &str, jti: &str, scopes: &[&str]) -> String {
        let jwt = connected_app_jwt_with_scopes(sub, START, jti, scopes);
        let answer = call(
            app,
            "POST",
            "/api/3.27/auth/signin",
            XML,
            jwt_xml(&jwt, self.site),
        )
        .await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        answer.token()
    }
}

/// The Server fixture (the seed [`SEED`]) and the Cloud one ([`CLOUD_SEED`]).
pub fn fixtures() -> [Fixture; 2] {
    [
        Fixture {
            flavor: tableau_mock_server::Flavor::Server,
            state: state(),
            site: "",
            site_id: DEFAULT_SITE,
            other_site_id: ANALYTICS_SITE,
            admin: "admin",
            admin_id: ADMIN_ID,
            viewer: "viewer",
            viewer_id: VIEWER_ID,
        },
        Fixture {
            flavor: tableau_mock_server::Flavor::Cloud,
            state: cloud_state(),
            site: "analytics",
            site_id: CLOUD_SITE,
            other_site_id: FINANCE_SITE,
            admin: "admin@example.com",
            admin_id: CLOUD_ADMIN_ID,
            viewer: "viewer@example.com",
            viewer_id: CLOUD_VIEWER_ID,
        },
    ]
}
