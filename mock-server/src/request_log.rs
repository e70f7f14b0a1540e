//! The bounded request log, kept apart from the session state. Secrets are redacted before an
//! entry is stored.
//!
//! Cost per request: an entry is one `String` (the path, then one `name:value` line per header,
//! secret values already replaced) plus the redacted body when there is one. The `BTreeMap` of
//! [`RecordedRequest`] is only built when the log is read. The request's own `HeaderMap` is not
//! kept: its values are slices of hyper's read buffer, and holding them would pin those
//! buffers for as long as the entry lives.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;

use http::{HeaderMap, Method};

use crate::format::Format;
use crate::types::RecordedRequest;

/// Replacement text of a redacted value.
pub const REDACTED: &str = "[redacted]";
/// Logged bodies are cut at this many bytes.
pub const BODY_CUT: usize = 4096;
/// Logged paths are cut at this many bytes.
pub const PATH_CUT: usize = 2048;
/// Each logged header value is cut at this many bytes.
pub const HEADER_VALUE_CUT: usize = 1024;
/// Headers stop being logged once an entry's path and headers reach this many bytes; a last
/// `x-mock-omitted-headers: N` line says how many were left out. With the body cut, an entry
/// stays under about 14 KiB whatever the client sends (hyper accepts ~400 KiB of headers).
pub const HEADERS_CUT: usize = 8192;
const SECRET_FIELDS: &[&str] = &["password", "personalAccessTokenSecret", "jwt", "token"];
const SECRET_HEADERS: &[&str] = &[
    "x-tableau-auth",
    "x-mock-control",
    "authorization",
    "cookie",
];

/// Whether `name`, lower-case (as `http` keeps every header name), is a secret header.
fn is_secret_header(name: &str) -> bool {
    debug_assert!(!name.bytes().any(|b| b.is_ascii_uppercase()), "{name}");
    SECRET_HEADERS.contains(&name)
}

/// One stored request, secrets already redacted.
#[derive(Debug)]
struct Entry {
    method: Method,
    status: Option<u16>,
    /// `text[..path_end]` is the path; after it, one `name:value\n` line per header value in
    /// the `HeaderMap`'s order. Header names hold no `:` and values no line break (`http`
    /// refuses both), so the lines split back unambiguously.
    text: String,
    path_end: usize,
    body: Option<String>,
    /// Why the mock refused the request (a fixed text, never a secret).
    refusal: Option<String>,
}

impl Entry {
    fn new(
        method: &Method,
        path: &str,
        status: Option<u16>,
        headers: &HeaderMap,
        body: Option<String>,
    ) -> Self {
        let path = prefix(path, PATH_CUT);
        // The exact size of the text for the usual visible-ASCII values, so the final
        // `shrink_to_fit` has nothing to give back.
        let size = path.len()
            + headers
                .iter()
                .map(|(name, value)| {
                    let name = name.as_str();
                    let value = if is_secret_header(name) {
                        REDACTED.len()
                    } else {
                        value.len().min(HEADER_VALUE_CUT)
                    };
                    name.len().min(HEADER_VALUE_CUT) + value + 2
                })
                .sum::<usize>();
        let mut text = String::with_capacity(size.min(HEADERS_CUT + HEADER_VALUE_CUT + 64));
        text.push_str(path);
        let mut omitted = 0usize;
        for (name, value) in headers {
            if text.len() >= HEADERS_CUT {
                omitted += 1;
                continue;
            }
            let name = prefix(name.as_str(), HEADER_VALUE_CUT);
            text.push_str(name);
            text.push(':');
            if is_secret_header(name) {
                text.push_str(REDACTED);
            } else {
                match value.to_str() {
                    // Visible ASCII (nearly every value): no copy to decode it.
                    Ok(value) => text.push_str(prefix(value, HEADER_VALUE_CUT)),
                    Err(_) => {
                        let value = String::from_utf8_lossy(value.as_bytes());
                        text.push_str(prefix(&value, HEADER_VALUE_CUT));
                    }
                }
            }
            text.push('\n');
        }
        if omitted > 0 {
            text.push_str(&format!("x-mock-omitted-headers:{omitted}\n"));
        }
        text.shrink_to_fit();
        Self {
            method: method.clone(),
            status,
            text,
            path_end: path.len(),
            body,
            refusal: None,
        }
    }

