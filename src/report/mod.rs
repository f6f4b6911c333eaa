//! Reports: the [`Report`] data a person or a program reads, and one renderer per format,
//! each writing into an `impl Write` the caller passes.
//!
//! Owns what goes into a report (inputs, window, findings with their time series, template
//! fingerprints, runbook links, the findings that keep coming back without a runbook, notes),
//! the optional redaction of every log-derived string (`--redact-output`), and how each
//! format shows it: [`render_text`] for terminals, [`render_markdown`] for chat and tickets,
//! [`render_json`] for programs (documented in `docs/json-schema.md`), [`render_html`] for a
//! review meeting. Every string that came from a log line is attacker-controlled: each
//! renderer neutralises control characters and escape sequences for its medium
//! ([`safe_text`] for terminals and plain text, Markdown and HTML escaping on top of it, JSON
//! escapes them by construction). It does not analyse anything.

mod html;
mod json;
mod markdown;
mod text;

use std::borrow::Cow;
use std::io::{self, Write};
use std::sync::LazyLock;

use regex::Regex;
use serde::{Serialize, Serializer};

use crate::app::{Analysed, InputInfo, LEVELS};
use crate::history::{Recurring, ReviewHistory};
use crate::llm::Summary;
use crate::redact::{Audit, RedactConfig, Redactor};
use crate::runbook::{RunbookLink, Runbooks, Subject, fingerprint};
use crate::score::{self, Flag, Kind, TimeSeries, WindowReport};
use crate::window::TimeBasis;

pub use html::render_html;
pub use json::render_json;
pub use markdown::render_markdown;
pub use text::{TextOptions, render_text};

/// Version of the JSON report layout; bumped when a field changes meaning or disappears
/// (new fields may appear without a bump). `docs/json-schema.md` describes it.
pub const SCHEMA_VERSION: u32 = 1;
/// Most recurring findings without a runbook listed; the rest are counted in a note.
pub const MAX_NO_RUNBOOK: usize = 25;

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
    /// The runbook file used, when one was given.
    pub runbooks: Option<RunbooksUsed>,
    /// Findings flagged in several reviews that no runbook covers.
    pub no_runbook_yet: Vec<NoRunbook>,
    /// What `--redact-output` replaced in this report (absent without it).
    pub output_redaction: Option<Audit>,
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
    /// Events per level, in severity order; serialised as an object `{"info": 3038, ...}`.
    pub levels: Levels,
    /// Why the input could not be read completely.
    pub error: Option<String>,
}

/// Events per level name (lowercase), in severity order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Levels(pub Vec<(String, u64)>);

impl Serialize for Levels {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
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
    /// [`fingerprint`] of the template: the name to put in a runbook file.
    pub fingerprint: String,
    /// The component that emitted most of its lines, when known.
    pub component: Option<String>,
    /// `first_seen` as RFC 3339.
    pub first_seen_at: Option<String>,
    /// Counts per display bucket, baseline and incident.
    pub series: TimeSeries,
    /// The runbook matched to it.
    pub runbook: Option<RunbookLink>,
}

/// The runbook file a report was matched against.
#[derive(Debug, Clone, Serialize)]
pub struct RunbooksUsed {
    /// The file as given.
    pub file: String,
    /// Its entries.
    pub entries: usize,
    /// Findings that matched one.
    pub matched: usize,
}

/// A recurring finding without a runbook.
#[derive(Debug, Clone, Serialize)]
pub struct NoRunbook {
    /// Its record in the review history.
    #[serde(flatten)]
    pub recurring: Recurring,
    /// Whether this report flags it too.
    pub flagged_now: bool,
}

