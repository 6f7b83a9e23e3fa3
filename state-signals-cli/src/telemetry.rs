//! Logs on stderr and, with `--trace`, OpenTelemetry spans: the library's
//! session, publish and handler spans, exported over OTLP/HTTP when the
//! standard `OTEL_EXPORTER_OTLP_ENDPOINT` (or `…_TRACES_ENDPOINT`) is set.

use std::collections::HashMap;
use std::io::IsTerminal;

use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use state_signals::Signal;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::Layer;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use crate::args::Cli;

/// What must be flushed before the process exits.
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

impl Telemetry {
    /// Exports the spans still buffered (a no-op without `--trace`).
    pub fn shutdown(self) {
        if let Some(provider) = self.provider
            && let Err(error) = provider.shutdown()
        {
            eprintln!("state-signals: could not export every span: {error}");
        }
    }
}

/// Installs the log output (its level from the flags, `RUST_LOG`
/// overriding) and, with `--trace`, the tracer. Outside any async runtime:
/// the OTLP client blocks on a thread of its own.
pub fn init(cli: &Cli) -> Telemetry {
    let default = match (cli.quiet, cli.verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, 2) => "debug",
        (false, _) => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let logs = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .with_filter(filter);
    let provider = cli.trace.then(provider);
    // The spans are kept whatever the log level; only this crate's and the
    // library's (the OTLP client's own would feed back into the export).
    let spans = provider.as_ref().map(|provider| {
        tracing_opentelemetry::layer()
            .with_tracer(provider.tracer("state-signals"))
            .with_filter(
                tracing_subscriber::filter::Targets::new()
                    .with_target("state_signals", tracing::Level::INFO),
            )
    });
    tracing_subscriber::registry().with(logs).with(spans).init();
    Telemetry { provider }
}

/// The tracer provider: OTLP over HTTP when an endpoint is configured, no
/// exporter otherwise (the spans still get ids, so the trace context still
/// travels and `run` still prints the trace id).
fn provider() -> SdkTracerProvider {
    let mut builder = SdkTracerProvider::builder();
    if std::env::var_os("OTEL_SERVICE_NAME").is_none() {
        builder = builder.with_resource(
            opentelemetry_sdk::Resource::builder()
                .with_service_name("state-signals")
                .build(),
        );
    }
    let configured = [
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    ]
    .iter()
    .any(|name| std::env::var_os(name).is_some());
    if configured {
        match opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .build()
        {
            Ok(exporter) => builder = builder.with_batch_exporter(exporter),
            Err(error) => eprintln!("state-signals: spans are not exported: {error}"),
        }
    }
    builder.build()
}

/// The `TRACEPARENT` for a script run for `signal`: the current span's (the
/// handler span, with `--trace`), else the one the signal carried.
pub fn traceparent(signal: &Signal) -> Option<String> {
    let mut carrier = HashMap::new();
    TraceContextPropagator::new().inject_context(&tracing::Span::current().context(), &mut carrier);
    carrier
        .remove("traceparent")
        .or_else(|| signal.traceparent().map(str::to_owned))
}
