//! The HTML report: one self-contained page for a review meeting.
//!
//! Inline CSS and SVG only: no script, no font, image or stylesheet fetched from anywhere (a
//! Content-Security-Policy of `default-src 'none'` says so to the browser as well), and
//! print-friendly. It shows the summary, a timeline chart of the top findings (counts per
//! bucket, one line per template, the incident window shaded, first occurrences marked, time
//! axes, a legend), a table of every finding with its samples (collapsible), value shifts as
//! small before/after bars and its runbook, the recurring findings without a runbook, the
//! window and method, and what was redacted or quarantined. Every string that did not come
//! from logsift itself is entity-escaped (after [`safe_text`] made control characters
//! visible); attributes hold only numbers, colours, ids made of numbers and checked runbook
//! URLs.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::{
    Clock, Finding, Report, duration, first_seen_shown, fold, is_web_url, kind_label, level_label,
    provenance, rate, safe_text,
};
use crate::runbook::RunbookLink;
use crate::score::{Kind, Segment, TimeSeries, ValueShare};
use crate::window::TimeBasis;

/// Templates drawn in the timeline chart: more lines than this are hard to tell apart.
pub const CHART_SERIES: usize = 5;
/// Colours of the chart's series: the Okabe-Ito palette, which stays distinguishable with
/// the common colour-vision deficiencies.
const PALETTE: [&str; CHART_SERIES] = ["#d55e00", "#0072b2", "#009e73", "#cc79a7", "#e69f00"];
/// Most points drawn per side of a series; finer buckets are merged by their maximum, so a
/// burst stays visible.
const MAX_POINTS: usize = 400;

/// Chart geometry, in SVG user units.
const W: f64 = 1000.0;
const H: f64 = 320.0;
const LEFT: f64 = 52.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 34.0;
/// Gap between the baseline and incident panels when they are not contiguous in time.
const GAP: f64 = 18.0;

