//! Oracle harness for the shift scenarios: feeds a scenario's lines through `window` and
//! `score` with the ground-truth events as clusters, and scores the flags with the matching
//! rule of the bench's `shift_score.py`. Shared by `tests/score_scenarios.rs` and
//! `examples/shift_oracle.rs`.
//!
//! A scenario folder holds `scenario.log`, `truth.json` and `lines_truth.csv`. Headers are
//! split with the Loghub log format from `truth.json`, timestamps read with its strftime
//! pattern, slot values extracted by matching the content against the ground-truth template.

#![allow(dead_code)]

use std::collections::HashMap;
use std::path::Path;

use logsift::record::{Level, Timestamp};
use logsift::score::{self, Analysis, ClusterInfo, ScoreConfig, TimeRef, WindowSpec};
use logsift::window::{Group, WindowConfig, WindowCounts};
use regex::Regex;
use serde_json::Value;

/// One parsed line.
pub struct Line {
    pub ts: Option<i64>,
    pub cluster: u32,
    pub level: Option<Level>,
    pub params: Vec<String>,
    pub content: String,
}

/// A loaded scenario.
pub struct Scenario {
    pub truth: Value,
    pub lines: Vec<Line>,
    pub templates: Vec<String>,
    pub time_pattern: String,
    pub default_year: i64,
}

