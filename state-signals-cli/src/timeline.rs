//! `run --timeline FILE.svg`: a picture of the session, one row per
//! responder and one column per publish, each cell coloured by the
//! outcome and labelled with the answer's latency, the slowest answer of
//! each publish outlined. Rewritten after every publish, so that an
//! interrupted run leaves the picture of what it did. Self-contained SVG:
//! no script, no external font or style.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use state_signals::PublishReport;

/// Row and column sizes, in pixels (a column widens to fit its event's
/// name, up to `COLUMN_MAX`).
const ROW: usize = 18;
const COLUMN: usize = 76;
const COLUMN_MAX: usize = 160;
const HEADER: usize = 64;
const MARGIN: usize = 12;
const CHAR: usize = 7;
/// Responder ids longer than this are cut (with an ellipsis) in the labels.
const LABEL_CHARS: usize = 48;

const SUCCEEDED: &str = "#4caf50";
const FAILED: &str = "#e53935";
const MISSING: &str = "#9e9e9e";
const ABSENT: &str = "#f5f5f5";
const LEGEND: [(&str, &str); 4] = [
    (SUCCEEDED, "succeeded"),
    (FAILED, "failed"),
    (MISSING, "missing"),
    (ABSENT, "not subscribed"),
];
const LEGEND_SLOWEST: &str =
    "the slowest answer of a publish · cells: answer latency · column head: the whole publish";

/// The session so far.
#[derive(Debug)]
pub struct Timeline {
    path: PathBuf,
    process: String,
    columns: Vec<Column>,
}

#[derive(Debug)]
struct Column {
    event: String,
    elapsed: Duration,
    cells: BTreeMap<String, Cell>,
    slowest: Option<String>,
}

#[derive(Debug)]
enum Cell {
    Answered { ras: i64, latency: Duration },
    Missing,
}

impl Timeline {
    pub fn new(path: PathBuf, process: &str) -> Self {
        Self {
            path,
            process: process.to_owned(),
            columns: Vec::new(),
        }
    }

    /// Adds a publish and rewrites the file.
    pub fn record(&mut self, report: &PublishReport) -> std::io::Result<()> {
        let mut cells: BTreeMap<String, Cell> = report
            .answers
            .iter()
            .map(|(id, answer)| {
                let cell = Cell::Answered {
                    ras: answer.ras.code(),
                    latency: answer.latency,
                };
                (id.clone(), cell)
            })
            .collect();
        for id in &report.missing {
            cells.insert(id.clone(), Cell::Missing);
        }
        self.columns.push(Column {
            event: report.event.clone(),
            elapsed: report.elapsed,
            cells,
            slowest: report.slowest(1).first().map(|(id, _)| (*id).to_owned()),
        });
        std::fs::write(&self.path, self.svg())
    }

    /// The picture.
    pub fn svg(&self) -> String {
        let rows: Vec<&str> = self
            .columns
            .iter()
            .flat_map(|c| c.cells.keys().map(String::as_str))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let label_width = rows
            .iter()
            .map(|id| id.chars().count().min(LABEL_CHARS))
            .max()
            .unwrap_or(10)
            .max(10)
            * CHAR
            + MARGIN;
        let left = MARGIN + label_width;
        let top = MARGIN + 22 + HEADER;
        let column = self
            .columns
            .iter()
            .map(|c| c.event.chars().count() * CHAR + 10)
            .max()
            .unwrap_or(0)
            .clamp(COLUMN, COLUMN_MAX);
        let legend_width = LEGEND
            .iter()
            .map(|(_, text)| 18 + text.len() * CHAR + 16)
            .sum::<usize>()
            + 18
            + LEGEND_SLOWEST.chars().count() * 6;
        let width = (left + self.columns.len() * column + MARGIN).max(legend_width + 2 * MARGIN);
        let legend = top + rows.len() * ROW + 16;
        let height = legend + 28;
        let mut svg = String::new();
        let _ = write!(
            svg,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="DejaVu Sans, Verdana, sans-serif" font-size="11">"#
        );
        let _ = write!(
            svg,
            r#"<rect width="{width}" height="{height}" fill="white"/><title>state-signals run: {}</title>"#,
            xml(&self.process)
        );
        let _ = write!(
            svg,
            r#"<text x="{MARGIN}" y="{}" font-size="14" font-weight="bold">state-signals run --process {}: {} publishes, {} responders</text>"#,
            MARGIN + 12,
            xml(&self.process),
            self.columns.len(),
            rows.len()
        );
        for (n, col) in self.columns.iter().enumerate() {
            let x = left + n * column;
            let center = x + column / 2;
            let _ = write!(
                svg,
                r#"<text x="{center}" y="{}" text-anchor="middle" font-weight="bold">#{}</text>"#,
                top - HEADER + 14,
                n + 1
            );
            let _ = write!(
                svg,
                r#"<text x="{center}" y="{}" text-anchor="middle"><title>{}</title>{}</text>"#,
                top - HEADER + 30,
                xml(&col.event),
                xml(&cut(&col.event, column / CHAR - 1))
            );
            let _ = write!(
                svg,
                r##"<text x="{center}" y="{}" text-anchor="middle" fill="#555">{}</text>"##,
                top - HEADER + 46,
                short(col.elapsed)
            );
        }
        for (row, id) in rows.iter().enumerate() {
            let y = top + row * ROW;
            if row % 2 == 1 {
                let _ = write!(
                    svg,
                    r##"<rect x="{MARGIN}" y="{y}" width="{}" height="{ROW}" fill="#fafafa"/>"##,
                    width - 2 * MARGIN
                );
            }
            let _ = write!(
                svg,
                r#"<text x="{}" y="{}" text-anchor="end"><title>{}</title>{}</text>"#,
                left - 6,
                y + ROW - 5,
                xml(id),
                xml(&cut(id, LABEL_CHARS))
            );
            for (n, col) in self.columns.iter().enumerate() {
                let x = left + n * column + 2;
                let (fill, label, tip) = look(col.cells.get(*id));
                let slowest = col.slowest.as_deref() == Some(*id);
                let outline = if slowest {
                    r##" stroke="#212121" stroke-width="2""##
                } else {
                    ""
                };
                let _ = write!(
                    svg,
                    r#"<rect x="{x}" y="{}" width="{}" height="{}" rx="2" fill="{fill}"{outline}><title>{} · #{} {}: {}{}</title></rect>"#,
                    y + 1,
                    column - 4,
                    ROW - 2,
                    xml(id),
                    n + 1,
                    xml(&col.event),
                    tip,
                    if slowest { " (the slowest)" } else { "" }
                );
                if !label.is_empty() {
                    let weight = if slowest {
                        r#" font-weight="bold""#
                    } else {
                        ""
                    };
                    let _ = write!(
                        svg,
                        r#"<text x="{}" y="{}" text-anchor="middle" font-size="10" fill="white"{weight}>{label}</text>"#,
                        x + (column - 4) / 2,
                        y + ROW - 5
                    );
                }
            }
        }
        write_legend(&mut svg, legend);
        svg.push_str("</svg>\n");
        svg
    }
}

