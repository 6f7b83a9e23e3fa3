//! The library side of the benchmark: real `SignalResponder`s and a `SignalExporter`.

use std::time::{Duration, Instant};

use futures_util::{StreamExt, stream};
use state_signals::{Handler, Reply, Result, Signal, SignalExporter, SignalResponder};
use tokio::task::JoinSet;

use super::Target;

/// The one legal event of the benchmark.
pub const EVENT: &str = "bench";

/// Answers every signal with ras 1.
struct Succeed;

impl Handler for Succeed {
    async fn on_signal(&mut self, _signal: &Signal) -> Reply {
        Reply::success()
    }
}

/// Connects `count` responders (many at once, not all at once) and serves
/// each in its own task with the library's serve loop, answering ras 1.
/// Dropping the returned set ends them and closes their connections.
pub async fn start_responders(target: &Target, count: usize) -> Result<JoinSet<()>> {
    let mut tasks = JoinSet::new();
    let mut connecting = stream::iter(0..count)
        .map(|_| {
            SignalResponder::builder()
                .options(target.options())
                .keep_running(true)
                .connect()
        })
        .buffer_unordered(super::CONNECT_CONCURRENCY);
    while let Some(responder) = connecting.next().await {
        let responder = responder?;
        tasks.spawn(async move {
            if let Err(error) = responder.serve(Succeed).await {
                tracing::warn!(%error, "bench responder stopped");
            }
        });
    }
    Ok(tasks)
}

/// The exporter half.
pub struct Exporter {
    exporter: SignalExporter,
}

impl Exporter {
    pub async fn connect(target: &Target, trace: bool) -> Result<Self> {
        let exporter = SignalExporter::builder("bench")
            .options(target.options())
            .trace_context(trace)
            .connect()
            .await?;
        Ok(Self { exporter })
    }

    /// `initialize_and_wait(count)`, without expected responders.
    pub async fn init_wait(&self, count: usize) -> Result<Duration> {
        let started = Instant::now();
        self.exporter
            .initialize_and_wait(count, [EVENT])
            .timeout(Duration::from_secs(120))
            .await?;
        Ok(started.elapsed())
    }

    /// One publish, from the call to the complete report; and how many answered.
    pub async fn round_trip(&self, sample: i64) -> Result<(Duration, usize)> {
        let started = Instant::now();
        let report = self
            .exporter
            .publish_signal(EVENT)
            .sample(sample)
            .timeout(Duration::from_secs(10))
            .await?;
        Ok((started.elapsed(), report.answers.len()))
    }

    pub async fn shutdown(&self) -> Result<()> {
        self.exporter.shutdown().await
    }
}
