//! The responder half of a two-terminal demo: answers every exporter's
//! signals with success until interrupted (Ctrl-C).
//!
//! ```text
//! cargo run --example responder
//! ```

use futures_util::StreamExt;
use state_signals::{Reply, SignalResponder};

#[tokio::main]
async fn main() -> state_signals::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let responder = SignalResponder::builder().url(url).connect().await?;
    println!("listening as {}", responder.responder_id());

    let mut signals = responder.signals();
    loop {
        let signal = tokio::select! {
            signal = signals.next() => match signal {
                Some(signal) => signal,
                None => break,
            },
            _ = tokio::signal::ctrl_c() => break,
        };
        println!(
            "{} from {} (sample {}, tag {:?})",
            signal.event, signal.publisher_id, signal.sample_no, signal.tag
        );
        let reply = if signal.is_initialization() {
            Reply::ack()
        } else if signal.is_shutdown() {
            continue;
        } else {
            Reply::success()
        };
        responder.respond_to(&signal, reply).await?;
    }
    Ok(())
}
