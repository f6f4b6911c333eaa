//! The terminal / plain-text report: one header line with the window, the summary, then the
//! findings, most important first, each with a sparkline of its counts over time (the
//! incident window after the `|`), its fingerprint and its runbook; then the recurring
//! findings without a runbook, how the window was chosen, and the notes. Colour only when
//! asked (the caller resolves `--color`, `NO_COLOR` and the TTY). Every log-derived string
//! goes through [`safe_text`], so escape sequences in logs never reach the terminal.

use std::io::{self, Write};

use super::{
    Clock, Finding, Report, duration, first_seen_shown, fold, kind_label, level_label, rate,
    safe_text,
};
use crate::score::{Kind, WindowReport};

/// Text rendering options.
#[derive(Debug, Clone, Copy)]
pub struct TextOptions {
    /// Emit ANSI colours.
    pub color: bool,
    /// Findings shown in full; the rest are counted.
    pub top: usize,
}

impl Default for TextOptions {
    fn default() -> Self {
        TextOptions {
            color: false,
            top: 10,
        }
    }
}

/// Sparkline width in characters, per side (baseline, incident).
const SPARK_WIDTH: usize = 24;
const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

struct Style {
    on: bool,
}

impl Style {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_owned()
        }
    }
    fn bold(&self, s: &str) -> String {
        self.paint("1", s)
    }
    fn dim(&self, s: &str) -> String {
        self.paint("2", s)
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Writes the text report.
pub fn render_text(r: &Report, opts: &TextOptions, out: &mut dyn Write) -> io::Result<()> {
    let st = Style { on: opts.color };
    let clock = r.clock();
    let day = clock
        .day()
        .map(|d| format!("{d} (UTC)  "))
        .unwrap_or_default();
    writeln!(
        out,
        "{}  {day}{}, {} lines, {} events, {}",
        st.bold("logsift review"),
        plural(r.inputs.len(), "input", "inputs"),
        r.totals.lines,
        r.totals.events,
        plural(r.totals.templates, "template", "templates"),
    )?;
    let w = &r.window;
    writeln!(
        out,
        "incident {} – {} ({}, {} events)  vs  baseline {} – {} ({}, {} events)",
        clock.at(w.incident.start_ms),
        clock.at(w.incident.end_ms),
        duration(w.incident.duration_ms),
        w.incident.events,
        clock.at(w.baseline.start_ms),
        clock.at(w.baseline.end_ms),
        duration(w.baseline.duration_ms),
        w.baseline.events
    )?;
    writeln!(out)?;
    if let Some(sum) = &r.summary {
        writeln!(out, "{}", st.bold("Summary"))?;
        let mut buf = Vec::new();
        sum.write_text(&mut buf)?;
        for line in String::from_utf8_lossy(&buf).lines() {
            if line.is_empty() {
                writeln!(out)?;
            } else {
                writeln!(out, "  {}", safe_text(line))?;
            }
        }
        writeln!(out)?;
    }
    if r.flagged.is_empty() {
        writeln!(
            out,
            "Nothing changed significantly between the two windows."
        )?;
    } else {
        writeln!(
            out,
            "{}",
            st.bold(&format!(
                "What changed ({})",
                plural(r.flagged.len(), "finding", "findings")
            ))
        )?;
        let mut steps_shown = Vec::new();
        for (i, f) in r.flagged.iter().take(opts.top).enumerate() {
            write_finding(out, &st, &clock, w, i + 1, f, &mut steps_shown)?;
        }
        if r.flagged.len() > opts.top {
            writeln!(
                out,
                "  ... and {} more (--top N shows more, --format json or html shows all)",
                r.flagged.len() - opts.top
            )?;
        }
    }
    if !r.no_runbook_yet.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "{}",
            st.bold("No runbook yet (flagged in several reviews, no runbook matches)")
        )?;
        for n in &r.no_runbook_yet {
            let rec = &n.recurring;
            let now = if n.flagged_now { ", flagged now" } else { "" };
            writeln!(
                out,
                "  fp {}  {} reviews, {} – {}{now}  {} {}",
                rec.fingerprint,
                rec.times_flagged,
                rec.first_review.get(..10).unwrap_or(&rec.first_review),
                rec.last_review.get(..10).unwrap_or(&rec.last_review),
                rec.kinds.join("/").to_ascii_uppercase(),
                level_label(rec.level.as_deref()),
            )?;
            writeln!(out, "      {}", safe_text(&rec.template))?;
        }
    }
    writeln!(out)?;
    writeln!(out, "{}", st.bold("Window"))?;
    writeln!(out, "  {}", safe_text(&w.reason))?;
    for n in &w.notes {
        writeln!(out, "  {}", st.dim(&safe_text(n)))?;
    }
    if let Some(rb) = &r.runbooks {
        writeln!(
            out,
            "  runbooks: {} of {} matched an entry of {} ({})",
            rb.matched,
            plural(r.flagged.len(), "finding", "findings"),
            safe_text(&rb.file),
            plural(rb.entries, "entry", "entries"),
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
            "  output redacted: {}",
            if parts.is_empty() {
                "nothing needed replacing".to_owned()
            } else {
                parts.join(", ")
            }
        )?;
    }
    if !r.notes.is_empty() {
        writeln!(out)?;
        for n in &r.notes {
            writeln!(out, "note: {}", safe_text(n))?;
        }
    }
    Ok(())
}

