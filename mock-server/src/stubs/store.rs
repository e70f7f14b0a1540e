//! The registered stubs: validated once when registered, found through an index keyed on the
//! path template's segments and the method (a trie: literal segments by hash, one wildcard
//! child per node), never by a scan of every stub. A request walks one path down the trie
//! (branching only where a literal and a `{name}` both fit), so the cost of finding a stub does
//! not grow with the number of stubs registered for other paths.

use foldhash::HashMap;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::response::Response;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};

use super::template::{BodyTemplate, PathTemplate, SITE_ID, Segment, Values};
use super::{Expectation, Stub, StubAuth, StubCall, StubDetails, StubInfo};
use crate::request_log::RequestLog;
use crate::version::ApiVersion;

/// How many of the requests it answered each stub keeps (the most recent).
pub(crate) const STUB_REQUEST_LOG: usize = 1000;
/// The longest delay a stub may ask for.
const MAX_DELAY_MS: u64 = 600_000;

/// A registered stub, validated and pre-parsed.
#[derive(Debug)]
pub(crate) struct StubEntry {
    pub id: String,
    sequence: u64,
    /// The stub as registered (method upper-cased).
    pub stub: Stub,
    template: PathTemplate,
    method: Option<Method>,
    min_version: Option<ApiVersion>,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: BodyTemplate,
    /// The body when it has no placeholder.
    static_body: Option<Bytes>,
    status: StatusCode,
    response_headers: HeaderMap,
    scopes: Box<[Box<str>]>,
    remaining: Option<AtomicU32>,
    calls: AtomicU64,
    log: RequestLog,
    pub expect: Option<Expectation>,
}

/// A request, as stub matching sees it.
pub(crate) struct Incoming<'a> {
    pub method: &'a Method,
    /// The path's segments after `/api/{version}/`.
    pub segments: &'a [&'a str],
    /// The URL version, when it parses.
    pub version: Option<ApiVersion>,
    pub query: Option<&'a str>,
    pub headers: &'a HeaderMap,
    /// The body, when it was read whole.
    pub body: Option<&'a [u8]>,
}

/// Marks a stub's answer to be delayed ([`crate::api`] sleeps before sending it).
#[derive(Debug, Clone, Copy)]
pub(crate) struct StubDelay(pub Duration);

