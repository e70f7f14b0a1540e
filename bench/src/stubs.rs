//! The stubs rows (issue 16): an authenticated GET answered by a stub while 1,000 stubs are
//! registered, against the bare axum handler with a fixed body of the same size, and against
//! wiremock-rs holding the same 1,000 mocks (the wanted one registered last). Each server is
//! loaded alone with the same wrk settings as the other mock rows.

use std::net::SocketAddr;
use std::path::Path;

use tableau_mock_server::{ControlClient, Stub};

use crate::mock::{
    BARE_PREFIX, MOCK_EXTRA_LINES, MOCK_PREFIX, MockBench, call, clean, describe, mock_args,
    password_body, sign_in, token_of, write_script,
};
use crate::process::Server;
use crate::report::{Row, Verdict};
use crate::wrk::{self, lua_string};

/// How many stubs (and wiremock mocks) are registered.
pub const STUBS: usize = 1000;
const WIREMOCK_PREFIX: &str = "wiremock server listening on ";

/// The path template of stub `i` (after `/api/{version}/`).
fn template(i: usize) -> String {
    format!("/sites/{{siteId}}/workbooks/wb-{i:04}/connections")
}

/// The request path of stub `i` on `site`.
fn request_path(site: &str, i: usize) -> String {
    format!("/api/3.27/sites/{site}/workbooks/wb-{i:04}/connections")
}

/// The answer of stub `i`: a "Query Workbook Connections" body, the same size for every `i`.
fn answer(i: usize) -> String {
    format!(
        r#"<?xml version='1.0' encoding='UTF-8'?><tsResponse xmlns="http://tableau.com/api"><connections><connection id="c0000000-0000-4000-8000-00000000{i:04}" type="sqlserver" embedPassword="false" serverAddress="db.example.com" serverPort="1433" userName="svc-tableau" queryTaggingEnabled="false"><datasource id="d0000000-0000-4000-8000-00000000{i:04}" name="Orders"/></connection></connections></tsResponse>"#
    )
}

/// The site LUID of a sign-in answer (`<site id="…"`).
fn site_of(answer: &str) -> Option<String> {
    let start = answer.find("<site id=\"")? + "<site id=\"".len();
    let end = answer[start..].find('"')? + start;
    Some(answer[start..end].to_owned())
}

