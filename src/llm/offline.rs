//! The offline summarizer: a deterministic account written from the evidence alone.
//!
//! Owns the wording of the summary used when no model is configured and whenever a model
//! fails: a headline, one finding per top cluster (what started or stopped, when, how much,
//! at which level), a carefully worded likely cause built on the order of the anomalies, and
//! generic but useful next steps. It quotes only numbers and times that the evidence holds
//! (the same check that model answers pass), and names clusters by id and template. It does
//! not call anything and does not rank findings: the analysis did.

use std::fmt::Write as _;

use crate::score::Kind;
use crate::window::TimeBasis;

use super::evidence::{Evidence, EvidenceFinding, Prepared, placeholder_regex};
use super::validate::{Answer, SummaryFinding};

/// Findings described, at most: a summary is read in a minute.
pub const MAX_OFFLINE_FINDINGS: usize = 6;
/// Next steps given, at most.
const MAX_STEPS: usize = 5;
/// Longest template quoted in prose, in characters.
const QUOTE_CHARS: usize = 90;

/// Write the offline summary of `prepared`.
pub fn write(prepared: &Prepared) -> Answer {
    let ev = prepared.evidence().get();
    let quarantined: Vec<u32> = ev
        .findings
        .iter()
        .filter(|f| has_suspicious(f))
        .map(|f| f.cluster)
        .collect();
    if ev.findings.is_empty() {
        return Answer {
            headline: "No significant change between the baseline and the incident window.".into(),
            findings: Vec::new(),
            likely_cause: "Nothing stands out: the incident window looks like the baseline.".into(),
            next_steps: vec![
                "If something did go wrong, choose the window explicitly (--incident-start, \
                 --last) or give a known-good baseline (--baseline)."
                    .into(),
                "Check that the logs of the affected component are among the inputs.".into(),
            ],
        };
    }
    let findings: Vec<SummaryFinding> = ev
        .findings
        .iter()
        .take(MAX_OFFLINE_FINDINGS)
        .map(|f| SummaryFinding {
            clusters: vec![f.cluster],
            what: what(f, ev),
            why_it_matters: why(f),
        })
        .collect();
    Answer {
        headline: headline(ev),
        findings,
        likely_cause: likely_cause(ev),
        next_steps: next_steps(ev, &quarantined),
    }
}

fn headline(ev: &Evidence) -> String {
    let n = ev.findings_total.max(ev.findings.len());
    let top = &ev.findings[0];
    let changes = if n == 1 {
        "1 change".to_owned()
    } else {
        format!("{} changes", thousands(n as u64))
    };
    format!(
        "{changes} in the incident window ({} to {}); the strongest: {}.",
        clock(&ev.window.incident.start),
        clock(&ev.window.incident.end),
        phrase(top, ev)
    )
}

/// A short phrase for the headline.
fn phrase(f: &EvidenceFinding, ev: &Evidence) -> String {
    let unit = ev.window.rate_unit;
    let lvl = level_word(f);
    match f.kind {
        Kind::New => format!(
            "a new {lvl}message in cluster {} ({} events, none in the baseline)",
            f.cluster,
            thousands(f.incident_count)
        ),
        Kind::Spike => format!(
            "{lvl}messages of cluster {} rose from {} to {} per {unit}",
            f.cluster,
            num(f.baseline_rate),
            num(f.incident_rate)
        ),
        Kind::Drop if f.vanished => format!(
            "cluster {} went quiet ({} events in the baseline, none in the incident)",
            f.cluster,
            thousands(f.baseline_count)
        ),
        Kind::Drop => format!(
            "cluster {} fell from {} to {} per {unit}",
            f.cluster,
            num(f.baseline_rate),
            num(f.incident_rate)
        ),
        Kind::Trend => format!(
            "{lvl}messages of cluster {} kept rising ({} events in the incident)",
            f.cluster,
            thousands(f.incident_count)
        ),
        Kind::ParamShift => match (f.values_before.first(), f.values_after.first()) {
            (Some(b), Some(a)) if b.value != a.value => format!(
                "the values in cluster {} changed ({} was {}% before, {} is {}% now)",
                f.cluster,
                quote_value(&b.value),
                num(b.share_pct),
                quote_value(&a.value),
                num(a.share_pct)
            ),
            _ => format!("the values in cluster {} changed", f.cluster),
        },
    }
}

