//! Reports: the [`Report`] data a person or a program reads, and one renderer per format,
//! each writing into an `impl Write` the caller passes.
//!
//! Owns what goes into a report (inputs, window, findings with their time series, notes) and
//! how each format shows it. Every string that came from a log line is attacker-controlled:
//! each renderer neutralises control characters and escape sequences for its medium
//! ([`safe_text`] for terminals and plain text; JSON escapes them by construction). It does
//! not analyse anything.

mod json;
mod text;

use std::borrow::Cow;
use std::io::{self, Write};

use serde::Serialize;

use crate::app::{Analysed, InputInfo, LEVELS};
use crate::llm::Summary;
use crate::score::{self, Flag, TimeSeries, WindowReport};

pub use json::render_json;
pub use text::{TextOptions, render_text};

/// Version of the JSON report layout; bumped when a field changes meaning or disappears.
pub const SCHEMA_VERSION: u32 = 1;

/// Everything a report shows.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Which program and report layout wrote this.
    pub logsift: Meta,
    /// What was read, per input.
    pub inputs: Vec<InputReport>,
    /// Totals over all inputs.
    pub totals: Totals,
    /// The summary: what a person reads first.
    pub summary: Option<Summary>,
    /// How the baseline and incident windows were chosen.
    pub window: WindowReport,
    /// Findings, most important first.
    pub flagged: Vec<Finding>,
    /// Caveats worth a line each (caps hit, evictions, inputs that failed).
    pub notes: Vec<String>,
}

/// Program and layout version.
#[derive(Debug, Clone, Serialize)]
pub struct Meta {
    /// logsift's version.
    pub version: &'static str,
    /// [`SCHEMA_VERSION`].
    pub schema: u32,
}

/// One input as read.
#[derive(Debug, Clone, Serialize)]
pub struct InputReport {
    /// Name as given (`<stdin>` for `-`).
    pub name: String,
    /// `baseline` or `target`.
    pub group: crate::window::Group,
    /// Detected or given header format.
    pub format: String,
    /// Physical lines.
    pub lines: u64,
    /// Events (lines plus the continuation lines joined to them).
    pub events: u64,
    /// Lines cut at `--max-line-bytes`.
    pub truncated_lines: u64,
    /// Earliest timestamp, RFC 3339.
    pub first: Option<String>,
    /// Latest timestamp, RFC 3339.
    pub last: Option<String>,
    /// Events per level name.
    pub levels: Vec<(String, u64)>,
    /// Why the input could not be read completely.
    pub error: Option<String>,
}

/// Totals over all inputs.
#[derive(Debug, Clone, Serialize)]
pub struct Totals {
    /// Physical lines read.
    pub lines: u64,
    /// Events analysed.
    pub events: u64,
    /// Templates (live clusters) at the end.
    pub templates: usize,
    /// Clusters evicted at `--max-clusters` (their counts are kept under one catch-all).
    pub evicted_clusters: u64,
    /// Lines cut at `--max-line-bytes`.
    pub truncated_lines: u64,
}

/// One finding with its time series.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// The statistics of the finding.
    #[serde(flatten)]
    pub flag: Flag,
    /// `first_seen` as RFC 3339.
    pub first_seen_at: Option<String>,
    /// Counts per display bucket, baseline and incident.
    pub series: TimeSeries,
}

impl Report {
    /// Builds the report of a finished analysis.
    pub fn new(a: &Analysed) -> Report {
        let read = &a.mined.read;
        let t = read.totals();
        let stats = a.mined.miner.stats();
        let inputs = read.inputs.iter().map(input_report).collect();
        let flagged = a
            .analysis
            .flagged
            .iter()
            .map(|f| Finding {
                first_seen_at: f.first_seen.map(score::format_iso),
                series: score::time_series(&a.mined.counts, &a.analysis, f.cluster_id),
                flag: f.clone(),
            })
            .collect();
        let mut notes = Vec::new();
        for i in &read.inputs {
            if let Some(e) = &i.error {
                notes.push(e.clone());
            }
        }
        if t.truncated_lines > 0 {
            notes.push(format!(
                "{} line(s) were cut at --max-line-bytes",
                t.truncated_lines
            ));
        }
        if stats.evicted > 0 {
            notes.push(format!(
                "{} cluster(s) were evicted at --max-clusters {}; their lines are counted under one catch-all",
                stats.evicted,
                a.mined.miner.config().max_clusters()
            ));
        }
        Report {
            logsift: Meta {
                version: env!("CARGO_PKG_VERSION"),
                schema: SCHEMA_VERSION,
            },
            inputs,
            totals: Totals {
                lines: t.lines,
                events: t.events,
                templates: a.mined.miner.len(),
                evicted_clusters: stats.evicted,
                truncated_lines: t.truncated_lines,
            },
            summary: None,
            window: a.analysis.window.clone(),
            flagged,
            notes,
        }
    }
}

fn input_report(i: &InputInfo) -> InputReport {
    InputReport {
        name: i.name.clone(),
        group: i.group,
        format: i.format_name().to_owned(),
        lines: i.stats.lines,
        events: i.stats.events,
        truncated_lines: i.stats.truncated_lines,
        first: i.first_ts.map(|t| t.to_string()),
        last: i.last_ts.map(|t| t.to_string()),
        levels: LEVELS
            .iter()
            .zip(i.levels)
            .filter(|(_, n)| *n > 0)
            .map(|(l, n)| (l.as_str().to_owned(), n))
            .collect(),
        error: i.error.clone(),
    }
}

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// For terminals and plain-text mail.
    #[default]
    Text,
    /// Stable JSON for programs (`jq`).
    Json,
}

/// Renders `report` in `format`.
pub fn render(
    report: &Report,
    format: Format,
    opts: &TextOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Text => render_text(report, opts, out),
        Format::Json => render_json(report, out),
    }
}

/// Makes log-derived text safe to print on a terminal or in plain text: control characters
/// (C0, DEL, C1, which start escape sequences), and Unicode bidirectional overrides (which
/// reorder what a reader sees) are written as visible `\xNN` / `\u{NNNN}` escapes. Tabs become
/// spaces; everything else is kept.
pub fn safe_text(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c == '\t' {
            out.push(' ');
        } else if needs_escape(c) {
            let n = c as u32;
            if n < 0x100 {
                out.push_str(&format!("\\x{n:02x}"));
            } else {
                out.push_str(&format!("\\u{{{n:04x}}}"));
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    c.is_control() || matches!(c as u32, 0x200e | 0x200f | 0x202a..=0x202e | 0x2066..=0x2069)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_escapes_are_made_visible() {
        assert_eq!(safe_text("plain text"), "plain text");
        assert_eq!(safe_text("a\x1b[31mred"), "a\\x1b[31mred");
        assert_eq!(safe_text("forged\r\nline"), "forged\\x0d\\x0aline");
        assert_eq!(safe_text("\u{9b}2J"), "\\x9b2J");
        assert_eq!(safe_text("evil\u{202e}txt"), "evil\\u{202e}txt");
        assert_eq!(safe_text("tab\there"), "tab here");
    }
}
