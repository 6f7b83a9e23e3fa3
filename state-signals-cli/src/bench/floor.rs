//! The floor: the same two hops with bare redis-crate connections and
//! payloads of the same sizes, without the protocol layer.

use std::time::{Duration, Instant};

use futures_util::{StreamExt, stream};
use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, ProtocolVersion, PushInfo, PushKind};
use state_signals::{Channels, Ras, Response, Signal};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use super::Target;

/// A signal payload of the size the library sends.
fn signal_payload() -> String {
    Signal::new("bench")
        .with_publisher_id(format!("bench-{}", uuid_like()))
        .with_process_name("bench")
        .with_runner_host("runner-host")
        .with_sample_no(1)
        .to_json()
}

/// A response payload of the size the library sends.
fn response_payload() -> String {
    let id = format!("host-{}-resp", uuid_like());
    Response::new("bench")
        .with_responder_id(id)
        .with_publisher_id(format!("bench-{}", uuid_like()))
        .with_ras(Ras::SUCCESS)
        .to_json()
}

fn uuid_like() -> &'static str {
    "00000000-0000-4000-8000-000000000000"
}

/// A RESP3 connection whose pushes arrive on the returned receiver.
async fn connect(
    target: &Target,
) -> redis::RedisResult<(MultiplexedConnection, mpsc::UnboundedReceiver<PushInfo>)> {
    let client = redis::Client::open(target.url.as_str())?;
    let info = client.get_connection_info().clone();
    let settings = info
        .redis_settings()
        .clone()
        .set_protocol(ProtocolVersion::RESP3);
    let client = redis::Client::open(info.set_redis_settings(settings))?;
    let (tx, rx) = mpsc::unbounded_channel();
    let conn = client
        .get_multiplexed_async_connection_with_config(
            &AsyncConnectionConfig::new().set_push_sender(tx),
        )
        .await?;
    Ok((conn, rx))
}

fn is_message(push: &PushInfo) -> bool {
    push.kind == PushKind::Message
}

/// Connects `count` bare responders: each answers every message on the
/// signal channel with a response-sized message on the response channel.
pub async fn start_responders(target: &Target, count: usize) -> redis::RedisResult<JoinSet<()>> {
    let mut tasks = JoinSet::new();
    let channels = Channels::namespaced(&target.namespace);
    let mut connecting = stream::iter(0..count)
        .map(|_| {
            let channels = channels.clone();
            async move {
                let (mut conn, pushes) = connect(target).await?;
                conn.subscribe(channels.signals()).await?;
                Ok::<_, redis::RedisError>((conn, pushes, channels))
            }
        })
        .buffer_unordered(super::CONNECT_CONCURRENCY);
    let payload = response_payload();
    while let Some(connected) = connecting.next().await {
        let (mut conn, mut pushes, channels) = connected?;
        let payload = payload.clone();
        tasks.spawn(async move {
            while let Some(push) = pushes.recv().await {
                if is_message(&push) {
                    let _: redis::RedisResult<usize> = redis::cmd("PUBLISH")
                        .arg(channels.responses())
                        .arg(&payload)
                        .query_async(&mut conn)
                        .await;
                }
            }
        });
    }
    Ok(tasks)
}

/// The floor's exporter: publishes, then counts answers.
pub struct Exporter {
    conn: MultiplexedConnection,
    pushes: mpsc::UnboundedReceiver<PushInfo>,
    channels: Channels,
    payload: String,
    count: usize,
}

impl Exporter {
    pub async fn connect(target: &Target) -> redis::RedisResult<Self> {
        let channels = Channels::namespaced(&target.namespace);
        let (mut conn, pushes) = connect(target).await?;
        conn.subscribe(channels.responses()).await?;
        Ok(Self {
            conn,
            pushes,
            channels,
            payload: signal_payload(),
            count: 0,
        })
    }

    /// Publishes and waits for `count` answers (the floor of `initialize_and_wait`).
    pub async fn init_wait(&mut self, count: usize) -> redis::RedisResult<Duration> {
        self.count = count;
        let started = Instant::now();
        self.round_trip(0).await?;
        Ok(started.elapsed())
    }

    /// One publish and all its answers; how many answered within 10 s.
    pub async fn round_trip(&mut self, _sample: i64) -> redis::RedisResult<(Duration, usize)> {
        let started = Instant::now();
        let _: usize = redis::cmd("PUBLISH")
            .arg(self.channels.signals())
            .arg(&self.payload)
            .query_async(&mut self.conn)
            .await?;
        let mut answered = 0;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while answered < self.count {
            match tokio::time::timeout_at(deadline, self.pushes.recv()).await {
                Ok(Some(push)) if is_message(&push) => answered += 1,
                Ok(Some(_)) => {}
                Ok(None) | Err(_) => break,
            }
        }
        Ok((started.elapsed(), answered))
    }
}
