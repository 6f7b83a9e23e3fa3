//! The command line, as clap reads it.

use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Coordinate processes through Redis pub/sub state signals, wire-compatible
/// with the Python `state-signals` package.
#[derive(Debug, Parser)]
#[command(name = "state-signals", version, about, max_term_width = 100)]
#[command(
    after_help = "Exit status of `run`: 0 all succeeded, 1 some failed, 2 some missing, \
3 awaited subscribers did not arrive, 4 cannot reach Redis, 5 Redis failed during the session, \
6 invalid input (metadata, event names, --events-from lines, over the payload cap), 7 respond --idle-timeout ran out, \
8 TLS handshake refused (certificate, or TLS and plain text mixed up), 9 permission denied by the server's ACL, 64 usage error, \
130/143 interrupted by SIGINT/SIGTERM (after publishing `shutdown`)."
)]
pub struct Cli {
    /// The Redis server: redis://[user:password@]host[:port][/db],
    /// rediss://… for TLS, or unix:///path.
    #[arg(
        long,
        global = true,
        env = "REDIS_URL",
        hide_env_values = true,
        default_value = "redis://127.0.0.1:6379"
    )]
    pub redis: String,

    /// A Redis Cluster instead of one server: seed node URLs, comma-separated
    /// (the rest of the topology is discovered). Overrides --redis.
    #[arg(
        long,
        global = true,
        env = "REDIS_CLUSTER",
        hide_env_values = true,
        value_delimiter = ',',
        value_name = "URL[,URL…]"
    )]
    pub redis_cluster: Vec<String>,

    /// Follow the master that these Redis Sentinels name (HOST:PORT or
    /// redis:// URLs, comma-separated) through failovers; needs
    /// --master-name. Overrides --redis.
    #[arg(
        long,
        global = true,
        env = "REDIS_SENTINEL",
        hide_env_values = true,
        value_delimiter = ',',
        value_name = "HOST:PORT[,…]",
        requires = "master_name",
        conflicts_with = "redis_cluster"
    )]
    pub sentinel: Vec<String>,

    /// The master name the Sentinels monitor (with --sentinel). The
    /// master's password is read from REDIS_MASTER_PASSWORD, never from
    /// the command line.
    #[arg(long, global = true, env = "REDIS_MASTER_NAME", value_name = "NAME")]
    pub master_name: Option<String>,

    /// The ACL user to log in to the master as (with --sentinel; its
    /// password from REDIS_MASTER_PASSWORD).
    #[arg(
        long,
        global = true,
        env = "REDIS_MASTER_USER",
        value_name = "USER",
        requires = "sentinel"
    )]
    pub master_user: Option<String>,

    /// For rediss://: trust the CA certificates in this PEM file instead of
    /// the system's.
    #[arg(long, global = true, value_name = "FILE")]
    pub tls_ca: Option<std::path::PathBuf>,

    /// For rediss://: present this client certificate (PEM) — mutual TLS.
    #[arg(long, global = true, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<std::path::PathBuf>,

    /// The key (PEM) of --tls-cert.
    #[arg(long, global = true, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<std::path::PathBuf>,

    /// For rediss://: DANGER — accept any server certificate (encrypted, but
    /// anyone on the path can impersonate the server). For tests only.
    #[arg(long, global = true)]
    pub tls_insecure: bool,

    /// Prefix both channels with `NAMESPACE:` (the Python package uses none).
    #[arg(long, global = true)]
    pub namespace: Option<String>,

    /// Seconds to keep trying to reach Redis, or `none` to try forever.
    #[arg(long, global = true, default_value = "20", value_name = "S|none")]
    pub connect_timeout: Wait,

    /// Serve Prometheus metrics (text format, any path, e.g. /metrics) on
    /// this address while `run`, `respond` or `listen` runs.
    #[arg(long, global = true, value_name = "HOST:PORT")]
    pub metrics_addr: Option<std::net::SocketAddr>,

    /// One trace per session (OpenTelemetry): `run` opens a span per publish
    /// and sends its W3C trace context with each signal (in its metadata),
    /// printing the session's `trace_id`; `respond` opens its handler span
    /// as its child and hands it to `--exec` as `TRACEPARENT`. Spans go to
    /// OTLP over HTTP when OTEL_EXPORTER_OTLP_ENDPOINT (or
    /// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set.
    #[arg(long, global = true)]
    pub trace: bool,

    /// More log output on stderr (-v info, -vv debug); RUST_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Only errors on stderr.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run an exporter session: initialize, wait for subscribers, publish
    /// each event and wait for the answers, shut down.
    #[command(after_help = "Prints one JSON line per publish on stdout:
  {\"event\":\"benchmark-start\",\"code\":1,\"result\":\"some failed\",
   \"responses\":{\"pod-1\":{\"ras\":1,\"message\":null},\"pod-2\":{\"ras\":0,\"message\":\"disk full\"}},
   \"failed\":[\"pod-2\"],\"missing\":[],\"receivers\":2,\"elapsed_ms\":0.61}

Examples:
  state-signals run --process fio --await 3 benchmark-start benchmark-stop
  producer | state-signals run --process fio --legal start,sample,stop --events-from -")]
    Run(RunArgs),

    /// Answer exporters' signals, optionally by running a command for each.
    #[command(
        after_help = "The command runs through `sh -c` with SIGNAL_EVENT, SIGNAL_TAG, \
SIGNAL_SAMPLE_NO, SIGNAL_PUBLISHER_ID, SIGNAL_PROCESS_NAME, SIGNAL_RUNNER_HOST, SIGNAL_METADATA \
(JSON, left out when over 64 KiB) and SIGNAL_METADATA_FILE (always) in its environment. Exit 0 \
answers ras 1, anything else ras 0; the last line it printed is the message.

Examples:
  state-signals respond --id pod-7 --exec 'start-collector.sh'
  state-signals respond --process fio --events benchmark-start --exec 'echo started $SIGNAL_SAMPLE_NO'"
    )]
    Respond(RespondArgs),

    /// Print every signal (and with --responses every response) on stdout.
    #[command(
        after_help = "JSON lines are {\"signal\":{…}} and {\"response\":{…}} with the \
payloads' own keys.

