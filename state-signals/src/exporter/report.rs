//! PublishReport: who answered what, who failed, who is missing.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use crate::protocol::{Ras, ResultCode};

/// One subscriber's answer to a published signal.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Answer {
    /// Its Response Action Success code.
    pub ras: Ras,
    /// Its optional message.
    pub message: Option<String>,
    /// From the publish (just before its `PUBLISH` was sent) to the
    /// answer's arrival at the exporter.
    pub latency: Duration,
    /// The W3C `traceparent` of the responder's handler span, when the
    /// signal carried a trace context (see
    /// [`SignalExporterBuilder::trace_context`](crate::SignalExporterBuilder))
    /// and the responder traces: find its work in your tracing backend.
    pub traceparent: Option<String>,
}

/// The outcome of one [`publish_signal`](crate::SignalExporter::publish_signal).
///
/// A subscriber that failed or never answered is reported here, not as an
/// error: `code` sums it up the way the Python package does, and the other
/// fields say who.
///
/// ```no_run
/// use state_signals::{ResultCode, SignalExporter};
/// # async fn run() -> state_signals::Result<()> {
/// let exporter = SignalExporter::builder("fio-run").connect().await?;
/// exporter.initialize_and_wait(2, ["benchmark-start"]).await?;
/// let report = exporter.publish_signal("benchmark-start").await?;
/// match report.code {
///     ResultCode::AllSucceeded => println!("{} answered in {:?}", report.answers.len(), report.elapsed),
///     _ => {
///         for (id, answer) in report.answers.iter().filter(|(_, a)| !a.ras.is_success()) {
///             eprintln!("{id} failed: {}", answer.message.as_deref().unwrap_or("-"));
///         }
///         eprintln!("no answer from {:?}", report.missing);
///     }
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PublishReport {
    /// The event that was published.
    pub event: String,
    /// `AllSucceeded` (0), `SomeFailed` (1) or `SomeMissing` (2).
    pub code: ResultCode,
    /// Every counted answer, by responder id.
    pub answers: BTreeMap<String, Answer>,
    /// The subscribers that did not answer before the timeout.
    pub missing: BTreeSet<String>,
    /// Subscribers removed after this publish because they missed too many
    /// answers in a row (see
    /// [`SignalExporterBuilder::evict_after`](crate::SignalExporterBuilder::evict_after));
    /// they are in `missing` too.
    pub evicted: BTreeSet<String>,
    /// Answers from responders outside the subscriber set, by responder id:
    /// not counted in `code` (they were not waited for), kept for who they
    /// are and their messages, as the Python package returns them. Anyone
    /// who may publish on the response channel can answer under invented
    /// ids, so what is kept is bounded: the first answer of each id, at most
    /// [`OUTSIDERS_KEPT`](Self::OUTSIDERS_KEPT) ids, each message cut to
    /// [`OUTSIDER_MESSAGE_KEPT`](Self::OUTSIDER_MESSAGE_KEPT) bytes.
    pub outsiders: BTreeMap<String, Answer>,
    /// How many answers came from outside the subscriber set, kept in
    /// [`outsiders`](Self::outsiders) or not.
    pub outsiders_seen: u64,
    /// How many clients received the signal, as `PUBLISH` counted them.
    pub receivers: usize,
    /// From the call to the complete report.
    pub elapsed: Duration,
}

impl PublishReport {
    /// How many answers from outside the subscriber set a report keeps
    /// (the first of each responder id; see [`outsiders`](Self::outsiders)):
    /// the others are counted in [`outsiders_seen`](Self::outsiders_seen).
    pub const OUTSIDERS_KEPT: usize = 64;
    /// How many bytes of an outsider's message a report keeps (cut at a
    /// character boundary).
    pub const OUTSIDER_MESSAGE_KEPT: usize = 1024;

