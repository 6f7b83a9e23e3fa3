//! The JSON lines on stdout: their formats are stable and documented in the README.

use std::collections::BTreeMap;
use std::io::Write;

use serde::Serialize;
use state_signals::PublishReport;

/// One publish, as `run` prints it.
#[derive(Serialize)]
pub struct ReportLine<'a> {
    event: &'a str,
    code: i32,
    result: String,
    responses: BTreeMap<&'a str, AnswerLine<'a>>,
    failed: Vec<&'a str>,
    missing: Vec<&'a str>,
    /// Answers from outside the subscriber set, counted.
    outsiders: u64,
    receivers: usize,
    elapsed_ms: f64,
    /// The session's trace, with `--trace`.
    #[serde(skip_serializing_if = "Option::is_none")]
    trace_id: Option<&'a str>,
}

#[derive(Serialize)]
struct AnswerLine<'a> {
    ras: i64,
    message: Option<&'a str>,
    /// From the publish to the answer's arrival.
    latency_ms: f64,
}

impl<'a> ReportLine<'a> {
    /// The line of `report`, in the session's trace `trace_id` (with `--trace`).
    pub fn new(report: &'a PublishReport, trace_id: Option<&'a str>) -> Self {
        Self {
            event: &report.event,
            code: report.code.code(),
            result: report.code.to_string(),
            responses: report
                .answers
                .iter()
                .map(|(id, a)| {
                    let line = AnswerLine {
                        ras: a.ras.code(),
                        message: a.message.as_deref(),
                        latency_ms: millis(a.latency),
                    };
                    (id.as_str(), line)
                })
                .collect(),
            failed: report.failed().map(|(id, _)| id).collect(),
            missing: report.missing.iter().map(String::as_str).collect(),
            outsiders: report.outsiders_seen,
            receivers: report.receivers,
            elapsed_ms: millis(report.elapsed),
            trace_id,
        }
    }
}

/// Milliseconds with microsecond precision.
fn millis(d: std::time::Duration) -> f64 {
    (d.as_secs_f64() * 1e6).round() / 1e3
}

/// Prints one JSON line on stdout and flushes it, so a pipe sees it at once.
pub fn print_line(value: &impl Serialize) {
    let mut stdout = std::io::stdout().lock();
    if let Ok(text) = serde_json::to_string(value) {
        let _ = writeln!(stdout, "{text}");
        let _ = stdout.flush();
    }
}
