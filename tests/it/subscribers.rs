//! The subscriber set: initialization answers, expected responders, late
//! joiners, waiting for a count, periodic republish, shutdown.

use state_signals_test_support as common;

use std::time::Duration;

use common::{RedisServer, spawn_answering, within};
use futures_util::StreamExt;
use state_signals::{Error, ExporterEvent, Reply, ResultCode};

const EVENTS: [&str; 1] = ["start"];

#[tokio::test]
async fn expected_responders_match_a_fixed_responder_id() {
    let server = RedisServer::start().await;
    let exporter = within(server.exporter("bench").connect()).await.unwrap();
    let responder = within(server.responder().responder_id("collector-a").connect())
        .await
        .unwrap();
    // Never answers initialization: it is expected, not subscribed.
    let (responder, mut signals) = responder.split();
    tokio::spawn(async move {
        while let Some(signal) = signals.next().await {
            if signal.event == "start" {
                let _ = responder.respond_to(&signal, Reply::success()).await;
            }
        }
    });
    within(
        exporter
            .initialize_and_wait(1, EVENTS)
            .expected_responders(["collector-a"]),
    )
    .await
    .unwrap();
    assert_eq!(exporter.subscribers(), ["collector-a"]);
    let report = within(exporter.publish_signal("start")).await.unwrap();
    assert_eq!(report.code, ResultCode::AllSucceeded);
    assert!(report.answers.contains_key("collector-a"));
}

#[tokio::test]
async fn late_joiners_and_repeated_answers() {
    let server = RedisServer::start().await;
    let exporter = within(server.exporter("bench").connect()).await.unwrap();
    let mut events = exporter.events();
    within(exporter.initialize(EVENTS)).await.unwrap();
    assert_eq!(exporter.subscriber_count(), 0);
    // A responder that starts after initialize joins by answering the
    // exporter's initialization whenever it learns the publisher id.
    let late = within(server.responder().responder_id("late").connect())
        .await
        .unwrap();
    for _ in 0..3 {
        within(
            late.handle()
                .respond(exporter.publisher_id(), "initialization", Reply::ack()),
        )
        .await
        .unwrap();
    }
    // An answer with a ras subscribes too.
    within(
        late.handle()
            .respond(exporter.publisher_id(), "initialization", Reply::success()),
    )
    .await
    .unwrap();
    assert_eq!(next_joined(&mut events).await, "late");
    assert_eq!(exporter.subscriber_count(), 1);
    // An answer to another exporter subscribes nobody here.
    within(
        late.handle()
            .respond("someone-else", "initialization", Reply::ack()),
    )
    .await
    .unwrap();
    let other = within(server.responder().responder_id("other").connect())
        .await
        .unwrap();
    within(
        other
            .handle()
            .respond(exporter.publisher_id(), "initialization", Reply::ack()),
    )
    .await
    .unwrap();
    assert_eq!(
        next_joined(&mut events).await,
        "other",
        "repeated answers added nobody twice"
    );
    assert_eq!(exporter.subscribers(), ["late", "other"]);
}

#[tokio::test]
async fn initialize_and_wait_returns_when_the_count_is_reached() {
    let server = RedisServer::start().await;
    for i in 0..3 {
        let r = within(server.responder().responder_id(format!("r{i}")).connect())
            .await
            .unwrap();
        spawn_answering(r, |_| Some(Reply::success()));
    }
    let exporter = within(server.exporter("bench").connect()).await.unwrap();
    within(exporter.initialize_and_wait(3, EVENTS))
        .await
        .unwrap();
    assert_eq!(exporter.subscriber_count(), 3);
}

#[tokio::test]
async fn initialize_and_wait_times_out_with_counts_and_stays_initialized() {
    let server = RedisServer::start().await;
    let r = within(server.responder().responder_id("only").connect())
        .await
        .unwrap();
    spawn_answering(r, |_| Some(Reply::success()));
    let exporter = within(server.exporter("bench").connect()).await.unwrap();
    let err = within(
        exporter
            .initialize_and_wait(2, EVENTS)
            .timeout(Duration::from_millis(400)),
    )
    .await
    .unwrap_err();
    match err {
        Error::SubscribersTimeout {
            expected,
            arrived,
            waited,
            ..
        } => {
            assert_eq!((expected, arrived), (2, 1));
            assert!(waited >= Duration::from_millis(400));
        }
        other => panic!("unexpected {other}"),
    }
    assert!(exporter.is_initialized());
    // A late subscriber still joins.
    let late = within(server.responder().responder_id("late").connect())
        .await
        .unwrap();
    within(
        late.handle()
            .respond(exporter.publisher_id(), "initialization", Reply::ack()),
    )
    .await
    .unwrap();
    let mut count = exporter.subscriber_count();
    let mut events = exporter.events();
    while count < 2 {
        next_joined(&mut events).await;
        count = exporter.subscriber_count();
    }
    assert_eq!(exporter.subscribers(), ["late", "only"]);
}

