//! The `tracing` a sign-in leaves: one `tableau_auth::sign_in` span around all of it (server
//! info included) with the provider, credential kind, site and API version, and a debug event
//! from a `ProviderChain` naming the provider that answered and the ones not configured.

mod common;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use common::{Clock, password, pat};
use tableau_auth::{
    AuthProvider, Credentials, ExposeSecret, ProviderChain, ProviderError, SessionManager,
    async_trait,
};
use tableau_mock_server::MockServer;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

#[derive(Debug, Clone)]
struct SpanSeen {
    id: u64,
    target: String,
    name: String,
    fields: BTreeMap<String, String>,
}

#[derive(Debug, Clone)]
struct EventSeen {
    target: String,
    message: String,
    fields: BTreeMap<String, String>,
    /// The names of the spans the event happened in, innermost first.
    scope: Vec<String>,
}

/// Records every span (with its fields as they are filled in) and every event.
#[derive(Clone, Default)]
struct Recorder {
    spans: Arc<Mutex<Vec<SpanSeen>>>,
    events: Arc<Mutex<Vec<EventSeen>>>,
}

#[derive(Default)]
struct Fields(BTreeMap<String, String>);

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
}

impl<S> Layer<S> for Recorder
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, _: Context<'_, S>) {
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        self.spans.lock().unwrap().push(SpanSeen {
            id: id.into_u64(),
            target: attrs.metadata().target().to_owned(),
            name: attrs.metadata().name().to_owned(),
            fields: fields.0,
        });
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, _: Context<'_, S>) {
        let mut fields = Fields::default();
        values.record(&mut fields);
        let mut spans = self.spans.lock().unwrap();
        if let Some(span) = spans.iter_mut().rev().find(|s| s.id == id.into_u64()) {
            span.fields.extend(fields.0);
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        event.record(&mut fields);
        let message = fields.0.remove("message").unwrap_or_default();
        let scope = ctx
            .event_scope(event)
            .map(|scope| scope.map(|span| span.name().to_owned()).collect())
            .unwrap_or_default();
        self.events.lock().unwrap().push(EventSeen {
            target: event.metadata().target().to_owned(),
            message,
            fields: fields.0,
            scope,
        });
    }
}

impl Recorder {
    fn sign_in_spans(&self) -> Vec<SpanSeen> {
        self.spans
            .lock()
            .unwrap()
            .iter()
            .filter(|s| s.name == "sign_in")
            .cloned()
            .collect()
    }

    /// The events of the client crates (not the mock's) whose message contains `message`.
    fn events_saying(&self, message: &str) -> Vec<EventSeen> {
        self.events
            .lock()
            .unwrap()
            .iter()
            .filter(|e| e.target.starts_with("tableau_auth") && e.message.contains(message))
            .cloned()
            .collect()
    }

    /// Everything recorded, as one text (to search for secrets).
    fn all_text(&self) -> String {
        format!(
            "{:?}{:?}",
            self.spans.lock().unwrap(),
            self.events.lock().unwrap()
        )
    }
}

fn fields(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// A provider a chain passes over.
#[derive(Debug)]
struct Unset;

#[async_trait]
impl AuthProvider for Unset {
    fn name(&self) -> &str {
        "unset"
    }

    async fn credentials(&self) -> Result<Credentials, ProviderError> {
        Err(ProviderError::not_configured("unset", "nothing to read"))
    }
}

#[tokio::test]
async fn a_sign_in_runs_in_one_span_with_its_provider_kind_site_and_version() {
    let recorder = Recorder::default();
    let _guard =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(recorder.clone()));

    let mock = MockServer::start().await;
    let client = Clock::new().client(&mock);
    let session = client.sign_in(&pat(&mock)).await.unwrap();

    let spans = recorder.sign_in_spans();
    assert_eq!(spans.len(), 1, "{spans:?}");
    assert_eq!(spans[0].target, "tableau_auth");
    assert_eq!(
        spans[0].fields,
        fields(&[
            ("provider", "pat"),
            ("credential_kind", "pat"),
            ("site", ""),
            ("api_version", "3.27"),
        ])
    );
    // The server info request (the version negotiation) happened inside the span.
    let info = recorder.events_saying("server info");
    assert_eq!(info.len(), 1);
    assert_eq!(info[0].scope, ["sign_in"]);
    let signed_in = recorder.events_saying("signed in");
    assert_eq!(signed_in[0].scope, ["sign_in"]);

    // Through a manager (the sign-in runs in a task of its own) and a chain: the same span, the
    // site the manager switched to, and the chain's own event.
    let chain = ProviderChain::first_try("unset", Unset).or_else("password", password(&mock));
    let manager = SessionManager::new(client.clone(), Arc::new(chain));
    manager.switch_site("analytics").await.unwrap();
    mock.advance_clock(std::time::Duration::from_secs(241 * 60))
        .await;
    let url = manager.api_url("sessions/current").await.unwrap();
    let response = manager.send(client.http().get(url)).await.unwrap();
    assert!(response.status().is_success());

    let spans = recorder.sign_in_spans();
    assert_eq!(spans.len(), 3, "{spans:?}");
    assert_eq!(
        spans[2].fields,
        fields(&[
            ("provider", "chain"),
            ("credential_kind", "password"),
            ("site", "analytics"),
            ("api_version", "3.27"),
        ])
    );
    let answered = recorder.events_saying("the chain's credentials come from this provider");
    assert_eq!(answered.len(), 2);
    assert_eq!(
        answered[1].fields.get("provider").map(String::as_str),
        Some("password")
    );
    assert_eq!(
        answered[1].fields.get("not_configured").map(String::as_str),
        Some(r#"["unset"]"#)
    );
    assert_eq!(answered[1].scope, ["sign_in"]);
    let passed_over = recorder.events_saying("not configured; trying the next provider");
    assert_eq!(
        passed_over[0].fields.get("provider").map(String::as_str),
        Some("unset")
    );

    let all = recorder.all_text();
    let creds = mock.default_credentials();
    let token = manager.token().await.unwrap();
    for secret in [
        creds.pat_secret.as_str(),
        creds.password.as_str(),
        session.token().expose_secret(),
        token.expose_secret(),
    ] {
        assert!(!all.contains(secret), "a secret in the traces");
    }
}