impl Report {
    /// Builds the report of a finished analysis. The summary, components, runbooks,
    /// history and output redaction are added by the methods below, in that order.
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
                fingerprint: fingerprint(&f.template),
                component: None,
                first_seen_at: f.first_seen.map(score::format_iso),
                series: score::time_series(&a.mined.counts, &a.analysis, f.cluster_id),
                runbook: None,
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
            runbooks: None,
            no_runbook_yet: Vec::new(),
            output_redaction: None,
            notes,
        }
    }

    /// Sets each finding's emitting component (see [`crate::runbook::ComponentTally`]).
    pub fn set_components(&mut self, component: &dyn Fn(u32) -> Option<String>) {
        for f in &mut self.flagged {
            f.component = component(f.flag.cluster_id);
        }
    }

    /// Links each finding to the first runbook entry that matches it.
    pub fn attach_runbooks(&mut self, runbooks: &Runbooks) {
        let mut matched = 0;
        for f in &mut self.flagged {
            let s = Subject {
                template: &f.flag.template,
                samples: &f.flag.samples,
                fingerprint: &f.fingerprint,
                level: f.flag.level,
                component: f.component.as_deref(),
            };
            f.runbook = runbooks.find(&s).map(|r| r.link());
            matched += usize::from(f.runbook.is_some());
        }
        self.runbooks = Some(RunbooksUsed {
            file: runbooks.origin().to_owned(),
            entries: runbooks.len(),
            matched,
        });
    }

    /// Lists the findings flagged in at least `min_reviews` reviews of `history` that no
    /// entry of `runbooks` covers (all of them when there is no runbook file). Record this
    /// review in the history first, so that its findings count.
    pub fn attach_history(
        &mut self,
        history: &ReviewHistory,
        runbooks: Option<&Runbooks>,
        min_reviews: u64,
    ) {
        let all = history.recurring_without(min_reviews, runbooks);
        let more = all.len().saturating_sub(MAX_NO_RUNBOOK);
        self.no_runbook_yet = all
            .into_iter()
            .take(MAX_NO_RUNBOOK)
            .map(|r| NoRunbook {
                flagged_now: self.flagged.iter().any(|f| f.fingerprint == r.fingerprint),
                recurring: r,
            })
            .collect();
        if more > 0 {
            self.notes.push(format!(
                "{more} more recurring finding(s) without a runbook are not listed"
            ));
        }
    }

    /// `--redact-output`: passes every log-derived string of the report (templates, samples,
    /// parameter values, components, the summary's text, the recurring list) through one
    /// [`Redactor`] with `config`, and records its audit in `output_redaction`. Call it last:
    /// runbooks match the text before redaction. A template that changed gets the fingerprint
    /// of its redacted text (placeholders without their numbers), so that no fingerprint is a
    /// hash of a secret.
    pub fn redact_output(&mut self, config: RedactConfig) {
        let mut r = Redactor::new(config);
        for f in &mut self.flagged {
            // Whole lines first: their context (`password=...`) reveals secrets that the
            // redactor then remembers and finds again bare in the template and the values.
            for s in &mut f.flag.samples {
                *s = r.redact_str(s);
            }
            let (before, after) = slot_context(&f.flag.template, f.flag.slot);
            for v in f
                .flag
                .values_before
                .iter_mut()
                .chain(f.flag.values_after.iter_mut())
            {
                v.value = r.redact_in_context(&before, &v.value, &after);
            }
            let t = r.redact_str(&f.flag.template);
            if t != f.flag.template {
                f.fingerprint = fingerprint(&without_placeholder_numbers(&t));
                f.flag.template = t;
            }
            if let Some(c) = &mut f.component {
                *c = r.redact_str(c);
            }
        }
        if let Some(s) = &mut self.summary {
            s.headline = r.redact_str(&s.headline);
            for f in &mut s.findings {
                f.what = r.redact_str(&f.what);
                f.why_it_matters = r.redact_str(&f.why_it_matters);
            }
            s.likely_cause = r.redact_str(&s.likely_cause);
            for n in &mut s.next_steps {
                *n = r.redact_str(n);
            }
            if let Some(fb) = &mut s.fallback {
                *fb = r.redact_str(fb);
            }
        }
        for n in &mut self.no_runbook_yet {
            let t = r.redact_str(&n.recurring.template);
            if t != n.recurring.template {
                n.recurring.fingerprint = fingerprint(&without_placeholder_numbers(&t));
                n.recurring.template = t;
            }
        }
        self.output_redaction = Some(r.audit());
    }

    /// How times are written in this report: short when it all happens on one UTC day.
    pub fn clock(&self) -> Clock {
        Clock::of(&self.window)
    }
}

/// The text around a parameter slot of a template, for judging its values in context.
fn slot_context(template: &str, slot: Option<u16>) -> (String, String) {
    /// Characters of context on each side, as the summary stage uses.
    const CONTEXT: usize = 80;
    let tail = |s: &str| -> String {
        let n = s.chars().count();
        s.chars().skip(n.saturating_sub(CONTEXT)).collect()
    };
    let head = |s: &str| -> String { s.chars().take(CONTEXT).collect() };
    if let Some(k) = slot
        && let Some((at, _)) = template.match_indices("<*>").nth(usize::from(k))
    {
        return (tail(&template[..at]), head(&template[at + 3..]));
    }
    (format!("{} ", tail(template)), String::new())
}