/// The three servers' rows and the two ratios.
pub fn rows(
    bench: &MockBench,
    runtime: &tokio::runtime::Runtime,
    scratch: &Path,
) -> Result<Vec<Row>, String> {
    let wanted = STUBS - 1;
    let mock = Server::start(
        &bench.mock_bin,
        &mock_args(bench),
        MOCK_PREFIX,
        MOCK_EXTRA_LINES,
    )?;
    let user = mock.field("user name").unwrap_or_else(|| "admin".into());
    let password = mock.field("password").unwrap_or_else(|| "admin".into());
    let (token, site, stubbed) = runtime.block_on(async {
        let http = reqwest::Client::new();
        let signed_in = sign_in(&http, &mock.url, &password_body(&user, &password)).await?;
        let token = token_of(&signed_in.body).ok_or("no token in the sign-in answer")?;
        let site = site_of(&signed_in.body).ok_or("no site id in the sign-in answer")?;
        let control = ControlClient::new(&mock.url);
        for i in 0..STUBS {
            control
                .create_stub(&Stub::get(template(i)).respond_with(200, answer(i)))
                .await
                .map_err(|e| format!("cannot register stub {i}: {e}"))?;
        }
        let stubbed = call(
            http.get(format!("{}{}", mock.url, request_path(&site, wanted)))
                .header("X-Tableau-Auth", &token),
        )
        .await?;
        if stubbed.status != 200 || stubbed.body != answer(wanted) {
            return Err(format!(
                "the stubbed GET answered {}: {}",
                stubbed.status, stubbed.body
            ));
        }
        Ok::<_, String>((token, site, stubbed))
    })?;
    let script = write_script(
        scratch,
        "stub.lua",
        &format!(
            "wrk.method = \"GET\"\nwrk.headers[\"X-Tableau-Auth\"] = {}\n",
            lua_string(&token)
        ),
    )?;
    let path = request_path(&site, wanted);
    eprintln!("  wrk: mock stubbed GET ({STUBS} stubs)");
    let ours = wrk::run(bench.load, &script, &format!("{}{path}", mock.url))?;
    drop(mock);

    let bytes = stubbed.body.len().to_string();
    let bare = Server::start(
        &bench.self_bin,
        &[
            "bare-server",
            "--bind",
            "127.0.0.1:0",
            "--get-bytes",
            "0",
            "--post-bytes",
            "0",
            "--other-get-bytes",
            &bytes,
            "--content-type",
            &stubbed.content_type,
        ],
        BARE_PREFIX,
        0,
    )?;
    eprintln!("  wrk: bare GET, same size");
    let bare_result = wrk::run(bench.load, &script, &format!("{}{path}", bare.url))?;
    drop(bare);

    let count = STUBS.to_string();
    let wiremock = Server::start(
        &bench.self_bin,
        &[
            "wiremock-server",
            "--bind",
            "127.0.0.1:0",
            "--site",
            &site,
            "--stubs",
            &count,
        ],
        WIREMOCK_PREFIX,
        0,
    )?;
    let check = runtime.block_on(call(
        reqwest::Client::new()
            .get(format!("{}{path}", wiremock.url))
            .header("X-Tableau-Auth", &token),
    ))?;
    if check.status != 200 || check.body != stubbed.body {
        return Err(format!(
            "wiremock answered {}: {}",
            check.status, check.body
        ));
    }
    eprintln!("  wrk: wiremock-rs ({STUBS} mocks, the wanted one last)");
    let wiremock_result = wrk::run(bench.load, &script, &format!("{}{path}", wiremock.url))?;
    drop(wiremock);

    let bare_ratio = ours.requests_per_sec / bare_result.requests_per_sec;
    let wiremock_ratio = ours.requests_per_sec / wiremock_result.requests_per_sec;
    let bytes = stubbed.body.len();
    Ok(vec![
        Row::info(
            format!("mock stubbed GET, {STUBS} stubs registered ({bytes} B answer)"),
            describe(&ours),
        ),
        Row::info(
            "bare axum handler, same size (stubbed GET)",
            describe(&bare_result),
        ),
        Row::new(
            "stubbed GET: mock / bare requests/s",
            format!(
                "{bare_ratio:.2}× (p99 {:.2}× the bare one)",
                ours.p99_seconds / bare_result.p99_seconds
            ),
            "≥ 0.8×",
            Verdict::from_bool(bare_ratio >= 0.8 && clean(&ours) && clean(&bare_result)),
        ),
        Row::info(
            format!("wiremock-rs 0.6, {STUBS} mocks, the wanted one last"),
            describe(&wiremock_result),
        ),
        Row::new(
            "stubbed GET: mock / wiremock-rs requests/s",
            format!("{wiremock_ratio:.2}×"),
            "≥ 3×",
            Verdict::from_bool(wiremock_ratio >= 3.0 && clean(&ours) && clean(&wiremock_result)),
        ),
    ])
}

/// Serves wiremock-rs with `stubs` mocks (`GET` of each stub path, needing `X-Tableau-Auth`, the
/// same answers as the mock's stubs; the wanted one — the last path — registered last) until
/// the process is killed. Prints `wiremock server listening on http://HOST:PORT` first.
pub fn serve_wiremock(bind: SocketAddr, site: &str, stubs: usize) -> Result<(), String> {
    use std::io::Write as _;
    use wiremock::matchers::{header_exists, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start a tokio runtime: {e}"))?;
    runtime.block_on(async move {
        let listener =
            std::net::TcpListener::bind(bind).map_err(|e| format!("cannot bind {bind}: {e}"))?;
        let server = MockServer::builder().listener(listener).start().await;
        for i in 0..stubs {
            Mock::given(method("GET"))
                .and(path(request_path(site, i)))
                .and(header_exists("X-Tableau-Auth"))
                .respond_with(
                    ResponseTemplate::new(200)
                        .set_body_raw(answer(i), "application/xml;charset=utf-8"),
                )
                .mount(&server)
                .await;
        }
        let mut out = std::io::stdout().lock();
        writeln!(out, "wiremock server listening on {}", server.uri())
            .and_then(|()| out.flush())
            .map_err(|e| format!("cannot write to stdout: {e}"))?;
        drop(out);
        std::future::pending::<()>().await;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_answer_has_the_same_size() {
        assert_eq!(answer(0).len(), answer(STUBS - 1).len());
        assert_eq!(
            site_of(r#"<credentials token="t"><site id="s-1" contentUrl=""/>"#).as_deref(),
            Some("s-1")
        );
    }
}
