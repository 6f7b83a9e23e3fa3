//! One trace per session across processes (feature `trace-context`): the
//! exporter's publish span travels with the signal through a real Redis
//! server, responders open their handler span as its child and send it
//! back; Python responders (1.0.1 and the drop-in module) answer traced
//! signals as any other.

use state_signals_test_support as common;

use common::{Python, RedisServer, next_json, within};
use opentelemetry::trace::{SpanId, TracerProvider as _};
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SpanData};
use serde_json::json;
use state_signals::{Handler, Reply, ResultCode, Signal, SignalExporter};
use tracing_subscriber::layer::SubscriberExt;

/// Answers every signal with success, inside a span of its own (the
/// application's work, which must land under the handler span).
struct Collector;

impl Handler for Collector {
    async fn on_signal(&mut self, _signal: &Signal) -> Reply {
        let _work = tracing::info_span!("collect").entered();
        Reply::success()
    }
}

/// A tracer that keeps every finished span in memory, installed for this
/// thread only (the tests run on current-thread runtimes, so every task of
/// the test, the responders' included, runs under it).
fn in_memory_tracing() -> (
    InMemorySpanExporter,
    SdkTracerProvider,
    tracing::subscriber::DefaultGuard,
) {
    let spans = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(spans.clone())
        .build();
    let layer = tracing_opentelemetry::layer().with_tracer(provider.tracer("test"));
    let guard = tracing::subscriber::set_default(tracing_subscriber::registry().with(layer));
    (spans, provider, guard)
}

/// An exporter with trace context on, its `subscribers` subscribed.
async fn traced_exporter(server: &RedisServer, subscribers: usize) -> SignalExporter {
    let exporter = within(server.exporter("bench").trace_context(true).connect())
        .await
        .unwrap();
    within(exporter.initialize_and_wait(subscribers, ["benchmark-start"]))
        .await
        .unwrap();
    exporter
}

fn named<'a>(spans: &'a [SpanData], name: &str) -> Vec<&'a SpanData> {
    spans.iter().filter(|s| s.name == name).collect()
}

#[tokio::test]
async fn one_trace_runs_from_the_exporter_through_two_responders_and_back() {
    let (spans, provider, _guard) = in_memory_tracing();
    let server = RedisServer::start().await;
    let mut serving = Vec::new();
    for id in ["collector-a", "collector-b"] {
        let responder = within(server.responder().responder_id(id).connect())
            .await
            .unwrap();
        serving.push(tokio::spawn(responder.serve(Collector)));
    }
    let exporter = traced_exporter(&server, 2).await;
    let report = within(exporter.publish_signal("benchmark-start").sample(3))
        .await
        .unwrap();
    assert_eq!(report.code, ResultCode::AllSucceeded, "{report:?}");
    let trace_id = exporter
        .trace_id()
        .expect("the session span has a trace id");
    within(exporter.shutdown()).await.unwrap();
    for serve in serving {
        within(serve).await.unwrap().unwrap();
    }
    drop(exporter);
    provider.force_flush().unwrap();
    let spans = spans.get_finished_spans().unwrap();

    let session = named(&spans, "state_signals.session");
    let publish = named(&spans, "state_signals.publish");
    let handle = named(&spans, "state_signals.handle");
    let collect = named(&spans, "collect");
    assert_eq!(
        (session.len(), publish.len(), handle.len(), collect.len()),
        (1, 1, 2, 2),
        "{:#?}",
        spans.iter().map(|s| &s.name).collect::<Vec<_>>()
    );
    let (session, publish) = (session[0], publish[0]);
    assert_eq!(session.span_context.trace_id().to_string(), trace_id);
    assert_eq!(
        session.parent_span_id,
        SpanId::INVALID,
        "the session is the root"
    );
    assert_eq!(publish.parent_span_id, session.span_context.span_id());
    for span in handle.iter().chain(&collect) {
        assert_eq!(
            span.span_context.trace_id().to_string(),
            trace_id,
            "{} is in the session's trace",
            span.name
        );
    }
    for handler in &handle {
        // The parent came over the wire: the responders' tasks had no span
        // of the exporter's in scope.
        assert_eq!(handler.parent_span_id, publish.span_context.span_id());
        assert!(handler.parent_span_is_remote);
    }
    let handler_ids: Vec<SpanId> = handle.iter().map(|s| s.span_context.span_id()).collect();
    for work in &collect {
        assert!(
            handler_ids.contains(&work.parent_span_id),
            "collect runs in a handler span"
        );
    }
    // Each answer named its handler span; the publish span links to both.
    let linked: Vec<SpanId> = publish
        .links
        .iter()
        .map(|l| l.span_context.span_id())
        .collect();
    for (id, answer) in &report.answers {
        let traceparent = answer.traceparent.as_deref().expect("the answer's span");
        let span_id = traceparent.split('-').nth(2).unwrap();
        let handler = handle
            .iter()
            .find(|s| s.span_context.span_id().to_string() == span_id)
            .unwrap_or_else(|| panic!("{id}'s traceparent {traceparent} names a handler span"));
        assert!(linked.contains(&handler.span_context.span_id()));
    }
    assert_eq!(linked.len(), 2);
    let code = publish
        .attributes
        .iter()
        .find(|kv| kv.key.as_str() == "code")
        .map(|kv| kv.value.to_string());
    assert_eq!(
        code.as_deref(),
        Some("0"),
        "the publish span records the result code"
    );
}