    /// The public form: lower-case header names, the values of a repeated header joined with
    /// `", "`, secret headers redacted (again — they were already replaced when stored).
    fn to_recorded(&self) -> RecordedRequest {
        let (path, lines) = self.text.split_at(self.path_end);
        let mut headers: BTreeMap<String, String> = BTreeMap::new();
        for line in lines.split_terminator('\n') {
            let (name, value) = line.split_once(':').unwrap_or((line, ""));
            let name = name.to_ascii_lowercase();
            let value = if is_secret_header(&name) {
                REDACTED
            } else {
                value
            };
            headers
                .entry(name)
                .and_modify(|existing| {
                    existing.push_str(", ");
                    existing.push_str(value);
                })
                .or_insert_with(|| value.to_owned());
        }
        RecordedRequest {
            method: self.method.as_str().to_owned(),
            path: path.to_owned(),
            status: self.status,
            headers,
            body: self.body.clone(),
            refusal: self.refusal.clone(),
        }
    }
}

/// The most recent requests, oldest first.
#[derive(Debug)]
pub struct RequestLog {
    capacity: usize,
    entries: Mutex<VecDeque<Entry>>,
}

impl RequestLog {
    /// A log keeping `capacity` entries (0 turns it off).
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            entries: Mutex::new(VecDeque::with_capacity(capacity.min(1024))),
        }
    }

    /// A log keeping `capacity` entries that allocates nothing until the first one (a stub's
    /// own log: most stubs answer a few requests).
    pub fn unallocated(capacity: usize) -> Self {
        Self {
            capacity,
            entries: Mutex::new(VecDeque::new()),
        }
    }

    /// Whether the log records anything.
    pub fn enabled(&self) -> bool {
        self.capacity > 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<Entry>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Appends a request (its headers redacted here; `body` must already be, see
    /// [`redact_body`]), dropping the oldest past the capacity.
    #[allow(
        dead_code,
        reason = "entries without a refusal; the pipeline uses push_refused"
    )]
    pub fn push(
        &self,
        method: &Method,
        path: &str,
        status: Option<u16>,
        headers: &HeaderMap,
        body: Option<String>,
    ) {
        self.push_refused(method, path, status, headers, body, None);
    }

    /// [`push`](Self::push), with why the mock refused the request (see
    /// [`RecordedRequest::refusal`]).
    pub fn push_refused(
        &self,
        method: &Method,
        path: &str,
        status: Option<u16>,
        headers: &HeaderMap,
        body: Option<String>,
        refusal: Option<String>,
    ) {
        if self.capacity == 0 {
            return;
        }
        let mut entry = Entry::new(method, path, status, headers, body);
        entry.refusal = refusal;
        let evicted = {
            let mut entries = self.lock();
            let evicted = if entries.len() >= self.capacity {
                entries.pop_front()
            } else {
                None
            };
            entries.push_back(entry);
            evicted
        };
        // Freed outside the lock.
        drop(evicted);
    }

    /// A copy of the entries, oldest first.
    pub fn snapshot(&self) -> Vec<RecordedRequest> {
        self.lock().iter().map(Entry::to_recorded).collect()
    }

    /// Empties the log.
    pub fn clear(&self) {
        self.lock().clear();
    }
}

/// The body as logged: `None` when empty, redacted when it parses in its declared format,
/// `[unparsed body, N bytes]` otherwise, and cut at 4 KiB.
pub fn redact_body(headers: &HeaderMap, body: &[u8]) -> Option<String> {
    if body.is_empty() {
        return None;
    }
    let unparsed = || format!("[unparsed body, {} bytes]", body.len());
    let redacted = match Format::from_content_type(headers) {
        Ok(Format::Json) => redact_json(body),
        Ok(Format::Xml) => redact_xml(body),
        Err(_) => None,
    };
    Some(cut(redacted.unwrap_or_else(unparsed)))
}

/// The longest prefix of `text` of at most `max` bytes that ends on a character boundary.
fn prefix(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
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
    Some(redact_document(&doc))
}

/// A request body already parsed by its handler, as the log keeps it: attached to the answer
/// ([`redact_document`]), so the log need not parse the body again.
#[derive(Debug, Clone)]
pub(crate) struct LoggedBody(pub String);

