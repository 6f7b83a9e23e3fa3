//! One exporter and three responders in one process; one responder fails
//! `benchmark-stop`. Prints each publish report.
//!
//! ```text
//! cargo run --example quickstart            # Redis at $REDIS_URL or 127.0.0.1:6379
//! ```

use futures_util::StreamExt;
use state_signals::{PublishReport, Reply, SignalExporter, SignalResponder};

#[tokio::main]
async fn main() -> state_signals::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    // A namespace keeps this demo away from other runs on the same server.
    let namespace = format!("quickstart-{}", std::process::id());

    for name in ["collector-a", "collector-b", "collector-c"] {
        let responder = SignalResponder::builder()
            .url(&url)
            .namespace(&namespace)
            .responder_id(name)
            .connect()
            .await?;
        tokio::spawn(async move {
            let mut signals = responder.signals();
            while let Some(signal) = signals.next().await {
                let reply = match (signal.event.as_str(), responder.responder_id()) {
                    ("initialization", _) => Reply::ack(),
                    ("shutdown", _) => break,
                    ("benchmark-stop", "collector-c") => Reply::failure("disk full"),
                    (event, _) => Reply::success().with_message(format!("handled {event}")),
                };
                if let Err(error) = responder.respond_to(&signal, reply).await {
                    eprintln!("{}: cannot answer: {error}", responder.responder_id());
                }
            }
        });
    }

    let exporter = SignalExporter::builder("quickstart-benchmark")
        .url(&url)
        .namespace(&namespace)
        .connect()
        .await?;
    exporter
        .initialize_and_wait(3, ["benchmark-start", "benchmark-stop"])
        .await?;
    println!("subscribers: {}", exporter.subscribers().join(", "));

    let report = exporter.publish_signal("benchmark-start").sample(0).await?;
    print_report(&report);
    let report = exporter.publish_signal("benchmark-stop").sample(0).await?;
    print_report(&report);

    exporter.shutdown().await?;
    Ok(())
}

fn print_report(report: &PublishReport) {
    println!(
        "{}: {} (code {}) in {:.2?}",
        report.event,
        report.code,
        report.code.code(),
        report.elapsed
    );
    for (id, answer) in &report.answers {
        let message = answer.message.as_deref().unwrap_or("");
        println!("  {id}: ras {} {message}", answer.ras);
    }
    for id in &report.missing {
        println!("  {id}: no answer");
    }
}