fn write_finding(
    out: &mut dyn Write,
    st: &Style,
    clock: &Clock,
    window: &WindowReport,
    n: usize,
    f: &Finding,
    steps_shown: &mut Vec<(usize, usize)>,
) -> io::Result<()> {
    let fl = &f.flag;
    let kind = kind_label(fl.kind);
    let color = match fl.kind {
        Kind::New | Kind::Spike | Kind::Trend => "31",
        Kind::Drop => "33",
        Kind::ParamShift => "35",
    };
    writeln!(
        out,
        "{:>3}. {} {:<5}  {}",
        n,
        st.paint(color, &format!("{kind:<6}")),
        level_label(fl.level),
        safe_text(&fl.template)
    )?;
    let vanished = if fl.vanished { ", vanished" } else { "" };
    let first = first_seen_shown(fl, window)
        .map(|t| format!(", first seen {}", clock.at(t)))
        .unwrap_or_default();
    writeln!(
        out,
        "       {} → {} events, {} → {}{} ({}{vanished}){first}",
        fl.baseline_count,
        fl.incident_count,
        rate(fl.baseline_rate),
        rate(fl.incident_rate),
        clock.rate_unit(),
        fold(fl),
    )?;
    let component = f
        .component
        .as_deref()
        .map(|c| format!(" · {}", safe_text(c)))
        .unwrap_or_default();
    writeln!(
        out,
        "       {}",
        st.dim(&format!(
            "cluster {} · fp {}{component}",
            fl.cluster_id, f.fingerprint
        ))
    )?;
    let (b, i) = spark_pair(
        &f.series.baseline.counts,
        &f.series.incident.counts,
        SPARK_WIDTH,
        SPARK_WIDTH / 2,
    );
    writeln!(out, "       {b}|{}", st.bold(&i))?;
    if fl.kind == Kind::ParamShift {
        let side = |v: &[crate::score::ValueShare]| {
            v.iter()
                .take(3)
                .map(|s| format!("{} {:.0}%", safe_text(&s.value), s.share * 100.0))
                .collect::<Vec<_>>()
                .join(", ")
        };
        writeln!(
            out,
            "       slot {}: {} → {}",
            fl.slot.unwrap_or(0),
            side(&fl.values_before),
            side(&fl.values_after)
        )?;
    }
    if let Some(rb) = &f.runbook {
        let url = rb
            .url
            .as_deref()
            .map(|u| format!("  {}", safe_text(u)))
            .unwrap_or_default();
        writeln!(
            out,
            "       {} {}{url}",
            st.paint("32", "runbook:"),
            safe_text(&rb.title)
        )?;
        match steps_shown.iter().find(|(entry, _)| *entry == rb.entry) {
            Some((_, at)) if !rb.steps.is_empty() => {
                writeln!(out, "         (first steps under finding {at})")?;
            }
            _ => {
                for (k, step) in rb.steps.iter().enumerate() {
                    writeln!(out, "         {}. {}", k + 1, safe_text(step))?;
                }
                steps_shown.push((rb.entry, n));
            }
        }
    }
    if let Some(s) = fl.samples.first() {
        writeln!(out, "       e.g. {}", st.dim(&safe_text(s)))?;
    }
    Ok(())
}

/// Averages `counts` into at most `width` columns: each column is the mean of the buckets
/// that fall into it, so columns holding more buckets do not look taller.
fn columns(counts: &[u64], width: usize) -> Vec<f64> {
    if counts.is_empty() || width == 0 {
        return Vec::new();
    }
    let cols = counts.len().min(width);
    let mut sums = vec![0.0f64; cols];
    let mut n = vec![0u32; cols];
    for (i, c) in counts.iter().enumerate() {
        let k = i * cols / counts.len();
        sums[k] += *c as f64;
        n[k] += 1;
    }
    sums.iter()
        .zip(&n)
        .map(|(s, k)| s / f64::from((*k).max(1)))
        .collect()
}

/// Draws columns against a common maximum, so two sides of one chart compare.
fn draw(cols: &[f64], max: f64) -> String {
    cols.iter()
        .map(|&v| {
            if v <= 0.0 || max <= 0.0 {
                ' '
            } else {
                let idx = ((v / max) * 7.0).round() as usize;
                BARS[idx.min(7)]
            }
        })
        .collect()
}

/// Draws `counts` in at most `width` characters, scaled to the series' own maximum.
#[cfg(test)]
fn sparkline(counts: &[u64], width: usize) -> String {
    let c = columns(counts, width);
    draw(&c, c.iter().copied().fold(0.0, f64::max))
}

/// Draws the baseline and incident series on one scale (both sides hold counts per bucket of
/// the same width).
pub(crate) fn spark_pair(b: &[u64], i: &[u64], wb: usize, wi: usize) -> (String, String) {
    let cb = columns(b, wb);
    let ci = columns(i, wi);
    let max = cb.iter().chain(&ci).copied().fold(0.0, f64::max);
    (draw(&cb, max), draw(&ci, max))
}

#[cfg(test)]
mod tests {
    use super::sparkline;

    #[test]
    fn sparkline_scales_to_its_maximum_and_width() {
        assert_eq!(sparkline(&[0, 1, 2, 4], 4), " ▃▅█");
        assert_eq!(sparkline(&[1; 100], 10).chars().count(), 10);
        assert_eq!(sparkline(&[], 10), "");
    }
}
