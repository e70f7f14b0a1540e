//! The bounded request log, kept apart from the session state. Secrets are redacted before an
//! entry is stored.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;

use http::HeaderMap;

use crate::format::Format;
use crate::types::RecordedRequest;

/// Replacement text of a redacted value.
pub const REDACTED: &str = "[redacted]";
/// Logged bodies are cut at this many bytes.
pub const BODY_CUT: usize = 4096;
const SECRET_FIELDS: &[&str] = &["password", "personalAccessTokenSecret", "jwt", "token"];
const SECRET_HEADERS: &[&str] = &[
    "x-tableau-auth",
    "x-mock-control",
    "authorization",
    "cookie",
];

/// The most recent requests, oldest first.
#[derive(Debug)]
pub struct RequestLog {
    capacity: usize,
    entries: Mutex<VecDeque<RecordedRequest>>,
}

impl RequestLog {
    /// A log keeping `capacity` entries (0 turns it off).
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            entries: Mutex::new(VecDeque::with_capacity(capacity.min(1024))),
        }
    }

    /// Whether the log records anything.
    pub fn enabled(&self) -> bool {
        self.capacity > 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<RecordedRequest>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Appends an entry, dropping the oldest past the capacity.
    pub fn push(&self, entry: RecordedRequest) {
        if self.capacity == 0 {
            return;
        }
        let mut entries = self.lock();
        while entries.len() >= self.capacity {
            entries.pop_front();
        }
        entries.push_back(entry);
    }

    /// A copy of the entries, oldest first.
    pub fn snapshot(&self) -> Vec<RecordedRequest> {
        self.lock().iter().cloned().collect()
    }

    /// Empties the log.
    pub fn clear(&self) {
        self.lock().clear();
    }
}

/// The headers of a request, lower-case names, sensitive values redacted.
pub fn redact_headers(headers: &HeaderMap) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in headers {
        let name = name.as_str().to_ascii_lowercase();
        let value = if SECRET_HEADERS.contains(&name.as_str()) {
            REDACTED.to_owned()
        } else {
            String::from_utf8_lossy(value.as_bytes()).into_owned()
        };
        out.entry(name)
            .and_modify(|existing| {
                existing.push_str(", ");
                existing.push_str(&value);
            })
            .or_insert(value);
    }
    out
}

/// The body as logged: `None` when empty, redacted when it parses in its declared format,
/// `[unparsed body, N bytes]` otherwise, and cut at 4 KiB.
pub fn redact_body(headers: &HeaderMap, body: &[u8]) -> Option<String> {
    if body.is_empty() {
        return None;
    }
    let unparsed = || format!("[unparsed body, {} bytes]", body.len());
    let redacted = match Format::from_content_type(headers) {
        Some(Format::Json) => redact_json(body),
        Some(Format::Xml) => redact_xml(body),
        None => None,
    };
    Some(cut(redacted.unwrap_or_else(unparsed)))
}

fn cut(mut text: String) -> String {
    if text.len() > BODY_CUT {
        let mut end = BODY_CUT;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}

fn redact_json(body: &[u8]) -> Option<String> {
    fn walk(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, value) in map.iter_mut() {
                    if SECRET_FIELDS.contains(&key.as_str()) {
                        *value = serde_json::Value::String(REDACTED.to_owned());
                    } else {
                        walk(value);
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    let mut value: serde_json::Value = serde_json::from_slice(body).ok()?;
    walk(&mut value);
    serde_json::to_string(&value).ok()
}

fn redact_xml(body: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    let doc = roxmltree::Document::parse(text).ok()?;
    let mut ranges: Vec<std::ops::Range<usize>> = doc
        .descendants()
        .flat_map(|node| node.attributes())
        .filter(|attribute| SECRET_FIELDS.contains(&attribute.name()))
        .map(|attribute| attribute.range_value())
        .collect();
    ranges.sort_by_key(|range| std::cmp::Reverse(range.start));
    let mut out = text.to_owned();
    for range in ranges {
        // Ranges come from the parser; refuse to log anything if one looks wrong.
        if range.start > range.end || out.get(range.clone()).is_none() {
            return Some(format!("[redacted body, {} bytes]", body.len()));
        }
        out.replace_range(range, REDACTED);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_xml_json_and_headers() {
        let mut headers = HeaderMap::new();
        let xml = br#"<tsRequest><credentials name="a" password="hunter2" ><site contentUrl=""/></credentials></tsRequest>"#;
        let logged = redact_body(&headers, xml).unwrap();
        assert!(!logged.contains("hunter2"));
        assert!(logged.contains(r#"password="[redacted]""#));
        headers.insert("content-type", "application/json".parse().unwrap());
        headers.insert("x-tableau-auth", "tok".parse().unwrap());
        let logged = redact_body(&headers, br#"{"credentials":{"jwt":"eyJ","site":{}}}"#).unwrap();
        assert!(!logged.contains("eyJ"));
        assert_eq!(
            redact_body(&headers, b"{nope").unwrap(),
            "[unparsed body, 5 bytes]"
        );
        assert_eq!(redact_headers(&headers)["x-tableau-auth"], REDACTED);
        assert_eq!(redact_body(&headers, b""), None);
    }

    #[test]
    fn log_is_bounded() {
        let log = RequestLog::new(2);
        for n in 0..5 {
            log.push(RecordedRequest {
                method: "GET".into(),
                path: format!("/{n}"),
                status: Some(200),
                headers: BTreeMap::new(),
                body: None,
            });
        }
        let paths: Vec<String> = log.snapshot().into_iter().map(|r| r.path).collect();
        assert_eq!(paths, ["/3", "/4"]);
    }
}
