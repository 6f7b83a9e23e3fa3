//! Text from the wire made safe for a terminal.

use std::fmt;

/// Displays remote text (ids, events, tags, messages, a script's stderr)
/// with its control characters escaped (`\n`, `\u{1b}` …), so that it
/// cannot forge output lines or drive the terminal; other characters,
/// non-ASCII ones included, are shown as they are.
#[derive(Debug, Clone, Copy)]
pub struct Escaped<'a>(pub &'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.chars().try_for_each(|c| match c.is_control() {
            true => c
                .escape_default()
                .try_for_each(|e| fmt::Write::write_char(f, e)),
            false => fmt::Write::write_char(f, c),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Escaped;

    #[test]
    fn a_forged_line_stays_on_one_line() {
        let shown = Escaped("ok\r\n{\"ras\":1}\t\x07").to_string();
        assert_eq!(shown, "ok\\r\\n{\"ras\":1}\\t\\u{7}");
    }
}
