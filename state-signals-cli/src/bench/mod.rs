//! `state-signals bench`: publish round trips with K responders, the library
//! against the floor of bare Redis pub/sub, in one run.

mod floor;
mod library;
mod measure;
mod workers;

use std::time::{Duration, Instant};

use serde::Serialize;

use crate::args::{BenchArgs, BenchWorkerArgs, Cli};
use crate::exit::{self, Failure};
use measure::{Latency, cpu_time, micros, rss_kib};

pub use workers::worker;

/// How many connections are opened at once when starting responders.
const CONNECT_CONCURRENCY: usize = 128;

/// Where a benchmark runs: the server (or an in-memory bus) and a
/// namespace of its own.
#[derive(Debug, Clone)]
pub struct Target {
    pub url: String,
    /// Seed nodes of a Redis Cluster (empty: the server at `url`).
    pub cluster: Vec<String>,
    pub namespace: String,
    pub bus: Option<state_signals::MemoryBus>,
}

impl Target {
    /// The library's connect options for this target.
    pub fn options(&self) -> state_signals::ConnectOptions {
        let options = match &self.bus {
            Some(bus) => state_signals::ConnectOptions::in_memory(bus),
            None if !self.cluster.is_empty() => {
                state_signals::ConnectOptions::cluster(&self.cluster)
            }
            None => state_signals::ConnectOptions::url(&self.url),
        };
        // No namespace (a `bench-worker` started without `--namespace`):
        // the default channels, where other tools' exporters publish.
        if self.namespace.is_empty() {
            options
        } else {
            options.namespace(&self.namespace)
        }
    }
}

/// The figures of one side (library or floor).
#[derive(Debug, Serialize)]
pub struct Figures {
    pub round_trip: Latency,
    pub signals_per_s: f64,
    pub init_wait_ms: f64,
    pub cpu_per_signal_us: f64,
    pub idle_cpu_ms_per_s: f64,
    pub idle_responder_rss_kib: u64,
    pub lost_answers: usize,
}

#[derive(Debug, Serialize)]
struct Report {
    /// `redis` or `in-memory`.
    transport: &'static str,
    responders: usize,
    signals: usize,
    processes: usize,
    library: Figures,
    floor: Option<Figures>,
    /// Peak RSS of this (the exporter's) process; with `processes = 0` it
    /// holds the responders too.
    exporter_peak_rss_kib: u64,
}

/// The two sides, behind one interface.
enum Side {
    Library(library::Exporter),
    Floor(floor::Exporter),
}

impl Side {
    async fn init_wait(&mut self, count: usize) -> Result<Duration, Failure> {
        match self {
            Self::Library(e) => Ok(e.init_wait(count).await?),
            Self::Floor(e) => e.init_wait(count).await.map_err(redis_failed),
        }
    }

    async fn round_trip(&mut self, sample: i64) -> Result<(Duration, usize), Failure> {
        match self {
            Self::Library(e) => Ok(e.round_trip(sample).await?),
            Self::Floor(e) => e.round_trip(sample).await.map_err(redis_failed),
        }
    }

    async fn shutdown(&self) {
        if let Self::Library(e) = self {
            let _ = e.shutdown().await;
        }
    }
}

fn redis_failed(error: redis::RedisError) -> Failure {
    Failure::new(exit::REDIS_FAILED, format!("Redis failed: {error}"))
}

pub async fn bench(cli: &Cli, args: &BenchArgs) -> Result<u8, Failure> {
    if args.floor && !cli.redis_cluster.is_empty() {
        return Err(Failure::new(
            exit::USAGE,
            "--floor measures bare pub/sub on one server; it cannot run on --redis-cluster",
        ));
    }
    measure::raise_file_limit();
    let namespace = cli.namespace.clone().unwrap_or_else(|| {
        // Unique between concurrent runs, on this machine or another.
        format!("bench-{}", uuid::Uuid::new_v4().simple())
    });
    let floor = if args.floor {
        let target = Target {
            url: cli.redis.clone(),
            cluster: cli.redis_cluster.clone(),
            namespace: format!("{namespace}-floor"),
            bus: None,
        };
        Some(run_side(cli, args, &target, true).await?)
    } else {
        None
    };
    let target = Target {
        url: cli.redis.clone(),
        cluster: cli.redis_cluster.clone(),
        namespace,
        bus: args.in_memory.then(state_signals::MemoryBus::new),
    };
    let library = run_side(cli, args, &target, false).await?;
    let report = Report {
        transport: if args.in_memory {
            "in-memory"
        } else if cli.redis_cluster.is_empty() {
            "redis"
        } else {
            "redis-cluster"
        },
        responders: args.responders,
        signals: args.signals,
        processes: args.processes,
        library,
        floor,
        exporter_peak_rss_kib: rss_kib(std::process::id()).1,
    };
    if args.json {
        crate::output::print_line(&report);
    } else {
        print_table(&report);
    }
    Ok(exit::SUCCESS)
}

