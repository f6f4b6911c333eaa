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

/// One element of a Loghub log format.
#[derive(Debug, Clone)]
enum Tok {
    /// `<Name>`: a lazy group.
    Field(String),
    /// A literal byte (`\[` is the literal `[`).
    Lit(u8),
    /// A run of spaces in the format: one or more whitespace bytes (greedy).
    Space,
    /// `( ... )?`: an optional group (greedy).
    Opt(Vec<Tok>),
}

/// A compiled Loghub log format: the regex syntax those formats use (`<Field>` as a lazy
/// group, spaces as `\s+`, `\[`-style escapes and `(...)?`), matched by a small
/// backtracking matcher with the regex's priorities (lazy fields try shortest first, `\s+`
/// and `?` try longest first). Anchored at both ends. Much faster than a general regex
/// engine in unoptimised test builds.
#[derive(Debug, Clone)]
pub struct Format {
    toks: Vec<Tok>,
    names: Vec<String>,
}

fn parse_format(f: &[u8], i: &mut usize, in_group: bool) -> Result<Vec<Tok>, String> {
    let mut out = Vec::new();
    while *i < f.len() {
        match f[*i] {
            b'<' => {
                let end = f[*i..]
                    .iter()
                    .position(|&c| c == b'>')
                    .ok_or("unclosed <field> in the log format")?;
                let name = String::from_utf8_lossy(&f[*i + 1..*i + end]).into_owned();
                out.push(Tok::Field(name));
                *i += end + 1;
            }
            b' ' => {
                while *i < f.len() && f[*i] == b' ' {
                    *i += 1;
                }
                out.push(Tok::Space);
            }
            b'\\' => {
                let c = *f.get(*i + 1).ok_or("dangling escape in the log format")?;
                out.push(Tok::Lit(c));
                *i += 2;
            }
            b'(' => {
                *i += 1;
                let inner = parse_format(f, i, true)?;
                if f.get(*i) != Some(&b')') || f.get(*i + 1) != Some(&b'?') {
                    return Err("only optional groups `(...)?` are supported".into());
                }
                *i += 2;
                out.push(Tok::Opt(inner));
            }
            b')' if in_group => return Ok(out),
            b'.' | b'*' | b'+' | b'?' | b'|' | b'[' | b']' | b'{' | b'}' | b'^' | b'$' | b')' => {
                return Err(format!(
                    "unsupported regex syntax {:?} in the log format",
                    f[*i] as char
                ));
            }
            c => {
                out.push(Tok::Lit(c));
                *i += 1;
            }
        }
    }
    if in_group {
        return Err("unclosed group in the log format".into());
    }
    Ok(out)
}

fn collect_names(toks: &[Tok], names: &mut Vec<String>) {
    for t in toks {
        match t {
            Tok::Field(n) => names.push(n.clone()),
            Tok::Opt(inner) => collect_names(inner, names),
            _ => {}
        }
    }
}

impl Format {
    /// Compiles a Loghub log format.
    pub fn new(format: &str) -> Result<Format, String> {
        let mut i = 0;
        let toks = parse_format(format.as_bytes(), &mut i, false)?;
        let mut names = Vec::new();
        collect_names(&toks, &mut names);
        Ok(Format { toks, names })
    }

    /// The fields of a line by name, or `None` when the line does not match.
    pub fn split<'a>(&self, line: &'a str) -> Option<HashMap<&str, &'a str>> {
        let mut caps: Vec<(usize, usize, usize)> = Vec::new();
        let mut ord = 0usize;
        let mut stack: Vec<&[Tok]> = vec![&self.toks];
        if !m(line.as_bytes(), 0, &mut stack, &mut caps, &mut ord) {
            return None;
        }
        let mut out = HashMap::new();
        for (k, a, b) in caps {
            if let Some(n) = self.names.get(k) {
                out.insert(n.as_str(), line.get(a..b)?);
            }
        }
        Some(out)
    }
}

/// Field ordinal of the first field in `toks`, counting nested groups.
fn fields_in(toks: &[Tok]) -> usize {
    toks.iter()
        .map(|t| match t {
            Tok::Field(_) => 1,
            Tok::Opt(inner) => fields_in(inner),
            _ => 0,
        })
        .sum()
}

