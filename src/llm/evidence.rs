//! The evidence a summary is written from, and how it is chosen, redacted and packed.
//!
//! Owns [`Evidence`] (the window, and the top findings with their template, kind, counts,
//! rates, times, level, value shifts, a few sample lines and an optional runbook title), its
//! [`Redact`] implementations, and [`prepare`]: take the highest-scored flags of an
//! [`Analysis`], redact them, and pack them greedily by score under the prompt's token
//! budget. Every string is cut to a fixed length after redaction, and at most
//! [`LlmConfig::max_findings`] flags are considered, so the prompt does not grow with the
//! input. It does not talk to a model or write prose.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::redact::{Audit, Redact, Redacted, Redactor, SuspiciousFinding};
use crate::score::{self, Analysis, Flag, Kind, ValueShare, WindowMethod};
use crate::window::{POSITION_STEP_MS, TimeBasis};

use super::config::LlmConfig;
use super::{prompt, tokens};

/// Longest template sent, in characters: real templates are far shorter; a longer one is
/// usually a miner that failed to split a payload.
pub const MAX_TEMPLATE_CHARS: usize = 300;
/// Longest sample line sent, in characters.
pub const MAX_SAMPLE_CHARS: usize = 240;
/// Longest parameter value sent, in characters.
pub const MAX_VALUE_CHARS: usize = 64;
/// Values listed before and after for a parameter shift: the top three carry the story.
pub const MAX_VALUES: usize = 3;
/// Longest runbook title sent, in characters.
pub const MAX_RUNBOOK_CHARS: usize = 120;
/// Raw strings are cut to this many characters before redaction, which bounds its cost; the
/// final cut to the limits above happens after redaction, so that a cut never leaves an
/// unrecognisable fragment of a secret behind.
const PRE_REDACT_CHARS: usize = 8_192;
/// Characters of template text on each side of a parameter's slot used as its context.
const SLOT_CONTEXT_CHARS: usize = 80;
/// Marks text that was cut.
const ELLIPSIS: &str = "…";

/// One side of the comparison, as sent.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SideEvidence {
    /// Start (ISO-8601 UTC, or "event N" without timestamps).
    pub start: String,
    /// End, exclusive.
    pub end: String,
    /// Length, e.g. `30m`.
    pub duration: String,
    /// Events on this side.
    pub events: u64,
}

/// How the windows were chosen, as sent.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WindowEvidence {
    /// How the windows were chosen.
    pub method: WindowMethod,
    /// Timestamps or line positions.
    pub time_basis: TimeBasis,
    /// What the rates are per: `minute`, or `60 events` without timestamps.
    pub rate_unit: &'static str,
    /// The baseline side.
    pub baseline: SideEvidence,
    /// The incident side.
    pub incident: SideEvidence,
}

/// One value of a slot and its share, as sent.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValueEvidence {
    /// The value (redacted, cut to [`MAX_VALUE_CHARS`]).
    pub value: String,
    /// Occurrences in the window.
    pub count: u64,
    /// Share of the slot's occurrences, in percent (one decimal).
    pub share_pct: f64,
}

/// One finding, as sent.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvidenceFinding {
    /// Cluster id: the key a summary cites.
    pub cluster: u32,
    /// Rank in the analysis, 1 = read first.
    pub rank: usize,
    /// Kind of change.
    pub kind: Kind,
    /// Level name (`error`, ...), when known.
    pub level: Option<&'static str>,
    /// The template (redacted, cut to [`MAX_TEMPLATE_CHARS`]).
    pub template: String,
    /// Events in the baseline window.
    pub baseline_count: u64,
    /// Events in the incident window.
    pub incident_count: u64,
    /// Baseline rate per [`WindowEvidence::rate_unit`] (three significant digits).
    pub baseline_rate: f64,
    /// Incident rate likewise.
    pub incident_rate: f64,
    /// Smoothed incident/baseline rate ratio (three significant digits).
    pub fold_change: f64,
    /// Whether a drop went to zero.
    pub vanished: bool,
    /// When the template first appeared: kept for new templates and for any first seen
    /// inside the incident window. Older first sightings say nothing about the incident and
    /// would read as an early anomaly.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_seen: Option<String>,
    /// When the template was last seen: kept for drops (when it went quiet).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<String>,
    /// The slot whose values shifted (param_shift only), counted from 0 over the template's
    /// `<*>` wildcards.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slot: Option<u16>,
    /// Top values before (param_shift only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub values_before: Vec<ValueEvidence>,
    /// Top values after (param_shift only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub values_after: Vec<ValueEvidence>,
    /// Up to three sample lines (redacted, each cut to [`MAX_SAMPLE_CHARS`]).
    pub samples: Vec<String>,
    /// Title of a runbook linked to this finding, when one is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runbook: Option<String>,
}

