//! The read side's rows (issue 15): listing 100 workbooks (one page) against the bare axum
//! handler returning a fixed body of the same size, with the same wrk method as the other
//! throughput rows; and the resident memory of 100,000 seeded workbooks. Both against the
//! release binary started with a seed file, on loopback.

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::mock::{MockBench, clean, describe};
use crate::process::{Server, resident_bytes};
use crate::report::{Row, Verdict, seconds};
use crate::wrk::{self, lua_string};

const MOCK_PREFIX: &str = "tableau-mock-server listening on ";
const BARE_PREFIX: &str = "bare server listening on ";
/// The lines the mock prints after its URL (a header and five credentials).
const MOCK_EXTRA_LINES: usize = 6;
/// Workbooks of the listing row: one full default page.
const PAGE: usize = 100;
/// Workbooks of the memory row.
const MANY: usize = 100_000;

/// A seed: the Default site, `admin`/`admin` (ServerAdministrator) with a PAT, a project
/// `Reports` and `workbooks` workbooks (each with one view, named after it).
fn seed_toml(workbooks: usize) -> String {
    let mut toml = String::with_capacity(200 + workbooks * 90);
    toml.push_str(
        "[[users]]\nsite = \"\"\nname = \"admin\"\npassword = \"admin\"\nsiteRole = \"ServerAdministrator\"\n\n\
         [[tokens]]\nsite = \"\"\nuser = \"admin\"\nname = \"bench\"\nsecret = \"bench-secret\"\n\n\
         [[projects]]\nsite = \"\"\nname = \"Reports\"\nowner = \"admin\"\n\n",
    );
    for i in 0..workbooks {
        let _ = write!(
            toml,
            "[[workbooks]]\nsite = \"\"\nproject = \"Reports\"\nname = \"Workbook {i:06}\"\nowner = \"admin\"\n\n"
        );
    }
    toml
}

fn start_seeded(bench: &MockBench, seed: &Path) -> Result<Server, String> {
    let seed = seed.to_string_lossy().into_owned();
    let mut args = vec!["--bind", "127.0.0.1:0", "--seed", seed.as_str()];
    args.extend(bench.mock_args.iter().map(String::as_str));
    Server::start(&bench.mock_bin, &args, MOCK_PREFIX, MOCK_EXTRA_LINES)
}

/// An attribute's value in an XML answer, without a full parser.
fn attribute(answer: &str, name: &str) -> Option<String> {
    let needle = format!(" {name}=\"");
    let start = answer.find(&needle)? + needle.len();
    let end = answer[start..].find('"')? + start;
    Some(answer[start..end].replace("&amp;", "&"))
}

/// A signed-in session: its token and site LUID.
struct Signed {
    token: String,
    site: String,
}