/// Backtracking match of the token sequences on `stack` (innermost last) from `pos` to the
/// end of `s`. `caps` gets `(field ordinal, start, end)`; `ord` is the ordinal of the next
/// field.
fn m(
    s: &[u8],
    pos: usize,
    stack: &mut Vec<&[Tok]>,
    caps: &mut Vec<(usize, usize, usize)>,
    ord: &mut usize,
) -> bool {
    let Some(top) = stack.pop() else {
        return pos == s.len();
    };
    let Some((first, rest)) = top.split_first() else {
        let ok = m(s, pos, stack, caps, ord);
        stack.push(top);
        return ok;
    };
    stack.push(rest);
    let ok = match first {
        Tok::Lit(c) => s.get(pos) == Some(c) && m(s, pos + 1, stack, caps, ord),
        Tok::Space => {
            let mut end = pos;
            while end < s.len() && s[end].is_ascii_whitespace() {
                end += 1;
            }
            (pos + 1..=end).rev().any(|e| m(s, e, stack, caps, ord))
        }
        Tok::Field(_) => {
            let k = *ord;
            *ord += 1;
            let mark = caps.len();
            // Only ends where the next token can start are worth trying.
            let next = stack.iter().rev().find_map(|t| t.first());
            let found = (pos..=s.len()).any(|e| {
                let plausible = match next {
                    None => e == s.len(),
                    Some(Tok::Lit(c)) => s.get(e) == Some(c),
                    Some(Tok::Space) => s.get(e).is_some_and(u8::is_ascii_whitespace),
                    Some(_) => true,
                };
                if !plausible {
                    return false;
                }
                caps.truncate(mark);
                caps.push((k, pos, e));
                m(s, e, stack, caps, ord)
            });
            if !found {
                caps.truncate(mark);
                *ord -= 1;
            }
            found
        }
        Tok::Opt(inner) => {
            let saved_ord = *ord;
            let mark = caps.len();
            stack.push(inner);
            let with = m(s, pos, stack, caps, ord);
            stack.pop();
            if with {
                true
            } else {
                caps.truncate(mark);
                *ord = saved_ord + fields_in(inner);
                let without = m(s, pos, stack, caps, ord);
                if !without {
                    *ord = saved_ord;
                }
                without
            }
        }
    };
    stack.pop();
    stack.push(top);
    ok
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

fn normalize_ws(s: &str) -> std::borrow::Cow<'_, str> {
    let t = s.trim();
    let clean = !t
        .as_bytes()
        .windows(2)
        .any(|w| w[0].is_ascii_whitespace() && w[1].is_ascii_whitespace())
        && !t.bytes().any(|b| b.is_ascii_whitespace() && b != b' ');
    if clean {
        std::borrow::Cow::Borrowed(t)
    } else {
        std::borrow::Cow::Owned(t.split_whitespace().collect::<Vec<_>>().join(" "))
    }
}

/// A template split at its `<*>` wildcards, whitespace-normalised.
#[derive(Debug, Clone)]
pub struct Pattern {
    pieces: Vec<String>,
}

impl Pattern {
    /// Compiles a wildcard template.
    pub fn new(template: &str) -> Pattern {
        Pattern {
            pieces: normalize_ws(template)
                .split("<*>")
                .map(str::to_string)
                .collect(),
        }
    }

    /// The wildcard values (leftmost-shortest) when the pattern matches `content`, with the
    /// semantics of the bench's `template_match.py`: `<*>` matches any text, whitespace runs
    /// are equivalent, anchored.
    pub fn extract(&self, content: &str) -> Option<Vec<String>> {
        let s = normalize_ws(content);
        let s: &str = &s;
        let pieces = &self.pieces;
        if pieces.len() == 1 {
            return (s == pieces[0]).then(Vec::new);
        }
        let first = pieces[0].as_str();
        let last = pieces[pieces.len() - 1].as_str();
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
            let k = s.get(pos..end)?.find(mid.as_str())? + pos;
            vals.push(s[pos..k].to_string());
            pos = k + mid.len();
        }
        if pos > end {
            return None;
        }
        vals.push(s[pos..end].to_string());
        Some(vals)
    }
}

