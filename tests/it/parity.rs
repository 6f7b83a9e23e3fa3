//! The same scenarios on a real `redis-server` and on the in-memory bus,
//! from one definition (`parity!` below), so that the bus cannot drift
//! from Redis: initialize and wait, publish with success / failure /
//! missing, locks, shutdown, namespaces, reserved events, the typed layer,
//! periodic republish, a monitor, and dropped connections.

use state_signals_test_support as common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::{RedisServer, spawn_answering, within};
use futures_util::StreamExt;
use state_signals::{
    Channels, ConnectOptions, ExporterEvent, MemoryBus, Observed, Reply, ResultCode, Signal,
    SignalEvents, SignalExporter, SignalExporterBuilder, SignalMonitor, SignalResponder,
    SignalResponderBuilder,
};

/// Where a scenario runs.
enum Env {
    Redis(RedisServer),
    Memory(MemoryBus),
}

impl Env {
    async fn redis() -> Self {
        Self::Redis(RedisServer::start().await)
    }

    fn memory() -> Self {
        Self::Memory(MemoryBus::new())
    }

    fn options(&self) -> ConnectOptions {
        match self {
            Self::Redis(server) => server.options(),
            Self::Memory(bus) => ConnectOptions::in_memory(bus),
        }
    }

    fn exporter(&self, process: &str) -> SignalExporterBuilder {
        SignalExporter::builder(process).options(self.options())
    }

    fn responder(&self, id: &str) -> SignalResponderBuilder {
        SignalResponder::builder()
            .options(self.options())
            .responder_id(id)
    }

    /// Connects a responder answering with `reply(event)` (`None`: never).
    async fn answering(&self, id: &str, reply: fn(&str) -> Option<Reply>) {
        let responder = within(self.responder(id).connect()).await.unwrap();
        spawn_answering(responder, reply);
    }

    /// Responders `r1` (answering success) and `id` (answering with
    /// `reply`), and an exporter that waited for both.
    async fn two_subscribed(&self, id: &str, reply: fn(&str) -> Option<Reply>) -> SignalExporter {
        self.answering("r1", ok).await;
        self.answering(id, reply).await;
        let exporter = within(self.exporter("p").connect()).await.unwrap();
        within(exporter.initialize_and_wait(2, ["start"]))
            .await
            .unwrap();
        exporter
    }

    /// How many connections listen on the default signal channel.
    async fn signal_subscribers(&self) -> usize {
        let channel = Channels::default().signals().to_owned();
        match self {
            Self::Redis(server) => server.numsub(&channel).await,
            Self::Memory(bus) => bus.subscribers(&channel),
        }
    }

    /// Drops every client connection at once (Redis: `CLIENT KILL`).
    async fn drop_connections(&self) {
        match self {
            Self::Redis(server) => {
                let mut conn = server.connection().await;
                for kind in ["pubsub", "normal"] {
                    let _: redis::RedisResult<i64> = redis::cmd("CLIENT")
                        .arg("KILL")
                        .arg("TYPE")
                        .arg(kind)
                        .arg("SKIPME")
                        .arg("yes")
                        .query_async(&mut conn)
                        .await;
                }
            }
            Self::Memory(bus) => bus.drop_connections(),
        }
    }
}

fn ok(_: &str) -> Option<Reply> {
    Some(Reply::success())
}

fn ids(set: impl IntoIterator<Item = String>) -> BTreeSet<String> {
    set.into_iter().collect()
}

/// Each scenario: one `async fn(&Env)`, the same assertions on both backends.
mod scenarios {
    use super::*;

    pub async fn initialize_and_wait_counts_subscribers(env: &Env) {
        let exporter = env.two_subscribed("r2", ok).await;
        assert_eq!(ids(exporter.subscribers()), ids(["r1".into(), "r2".into()]));
    }

    pub async fn publish_all_succeeded(env: &Env) {
        let exporter = env.two_subscribed("r2", ok).await;
        let report = within(exporter.publish_signal("start")).await.unwrap();
        assert_eq!(report.code, ResultCode::AllSucceeded);
        assert_eq!(report.answers.len(), 2);
        assert_eq!(report.receivers, 2, "PUBLISH counts both responders");
    }