async fn sign_in(http: &reqwest::Client, url: &str) -> Result<Signed, String> {
    let response = http
        .post(format!("{url}/api/3.27/auth/signin"))
        .header("Content-Type", "application/xml")
        .body(r#"<tsRequest><credentials name="admin" password="admin"><site contentUrl=""/></credentials></tsRequest>"#)
        .send()
        .await
        .map_err(|e| format!("sign-in failed: {e}"))?;
    let status = response.status();
    let body = response.text().await.map_err(|e| e.to_string())?;
    if !status.is_success() {
        return Err(format!("sign-in answered {status}: {body}"));
    }
    let token = attribute(&body, "token").ok_or("no token in the sign-in answer")?;
    let body_after_credentials = &body[body.find("<site").ok_or("no site in the answer")?..];
    let site = attribute(body_after_credentials, "id").ok_or("no site id")?;
    Ok(Signed { token, site })
}

/// One page of workbooks: its body and content type, after checking it holds `expected` items.
async fn list(
    http: &reqwest::Client,
    url: &str,
    signed: &Signed,
    query: &str,
    expected: usize,
) -> Result<(String, String), String> {
    let response = http
        .get(format!(
            "{url}/api/3.27/sites/{}/workbooks?{query}",
            signed.site
        ))
        .header("X-Tableau-Auth", &signed.token)
        .send()
        .await
        .map_err(|e| format!("listing failed: {e}"))?;
    let status = response.status();
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/xml")
        .to_owned();
    let body = response.text().await.map_err(|e| e.to_string())?;
    let count = body.matches("<workbook ").count();
    if !status.is_success() || count != expected {
        return Err(format!(
            "listing ?{query} answered {status} with {count} workbooks, not {expected}"
        ));
    }
    Ok((body, content_type))
}

/// `GET sites/{luid}/workbooks` of 100 workbooks (one page, XML) on the mock, against the bare
/// handler answering the same URL with a fixed body of the same size and content type.
pub fn listing(
    bench: &MockBench,
    runtime: &tokio::runtime::Runtime,
    scratch: &Path,
) -> Result<Vec<Row>, String> {
    let seed = scratch.join("workbooks-100.toml");
    std::fs::write(&seed, seed_toml(PAGE)).map_err(|e| format!("cannot write the seed: {e}"))?;
    let mock = start_seeded(bench, &seed)?;
    let (signed, body, content_type) = runtime.block_on(async {
        let http = reqwest::Client::new();
        let signed = sign_in(&http, &mock.url).await?;
        let (body, content_type) = list(&http, &mock.url, &signed, "pageSize=100", PAGE).await?;
        Ok::<_, String>((signed, body, content_type))
    })?;
    let path = format!("/api/3.27/sites/{}/workbooks?pageSize=100", signed.site);
    let script = scratch.join("list.lua");
    std::fs::write(
        &script,
        format!(
            "wrk.method = \"GET\"\nwrk.headers[\"X-Tableau-Auth\"] = {}\n",
            lua_string(&signed.token)
        ),
    )
    .map_err(|e| format!("cannot write {}: {e}", script.display()))?;
    eprintln!("  wrk: mock GET workbooks (100 on one page)");
    let mock_result = wrk::run(bench.load, &script, &format!("{}{path}", mock.url))?;
    drop(mock);

    let bytes = body.len().to_string();
    let bare = Server::start(
        &bench.self_bin,
        &[
            "bare-server",
            "--bind",
            "127.0.0.1:0",
            "--get-bytes",
            &bytes,
            "--post-bytes",
            "1",
            "--content-type",
            &content_type,
        ],
        BARE_PREFIX,
        0,
    )?;
    eprintln!("  wrk: bare GET, same size");
    let bare_result = wrk::run(bench.load, &script, &format!("{}{path}", bare.url))?;
    drop(bare);

    let ratio = mock_result.requests_per_sec / bare_result.requests_per_sec;
    let p99_ratio = mock_result.p99_seconds / bare_result.p99_seconds;
    Ok(vec![
        Row::info(
            format!(
                "mock GET workbooks, 100 on one page ({} B answer)",
                body.len()
            ),
            describe(&mock_result),
        ),
        Row::info(
            "bare axum handler, same size (GET workbooks)",
            describe(&bare_result),
        ),
        Row::new(
            "GET workbooks (100): mock / bare requests/s",
            format!("{ratio:.2}× (p99 {p99_ratio:.2}× the bare one)"),
            "≥ 0.5×",
            Verdict::from_bool(ratio >= 0.5 && clean(&mock_result) && clean(&bare_result)),
        ),
    ])
}

/// Resident memory of a mock seeded with 100,000 workbooks, less that of one seeded with none
/// (both after one listing), and how long the big seed takes to start.
pub fn memory(
    bench: &MockBench,
    runtime: &tokio::runtime::Runtime,
    scratch: &Path,
) -> Result<Vec<Row>, String> {
    let mut resident = Vec::new();
    let mut startup = Duration::ZERO;
    for count in [0, MANY] {
        let seed = scratch.join(format!("workbooks-{count}.toml"));
        std::fs::write(&seed, seed_toml(count))
            .map_err(|e| format!("cannot write the seed: {e}"))?;
        let started = Instant::now();
        let mock = start_seeded(bench, &seed)?;
        if count == MANY {
            startup = started.elapsed();
        }
        runtime.block_on(async {
            let http = reqwest::Client::new();
            let signed = sign_in(&http, &mock.url).await?;
            list(&http, &mock.url, &signed, "pageSize=100", count.min(PAGE)).await?;
            if count == MANY {
                // The last page too: the whole list is there.
                list(
                    &http,
                    &mock.url,
                    &signed,
                    "pageSize=100&pageNumber=1000",
                    PAGE,
                )
                .await?;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
            Ok::<_, String>(())
        })?;
        resident.push(resident_bytes(mock.pid())?);
        drop(mock);
    }
    let added = resident[1].saturating_sub(resident[0]);
    Ok(vec![
        Row::info(
            format!("RSS of {MANY} seeded workbooks (one view each)"),
            format!(
                "{:.1} MB ({:.1} → {:.1} MB; {:.0} B/workbook)",
                added as f64 / 1e6,
                resident[0] as f64 / 1e6,
                resident[1] as f64 / 1e6,
                added as f64 / MANY as f64
            ),
        ),
        Row::info(
            format!("start-up with {MANY} seeded workbooks (exec → URL line)"),
            seconds(startup.as_secs_f64()),
        ),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_parses_and_reads_its_session() {
        let seed = tableau_mock_server::Seed::from_toml(&seed_toml(3)).unwrap();
        assert_eq!(seed.workbooks.len(), 3);
        let answer = r#"<credentials token="a|b"><site id="s-1" contentUrl=""/><user id="u"/>"#;
        assert_eq!(attribute(answer, "token").as_deref(), Some("a|b"));
    }
}
