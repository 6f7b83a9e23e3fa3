//! Live progress on stderr: a bar on a terminal, plain lines otherwise.

use std::future::IntoFuture;
use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use state_signals::{ExporterEvent, ExporterEvents};

/// How long a wait runs before its hint is shown.
const QUIET_WAIT: Duration = Duration::from_secs(3);

/// Draws what an exporter observes while a call runs.
pub struct Progress {
    events: ExporterEvents,
    terminal: bool,
    quiet: bool,
}

impl Progress {
    pub fn new(events: ExporterEvents, quiet: bool) -> Self {
        Self {
            events,
            terminal: std::io::stderr().is_terminal() && !quiet,
            quiet,
        }
    }

    /// Runs `fut` while showing "waiting for subscribers k/n (t)"; after a
    /// few quiet seconds without `--periodic`, says that responders
    /// starting later need it (the library logs the same).
    pub async fn subscribers<T>(
        &mut self,
        have: usize,
        want: usize,
        periodic: bool,
        fut: impl IntoFuture<Output = T>,
    ) -> T {
        if want > 0 {
            self.note(format!("waiting for {want} subscribers"));
        }
        let hint = (want > 0 && !periodic)
            .then_some("responders that start after the initialization need --periodic");
        self.track("waiting for subscribers", have, want, hint, fut)
            .await
    }

    /// Runs `fut` while showing "<event>: k/n answered (t)".
    pub async fn answers<T>(
        &mut self,
        event: &str,
        want: usize,
        fut: impl IntoFuture<Output = T>,
    ) -> T {
        self.track(&format!("{event}: answered"), 0, want, None, fut)
            .await
    }

    /// A line that stays on stderr, on a terminal too (not with -q).
    pub fn summary(&self, line: String) {
        if !self.quiet {
            eprintln!("state-signals: {line}");
        }
    }

    /// A plain line on stderr (not on a terminal, where the bar says it, and not with -q).
    pub fn note(&self, line: String) {
        if !self.terminal && !self.quiet {
            eprintln!("state-signals: {line}");
        }
    }

    async fn track<T>(
        &mut self,
        label: &str,
        have: usize,
        want: usize,
        hint: Option<&str>,
        fut: impl IntoFuture<Output = T>,
    ) -> T {
        let bar = self.terminal.then(|| {
            let bar = ProgressBar::new(want as u64).with_message(label.to_owned());
            let style =
                ProgressStyle::with_template("{msg} {pos}/{len} ({elapsed_precise}) {wide_bar}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar.set_position(have as u64);
            // Redraws the elapsed time; the count itself moves on events.
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        let mut fut = std::pin::pin!(fut.into_future());
        let quiet = tokio::time::sleep(QUIET_WAIT);
        let mut quiet = std::pin::pin!(quiet);
        let mut hinted = hint.is_none();
        loop {
            tokio::select! {
                () = &mut quiet, if !hinted => {
                    hinted = true;
                    let hint = hint.unwrap_or_default();
                    match &bar {
                        Some(bar) => bar.set_message(format!("{label} ({hint})")),
                        None => self.note(hint.to_owned()),
                    }
                }
                out = &mut fut => {
                    if let Some(bar) = bar {
                        bar.finish_and_clear();
                    }
                    return out;
                }
                event = self.events.recv() => {
                    let position = match event {
                        Some(ExporterEvent::SubscriberJoined { subscribers, .. }) => Some(subscribers),
                        Some(ExporterEvent::Answered { answered, .. }) => Some(answered),
                        Some(_) => None,
                        None => return fut.await,
                    };
                    if let (Some(bar), Some(position)) = (&bar, position) {
                        bar.set_position(position as u64);
                    }
                }
            }
        }
    }
}
