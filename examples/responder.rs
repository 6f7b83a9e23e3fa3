//! The responder of the README's API tour: serves every `my-benchmark`
//! exporter, answers `benchmark-stop` of tag `fail` with a failure and
//! everything else with success, and exits once its exporters shut down.
//!
//! ```text
//! cargo run --example responder        # terminal 1 (and 2, 3 …)
//! cargo run --example exporter -- 1    # terminal 2: wait for 1 responder
//! ```

use state_signals::{Handler, Reply, Signal, SignalResponder};

struct Collector;

impl Handler for Collector {
    async fn on_signal(&mut self, signal: &Signal) -> Reply {
        println!(
            "{} (sample {}, tag {:?}) from {}",
            signal.event, signal.sample_no, signal.tag, signal.publisher_id
        );
        match (signal.event.as_str(), signal.tag.as_str()) {
            ("benchmark-stop", "fail") => Reply::failure("asked to fail"),
            _ => Reply::success(), // or Reply::failure("why"), Ras::new(n).into()
        }
    }
}

#[tokio::main]
async fn main() -> state_signals::Result<()> {
    tracing_subscriber::fmt().with_env_filter("info").init(); // the library logs through `tracing`
    let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());

    let responder = SignalResponder::builder()
        .url(url)
        .name("collector") // id <name>-<uuid4>-resp, or .responder_id("fixed")
        .process_name("my-benchmark") // serve only exporters of this process
        .connect() // returns once SUBSCRIBE is confirmed
        .await?;
    println!("listening as {}", responder.responder_id());
    // Answers `initialization` (subscribes), calls the handler for every other
    // signal, returns once every exporter it served has shut down.
    responder.serve(Collector).await?;
    Ok(())
}