/// `<SECRET_12>` becomes `<SECRET>`: placeholder numbers depend on the order strings were
/// redacted in, so they must not enter a fingerprint.
fn without_placeholder_numbers(s: &str) -> String {
    static PLACEHOLDER: LazyLock<Option<Regex>> =
        LazyLock::new(|| Regex::new(r"<([A-Z][A-Z0-9]*(?:_[A-Z][A-Z0-9]*)*)_[0-9]+>").ok());
    match &*PLACEHOLDER {
        Some(re) => re.replace_all(s, "<$1>").into_owned(),
        None => s.to_owned(),
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
        levels: Levels(
            LEVELS
                .iter()
                .zip(i.levels)
                .filter(|(_, n)| *n > 0)
                .map(|(l, n)| (l.as_str().to_ascii_lowercase(), n))
                .collect(),
        ),
        error: i.error.clone(),
    }
}

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// For terminals and plain-text mail.
    #[default]
    Text,
    /// For chat, tickets and wikis (CommonMark with GitHub tables).
    Markdown,
    /// Stable JSON for programs (`jq`).
    Json,
    /// One self-contained page for a review meeting.
    Html,
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
        Format::Markdown => render_markdown(report, opts, out),
        Format::Json => render_json(report, out),
        Format::Html => render_html(report, out),
    }
}

// ---------------------------------------------------------------------------------------
// Shared wording

/// How a report writes times: `14:02:10` when everything happens on one UTC day (the day
/// is said once), `2026-11-27 14:02:10` otherwise, `event N` for line positions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clock {
    basis: TimeBasis,
    day: Option<String>,
}

impl Clock {
    /// The clock of a window.
    pub fn of(w: &WindowReport) -> Clock {
        let start = w.baseline.start_ms.min(w.incident.start_ms);
        let end = w.baseline.end_ms.max(w.incident.end_ms);
        let day = |ms: i64| score::format_iso(ms).chars().take(10).collect::<String>();
        let last = end.saturating_sub(1).max(start);
        let same = w.time_basis == TimeBasis::Timestamps && day(start) == day(last);
        Clock {
            basis: w.time_basis,
            day: same.then(|| day(start)),
        }
    }

    /// The one day everything happens on (`2026-11-27`), if so.
    pub fn day(&self) -> Option<&str> {
        self.day.as_deref()
    }

    /// Whether times are real timestamps (not line positions).
    pub fn timed(&self) -> bool {
        self.basis == TimeBasis::Timestamps
    }

    /// A time, to the second.
    pub fn at(&self, ms: i64) -> String {
        if self.basis == TimeBasis::Positions {
            return format!(
                "event {}",
                ms.div_euclid(crate::window::POSITION_STEP_MS) + 1
            );
        }
        let iso = score::format_iso(ms);
        let (date, rest) = iso.split_at(iso.len().min(10));
        let hms: String = rest.chars().skip(1).take(8).collect();
        if self.day.is_some() {
            hms
        } else {
            format!("{date} {hms}")
        }
    }

    /// The unit rates are given in.
    pub fn rate_unit(&self) -> &'static str {
        match self.basis {
            TimeBasis::Timestamps => "/min",
            TimeBasis::Positions => "/60 events",
        }
    }
}