/// A cell's colour, label and tooltip: by outcome, `None` for a responder
/// that was not a subscriber of that publish.
fn look(cell: Option<&Cell>) -> (&'static str, String, String) {
    match cell {
        Some(Cell::Answered { ras: 1, latency }) => (
            SUCCEEDED,
            short(*latency),
            format!("succeeded in {latency:.1?}"),
        ),
        Some(Cell::Answered { ras, latency }) => (
            FAILED,
            short(*latency),
            format!("failed (ras {ras}) in {latency:.1?}"),
        ),
        Some(Cell::Missing) => (
            MISSING,
            "missing".to_owned(),
            "no answer in time".to_owned(),
        ),
        None => (ABSENT, String::new(), "not a subscriber".to_owned()),
    }
}

/// The legend, on one line at `y`: a swatch per outcome, then the outline
/// of the slowest.
fn write_legend(svg: &mut String, y: usize) {
    let mut x = MARGIN;
    for (fill, text) in LEGEND {
        let _ = write!(
            svg,
            r##"<rect x="{x}" y="{y}" width="14" height="14" rx="2" fill="{fill}" stroke="#ccc"/><text x="{}" y="{}">{text}</text>"##,
            x + 18,
            y + 11
        );
        x += 18 + text.len() * CHAR + 16;
    }
    let _ = write!(
        svg,
        r##"<rect x="{x}" y="{y}" width="14" height="14" rx="2" fill="white" stroke="#212121" stroke-width="2"/><text x="{}" y="{}">{LEGEND_SLOWEST}</text>"##,
        x + 18,
        y + 11
    );
}

/// A duration in a few characters: `850µs`, `12.3ms`, `1.20s`.
fn short(d: Duration) -> String {
    let micros = d.as_micros();
    if micros < 1_000 {
        format!("{micros}µs")
    } else if micros < 100_000 {
        format!("{:.1}ms", d.as_secs_f64() * 1e3)
    } else if micros < 10_000_000 {
        format!("{:.2}s", d.as_secs_f64())
    } else {
        format!("{:.0}s", d.as_secs_f64())
    }
}

/// `text` cut to `max` characters, with an ellipsis when cut.
fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// Text made safe for XML: markup escaped, characters XML 1.0 forbids
/// (control characters a peer may put in an id) replaced.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(' '),
            c if c < ' '
                || ('\u{7f}'..='\u{9f}').contains(&c)
                || c == '\u{fffe}'
                || c == '\u{ffff}' =>
            {
                out.push('\u{fffd}');
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_ids_are_escaped() {
        assert_eq!(xml("a<b>&\"'\u{1}"), "a&lt;b&gt;&amp;&quot;&apos;\u{fffd}");
        assert_eq!(cut("abcdef", 4), "abc…");
        assert_eq!(short(Duration::from_micros(850)), "850µs");
        assert_eq!(short(Duration::from_millis(12)), "12.0ms");
        assert_eq!(short(Duration::from_millis(1200)), "1.20s");
    }
}