/// Everything a summary may be written from. Sent to a model only as a
/// [`Redacted<Evidence>`], which [`prepare`] makes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    /// The windows compared.
    pub window: WindowEvidence,
    /// Findings in the analysis (before the budget).
    pub findings_total: usize,
    /// The findings included, highest score first.
    pub findings: Vec<EvidenceFinding>,
}

impl Redact for SideEvidence {
    fn redact(self, r: &mut Redactor) -> Self {
        let SideEvidence {
            start,
            end,
            duration,
            events,
        } = self;
        SideEvidence {
            start: start.redact(r),
            end: end.redact(r),
            duration: duration.redact(r),
            events,
        }
    }
}

impl Redact for WindowEvidence {
    fn redact(self, r: &mut Redactor) -> Self {
        let WindowEvidence {
            method,
            time_basis,
            rate_unit,
            baseline,
            incident,
        } = self;
        WindowEvidence {
            // Enums and a fixed unit name: no log text.
            method,
            time_basis,
            rate_unit,
            baseline: baseline.redact(r),
            incident: incident.redact(r),
        }
    }
}

impl Redact for ValueEvidence {
    /// A value on its own; [`EvidenceFinding`] redacts its values in their template's
    /// context instead.
    fn redact(self, r: &mut Redactor) -> Self {
        let ValueEvidence {
            value,
            count,
            share_pct,
        } = self;
        ValueEvidence {
            value: cut(value.redact(r), MAX_VALUE_CHARS),
            count,
            share_pct,
        }
    }
}

impl Redact for EvidenceFinding {
    fn redact(self, r: &mut Redactor) -> Self {
        // Exhaustive on purpose: a new field is a compile error here, not a leak.
        let EvidenceFinding {
            cluster,
            rank,
            kind,
            level,
            template,
            baseline_count,
            incident_count,
            baseline_rate,
            incident_rate,
            fold_change,
            vanished,
            first_seen,
            last_seen,
            slot,
            values_before,
            values_after,
            samples,
            runbook,
        } = self;
        // Whole lines first: their context (`password=...`) reveals secrets that the
        // redactor then remembers and finds again bare in the values.
        let samples: Vec<String> = samples
            .into_iter()
            .map(|s| cut(s.redact(r), MAX_SAMPLE_CHARS))
            .collect();
        let (before, after) = slot_context(&template, slot);
        let mut in_context = |values: Vec<ValueEvidence>| -> Vec<ValueEvidence> {
            values
                .into_iter()
                .map(|v| {
                    let ValueEvidence {
                        value,
                        count,
                        share_pct,
                    } = v;
                    ValueEvidence {
                        value: cut(
                            r.redact_in_context(&before, &value, &after),
                            MAX_VALUE_CHARS,
                        ),
                        count,
                        share_pct,
                    }
                })
                .collect()
        };
        let values_before = in_context(values_before);
        let values_after = in_context(values_after);
        EvidenceFinding {
            cluster,
            rank,
            kind,
            // A fixed level name from logsift, not log text.
            level,
            template: cut(template.redact(r), MAX_TEMPLATE_CHARS),
            baseline_count,
            incident_count,
            baseline_rate,
            incident_rate,
            fold_change,
            vanished,
            first_seen: first_seen.redact(r),
            last_seen: last_seen.redact(r),
            slot,
            values_before,
            values_after,
            samples,
            runbook: runbook.map(|t| cut(t.redact(r), MAX_RUNBOOK_CHARS)),
        }
    }
}

impl Redact for Evidence {
    fn redact(self, r: &mut Redactor) -> Self {
        let Evidence {
            window,
            findings_total,
            findings,
        } = self;
        Evidence {
            window: window.redact(r),
            findings_total,
            findings: findings.redact(r),
        }
    }
}

