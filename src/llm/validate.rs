//! Reading a model's answer and checking it against the evidence it was given.
//!
//! Owns the answer's shape (`headline`, `findings: [{clusters, what, why_it_matters}]`,
//! `likely_cause`, `next_steps`) and the grounding rules: every cited cluster id must be in
//! the evidence, and every number and time in the text must be one the evidence holds. It
//! does not call the model and does not decide what happens after a rejection.
//!
//! # The number rule
//!
//! Times are checked first. A date-time (`2026-11-27T13:20:04Z`, `2026-11-27 13:20`), a
//! date (`2026-11-27`) or a clock time (`13:20`, `13:20:04`) in the answer must be a time
//! the evidence holds (in a field or inside a sample line), at the precision written: `13:20`
//! matches any evidence time in that minute. Fractions of seconds and the `T`/`Z` are
//! ignored.
//!
//! Then every number token is checked. A number token is a run of digits, with optional
//! thousands separators (`1,234`) and decimals (`12.5`), not glued to a word (`5xx`,
//! `HikariPool-1`, `ord_0b3` and `<SECRET_1>` are names, not numbers), optionally followed
//! by `%`, `x`, `×` or a duration unit (`ms`, `s`, `m`, `h`, `d`, `min`). Its value must
//! equal a number of the evidence rounded to the decimals written: `41` and `41.1` both
//! match an evidence `41.13`, `1,234` matches `1234`, `12.5%` matches `12.5`. The evidence's
//! numbers are every number value in it and every digit run inside its strings (templates,
//! samples, values, durations). Integers from 0 to [`MAX_FREE_INTEGER`] are always allowed:
//! they are ordinals and small counts ("the first 2 clusters", "3 findings"). A sign is not
//! part of the number: "-50%" is checked as 50.

use std::collections::{BTreeSet, HashSet};
use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::evidence::{Evidence, placeholder_regex};

/// Integers up to this are allowed without being in the evidence: ordinals and small counts.
pub const MAX_FREE_INTEGER: f64 = 10.0;
/// Most findings accepted in an answer.
pub const MAX_ANSWER_FINDINGS: usize = 8;
/// Most next steps accepted in an answer.
pub const MAX_NEXT_STEPS: usize = 8;
/// Longest accepted headline, in characters.
const MAX_HEADLINE_CHARS: usize = 300;
/// Longest accepted text of any other field, in characters.
const MAX_FIELD_CHARS: usize = 1_000;
/// Problems listed in one rejection: enough for the model to fix them, short enough to read.
const MAX_PROBLEMS: usize = 4;

/// One finding of a summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SummaryFinding {
    /// Cluster ids the finding is about.
    pub clusters: Vec<u32>,
    /// What changed, with its numbers.
    pub what: String,
    /// Why it matters.
    pub why_it_matters: String,
}

/// The text of a summary, as the model was asked to write it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    /// One sentence.
    pub headline: String,
    /// The findings, most important first.
    pub findings: Vec<SummaryFinding>,
    /// What the evidence suggests.
    pub likely_cause: String,
    /// What to do next.
    pub next_steps: Vec<String>,
}

/// Why an answer was rejected; the text is sent back to the model on the retry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Rejection(pub String);