/// The text of a parsed XML document with the values of the secret attributes redacted, cut at
/// [`BODY_CUT`].
pub(crate) fn redact_document(doc: &roxmltree::Document<'_>) -> String {
    let text = doc.input_text();
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
            return format!("[redacted body, {} bytes]", text.len());
        }
        out.replace_range(range, REDACTED);
    }
    cut(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(log: &RequestLog, path: &str, headers: &HeaderMap) {
        log.push(&Method::GET, path, Some(200), headers, None);
    }

    #[test]
    fn an_entry_stays_small_whatever_the_request() {
        let log = RequestLog::new(10);
        let mut headers = HeaderMap::new();
        for n in 0..100 {
            let name = http::HeaderName::try_from(format!("x-big-{n}")).unwrap();
            headers.insert(name, "v".repeat(4000).parse().unwrap());
        }
        let path = format!("/api/3.27/{}", "é".repeat(3000));
        let body = "x".repeat(100_000);
        let logged = redact_body(&HeaderMap::new(), body.as_bytes());
        log.push(&Method::POST, &path, Some(404), &headers, logged);
        let entry = &log.snapshot()[0];
        assert!(entry.path.len() <= PATH_CUT && path.starts_with(&entry.path));
        assert!(entry.headers.values().all(|v| v.len() <= HEADER_VALUE_CUT));
        let header_bytes: usize = entry.headers.iter().map(|(k, v)| k.len() + v.len()).sum();
        assert!(
            header_bytes < HEADERS_CUT + HEADER_VALUE_CUT + 64,
            "{header_bytes}"
        );
        let omitted: usize = entry.headers["x-mock-omitted-headers"].parse().unwrap();
        assert_eq!(
            omitted + entry.headers.len() - 1,
            100,
            "every header counted"
        );
        assert_eq!(entry.body.as_deref(), Some("[unparsed body, 100000 bytes]"));
        let long_json = format!(r#"{{"note":"{}"}}"#, "y".repeat(10_000));
        let mut json = HeaderMap::new();
        json.insert("content-type", "application/json".parse().unwrap());
        assert_eq!(
            redact_body(&json, long_json.as_bytes()).unwrap().len(),
            BODY_CUT,
            "a logged body is cut at 4 KiB"
        );
    }

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
        assert_eq!(redact_body(&headers, b""), None);
        let log = RequestLog::new(1);
        get(&log, "/p", &headers);
        assert_eq!(log.snapshot()[0].headers["x-tableau-auth"], REDACTED);
        assert!(!format!("{log:?}").contains("tok"));
    }

    #[test]
    fn headers_round_trip_in_order_and_joined() {
        let mut headers = HeaderMap::new();
        headers.append("accept", "a/b".parse().unwrap());
        headers.append("cookie", "c=1".parse().unwrap());
        headers.append("x-note", "one: two".parse().unwrap());
        headers.append("accept", "c/d, e/f".parse().unwrap());
        headers.append("cookie", "c=2".parse().unwrap());
        headers.append("authorization", "Bearer x".parse().unwrap());
        headers.append("x-empty", "".parse().unwrap());
        headers.append(
            "x-bytes",
            http::HeaderValue::from_bytes(b"caf\xe9").unwrap(),
        );
        let log = RequestLog::new(1);
        get(&log, "/api/3.27/sessions/current", &headers);
        let entry = &log.snapshot()[0];
        assert_eq!(entry.path, "/api/3.27/sessions/current");
        assert_eq!(entry.method, "GET");
        let expected: BTreeMap<String, String> = [
            ("accept", "a/b, c/d, e/f"),
            ("cookie", "[redacted], [redacted]"),
            ("authorization", "[redacted]"),
            ("x-note", "one: two"),
            ("x-empty", ""),
            ("x-bytes", "caf\u{FFFD}"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        assert_eq!(entry.headers, expected);
    }

    #[test]
    fn log_is_bounded() {
        let log = RequestLog::new(2);
        for n in 0..5 {
            get(&log, &format!("/{n}"), &HeaderMap::new());
        }
        let paths: Vec<String> = log.snapshot().into_iter().map(|r| r.path).collect();
        assert_eq!(paths, ["/3", "/4"]);
        let off = RequestLog::new(0);
        get(&off, "/", &HeaderMap::new());
        assert!(off.snapshot().is_empty());
    }
}