/// How the evidence was packed into the prompt budget.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Packing {
    /// The budget, in tokens.
    pub budget: usize,
    /// Tokens of the prompt as built (system prompt, framing and evidence, with the chat
    /// format's per-message overhead).
    pub prompt_tokens: usize,
    /// The tokenizer that counted them.
    pub tokenizer: &'static str,
    /// Findings in the analysis.
    pub findings_total: usize,
    /// Findings considered (the highest-scored, up to the configured cap).
    pub findings_considered: usize,
    /// Findings that fit the budget and were included.
    pub findings_included: usize,
}

impl Packing {
    /// Whether the prompt fits its budget (false only when the budget cannot hold the
    /// system prompt and the window description, which configuration validation prevents).
    pub fn fits(&self) -> bool {
        self.prompt_tokens <= self.budget
    }
}

/// What the redactor did, and what of it is in the prompt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RedactionReport {
    /// The redactor's audit over the evidence considered (counts by kind, suspicious
    /// content). `strings_scanned` counts both redaction passes.
    pub audit: Audit,
    /// Placeholders in the prompt, by label (`SECRET`, `EMAIL`, `SUSPICIOUS`, ...): what
    /// was sent, or would be, in place of the original text.
    pub in_prompt: BTreeMap<String, u64>,
    /// The suspicious findings whose placeholder is in the prompt.
    pub suspicious_in_prompt: Vec<SuspiciousFinding>,
}

/// The redacted, packed evidence for one summary, with its accounting.
#[derive(Debug, Clone)]
pub struct Prepared {
    evidence: Redacted<Evidence>,
    packing: Packing,
    redaction: RedactionReport,
}

impl Prepared {
    /// The sealed evidence: the only thing the OpenAI-compatible client accepts.
    pub fn evidence(&self) -> &Redacted<Evidence> {
        &self.evidence
    }

    /// How the evidence was packed.
    pub fn packing(&self) -> &Packing {
        &self.packing
    }

    /// What was redacted and what is in the prompt.
    pub fn redaction(&self) -> &RedactionReport {
        &self.redaction
    }
}

/// Choose, redact and pack the evidence of `analysis` for a summary; see
/// [`prepare_with_runbooks`] to attach runbook titles.
pub fn prepare(analysis: &Analysis, cfg: &LlmConfig) -> Prepared {
    prepare_with_runbooks(analysis, cfg, |_| None)
}

/// Like [`prepare`], with a runbook title for the findings that have one.
///
/// The highest-scored flags (at most [`LlmConfig::max_findings`]) are redacted with one
/// [`Redactor`], then included in score order while the prompt stays within
/// [`LlmConfig::max_prompt_tokens`]; a finding that does not fit is skipped and smaller
/// ones after it may still fit. The packed evidence is sealed again by the same redactor
/// (which changes nothing but catches secrets first recognised in a later finding), and the
/// whole prompt is counted once more; findings are dropped from the end until it fits.
pub fn prepare_with_runbooks(
    analysis: &Analysis,
    cfg: &LlmConfig,
    runbook: impl Fn(&Flag) -> Option<String>,
) -> Prepared {
    let budget = cfg.max_prompt_tokens();
    let mut redactor = Redactor::new(cfg.redact().clone());

    // Highest score first; ties keep the analysis order.
    let mut order: Vec<usize> = (0..analysis.flagged.len()).collect();
    order.sort_by(|&a, &b| {
        analysis.flagged[b]
            .score
            .total_cmp(&analysis.flagged[a].score)
            .then(a.cmp(&b))
    });
    order.truncate(cfg.max_findings());
    let candidates: Vec<EvidenceFinding> = order
        .iter()
        .map(|&i| raw_finding(&analysis.flagged[i], i + 1, analysis, cfg, &runbook))
        .collect();
    let considered = candidates.len();
    let candidates = redactor.seal(candidates).into_inner();

    let window = raw_window(analysis);
    let empty = Evidence {
        window: window.clone(),
        findings_total: analysis.flagged.len(),
        findings: Vec::new(),
    };
    let mut used = prompt::measure(&empty);
    let mut chosen: Vec<EvidenceFinding> = Vec::new();
    for f in candidates {
        // The finding's JSON and the comma that separates it from the previous one.
        let cost = serde_json::to_string(&f).map_or(usize::MAX, |j| tokens::count(&j) + 1);
        if used.saturating_add(cost) <= budget {
            used += cost;
            chosen.push(f);
        }
    }
    loop {
        let evidence = redactor.seal(Evidence {
            window: window.clone(),
            findings_total: analysis.flagged.len(),
            findings: chosen.clone(),
        });
        let prompt_tokens = prompt::measure(evidence.get());
        if prompt_tokens <= budget || chosen.is_empty() {
            let redaction = redaction_report(redactor.audit(), evidence.get());
            let packing = Packing {
                budget,
                prompt_tokens,
                tokenizer: "cl100k_base",
                findings_total: analysis.flagged.len(),
                findings_considered: considered,
                findings_included: evidence.get().findings.len(),
            };
            return Prepared {
                evidence,
                packing,
                redaction,
            };
        }
        chosen.pop();
    }
}