impl StubEntry {
    fn new(id: String, sequence: u64, mut stub: Stub) -> Result<Self, String> {
        let method = match &stub.request.method {
            None => None,
            Some(text) => {
                let upper = text.to_ascii_uppercase();
                let method = Method::from_bytes(upper.as_bytes())
                    .map_err(|_| format!("request.method '{text}' is not an HTTP method"))?;
                stub.request.method = Some(upper);
                Some(method)
            }
        };
        let template = PathTemplate::parse(&stub.request.path)?;
        for name in stub.request.query.keys() {
            if name.is_empty() {
                return Err("request.query has an empty name".into());
            }
        }
        let headers = stub
            .request
            .headers
            .iter()
            .map(|(name, value)| {
                let name = HeaderName::from_bytes(name.as_bytes())
                    .map_err(|_| format!("request.headers: '{name}' is not a header name"))?;
                let value = HeaderValue::from_str(value)
                    .map_err(|_| format!("request.headers: the value of '{name}' is invalid"))?;
                Ok((name, value))
            })
            .collect::<Result<Vec<_>, String>>()?;
        let min_version = stub
            .request
            .min_version
            .as_deref()
            .map(|text| {
                ApiVersion::parse(text)
                    .ok_or_else(|| format!("request.minVersion '{text}' is not MAJOR.MINOR"))
            })
            .transpose()?;
        let response = &stub.response;
        let status = StatusCode::from_u16(response.status)
            .ok()
            .filter(|s| (100..=599).contains(&s.as_u16()))
            .ok_or_else(|| format!("response.status {} is not an HTTP status", response.status))?;
        if response.delay_ms > MAX_DELAY_MS {
            return Err(format!("response.delayMs must be at most {MAX_DELAY_MS}"));
        }
        let mut response_headers = HeaderMap::new();
        for (name, value) in &response.headers {
            let header = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| format!("response.headers: '{name}' is not a header name"))?;
            if header == http::header::CONTENT_LENGTH || header == http::header::TRANSFER_ENCODING {
                return Err(format!(
                    "response.headers: '{name}' is set by the server from the body"
                ));
            }
            let value = HeaderValue::from_str(value)
                .map_err(|_| format!("response.headers: the value of '{name}' is invalid"))?;
            response_headers.append(header, value);
        }
        let content_type = match &response.content_type {
            Some(text) => Some(
                HeaderValue::from_str(text)
                    .map_err(|_| "response.contentType is not a valid header value".to_owned())?,
            ),
            None => guess_content_type(&response.body).map(HeaderValue::from_static),
        };
        if let Some(value) = content_type {
            response_headers.insert(http::header::CONTENT_TYPE, value);
        }
        let session = stub.auth == StubAuth::Session;
        if !session && !stub.scopes.is_empty() {
            return Err("scopes need auth \"session\": a stub without auth has no JWT".into());
        }
        if let Some(empty) = stub.scopes.iter().find(|s| s.trim().is_empty()) {
            return Err(format!("scopes: '{empty}' is not a scope"));
        }
        if stub.times == Some(0) {
            return Err("times must be at least 1 (or null for every time)".into());
        }
        let body = BodyTemplate::parse(&response.body, &template, session)?;
        let static_body = body.as_static().map(|text| Bytes::from(text.to_owned()));
        Ok(Self {
            id,
            sequence,
            template,
            method,
            min_version,
            headers,
            static_body,
            body,
            status,
            response_headers,
            scopes: stub.scopes.iter().map(|s| Box::from(s.as_str())).collect(),
            remaining: stub.times.map(AtomicU32::new),
            calls: AtomicU64::new(0),
            log: RequestLog::unallocated(STUB_REQUEST_LOG),
            expect: stub.expect,
            stub,
        })
    }

    /// Whether the request matches everything but the path (the index matched that).
    fn matches(&self, request: &Incoming<'_>) -> bool {
        if self
            .method
            .as_ref()
            .is_some_and(|method| method != request.method)
        {
            return false;
        }
        if let Some(min) = self.min_version {
            if request.version.is_none_or(|version| version < min) {
                return false;
            }
        }
        if self
            .remaining
            .as_ref()
            .is_some_and(|left| left.load(Ordering::Acquire) == 0)
        {
            return false;
        }
        for (name, value) in &self.headers {
            if !request.headers.get_all(name).iter().any(|v| v == value) {
                return false;
            }
        }
        for (name, value) in &self.stub.request.query {
            if !query_has(request.query, name, value) {
                return false;
            }
        }
        if let Some(text) = &self.stub.request.body_contains {
            let found = request.body.is_some_and(|body| {
                text.is_empty() || body.windows(text.len()).any(|w| w == text.as_bytes())
            });
            if !found {
                return false;
            }
        }
        true
    }

    /// Whether the entry outranks `other`: a higher priority, then the newer.
    fn outranks(&self, other: &StubEntry) -> bool {
        (self.stub.priority, self.sequence) > (other.stub.priority, other.sequence)
    }

    /// Whether the answer quotes a segment of the request's path.
    pub fn uses_path(&self) -> bool {
        self.body.uses_path()
    }

    /// Whether the stub needs a session.
    pub fn needs_auth(&self) -> bool {
        self.stub.auth == StubAuth::Session
    }

    /// The `{siteId}` segment of the request, when the template has one.
    pub fn site_id<'a>(&self, segments: &[&'a str]) -> Option<&'a str> {
        self.template
            .position(SITE_ID)
            .and_then(|i| segments.get(i).copied())
    }

    /// Whether a session with `granted` (a JWT's `scp`; `None` for password and PAT sessions)
    /// may call the stub: one of its scopes must be granted.
    pub fn allows(&self, granted: Option<&[Box<str>]>) -> bool {
        let Some(granted) = granted else {
            return true;
        };
        self.scopes.is_empty()
            || self.scopes.iter().any(|needed| {
                granted
                    .iter()
                    .any(|scope| crate::api::grants(scope, needed))
            })
    }

    /// Takes one use of the stub: `false` when `times` ran out since it matched.
    pub fn take(&self) -> bool {
        match &self.remaining {
            None => true,
            Some(left) => left
                .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1))
                .is_ok(),
        }
    }

    /// Counts and records an answered request (`body` already redacted).
    pub fn record(&self, method: &Method, path: &str, headers: &HeaderMap, body: Option<String>) {
        self.calls.fetch_add(1, Ordering::AcqRel);
        self.log.push(method, path, None, headers, body);
    }

    /// How many requests it answered.
    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::Acquire)
    }

    /// The answer, its body filled in from `values`.
    pub fn respond(&self, values: &Values<'_>) -> Response {
        let body = match &self.static_body {
            Some(bytes) => bytes.clone(),
            None => Bytes::from(self.body.render(values)),
        };
        let mut response = Response::new(Body::from(body));
        *response.status_mut() = self.status;
        if !self.response_headers.is_empty() {
            *response.headers_mut() = self.response_headers.clone();
        }
        if self.stub.response.delay_ms > 0 {
            response
                .extensions_mut()
                .insert(StubDelay(Duration::from_millis(
                    self.stub.response.delay_ms,
                )));
        }
        response
    }

    /// The list item of `GET /_mock/stubs`.
    pub fn info(&self) -> StubInfo {
        StubInfo {
            id: self.id.clone(),
            stub: self.stub.clone(),
            calls: self.calls(),
        }
    }

    /// The answer of `GET /_mock/stubs/{id}`.
    pub fn details(&self) -> StubDetails {
        StubDetails {
            id: self.id.clone(),
            stub: self.stub.clone(),
            calls: self.calls(),
            requests: self
                .log
                .snapshot()
                .into_iter()
                .map(|r| StubCall {
                    method: r.method,
                    path: r.path,
                    headers: r.headers,
                    body: r.body,
                })
                .collect(),
        }
    }

    /// `method path` of the stub, for messages.
    pub fn describe(&self) -> String {
        format!(
            "{} {}",
            self.stub.request.method.as_deref().unwrap_or("any method"),
            self.stub.request.path
        )
    }

    /// `None` when the stub has no expectation or meets it; otherwise the failure, with the
    /// calls it answered.
    pub fn unmet_expectation(&self) -> Option<String> {
        let expect = self.expect?;
        let calls = self.calls();
        if expect.is_met_by(calls) {
            return None;
        }
        let mut message = format!(
            "stub {} ({}) expected {expect} call(s), got {calls}",
            self.id,
            self.describe()
        );
        let answered = self.log.snapshot();
        if answered.is_empty() {
            message.push_str("\n  it answered no request");
        } else {
            message.push_str("\n  requests it answered:");
            for request in answered.iter().rev().take(20).rev() {
                message.push_str(&format!("\n    {} {}", request.method, request.path));
            }
        }
        Some(message)
    }
}