/// Entity-escapes text for HTML content and attribute values, after making control
/// characters visible.
fn esc(s: &str) -> String {
    let s = safe_text(s);
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const CSS: &str = r#"
:root{--ink:#1d232b;--muted:#5b6673;--line:#dde2e8;--bg:#f6f7f9;--card:#fff;--accent:#0b5cad;
--new:#b42318;--spike:#c4320a;--drop:#b54708;--trend:#9e2a6e;--values:#6941c6;--ok:#067647}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1180px;margin:0 auto;padding:28px 28px 48px}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:13px}
h1{font-size:26px;margin:2px 0 10px;line-height:1.25}
h2{font-size:18px;margin:0 0 12px}
h3{font-size:13px;margin:16px 0 6px;text-transform:uppercase;letter-spacing:.05em;color:var(--muted)}
a{color:var(--accent)}
.eyebrow{color:var(--muted);font-size:13px;letter-spacing:.04em;text-transform:uppercase}
.chips{display:flex;flex-wrap:wrap;gap:8px;margin:6px 0 0;padding:0;list-style:none}
.chips li{background:var(--card);border:1px solid var(--line);border-radius:999px;padding:3px 12px;font-size:13px}
.chips li.incident{border-color:#f4b4ae;background:#fff1f0}
section{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:18px 22px;margin:18px 0}
.headline{font-size:19px;font-weight:600;margin:0 0 6px}
.cols{display:grid;grid-template-columns:3fr 2fr;gap:28px}
.summary ol{padding-left:20px;margin:4px 0}
.summary li{margin:0 0 8px}
.why{color:var(--muted);font-size:14px}
.how{color:var(--muted);font-size:13px;margin:14px 0 0;border-top:1px solid var(--line);padding-top:10px}
.timeline{width:100%;height:auto;display:block}
.timeline text{font-size:12px;fill:var(--muted)}
.timeline .grid{stroke:#eceff3}
.timeline .axis{stroke:#9aa4b1}
.timeline .incident-window{fill:#fde7e5}
.timeline .window-label{font-size:12px;font-weight:600}
.timeline .series polyline{fill:none;stroke-width:2.2;stroke-linejoin:round;stroke-linecap:round}
.timeline .first-seen line{stroke-width:1.2;stroke-dasharray:3 3}
.timeline .first-seen text{font-size:11px;font-weight:700}
.legend{list-style:none;padding:0;margin:10px 0 0;display:grid;gap:4px}
.legend li{display:flex;gap:8px;align-items:baseline}
.legend svg{flex:none;transform:translateY(-2px)}
.legend code{overflow-wrap:anywhere}
table{border-collapse:collapse;width:100%}
th{font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);text-align:left;border-bottom:2px solid var(--line);padding:6px 8px;vertical-align:bottom}
td{padding:8px;vertical-align:top;border-bottom:1px solid var(--line)}
tr.finding td{border-bottom:none;padding-bottom:2px}
tr.detail td{padding-top:0}
.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
.tpl{overflow-wrap:anywhere;font-weight:600}
.meta{color:var(--muted);font-size:12px;margin-top:2px}
.badge{display:inline-block;border-radius:4px;padding:0 6px;font-size:12px;font-weight:700;letter-spacing:.03em;color:#fff}
.k-new{background:var(--new)}.k-spike{background:var(--spike)}.k-drop{background:var(--drop)}.k-trend{background:var(--trend)}.k-values{background:var(--values)}
.lvl{font-size:12px;font-weight:700;letter-spacing:.03em}
.l-error,.l-fatal{color:var(--new)}.l-warn{color:var(--drop)}.l-info{color:var(--accent)}.l-debug,.l-trace,.l--{color:var(--muted)}
.fold{color:var(--muted);font-size:12px}
.detail-grid{display:flex;flex-wrap:wrap;gap:10px 28px;align-items:flex-start}
.runbook{border-left:3px solid var(--ok);padding:2px 0 2px 10px;flex:1 1 420px}
.detail-grid details{flex-basis:100%}
.mini{display:block;border-bottom:1px solid var(--line)}
.runbook ol{margin:2px 0;padding-left:20px;font-size:14px}
.none{color:var(--muted)}
details summary{cursor:pointer;color:var(--accent);font-size:13px}
details pre{white-space:pre-wrap;overflow-wrap:anywhere;background:var(--bg);border:1px solid var(--line);border-radius:6px;padding:6px 8px;margin:6px 0 0}
.values{width:auto}
.values td{border:none;padding:1px 6px;font-size:13px}
.values th{border:none;padding:0 6px}
.values code{overflow-wrap:anywhere}
dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:0}
dl.kv dt{color:var(--muted)}
dl.kv dd{margin:0}
.small{font-size:13px;color:var(--muted)}
footer{color:var(--muted);font-size:12px;text-align:center;margin-top:24px}
@media (max-width:800px){.cols{grid-template-columns:1fr}main{padding:12px}}
@media print{
 body{background:#fff;font-size:11pt}
 main{max-width:none;padding:0}
 section{border:none;border-top:1px solid #999;border-radius:0;padding:10px 0;margin:10px 0;break-inside:avoid-page}
 .chips li{border-color:#999}
 tr{break-inside:avoid}
 details summary{color:var(--ink)}
 details:not([open]) summary::after{content:" (open before printing to include)"}
 a[href^="http"]::after{content:" <" attr(href) ">";font-size:9pt;color:var(--muted);overflow-wrap:anywhere}
}
"#;

/// Writes the HTML report.
pub fn render_html(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut h = String::with_capacity(64 * 1024);
    page(r, &mut h).map_err(|_| io::Error::other("formatting the HTML report failed"))?;
    out.write_all(h.as_bytes())
}

fn page(r: &Report, h: &mut String) -> std::fmt::Result {
    let clock = r.clock();
    let w = &r.window;
    let names: Vec<&str> = r.inputs.iter().map(|i| i.name.as_str()).collect();
    let what = match names.len() {
        0 => "the logs".to_owned(),
        1..=3 => names.join(", "),
        n => format!("{} and {} more inputs", names[..2].join(", "), n - 2),
    };
    writeln!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">"
    )?;
    writeln!(
        h,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">"
    )?;
    writeln!(
        h,
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"color-scheme\" content=\"light\">\n<meta name=\"referrer\" content=\"no-referrer\">"
    )?;
    writeln!(
        h,
        "<title>logsift review: {}{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>",
        esc(&what),
        clock.day().map(|d| format!(" ({d})")).unwrap_or_default()
    )?;

    // Header.
    writeln!(h, "<header>")?;
    writeln!(
        h,
        "<div class=\"eyebrow\">logsift review{}</div>",
        clock
            .day()
            .map(|d| format!(" · {d} (UTC)"))
            .unwrap_or_else(|| if clock.timed() {
                " · UTC".into()
            } else {
                String::new()
            })
    )?;
    writeln!(h, "<h1>What changed in {}</h1>", esc(&what))?;
    writeln!(h, "<ul class=\"chips\">")?;
    writeln!(
        h,
        "<li class=\"incident\">Incident <b>{} – {}</b> · {} · {} events</li>",
        clock.at(w.incident.start_ms),
        clock.at(w.incident.end_ms),
        duration(w.incident.duration_ms),
        w.incident.events
    )?;
    writeln!(
        h,
        "<li>Baseline {} – {} · {} · {} events</li>",
        clock.at(w.baseline.start_ms),
        clock.at(w.baseline.end_ms),
        duration(w.baseline.duration_ms),
        w.baseline.events
    )?;
    writeln!(
        h,
        "<li>{} findings</li><li>{} lines · {} events · {} templates</li>",
        r.flagged.len(),
        r.totals.lines,
        r.totals.events,
        r.totals.templates
    )?;
    if let Some(rb) = &r.runbooks {
        writeln!(
            h,
            "<li>{} of {} with a runbook</li>",
            rb.matched,
            r.flagged.len()
        )?;
    }
    writeln!(h, "</ul>\n</header>")?;

    summary(r, h)?;
    if !r.flagged.is_empty() {
        timeline(r, &clock, h)?;
    }
    findings(r, &clock, h)?;
    no_runbook(r, h)?;
    window(r, &clock, h)?;
    redaction(r, h)?;

    writeln!(
        h,
        "<footer>logsift {} · report schema {} · this page is self-contained: it loads nothing and runs no scripts</footer>",
        esc(r.logsift.version),
        r.logsift.schema
    )?;
    writeln!(h, "</main>\n</body>\n</html>")
}

fn summary(r: &Report, h: &mut String) -> std::fmt::Result {
    let Some(s) = &r.summary else {
        return Ok(());
    };
    writeln!(
        h,
        "<section class=\"summary\" id=\"summary\">\n<h2>Summary</h2>"
    )?;
    writeln!(h, "<p class=\"headline\">{}</p>", esc(&s.headline))?;
    writeln!(h, "<div class=\"cols\">\n<div>")?;
    if !s.findings.is_empty() {
        writeln!(h, "<h3>Findings</h3>\n<ol>")?;
        for f in &s.findings {
            let links: Vec<String> = f
                .clusters
                .iter()
                .map(|c| format!("<a href=\"#cluster-{c}\">cluster {c}</a>"))
                .collect();
            writeln!(
                h,
                "<li>{} <span class=\"small\">({})</span><br><span class=\"why\">{}</span></li>",
                esc(&f.what),
                links.join(", "),
                esc(&f.why_it_matters)
            )?;
        }
        writeln!(h, "</ol>")?;
    }
    writeln!(h, "</div>\n<div>")?;
    writeln!(h, "<h3>Likely cause</h3>\n<p>{}</p>", esc(&s.likely_cause))?;
    if !s.next_steps.is_empty() {
        writeln!(h, "<h3>Next steps</h3>\n<ol>")?;
        for step in &s.next_steps {
            writeln!(h, "<li>{}</li>", esc(step))?;
        }
        writeln!(h, "</ol>")?;
    }
    writeln!(h, "</div>\n</div>")?;
    let lines: Vec<String> = provenance(s).iter().map(|l| esc(l)).collect();
    writeln!(h, "<p class=\"how\">{}</p>", lines.join("<br>"))?;
    writeln!(h, "</section>")
}

// ---------------------------------------------------------------------------------------
// The timeline chart

/// Maps times to x positions: one continuous axis when the baseline runs into the
/// incident, else two panels side by side.
struct XScale {
    panels: Vec<(i64, i64, f64, f64)>,
}

impl XScale {
    fn new(r: &Report) -> XScale {
        let b = &r.window.baseline;
        let i = &r.window.incident;
        let (x0, x1) = (LEFT, W - RIGHT);
        let contiguous = b.group == i.group && b.end_ms == i.start_ms;
        if contiguous || b.end_ms <= b.start_ms {
            let start = b.start_ms.min(i.start_ms);
            let end = i.end_ms.max(b.end_ms).max(start + 1);
            return XScale {
                panels: vec![(start, end, x0, x1)],
            };
        }
        let db = (b.end_ms - b.start_ms).max(1) as f64;
        let di = (i.end_ms - i.start_ms).max(1) as f64;
        let share = (db / (db + di)).clamp(0.35, 0.65);
        let split = x0 + (x1 - x0 - GAP) * share;
        XScale {
            panels: vec![
                (b.start_ms, b.end_ms.max(b.start_ms + 1), x0, split),
                (i.start_ms, i.end_ms.max(i.start_ms + 1), split + GAP, x1),
            ],
        }
    }

    /// The x of `t`, when `t` lies in a panel.
    fn x(&self, t: i64) -> Option<f64> {
        self.panels
            .iter()
            .find(|(s, e, _, _)| t >= *s && t <= *e)
            .map(|&(s, e, a, b)| a + (t - s) as f64 / (e - s) as f64 * (b - a))
    }
}

/// A "nice" step (1, 2 or 5 times a power of ten) giving about `n` intervals up to `max`.
fn nice_step(max: f64, n: f64) -> f64 {
    let raw = (max / n).max(1.0);
    let mag = 10f64.powf(raw.log10().floor());
    let f = raw / mag;
    let nice = if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * mag
}

/// Tick steps for a time axis, in ms.
const TIME_STEPS: [i64; 20] = [
    1_000,
    2_000,
    5_000,
    10_000,
    15_000,
    30_000,
    60_000,
    120_000,
    300_000,
    600_000,
    900_000,
    1_800_000,
    3_600_000,
    7_200_000,
    10_800_000,
    21_600_000,
    43_200_000,
    86_400_000,
    172_800_000,
    604_800_000,
];

fn tick_label(clock: &Clock, t: i64, step: i64, multi_day: bool) -> String {
    if !clock.timed() {
        return clock.at(t);
    }
    let iso = crate::score::format_iso(t);
    let hms = iso.get(11..19).unwrap_or("");
    let hm = iso.get(11..16).unwrap_or("");
    let md = iso.get(5..10).unwrap_or("");
    if step >= 86_400_000 {
        md.to_owned()
    } else if multi_day && (t.rem_euclid(86_400_000) == 0 || step >= 3_600_000) {
        format!("{md} {hm}")
    } else if step < 60_000 {
        hms.to_owned()
    } else {
        hm.to_owned()
    }
}

/// Points (time, events per bucket) of one segment, merged to at most [`MAX_POINTS`] by
/// maximum. A last bucket cut short by the window's end is scaled to a whole bucket when it
/// covers at least a quarter of one, and left out otherwise (a few seconds of data would
/// draw a false dip).
fn points(seg: &Segment, bucket_ms: i64, end_ms: i64) -> Vec<(i64, f64)> {
    let n = seg.counts.len();
    if n == 0 {
        return Vec::new();
    }
    let mut values: Vec<f64> = seg.counts.iter().map(|&c| c as f64).collect();
    let last_start = seg
        .start_ms
        .saturating_add((n as i64 - 1).saturating_mul(bucket_ms));
    let covered = end_ms.saturating_sub(last_start).clamp(0, bucket_ms);
    if covered < bucket_ms {
        if covered * 4 < bucket_ms && n > 1 {
            values.pop();
        } else if covered > 0 {
            if let Some(v) = values.last_mut() {
                *v *= bucket_ms as f64 / covered as f64;
            }
        }
    }
    let per = values.len().div_ceil(MAX_POINTS).max(1);
    let mut out = Vec::with_capacity(values.len() / per + 1);
    for (k, chunk) in values.chunks(per).enumerate() {
        let first = (k * per) as i64;
        let mid = seg.start_ms
            + first.saturating_mul(bucket_ms)
            + (chunk.len() as i64).saturating_mul(bucket_ms) / 2;
        let t = mid.min(end_ms);
        out.push((t, chunk.iter().copied().fold(0.0, f64::max)));
    }
    out
}

/// The findings drawn: the first [`CHART_SERIES`] distinct clusters, leaving out the
/// catch-all of evicted clusters.
fn chart_findings(r: &Report) -> Vec<(usize, &Finding)> {
    let mut seen = Vec::new();
    let mut out = Vec::new();
    for (i, f) in r.flagged.iter().enumerate() {
        if f.flag.cluster_id == u32::MAX || seen.contains(&f.flag.cluster_id) {
            continue;
        }
        seen.push(f.flag.cluster_id);
        out.push((i, f));
        if out.len() == CHART_SERIES {
            break;
        }
    }
    out
}

fn timeline(r: &Report, clock: &Clock, h: &mut String) -> std::fmt::Result {
    let shown = chart_findings(r);
    if shown.is_empty() {
        return Ok(());
    }
    let w = &r.window;
    let xs = XScale::new(r);
    let (y0, y1) = (TOP, H - BOTTOM);
    let drawn: Vec<[Vec<(i64, f64)>; 2]> = shown
        .iter()
        .map(|(_, f)| {
            let s = &f.series;
            [
                points(&s.baseline, s.bucket_ms.max(1), w.baseline.end_ms),
                points(&s.incident, s.bucket_ms.max(1), w.incident.end_ms),
            ]
        })
        .collect();
    let max = drawn
        .iter()
        .flat_map(|d| d.iter().flatten().map(|p| p.1))
        .fold(1.0, f64::max);
    let ystep = nice_step(max, 4.0);
    let ymax = (max / ystep).ceil() * ystep;
    let y = |v: f64| y1 - v / ymax * (y1 - y0);
    let bucket = shown[0].1.series.bucket_ms.max(1);

    writeln!(
        h,
        "<section id=\"timeline\">\n<h2>Timeline of the top findings</h2>"
    )?;
    writeln!(
        h,
        "<p class=\"small\">Events per {} bucket; the shaded band is the incident window, dashed lines mark where a template first appeared.</p>",
        duration(bucket)
    )?;
    writeln!(
        h,
        "<svg class=\"timeline\" viewBox=\"0 0 {W} {H}\" role=\"img\" aria-label=\"Events per bucket of the top {} findings over time\" xmlns=\"http://www.w3.org/2000/svg\">",
        shown.len()
    )?;
    // Incident window.
    if let (Some(a), Some(b)) = (
        xs.x(w.incident.start_ms),
        xs.x(w.incident.end_ms.max(w.incident.start_ms)),
    ) {
        writeln!(
            h,
            "<rect class=\"incident-window\" x=\"{a:.1}\" y=\"{y0:.1}\" width=\"{:.1}\" height=\"{:.1}\"><title>incident window {} – {}</title></rect>",
            (b - a).max(1.0),
            y1 - y0,
            clock.at(w.incident.start_ms),
            clock.at(w.incident.end_ms)
        )?;
        writeln!(
            h,
            "<text class=\"window-label\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" style=\"fill:#b42318\">incident</text>",
            b - 6.0,
            y0 + 14.0
        )?;
    }
    if let Some(a) = xs.x(w.baseline.start_ms) {
        writeln!(
            h,
            "<text class=\"window-label\" x=\"{:.1}\" y=\"{:.1}\">baseline</text>",
            a + 6.0,
            y0 + 14.0
        )?;
    }
    // Horizontal grid and y labels.
    let mut v = 0.0;
    while v <= ymax + 1e-9 {
        let yy = y(v);
        writeln!(
            h,
            "<line class=\"grid\" x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{yy:.1}\" y2=\"{yy:.1}\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            W - RIGHT,
            LEFT - 6.0,
            yy + 4.0,
            v as u64
        )?;
        v += ystep;
    }
    // Time axis per panel.
    let span_all = xs.panels.iter().map(|p| p.1 - p.0).sum::<i64>();
    let multi_day = clock.timed() && clock.day().is_none();
    for &(s, e, a, b) in &xs.panels {
        writeln!(
            h,
            "<line class=\"axis\" x1=\"{a:.1}\" x2=\"{b:.1}\" y1=\"{y1:.1}\" y2=\"{y1:.1}\"/>"
        )?;
        let width_share = (b - a) / (W - LEFT - RIGHT);
        let want = (8.0 * width_share).max(2.0);
        let dur = e - s;
        let step = if clock.timed() {
            TIME_STEPS
                .iter()
                .copied()
                .find(|st| (dur as f64 / *st as f64) <= want)
                .unwrap_or(TIME_STEPS[TIME_STEPS.len() - 1])
        } else {
            let events = (dur / crate::window::POSITION_STEP_MS).max(1) as f64;
            (nice_step(events, want) as i64).max(1) * crate::window::POSITION_STEP_MS
        };
        let mut t = s.div_euclid(step) * step;
        if t < s {
            t += step;
        }
        let _ = span_all;
        while t <= e {
            if let Some(x) = xs.x(t) {
                writeln!(
                    h,
                    "<line class=\"axis\" x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{y1:.1}\" y2=\"{:.1}\"/><text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                    y1 + 5.0,
                    y1 + 19.0,
                    esc(&tick_label(clock, t, step, multi_day))
                )?;
            }
            t = t.saturating_add(step);
        }
    }
    if xs.panels.len() == 2 {
        let gx = xs.panels[0].3 + GAP / 2.0;
        writeln!(
            h,
            "<text x=\"{gx:.1}\" y=\"{:.1}\" text-anchor=\"middle\">//</text>",
            y1 + 5.0
        )?;
    }
    writeln!(
        h,
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"start\">events / {}</text>",
        4.0,
        y0 - 26.0,
        duration(bucket)
    )?;
    // Series.
    for (k, (_, f)) in shown.iter().enumerate() {
        let color = PALETTE[k % PALETTE.len()];
        writeln!(
            h,
            "<g class=\"series\" data-cluster=\"{}\" stroke=\"{color}\" style=\"stroke:{color}\">",
            f.flag.cluster_id
        )?;
        writeln!(h, "<title>#{} {}</title>", k + 1, esc(&f.flag.template))?;
        let segs = &drawn[k];
        let contiguous = xs.panels.len() == 1;
        let mut lines: Vec<Vec<(f64, f64)>> = Vec::new();
        for (si, seg) in segs.iter().enumerate() {
            let pts: Vec<(f64, f64)> = seg
                .iter()
                .filter_map(|&(t, c)| xs.x(t).map(|x| (x, y(c))))
                .collect();
            if contiguous && si == 1 {
                if let Some(l) = lines.last_mut() {
                    l.extend(pts);
                    continue;
                }
            }
            lines.push(pts);
        }
        for l in lines.iter().filter(|l| !l.is_empty()) {
            let mut p = String::with_capacity(l.len() * 12);
            for (x, yy) in l {
                let _ = write!(p, "{x:.1},{yy:.1} ");
            }
            writeln!(h, "<polyline points=\"{}\"/>", p.trim_end())?;
        }
        writeln!(h, "</g>")?;
    }
    // First occurrences.
    let mut placed: Vec<(f64, u32)> = Vec::new();
    for (k, (_, f)) in shown.iter().enumerate() {
        let Some(t) = f.flag.first_seen else { continue };
        if !(f.flag.kind == Kind::New || t >= w.incident.start_ms) {
            continue;
        }
        let Some(x) = xs.x(t) else { continue };
        let color = PALETTE[k % PALETTE.len()];
        // The lowest of three label rows with no label within 24 units.
        let row = (0..3u32)
            .find(|r| {
                !placed
                    .iter()
                    .any(|(px, pr)| pr == r && (px - x).abs() < 24.0)
            })
            .unwrap_or(2);
        placed.push((x, row));
        let ly = y0 - 6.0 - f64::from(row) * 12.0;
        writeln!(
            h,
            "<g class=\"first-seen\" stroke=\"{color}\" fill=\"{color}\"><title>#{} first seen {}: {}</title><line x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{y0:.1}\" y2=\"{y1:.1}\" style=\"stroke:{color}\"/><text x=\"{x:.1}\" y=\"{ly:.1}\" text-anchor=\"middle\" stroke=\"none\" style=\"fill:{color}\">#{}</text></g>",
            k + 1,
            clock.at(t),
            esc(&f.flag.template),
            k + 1
        )?;
    }
    writeln!(h, "</svg>")?;
    // Legend.
    writeln!(h, "<ol class=\"legend\">")?;
    for (k, (i, f)) in shown.iter().enumerate() {
        let color = PALETTE[k % PALETTE.len()];
        writeln!(
            h,
            "<li><svg width=\"26\" height=\"10\" aria-hidden=\"true\"><line x1=\"1\" x2=\"25\" y1=\"5\" y2=\"5\" stroke=\"{color}\" stroke-width=\"3\"/></svg><span><b>#{}</b> <span class=\"badge k-{}\">{}</span> <span class=\"lvl l-{}\">{}</span> <a href=\"#finding-{}\"><code>{}</code></a></span></li>",
            k + 1,
            kind_label(f.flag.kind).to_ascii_lowercase(),
            kind_label(f.flag.kind),
            f.flag.level.unwrap_or("-"),
            level_label(f.flag.level),
            i + 1,
            esc(&f.flag.template)
        )?;
    }
    writeln!(h, "</ol>\n</section>")
}

// ---------------------------------------------------------------------------------------
// The table of findings

fn runbook_html(rb: &RunbookLink, with_steps: bool) -> String {
    let title = match rb.url.as_deref().filter(|u| is_web_url(u)) {
        Some(u) => format!(
            "<a href=\"{}\" rel=\"noopener noreferrer\">{}</a>",
            esc(u),
            esc(&rb.title)
        ),
        None => esc(&rb.title),
    };
    if !with_steps || rb.steps.is_empty() {
        return title;
    }
    let steps: Vec<String> = rb
        .steps
        .iter()
        .map(|s| format!("<li>{}</li>", esc(s)))
        .collect();
    format!(
        "<div class=\"runbook\"><b>Runbook:</b> {title}<ol>{}</ol></div>",
        steps.concat()
    )
}

/// Before/after bars of a parameter shift: the top values of either side, each with its
/// share before (grey) and after (colour).
fn value_bars(before: &[ValueShare], after: &[ValueShare], slot: Option<u16>) -> String {
    let mut values: Vec<&str> = Vec::new();
    for v in after.iter().take(4).chain(before.iter().take(4)) {
        if !values.contains(&v.value.as_str()) {
            values.push(&v.value);
        }
    }
    let share = |side: &[ValueShare], v: &str| {
        side.iter()
            .find(|s| s.value == v)
            .map_or(0.0, |s| s.share.clamp(0.0, 1.0))
    };
    let bar = |x: f64, color: &str| {
        format!(
            "<svg width=\"124\" height=\"12\" aria-hidden=\"true\"><rect x=\"0\" y=\"1\" width=\"120\" height=\"10\" fill=\"#eef1f4\"/><rect x=\"0\" y=\"1\" width=\"{:.1}\" height=\"10\" fill=\"{color}\"/></svg> {:.0}%",
            x * 120.0,
            x * 100.0
        )
    };
    let mut out = format!(
        "<table class=\"values\"><tr><th>value of slot {}</th><th>before</th><th>after</th></tr>",
        slot.unwrap_or(0)
    );
    for v in values.iter().take(6) {
        let _ = write!(
            out,
            "<tr><td><code>{}</code></td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            esc(v),
            bar(share(before, v), "#9aa4b1"),
            bar(share(after, v), "#6941c6")
        );
    }
    out.push_str("</table>");
    out
}

/// A small sparkline of one finding: baseline in grey, incident in red, on one scale.
fn mini_chart(s: &TimeSeries, w: &crate::score::WindowReport) -> String {
    let (wd, hh) = (220.0, 34.0);
    let b = points(&s.baseline, s.bucket_ms.max(1), w.baseline.end_ms);
    let i = points(&s.incident, s.bucket_ms.max(1), w.incident.end_ms);
    let n = (b.len() + i.len()).max(2);
    let max = b.iter().chain(&i).map(|p| p.1).fold(1.0, f64::max);
    let x = |k: usize| 1.0 + k as f64 / (n - 1) as f64 * (wd - 2.0);
    let y = |c: f64| hh - 2.0 - c / max * (hh - 4.0);
    let line = |from: usize, pts: &[(i64, f64)]| {
        pts.iter()
            .enumerate()
            .map(|(k, p)| format!("{:.1},{:.1}", x(from + k), y(p.1)))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let split = x(b.len());
    format!(
        "<svg class=\"mini\" width=\"{wd}\" height=\"{hh}\" aria-label=\"counts over time, incident shaded\" role=\"img\"><rect x=\"{split:.1}\" y=\"0\" width=\"{:.1}\" height=\"{hh}\" fill=\"#fde7e5\"/><polyline points=\"{}\" fill=\"none\" stroke=\"#9aa4b1\" stroke-width=\"1.5\"/><polyline points=\"{}\" fill=\"none\" stroke=\"#b42318\" stroke-width=\"1.5\"/></svg>",
        (wd - split).max(0.0),
        line(0, &b),
        line(b.len(), &i)
    )
}

fn findings(r: &Report, clock: &Clock, h: &mut String) -> std::fmt::Result {
    writeln!(h, "<section id=\"findings\">\n<h2>Findings</h2>")?;
    if r.flagged.is_empty() {
        writeln!(
            h,
            "<p>Nothing changed significantly between the two windows.</p>\n</section>"
        )?;
        return Ok(());
    }
    let unit = clock.rate_unit();
    writeln!(
        h,
        "<table class=\"findings\">\n<thead><tr><th>#</th><th>Kind</th><th>Level</th><th>Template</th><th class=\"num\">Events<br>before → after</th><th class=\"num\">Rate{}<br>before → after</th><th>First seen</th><th>Runbook</th></tr></thead>\n<tbody>",
        esc(unit)
    )?;
    let mut anchored: Vec<u32> = Vec::new();
    for (i, f) in r.flagged.iter().enumerate() {
        let fl = &f.flag;
        let kind = kind_label(fl.kind);
        let cluster_anchor = if anchored.contains(&fl.cluster_id) {
            String::new()
        } else {
            anchored.push(fl.cluster_id);
            format!("<span id=\"cluster-{}\"></span>", fl.cluster_id)
        };
        let component = f
            .component
            .as_deref()
            .map(|c| format!(" · component <code>{}</code>", esc(c)))
            .unwrap_or_default();
        writeln!(
            h,
            "<tr class=\"finding\" id=\"finding-{}\"><td class=\"num\">{}{cluster_anchor}</td><td><span class=\"badge k-{}\">{kind}</span></td><td><span class=\"lvl l-{}\">{}</span></td><td><code class=\"tpl\">{}</code><div class=\"meta\">cluster {} · fp <code>{}</code>{component}</div></td><td class=\"num\">{} → {}</td><td class=\"num\">{} → {}<br><span class=\"fold\">{}{}</span></td><td>{}</td><td>{}</td></tr>",
            i + 1,
            i + 1,
            kind.to_ascii_lowercase(),
            fl.level.unwrap_or("-"),
            level_label(fl.level),
            esc(&fl.template),
            fl.cluster_id,
            esc(&f.fingerprint),
            fl.baseline_count,
            fl.incident_count,
            rate(fl.baseline_rate),
            rate(fl.incident_rate),
            fold(fl),
            if fl.vanished { ", vanished" } else { "" },
            first_seen_shown(fl, &r.window)
                .map(|t| clock.at(t))
                .unwrap_or_else(|| "–".into()),
            f.runbook
                .as_ref()
                .map(|rb| runbook_html(rb, false))
                .unwrap_or_else(|| "<span class=\"none\">none</span>".into()),
        )?;
        let mut detail = String::new();
        detail.push_str(&mini_chart(&f.series, &r.window));
        if fl.kind == Kind::ParamShift {
            detail.push_str(&value_bars(&fl.values_before, &fl.values_after, fl.slot));
        }
        if let Some(rb) = &f.runbook
            && !rb.steps.is_empty()
        {
            detail.push_str(&runbook_html(rb, true));
        }
        if !fl.samples.is_empty() {
            let samples: Vec<String> = fl.samples.iter().map(|s| esc(s)).collect();
            let _ = write!(
                detail,
                "<details><summary>{} sample{}</summary><pre>{}</pre></details>",
                fl.samples.len(),
                if fl.samples.len() == 1 { "" } else { "s" },
                samples.join("\n")
            );
        }
        writeln!(
            h,
            "<tr class=\"detail\"><td></td><td colspan=\"7\"><div class=\"detail-grid\">{detail}</div></td></tr>"
        )?;
    }
    writeln!(h, "</tbody>\n</table>\n</section>")
}

fn no_runbook(r: &Report, h: &mut String) -> std::fmt::Result {
    if r.no_runbook_yet.is_empty() {
        return Ok(());
    }
    writeln!(
        h,
        "<section id=\"no-runbook\">\n<h2>No runbook yet</h2>\n<p class=\"small\">Flagged in several reviews and matched by no runbook entry: worth writing one. Copy the fingerprint into the runbook file.</p>"
    )?;
    writeln!(
        h,
        "<table>\n<thead><tr><th>Fingerprint</th><th class=\"num\">Reviews</th><th>First – last review</th><th>Kinds</th><th>Level</th><th>Template</th></tr></thead>\n<tbody>"
    )?;
    for n in &r.no_runbook_yet {
        let rec = &n.recurring;
        writeln!(
            h,
            "<tr><td><code>{}</code></td><td class=\"num\">{}</td><td>{} – {}</td><td>{}</td><td><span class=\"lvl l-{}\">{}</span></td><td><code class=\"tpl\">{}</code>{}</td></tr>",
            esc(&rec.fingerprint),
            rec.times_flagged,
            esc(rec.first_review.get(..10).unwrap_or(&rec.first_review)),
            esc(rec.last_review.get(..10).unwrap_or(&rec.last_review)),
            esc(&rec.kinds.join(", ")),
            esc(rec.level.as_deref().unwrap_or("-")),
            level_label(rec.level.as_deref()),
            esc(&rec.template),
            if n.flagged_now {
                " <span class=\"badge k-new\">flagged now</span>"
            } else {
                ""
            }
        )?;
    }
    writeln!(h, "</tbody>\n</table>\n</section>")
}

fn window(r: &Report, clock: &Clock, h: &mut String) -> std::fmt::Result {
    let w = &r.window;
    writeln!(
        h,
        "<section id=\"method\">\n<h2>Window and method</h2>\n<dl class=\"kv\">"
    )?;
    let method = match w.method {
        crate::score::WindowMethod::BaselineInputs => "baseline inputs against the other inputs",
        crate::score::WindowMethod::IncidentStart => "incident start given",
        crate::score::WindowMethod::Last => "the last part of the data",
        crate::score::WindowMethod::ChangePoint => "found by a change-point search",
    };
    writeln!(h, "<dt>Method</dt><dd>{method}</dd>")?;
    writeln!(h, "<dt>Why</dt><dd>{}</dd>", esc(&w.reason))?;
    writeln!(
        h,
        "<dt>Incident</dt><dd>{} – {} ({}, {} events)</dd>",
        clock.at(w.incident.start_ms),
        clock.at(w.incident.end_ms),
        duration(w.incident.duration_ms),
        w.incident.events
    )?;
    writeln!(
        h,
        "<dt>Baseline</dt><dd>{} – {} ({}, {} events)</dd>",
        clock.at(w.baseline.start_ms),
        clock.at(w.baseline.end_ms),
        duration(w.baseline.duration_ms),
        w.baseline.events
    )?;
    writeln!(
        h,
        "<dt>Resolution</dt><dd>counts in {} buckets, values in {} buckets, charts in {} buckets{}</dd>",
        duration(w.bucket_ms),
        duration(w.param_bucket_ms),
        duration(w.display_bucket_ms),
        if w.time_basis == TimeBasis::Positions {
            "; no timestamps: line positions"
        } else {
            ""
        }
    )?;
    if w.rate_center_log2 != 0.0 {
        writeln!(
            h,
            "<dt>Rates</dt><dd>centred on the median template's change (×{:.2})</dd>",
            w.rate_center_log2.exp2()
        )?;
    }
    writeln!(
        h,
        "<dt>Statistics</dt><dd>exact conditional test of two Poisson rates per template, Benjamini-Hochberg false discovery control, value shifts per variable slot</dd>"
    )?;
    for n in &w.notes {
        writeln!(h, "<dt>Note</dt><dd>{}</dd>", esc(n))?;
    }
    for i in &r.inputs {
        let levels: Vec<String> = i
            .levels
            .0
            .iter()
            .map(|(l, n)| format!("{} {n}", esc(&l.to_ascii_uppercase())))
            .collect();
        writeln!(
            h,
            "<dt>Input</dt><dd><code>{}</code> ({}) · <code>{}</code> · {} lines, {} events{}{}</dd>",
            esc(&i.name),
            match i.group {
                crate::window::Group::Baseline => "baseline",
                crate::window::Group::Target => "target",
            },
            esc(&i.format),
            i.lines,
            i.events,
            if levels.is_empty() {
                String::new()
            } else {
                format!(" · {}", levels.join(", "))
            },
            i.error
                .as_deref()
                .map(|e| format!(" · <b>{}</b>", esc(e)))
                .unwrap_or_default()
        )?;
    }
    if let Some(rb) = &r.runbooks {
        writeln!(
            h,
            "<dt>Runbooks</dt><dd>{} of {} findings matched an entry of <code>{}</code> ({} entries)</dd>",
            rb.matched,
            r.flagged.len(),
            esc(&rb.file),
            rb.entries
        )?;
    }
    for n in &r.notes {
        writeln!(h, "<dt>Note</dt><dd>{}</dd>", esc(n))?;
    }
    writeln!(h, "</dl>\n</section>")
}

fn redaction(r: &Report, h: &mut String) -> std::fmt::Result {
    let prompt = r.summary.as_ref().map(|s| &s.redaction);
    let has_prompt =
        prompt.is_some_and(|p| !p.in_prompt.is_empty() || !p.suspicious_in_prompt.is_empty());
    if !has_prompt && r.output_redaction.is_none() {
        return Ok(());
    }
    writeln!(
        h,
        "<section id=\"redaction\">\n<h2>Redaction and suspicious content</h2>\n<dl class=\"kv\">"
    )?;
    if let Some(p) = prompt
        && has_prompt
    {
        let parts: Vec<String> = p
            .in_prompt
            .iter()
            .map(|(l, n)| format!("{n} {}", esc(l)))
            .collect();
        writeln!(
            h,
            "<dt>Summary evidence</dt><dd>{}</dd>",
            if parts.is_empty() {
                "nothing needed redacting".to_owned()
            } else {
                format!("placeholders in place of: {}", parts.join(", "))
            }
        )?;
        for s in &p.suspicious_in_prompt {
            writeln!(
                h,
                "<dt>Quarantined</dt><dd><code>{}</code> {} ({} chars, {}×): text that addresses an AI, not sent to the model</dd>",
                esc(&s.placeholder),
                esc(&s.description),
                s.chars,
                s.occurrences
            )?;
        }
    }
    if let Some(a) = &r.output_redaction {
        let parts: Vec<String> = a
            .redactions
            .iter()
            .map(|(k, c)| format!("{} {}", c.occurrences, esc(k.as_str())))
            .collect();
        writeln!(
            h,
            "<dt>This report</dt><dd>redacted with --redact-output: {} ({} of {} strings changed)</dd>",
            if parts.is_empty() {
                "nothing needed replacing".to_owned()
            } else {
                parts.join(", ")
            },
            a.strings_changed,
            a.strings_scanned
        )?;
    }
    writeln!(h, "</dl>\n</section>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_markup_quotes_and_controls() {
        assert_eq!(
            esc("<img src=x onerror=\"a('b')\">&\u{1b}[2J"),
            "&lt;img src=x onerror=&quot;a(&#39;b&#39;)&quot;&gt;&amp;\\x1b[2J"
        );
    }

    #[test]
    fn nice_steps() {
        assert_eq!(nice_step(37.0, 4.0), 10.0);
        assert_eq!(nice_step(3.0, 4.0), 1.0);
        assert_eq!(nice_step(180.0, 4.0), 50.0);
    }
}
