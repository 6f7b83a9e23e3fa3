//! The typed layer against Redis: typed exporter and responders, unknown
//! events, undecodable payloads, panicking handlers, the process filter,
//! repeated initialization and shutdown.

use state_signals_test_support as common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{RedisServer, within};
use state_signals::{Ras, Reply, ResultCode, Signal, SignalEvents, TypedSignalResponder};

#[derive(SignalEvents, Debug, Clone, PartialEq)]
enum Benchmark {
    Start,
    #[signal(rename = "benchmark-stop")]
    Stop,
    Sample {
        iteration: u32,
        host: String,
    },
    Explode,
}

/// The same wire names as `Benchmark`, with one event more: what an exporter
/// with a newer event list sends to an older responder.
#[derive(SignalEvents, Debug, Clone, PartialEq)]
enum NewerBenchmark {
    Start,
    Sample { iteration: String },
    Pause,
}

#[derive(Default)]
struct Collector {
    samples: Vec<(u32, String)>,
    subscribed: Arc<AtomicUsize>,
    shutdowns: usize,
}

impl BenchmarkHandler for Collector {
    async fn on_start(&mut self, _signal: &Signal) -> Reply {
        Ras::SUCCESS.into()
    }

    async fn on_stop(&mut self, _signal: &Signal) -> Reply {
        Reply::failure("disk full")
    }

    async fn on_sample(&mut self, iteration: u32, host: String, _signal: &Signal) -> Reply {
        self.samples.push((iteration, host.clone()));
        Reply::success().with_message(format!("{iteration}@{host}"))
    }

    async fn on_explode(&mut self, _signal: &Signal) -> Reply {
        panic!("boom at the collector")
    }

    async fn on_subscribe(&mut self, _signal: &Signal) -> bool {
        self.subscribed.fetch_add(1, Ordering::SeqCst);
        true
    }

    async fn on_shutdown(&mut self, _signal: &Signal) {
        self.shutdowns += 1;
    }
}

