//! One typed exporter and three typed responders in one process; one
//! responder fails `benchmark-stop`. Prints each publish report.
//!
//! ```text
//! cargo run --example quickstart -- --in-memory   # the in-memory bus, whatever runs here
//! cargo run --example quickstart                  # Redis at $REDIS_URL or 127.0.0.1:6379
//! ```
//!
//! The first line of output names the transport. Without `--in-memory`,
//! with `REDIS_URL` unset and nothing listening on 127.0.0.1:6379, it runs
//! on the in-memory bus and says why (`QUICKSTART_PROBE=host:port` changes
//! the address probed, for tests).

use std::time::Duration;

use state_signals::{
    ConnectOptions, MemoryBus, PublishReport, Reply, Signal, SignalEvents, SignalExporter,
    SignalResponder,
};

/// The phases of a benchmark run: the legal events, checked at compile time.
#[derive(SignalEvents, Debug, Clone, PartialEq)]
enum Phase {
    /// Wire name `benchmark-start` (the default `kebab-case` rule).
    BenchmarkStart,
    /// A typed payload, carried in the signal's `metadata`.
    Sample {
        iteration: u32,
        host: String,
    },
    BenchmarkStop,
}

/// A data collector: one method per event, generated as `PhaseHandler`.
struct Collector {
    name: &'static str,
    disk_full: bool,
}

impl PhaseHandler for Collector {
    async fn on_benchmark_start(&mut self, _signal: &Signal) -> Reply {
        Reply::success().with_message(format!("{} collecting", self.name))
    }

    async fn on_sample(&mut self, iteration: u32, host: String, signal: &Signal) -> Reply {
        Reply::success().with_message(format!(
            "{} saw sample {iteration} (no {}) on {host}",
            self.name, signal.sample_no
        ))
    }

    async fn on_benchmark_stop(&mut self, _signal: &Signal) -> Reply {
        if self.disk_full {
            Reply::failure("disk full")
        } else {
            Reply::success()
        }
    }
}

#[tokio::main]
async fn main() -> state_signals::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    // A namespace keeps this demo away from other runs on the same server.
    let options = target()
        .await
        .namespace(format!("quickstart-{}", std::process::id()));

    let mut collectors = Vec::new();
    for (name, disk_full) in [
        ("collector-a", false),
        ("collector-b", false),
        ("collector-c", true),
    ] {
        let responder = SignalResponder::builder()
            .options(options.clone())
            .responder_id(name)
            .typed::<Phase>()
            .connect()
            .await?;
        // `serve` returns once the exporter has shut down.
        collectors.push(tokio::spawn(async move {
            responder.serve(Collector { name, disk_full }).await
        }));
    }

    let exporter = SignalExporter::builder("quickstart-benchmark")
        .options(options)
        .typed::<Phase>()
        .connect()
        .await?;
    // The collectors are connected already; responders in other processes
    // that may start later need `.periodic(true)`.
    exporter.initialize_and_wait(3).await?;
    println!("subscribers: {}", exporter.subscribers().join(", "));

    print_report(&exporter.publish(Phase::BenchmarkStart).await?);
    let sample = Phase::Sample {
        iteration: 1,
        host: "node-1".into(),
    };
    print_report(&exporter.publish(sample).sample(0).await?);
    print_report(&exporter.publish(Phase::BenchmarkStop).await?);

    exporter.shutdown().await?;
    for collector in collectors {
        if let Ok(Err(error)) = collector.await {
            eprintln!("a collector failed: {error}");
        }
    }
    Ok(())
}

/// `--in-memory`: the in-memory bus; else `$REDIS_URL`; else Redis on
/// 127.0.0.1:6379 if something listens there; else the in-memory bus. The
/// choice is the program's first line of output.
async fn target() -> ConnectOptions {
    let mut in_memory = false;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--in-memory" => in_memory = true,
            other => {
                eprintln!("unknown argument `{other}`; usage: quickstart [--in-memory]");
                std::process::exit(2);
            }
        }
    }
    if in_memory {
        println!("transport: the in-memory bus (--in-memory), no Redis");
        return ConnectOptions::in_memory(&MemoryBus::new());
    }
    if let Ok(url) = std::env::var("REDIS_URL") {
        println!("transport: Redis at $REDIS_URL");
        return ConnectOptions::url(url);
    }
    let probe = std::env::var("QUICKSTART_PROBE").unwrap_or_else(|_| "127.0.0.1:6379".into());
    let connect = tokio::net::TcpStream::connect(probe.as_str());
    if let Ok(Ok(_)) = tokio::time::timeout(Duration::from_secs(1), connect).await {
        println!("transport: Redis at redis://{probe}");
        return ConnectOptions::url(format!("redis://{probe}"));
    }
    println!(
        "transport: the in-memory bus (no Redis on {probe} and REDIS_URL unset; \
         start redis-server, or set REDIS_URL=redis://host:port, to use a server)"
    );
    ConnectOptions::in_memory(&MemoryBus::new())
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