    pub(crate) fn new(
        event: String,
        answers: BTreeMap<String, Answer>,
        missing: BTreeSet<String>,
        receivers: usize,
        elapsed: Duration,
    ) -> Self {
        let code = if !missing.is_empty() {
            ResultCode::SomeMissing
        } else if answers.values().any(|a| !a.ras.is_success()) {
            ResultCode::SomeFailed
        } else {
            ResultCode::AllSucceeded
        };
        Self {
            event,
            code,
            answers,
            missing,
            evicted: BTreeSet::new(),
            outsiders: BTreeMap::new(),
            outsiders_seen: 0,
            receivers,
            elapsed,
        }
    }

    /// Whether every subscriber answered with ras 1.
    pub fn all_succeeded(&self) -> bool {
        self.code == ResultCode::AllSucceeded
    }

    /// The subscribers that answered with a ras other than 1, with that ras.
    pub fn failed(&self) -> impl Iterator<Item = (&str, Ras)> {
        self.answers
            .iter()
            .filter(|(_, a)| !a.ras.is_success())
            .map(|(id, a)| (id.as_str(), a.ras))
    }

    /// The subscribers that answered with ras 1.
    pub fn succeeded(&self) -> impl Iterator<Item = &str> {
        self.answers
            .iter()
            .filter(|(_, a)| a.ras.is_success())
            .map(|(id, _)| id.as_str())
    }

    /// The `n` subscribers that took longest to answer, slowest first, with
    /// their latency (the missing ones are in [`missing`](Self::missing)).
    pub fn slowest(&self, n: usize) -> Vec<(&str, Duration)> {
        let mut answers: Vec<(&str, Duration)> = self
            .answers
            .iter()
            .map(|(id, a)| (id.as_str(), a.latency))
            .collect();
        answers.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        answers.truncate(n);
        answers
    }

    /// The messages that came with the answers, by responder id — the
    /// subscribers' and then the [`outsiders`](Self::outsiders)' (the
    /// Python package's second return value).
    pub fn messages(&self) -> impl Iterator<Item = (&str, &str)> {
        self.answers
            .iter()
            .chain(&self.outsiders)
            .filter_map(|(id, a)| Some((id.as_str(), a.message.as_deref()?)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(ras: i64, message: Option<&str>) -> Answer {
        Answer {
            ras: Ras::new(ras),
            message: message.map(str::to_owned),
            latency: Duration::from_millis(ras.unsigned_abs()),
            traceparent: None,
        }
    }

    #[test]
    fn code_is_missing_before_failed_before_success() {
        let ok = BTreeMap::from([("a".to_owned(), answer(1, None))]);
        let bad = BTreeMap::from([("a".to_owned(), answer(0, Some("disk full")))]);
        let gone = BTreeSet::from(["b".to_owned()]);
        let d = Duration::ZERO;
        let r = PublishReport::new("e".into(), ok.clone(), BTreeSet::new(), 1, d);
        assert_eq!(r.code, ResultCode::AllSucceeded);
        let r = PublishReport::new("e".into(), bad.clone(), BTreeSet::new(), 1, d);
        assert_eq!(r.code, ResultCode::SomeFailed);
        assert_eq!(r.failed().collect::<Vec<_>>(), [("a", Ras::FAILURE)]);
        assert_eq!(r.messages().collect::<Vec<_>>(), [("a", "disk full")]);
        let r = PublishReport::new("e".into(), bad, gone, 1, d);
        assert_eq!(r.code, ResultCode::SomeMissing);
        let r = PublishReport::new("e".into(), BTreeMap::new(), BTreeSet::new(), 0, d);
        assert!(r.all_succeeded());
    }

    #[test]
    fn slowest_first() {
        let answers = BTreeMap::from([
            ("a".to_owned(), answer(5, None)),
            ("b".to_owned(), answer(9, None)),
            ("c".to_owned(), answer(1, None)),
        ]);
        let r = PublishReport::new("e".into(), answers, BTreeSet::new(), 3, Duration::ZERO);
        let ms = Duration::from_millis;
        assert_eq!(r.slowest(2), [("b", ms(9)), ("a", ms(5))]);
        assert_eq!(r.slowest(10).len(), 3);
    }
}