/// The placeholders in the rendered evidence, by label, and the suspicious findings among
/// them.
fn redaction_report(audit: Audit, evidence: &Evidence) -> RedactionReport {
    let text = serde_json::to_string(evidence).unwrap_or_default();
    let mut in_prompt: BTreeMap<String, u64> = BTreeMap::new();
    let mut present: std::collections::HashSet<&str> = std::collections::HashSet::new();
    for m in placeholder_regex().find_iter(&text) {
        let p = m.as_str();
        present.insert(p);
        let label = p
            .trim_start_matches('<')
            .trim_end_matches('>')
            .rsplit_once('_')
            .map_or(p, |(l, _)| l);
        *in_prompt.entry(label.to_owned()).or_default() += 1;
    }
    let suspicious_in_prompt = audit
        .suspicious
        .iter()
        .filter(|f| present.contains(f.placeholder.as_str()))
        .cloned()
        .collect();
    RedactionReport {
        audit,
        in_prompt,
        suspicious_in_prompt,
    }
}

/// The redactor's placeholders (`<SECRET_1>`, `<SUSPICIOUS_2>`, ...).
pub(crate) fn placeholder_regex() -> &'static regex::Regex {
    static RX: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"<(?:AWS_KEY|API_KEY|SECRET|JWT|PRIVATE_KEY|CARD|EMAIL|IP|HOST|SUSPICIOUS)_[0-9]+>",
        )
        .expect("built-in placeholder pattern compiles")
    });
    &RX
}

fn raw_window(a: &Analysis) -> WindowEvidence {
    let side = |s: &score::Span| SideEvidence {
        start: s.start.clone(),
        end: s.end.clone(),
        duration: match a.window.time_basis {
            TimeBasis::Timestamps => score::human_ms(s.duration_ms.max(0)),
            TimeBasis::Positions => format!("{} events", s.events),
        },
        events: s.events,
    };
    WindowEvidence {
        method: a.window.method,
        time_basis: a.window.time_basis,
        rate_unit: match a.window.time_basis {
            TimeBasis::Timestamps => "minute",
            TimeBasis::Positions => "60 events",
        },
        baseline: side(&a.window.baseline),
        incident: side(&a.window.incident),
    }
}

fn raw_finding(
    f: &Flag,
    rank: usize,
    analysis: &Analysis,
    cfg: &LlmConfig,
    runbook: &impl Fn(&Flag) -> Option<String>,
) -> EvidenceFinding {
    let basis = analysis.window.time_basis;
    let incident_start = analysis.window.incident.start_ms;
    let first_seen = f
        .first_seen
        .filter(|&t| f.kind == Kind::New || t >= incident_start);
    let last_seen = f.last_seen.filter(|_| f.kind == Kind::Drop);
    let values = |v: &[ValueShare]| -> Vec<ValueEvidence> {
        v.iter()
            .take(MAX_VALUES)
            .map(|s| ValueEvidence {
                value: pre_cut(&s.value),
                count: s.count,
                share_pct: round_to(s.share * 100.0, 1),
            })
            .collect()
    };
    EvidenceFinding {
        cluster: f.cluster_id,
        rank,
        kind: f.kind,
        level: f.level,
        template: pre_cut(&f.template),
        baseline_count: f.baseline_count,
        incident_count: f.incident_count,
        baseline_rate: round_sig(f.baseline_rate),
        incident_rate: round_sig(f.incident_rate),
        fold_change: round_sig(f.fold_change),
        vanished: f.vanished,
        first_seen: first_seen.map(|t| format_time(t, basis)),
        last_seen: last_seen.map(|t| format_time(t, basis)),
        slot: f.slot,
        values_before: values(&f.values_before),
        values_after: values(&f.values_after),
        samples: f
            .samples
            .iter()
            .take(cfg.max_samples())
            .map(|s| pre_cut(s))
            .collect(),
        runbook: runbook(f).map(|t| pre_cut(&t)),
    }
}

