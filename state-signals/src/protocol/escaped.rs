//! Escaped: remote text made safe for a terminal or a log line.

use std::fmt;

/// Displays text received from the wire with its control characters
/// escaped (`\n`, `\u{1b}` …), so that ids, events, tags and messages
/// cannot forge log lines or drive a terminal. Other characters, non-ASCII
/// ones included, are shown as they are.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Escaped<'a>(pub(crate) &'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.0.chars() {
            if c.is_control() {
                write!(f, "{}", c.escape_default())?;
            } else {
                fmt::Write::write_char(f, c)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::Escaped;

    #[test]
    fn control_characters_are_escaped_and_the_rest_kept() {
        assert_eq!(Escaped("run\n\x1b[2Jx").to_string(), "run\\n\\u{1b}[2Jx");
        assert_eq!(Escaped("pod-7 ü").to_string(), "pod-7 ü");
    }
}
