//! The terminal / plain-text report: a header line, the window, then the findings, most
//! important first, each with a sparkline of its counts over time (the incident window after
//! the `|`). Colour only when asked (the caller resolves `--color`, `NO_COLOR` and the TTY).

use std::io::{self, Write};

use super::{Finding, Report, safe_text};
use crate::score::{Kind, human_ms};

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

/// Writes the text report.
pub fn render_text(r: &Report, opts: &TextOptions, out: &mut dyn Write) -> io::Result<()> {
    let st = Style { on: opts.color };
    writeln!(
        out,
        "{}  {} input(s), {} lines, {} events, {} templates",
        st.bold("logsift"),
        r.inputs.len(),
        r.totals.lines,
        r.totals.events,
        r.totals.templates
    )?;
    let w = &r.window;
    writeln!(
        out,
        "window   incident {} .. {} ({}, {} events) against baseline {} .. {} ({}, {} events)",
        w.incident.start,
        w.incident.end,
        human_ms(w.incident.duration_ms),
        w.incident.events,
        w.baseline.start,
        w.baseline.end,
        human_ms(w.baseline.duration_ms),
        w.baseline.events
    )?;
    writeln!(out, "         {}", safe_text(&w.reason))?;
    for n in &w.notes {
        writeln!(out, "         {}", st.dim(&safe_text(n)))?;
    }
    writeln!(out)?;
    if let Some(sum) = &r.summary {
        writeln!(out, "{}", st.bold("Summary"))?;
        let mut buf = Vec::new();
        sum.write_text(&mut buf)?;
        for line in String::from_utf8_lossy(&buf).lines() {
            writeln!(out, "  {}", safe_text(line))?;
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
            st.bold(&format!("What changed ({} finding(s))", r.flagged.len()))
        )?;
        for (i, f) in r.flagged.iter().take(opts.top).enumerate() {
            write_finding(out, &st, i + 1, f)?;
        }
        if r.flagged.len() > opts.top {
            writeln!(
                out,
                "  ... and {} more (--top N shows more, --format json shows all)",
                r.flagged.len() - opts.top
            )?;
        }
    }
    if !r.notes.is_empty() {
        writeln!(out)?;
        for n in &r.notes {
            writeln!(out, "note: {}", safe_text(n))?;
        }
    }
    Ok(())
}

fn kind_label(k: Kind) -> &'static str {
    match k {
        Kind::New => "NEW",
        Kind::Spike => "SPIKE",
        Kind::Drop => "DROP",
        Kind::Trend => "TREND",
        Kind::ParamShift => "VALUES",
    }
}

fn write_finding(out: &mut dyn Write, st: &Style, n: usize, f: &Finding) -> io::Result<()> {
    let fl = &f.flag;
    let kind = kind_label(fl.kind);
    let color = match fl.kind {
        Kind::New | Kind::Spike | Kind::Trend => "31",
        Kind::Drop => "33",
        Kind::ParamShift => "35",
    };
    let level = fl.level.unwrap_or("-");
    writeln!(
        out,
        "{:>3}. {} {:<5} {}",
        n,
        st.paint(color, &format!("{kind:<6}")),
        level,
        safe_text(&fl.template)
    )?;
    let vanished = if fl.vanished { ", vanished" } else { "" };
    let first = f
        .first_seen_at
        .as_deref()
        .map(|t| format!("  first seen {t}"))
        .unwrap_or_default();
    writeln!(
        out,
        "       {} -> {} events ({:.2} -> {:.2}/min{vanished}), cluster {}{first}",
        fl.baseline_count, fl.incident_count, fl.baseline_rate, fl.incident_rate, fl.cluster_id
    )?;
    let (b, i) = spark_pair(
        &f.series.baseline.counts,
        &f.series.incident.counts,
        SPARK_WIDTH,
        SPARK_WIDTH / 2,
    );
    writeln!(out, "       {}|{}", b, st.bold(&i))?;
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
            "       slot {}: {} -> {}",
            fl.slot.unwrap_or(0),
            side(&fl.values_before),
            side(&fl.values_after)
        )?;
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
fn spark_pair(b: &[u64], i: &[u64], wb: usize, wi: usize) -> (String, String) {
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