/// `application/xml`, JSON or text, from the body's first character.
fn guess_content_type(body: &str) -> Option<&'static str> {
    match body.trim_start().as_bytes().first()? {
        b'<' => Some("application/xml;charset=utf-8"),
        b'{' | b'[' => Some("application/json"),
        _ => Some("text/plain;charset=utf-8"),
    }
}

/// Percent-decodes a query name or value (`+` is a space).
fn decode(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains(['%', '+']) {
        return std::borrow::Cow::Borrowed(text);
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(byte) => {
                        out.push(byte);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            other => out.push(other),
        }
        i += 1;
    }
    std::borrow::Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

/// Whether `query` has `name=value` (both percent-decoded).
fn query_has(query: Option<&str>, name: &str, value: &str) -> bool {
    query.is_some_and(|query| {
        query.split('&').any(|pair| {
            let (n, v) = pair.split_once('=').unwrap_or((pair, ""));
            decode(n) == name && decode(v) == value
        })
    })
}

/// FNV-1a: the trie's keys are short path segments, for which SipHash (std's default, built
/// against hash flooding) was a third of the lookup under callgrind; the stubs are the test's
/// own, not an attacker's.
#[derive(Debug, Clone, Copy, Default)]
struct Fnv;

/// The state of [`Fnv`].
#[derive(Debug)]
struct FnvHasher(u64);

impl std::hash::BuildHasher for Fnv {
    type Hasher = FnvHasher;
    fn build_hasher(&self) -> FnvHasher {
        FnvHasher(0xcbf2_9ce4_8422_2325)
    }
}

impl std::hash::Hasher for FnvHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0 ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

#[derive(Debug, Default)]
struct Node {
    literal: std::collections::HashMap<Box<str>, Node, Fnv>,
    wildcard: Option<Box<Node>>,
    by_method: HashMap<Method, Vec<Arc<StubEntry>>>,
    any_method: Vec<Arc<StubEntry>>,
}

impl Node {
    fn leaf_mut(&mut self, template: &PathTemplate) -> &mut Node {
        let mut node = self;
        for segment in &template.segments {
            node = match segment {
                Segment::Literal(text) => node.literal.entry(text.clone()).or_default(),
                Segment::Var(_) => node.wildcard.get_or_insert_with(Box::default),
            };
        }
        node
    }

    /// The best matching entry under this node for the remaining `segments`.
    fn best<'a>(
        &'a self,
        segments: &[&str],
        request: &Incoming<'_>,
        best: &mut Option<&'a Arc<StubEntry>>,
    ) {
        match segments.split_first() {
            None => {
                let same_method = self.by_method.get(request.method).into_iter().flatten();
                for entry in same_method.chain(&self.any_method) {
                    if best.is_none_or(|b| entry.outranks(b)) && entry.matches(request) {
                        *best = Some(entry);
                    }
                }
            }
            Some((first, rest)) => {
                if let Some(child) = self.literal.get(*first) {
                    child.best(rest, request, best);
                }
                if let Some(child) = &self.wildcard {
                    if !first.is_empty() {
                        child.best(rest, request, best);
                    }
                }
            }
        }
    }
}