fn what(f: &EvidenceFinding, ev: &Evidence) -> String {
    let unit = ev.window.rate_unit;
    let t = quote(&f.template);
    let subject = format!("{}emplate {t}", capital_level(f));
    let mut s = match f.kind {
        Kind::New => {
            let mut s = format!(
                "New {}template {t}: {} events in the incident window, none in the baseline",
                level_word(f),
                thousands(f.incident_count)
            );
            if let Some(first) = &f.first_seen {
                let _ = write!(s, "; first seen {}", clock(first));
            }
            s
        }
        Kind::Spike => format!(
            "{subject} rose from {} to {} per {unit} ({} events in the baseline, {} in the \
             incident; fold change {})",
            num(f.baseline_rate),
            num(f.incident_rate),
            thousands(f.baseline_count),
            thousands(f.incident_count),
            num(f.fold_change)
        ),
        Kind::Drop if f.vanished => {
            let mut s = format!(
                "{subject} went quiet: {} events in the baseline ({} per {unit}), none in the \
                 incident",
                thousands(f.baseline_count),
                num(f.baseline_rate)
            );
            if let Some(last) = &f.last_seen {
                let _ = write!(s, "; last seen {}", clock(last));
            }
            s
        }
        Kind::Drop => format!(
            "{subject} fell from {} to {} per {unit} ({} events in the baseline, {} in the \
             incident)",
            num(f.baseline_rate),
            num(f.incident_rate),
            thousands(f.baseline_count),
            thousands(f.incident_count)
        ),
        Kind::Trend => format!(
            "{subject} kept rising during the incident: {} events, {} per {unit} on average \
             against {} in the baseline",
            thousands(f.incident_count),
            num(f.incident_rate),
            num(f.baseline_rate)
        ),
        Kind::ParamShift => {
            let list = |v: &[super::evidence::ValueEvidence]| -> String {
                v.iter()
                    .map(|x| format!("{} {}%", quote_value(&x.value), num(x.share_pct)))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let slot = f.slot.map_or_else(String::new, |s| format!(" of slot {s}"));
            format!(
                "The values{slot} in {t} changed: before {}; after {}",
                list(&f.values_before),
                list(&f.values_after)
            )
        }
    };
    if has_suspicious(f) {
        s.push_str(
            ". Its log text held content that read like instructions to an AI; it was \
             quarantined and not shown",
        );
    }
    s.push('.');
    s
}

fn why(f: &EvidenceFinding) -> String {
    let severe = matches!(f.level, Some("error" | "fatal"));
    let why = match f.kind {
        Kind::New if severe => "A new error is often the first visible symptom of a failure.",
        Kind::New => "A message never seen in the baseline points to a new code path or state.",
        Kind::Spike if severe => "More errors than usual: something is failing repeatedly.",
        Kind::Spike if f.level == Some("warn") => {
            "A surge of warnings often comes just before errors."
        }
        Kind::Spike => {
            "A surge of ordinary activity can mean retries, a change in traffic or a loop."
        }
        Kind::Drop if f.vanished => {
            "Something that ran steadily stopped: a stalled worker, a lost connection or a \
             crash looks like this."
        }
        Kind::Drop => "Less of this message usually means less of this work got done.",
        Kind::Trend => "A rate that keeps rising tends to get worse until something is done.",
        Kind::ParamShift => {
            "The same message now carries different values: the value that took over says \
             what changed."
        }
    };
    why.to_owned()
}

/// The new findings with a first-seen time, earliest first (ties by rank).
fn new_in_order(ev: &Evidence) -> Vec<&EvidenceFinding> {
    let mut v: Vec<&EvidenceFinding> = ev
        .findings
        .iter()
        .filter(|f| f.kind == Kind::New && f.first_seen.is_some())
        .collect();
    v.sort_by(|a, b| {
        sort_key(a, ev.window.time_basis)
            .cmp(&sort_key(b, ev.window.time_basis))
            .then(a.rank.cmp(&b.rank))
    });
    v
}

/// Times as the analysis writes them sort as text (ISO-8601 UTC); positions by number.
fn sort_key(f: &EvidenceFinding, basis: TimeBasis) -> (u64, String) {
    let t = f.first_seen.clone().unwrap_or_default();
    match basis {
        TimeBasis::Timestamps => (0, t),
        TimeBasis::Positions => (
            t.trim_start_matches("event ")
                .parse::<u64>()
                .unwrap_or(u64::MAX),
            String::new(),
        ),
    }
}

fn likely_cause(ev: &Evidence) -> String {
    let news = new_in_order(ev);
    let quiet: Vec<&EvidenceFinding> = ev
        .findings
        .iter()
        .filter(|f| f.kind == Kind::Drop && f.vanished)
        .collect();
    let mut s = String::new();
    if let Some(first) = news.first() {
        let _ = write!(
            s,
            "The earliest anomaly was the new {}template in cluster {} ({}, {} event{}), first \
             seen at {}",
            level_word(first),
            first.cluster,
            quote(&first.template),
            thousands(first.incident_count),
            if first.incident_count == 1 { "" } else { "s" },
            clock(first.first_seen.as_deref().unwrap_or(""))
        );
        let later: Vec<String> = news
            .iter()
            .skip(1)
            .take(2)
            .map(|f| {
                format!(
                    "cluster {} ({})",
                    f.cluster,
                    clock(f.first_seen.as_deref().unwrap_or(""))
                )
            })
            .collect();
        if !later.is_empty() {
            let _ = write!(s, ", before {}", later.join(" and "));
        }
        s.push_str(
            ". Changes that start later are more likely consequences than causes, but the \
             evidence shows timing, not causation.",
        );
    } else {
        let top = &ev.findings[0];
        let _ = write!(
            s,
            "No new message appeared; the strongest change was that {}. This suggests a change \
             in the volume of known behaviour rather than a new failure mode; the evidence \
             shows timing, not causation.",
            phrase(top, ev)
        );
    }
    if let Some(q) = quiet.first() {
        let _ = write!(
            s,
            " Cluster {} went quiet in the same window, which can mean that the component \
             behind it stopped or lost a dependency.",
            q.cluster
        );
    }
    s
}

fn next_steps(ev: &Evidence, quarantined: &[u32]) -> Vec<String> {
    let mut steps: Vec<String> = Vec::new();
    let news = new_in_order(ev);
    match news.first() {
        Some(first) => steps.push(format!(
            "Read the lines of cluster {} around {}: the earliest new template is the best lead.",
            first.cluster,
            clock(first.first_seen.as_deref().unwrap_or(""))
        )),
        None => steps.push(format!(
            "Read the lines of cluster {} in the incident window: it is the strongest change.",
            ev.findings[0].cluster
        )),
    }
    for f in ev.findings.iter().filter(|f| f.runbook.is_some()).take(2) {
        if let Some(title) = &f.runbook {
            steps.push(format!(
                "Follow the runbook {} linked to cluster {}.",
                quote(title),
                f.cluster
            ));
        }
    }
    if let Some(q) = ev
        .findings
        .iter()
        .find(|f| f.kind == Kind::Drop && f.vanished)
    {
        steps.push(format!(
            "Check why cluster {} stopped: was its process restarted, blocked or cut off from \
             a dependency?",
            q.cluster
        ));
    }
    if let Some(p) = ev.findings.iter().find(|f| f.kind == Kind::ParamShift) {
        steps.push(format!(
            "Compare the values in cluster {} before and after the change: which caller, host \
             or status took over?",
            p.cluster
        ));
    }
    if !quarantined.is_empty() {
        let ids: Vec<String> = quarantined.iter().map(u32::to_string).collect();
        steps.push(format!(
            "Review the quarantined content in cluster {} (listed in the redaction audit): log \
             lines that address an AI may be an attempt to steer automated tooling.",
            ids.join(", ")
        ));
    }
    steps.push(format!(
        "Check deploys, configuration changes and the status of dependencies around {}.",
        clock(&ev.window.incident.start)
    ));
    steps.truncate(MAX_STEPS);
    steps
}

/// Whether a finding's text held quarantined content.
fn has_suspicious(f: &EvidenceFinding) -> bool {
    let hit = |s: &str| {
        placeholder_regex()
            .find_iter(s)
            .any(|m| m.as_str().starts_with("<SUSPICIOUS_"))
    };
    hit(&f.template)
        || f.samples.iter().any(|s| hit(s))
        || f.values_before
            .iter()
            .chain(&f.values_after)
            .any(|v| hit(&v.value))
}

/// `ERROR ` / `WARN ` / `FATAL ` before a noun, or nothing for quieter levels.
fn level_word(f: &EvidenceFinding) -> String {
    match f.level {
        Some(l @ ("warn" | "error" | "fatal")) => format!("{} ", l.to_ascii_uppercase()),
        _ => String::new(),
    }
}

/// `ERROR t` / `WARN t` / `FATAL t` at the start of a sentence, or `T` for quieter
/// levels: followed by "emplate".
fn capital_level(f: &EvidenceFinding) -> String {
    match f.level {
        Some(l @ ("warn" | "error" | "fatal")) => format!("{} t", l.to_ascii_uppercase()),
        _ => "T".to_owned(),
    }
}

/// A template in quotes, cut for prose.
fn quote(t: &str) -> String {
    let mut s: String = t.chars().take(QUOTE_CHARS).collect();
    if t.chars().count() > QUOTE_CHARS {
        s.push('…');
    }
    format!("\"{s}\"")
}

/// A parameter value in quotes.
fn quote_value(v: &str) -> String {
    format!("\"{v}\"")
}

/// A count with thousands separators.
pub(crate) fn thousands(n: u64) -> String {
    let d = n.to_string();
    let mut out = String::with_capacity(d.len() + d.len() / 3);
    for (i, c) in d.chars().enumerate() {
        if i > 0 && (d.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A number from the evidence as it is written there (shortest form, no exponent).
fn num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        thousands(x.abs() as u64)
    } else {
        format!("{x}")
    }
}

/// A time from the evidence, shortened for prose: `13:20` or `13:20:04` for ISO-8601 times
/// (UTC), unchanged otherwise (`event 120`).
fn clock(t: &str) -> String {
    let b = t.as_bytes();
    let iso = t.is_ascii() && b.len() >= 20 && b.get(10) == Some(&b'T') && t.ends_with('Z');
    if !iso {
        return t.to_owned();
    }
    let hhmm = &t[11..16];
    let ss = &t[17..19];
    let has_fraction = b.get(19) == Some(&b'.');
    if ss == "00" && !has_fraction {
        format!("{hhmm} UTC")
    } else {
        format!("{hhmm}:{ss} UTC")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn clocks() {
        assert_eq!(clock("2026-11-27T13:20:00Z"), "13:20 UTC");
        assert_eq!(clock("2026-11-27T13:20:04Z"), "13:20:04 UTC");
        assert_eq!(clock("2026-11-27T13:20:04.120Z"), "13:20:04 UTC");
        assert_eq!(clock("event 12"), "event 12");
    }
}