    pub async fn a_failure_is_reported_with_its_message(env: &Env) {
        let exporter = env
            .two_subscribed("r2", |_| Some(Reply::failure("disk full")))
            .await;
        let report = within(exporter.publish_signal("start")).await.unwrap();
        assert_eq!(report.code, ResultCode::SomeFailed);
        assert_eq!(report.answers["r2"].message.as_deref(), Some("disk full"));
        assert!(report.answers["r1"].ras.is_success());
    }

    pub async fn a_silent_subscriber_is_reported_missing(env: &Env) {
        let exporter = env.two_subscribed("stuck", |_| None).await;
        let report = within(
            exporter
                .publish_signal("start")
                .timeout(Duration::from_millis(300)),
        )
        .await
        .unwrap();
        assert_eq!(report.code, ResultCode::SomeMissing);
        assert_eq!(ids(report.missing), ids(["stuck".into()]));
    }

    pub async fn a_tag_lock_keeps_a_responder_out(env: &Env) {
        env.answering("r1", ok).await;
        let locked = within(env.responder("locked").connect()).await.unwrap();
        locked.handle().lock_tag("another-run");
        spawn_answering(locked, ok);
        let exporter = within(env.exporter("p").connect()).await.unwrap();
        within(exporter.initialize_and_wait(1, ["start"]).tag("this-run"))
            .await
            .unwrap();
        let report = within(exporter.publish_signal("start").tag("this-run"))
            .await
            .unwrap();
        assert_eq!(ids(report.answers.into_keys()), ids(["r1".into()]));
        assert_eq!(exporter.subscribers(), ["r1"]);
    }

    pub async fn shutdown_ends_serving(env: &Env) {
        struct Ok;
        impl state_signals::Handler for Ok {
            async fn on_signal(&mut self, _signal: &Signal) -> Reply {
                Reply::success()
            }
        }
        let responder = within(env.responder("r1").connect()).await.unwrap();
        let serving = tokio::spawn(responder.serve(Ok));
        let exporter = within(env.exporter("p").connect()).await.unwrap();
        within(exporter.initialize_and_wait(1, ["start"]))
            .await
            .unwrap();
        within(exporter.shutdown()).await.unwrap();
        within(serving).await.unwrap().unwrap();
        assert!(exporter.subscribers().is_empty());
    }

    pub async fn namespaces_isolate(env: &Env) {
        let other = within(
            SignalResponder::builder()
                .options(env.options().namespace("other"))
                .connect(),
        )
        .await
        .unwrap();
        spawn_answering(other, ok);
        let exporter = within(env.exporter("p").connect()).await.unwrap();
        let err = within(
            exporter
                .initialize_and_wait(1, ["start"])
                .timeout(Duration::from_millis(300)),
        )
        .await
        .unwrap_err();
        assert!(
            matches!(
                err,
                state_signals::Error::SubscribersTimeout { arrived: 0, .. }
            ),
            "{err}"
        );
    }

    pub async fn reserved_and_illegal_events_are_refused(env: &Env) {
        let exporter = within(env.exporter("p").connect()).await.unwrap();
        within(exporter.initialize(["start"])).await.unwrap();
        let err = within(exporter.publish_signal("initialization"))
            .await
            .unwrap_err();
        assert!(
            matches!(err, state_signals::Error::ReservedEvent { .. }),
            "{err}"
        );
        let err = within(exporter.publish_signal("stop")).await.unwrap_err();
        assert!(
            matches!(err, state_signals::Error::IllegalEvent { .. }),
            "{err}"
        );
    }

    #[derive(SignalEvents, Debug, PartialEq)]
    enum Phase {
        Start,
        Sample { iteration: u32 },
    }

    struct Counter;
    impl PhaseHandler for Counter {
        async fn on_start(&mut self, _signal: &Signal) -> Reply {
            Reply::success()
        }
        async fn on_sample(&mut self, iteration: u32, _signal: &Signal) -> Reply {
            Reply::success().with_message(format!("sample {iteration}"))
        }
    }