/// `initialize_and_wait(1)` while a responder starts once the first
/// `initialization` signal went out (seen on the wire).
async fn wait_for_a_late_starter(
    periodic: bool,
    timeout: Duration,
) -> (state_signals::Result<()>, Vec<String>) {
    let server = RedisServer::start().await;
    let mut wire = server.raw_subscriber("event-signal-pubsub").await;
    let exporter = within(server.exporter("bench").connect()).await.unwrap();
    let late_start = async {
        common::next_json(&mut wire).await;
        let r = server
            .responder()
            .responder_id("late")
            .connect()
            .await
            .unwrap();
        spawn_answering(r, |_| Some(Reply::success()));
    };
    let wait = exporter
        .initialize_and_wait(1, EVENTS)
        .periodic(periodic)
        .timeout(timeout);
    let (waited, ()) = within(async { tokio::join!(wait.into_future(), late_start) }).await;
    (waited, exporter.subscribers())
}

#[tokio::test]
async fn periodic_republish_reaches_responders_that_start_late() {
    let (waited, subscribers) = wait_for_a_late_starter(true, Duration::from_secs(5)).await;
    waited.unwrap();
    assert_eq!(subscribers, ["late"]);
}

#[tokio::test]
async fn without_periodic_a_late_responder_is_not_reached() {
    let (waited, subscribers) = wait_for_a_late_starter(false, Duration::from_millis(1500)).await;
    assert!(matches!(
        waited,
        Err(Error::SubscribersTimeout { arrived: 0, .. })
    ));
    assert!(subscribers.is_empty());
}

#[tokio::test]
async fn shutdown_clears_subscribers_and_stops_accepting() {
    let server = RedisServer::start().await;
    let mut wire = server.raw_subscriber("event-signal-pubsub").await;
    let exporter = within(server.exporter("bench").connect()).await.unwrap();
    let mut events = exporter.events();
    within(exporter.initialize(EVENTS).expected_responders(["x"]))
        .await
        .unwrap();
    common::next_json(&mut wire).await;
    within(exporter.shutdown()).await.unwrap();
    assert_eq!(common::next_json(&mut wire).await["event"], "shutdown");
    assert_eq!(exporter.subscriber_count(), 0);
    assert!(!exporter.is_initialized());
    let answer = |id: &str| {
        format!(
            r#"{{"responder_id":"{id}","publisher_id":"{}","event":"initialization"}}"#,
            exporter.publisher_id()
        )
    };
    // Answered after shutdown: ignored. Then, initialized again, a marker
    // answer that Redis delivers after the first one joins alone.
    server
        .publish_raw("event-signal-response", answer("ghost"))
        .await;
    within(exporter.initialize(EVENTS)).await.unwrap();
    server
        .publish_raw("event-signal-response", answer("marker"))
        .await;
    assert_eq!(next_joined(&mut events).await, "x");
    assert_eq!(next_joined(&mut events).await, "marker");
    assert_eq!(exporter.subscribers(), ["marker"]);
}

#[tokio::test]
async fn progress_events_report_answers_as_they_arrive() {
    let server = RedisServer::start().await;
    for i in 0..2 {
        let r = within(server.responder().responder_id(format!("r{i}")).connect())
            .await
            .unwrap();
        spawn_answering(r, |_| Some(Reply::success()));
    }
    let exporter = within(server.exporter("bench").connect()).await.unwrap();
    within(exporter.initialize_and_wait(2, EVENTS))
        .await
        .unwrap();
    let mut events = exporter.events();
    within(exporter.publish_signal("start")).await.unwrap();
    let mut answered = Vec::new();
    while let Some(Some(event)) = futures_util::FutureExt::now_or_never(events.recv()) {
        if let ExporterEvent::Answered {
            answered: n,
            expected,
            event,
            ..
        } = event
        {
            assert_eq!((expected, event.as_str()), (2, "start"));
            answered.push(n);
        }
    }
    assert_eq!(answered, [1, 2]);
}

use std::future::IntoFuture;

/// The id of the next subscriber to join, skipping other events.
async fn next_joined(events: &mut state_signals::ExporterEvents) -> String {
    loop {
        if let ExporterEvent::SubscriberJoined { responder_id, .. } =
            within(events.recv()).await.unwrap()
        {
            return responder_id;
        }
    }
}

