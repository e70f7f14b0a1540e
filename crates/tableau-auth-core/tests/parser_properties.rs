//! Properties of the response parsers the client reads every answer with: sign-in (XML and
//! JSON), error bodies, serverinfo, sessions/current and a user. Fed arbitrary bytes, damaged
//! real answers and random trees of the right names, they never panic and fail only with a
//! typed [`ParseError`]; a damaged sign-in answer never shows its token in the error; and the
//! answers a server sends parse back to the values they carry, whatever those hold.

use std::collections::BTreeMap;

use proptest::prelude::*;
use secrecy::ExposeSecret;
use tableau_auth_core::{
    ApiVersion, CurrentSession, ParseError, ServerInfo, SignInResponse, TableauError, UserDetails,
};

/// The token of the sign-in answers below: it must never appear in an error.
const TOKEN: &str = "Tk9xQ2ZhYmNkZWZn|q7LmZr0YbWc4NnVd2PsHkOeAxJyTiFgu|a946d998";

/// Real answers, in both formats, as a server sends them.
fn answers() -> Vec<Vec<u8>> {
    [
        format!(
            r#"<?xml version='1.0' encoding='UTF-8'?><tsResponse xmlns="http://tableau.com/api" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><credentials token="{TOKEN}" estimatedTimeToExpiration="364:23:59"><site id="a946d998" contentUrl="MarketingTeam"/><user id="1a96d216"/></credentials></tsResponse>"#
        ),
        format!(
            r#"{{"credentials":{{"site":{{"id":"a946d998","contentUrl":"MarketingTeam"}},"user":{{"id":"1a96d216"}},"token":"{TOKEN}","estimatedTimeToExpiration":"364:23:59"}}}}"#
        ),
        r#"<tsResponse xmlns="http://tableau.com/api"><serverInfo><productVersion build="20253.25.0923.1200">2025.3.0</productVersion><restApiVersion>3.27</restApiVersion></serverInfo></tsResponse>"#.to_owned(),
        r#"{"serverInfo":{"productVersion":{"value":"2025.3.0","build":"20253.25.0923.1200"},"restApiVersion":"3.27"}}"#.to_owned(),
        r#"<tsResponse xmlns="http://tableau.com/api"><session><site id="a946d998" name="Marketing" contentUrl="MarketingTeam"/><user id="1a96d216" name="jdoe" siteRole="Creator"/></session></tsResponse>"#.to_owned(),
        r#"{"session":{"site":{"id":"a946d998","name":"Marketing","contentUrl":"MarketingTeam"},"user":{"id":"1a96d216","name":"jdoe","siteRole":"Creator"}}}"#.to_owned(),
        r#"<tsResponse xmlns="http://tableau.com/api"><user id="1a96d216" name="jdoe" siteRole="Creator" fullName="J. Doe" email="jdoe@example.com" lastLogin="2026-11-30T10:00:00Z"/></tsResponse>"#.to_owned(),
        r#"<tsResponse xmlns="http://tableau.com/api"><error code="401001"><summary>Signin Error</summary><detail>Error signing in to Tableau Server</detail></error></tsResponse>"#.to_owned(),
        r#"{"error":{"summary":"Signin Error","detail":"Error signing in to Tableau Server","code":"401001"}}"#.to_owned(),
    ]
    .into_iter()
    .map(String::into_bytes)
    .collect()
}

/// One way to damage a body.
#[derive(Debug, Clone)]
enum Damage {
    Replace(prop::sample::Index, u8),
    Insert(prop::sample::Index, u8),
    Delete(prop::sample::Index, prop::sample::Index),
    Truncate(prop::sample::Index),
}

