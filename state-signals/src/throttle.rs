//! Throttle: one log line per interval for events that a remote peer can
//! repeat at will (malformed payloads, dropped signals), with the count.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The shortest time between two lines of one throttle.
pub(crate) const LOG_INTERVAL: Duration = Duration::from_secs(10);

/// Counts occurrences and says when one should be logged: the first at once,
/// then at most one per [`LOG_INTERVAL`], carrying how many happened since
/// the last line.
#[derive(Debug, Default)]
pub(crate) struct Throttle {
    total: AtomicU64,
    /// When the last line was logged and the total then.
    last: Mutex<Option<(Instant, u64)>>,
}

impl Throttle {
    /// Counts one occurrence; `Some(n)` when it should be logged, `n` being
    /// the occurrences since the last line (this one included).
    pub(crate) fn hit(&self) -> Option<u64> {
        let total = self.total.fetch_add(1, Ordering::Relaxed) + 1;
        let mut last = self
            .last
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let now = Instant::now();
        match *last {
            Some((at, _)) if now.duration_since(at) < LOG_INTERVAL => None,
            Some((_, logged)) => {
                *last = Some((now, total));
                Some(total - logged)
            }
            None => {
                *last = Some((now, total));
                Some(total)
            }
        }
    }

    /// Every occurrence so far.
    pub(crate) fn total(&self) -> u64 {
        self.total.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_is_logged_then_one_per_interval_with_the_count() {
        let throttle = Throttle::default();
        assert_eq!(throttle.hit(), Some(1));
        assert_eq!(throttle.hit(), None);
        assert_eq!(throttle.hit(), None);
        assert_eq!(throttle.total(), 3);
        // Pretend the interval passed.
        if let Ok(mut last) = throttle.last.lock() {
            *last = last.map(|(at, n)| (at - LOG_INTERVAL, n));
        }
        assert_eq!(throttle.hit(), Some(3), "two suppressed + this one");
    }
}