/// Parse the model's message content into an [`Answer`], checking its shape.
pub fn parse_answer(content: &str) -> Result<Answer, Rejection> {
    let body = json_object_slice(content)
        .ok_or_else(|| Rejection("the answer is not a JSON object".into()))?;
    let v: Value = serde_json::from_str(body).map_err(|e| {
        Rejection(format!(
            "the answer is not valid JSON ({e}); it may have been cut off: answer shorter"
        ))
    })?;
    let obj = v
        .as_object()
        .ok_or_else(|| Rejection("the answer is not a JSON object".into()))?;
    let text = |key: &str, max: usize| -> Result<String, Rejection> {
        let s = obj
            .get(key)
            .and_then(Value::as_str)
            .map(str::trim)
            .ok_or_else(|| Rejection(format!("\"{key}\" is missing or not a string")))?;
        if s.is_empty() {
            return Err(Rejection(format!("\"{key}\" is empty")));
        }
        if s.chars().count() > max {
            return Err(Rejection(format!(
                "\"{key}\" is longer than {max} characters"
            )));
        }
        Ok(s.to_owned())
    };
    let headline = text("headline", MAX_HEADLINE_CHARS)?;
    let likely_cause = text("likely_cause", MAX_FIELD_CHARS)?;
    let raw_findings = obj
        .get("findings")
        .and_then(Value::as_array)
        .ok_or_else(|| Rejection("\"findings\" is missing or not an array".into()))?;
    if raw_findings.is_empty() || raw_findings.len() > MAX_ANSWER_FINDINGS {
        return Err(Rejection(format!(
            "\"findings\" must hold 1 to {MAX_ANSWER_FINDINGS} findings"
        )));
    }
    let mut findings = Vec::with_capacity(raw_findings.len());
    for (i, f) in raw_findings.iter().enumerate() {
        let n = i + 1;
        let fo = f
            .as_object()
            .ok_or_else(|| Rejection(format!("finding {n} is not an object")))?;
        let clusters = fo
            .get("clusters")
            .and_then(Value::as_array)
            .ok_or_else(|| Rejection(format!("finding {n} has no \"clusters\" array")))?;
        let mut ids = Vec::with_capacity(clusters.len());
        for c in clusters {
            let id = match c {
                Value::Number(x) => x.as_u64(),
                Value::String(s) => s.trim().trim_start_matches('#').parse::<u64>().ok(),
                _ => None,
            }
            .and_then(|x| u32::try_from(x).ok())
            .ok_or_else(|| {
                Rejection(format!("finding {n} cites {c}, which is not a cluster id"))
            })?;
            ids.push(id);
        }
        if ids.is_empty() {
            return Err(Rejection(format!("finding {n} cites no cluster")));
        }
        let field = |key: &str| -> Result<String, Rejection> {
            let s = fo
                .get(key)
                .and_then(Value::as_str)
                .map(str::trim)
                .unwrap_or("");
            if s.is_empty() {
                return Err(Rejection(format!("finding {n} has no \"{key}\"")));
            }
            if s.chars().count() > MAX_FIELD_CHARS {
                return Err(Rejection(format!(
                    "finding {n}: \"{key}\" is longer than {MAX_FIELD_CHARS} characters"
                )));
            }
            Ok(s.to_owned())
        };
        findings.push(SummaryFinding {
            clusters: ids,
            what: field("what")?,
            why_it_matters: field("why_it_matters")?,
        });
    }
    let steps = obj
        .get("next_steps")
        .and_then(Value::as_array)
        .ok_or_else(|| Rejection("\"next_steps\" is missing or not an array".into()))?;
    if steps.is_empty() || steps.len() > MAX_NEXT_STEPS {
        return Err(Rejection(format!(
            "\"next_steps\" must hold 1 to {MAX_NEXT_STEPS} steps"
        )));
    }
    let mut next_steps = Vec::with_capacity(steps.len());
    for (i, s) in steps.iter().enumerate() {
        let s = s.as_str().map(str::trim).unwrap_or("");
        if s.is_empty() || s.chars().count() > MAX_FIELD_CHARS {
            return Err(Rejection(format!(
                "next step {} is not a non-empty string of at most {MAX_FIELD_CHARS} characters",
                i + 1
            )));
        }
        next_steps.push(s.to_owned());
    }
    Ok(Answer {
        headline,
        findings,
        likely_cause,
        next_steps,
    })
}

/// The outermost `{...}` of `content`: models sometimes wrap JSON in a code fence or a
/// sentence even when asked not to.
fn json_object_slice(content: &str) -> Option<&str> {
    let start = content.find('{')?;
    let end = content.rfind('}')?;
    (end > start).then(|| &content[start..=end])
}

/// What an answer may cite: the evidence's cluster ids, numbers and times.
#[derive(Debug, Clone)]
pub struct Grounding {
    clusters: BTreeSet<u32>,
    numbers: Vec<f64>,
    times: HashSet<String>,
}

impl Grounding {
    /// Collect the citable facts of `evidence`.
    pub fn new(evidence: &Evidence) -> Grounding {
        let clusters = evidence.findings.iter().map(|f| f.cluster).collect();
        let value = serde_json::to_value(evidence).unwrap_or(Value::Null);
        let mut numbers = Vec::new();
        let mut times = HashSet::new();
        collect(&value, &mut numbers, &mut times);
        numbers.sort_by(f64::total_cmp);
        numbers.dedup();
        Grounding {
            clusters,
            numbers,
            times,
        }
    }

