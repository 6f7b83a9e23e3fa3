//! Metrics through the `metrics` facade, with the `metrics` feature (off by
//! default): nothing is recorded until the application installs a
//! recorder (a Prometheus exporter, say), and without the feature every
//! function here is empty. The names, all under `state_signals_`:
//!
//! | name | kind | labels |
//! | --- | --- | --- |
//! | `state_signals_signals_published_total` | counter | |
//! | `state_signals_signals_received_total` | counter | |
//! | `state_signals_answers_total` | counter | `outcome`: `succeeded`, `failed`, `missing`, `late`, `outsider` |
//! | `state_signals_queue_dropped_total` | counter | `queue`: `signal`, `monitor` |
//! | `state_signals_reconnects_total` | counter | |
//! | `state_signals_publish_round_trip_seconds` | histogram | |
//! | `state_signals_answer_latency_seconds` | histogram | |

use crate::PublishReport;

/// A publish ended with `report`: one signal published, its answers by
/// outcome, its round trip and each answer's latency.
#[cfg(feature = "metrics")]
pub(crate) fn published(report: &PublishReport) {
    ::metrics::counter!("state_signals_signals_published_total").increment(1);
    let failed = report.failed().count() as u64;
    let succeeded = report.answers.len() as u64 - failed;
    answers("succeeded", succeeded);
    answers("failed", failed);
    answers("missing", report.missing.len() as u64);
    ::metrics::histogram!("state_signals_publish_round_trip_seconds")
        .record(report.elapsed.as_secs_f64());
    let latency = ::metrics::histogram!("state_signals_answer_latency_seconds");
    for answer in report.answers.values() {
        latency.record(answer.latency.as_secs_f64());
    }
}

#[cfg(feature = "metrics")]
fn answers(outcome: &'static str, n: u64) {
    if n > 0 {
        ::metrics::counter!("state_signals_answers_total", "outcome" => outcome).increment(n);
    }
}

/// An answer to an earlier signal (ignored) or from outside the subscriber
/// set (not counted): `late` or `outsider`.
#[cfg(feature = "metrics")]
pub(crate) fn ignored_answer(outcome: &'static str) {
    answers(outcome, 1);
}

/// A signal reached a responder (it passed the locks and the serve gate).
#[cfg(feature = "metrics")]
pub(crate) fn received() {
    ::metrics::counter!("state_signals_signals_received_total").increment(1);
}

/// A full queue dropped an item: `signal` (a responder's) or `monitor`.
#[cfg(feature = "metrics")]
pub(crate) fn dropped(queue: &'static str) {
    ::metrics::counter!("state_signals_queue_dropped_total", "queue" => queue).increment(1);
}

/// A lost connection was replaced, its subscriptions confirmed again.
#[cfg(feature = "metrics")]
pub(crate) fn reconnected() {
    ::metrics::counter!("state_signals_reconnects_total").increment(1);
}

#[cfg(not(feature = "metrics"))]
pub(crate) fn published(_: &PublishReport) {}
#[cfg(not(feature = "metrics"))]
pub(crate) fn ignored_answer(_: &'static str) {}
#[cfg(not(feature = "metrics"))]
pub(crate) fn received() {}
#[cfg(not(feature = "metrics"))]
pub(crate) fn dropped(_: &'static str) {}
#[cfg(not(feature = "metrics"))]
pub(crate) fn reconnected() {}
