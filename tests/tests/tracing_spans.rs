//! Tracing: a `live.connection` span per connection and a `live.action` span per action,
//! with the fields a `tracing-opentelemetry` layer turns into a trace; and no log line at
//! info (or above) per frame. A recording layer captures what a real subscriber would see.

use live::LiveServer;
use live_tests::secure::{Board, TokenAuth};
use live_tests::{connect, eventually, mount, start};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

/// A span as the layer saw it: its name and every field recorded on it.
#[derive(Debug, Clone, Default)]
struct SpanRecord {
    name: String,
    fields: BTreeMap<String, String>,
    closed: bool,
}

/// Spans by id, and the messages of events at info or above.
#[derive(Debug, Default)]
struct Recorded {
    spans: BTreeMap<u64, SpanRecord>,
    loud_events: Vec<String>,
}

#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Recorded>>);

impl Recorder {
    fn lock(&self) -> MutexGuard<'_, Recorded> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn spans(&self, name: &str) -> Vec<SpanRecord> {
        self.lock()
            .spans
            .values()
            .filter(|span| span.name == name)
            .cloned()
            .collect()
    }
}

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Recorder {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, _: Context<'_, S>) {
        let mut span = SpanRecord {
            name: attrs.metadata().name().to_owned(),
            ..SpanRecord::default()
        };
        attrs.record(&mut Fields(&mut span.fields));
        self.lock().spans.insert(id.into_u64(), span);
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, _: Context<'_, S>) {
        if let Some(span) = self.lock().spans.get_mut(&id.into_u64()) {
            values.record(&mut Fields(&mut span.fields));
        }
    }

    fn on_close(&self, id: Id, _: Context<'_, S>) {
        if let Some(span) = self.lock().spans.get_mut(&id.into_u64()) {
            span.closed = true;
        }
    }

    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        if *event.metadata().level() <= Level::INFO {
            let mut fields = BTreeMap::new();
            event.record(&mut Fields(&mut fields));
            self.lock().loud_events.push(format!("{fields:?}"));
        }
    }
}

// Current-thread runtime: the server's tasks run on this thread, under the default
// subscriber set here.
#[tokio::test]
async fn connections_and_actions_get_spans_with_their_fields() {
    let recorder = Recorder::default();
    let subscriber = tracing_subscriber::registry().with(recorder.clone());
    let _default = tracing::subscriber::set_default(subscriber);

    let live = LiveServer::builder()
        .without_registered_components()
        .auth_provider(TokenAuth)
        .component::<Board>()
        .build()
        .unwrap_or_else(|error| panic!("config: {error}"));
    let running = start(&live).await;
    let before = recorder.lock().loud_events.len();
    let client = connect(&running).await;
    let board = mount(&client, "Board").await;
    for _ in 0..50 {
        assert!(client.call(&board, "score", Value::Null).await.is_ok());
    }
    assert!(client.call(&board, "reset", Value::Null).await.is_err());
    let connection_id = client.connection_id().to_owned();
    assert_eq!(
        recorder.lock().loud_events.len(),
        before,
        "per-frame work logged at info: {:?}",
        recorder.lock().loud_events
    );
    client.close().await;

    let actions = recorder.spans("live.action");
    assert_eq!(actions.len(), 51, "one span per action call");
    let scored: Vec<_> = actions
        .iter()
        .filter(|span| span.fields.get("action").map(String::as_str) == Some("score"))
        .collect();
    assert_eq!(scored.len(), 50);
    for span in &scored {
        assert_eq!(
            span.fields.get("component").map(String::as_str),
            Some("Board")
        );
        assert_eq!(span.fields.get("outcome").map(String::as_str), Some("ok"));
        assert_eq!(span.fields.get("connection"), Some(&connection_id));
        let micros = span.fields.get("duration_us").map(String::as_str);
        assert!(
            micros.and_then(|us| us.parse::<u64>().ok()).is_some(),
            "{span:?}"
        );
        assert!(span.closed, "{span:?}");
    }
    let reset = actions
        .iter()
        .find(|span| span.fields.get("action").map(String::as_str) == Some("reset"));
    let outcome = reset.and_then(|span| span.fields.get("outcome"));
    assert_eq!(outcome.map(String::as_str), Some("denied"));

    eventually("the connection span closes with its close code", || {
        let recorder = recorder.clone();
        let connection_id = connection_id.clone();
        async move {
            recorder.spans("live.connection").iter().any(|span| {
                span.fields.get("connection") == Some(&connection_id)
                    && span.fields.get("close_code").map(String::as_str) == Some("1000")
                    && span.closed
            })
        }
    })
    .await;
    running.shutdown().await;
}
