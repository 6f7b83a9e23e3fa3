//! The exporter of the README's API tour: waits for N responders (default
//! 1), publishes two events, shuts down. Exits 0 when every responder
//! succeeded, 1 when one failed, 2 when one never answered.
//!
//! ```text
//! cargo run --example responder        # terminal 1 (and 2, 3 …)
//! cargo run --example exporter -- 1    # terminal 2: wait for 1 responder
//! ```

use state_signals::{ResultCode, SignalExporter};
use std::time::Duration;

#[tokio::main]
async fn main() -> state_signals::Result<()> {
    tracing_subscriber::fmt().with_env_filter("info").init(); // the library logs through `tracing`
    let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let count: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(1);

    let exporter = SignalExporter::builder("my-benchmark")
        .url(url) // or .options(ConnectOptions::host_port(..).namespace(..) …)
        .connect() // retried once a second for 20 s by default
        .await?;

    // Subscribe to answers, publish `initialization`, wait for `count` subscribers.
    exporter
        .initialize_and_wait(count, ["benchmark-start", "benchmark-stop"])
        .periodic(true) // republish every second for late starters
        .timeout(Duration::from_secs(60))
        .await?;

    let mut worst = ResultCode::AllSucceeded;
    for (sample, event) in ["benchmark-start", "benchmark-stop"]
        .into_iter()
        .enumerate()
    {
        let report = exporter
            .publish_signal(event)
            .sample(sample as i64)
            .tag("run-42")
            .timeout(Duration::from_secs(20))
            .await?;
        println!(
            "{event}: {} ({} answered in {:.2?})",
            report.code,
            report.answers.len(),
            report.elapsed
        );
        for (id, ras) in report.failed() {
            println!("  {id} failed with ras {ras}");
        }
        for id in &report.missing {
            println!("  {id} never answered");
        }
        worst = worst.max(report.code);
    }
    exporter.shutdown().await?;
    std::process::exit(worst.code())
}
