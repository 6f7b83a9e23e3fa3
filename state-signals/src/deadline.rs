//! Deadlines that saturate: a timeout of `Duration::MAX` (or any value too
//! large to add to an `Instant`) means "practically never", not a panic.

use std::time::Duration;

use tokio::time::Instant;

/// About thirty years: what a deadline that cannot be represented becomes.
const PRACTICALLY_NEVER: Duration = Duration::from_secs(30 * 365 * 24 * 3600);

/// `start + after`, or thirty years from `start` when that overflows.
pub(crate) fn deadline(start: Instant, after: Duration) -> Instant {
    start
        .checked_add(after)
        .or_else(|| start.checked_add(PRACTICALLY_NEVER))
        .unwrap_or(start)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_durations_saturate() {
        let now = Instant::now();
        assert_eq!(
            deadline(now, Duration::from_secs(1)),
            now + Duration::from_secs(1)
        );
        assert!(deadline(now, Duration::MAX) > now + Duration::from_secs(365 * 24 * 3600));
    }
}
