//! The W3C trace context a signal may carry: the `traceparent` and
//! `tracestate` keys of its metadata (the Python package's responders accept
//! any metadata object, so the seven keys of a Signal stay seven).

/// The metadata key of a signal's W3C `traceparent`, and of an answer's
/// (top-level there: an extension key the Python exporter ignores).
pub(crate) const TRACEPARENT: &str = "traceparent";
/// The metadata key of a signal's W3C `tracestate`.
#[cfg(feature = "trace-context")]
pub(crate) const TRACESTATE: &str = "tracestate";

/// Whether `value` has the shape of a W3C `traceparent`:
/// `vv-<32 hex>-<16 hex>-ff`, lower case, version `ff` excluded. A peer's
/// value is only passed on (to a script's environment, into a report) when
/// it has this shape, so that a forged one can be neither huge nor junk.
pub(crate) fn is_traceparent(value: &str) -> bool {
    let parts: Vec<&str> = value.split('-').collect();
    let hex = |s: &str, len: usize| {
        s.len() == len
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    matches!(parts.as_slice(), [version, trace, span, flags]
        if hex(version, 2) && *version != "ff" && hex(trace, 32) && hex(span, 16) && hex(flags, 2)
            && trace.bytes().any(|b| b != b'0') && span.bytes().any(|b| b != b'0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_w3c_shape_is_a_traceparent() {
        assert!(is_traceparent(
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        ));
        for bad in [
            "",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
            "00-4bf92f3577b34da6a3ce929d0e0e47zz-00f067aa0ba902b7-01",
        ] {
            assert!(!is_traceparent(bad), "{bad}");
        }
    }
}
