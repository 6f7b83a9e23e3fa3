//! `state-signals run`: a whole exporter session.

use serde::Deserialize;
use serde_json::Value;
use state_signals::{Metadata, ResultCode, SignalExporter};

use crate::escaped::Escaped;
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::args::{Cli, RunArgs, Sample};
use crate::exit::{self, Failure};
use crate::output::{ReportLine, print_line};
use crate::progress::Progress;
use crate::signals::Interrupted;
use crate::timeline::Timeline;

/// One line of `--events-from`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EventLine {
    event: String,
    #[serde(default)]
    metadata: Option<Metadata>,
    #[serde(default)]
    tag: Option<String>,
    #[serde(default)]
    sample_no: Option<i64>,
}

pub async fn run(cli: &Cli, args: &RunArgs) -> Result<u8, Failure> {
    if !args.legal.is_empty() && args.events_from.is_none() {
        return Err(Failure::new(
            exit::USAGE,
            "`--legal` applies only with `--events-from` (otherwise the events given are the legal ones)",
        ));
    }
    let metadata = args.metadata.as_deref().map(parse_metadata).transpose()?;
    let legal = if args.events_from.is_some() {
        &args.legal
    } else {
        &args.events
    };
    let mut builder = SignalExporter::builder(&args.process)
        .options(crate::connect_options(cli)?)
        .number_samples(args.sample == Some(Sample::Auto))
        .trace_context(cli.trace);
    if let Some(missed) = args.evict_after {
        builder = builder.evict_after(missed);
    }
    let mut interrupted = Interrupted::install();
    let exporter = tokio::select! {
        exporter = builder.connect() => exporter?,
        status = interrupted.recv() => return Err(Failure::new(status, "interrupted while connecting")),
    };
    let mut progress = Progress::new(exporter.events(), cli.quiet);
    let mut timeline = args
        .timeline
        .clone()
        .map(|path| Timeline::new(path, &args.process));
    let session = session(
        &exporter,
        args,
        legal,
        metadata,
        &mut progress,
        &mut timeline,
    );
    let outcome = tokio::select! {
        outcome = session => outcome,
        status = interrupted.recv() => {
            progress.note("interrupted; publishing shutdown".to_owned());
            Err(Failure::new(status, "interrupted; published `shutdown`"))
        }
    };
    let mut shutdown = exporter.shutdown();
    if let Some(tag) = &args.tag {
        shutdown = shutdown.tag(tag);
    }
    if let Err(error) = shutdown.await {
        tracing::error!(%error, "could not publish shutdown");
    }
    outcome
}

async fn session(
    exporter: &SignalExporter,
    args: &RunArgs,
    legal: &[String],
    metadata: Option<Metadata>,
    progress: &mut Progress,
    timeline: &mut Option<Timeline>,
) -> Result<u8, Failure> {
    let mut init = exporter
        .initialize_and_wait(args.await_count.unwrap_or(0), legal)
        .periodic(args.periodic);
    if let Some(tag) = &args.tag {
        init = init.tag(tag);
    }
    init = match args.await_timeout.0 {
        Some(limit) => init.timeout(limit),
        None => init.no_timeout(),
    };
    let want = args.await_count.unwrap_or(0);
    progress.subscribers(0, want, args.periodic, init).await?;
    if want > 0 {
        progress.note(format!("{} subscribers", exporter.subscriber_count()));
    }

    let defaults = EventLine {
        event: String::new(),
        metadata,
        tag: args.tag.clone(),
        sample_no: match args.sample {
            Some(Sample::Fixed(n)) => Some(n),
            Some(Sample::Auto) | None => None,
        },
    };
    let mut worst = ResultCode::AllSucceeded;
    match &args.events_from {
        None => {
            for event in &args.events {
                let line = EventLine {
                    event: event.clone(),
                    metadata: None,
                    tag: None,
                    sample_no: None,
                }
                .or(&defaults);
                worst = worst.max(publish(exporter, args, line, progress, timeline).await?);
            }
            Ok(exit::for_code(worst))
        }
        Some(source) => {
            let reader: Box<dyn tokio::io::AsyncRead + Unpin + Send> = if source == "-" {
                Box::new(tokio::io::stdin())
            } else {
                let file = tokio::fs::File::open(source).await.map_err(|e| {
                    Failure::new(exit::INVALID_INPUT, format!("cannot read `{source}`: {e}"))
                })?;
                Box::new(file)
            };
            let mut lines = BufReader::new(reader).lines();
            let mut bad_lines = false;
            let mut number = 0;
            while let Some(text) = lines.next_line().await.map_err(|e| {
                Failure::new(exit::INVALID_INPUT, format!("cannot read `{source}`: {e}"))
            })? {
                number += 1;
                if text.trim().is_empty() {
                    continue;
                }
                let line = match serde_json::from_str::<EventLine>(&text) {
                    Ok(line) => line.or(&defaults),
                    Err(e) => {
                        let error =
                            format!("line {number} of `{source}` is not an event line: {e}");
                        eprintln!("state-signals: {error}");
                        print_line(&serde_json::json!({ "error": error, "line": number }));
                        bad_lines = true;
                        continue;
                    }
                };
                match publish(exporter, args, line, progress, timeline).await {
                    Ok(code) => worst = worst.max(code),
                    Err(failure) if failure.status == exit::INVALID_INPUT => {
                        eprintln!("state-signals: line {number}: {}", failure.message);
                        print_line(
                            &serde_json::json!({ "error": failure.message, "line": number }),
                        );
                        bad_lines = true;
                    }
                    Err(failure) => return Err(failure),
                }
            }
            Ok(if bad_lines {
                exit::INVALID_INPUT
            } else {
                exit::for_code(worst)
            })
        }
    }
}