    /// The cluster ids of the evidence.
    pub fn clusters(&self) -> &BTreeSet<u32> {
        &self.clusters
    }

    /// Check every cited cluster, number and time of `answer`.
    pub fn check(&self, answer: &Answer) -> Result<(), Rejection> {
        let mut problems: Vec<String> = Vec::new();
        for (i, f) in answer.findings.iter().enumerate() {
            for id in &f.clusters {
                if !self.clusters.contains(id) {
                    problems.push(format!(
                        "finding {} cites cluster {id}, which is not in the evidence (its \
                         clusters are {})",
                        i + 1,
                        self.cluster_list()
                    ));
                }
            }
        }
        let mut fields: Vec<(String, &str)> = vec![
            ("headline".into(), answer.headline.as_str()),
            ("likely_cause".into(), answer.likely_cause.as_str()),
        ];
        for (i, f) in answer.findings.iter().enumerate() {
            fields.push((format!("finding {} what", i + 1), f.what.as_str()));
            fields.push((
                format!("finding {} why_it_matters", i + 1),
                &f.why_it_matters,
            ));
        }
        for (i, s) in answer.next_steps.iter().enumerate() {
            fields.push((format!("next step {}", i + 1), s.as_str()));
        }
        for (name, text) in fields {
            self.check_text(&name, text, &mut problems);
        }
        if problems.is_empty() {
            return Ok(());
        }
        let more = problems.len().saturating_sub(MAX_PROBLEMS);
        problems.truncate(MAX_PROBLEMS);
        let mut msg = problems.join("; ");
        if more > 0 {
            msg.push_str(&format!("; and {more} more"));
        }
        Err(Rejection(msg))
    }

    fn cluster_list(&self) -> String {
        let v: Vec<String> = self.clusters.iter().map(u32::to_string).collect();
        if v.is_empty() {
            "none".into()
        } else {
            v.join(", ")
        }
    }

    /// Check the times, numbers and "cluster N" mentions of one text.
    fn check_text(&self, name: &str, text: &str, problems: &mut Vec<String>) {
        // Placeholders and wildcards carry digits that are not claims.
        let cleaned = placeholder_regex().replace_all(text, " ");
        let mut rest = cleaned.into_owned();
        for m in CLUSTER_MENTION.captures_iter(&rest.clone()) {
            if let Some(id) = m.get(1).and_then(|d| d.as_str().parse::<u32>().ok())
                && !self.clusters.contains(&id)
            {
                problems.push(format!(
                    "{name} mentions cluster {id}, which is not in the evidence (its clusters \
                     are {})",
                    self.cluster_list()
                ));
            }
        }
        for m in TIME.find_iter(&rest.clone()) {
            let t = m.as_str();
            if !normalised_times(t).iter().any(|n| self.times.contains(n)) {
                problems.push(format!(
                    "{name} has the time {t}, which is not in the evidence"
                ));
            }
            rest.replace_range(m.range(), &" ".repeat(m.len()));
        }
        for tok in number_tokens(&rest) {
            if !self.number_allowed(&tok) {
                problems.push(format!(
                    "{name} has the number {}, which is not in the evidence",
                    tok.text
                ));
            }
        }
    }

    fn number_allowed(&self, tok: &NumberToken) -> bool {
        let v = tok.value;
        if tok.decimals == 0 && v <= MAX_FREE_INTEGER {
            return true;
        }
        let p = 10f64.powi(tok.decimals as i32);
        let tol = 0.5 / p * 1e-6 + 1e-9;
        self.numbers.iter().any(|&e| {
            let e = e.abs();
            let rounded = (e * p).round() / p;
            (rounded - v).abs() <= tol * v.max(1.0)
        })
    }
}

/// `cluster 12`, `clusters 3`, `cluster #12`, `cluster id 12`.
static CLUSTER_MENTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\bclusters?\s+(?:id\s+)?#?(\d+)\b").expect("built-in pattern compiles")
});

/// Dates, date-times and clock times.
static TIME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?Z?)?|\b\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\b",
    )
    .expect("built-in pattern compiles")
});