Examples:
  state-signals listen --responses
  state-signals listen --format text --lock-tag run-42 --count 10"
    )]
    Listen(ListenArgs),

    /// Measure publish round trips with K responders, against the floor of
    /// bare Redis pub/sub.
    #[command(after_help = "Examples:
  state-signals bench --responders 100 --signals 200 --floor
  state-signals bench --responders 100 --processes 4 --json")]
    Bench(BenchArgs),

    /// A process of responders for `bench --processes` (internal).
    #[command(hide = true)]
    BenchWorker(BenchWorkerArgs),
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The process name in every signal.
    #[arg(long)]
    pub process: String,

    /// Wait for this many subscribers before publishing.
    #[arg(long = "await", value_name = "N")]
    pub await_count: Option<usize>,

    /// Seconds to wait for the subscribers, or `none`.
    #[arg(long, default_value = "60", value_name = "S|none")]
    pub await_timeout: Wait,

    /// Republish `initialization` every second while waiting.
    #[arg(long)]
    pub periodic: bool,

    /// Seconds to wait for the answers to each publish, or `none`.
    #[arg(long, default_value = "20", value_name = "S|none")]
    pub timeout: Wait,

    /// Tag every signal.
    #[arg(long)]
    pub tag: Option<String>,

    /// The sample number of every published event, or `auto` to number
    /// them 1, 2, 3 … (so that a late answer is never counted for the next
    /// signal).
    #[arg(long, allow_negative_numbers = true, value_name = "N|auto")]
    pub sample: Option<Sample>,

    /// Remove a subscriber after it missed N answers in a row.
    #[arg(long, value_name = "N")]
    pub evict_after: Option<u32>,

    /// Fail (exit 3) when a publish has no subscriber to wait for (without
    /// it, such a publish is reported "0/0 answered" with a warning).
    #[arg(long)]
    pub require_subscribers: bool,

    /// Write a picture of the session to this SVG file (rewritten after
    /// every publish): one row per responder, one column per publish, each
    /// cell coloured by the outcome and labelled with the answer's latency.
    #[arg(long, value_name = "FILE.svg")]
    pub timeline: Option<std::path::PathBuf>,

    /// A JSON object sent as every published event's metadata.
    #[arg(long, value_name = "JSON")]
    pub metadata: Option<String>,

    /// Read the events to publish from FILE (or `-` for stdin), one JSON
    /// object per line: {"event":…, "metadata":{…}, "tag":…, "sample_no":…}.
    #[arg(
        long,
        value_name = "FILE|-",
        conflicts_with = "events",
        requires = "legal"
    )]
    pub events_from: Option<String>,

    /// The legal events when reading --events-from (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "A,B,…")]
    pub legal: Vec<String>,

    /// The events to publish, in order; they are also the legal events.
    #[arg(value_name = "EVENT", required_unless_present = "events_from")]
    pub events: Vec<String>,
}