impl EventLine {
    /// This line, with the command line's values where it gives none.
    fn or(self, defaults: &Self) -> Self {
        Self {
            event: self.event,
            metadata: self.metadata.or_else(|| defaults.metadata.clone()),
            tag: self.tag.or_else(|| defaults.tag.clone()),
            sample_no: self.sample_no.or(defaults.sample_no),
        }
    }
}

async fn publish(
    exporter: &SignalExporter,
    args: &RunArgs,
    line: EventLine,
    progress: &mut Progress,
    timeline: &mut Option<Timeline>,
) -> Result<ResultCode, Failure> {
    let mut request = exporter.publish_signal(&line.event);
    if let Some(sample) = line.sample_no {
        request = request.sample(sample);
    }
    if let Some(tag) = line.tag {
        request = request.tag(tag);
    }
    if let Some(metadata) = line.metadata {
        request = request.metadata(metadata);
    }
    request = match args.timeout.0 {
        Some(limit) => request.timeout(limit),
        None => request.no_timeout(),
    };
    let want = exporter.subscriber_count();
    let report = progress.answers(&line.event, want, request).await?;
    let mut summary = format!(
        "{}: {}/{} answered, {} ({:.1?})",
        report.event,
        report.answers.len(),
        report.answers.len() + report.missing.len(),
        report.code,
        report.elapsed
    );
    if !report.missing.is_empty() {
        let missing: Vec<String> = report
            .missing
            .iter()
            .map(|id| Escaped(id).to_string())
            .collect();
        summary.push_str(&format!("; missing: {}", missing.join(", ")));
    }
    let failed: Vec<String> = report
        .failed()
        .map(|(id, ras)| format!("{} (ras {ras})", Escaped(id)))
        .collect();
    if !failed.is_empty() {
        summary.push_str(&format!("; failed: {}", failed.join(", ")));
    }
    let slowest: Vec<String> = report
        .slowest(3)
        .into_iter()
        .map(|(id, latency)| format!("{} ({latency:.1?})", Escaped(id)))
        .collect();
    if report.answers.len() > 1 {
        summary.push_str(&format!("; slowest: {}", slowest.join(", ")));
    }
    if !report.evicted.is_empty() {
        let evicted: Vec<String> = report
            .evicted
            .iter()
            .map(|id| Escaped(id).to_string())
            .collect();
        summary.push_str(&format!("; evicted: {}", evicted.join(", ")));
    }
    // On a terminal too: the bar is gone, this line stays.
    progress.summary(summary);
    print_line(&ReportLine::new(&report, exporter.trace_id().as_deref()));
    if let Some(timeline) = timeline
        && let Err(error) = timeline.record(&report)
    {
        return Err(Failure::new(
            exit::USAGE,
            format!("cannot write the timeline: {error}"),
        ));
    }
    if want == 0 {
        tracing::warn!(event = %report.event, "the publish had no subscriber to wait for (no `--await`, or another namespace?)");
        if args.require_subscribers {
            return Err(Failure::new(
                exit::SUBSCRIBERS_TIMEOUT,
                format!(
                    "`{}` had no subscriber to wait for (--require-subscribers)",
                    report.event
                ),
            ));
        }
    }
    Ok(report.code)
}

fn parse_metadata(text: &str) -> Result<Metadata, Failure> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(Failure::new(
            exit::INVALID_INPUT,
            "`--metadata` is not a JSON object",
        )),
        Err(e) => Err(Failure::new(
            exit::INVALID_INPUT,
            format!("`--metadata` is not valid JSON: {e}"),
        )),
    }
}