/// The forms a written time is compared in: `YYYY-MM-DD`, `YYYY-MM-DD HH:MM[:SS]`, or
/// `HH:MM[:SS]`, without fractions of seconds.
fn normalised_times(t: &str) -> Vec<String> {
    let t = t.trim_end_matches('Z').replace('T', " ");
    let t = match t.find(['.', ',']) {
        Some(i) if t[..i].contains(':') => t[..i].to_owned(),
        _ => t,
    };
    let (date, clock) = match t.split_once(' ') {
        Some((d, c)) => (Some(d.to_owned()), Some(c.to_owned())),
        None if t.contains(':') => (None, Some(t.clone())),
        None => (Some(t.clone()), None),
    };
    let clock = clock.map(|c| {
        if c.find(':') == Some(1) {
            format!("0{c}")
        } else {
            c
        }
    });
    match (date, clock) {
        (Some(d), Some(c)) => vec![format!("{d} {c}")],
        (Some(d), None) => vec![d],
        (None, Some(c)) => vec![c],
        (None, None) => Vec::new(),
    }
}

/// Every form under which an evidence time may be cited: date, clock to the minute and to
/// the second, and date with either.
fn evidence_time_forms(t: &str, out: &mut HashSet<String>) {
    for n in normalised_times(t) {
        match n.split_once(' ') {
            Some((d, c)) => {
                out.insert(d.to_owned());
                out.insert(c.to_owned());
                out.insert(format!("{d} {}", &c[..c.len().min(5)]));
                out.insert(c[..c.len().min(5)].to_owned());
                out.insert(n.clone());
            }
            None => {
                if n.contains(':') {
                    out.insert(n[..n.len().min(5)].to_owned());
                }
                out.insert(n);
            }
        }
    }
}

/// All numbers and times in a JSON value: number values, and digit runs and times inside
/// strings.
fn collect(v: &Value, numbers: &mut Vec<f64>, times: &mut HashSet<String>) {
    match v {
        Value::Number(n) => {
            if let Some(x) = n.as_f64() {
                numbers.push(x.abs());
            }
        }
        Value::String(s) => {
            for m in TIME.find_iter(s) {
                evidence_time_forms(m.as_str(), times);
            }
            for m in DIGIT_RUN.find_iter(s) {
                let plain = m.as_str().replace(',', "");
                if let Ok(x) = plain.parse::<f64>() {
                    numbers.push(x);
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect(x, numbers, times)),
        Value::Object(o) => o.values().for_each(|x| collect(x, numbers, times)),
        Value::Bool(_) | Value::Null => {}
    }
}

/// Any digit run in evidence text, with decimals and thousands separators.
static DIGIT_RUN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?").expect("built-in pattern compiles")
});

/// A number written in an answer.
#[derive(Debug, Clone, PartialEq)]
struct NumberToken {
    text: String,
    value: f64,
    decimals: u32,
}

/// Units that may follow a number directly (`12%`, `3.5x`, `30s`, `2h`).
const UNITS: [&str; 9] = ["%", "x", "×", "ms", "min", "s", "m", "h", "d"];

/// The number tokens of `text` (see the module documentation).
fn number_tokens(text: &str) -> Vec<NumberToken> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let glued_before = i > 0 && {
            let p = b[i - 1];
            p.is_ascii_alphanumeric()
                || p == b'_'
                || p == b'.'
                || (p == b'-' && i > 1 && (b[i - 2].is_ascii_alphanumeric() || b[i - 2] == b'_'))
        };
        let start = i;
        let mut end = i;
        while end < b.len() {
            let c = b[end];
            // A separator belongs to the number only between digits: `1,234`, `12.5`.
            let separator = (c == b',' || c == b'.')
                && end + 1 < b.len()
                && b[end + 1].is_ascii_digit()
                && (c == b'.' || is_thousands_group(&b[end + 1..]));
            if c.is_ascii_digit() || separator {
                end += 1;
            } else {
                break;
            }
        }
        let after = &text[end..];
        let unit = UNITS.iter().find(|u| {
            after.starts_with(*u)
                && !after[u.len()..]
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_')
        });
        let glued_after = unit.is_none()
            && after
                .chars()
                .next()
                .is_some_and(|c| c.is_alphanumeric() || c == '_');
        // Skip the rest of an identifier such as `5xx` or `a1b2`.
        let mut next = end;
        if glued_after || glued_before {
            while next < b.len() && (b[next].is_ascii_alphanumeric() || b[next] == b'_') {
                next += 1;
            }
            i = next.max(end);
            continue;
        }
        let raw = &text[start..end];
        let plain = raw.replace(',', "");
        if let Ok(value) = plain.parse::<f64>() {
            let decimals = plain
                .split_once('.')
                .map_or(0, |(_, d)| d.len().min(9) as u32);
            out.push(NumberToken {
                text: format!("{raw}{}", unit.copied().unwrap_or("")),
                value,
                decimals,
            });
        }
        i = end;
    }
    out
}