    pub async fn the_typed_layer_round_trips(env: &Env) {
        let responder = within(env.responder("typed").typed::<Phase>().connect())
            .await
            .unwrap();
        tokio::spawn(responder.serve(Counter));
        let exporter = within(env.exporter("p").typed::<Phase>().connect())
            .await
            .unwrap();
        within(exporter.initialize_and_wait(1)).await.unwrap();
        let report = within(exporter.publish(Phase::Sample { iteration: 7 }))
            .await
            .unwrap();
        assert_eq!(report.answers["typed"].message.as_deref(), Some("sample 7"));
    }

    pub async fn periodic_initialization_reaches_a_late_responder(env: &Env) {
        let exporter = within(env.exporter("p").connect()).await.unwrap();
        let mut events = exporter.events();
        let waiting = exporter.initialize_and_wait(1, ["start"]).periodic(true);
        let late = async {
            // The responder connects once the exporter listens for answers.
            while !matches!(events.next().await, Some(ExporterEvent::Subscribed)) {}
            env.answering("late", ok).await;
        };
        let (waited, ()) = within(async { tokio::join!(async { waiting.await }, late) }).await;
        waited.unwrap();
        assert_eq!(exporter.subscribers(), ["late"]);
    }

    pub async fn a_monitor_sees_every_signal(env: &Env) {
        let mut monitor = within(SignalMonitor::builder().options(env.options()).connect())
            .await
            .unwrap();
        let exporter = within(env.exporter("p").connect()).await.unwrap();
        within(exporter.initialize(["start"])).await.unwrap();
        within(exporter.publish_signal("start").timeout(Duration::ZERO))
            .await
            .unwrap();
        within(exporter.shutdown()).await.unwrap();
        let mut events = Vec::new();
        while events.len() < 3 {
            match within(monitor.recv()).await {
                Some(Observed::Signal(signal)) => events.push(signal.event),
                Some(_) => {}
                None => panic!("monitor ended"),
            }
        }
        assert_eq!(events, ["initialization", "start", "shutdown"]);
    }

    pub async fn a_dropped_connection_is_survived(env: &Env) {
        env.answering("r1", ok).await;
        let exporter = within(env.exporter("p").connect()).await.unwrap();
        within(exporter.initialize_and_wait(1, ["start"]))
            .await
            .unwrap();
        let mut events = exporter.events();
        env.drop_connections().await;
        within(async {
            while !matches!(events.next().await, Some(ExporterEvent::ConnectionLost)) {}
            while !matches!(events.next().await, Some(ExporterEvent::Subscribed)) {}
            // The responder is back on the signal channel too.
            while env.signal_subscribers().await < 1 {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await;
        let report = within(exporter.publish_signal("start")).await.unwrap();
        assert_eq!(report.code, ResultCode::AllSucceeded, "{report:?}");
    }
}

/// Runs every named scenario once on Redis and once on the bus.
macro_rules! parity {
    ($($scenario:ident),* $(,)?) => {
        mod on_redis {
            $(
                #[tokio::test]
                async fn $scenario() {
                    let env = super::Env::redis().await;
                    super::scenarios::$scenario(&env).await;
                }
            )*
        }
        mod on_memory_bus {
            $(
                #[tokio::test]
                async fn $scenario() {
                    let env = super::Env::memory();
                    super::scenarios::$scenario(&env).await;
                }
            )*
        }
    };
}

parity!(
    initialize_and_wait_counts_subscribers,
    publish_all_succeeded,
    a_failure_is_reported_with_its_message,
    a_silent_subscriber_is_reported_missing,
    a_tag_lock_keeps_a_responder_out,
    shutdown_ends_serving,
    namespaces_isolate,
    reserved_and_illegal_events_are_refused,
    the_typed_layer_round_trips,
    periodic_initialization_reaches_a_late_responder,
    a_monitor_sees_every_signal,
    a_dropped_connection_is_survived,
);