impl Damage {
    fn apply(&self, body: &mut Vec<u8>) {
        if body.is_empty() {
            return;
        }
        match self {
            Damage::Replace(at, byte) => {
                let at = at.index(body.len());
                body[at] = *byte;
            }
            Damage::Insert(at, byte) => body.insert(at.index(body.len() + 1), *byte),
            Damage::Delete(a, b) => {
                let (a, b) = (a.index(body.len()), b.index(body.len()));
                body.drain(a.min(b)..a.max(b));
            }
            Damage::Truncate(at) => body.truncate(at.index(body.len())),
        }
    }
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        (any::<prop::sample::Index>(), any::<u8>()).prop_map(|(i, b)| Damage::Replace(i, b)),
        (
            any::<prop::sample::Index>(),
            prop::sample::select(b"<>&\"'{}[]:,/\\= \x00\xff".to_vec())
        )
            .prop_map(|(i, b)| Damage::Insert(i, b)),
        (any::<prop::sample::Index>(), any::<prop::sample::Index>())
            .prop_map(|(a, b)| Damage::Delete(a, b)),
        any::<prop::sample::Index>().prop_map(Damage::Truncate),
    ]
}

/// A real answer with one to three kinds of damage.
fn damaged_answer() -> impl Strategy<Value = Vec<u8>> {
    (
        prop::sample::select(answers()),
        proptest::collection::vec(damage(), 1..4),
    )
        .prop_map(|(mut body, damages)| {
            for damage in &damages {
                damage.apply(&mut body);
            }
            body
        })
}

/// Names the parsers look for, so random trees reach their extraction code.
const NAMES: &[&str] = &[
    "tsResponse",
    "credentials",
    "token",
    "site",
    "user",
    "id",
    "contentUrl",
    "name",
    "siteRole",
    "serverInfo",
    "restApiVersion",
    "productVersion",
    "value",
    "build",
    "session",
    "error",
    "code",
    "summary",
    "detail",
    "estimatedTimeToExpiration",
];

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(NAMES).prop_map(str::to_owned),
        1 => "[a-zA-Z:_][a-zA-Z0-9:_.-]{0,8}",
    ]
}

fn scalar() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("3.27".to_owned()),
        Just("401001".to_owned()),
        Just("364:23:59".to_owned()),
        "[0-9.:]{0,12}",
        any::<String>(),
    ]
}

/// A random JSON document of the right names (objects, arrays, strings, numbers, null).
fn json_tree() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        scalar().prop_map(serde_json::Value::String),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(serde_json::Value::from),
        any::<bool>().prop_map(serde_json::Value::Bool),
        Just(serde_json::Value::Null),
    ];
    leaf.prop_recursive(5, 48, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
            proptest::collection::btree_map(name(), inner, 0..6)
                .prop_map(|map| serde_json::Value::Object(map.into_iter().collect())),
        ]
    })
}

/// A random XML element tree of the right names, written out (attribute values and text
/// escaped, so the document is well-formed unless a name is not).
#[derive(Debug, Clone)]
struct XmlTree {
    name: String,
    attributes: BTreeMap<String, String>,
    text: String,
    children: Vec<XmlTree>,
}

impl XmlTree {
    fn write(&self, out: &mut String) {
        out.push('<');
        out.push_str(&self.name);
        for (key, value) in &self.attributes {
            out.push_str(&format!(" {key}=\"{}\"", escape(value)));
        }
        out.push('>');
        out.push_str(&escape(&self.text));
        for child in &self.children {
            child.write(out);
        }
        out.push_str(&format!("</{}>", self.name));
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('"', "&quot;")
}

fn xml_tree() -> impl Strategy<Value = String> {
    let node = |children: BoxedStrategy<Vec<XmlTree>>| {
        (
            name(),
            proptest::collection::btree_map(name(), scalar(), 0..4),
            prop_oneof![Just(String::new()), scalar()],
            children,
        )
            .prop_map(|(name, attributes, text, children)| XmlTree {
                name,
                attributes,
                text,
                children,
            })
    };
    let leaf = node(Just(Vec::new()).boxed());
    leaf.prop_recursive(4, 32, 5, move |inner| {
        node(proptest::collection::vec(inner, 0..5).boxed())
    })
    .prop_map(|tree| {
        let mut out = String::new();
        tree.write(&mut out);
        out
    })
}

/// Any body: arbitrary bytes, printable text, a damaged real answer, a random JSON or XML tree
/// (the trees also under a `tsResponse` root, where the parsers look).
fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..600),
        "[ -~]{0,300}".prop_map(String::into_bytes),
        damaged_answer(),
        json_tree().prop_map(|value| value.to_string().into_bytes()),
        xml_tree().prop_map(String::into_bytes),
        xml_tree().prop_map(|tree| format!("<tsResponse>{tree}</tsResponse>").into_bytes()),
    ]
}