/// [`Pattern::extract`] for a one-off template.
pub fn extract(template: &str, content: &str) -> Option<Vec<String>> {
    Pattern::new(template).extract(content)
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
    let fmt = Format::new(format)?;
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
    let patterns: Vec<Pattern> = templates.iter().map(|t| Pattern::new(t)).collect();
    let csv = read(&dir.join("lines_truth.csv"))?;
    let events: Vec<&str> = csv
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').nth(1))
        .collect();
    let log = read(&dir.join("scenario.log"))?;
    let mut lines = Vec::new();
    for (n, raw) in log.lines().enumerate() {
        let ev = events
            .get(n)
            .ok_or("lines_truth.csv is shorter than the log")?;
        let cluster = *id_of.get(*ev).ok_or("unknown event id")?;
        let Some(caps) = fmt.split(raw) else {
            return Err(format!("line {} does not match the log format", n + 1));
        };
        let joined: Vec<&str> = fields
            .iter()
            .filter_map(|f| caps.get(f.as_str()).copied())
            .collect();
        let ts = parse_time(&time_pattern, &joined.join(" "), default_year);
        let level = caps.get("Level").and_then(|l| level_of(l));
        let content = caps.get("Content").copied().unwrap_or("").to_string();
        let params = patterns[cluster as usize]
            .extract(&content)
            .unwrap_or_default();
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
    accumulate_split(s, cfg, 1)
}

/// Cluster id of a line when every ground-truth cluster is split into `split` fragments by
/// a hash of the content (a stand-in for a miner that over-splits).
pub fn split_id(l: &Line, split: u32) -> u32 {
    if split <= 1 {
        return l.cluster;
    }
    let h = l
        .content
        .bytes()
        .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
    l.cluster * split + h % split
}

/// [`accumulate`] with every cluster split into `split` fragments (see [`split_id`]).
pub fn accumulate_split(
    s: &Scenario,
    cfg: WindowConfig,
    split: u32,
) -> Result<WindowCounts, String> {
    let mut w = WindowCounts::new(cfg).map_err(|e| e.to_string())?;
    let mut params: Vec<(u16, &[u8])> = Vec::new();
    for l in &s.lines {
        params.clear();
        for (k, v) in l.params.iter().enumerate() {
            params.push((k as u16, v.as_bytes()));
        }
        w.observe(
            Group::Target,
            l.ts.map(Timestamp),
            split_id(l, split),
            l.level,
            &params,
        );
    }
    Ok(w)
}

/// The clusters' infos (template text, first/last seen, three samples).
pub fn clusters(s: &Scenario) -> Vec<ClusterInfo> {
    clusters_split(s, 1)
}

/// [`clusters`] for fragments made by [`split_id`]; fragments keep the template text.
pub fn clusters_split(s: &Scenario, split: u32) -> Vec<ClusterInfo> {
    let split = split.max(1);
    let mut out: Vec<ClusterInfo> = s
        .templates
        .iter()
        .enumerate()
        .flat_map(|(i, t)| (0..split).map(move |f| (i as u32 * split + f, t)))
        .map(|(id, t)| ClusterInfo {
            id,
            template: t.clone(),
            level: None,
            first_seen: None,
            last_seen: None,
            samples: Vec::new(),
        })
        .collect();
    for l in &s.lines {
        let Some(c) = out.get_mut(split_id(l, split) as usize) else {
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
    run_split(s, mode, cfg, 1)
}

/// [`run`] with every cluster split into `split` fragments.
pub fn run_split(
    s: &Scenario,
    mode: &Mode,
    cfg: &ScoreConfig,
    split: u32,
) -> Result<Analysis, String> {
    let w = accumulate_split(s, WindowConfig::default(), split)?;
    score::analyse(&w, &clusters_split(s, split), &spec(s, mode)?, cfg).map_err(|e| e.to_string())
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
            let n = c["baseline_count"].as_u64().unwrap_or(0)
                + c["incident_count"].as_u64().unwrap_or(0);
            (
                c["content"].as_str().unwrap_or(""),
                c["event_id"].as_str().unwrap_or(""),
                n,
            )
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
                (
                    a["id"].as_str().unwrap_or(""),
                    a["kind"].as_str().unwrap_or(""),
                ),
            )
        })
        .collect();
    let mut first_hit: HashMap<&str, (usize, String)> = HashMap::new();
    let mut tp = 0;
    let mut ap_sum = 0.0;
    let mut fps = Vec::new();
    for (rank0, (tpl, kind)) in flags.iter().enumerate() {
        let mut covered: HashMap<&str, u64> = HashMap::new();
        let pat = Pattern::new(tpl);
        for (c, e, n) in &parsed {
            if pat.extract(c).is_some() {
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
        precision: if flags.is_empty() {
            0.0
        } else {
            tp as f64 / flags.len() as f64
        },
        recall: if n_a == 0 {
            0.0
        } else {
            found as f64 / n_a as f64
        },
        average_precision: if n_a == 0 { 0.0 } else { ap_sum / n_a as f64 },
        kind_accuracy: if found == 0 {
            0.0
        } else {
            kind_ok as f64 / found as f64
        },
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
