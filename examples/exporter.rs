//! The exporter half of a two-terminal demo: waits for N responders, publishes
//! two events, shuts down. Exits 0 when nobody was missing, 2 otherwise.
//!
//! ```text
//! cargo run --example responder        # terminal 1 (and 2, 3 …)
//! cargo run --example exporter -- 1    # terminal 2: wait for 1 responder
//! ```

use state_signals::{ResultCode, SignalExporter};

#[tokio::main]
async fn main() -> state_signals::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let count: usize = match std::env::args().nth(1).map(|a| a.parse()) {
        None => 1,
        Some(Ok(n)) => n,
        Some(Err(_)) => {
            eprintln!("usage: exporter [RESPONDERS]");
            std::process::exit(64);
        }
    };

    let exporter = SignalExporter::builder("demo-benchmark")
        .url(url)
        .connect()
        .await?;
    println!(
        "waiting for {count} responder(s) as {}",
        exporter.publisher_id()
    );
    exporter
        .initialize_and_wait(count, ["benchmark-start", "benchmark-stop"])
        .periodic(true)
        .await?;

    let mut worst = ResultCode::AllSucceeded;
    for (sample, event) in ["benchmark-start", "benchmark-stop"]
        .into_iter()
        .enumerate()
    {
        let report = exporter.publish_signal(event).sample(sample as i64).await?;
        println!("{event}: {} in {:.2?}", report.code, report.elapsed);
        for (id, ras) in report.failed() {
            println!("  failed: {id} (ras {ras})");
        }
        for id in &report.missing {
            println!("  missing: {id}");
        }
        worst = worst.max(report.code);
    }
    exporter.shutdown().await?;
    if worst == ResultCode::SomeMissing {
        std::process::exit(2);
    }
    Ok(())
}