#[tokio::test]
async fn without_a_tracer_or_with_it_off_nothing_travels() {
    let server = RedisServer::start().await;
    let mut signals = server.raw_subscriber("event-signal-pubsub").await;
    // No tracing layer in this thread: on, but without a context to send.
    let exporter = within(server.exporter("bench").trace_context(true).connect())
        .await
        .unwrap();
    within(exporter.publish_signal("e")).await.unwrap();
    assert_eq!(exporter.trace_id(), None);
    let signal = next_json(&mut signals).await;
    assert_eq!(signal.get("metadata"), None, "{signal}");
    // With a tracer but off (the default): no metadata either.
    let (_spans, _provider, _guard) = in_memory_tracing();
    let exporter = within(server.exporter("bench").connect()).await.unwrap();
    within(exporter.publish_signal("e")).await.unwrap();
    let signal = next_json(&mut signals).await;
    assert_eq!(signal.get("metadata"), None, "{signal}");
}

#[tokio::test]
async fn python_responders_answer_a_traced_exporter() {
    let (_spans, _provider, _guard) = in_memory_tracing();
    let server = RedisServer::start().await;
    let port = server.port();
    let stage = tokio::task::spawn_blocking(crate::python_module::staged)
        .await
        .unwrap();
    let mut responders = vec![
        Python::spawn("responder.py", &json!({"port": port, "name": "py-1.0.1"})),
        Python::spawn_with_path(
            "responder.py",
            &json!({"port": port, "name": "py-drop-in", "module": "state_signals_rs"}),
            &stage,
        ),
    ];
    for p in &mut responders {
        p.next().await.expect("ready line");
    }
    server.wait_numsub("event-signal-pubsub", 2).await;
    let exporter = traced_exporter(&server, 2).await;
    let mut metadata = state_signals::Metadata::new();
    metadata.insert("run".into(), json!(7));
    let report = within(
        exporter
            .publish_signal("benchmark-start")
            .metadata(metadata),
    )
    .await
    .unwrap();
    assert_eq!(report.code, ResultCode::AllSucceeded, "{report:?}");
    assert_eq!(report.answers.len(), 2);
    within(exporter.shutdown()).await.unwrap();
    for p in responders {
        let lines = p.rest().await;
        let start = lines
            .iter()
            .map(|l| &l["signal"])
            .find(|s| s["event"] == "benchmark-start")
            .expect("the responder yielded the signal");
        assert_eq!(start["metadata"]["run"], 7, "{start}");
        let traceparent = start["metadata"]["traceparent"]
            .as_str()
            .unwrap_or_default();
        assert!(
            traceparent.starts_with("00-"),
            "the signal carried its trace context: {start}"
        );
    }
}