#[derive(Debug, Args)]
pub struct RespondArgs {
    /// The responder name in the generated id `<NAME>-<uuid4>-resp` (default: hostname).
    #[arg(long, conflicts_with = "id")]
    pub name: Option<String>,

    /// A fixed responder id.
    #[arg(long)]
    pub id: Option<String>,

    /// Only subscribe to exporters with this process name.
    #[arg(long)]
    pub process: Option<String>,

    /// Only act on signals with this tag.
    #[arg(long)]
    pub lock_tag: Option<String>,

    /// Run the command only for these events (comma-separated); others are answered with success.
    #[arg(long, value_delimiter = ',', value_name = "A,B,…", requires = "exec")]
    pub events: Vec<String>,

    /// A shell command to run for each signal.
    #[arg(long, value_name = "CMD")]
    pub exec: Option<String>,

    /// Seconds after which the command is killed and answered as failed, or `none`.
    #[arg(long, default_value = "none", value_name = "S|none")]
    pub exec_timeout: Wait,

    /// The ras to answer with, without --exec.
    #[arg(
        long,
        default_value_t = 1,
        allow_negative_numbers = true,
        conflicts_with = "exec"
    )]
    pub ras: i64,

    /// The message to answer with, without --exec.
    #[arg(long, conflicts_with = "exec")]
    pub message: Option<String>,

    /// Keep answering after every exporter served has shut down.
    #[arg(long)]
    pub keep_running: bool,

    /// Give up (exit 7) after this many seconds without a signal from a
    /// served exporter, or `none` (an exporter killed without `shutdown`
    /// otherwise leaves `respond` running forever).
    #[arg(long, default_value = "none", value_name = "S|none")]
    pub idle_timeout: Wait,

    /// How many signals may wait while a command runs; newer ones are
    /// dropped (and counted) past it.
    #[arg(long, default_value_t = state_signals::SignalResponder::DEFAULT_QUEUE_CAPACITY, value_name = "N")]
    pub queue: usize,
}

#[derive(Debug, Args)]
pub struct ListenArgs {
    /// Only signals (and responses) of this exporter.
    #[arg(long)]
    pub lock_id: Option<String>,

    /// Only signals with this tag.
    #[arg(long)]
    pub lock_tag: Option<String>,

    /// Also print responses.
    #[arg(long)]
    pub responses: bool,

    /// Exit after this many messages.
    #[arg(long)]
    pub count: Option<usize>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Json)]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One JSON object per line.
    Json,
    /// One readable line per message.
    Text,
}

/// `run --sample`: a fixed sample number, or numbered publishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sample {
    /// Every publish carries this sample number.
    Fixed(i64),
    /// Publishes are numbered 1, 2, 3 ….
    Auto,
}

impl std::str::FromStr for Sample {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "auto" {
            return Ok(Self::Auto);
        }
        s.parse()
            .map(Self::Fixed)
            .map_err(|_| format!("`{s}` is neither an integer nor `auto`"))
    }
}

/// A duration in seconds, or `none` for no limit. A number too large for a
/// `Duration` (`1e20`, `inf`) saturates: practically no limit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Wait(pub Option<Duration>);

impl std::str::FromStr for Wait {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        if matches!(s, "none" | "forever" | "-1") {
            return Ok(Self(None));
        }
        match s.parse::<f64>() {
            Ok(secs) if secs >= 0.0 => Ok(Self(Some(
                Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX),
            ))),
            _ => Err(format!("`{s}` is not a number of seconds or `none`")),
        }
    }
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// How many responders answer every signal.
    #[arg(long, short = 'k', default_value_t = 1)]
    pub responders: usize,

    /// How many signals to publish, one after another.
    #[arg(long, short = 'n', default_value_t = 100)]
    pub signals: usize,

    /// Spread the responders over this many child processes (0: tasks in this process).
    #[arg(long, default_value_t = 0)]
    pub processes: usize,

    /// Also run the same scenario on bare redis-crate connections (the
    /// floor) and print every figure as a ratio to it.
    #[arg(long)]
    pub floor: bool,

    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,

    /// Unmeasured signals published first.
    #[arg(long, default_value_t = 10)]
    pub warmup: usize,

    /// Run on the in-memory bus instead of Redis: what the library itself
    /// costs (the ceiling of its overhead); responders are tasks in this
    /// process, and there is no floor or idle-responder figure.
    #[arg(long, conflicts_with_all = ["floor", "processes"])]
    pub in_memory: bool,
}

#[derive(Debug, Args)]
pub struct BenchWorkerArgs {
    /// How many responders this process runs.
    #[arg(long)]
    pub responders: usize,

    /// Bare floor responders instead of the library's.
    #[arg(long)]
    pub floor: bool,
}