#[derive(Debug, Default)]
struct Index {
    root: Node,
    by_id: HashMap<String, Arc<StubEntry>>,
    /// Ids in registration order.
    order: Vec<String>,
}

/// The registered stubs of one server.
#[derive(Debug, Default)]
pub(crate) struct StubStore {
    index: RwLock<Index>,
    /// How many stubs are registered: 0 lets a request skip the lock.
    count: AtomicUsize,
    sequence: AtomicU64,
}

impl StubStore {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, Index> {
        self.index.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Index> {
        self.index.write().unwrap_or_else(|p| p.into_inner())
    }

    /// Validates and registers a stub; the message says what is wrong.
    pub fn add(&self, stub: Stub) -> Result<Arc<StubEntry>, String> {
        let sequence = self.sequence.fetch_add(1, Ordering::AcqRel) + 1;
        let entry = Arc::new(StubEntry::new(format!("stub-{sequence}"), sequence, stub)?);
        let mut index = self.write();
        let leaf = index.root.leaf_mut(&entry.template);
        match &entry.method {
            Some(method) => leaf
                .by_method
                .entry(method.clone())
                .or_default()
                .push(Arc::clone(&entry)),
            None => leaf.any_method.push(Arc::clone(&entry)),
        }
        index.by_id.insert(entry.id.clone(), Arc::clone(&entry));
        index.order.push(entry.id.clone());
        self.count.store(index.by_id.len(), Ordering::Release);
        Ok(entry)
    }

    /// The stub that answers `request`: of those that match, the highest priority, then the
    /// newest.
    pub fn find(&self, request: &Incoming<'_>) -> Option<Arc<StubEntry>> {
        if self.count.load(Ordering::Acquire) == 0 {
            return None;
        }
        let index = self.read();
        let mut best = None;
        index.root.best(request.segments, request, &mut best);
        best.cloned()
    }

    /// Removes a stub; `None` when unknown.
    pub fn remove(&self, id: &str) -> Option<Arc<StubEntry>> {
        let mut index = self.write();
        let entry = index.by_id.remove(id)?;
        index.order.retain(|other| other != id);
        let leaf = index.root.leaf_mut(&entry.template);
        let list = match &entry.method {
            Some(method) => leaf.by_method.entry(method.clone()).or_default(),
            None => &mut leaf.any_method,
        };
        list.retain(|other| other.id != id);
        self.count.store(index.by_id.len(), Ordering::Release);
        Some(entry)
    }

    /// One stub.
    pub fn get(&self, id: &str) -> Option<Arc<StubEntry>> {
        self.read().by_id.get(id).cloned()
    }

    /// Every stub, oldest first.
    pub fn list(&self) -> Vec<Arc<StubEntry>> {
        let index = self.read();
        index
            .order
            .iter()
            .filter_map(|id| index.by_id.get(id).cloned())
            .collect()
    }