/// A duration for people: `14m 54s`, `1h 0m 3s`, `2d 3h`, `250ms`; trailing zero units are
/// left out (`5m`, `1h`).
pub fn duration(ms: i64) -> String {
    if ms < 0 {
        return format!("-{}", duration(ms.saturating_neg()));
    }
    if ms < 1_000 {
        return format!("{ms}ms");
    }
    let s = ms / 1_000;
    let (d, h, m, sec) = (s / 86_400, (s / 3_600) % 24, (s / 60) % 60, s % 60);
    let parts: Vec<(i64, &str)> = if d > 0 {
        vec![(d, "d"), (h, "h"), (m, "m")]
    } else if h > 0 {
        vec![(h, "h"), (m, "m"), (sec, "s")]
    } else if m > 0 {
        vec![(m, "m"), (sec, "s")]
    } else {
        vec![(sec, "s")]
    };
    let keep = parts
        .iter()
        .rposition(|(v, _)| *v != 0)
        .map_or(1, |i| i + 1);
    parts[..keep]
        .iter()
        .map(|(v, u)| format!("{v}{u}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// When a finding's template first appeared, worth showing: for a new template, or when it
/// first appeared inside the incident window (for the others it only says when the data
/// starts).
pub fn first_seen_shown(f: &Flag, w: &WindowReport) -> Option<i64> {
    f.first_seen
        .filter(|&t| f.kind == Kind::New || t >= w.incident.start_ms)
}

/// The word for a kind, upper case.
pub fn kind_label(k: Kind) -> &'static str {
    match k {
        Kind::New => "NEW",
        Kind::Spike => "SPIKE",
        Kind::Drop => "DROP",
        Kind::Trend => "TREND",
        Kind::ParamShift => "VALUES",
    }
}

/// A level name in upper case (`-` when unknown).
pub fn level_label(level: Option<&str>) -> String {
    level.map_or_else(|| "-".to_owned(), str::to_ascii_uppercase)
}

/// A rate with two decimals, or fewer digits when large.
pub fn rate(x: f64) -> String {
    if !x.is_finite() {
        "-".to_owned()
    } else if x >= 100.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.2}")
    }
}

/// The incident/baseline ratio for people: `x3.2`, `new`, `gone`.
pub fn fold(f: &Flag) -> String {
    if f.baseline_count == 0 {
        "new".to_owned()
    } else if f.vanished || f.incident_count == 0 {
        "gone".to_owned()
    } else if f.fold_change >= 10.0 {
        format!("x{:.0}", f.fold_change)
    } else {
        format!("x{:.2}", f.fold_change)
    }
}

/// Counts of a series as two sparklines on one scale: the baseline in `wb` characters, the
/// incident in `wi`.
pub(crate) fn sparkline_pair(s: &TimeSeries, wb: usize, wi: usize) -> (String, String) {
    text::spark_pair(&s.baseline.counts, &s.incident.counts, wb, wi)
}

/// Whether `u` is a plain web address that may be linked (`http(s)://`, no characters that
/// could leave an attribute or a Markdown link). Runbook files are checked on load; this
/// guards reports built by other code.
pub(crate) fn is_web_url(u: &str) -> bool {
    let lower = u.to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://"))
        && !u.chars().any(|c| {
            c.is_whitespace() || c.is_control() || matches!(c, '"' | '\'' | '<' | '>' | '`' | '\\')
        })
}

/// How a summary was made, one sentence a line: who wrote it (and why the offline summary
/// was used if a model failed), what the evidence held, and what was redacted from it.
pub fn provenance(s: &Summary) -> Vec<String> {
    let mut how = match (&s.producer, &s.model) {
        (crate::llm::Producer::Openai, Some(m)) => {
            format!("Written by {m}, checked against the evidence")
        }
        _ => "Written by logsift's offline summarizer".to_owned(),
    };
    if let Some(f) = &s.fallback {
        how.push_str(&format!(" ({f})"));
    }
    if s.attempts > 0 {
        how.push_str(&format!(
            "; {} request{}",
            s.attempts,
            if s.attempts == 1 { "" } else { "s" }
        ));
        if let (Some(i), Some(o)) = (s.tokens_in, s.tokens_out) {
            how.push_str(&format!(", {i} tokens in, {o} out"));
        }
        if let Some(ms) = s.latency_ms {
            how.push_str(&format!(", {:.1} s", ms as f64 / 1000.0));
        }
    }
    how.push('.');
    let p = &s.evidence;
    let what = if s.attempts > 0 {
        "Sent to the model"
    } else {
        "Evidence"
    };
    let mut ev = format!(
        "{what}: {} of {} findings, {} of {} prompt tokens",
        p.findings_included, p.findings_total, p.prompt_tokens, p.budget
    );
    let red = &s.redaction;
    if red.in_prompt.is_empty() {
        ev.push_str("; nothing needed redacting.");
    } else {
        let parts: Vec<String> = red
            .in_prompt
            .iter()
            .map(|(label, n)| format!("{n} {label}"))
            .collect();
        ev.push_str(&format!("; redacted first: {}.", parts.join(", ")));
    }
    vec![how, ev]
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
