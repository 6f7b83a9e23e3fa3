//! The string-level serve loop: the subscribe hook runs once per exporter
//! (declined ones too), serving ends when answers are refused for lack of
//! permission, and the idle limit ends it when no served exporter speaks.

use state_signals_test_support as common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{RedisServer, next_json, within};
use state_signals::{Error, Handler, Reply, Signal};

fn initialization(publisher_id: &str) -> String {
    format!(
        r#"{{"publisher_id":"{publisher_id}","process_name":"p","event":"initialization","runner_host":"h"}}"#
    )
}

/// Serves only exporter `wanted`, and records every hook call.
#[derive(Debug)]
struct Picky {
    asked: Arc<Mutex<Vec<String>>>,
}

impl Handler for Picky {
    async fn on_signal(&mut self, _signal: &Signal) -> Reply {
        Reply::success()
    }

    async fn on_subscribe(&mut self, signal: &Signal) -> bool {
        self.asked.lock().unwrap().push(signal.publisher_id.clone());
        signal.publisher_id == "wanted"
    }
}

#[tokio::test]
async fn the_subscribe_hook_runs_once_per_exporter_even_when_it_declines() {
    let server = RedisServer::start().await;
    let mut answers = server.raw_subscriber("event-signal-response").await;
    let responder = within(
        server
            .responder()
            .responder_id("r")
            .keep_running(true)
            .connect(),
    )
    .await
    .unwrap();
    let asked = Arc::new(Mutex::new(Vec::new()));
    tokio::spawn(responder.serve(Picky {
        asked: asked.clone(),
    }));
    // A declined exporter republishes its initialization (as `periodic` does),
    // then a wanted one publishes: its answer proves the others were read.
    for _ in 0..3 {
        server
            .publish_raw("event-signal-pubsub", initialization("declined"))
            .await;
    }
    server
        .publish_raw("event-signal-pubsub", initialization("wanted"))
        .await;
    server
        .publish_raw("event-signal-pubsub", initialization("wanted"))
        .await;
    for _ in 0..2 {
        let answer = next_json(&mut answers).await;
        assert_eq!(answer["publisher_id"], "wanted", "{answer}");
        assert_eq!(answer["event"], "initialization");
    }
    assert_eq!(
        *asked.lock().unwrap(),
        ["declined", "wanted"],
        "one question per exporter, republished initializations included"
    );
}

#[tokio::test]
async fn serving_ends_with_an_error_when_answers_are_not_permitted() {
    let server = RedisServer::start().await;
    // May read signals, may not publish answers.
    server
        .acl_setuser(
            "reader",
            &[
                "on",
                ">pw",
                "resetchannels",
                "&event-signal-pubsub",
                "+@all",
            ],
        )
        .await;
    let url = format!("redis://reader:pw@127.0.0.1:{}", server.port());
    let responder = within(state_signals::SignalResponder::builder().url(url).connect())
        .await
        .unwrap();
    let serving = tokio::spawn(responder.serve(Picky {
        asked: Arc::default(),
    }));
    server
        .publish_raw("event-signal-pubsub", initialization("wanted"))
        .await;
    let error = within(serving).await.unwrap().unwrap_err();
    assert!(
        error.is_permission_denied(),
        "serve ends with the refusal: {error}"
    );
}

#[tokio::test]
async fn serving_gives_up_after_the_idle_limit() {
    let server = RedisServer::start().await;
    let responder = within(
        server
            .responder()
            .idle_timeout(Duration::from_millis(200))
            .connect(),
    )
    .await
    .unwrap();
    let error = within(responder.serve(Picky {
        asked: Arc::default(),
    }))
    .await
    .unwrap_err();
    assert!(
        matches!(error, Error::IdleTimeout { idle, .. } if idle == Duration::from_millis(200)),
        "{error}"
    );
}

/// Subscribes to every exporter once `release` fires; answers success.
struct Hesitant {
    release: Option<tokio::sync::oneshot::Receiver<()>>,
}

impl Handler for Hesitant {
    async fn on_signal(&mut self, _signal: &Signal) -> Reply {
        Reply::success()
    }

    async fn on_subscribe(&mut self, _signal: &Signal) -> bool {
        if let Some(release) = self.release.take() {
            let _ = release.await;
        }
        true
    }
}

#[tokio::test]
async fn signals_of_an_exporter_being_decided_are_kept() {
    let server = RedisServer::start().await;
    let (release, released) = tokio::sync::oneshot::channel();
    let responder = within(server.responder().responder_id("r").connect())
        .await
        .unwrap();
    tokio::spawn(responder.serve(Hesitant {
        release: Some(released),
    }));
    let exporter = within(server.exporter("bench").connect()).await.unwrap();
    let mut wire = server.raw_subscriber("event-signal-pubsub").await;
    // Expected responders: the publish follows the initialization at once,
    // while the responder's hook has not decided yet.
    within(exporter.initialize(["tick"]).expected_responders(["r"]))
        .await
        .unwrap();
    let publish = exporter.publish_signal("tick");
    let decide_late = async {
        for _ in 0..2 {
            next_json(&mut wire).await; // initialization, then tick
        }
        release.send(()).unwrap();
    };
    let (report, ()) =
        within(async { tokio::join!(std::future::IntoFuture::into_future(publish), decide_late) })
            .await;
    let report = report.unwrap();
    assert_eq!(
        report.code,
        state_signals::ResultCode::AllSucceeded,
        "{report:?}"
    );
}