    /// Removes every stub (their expectations are not checked).
    pub fn clear(&self) {
        let old = std::mem::take(&mut *self.write());
        self.count.store(0, Ordering::Release);
        drop(old);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn incoming<'a>(method: &'a Method, segments: &'a [&'a str]) -> Incoming<'a> {
        static EMPTY: std::sync::LazyLock<HeaderMap> = std::sync::LazyLock::new(HeaderMap::new);
        Incoming {
            method,
            segments,
            version: ApiVersion::parse("3.27"),
            query: None,
            headers: &EMPTY,
            body: None,
        }
    }

    #[test]
    fn precedence_priority_then_newest() {
        let store = StubStore::default();
        let old = store.add(Stub::get("/jobs/{id}")).unwrap();
        let newer = store.add(Stub::any("/jobs/{jobId}")).unwrap();
        let literal = store.add(Stub::get("/jobs/j1")).unwrap();
        let get = Method::GET;
        assert_eq!(
            store.find(&incoming(&get, &["jobs", "j1"])).unwrap().id,
            literal.id
        );
        assert_eq!(
            store.find(&incoming(&get, &["jobs", "j2"])).unwrap().id,
            newer.id
        );
        let high = store.add(Stub::get("/jobs/{id}").priority(5)).unwrap();
        assert_eq!(
            store.find(&incoming(&get, &["jobs", "j1"])).unwrap().id,
            high.id
        );
        store.remove(&high.id).unwrap();
        store.remove(&newer.id).unwrap();
        assert_eq!(
            store.find(&incoming(&get, &["jobs", "j2"])).unwrap().id,
            old.id
        );
        assert!(
            store
                .find(&incoming(&Method::POST, &["jobs", "j2"]))
                .is_none()
        );
        assert!(store.find(&incoming(&get, &["jobs", ""])).is_none());
        assert!(store.remove("nope").is_none());
        store.clear();
        assert!(store.find(&incoming(&get, &["jobs", "j1"])).is_none());
        assert!(store.list().is_empty());
    }

    #[test]
    fn queries_headers_bodies_versions() {
        let store = StubStore::default();
        store
            .add(
                Stub::post("/x")
                    .query("a b", "c/d")
                    .header("X-Custom", "1")
                    .body_contains("<tsRequest")
                    .min_version("3.5"),
            )
            .unwrap();
        let post = Method::POST;
        let mut headers = HeaderMap::new();
        headers.insert("x-custom", HeaderValue::from_static("1"));
        let mut request = Incoming {
            method: &post,
            segments: &["x"],
            version: ApiVersion::parse("3.5"),
            query: Some("z=1&a+b=c%2Fd"),
            headers: &headers,
            body: Some(b"<tsRequest/>"),
        };
        assert!(store.find(&request).is_some());
        request.version = ApiVersion::parse("3.4");
        assert!(store.find(&request).is_none(), "below minVersion");
        request.version = ApiVersion::parse("3.27");
        request.query = Some("a+b=c");
        assert!(store.find(&request).is_none(), "query value");
        request.query = Some("a%20b=c%2fd");
        request.body = Some(b"{}");
        assert!(store.find(&request).is_none(), "body");
        request.body = Some(b"<tsRequest/>");
        let empty = HeaderMap::new();
        request.headers = &empty;
        assert!(store.find(&request).is_none(), "header");
    }

    #[test]
    fn times_run_out() {
        let store = StubStore::default();
        let entry = store.add(Stub::get("/x").times(2)).unwrap();
        let get = Method::GET;
        for _ in 0..2 {
            let found = store.find(&incoming(&get, &["x"])).unwrap();
            assert!(found.take());
        }
        assert!(store.find(&incoming(&get, &["x"])).is_none());
        assert!(!entry.take());
    }

    #[test]
    fn invalid_stubs_are_refused_with_a_reason() {
        let store = StubStore::default();
        for (stub, says) in [
            (Stub::method("NOT A METHOD", "/x"), "method"),
            (Stub::get("/x").respond_with(99, ""), "status"),
            (Stub::get("/x").min_version("3"), "minVersion"),
            (Stub::get("/x").header("bad name", "1"), "header"),
            (
                Stub::get("/x").response_header("content-length", "1"),
                "body",
            ),
            (Stub::get("/x").times(0), "times"),
            (Stub::get("/x").no_auth().scope("tableau:x:y"), "scopes"),
            (Stub::get("/x").delay(Duration::from_secs(601)), "delayMs"),
            (Stub::post("/auth/signin"), "auth surface"),
            (Stub::get("/x").respond_with(200, "{{nope}}"), "placeholder"),
        ] {
            let error = store.add(stub).unwrap_err();
            assert!(error.contains(says), "{says}: {error}");
        }
        assert!(store.list().is_empty());
    }

    #[test]
    fn decoding() {
        assert_eq!(decode("a%2Fb+c"), "a/b c");
        assert_eq!(decode("100%"), "100%");
        assert_eq!(decode("%zz"), "%zz");
        assert_eq!(decode("%4"), "%4");
    }
}