async fn typed_responder(server: &RedisServer, id: &str) -> TypedSignalResponder<Benchmark> {
    within(
        server
            .responder()
            .responder_id(id)
            .typed::<Benchmark>()
            .connect(),
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn typed_exporter_with_typed_responders() {
    let server = RedisServer::start().await;
    let mut served = Vec::new();
    for id in ["c1", "c2"] {
        let responder = typed_responder(&server, id).await;
        served.push(tokio::spawn(async move {
            responder.serve(Collector::default()).await
        }));
    }
    let exporter = within(server.exporter("bench").typed::<Benchmark>().connect())
        .await
        .unwrap();
    within(exporter.initialize_and_wait(2)).await.unwrap();

    let report = within(exporter.publish(Benchmark::Start)).await.unwrap();
    assert_eq!(report.code, ResultCode::AllSucceeded);
    let report = within(
        exporter
            .publish(Benchmark::Sample {
                iteration: 3,
                host: "h1".into(),
            })
            .sample(0),
    )
    .await
    .unwrap();
    assert_eq!(report.code, ResultCode::AllSucceeded);
    assert_eq!(
        report.messages().collect::<Vec<_>>(),
        [("c1", "3@h1"), ("c2", "3@h1")]
    );
    let report = within(exporter.publish(Benchmark::Stop)).await.unwrap();
    assert_eq!(report.code, ResultCode::SomeFailed);
    assert_eq!(report.failed().count(), 2);

    // A panicking handler is answered with a failure carrying the panic text,
    // and serving goes on.
    let report = within(exporter.publish(Benchmark::Explode)).await.unwrap();
    assert_eq!(report.code, ResultCode::SomeFailed);
    let (_, message) = report.messages().next().unwrap();
    assert!(message.contains("boom at the collector"), "{message}");
    assert!(
        within(exporter.publish(Benchmark::Start))
            .await
            .unwrap()
            .all_succeeded()
    );

    within(exporter.shutdown()).await.unwrap();
    for task in served {
        let collector = within(task).await.unwrap().unwrap();
        assert_eq!(collector.samples, [(3, "h1".to_owned())]);
        assert_eq!(
            collector.shutdowns, 1,
            "serve returned after the exporter shut down"
        );
    }
}

#[tokio::test]
async fn unknown_events_and_undecodable_payloads_are_answered_with_failures() {
    let server = RedisServer::start().await;
    let responder = typed_responder(&server, "old").await;
    tokio::spawn(async move { responder.serve(Collector::default()).await });
    let exporter = within(server.exporter("bench").typed::<NewerBenchmark>().connect())
        .await
        .unwrap();
    within(exporter.initialize_and_wait(1)).await.unwrap();

    let report = within(exporter.publish(NewerBenchmark::Pause))
        .await
        .unwrap();
    assert_eq!(report.code, ResultCode::SomeFailed);
    assert_eq!(report.answers["old"].ras, Ras::FAILURE);
    let message = report.answers["old"].message.clone().unwrap();
    assert!(message.contains("unknown event `pause`"), "{message}");

    let report = within(exporter.publish(NewerBenchmark::Sample {
        iteration: "three".into(),
    }))
    .await
    .unwrap();
    assert_eq!(report.code, ResultCode::SomeFailed);
    let message = report.answers["old"].message.clone().unwrap();
    assert!(message.contains("field `iteration`"), "{message}");
    assert!(
        within(exporter.publish(NewerBenchmark::Start))
            .await
            .unwrap()
            .all_succeeded()
    );
}

#[tokio::test]
async fn the_process_filter_keeps_a_responder_out_of_unrelated_runs() {
    let server = RedisServer::start().await;
    let responder = within(
        server
            .responder()
            .responder_id("picky")
            .typed::<Benchmark>()
            .process_name("wanted")
            .keep_running(true)
            .connect(),
    )
    .await
    .unwrap();
    let subscribed = Arc::new(AtomicUsize::new(0));
    let collector = Collector {
        subscribed: subscribed.clone(),
        ..Collector::default()
    };
    tokio::spawn(async move { responder.serve(collector).await });

    let unrelated = within(server.exporter("unrelated").typed::<Benchmark>().connect())
        .await
        .unwrap();
    let err = within(
        unrelated
            .initialize_and_wait(1)
            .timeout(Duration::from_millis(500)),
    )
    .await;
    assert!(err.is_err(), "the filtered responder did not subscribe");
    // Signals from the unrelated exporter are not answered either.
    let report = within(
        unrelated
            .untyped()
            .publish_signal("start")
            .timeout(Duration::from_millis(300)),
    )
    .await
    .unwrap();
    assert!(report.answers.is_empty());

    let wanted = within(server.exporter("wanted").typed::<Benchmark>().connect())
        .await
        .unwrap();
    within(wanted.initialize_and_wait(1)).await.unwrap();
    assert_eq!(wanted.subscribers(), ["picky"]);
    assert_eq!(subscribed.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_republished_initialization_is_answered_again_but_subscribes_once() {
    let server = RedisServer::start().await;
    let responder = typed_responder(&server, "r").await;
    let subscribed = Arc::new(AtomicUsize::new(0));
    let collector = Collector {
        subscribed: subscribed.clone(),
        ..Collector::default()
    };
    tokio::spawn(async move { responder.serve(collector).await });
    let mut answers = server.raw_subscriber("event-signal-response").await;
    let exporter = within(server.exporter("bench").typed::<Benchmark>().connect())
        .await
        .unwrap();
    // Waits for two subscribers that never come, republishing every second.
    let err = within(
        exporter
            .initialize_and_wait(2)
            .periodic(true)
            .timeout(Duration::from_millis(2600)),
    )
    .await;
    assert!(err.is_err());
    let mut init_answers = 0;
    while let Ok(text) = answers.try_recv() {
        if text.contains("\"initialization\"") {
            init_answers += 1;
        }
    }
    // The first publish and the republish at 1 s at least (the one at 2 s too,
    // unless the machine stalls).
    assert!(
        init_answers >= 2,
        "answered the first publish and the republishes: {init_answers}"
    );
    assert_eq!(exporter.subscribers(), ["r"], "no duplicates in the set");
    assert_eq!(
        subscribed.load(Ordering::SeqCst),
        1,
        "the subscribe hook ran once"
    );
}

#[tokio::test]
async fn serve_until_stops_when_its_future_completes() {
    let server = RedisServer::start().await;
    let responder = typed_responder(&server, "r").await;
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        responder
            .serve_until(Collector::default(), async {
                let _ = stop_rx.await;
            })
            .await
    });
    stop_tx.send(()).unwrap();
    within(task).await.unwrap().unwrap();
}

/// Every option of the untyped builders is accepted after `typed::<E>()`,
/// and takes effect: here the idle timeout ends serving, and the exporter
/// side's options reach the connection.
#[tokio::test]
async fn every_builder_option_is_accepted_after_typed() {
    let server = RedisServer::start().await;
    let responder = within(
        state_signals::SignalResponder::builder()
            .typed::<Benchmark>()
            .options(server.options())
            .name("late-options")
            .queue_capacity(8)
            .process_name("no-such-benchmark")
            .keep_running(false)
            .idle_timeout(Duration::from_millis(200))
            .connect(),
    )
    .await
    .unwrap();
    let error = within(responder.serve(Collector::default()))
        .await
        .map(|_| ())
        .unwrap_err();
    assert!(
        matches!(error, state_signals::Error::IdleTimeout { idle, .. } if idle == Duration::from_millis(200)),
        "{error}"
    );

    let exporter = within(
        state_signals::SignalExporter::builder("late-options")
            .typed::<Benchmark>()
            .url(server.url())
            .number_samples(true)
            .evict_after(2)
            .runner_host("bench-host")
            .connect(),
    )
    .await
    .unwrap();
    assert_eq!(exporter.untyped().runner_host(), "bench-host");
    within(exporter.shutdown()).await.unwrap();
}