/// A time as the analysis writes it: ISO-8601 UTC, or "event N" for line positions.
pub(crate) fn format_time(ms: i64, basis: TimeBasis) -> String {
    match basis {
        TimeBasis::Timestamps => score::format_iso(ms),
        TimeBasis::Positions => format!("event {}", ms / POSITION_STEP_MS + 1),
    }
}

/// `x` to three significant digits (at most four decimals), so a model can quote it as is.
pub(crate) fn round_sig(x: f64) -> f64 {
    if !x.is_finite() || x == 0.0 {
        return if x.is_finite() { 0.0 } else { f64::MAX };
    }
    let magnitude = x.abs().log10().floor() as i32;
    let decimals = (2 - magnitude).clamp(0, 4);
    round_to(x, decimals as u32)
}

/// `x` rounded to `decimals` decimal places.
pub(crate) fn round_to(x: f64, decimals: u32) -> f64 {
    let p = 10f64.powi(decimals as i32);
    let r = (x * p).round() / p;
    if r.is_finite() { r } else { x }
}

/// Cut raw text to [`PRE_REDACT_CHARS`] before redaction.
fn pre_cut(s: &str) -> String {
    match s.char_indices().nth(PRE_REDACT_CHARS) {
        Some((at, _)) => s[..at].to_owned(),
        None => s.to_owned(),
    }
}

/// Cut redacted text to `max` characters, never inside a placeholder, marking the cut.
pub(crate) fn cut(s: String, max: usize) -> String {
    let Some((mut at, _)) = s.char_indices().nth(max) else {
        return s;
    };
    // A placeholder cut in half would read as text the redactor wrote; cut before it.
    if let Some(open) = s[..at].rfind('<')
        && !s[open..at].contains('>')
        && s[open + 1..at]
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
    {
        at = open;
    }
    let mut out = String::with_capacity(at + ELLIPSIS.len());
    out.push_str(&s[..at]);
    out.push_str(ELLIPSIS);
    out
}

/// The template text around the `slot`-th `<*>` (counted from 0): the context in which a
/// value of that slot is judged. Without a matching wildcard the whole template is the
/// context before the value.
fn slot_context(template: &str, slot: Option<u16>) -> (String, String) {
    let tail = |s: &str| -> String {
        let n = s.chars().count();
        s.chars()
            .skip(n.saturating_sub(SLOT_CONTEXT_CHARS))
            .collect()
    };
    let head = |s: &str| -> String { s.chars().take(SLOT_CONTEXT_CHARS).collect() };
    if let Some(k) = slot
        && let Some((at, _)) = template.match_indices("<*>").nth(usize::from(k))
    {
        return (tail(&template[..at]), head(&template[at + 3..]));
    }
    (format!("{} ", tail(template)), String::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cut_marks_and_never_splits_a_placeholder() {
        assert_eq!(cut("short".into(), 10), "short");
        assert_eq!(cut("abcdef".into(), 3), "abc…");
        assert_eq!(cut("ab <SECRET_12> cd".into(), 8), "ab …");
        assert_eq!(cut("ab <SECRET_12> cd".into(), 14), "ab <SECRET_12>…");
        assert_eq!(cut("a < b and c".into(), 6), "a < b …");
        assert_eq!(cut("ééééé".into(), 2), "éé…");
    }

    #[test]
    fn rounding_keeps_three_significant_digits() {
        assert_eq!(round_sig(41.1333), 41.1);
        assert_eq!(round_sig(0.033333), 0.0333);
        assert_eq!(round_sig(1234.56), 1235.0);
        assert_eq!(round_sig(0.0), 0.0);
        assert_eq!(round_sig(-2.345), -2.35);
        assert_eq!(round_sig(0.000012), 0.0);
    }

    #[test]
    fn slot_context_finds_the_wildcard() {
        let (b, a) = slot_context("login user=<*> password=<*> ok", Some(1));
        assert_eq!(b, "login user=<*> password=");
        assert_eq!(a, " ok");
        let (b, a) = slot_context("no wildcard", Some(3));
        assert_eq!(b, "no wildcard ");
        assert_eq!(a, "");
    }
}
