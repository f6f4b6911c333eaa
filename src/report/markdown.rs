//! The Markdown report, for chat, tickets and wikis: CommonMark with GitHub tables, no raw
//! HTML at all.
//!
//! Log-derived text is shown in code spans whose backtick fence is longer than any run of
//! backticks inside, so nothing in it is read as Markdown or HTML; prose that quotes log text
//! (the summary) has every Markdown and HTML metacharacter backslash-escaped. Control
//! characters are made visible with [`safe_text`] first. In table cells, where GitHub splits
//! on `|` even inside code spans, a `|` in log text is shown as `¦`; the exact text follows
//! below the table.

use std::io::{self, Write};

use super::{
    Clock, Finding, Report, TextOptions, duration, first_seen_shown, fold, kind_label, level_label,
    provenance, rate, safe_text, sparkline_pair,
};
use crate::runbook::RunbookLink;
use crate::score::{Kind, WindowReport};

/// Longest template shown in a table cell, in characters (the full text follows below).
const CELL_TEMPLATE_CHARS: usize = 90;

/// Escapes prose for Markdown: control characters made visible, every character that can
/// start Markdown or HTML syntax backslash-escaped, and a leading list or heading marker
/// defused. The result is one line.
pub(crate) fn prose(s: &str) -> String {
    let s = safe_text(s.trim());
    let mut out = String::with_capacity(s.len() + 8);
    // An ordered-list marker at the start (`1.` or `1)`) would open a nested list.
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    for (i, c) in s.char_indices() {
        let escape = match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '&' | '|' | '~' | '#' | '$' | '!'
            | '{' | '}' => true,
            '-' | '+' | '=' => i == 0,
            '.' | ')' => digits > 0 && i == digits,
            _ => false,
        };
        if escape {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A code span holding `s` literally: the fence is one backtick longer than the longest
/// run inside, and a space pads content that starts or ends with a backtick (CommonMark
/// strips one space on each side).
pub(crate) fn code(s: &str) -> String {
    let s = safe_text(s);
    if s.is_empty() {
        return "*(empty)*".to_owned();
    }
    let mut longest = 0;
    let mut run = 0;
    for c in s.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    let fence = "`".repeat(longest + 1);
    let pad = s.starts_with('`') || s.ends_with('`') || (s.starts_with(' ') && s.ends_with(' '));
    if pad {
        format!("{fence} {s} {fence}")
    } else {
        format!("{fence}{s}{fence}")
    }
}

/// A code span for a table cell: shortened, and `|` shown as `¦` (GitHub splits cells on
/// `|` even inside code spans, and a backslash before it would be taken literally there).
fn cell_code(s: &str, max: usize) -> String {
    let mut t: String = s.chars().take(max).collect();
    if s.chars().count() > max {
        t.push('…');
    }
    code(&t.replace('|', "¦"))
}

/// A Markdown link to a runbook, or its escaped title when it has no usable URL.
fn runbook_link(rb: &RunbookLink) -> String {
    match rb.url.as_deref().filter(|u| super::is_web_url(u)) {
        Some(u) => format!(
            "[{}](<{}>)",
            prose(&rb.title),
            u.replace('(', "%28").replace(')', "%29")
        ),
        None => prose(&rb.title),
    }
}

/// Writes the Markdown report.
pub fn render_markdown(r: &Report, opts: &TextOptions, out: &mut dyn Write) -> io::Result<()> {
    let clock = r.clock();
    let w = &r.window;
    writeln!(
        out,
        "# logsift review: {} finding{}\n",
        r.flagged.len(),
        if r.flagged.len() == 1 { "" } else { "s" }
    )?;
    let day = clock
        .day()
        .map(|d| format!("**{d}** (UTC) · "))
        .unwrap_or_default();
    writeln!(
        out,
        "{day}incident **{} – {}** ({}, {} events) vs baseline {} – {} ({}, {} events) · {} input{}, {} lines, {} events, {} templates\n",
        clock.at(w.incident.start_ms),
        clock.at(w.incident.end_ms),
        duration(w.incident.duration_ms),
        w.incident.events,
        clock.at(w.baseline.start_ms),
        clock.at(w.baseline.end_ms),
        duration(w.baseline.duration_ms),
        w.baseline.events,
        r.inputs.len(),
        if r.inputs.len() == 1 { "" } else { "s" },
        r.totals.lines,
        r.totals.events,
        r.totals.templates,
    )?;

    if let Some(s) = &r.summary {
        writeln!(out, "## Summary\n")?;
        writeln!(out, "**{}**\n", prose(&s.headline))?;
        if !s.findings.is_empty() {
            writeln!(out, "### Findings\n")?;
            for (i, f) in s.findings.iter().enumerate() {
                let ids: Vec<String> = f.clusters.iter().map(u32::to_string).collect();
                writeln!(
                    out,
                    "{}. {} (cluster {})  \n   {}",
                    i + 1,
                    prose(&f.what),
                    ids.join(", "),
                    prose(&f.why_it_matters)
                )?;
            }
            writeln!(out)?;
        }
        writeln!(out, "### Likely cause\n\n{}\n", prose(&s.likely_cause))?;
        if !s.next_steps.is_empty() {
            writeln!(out, "### Next steps\n")?;
            for (i, step) in s.next_steps.iter().enumerate() {
                writeln!(out, "{}. {}", i + 1, prose(step))?;
            }
            writeln!(out)?;
        }
        for line in provenance(s) {
            writeln!(out, "*{}*  ", prose(&line))?;
        }
        writeln!(out)?;
    }

    writeln!(out, "## What changed\n")?;
    if r.flagged.is_empty() {
        writeln!(
            out,
            "Nothing changed significantly between the two windows.\n"
        )?;
    } else {
        let unit = clock.rate_unit();
        writeln!(
            out,
            "| # | Kind | Level | Template | Events before → after | Rate{unit} before → after | First seen | Runbook |"
        )?;
        writeln!(out, "|--:|---|---|---|--:|--:|---|---|")?;
        for (i, f) in r.flagged.iter().enumerate() {
            let fl = &f.flag;
            writeln!(
                out,
                "| {} | {} | {} | {} | {} → {} | {} → {} ({}) | {} | {} |",
                i + 1,
                kind_label(fl.kind),
                level_label(fl.level),
                cell_code(&fl.template, CELL_TEMPLATE_CHARS),
                fl.baseline_count,
                fl.incident_count,
                rate(fl.baseline_rate),
                rate(fl.incident_rate),
                fold(fl),
                first_seen_shown(fl, w)
                    .map(|t| clock.at(t))
                    .unwrap_or_else(|| "-".into()),
                f.runbook
                    .as_ref()
                    .map(runbook_link)
                    .unwrap_or_else(|| "-".into()),
            )?;
        }
        writeln!(out)?;
        let mut steps_shown = Vec::new();
        for (i, f) in r.flagged.iter().take(opts.top).enumerate() {
            write_finding(out, &clock, w, i + 1, f, &mut steps_shown)?;
        }
        if r.flagged.len() > opts.top {
            writeln!(
                out,
                "*{} more finding(s) are in the table above only (--top N shows more in detail).*\n",
                r.flagged.len() - opts.top
            )?;
        }
    }

    if !r.no_runbook_yet.is_empty() {
        writeln!(out, "## No runbook yet\n")?;
        writeln!(
            out,
            "Flagged in several reviews and matched by no runbook entry: worth writing one.\n"
        )?;
        writeln!(
            out,
            "| Fingerprint | Reviews | First – last review | Kinds | Level | Template | Now |"
        )?;
        writeln!(out, "|---|--:|---|---|---|---|---|")?;
        for n in &r.no_runbook_yet {
            let rec = &n.recurring;
            writeln!(
                out,
                "| {} | {} | {} – {} | {} | {} | {} | {} |",
                code(&rec.fingerprint),
                rec.times_flagged,
                rec.first_review.get(..10).unwrap_or(&rec.first_review),
                rec.last_review.get(..10).unwrap_or(&rec.last_review),
                prose(&rec.kinds.join(", ")),
                level_label(rec.level.as_deref()),
                cell_code(&rec.template, CELL_TEMPLATE_CHARS),
                if n.flagged_now { "yes" } else { "" },
            )?;
        }
        writeln!(out)?;
    }

    writeln!(out, "## Window and method\n")?;
    writeln!(out, "{}\n", prose(&w.reason))?;
    for n in &w.notes {
        writeln!(out, "- {}", prose(n))?;
    }
    writeln!(
        out,
        "- counts in {} buckets, charts in {} buckets",
        duration(w.bucket_ms),
        duration(w.display_bucket_ms)
    )?;
    for i in &r.inputs {
        writeln!(
            out,
            "- input {} ({}): {}, {} lines, {} events",
            code(&i.name),
            match i.group {
                crate::window::Group::Baseline => "baseline",
                crate::window::Group::Target => "target",
            },
            code(&i.format),
            i.lines,
            i.events
        )?;
    }
    if let Some(rb) = &r.runbooks {
        writeln!(
            out,
            "- runbooks: {} of {} findings matched an entry of {} ({} entries)",
            rb.matched,
            r.flagged.len(),
            code(&rb.file),
            rb.entries
        )?;
    }
    if let Some(a) = &r.output_redaction {
        let parts: Vec<String> = a
            .redactions
            .iter()
            .map(|(k, c)| format!("{} {}", c.occurrences, k.as_str()))
            .collect();
        writeln!(
            out,
            "- output redacted (--redact-output): {}",
            if parts.is_empty() {
                "nothing needed replacing".to_owned()
            } else {
                prose(&parts.join(", "))
            }
        )?;
    }
    writeln!(out)?;
    if let Some(s) = &r.summary
        && !s.redaction.suspicious_in_prompt.is_empty()
    {
        writeln!(out, "## Suspicious content\n")?;
        writeln!(
            out,
            "Text in the logs that addresses an AI was quarantined and not sent to the model:\n"
        )?;
        for f in &s.redaction.suspicious_in_prompt {
            writeln!(
                out,
                "- {}: {} ({} chars)",
                code(&f.placeholder),
                prose(&f.description),
                f.chars
            )?;
        }
        writeln!(out)?;
    }
    if !r.notes.is_empty() {
        writeln!(out, "## Notes\n")?;
        for n in &r.notes {
            writeln!(out, "- {}", prose(n))?;
        }
        writeln!(out)?;
    }
    writeln!(
        out,
        "*logsift {} · report schema {}*",
        r.logsift.version, r.logsift.schema
    )
}

fn write_finding(
    out: &mut dyn Write,
    clock: &Clock,
    window: &WindowReport,
    n: usize,
    f: &Finding,
    steps_shown: &mut Vec<(usize, usize)>,
) -> io::Result<()> {
    let fl = &f.flag;
    writeln!(
        out,
        "### {n}. {} {}: {}\n",
        kind_label(fl.kind),
        level_label(fl.level),
        code(&fl.template)
    )?;
    let component = f
        .component
        .as_deref()
        .map(|c| format!(" · component {}", code(c)))
        .unwrap_or_default();
    writeln!(
        out,
        "- cluster {} · fingerprint {}{component}",
        fl.cluster_id,
        code(&f.fingerprint)
    )?;
    let vanished = if fl.vanished { ", vanished" } else { "" };
    let first = first_seen_shown(fl, window)
        .map(|t| format!(", first seen {}", clock.at(t)))
        .unwrap_or_default();
    writeln!(
        out,
        "- {} → {} events, {} → {}{} ({}{vanished}){first}",
        fl.baseline_count,
        fl.incident_count,
        rate(fl.baseline_rate),
        rate(fl.incident_rate),
        clock.rate_unit(),
        fold(fl)
    )?;
    let (b, i) = sparkline_pair(&f.series, 24, 12);
    writeln!(out, "- counts over time: {}", code(&format!("{b}|{i}")))?;
    if fl.kind == Kind::ParamShift {
        let side = |v: &[crate::score::ValueShare]| {
            v.iter()
                .take(3)
                .map(|s| format!("{} {:.0}%", code(&s.value), s.share * 100.0))
                .collect::<Vec<_>>()
                .join(", ")
        };
        writeln!(
            out,
            "- values of slot {}: {} → {}",
            fl.slot.unwrap_or(0),
            side(&fl.values_before),
            side(&fl.values_after)
        )?;
    }
    if let Some(rb) = &f.runbook {
        writeln!(out, "- runbook: {}", runbook_link(rb))?;
        match steps_shown.iter().find(|(entry, _)| *entry == rb.entry) {
            Some((_, at)) if !rb.steps.is_empty() => {
                writeln!(out, "  (first steps under finding {at})")?;
            }
            _ => {
                for (k, step) in rb.steps.iter().enumerate() {
                    writeln!(out, "  {}. {}", k + 1, prose(step))?;
                }
                steps_shown.push((rb.entry, n));
            }
        }
    }
    if !fl.samples.is_empty() {
        writeln!(out, "- samples:")?;
        for s in &fl.samples {
            writeln!(out, "  - {}", code(s))?;
        }
    }
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prose_escapes_markdown_and_html() {
        assert_eq!(prose("a <b> & [x](y)"), "a \\<b\\> \\& \\[x\\](y)");
        assert_eq!(prose("1. not a list"), "1\\. not a list");
        assert_eq!(prose("- not a bullet"), "\\- not a bullet");
        assert_eq!(prose("line\nbreak"), "line\\\\x0abreak");
        assert_eq!(
            prose("plain 14:00:03 UTC, 3.5/min"),
            "plain 14:00:03 UTC, 3.5/min"
        );
    }

    #[test]
    fn code_spans_survive_backticks() {
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x`"), "`` `x` ``");
        assert_eq!(code("a\u{1b}[2J"), "`a\\x1b[2J`");
        assert_eq!(code(""), "*(empty)*");
        assert_eq!(cell_code("a|b", 10), "`a¦b`");
    }
}