/// A parse error is a typed value with a reason, and its message says what it is.
fn check_error(err: &ParseError, status: Option<u16>) -> Result<(), TestCaseError> {
    prop_assert!(!err.reason.trim().is_empty(), "{:?}", err);
    prop_assert_eq!(err.status, status);
    let shown = err.to_string();
    prop_assert!(shown.starts_with("unexpected response"), "{}", shown);
    if let Some(excerpt) = &err.excerpt {
        prop_assert!(excerpt.chars().count() <= 121, "{}", excerpt);
        prop_assert!(!excerpt.chars().any(char::is_control), "{:?}", excerpt);
    }
    Ok(())
}

/// Every parser on `body`: no panic (proptest fails a case that panics), a typed error or a
/// value that keeps the parser's promises.
fn every_parser(body: &[u8], status: u16) -> Result<(), TestCaseError> {
    match SignInResponse::parse(body) {
        Ok(answer) => prop_assert!(!answer.token.expose_secret().is_empty()),
        Err(err) => check_error(&err, None)?,
    }
    match ServerInfo::parse(body) {
        Ok(info) => prop_assert!(info.rest_api_version.to_string().contains('.')),
        Err(err) => check_error(&err, None)?,
    }
    if let Err(err) = CurrentSession::parse(body) {
        check_error(&err, None)?;
    }
    if let Err(err) = UserDetails::parse(body) {
        check_error(&err, None)?;
    }
    match TableauError::parse(status, body) {
        Ok(error) => prop_assert_eq!(error.http_status, status),
        Err(err) => check_error(&err, Some(status))?,
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn the_parsers_never_panic_and_fail_only_with_typed_errors(
        body in body(),
        status in prop_oneof![Just(401u16), Just(404), Just(429), Just(502), 100u16..600],
    ) {
        every_parser(&body, status)?;
    }

    /// A sign-in answer cut, changed or missing a part (its start, even): whatever the parser
    /// makes of it, the error (message, `Debug`, excerpt) never shows the token.
    #[test]
    fn a_damaged_sign_in_answer_never_shows_its_token(
        json in any::<bool>(),
        damage in damage(),
    ) {
        let mut body = answers()[usize::from(json)].clone();
        damage.apply(&mut body);
        for shown in [
            SignInResponse::parse(&body).err().map(|e| format!("{e} {e:?}")),
            TableauError::parse(401, &body).err().map(|e| format!("{e} {e:?}")),
        ]
        .into_iter()
        .flatten()
        {
            // No 24 characters of it in a row (fewer carry too little of a 90-character
            // token to matter, and a body cut that short shows only its tail).
            for start in 0..=TOKEN.len() - 24 {
                let window = &TOKEN[start..start + 24];
                prop_assert!(!shown.contains(window), "{}", shown);
            }
        }
    }

    /// What a server sends parses back to the values it carries, in both formats.
    #[test]
    fn sign_in_and_session_answers_round_trip(
        token in "[!-~]{1,80}",
        site_id in any::<String>(),
        content_url in any::<String>(),
        user_id in any::<String>(),
        user_name in any::<String>(),
    ) {
        let json = serde_json::json!({"credentials": {
            "token": token, "site": {"id": site_id, "contentUrl": content_url},
            "user": {"id": user_id},
        }});
        let answer = SignInResponse::parse(json.to_string().as_bytes()).unwrap();
        prop_assert_eq!(answer.token.expose_secret(), token.as_str());
        prop_assert_eq!(&answer.site_id, &site_id);
        prop_assert_eq!(&answer.site_content_url, &content_url);
        prop_assert_eq!(&answer.user_id, &user_id);

        // XML carries what XML 1.0 can: the strings without the characters it cannot.
        let xml_safe = |s: &str| s.chars().filter(|c| matches!(*c, '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)).collect::<String>();
        let (token, site_id, content_url, user_id, user_name) =
            (xml_safe(&token), xml_safe(&site_id), xml_safe(&content_url), xml_safe(&user_id), xml_safe(&user_name));
        prop_assume!(!token.is_empty());
        let xml = format!(
            r#"<tsResponse xmlns="http://tableau.com/api"><credentials token="{}"><site id="{}" contentUrl="{}"/><user id="{}"/></credentials></tsResponse>"#,
            escape(&token), escape(&site_id), escape(&content_url), escape(&user_id)
        );
        let answer = SignInResponse::parse(xml.as_bytes()).unwrap();
        prop_assert_eq!(answer.token.expose_secret(), token.as_str());
        prop_assert_eq!(&answer.site_id, &site_id);
        prop_assert_eq!(&answer.site_content_url, &content_url);
        prop_assert_eq!(&answer.user_id, &user_id);

        let xml = format!(
            r#"<tsResponse><session><site id="{}" contentUrl="{}"/><user id="{}" name="{}"/></session></tsResponse>"#,
            escape(&site_id), escape(&content_url), escape(&user_id), escape(&user_name)
        );
        let session = CurrentSession::parse(xml.as_bytes()).unwrap();
        prop_assert_eq!(&session.site.id, &site_id);
        prop_assert_eq!(&session.site.content_url, &content_url);
        prop_assert_eq!(&session.user.id, &user_id);
        prop_assert_eq!(session.user.name.as_deref(), Some(user_name.as_str()));
    }

    /// An error body's code, summary and detail parse back in both formats.
    #[test]
    fn error_bodies_round_trip(
        code in 100_000u32..600_000,
        summary in "[ -~]{0,40}",
        detail in "[ -~]{0,80}",
        status in 400u16..600,
    ) {
        let json = serde_json::json!({"error": {"code": code.to_string(), "summary": summary, "detail": detail}});
        let xml = format!(
            r#"<tsResponse xmlns="http://tableau.com/api"><error code="{code}"><summary>{}</summary><detail>{}</detail></error></tsResponse>"#,
            escape(&summary).replace('>', "&gt;"), escape(&detail).replace('>', "&gt;")
        );
        for body in [json.to_string(), xml] {
            let error = TableauError::parse(status, body.as_bytes()).unwrap();
            prop_assert_eq!(error.code.get(), code);
            prop_assert_eq!(error.http_status, status);
            // XML text is trimmed; JSON strings are kept as they are.
            prop_assert_eq!(error.summary.trim(), summary.trim());
            prop_assert_eq!(error.detail.trim(), detail.trim());
        }
    }

    /// Any `MAJOR.MINOR` serverinfo gives back that version, in both formats.
    #[test]
    fn serverinfo_round_trips_any_version(major in 0u16..100, minor in 0u16..100) {
        let xml = format!("<tsResponse><serverInfo><restApiVersion>{major}.{minor}</restApiVersion></serverInfo></tsResponse>");
        let json = format!(r#"{{"serverInfo":{{"restApiVersion":"{major}.{minor}"}}}}"#);
        for body in [xml, json] {
            let info = ServerInfo::parse(body.as_bytes()).unwrap();
            prop_assert_eq!(info.rest_api_version, ApiVersion::new(major, minor));
        }
    }
}