/// Whether `rest` starts with exactly three digits and then no further digit.
fn is_thousands_group(rest: &[u8]) -> bool {
    rest.len() >= 3
        && rest[..3].iter().all(u8::is_ascii_digit)
        && !rest.get(3).is_some_and(u8::is_ascii_digit)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nums(s: &str) -> Vec<(String, f64, u32)> {
        number_tokens(s)
            .into_iter()
            .map(|t| (t.text, t.value, t.decimals))
            .collect()
    }

    #[test]
    fn number_tokens_skip_identifiers() {
        assert_eq!(
            nums("rose from 1,234 to 12.5% (x3.5), 5xx and HikariPool-1 ord_0b3 v2, 30s."),
            vec![
                ("1,234".into(), 1234.0, 0),
                ("12.5%".into(), 12.5, 1),
                ("30s".into(), 30.0, 0),
            ]
        );
        assert_eq!(
            nums("fold 3.5x, -50% and 2x"),
            vec![
                ("3.5x".into(), 3.5, 1),
                ("50%".into(), 50.0, 0),
                ("2x".into(), 2.0, 0),
            ]
        );
        assert_eq!(
            nums("1,2345 and 12,34"),
            vec![
                ("1".into(), 1.0, 0),
                ("2345".into(), 2345.0, 0),
                ("12".into(), 12.0, 0),
                ("34".into(), 34.0, 0),
            ]
        );
    }

    #[test]
    fn times_normalise() {
        assert_eq!(
            normalised_times("2026-11-27T13:20:04.123Z"),
            vec!["2026-11-27 13:20:04"]
        );
        assert_eq!(normalised_times("9:05"), vec!["09:05"]);
        let mut set = HashSet::new();
        evidence_time_forms("2026-11-27T13:20:04Z", &mut set);
        for f in [
            "2026-11-27",
            "13:20",
            "13:20:04",
            "2026-11-27 13:20",
            "2026-11-27 13:20:04",
        ] {
            assert!(set.contains(f), "{f}");
        }
    }

    #[test]
    fn parse_accepts_fenced_json_and_string_ids() {
        let a = parse_answer(
            "```json\n{\"headline\":\"h\",\"findings\":[{\"clusters\":[\"7\"],\"what\":\"w\",\
             \"why_it_matters\":\"y\"}],\"likely_cause\":\"c\",\"next_steps\":[\"s\"]}\n```",
        )
        .unwrap();
        assert_eq!(a.findings[0].clusters, vec![7]);
    }

    #[test]
    fn parse_rejects_bad_shapes() {
        for bad in [
            "",
            "not json",
            "{\"headline\": \"h\"",
            "{\"headline\":\"\",\"findings\":[],\"likely_cause\":\"c\",\"next_steps\":[\"s\"]}",
            "{\"headline\":\"h\",\"findings\":[],\"likely_cause\":\"c\",\"next_steps\":[\"s\"]}",
            "{\"headline\":\"h\",\"findings\":[{\"clusters\":[],\"what\":\"w\",\"why_it_matters\":\"y\"}],\"likely_cause\":\"c\",\"next_steps\":[\"s\"]}",
            "{\"headline\":\"h\",\"findings\":[{\"clusters\":[-1],\"what\":\"w\",\"why_it_matters\":\"y\"}],\"likely_cause\":\"c\",\"next_steps\":[\"s\"]}",
            "{\"headline\":\"h\",\"findings\":[{\"clusters\":[1],\"what\":\"w\",\"why_it_matters\":\"y\"}],\"likely_cause\":\"c\",\"next_steps\":[]}",
        ] {
            assert!(parse_answer(bad).is_err(), "{bad}");
        }
    }
}