/// How the window is given.
#[derive(Debug, Clone)]
pub enum Mode {
    /// The boundary header text as a person would type it.
    Start(String),
    /// Nothing given.
    Auto,
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// Loghub log format to an anchored regex: `<Field>` is a lazy named group, runs of spaces
/// match any whitespace, the rest is regex syntax.
pub fn format_regex(format: &str) -> Result<Regex, String> {
    let field = Regex::new(r"<([^<>]+)>").map_err(|e| e.to_string())?;
    let spaces = Regex::new(" +").map_err(|e| e.to_string())?;
    let mut out = String::from("^");
    let mut last = 0;
    for m in field.captures_iter(format) {
        let (Some(all), Some(name)) = (m.get(0), m.get(1)) else {
            continue;
        };
        out.push_str(&spaces.replace_all(&format[last..all.start()], r"\s+"));
        out.push_str(&format!("(?P<{}>.*?)", name.as_str()));
        last = all.end();
    }
    out.push_str(&spaces.replace_all(&format[last..], r"\s+"));
    out.push('$');
    Regex::new(&out).map_err(|e| e.to_string())
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// Days from 1970-01-01 to a civil date (Hinnant's days_from_civil).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Parses `text` with a strftime subset (%y %Y %m %d %e %b %a %H %M %S %f %3f %s) into ms
/// since the epoch (UTC). Year-less patterns take `default_year`.
pub fn parse_time(pattern: &str, text: &str, default_year: i64) -> Option<i64> {
    let t = text.as_bytes();
    let p = pattern.as_bytes();
    let (mut i, mut j) = (0usize, 0usize);
    let (mut y, mut mo, mut d, mut h, mut mi, mut s, mut ms) = (default_year, 1, 1, 0, 0, 0, 0i64);
    let mut epoch: Option<i64> = None;
    let digits = |i: &mut usize, max: usize| -> Option<i64> {
        let start = *i;
        while *i < t.len() && *i - start < max && t[*i].is_ascii_digit() {
            *i += 1;
        }
        if *i == start {
            return None;
        }
        std::str::from_utf8(&t[start..*i]).ok()?.parse().ok()
    };
    while j < p.len() {
        if p[j] == b'%' && j + 1 < p.len() {
            let mut c = p[j + 1];
            j += 2;
            if c == b'3' && j < p.len() && p[j] == b'f' {
                j += 1;
                ms = digits(&mut i, 3)?;
                continue;
            }
            match c {
                b'Y' => y = digits(&mut i, 4)?,
                b'y' => y = 2000 + digits(&mut i, 2)?,
                b'm' => mo = digits(&mut i, 2)?,
                b'd' => d = digits(&mut i, 2)?,
                b'e' => {
                    while i < t.len() && t[i] == b' ' {
                        i += 1;
                    }
                    d = digits(&mut i, 2)?;
                }
                b'H' => h = digits(&mut i, 2)?,
                b'M' => mi = digits(&mut i, 2)?,
                b'S' => s = digits(&mut i, 2)?,
                b'f' => {
                    let start = i;
                    let v = digits(&mut i, 9)?;
                    let n = (i - start) as u32;
                    ms = if n >= 3 {
                        v / 10i64.pow(n - 3)
                    } else {
                        v * 10i64.pow(3 - n)
                    };
                }
                b's' => epoch = Some(digits(&mut i, 12)? * 1000),
                b'b' | b'a' => {
                    let w = t.get(i..i + 3)?;
                    let w = std::str::from_utf8(w).ok()?.to_ascii_lowercase();
                    if c == b'b' {
                        mo = MONTHS.iter().position(|m| *m == w)? as i64 + 1;
                    }
                    i += 3;
                }
                _ => {
                    c = b'?';
                    let _ = c;
                    return None;
                }
            }
        } else if p[j] == b' ' {
            j += 1;
            while i < t.len() && t[i].is_ascii_whitespace() {
                i += 1;
            }
        } else {
            if i >= t.len() || t[i] != p[j] {
                return None;
            }
            i += 1;
            j += 1;
        }
    }
    if let Some(e) = epoch {
        return Some(e);
    }
    let days = days_from_civil(y, mo, d);
    Some(((days * 24 + h) * 60 + mi) * 60_000 + s * 1000 + ms)
}

fn level_of(text: &str) -> Option<Level> {
    match text.trim().to_ascii_uppercase().as_str() {
        "TRACE" => Some(Level::Trace),
        "DEBUG" => Some(Level::Debug),
        "INFO" => Some(Level::Info),
        "WARN" | "WARNING" => Some(Level::Warn),
        "ERROR" | "SEVERE" => Some(Level::Error),
        "FATAL" | "CRITICAL" => Some(Level::Fatal),
        _ => None,
    }
}

fn normalize_ws(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Wildcard template matching with the semantics of the bench's `template_match.py`:
/// `<*>` matches any text, whitespace runs are equivalent, anchored. Returns the wildcard
/// values (leftmost-shortest) when it matches.
pub fn extract(template: &str, content: &str) -> Option<Vec<String>> {
    let s = normalize_ws(content);
    let tpl = normalize_ws(template);
    let pieces: Vec<&str> = tpl.split("<*>").collect();
    if pieces.len() == 1 {
        return (s == pieces[0]).then(Vec::new);
    }
    let first = pieces[0];
    let last = pieces[pieces.len() - 1];
    if !s.starts_with(first) || s.len() < first.len() + last.len() || !s.ends_with(last) {
        return None;
    }
    let mut pos = first.len();
    let end = s.len() - last.len();
    let mut vals = Vec::new();
    for mid in &pieces[1..pieces.len() - 1] {
        if mid.is_empty() {
            vals.push(String::new());
            continue;
        }
        let k = s.get(pos..end)?.find(mid)? + pos;
        vals.push(s[pos..k].to_string());
        pos = k + mid.len();
    }
    if pos > end {
        return None;
    }
    vals.push(s[pos..end].to_string());
    Some(vals)
}

/// Whether `template` matches `content` (shift_score's matcher).
pub fn matches(template: &str, content: &str) -> bool {
    extract(template, content).is_some()
}

/// Loads a scenario folder.
pub fn load(dir: &Path) -> Result<Scenario, String> {
    let truth: Value = serde_json::from_str(&read(&dir.join("truth.json"))?)
        .map_err(|e| format!("truth.json: {e}"))?;
    let format = truth["log_format"].as_str().ok_or("no log_format")?;
    let re = format_regex(format)?;
    let tf = &truth["time_fields"][0];
    let fields: Vec<String> = tf["fields"]
        .as_array()
        .ok_or("no time fields")?
        .iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    let time_pattern = tf["pattern"].as_str().ok_or("no time pattern")?.to_string();
    let iso = truth["baseline"]["start"]["iso"].as_str().unwrap_or("2000");
    let default_year: i64 = iso.get(..4).and_then(|y| y.parse().ok()).unwrap_or(2000);
    let mut templates = Vec::new();
    let mut id_of: HashMap<String, u32> = HashMap::new();
    for t in truth["templates"].as_array().ok_or("no templates")? {
        let (Some(e), Some(tpl)) = (t["event_id"].as_str(), t["template"].as_str()) else {
            continue;
        };
        id_of.insert(e.to_string(), templates.len() as u32);
        templates.push(tpl.to_string());
    }
    let csv = read(&dir.join("lines_truth.csv"))?;
    let events: Vec<&str> = csv
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').nth(1))
        .collect();
    let log = read(&dir.join("scenario.log"))?;
    let mut lines = Vec::new();
    for (n, raw) in log.lines().enumerate() {
        let ev = events.get(n).ok_or("lines_truth.csv is shorter than the log")?;
        let cluster = *id_of.get(*ev).ok_or("unknown event id")?;
        let Some(caps) = re.captures(raw) else {
            return Err(format!("line {} does not match the log format", n + 1));
        };
        let joined: Vec<&str> = fields
            .iter()
            .filter_map(|f| caps.name(f).map(|m| m.as_str()))
            .collect();
        let ts = parse_time(&time_pattern, &joined.join(" "), default_year);
        let level = caps.name("Level").and_then(|m| level_of(m.as_str()));
        let content = caps.name("Content").map_or("", |m| m.as_str()).to_string();
        let params = extract(&templates[cluster as usize], &content).unwrap_or_default();
        lines.push(Line {
            ts,
            cluster,
            level,
            params,
            content,
        });
    }
    Ok(Scenario {
        truth,
        lines,
        templates,
        time_pattern,
        default_year,
    })
}

/// Feeds the scenario through the accumulator.
pub fn accumulate(s: &Scenario, cfg: WindowConfig) -> Result<WindowCounts, String> {
    let mut w = WindowCounts::new(cfg).map_err(|e| e.to_string())?;
    let mut params: Vec<(u16, &[u8])> = Vec::new();
    for l in &s.lines {
        params.clear();
        for (k, v) in l.params.iter().enumerate() {
            params.push((k as u16, v.as_bytes()));
        }
        w.observe(Group::Target, l.ts.map(Timestamp), l.cluster, l.level, &params);
    }
    Ok(w)
}

/// The clusters' infos (template text, first/last seen, three samples).
pub fn clusters(s: &Scenario) -> Vec<ClusterInfo> {
    let mut out: Vec<ClusterInfo> = s
        .templates
        .iter()
        .enumerate()
        .map(|(i, t)| ClusterInfo {
            id: i as u32,
            template: t.clone(),
            level: None,
            first_seen: None,
            last_seen: None,
            samples: Vec::new(),
        })
        .collect();
    for l in &s.lines {
        let Some(c) = out.get_mut(l.cluster as usize) else {
            continue;
        };
        if let Some(t) = l.ts {
            c.first_seen = Some(Timestamp(c.first_seen.map_or(t, |f| f.0.min(t))));
            c.last_seen = Some(Timestamp(c.last_seen.map_or(t, |f| f.0.max(t))));
        }
        if c.samples.len() < 3 {
            c.samples.push(l.content.clone());
        }
    }
    out
}

/// The window spec for a mode: the first field of a ` | `-joined header, read with the
/// scenario's time pattern.
pub fn spec(s: &Scenario, mode: &Mode) -> Result<WindowSpec, String> {
    match mode {
        Mode::Auto => Ok(WindowSpec::Auto),
        Mode::Start(header) => {
            let first = header.split(" | ").next().unwrap_or(header);
            let t = parse_time(&s.time_pattern, first, s.default_year)
                .ok_or_else(|| format!("cannot read the time {first:?}"))?;
            Ok(WindowSpec::IncidentStart {
                start: TimeRef::At(Timestamp(t)),
                end: None,
            })
        }
    }
}

/// The boundary header of the scenario (what a person would give).
pub fn boundary_header(s: &Scenario) -> String {
    s.truth["boundary"]["header"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Runs the whole oracle path.
pub fn run(s: &Scenario, mode: &Mode, cfg: &ScoreConfig) -> Result<Analysis, String> {
    let w = accumulate(s, WindowConfig::default())?;
    score::analyse(&w, &clusters(s), &spec(s, mode)?, cfg).map_err(|e| e.to_string())
}

/// shift_score.py's numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct Eval {
    pub flags: usize,
    pub anomalies: usize,
    pub found: usize,
    pub precision: f64,
    pub recall: f64,
    pub average_precision: f64,
    pub kind_accuracy: f64,
    /// Rank of the first hit per anomaly id (None: missed).
    pub ranks: Vec<(String, String, Option<usize>, bool)>,
    /// False positives: (rank, template, kind).
    pub false_positives: Vec<(usize, String, String)>,
}

fn canonical_kind(k: &str) -> &str {
    match k {
        "trend" => "spike",
        other => other,
    }
}

/// Scores ranked `(template, kind)` flags against the truth as `shift_score.py` does
/// (purity > 0.5, no coverage floor; `trend` counts as `spike`).
pub fn evaluate(truth: &Value, flags: &[(String, String)]) -> Eval {
    let empty = Vec::new();
    let contents = truth["contents"].as_array().unwrap_or(&empty);
    let anomalies = truth["anomalies"].as_array().unwrap_or(&empty);
    let mut ev_total: HashMap<&str, u64> = HashMap::new();
    let parsed: Vec<(&str, &str, u64)> = contents
        .iter()
        .map(|c| {
            let n = c["baseline_count"].as_u64().unwrap_or(0) + c["incident_count"].as_u64().unwrap_or(0);
            (c["content"].as_str().unwrap_or(""), c["event_id"].as_str().unwrap_or(""), n)
        })
        .collect();
    for (_, e, n) in &parsed {
        *ev_total.entry(e).or_default() += n;
    }
    let anomaly_of: HashMap<&str, (&str, &str)> = anomalies
        .iter()
        .map(|a| {
            (
                a["event_id"].as_str().unwrap_or(""),
                (a["id"].as_str().unwrap_or(""), a["kind"].as_str().unwrap_or("")),
            )
        })
        .collect();
    let mut first_hit: HashMap<&str, (usize, String)> = HashMap::new();
    let mut tp = 0;
    let mut ap_sum = 0.0;
    let mut fps = Vec::new();
    for (rank0, (tpl, kind)) in flags.iter().enumerate() {
        let mut covered: HashMap<&str, u64> = HashMap::new();
        for (c, e, n) in &parsed {
            if matches(tpl, c) {
                *covered.entry(e).or_default() += n;
            }
        }
        let total: u64 = covered.values().sum();
        let best = covered
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then_with(|| a.0.cmp(b.0)))
            .map(|(e, n)| (*e, *n));
        let mut hit = None;
        if let Some((e, n)) = best
            && total > 0
            && n as f64 / total as f64 > 0.5
            && let Some((id, _)) = anomaly_of.get(e)
        {
            hit = Some(*id);
        }
        match hit {
            Some(id) => {
                tp += 1;
                if !first_hit.contains_key(id) {
                    first_hit.insert(id, (rank0 + 1, canonical_kind(kind).to_string()));
                    ap_sum += first_hit.len() as f64 / (rank0 + 1) as f64;
                }
            }
            None => fps.push((rank0 + 1, tpl.clone(), kind.clone())),
        }
    }
    let n_a = anomalies.len();
    let mut ranks = Vec::new();
    let mut kind_ok = 0;
    for a in anomalies {
        let id = a["id"].as_str().unwrap_or("");
        let kind = a["kind"].as_str().unwrap_or("");
        let r = first_hit.get(id);
        let ok = r.is_some_and(|(_, k)| k == kind);
        if ok {
            kind_ok += 1;
        }
        ranks.push((id.to_string(), kind.to_string(), r.map(|x| x.0), ok));
    }
    let found = first_hit.len();
    Eval {
        flags: flags.len(),
        anomalies: n_a,
        found,
        precision: if flags.is_empty() { 0.0 } else { tp as f64 / flags.len() as f64 },
        recall: if n_a == 0 { 0.0 } else { found as f64 / n_a as f64 },
        average_precision: if n_a == 0 { 0.0 } else { ap_sum / n_a as f64 },
        kind_accuracy: if found == 0 { 0.0 } else { kind_ok as f64 / found as f64 },
        ranks,
        false_positives: fps,
    }
}

/// The flags of an analysis as `(template, kind)` in rank order.
pub fn flag_pairs(a: &Analysis) -> Vec<(String, String)> {
    a.flagged
        .iter()
        .map(|f| {
            let kind = serde_json::to_value(f.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            (f.template.clone(), kind)
        })
        .collect()
}
