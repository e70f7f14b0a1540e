//! Micro-benchmarks of the wire formats: rendering a sign-in body for each credential family
//! in XML and JSON, and parsing what a server answers (sign-in, server info, error bodies).
//!
//! Run with `cargo bench -p tableau-auth-core --bench wire`.

use std::hint::black_box;

use criterion::Criterion;
use tableau_auth_core::{
    Credentials, ServerInfo, SignInRequest, SignInResponse, SwitchSiteRequest, TableauError,
    WireFormat,
};

const SIGN_IN_XML: &str = r#"<?xml version='1.0' encoding='UTF-8'?>
<tsResponse xmlns="http://tableau.com/api" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://tableau.com/api https://help.tableau.com/samples/en-us/rest_api/ts-api_3_27.xsd">
  <credentials token="HvZMqFFfQQmOM4L-AZNIQA|5fI6T54OPK1Gn1p4w0RtHv6EkojWRTwq|a946d998-2ead-4894-bb50-1054a91dcab3" estimatedTimeToExpiration="364:23:59">
    <site id="a946d998-2ead-4894-bb50-1054a91dcab3" contentUrl="MarketingTeam"/>
    <user id="1a96d216-e9b8-497b-a82a-0b899a965e01"/>
  </credentials>
</tsResponse>"#;

const SIGN_IN_JSON: &str = r#"{"credentials":{"site":{"id":"a946d998-2ead-4894-bb50-1054a91dcab3","contentUrl":"MarketingTeam"},"user":{"id":"1a96d216-e9b8-497b-a82a-0b899a965e01"},"token":"HvZMqFFfQQmOM4L-AZNIQA|5fI6T54OPK1Gn1p4w0RtHv6EkojWRTwq|a946d998-2ead-4894-bb50-1054a91dcab3","estimatedTimeToExpiration":"364:23:59"}}"#;

const SERVER_INFO_XML: &str = r#"<tsResponse xmlns="http://tableau.com/api"><serverInfo><productVersion build="20253.25.0923.1200">2025.3.0</productVersion><restApiVersion>3.27</restApiVersion></serverInfo></tsResponse>"#;

const SERVER_INFO_JSON: &str = r#"{"serverInfo":{"productVersion":{"value":"2025.3.0","build":"20253.25.0923.1200"},"restApiVersion":"3.27"}}"#;

const ERROR_XML: &str = r#"<?xml version='1.0' encoding='UTF-8'?><tsResponse xmlns="http://tableau.com/api"><error code="401001"><summary>Signin Error</summary><detail>Error signing in to Tableau Server</detail></error></tsResponse>"#;

const ERROR_JSON: &str = r#"{"error":{"summary":"Unauthorized Access","detail":"Invalid authentication credentials were provided.","code":"401002"}}"#;

const JWT: &str = "eyJhbGciOiJIUzI1NiIsImtpZCI6IjEyMyIsImlzcyI6ImFiYyJ9.eyJpc3MiOiJhYmMiLCJleHAiOjE3MDAwMDAwMDAsImp0aSI6IjEiLCJhdWQiOiJ0YWJsZWF1Iiwic3ViIjoiamRvZSIsInNjcCI6WyJ0YWJsZWF1OmNvbnRlbnQ6cmVhZCJdfQ.c2lnbmF0dXJl";

fn formats() -> [(&'static str, WireFormat); 2] {
    [("xml", WireFormat::Xml), ("json", WireFormat::Json)]
}

fn render(c: &mut Criterion) {
    let families = [
        (
            "password",
            Credentials::password("jdoe", "s3cret & more").with_site("MarketingTeam"),
        ),
        (
            "pat",
            Credentials::personal_access_token("ci-token", "q8HqWtQ2T1ugfXaoAzLmEg==:8fJ3kP0aXc")
                .with_site("MarketingTeam"),
        ),
        (
            "connected_app",
            Credentials::connected_app(JWT).with_site("MarketingTeam"),
        ),
    ];
    let mut group = c.benchmark_group("render");
    for (family, credentials) in &families {
        for (format_name, format) in formats() {
            group.bench_function(format!("sign_in/{family}/{format_name}"), |b| {
                b.iter(|| {
                    SignInRequest::new(black_box(credentials))
                        .render(black_box(format))
                        .expect("renders")
                });
            });
        }
    }
    for (format_name, format) in formats() {
        group.bench_function(format!("switch_site/{format_name}"), |b| {
            b.iter(|| {
                SwitchSiteRequest::new(black_box("MarketingTeam"))
                    .render(black_box(format))
                    .expect("renders")
            });
        });
    }
    group.finish();
}

fn parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse");
    for (name, body) in [("xml", SIGN_IN_XML), ("json", SIGN_IN_JSON)] {
        group.bench_function(format!("sign_in/{name}"), |b| {
            b.iter(|| SignInResponse::parse(black_box(body.as_bytes())).expect("parses"));
        });
    }
    for (name, body) in [("xml", SERVER_INFO_XML), ("json", SERVER_INFO_JSON)] {
        group.bench_function(format!("server_info/{name}"), |b| {
            b.iter(|| ServerInfo::parse(black_box(body.as_bytes())).expect("parses"));
        });
    }
    for (name, status, body) in [("xml", 401, ERROR_XML), ("json", 401, ERROR_JSON)] {
        group.bench_function(format!("error/{name}"), |b| {
            b.iter(|| TableauError::parse(black_box(status), black_box(body.as_bytes())));
        });
    }
    group.finish();
}

// Written out rather than `criterion_group!`, whose generated `pub fn` has no docs.
fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    render(&mut criterion);
    parse(&mut criterion);
    criterion.final_summary();
}