#[tokio::test]
async fn shutdown_ends_a_publish_in_flight_at_once() {
    let server = RedisServer::start().await;
    let silent = within(server.responder().responder_id("silent").connect())
        .await
        .unwrap();
    spawn_answering(silent, |_| None);
    let exporter = within(server.exporter("bench").connect()).await.unwrap();
    within(exporter.initialize_and_wait(1, EVENTS))
        .await
        .unwrap();
    let mut wire = server.raw_subscriber("event-signal-pubsub").await;
    // Far longer than the test limit: only the shutdown can end it in time.
    let publish = exporter
        .publish_signal("start")
        .timeout(Duration::from_secs(600));
    let stop = async {
        common::next_json(&mut wire).await;
        exporter.shutdown().await
    };
    let (report, stopped) = within(async { tokio::join!(publish.into_future(), stop) }).await;
    stopped.unwrap();
    let report = report.unwrap();
    assert_eq!(report.code, ResultCode::SomeMissing, "{report:?}");
    assert!(report.missing.contains("silent"), "{report:?}");
    assert!(!exporter.is_initialized());
}

#[tokio::test]
async fn answers_from_outside_the_set_are_reported_and_the_set_can_be_edited() {
    let server = RedisServer::start().await;
    let exporter = within(server.exporter("bench").connect()).await.unwrap();
    within(exporter.initialize(EVENTS).expected_responders(["real"]))
        .await
        .unwrap();

    // An outsider answers before the subscriber (one connection, in order):
    // reported with its message, not counted.
    let mut wire = server.raw_subscriber("event-signal-pubsub").await;
    let publish = exporter.publish_signal("start");
    let answers = async {
        let signal = common::next_json(&mut wire).await;
        let publisher = signal["publisher_id"].as_str().unwrap();
        let rest = r#","sample_no":-1,"tag":"No tag specified""#;
        let outsider = common::raw_answer(
            "stranger",
            publisher,
            "start",
            &format!(r#","ras":0,"message":"not mine"{rest}"#),
        );
        let real = common::raw_answer(
            "real",
            publisher,
            "start",
            &format!(r#","ras":1,"message":"done"{rest}"#),
        );
        server
            .publish_raw_in_order("event-signal-response", [outsider, real])
            .await;
    };
    let (report, ()) =
        within(async { tokio::join!(std::future::IntoFuture::into_future(publish), answers) })
            .await;
    let report = report.unwrap();
    assert_eq!(report.code, ResultCode::AllSucceeded, "{report:?}");
    assert_eq!(
        report.outsiders["stranger"].message.as_deref(),
        Some("not mine")
    );
    assert!(!report.answers.contains_key("stranger"));
    let messages: Vec<_> = report.messages().collect();
    assert_eq!(messages, [("real", "done"), ("stranger", "not mine")]);

    // A subscriber added by hand is waited for, and reported missing.
    assert!(exporter.add_subscriber("ghost"));
    assert!(!exporter.add_subscriber("ghost"));
    let report = within(
        exporter
            .publish_signal("start")
            .timeout(Duration::from_millis(300)),
    )
    .await
    .unwrap();
    assert_eq!(report.code, ResultCode::SomeMissing, "{report:?}");
    assert!(report.missing.contains("ghost") && report.missing.contains("real"));
    assert!(exporter.remove_subscriber("ghost"));
    assert!(exporter.remove_subscriber("real"));
    let report = within(exporter.publish_signal("start")).await.unwrap();
    assert_eq!(
        report.code,
        ResultCode::AllSucceeded,
        "nobody to wait for: {report:?}"
    );
}

/// No silent wait: `initialize_and_wait` without `periodic` says within a
/// few seconds what it waits for, and that responders connecting after the
/// initialization need `periodic`.
#[tokio::test]
async fn a_quiet_wait_says_what_it_waits_for_and_names_periodic() {
    let mut logs = common::logs::capture();
    let server = RedisServer::start().await;
    let exporter = within(server.exporter("bench").connect()).await.unwrap();
    let wait = exporter
        .initialize_and_wait(1, EVENTS)
        .timeout(Duration::from_secs(60));
    tokio::select! {
        result = wait => panic!("the wait ended with no subscriber: {result:?}"),
        line = within(logs.line_with("waiting for subscribers")) => {
            let line = line.expect("a log line");
            assert!(line.contains("INFO"), "{line}");
            assert!(line.contains("expected=1") && line.contains("arrived=0"), "{line}");
            assert!(line.contains("periodic(true)"), "{line}");
        }
    }
}

/// Dropping the last handle ends the signal stream: `recv` returns `None`
/// (it used to wait forever) and the `Stream` ends.
#[tokio::test]
async fn dropping_the_handle_ends_the_signals() {
    let server = RedisServer::start().await;
    let responder = within(server.responder().connect()).await.unwrap();
    let (handle, mut signals) = responder.split();
    let exporter = within(server.exporter("bench").connect()).await.unwrap();
    within(
        exporter
            .publish_signal("tick")
            .timeout(Duration::from_millis(1)),
    )
    .await
    .unwrap();
    let signal = within(signals.recv()).await.expect("the signal");
    assert_eq!(signal.event, "tick");
    drop(handle);
    assert!(within(signals.recv()).await.is_none());
    assert!(within(signals.next()).await.is_none());
}