/// One side: responders up, `initialize_and_wait`, idle CPU, N round trips,
/// then the RSS of a one-responder process.
async fn run_side(
    cli: &Cli,
    args: &BenchArgs,
    target: &Target,
    floor: bool,
) -> Result<Figures, Failure> {
    let k = args.responders;
    // Both end (and close their connections) when this side is done.
    let (_tasks, _workers) = if args.processes == 0 {
        let tasks = if floor {
            floor::start_responders(target, k)
                .await
                .map_err(redis_failed)?
        } else {
            library::start_responders(target, k).await?
        };
        (tasks, Vec::new())
    } else {
        let workers = workers::spawn(cli, target, k, args.processes, floor).await?;
        (tokio::task::JoinSet::new(), workers)
    };
    let mut side = connect_side(target, floor, cli.trace).await?;
    let init_wait = side.init_wait(k).await?;

    let idle_from = cpu_time();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let idle_cpu = cpu_time().saturating_sub(idle_from);

    for i in 0..args.warmup {
        side.round_trip(i as i64).await?;
    }
    let mut samples = Vec::with_capacity(args.signals);
    let mut lost = 0;
    let cpu_from = cpu_time();
    let started = Instant::now();
    for i in 0..args.signals {
        let (took, answered) = side.round_trip(i as i64).await?;
        samples.push(took);
        lost += k.saturating_sub(answered);
    }
    let total = started.elapsed();
    let cpu = cpu_time().saturating_sub(cpu_from);
    side.shutdown().await;

    // A worker process cannot reach an in-memory bus.
    let idle_responder_rss_kib = match target.bus {
        Some(_) => 0,
        None => idle_responder_rss(cli, target, floor).await?,
    };
    Ok(Figures {
        round_trip: Latency::of(&mut samples),
        signals_per_s: (args.signals as f64 / total.as_secs_f64()).round(),
        init_wait_ms: (micros(init_wait)).round() / 1000.0,
        cpu_per_signal_us: (micros(cpu) * 10.0 / args.signals.max(1) as f64).round() / 10.0,
        idle_cpu_ms_per_s: micros(idle_cpu).round() / 1000.0,
        idle_responder_rss_kib,
        lost_answers: lost,
    })
}

/// The exporter of one side; the library's with trace context when `trace`
/// (`--trace`: what tracing on costs).
async fn connect_side(target: &Target, floor: bool, trace: bool) -> Result<Side, Failure> {
    Ok(if floor {
        Side::Floor(
            floor::Exporter::connect(target)
                .await
                .map_err(redis_failed)?,
        )
    } else {
        Side::Library(library::Exporter::connect(target, trace).await?)
    })
}

/// The resident memory of a process running one responder, after it
/// answered 20 signals and went idle.
async fn idle_responder_rss(cli: &Cli, target: &Target, floor: bool) -> Result<u64, Failure> {
    let target = Target {
        url: target.url.clone(),
        cluster: target.cluster.clone(),
        namespace: format!("{}-rss", target.namespace),
        bus: None,
    };
    let workers = workers::spawn(cli, &target, 1, 1, floor).await?;
    let mut side = connect_side(&target, floor, cli.trace).await?;
    side.init_wait(1).await?;
    for i in 0..20 {
        side.round_trip(i).await?;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let rss = workers.first().map_or(0, |w| rss_kib(w.pid()).0);
    side.shutdown().await;
    Ok(rss)
}

fn print_table(report: &Report) {
    let where_ = if report.processes == 0 {
        "in this process".to_owned()
    } else {
        format!("over {} processes", report.processes)
    };
    println!(
        "state-signals bench ({}): {} responders ({where_}), {} signals",
        report.transport, report.responders, report.signals
    );
    let lib = &report.library;
    let floor = report.floor.as_ref();
    let row = |name: &str, value: f64, floor_value: Option<f64>, unit: &str| {
        let ratio = match floor_value {
            Some(f) if f > 0.0 => format!("{:>8.2}x", value / f),
            _ => String::new(),
        };
        let floor_text = floor_value.map_or(String::new(), |f| format!("{f:>12.1} {unit}"));
        println!("  {name:<28}{value:>12.1} {unit:<6}{floor_text:<18}{ratio}");
    };
    if floor.is_some() {
        println!(
            "  {:<28}{:>19}{:>18}{:>10}",
            "", "library", "floor", "ratio"
        );
    }
    row(
        "round trip p50",
        lib.round_trip.p50_us,
        floor.map(|f| f.round_trip.p50_us),
        "µs",
    );
    row(
        "round trip p90",
        lib.round_trip.p90_us,
        floor.map(|f| f.round_trip.p90_us),
        "µs",
    );
    row(
        "round trip p99",
        lib.round_trip.p99_us,
        floor.map(|f| f.round_trip.p99_us),
        "µs",
    );
    row(
        "round trip max",
        lib.round_trip.max_us,
        floor.map(|f| f.round_trip.max_us),
        "µs",
    );
    row(
        "signals/s",
        lib.signals_per_s,
        floor.map(|f| f.signals_per_s),
        "/s",
    );
    row(
        "initialize_and_wait",
        lib.init_wait_ms,
        floor.map(|f| f.init_wait_ms),
        "ms",
    );
    row(
        "CPU per signal",
        lib.cpu_per_signal_us,
        floor.map(|f| f.cpu_per_signal_us),
        "µs",
    );
    row(
        "CPU while idle",
        lib.idle_cpu_ms_per_s,
        floor.map(|f| f.idle_cpu_ms_per_s),
        "ms/s",
    );
    row(
        "idle responder RSS",
        lib.idle_responder_rss_kib as f64 / 1024.0,
        floor.map(|f| f.idle_responder_rss_kib as f64 / 1024.0),
        "MiB",
    );
    row(
        "lost answers",
        lib.lost_answers as f64,
        floor.map(|f| f.lost_answers as f64),
        "",
    );
    println!(
        "  {:<28}{:>12.1} MiB",
        "exporter peak RSS",
        report.exporter_peak_rss_kib as f64 / 1024.0
    );
}

/// `bench-worker`: runs on its own single-threaded runtime.
pub fn run_worker(cli: &Cli, args: &BenchWorkerArgs) -> Result<u8, Failure> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::new(exit::REDIS_FAILED, format!("cannot start the runtime: {e}")))?;
    runtime.block_on(worker(cli, args))
}
