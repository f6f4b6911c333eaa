//! Runbooks: links from a finding to what to do about it.
//!
//! Owns the runbook file (`--runbooks FILE`, TOML, described in `docs/runbooks.md`), its
//! validation (unknown keys rejected, bad patterns reported with the entry's number and a
//! fix), the matching of a finding to the first entry whose conditions all hold, and the
//! template [`fingerprint`] that names a finding across runs so people can copy it into an
//! entry. It also keeps the [`ComponentTally`], the emitting component of each cluster,
//! which level+component entries match against. It does not render anything (the reports
//! show the links) and does not decide what is an outlier.

use std::collections::HashMap;
use std::path::Path;

use regex::{Regex, RegexBuilder};
use serde::{Deserialize, Serialize};
use std::hash::BuildHasherDefault;

use crate::window::IdHasher;

use crate::score::Flag;

/// Version of the runbook file format; a file may say `version = 1` and no other value.
pub const RUNBOOK_FORMAT_VERSION: u32 = 1;
/// Most entries in one file: a runbook index of a few hundred services is still far below
/// it, and matching stays a few microseconds per finding.
pub const MAX_ENTRIES: usize = 2_000;
/// Most first steps per entry: the report shows them all on every matched finding, so they
/// must stay short; the page behind the URL holds the rest.
pub const MAX_STEPS: usize = 8;
/// Longest title, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// Longest step, in characters.
pub const MAX_STEP_CHARS: usize = 400;
/// Compiled size limit of one pattern (bytes of the regex program): generous for any
/// hand-written pattern, and keeps a pasted megabyte of alternatives from stalling a run.
const MAX_PATTERN_BYTES: usize = 1 << 20;
/// Characters of a fingerprint: 48 bits, so that a hundred thousand templates collide with
/// a probability of about 2e-5, yet short enough to copy by hand.
pub const FINGERPRINT_CHARS: usize = 12;

// ---------------------------------------------------------------------------------------
// Fingerprints

/// A stable short name of a template: the first [`FINGERPRINT_CHARS`] lowercase hex digits
/// of a 64-bit hash of the template text.
///
/// The text is normalised first (leading and trailing whitespace removed, every run of
/// whitespace made one space); the hash is 64-bit FNV-1a over its UTF-8 bytes, finished
/// with MurmurHash3's `fmix64` so that every input byte moves every output bit, and the
/// low 48 bits are written as 12 hex digits. It depends only on the text, not on the run,
/// the machine or the cluster id, so the same template has the same fingerprint in every
/// report. A template the miner later generalises (`user alice` becoming `user <*>`) is a
/// new text and gets a new fingerprint. `docs/runbooks.md` shows how to compute it.
pub fn fingerprint(template: &str) -> String {
    const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut h = FNV_OFFSET;
    let mut feed = |b: u8| {
        h ^= u64::from(b);
        h = h.wrapping_mul(FNV_PRIME);
    };
    for (i, word) in template.split_whitespace().enumerate() {
        if i > 0 {
            feed(b' ');
        }
        for &b in word.as_bytes() {
            feed(b);
        }
    }
    // MurmurHash3 fmix64.
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^= h >> 33;
    format!("{:012x}", h & 0xffff_ffff_ffff)
}

// ---------------------------------------------------------------------------------------
// The file

/// The file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    version: Option<u32>,
    #[serde(default)]
    runbook: Vec<RawEntry>,
}

/// One `[[runbook]]` entry as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    title: String,
    url: Option<String>,
    #[serde(default)]
    steps: Vec<String>,
    template: Option<String>,
    sample: Option<String>,
    #[serde(default)]
    fingerprints: Vec<String>,
    level: Option<String>,
    component: Option<String>,
}

/// Why a runbook file could not be used; each message says what to change.
#[derive(Debug, thiserror::Error)]
pub enum RunbookError {
    /// The file could not be read.
    #[error("cannot read the runbook file {path}: {source}; check the --runbooks path")]
    Read {
        /// The path as given.
        path: String,
        /// The reason.
        source: std::io::Error,
    },
    /// The file is not valid TOML or has a key or type that is not allowed.
    #[error(
        "{origin}: {message}\nThe file is a list of [[runbook]] entries with the keys title, url, \
         steps, template, sample, fingerprints, level and component (see docs/runbooks.md)"
    )]
    Syntax {
        /// The file name.
        origin: String,
        /// The parser's message, with the line and column.
        message: String,
    },
    /// An entry breaks a rule.
    #[error("{origin}: runbook entry {index} ({title:?}): {problem}")]
    Entry {
        /// The file name.
        origin: String,
        /// 1-based number of the entry in the file.
        index: usize,
        /// Its title, to find it.
        title: String,
        /// What is wrong and how to fix it.
        problem: String,
    },
}

/// One runbook: what it is called, where it lives, the first steps, and when it applies.
#[derive(Debug, Clone)]
pub struct Runbook {
    /// 1-based position in the file.
    pub index: usize,
    /// Title, as people know the page.
    pub title: String,
    /// Link to the page (`http://` or `https://`).
    pub url: Option<String>,
    /// Short first steps.
    pub steps: Vec<String>,
    template: Option<Regex>,
    sample: Option<Regex>,
    fingerprints: Vec<String>,
    level: Option<String>,
    component: Option<Regex>,
}

/// What a finding offers for matching.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    /// Template text (`<*>` for variables).
    pub template: &'a str,
    /// Example lines.
    pub samples: &'a [String],
    /// [`fingerprint`] of the template.
    pub fingerprint: &'a str,
    /// Level name, any case.
    pub level: Option<&'a str>,
    /// Emitting component, when known.
    pub component: Option<&'a str>,
}

impl Runbook {
    /// Whether every condition of this entry holds for `s`. A condition on something `s`
    /// does not know (a component when none was recorded) does not hold.
    pub fn matches(&self, s: &Subject<'_>) -> bool {
        if let Some(re) = &self.template
            && !re.is_match(s.template)
        {
            return false;
        }
        if let Some(re) = &self.sample
            && !s.samples.iter().any(|x| re.is_match(x))
        {
            return false;
        }
        if !self.fingerprints.is_empty()
            && !self
                .fingerprints
                .iter()
                .any(|f| f.eq_ignore_ascii_case(s.fingerprint))
        {
            return false;
        }
        if let Some(l) = &self.level
            && !s.level.is_some_and(|x| x.eq_ignore_ascii_case(l))
        {
            return false;
        }
        if let Some(re) = &self.component
            && !s.component.is_some_and(|c| re.is_match(c))
        {
            return false;
        }
        true
    }

    /// The link as a report shows it.
    pub fn link(&self) -> RunbookLink {
        RunbookLink {
            entry: self.index,
            title: self.title.clone(),
            url: self.url.clone(),
            steps: self.steps.clone(),
        }
    }
}

/// A matched runbook as the reports show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunbookLink {
    /// 1-based number of the entry in the runbook file.
    pub entry: usize,
    /// Title.
    pub title: String,
    /// Link, when the entry has one.
    pub url: Option<String>,
    /// First steps.
    pub steps: Vec<String>,
}

/// The entries of a runbook file, in file order (the first match wins).
#[derive(Debug, Clone, Default)]
pub struct Runbooks {
    origin: String,
    entries: Vec<Runbook>,
}

const LEVELS: [&str; 6] = ["trace", "debug", "info", "warn", "error", "fatal"];

impl Runbooks {
    /// Reads and validates a runbook file.
    pub fn load(path: &Path) -> Result<Runbooks, RunbookError> {
        let text = std::fs::read_to_string(path).map_err(|source| RunbookError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Runbooks::parse(&text, &path.display().to_string())
    }

    /// Parses and validates runbook TOML; `origin` names the file in messages.
    pub fn parse(text: &str, origin: &str) -> Result<Runbooks, RunbookError> {
        let raw: RawFile = toml::from_str(text).map_err(|e| RunbookError::Syntax {
            origin: origin.to_owned(),
            message: e.to_string().trim_end().to_owned(),
        })?;
        if let Some(v) = raw.version
            && v != RUNBOOK_FORMAT_VERSION
        {
            return Err(RunbookError::Syntax {
                origin: origin.to_owned(),
                message: format!(
                    "version = {v} is not supported; this logsift reads version = \
                     {RUNBOOK_FORMAT_VERSION} (or no version key)"
                ),
            });
        }
        if raw.runbook.len() > MAX_ENTRIES {
            return Err(RunbookError::Syntax {
                origin: origin.to_owned(),
                message: format!(
                    "{} entries; at most {MAX_ENTRIES} are read: split the file by team or service",
                    raw.runbook.len()
                ),
            });
        }
        let entries = raw
            .runbook
            .into_iter()
            .enumerate()
            .map(|(i, e)| entry(e, i + 1, origin))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Runbooks {
            origin: origin.to_owned(),
            entries,
        })
    }

    /// The file the entries came from.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The entries in file order.
    pub fn entries(&self) -> &[Runbook] {
        &self.entries
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the file has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The first entry whose conditions all hold for `s`.
    pub fn find(&self, s: &Subject<'_>) -> Option<&Runbook> {
        self.entries.iter().find(|e| e.matches(s))
    }

    /// The runbook of a finding; `component` is the finding's emitting component when known.
    pub fn for_flag(&self, f: &Flag, component: Option<&str>) -> Option<&Runbook> {
        let fp = fingerprint(&f.template);
        self.find(&Subject {
            template: &f.template,
            samples: &f.samples,
            fingerprint: &fp,
            level: f.level,
            component,
        })
    }

    /// A lookup from a finding to its runbook's title, for
    /// [`crate::llm::prepare_with_runbooks`], so the summary can name the runbook.
    /// `component` gives a cluster's emitting component when the caller knows it.
    pub fn title_lookup<'a>(
        &'a self,
        component: &'a dyn Fn(u32) -> Option<String>,
    ) -> impl Fn(&Flag) -> Option<String> + 'a {
        move |f: &Flag| {
            let c = component(f.cluster_id);
            self.for_flag(f, c.as_deref()).map(|r| r.title.clone())
        }
    }
}

fn entry(e: RawEntry, index: usize, origin: &str) -> Result<Runbook, RunbookError> {
    let fail = |problem: String| RunbookError::Entry {
        origin: origin.to_owned(),
        index,
        title: e.title.chars().take(80).collect(),
        problem,
    };
    let title = e.title.trim();
    if title.is_empty() {
        return Err(fail(
            "the title is empty; give the name people know the runbook by".into(),
        ));
    }
    if title.chars().count() > MAX_TITLE_CHARS || title.chars().any(char::is_control) {
        return Err(fail(format!(
            "the title must be one line of at most {MAX_TITLE_CHARS} characters"
        )));
    }
    if let Some(u) = &e.url {
        check_url(u).map_err(&fail)?;
    }
    if e.steps.len() > MAX_STEPS {
        return Err(fail(format!(
            "{} steps; give at most {MAX_STEPS} first steps and keep the rest on the linked page",
            e.steps.len()
        )));
    }
    for (k, s) in e.steps.iter().enumerate() {
        if s.trim().is_empty() || s.chars().count() > MAX_STEP_CHARS {
            return Err(fail(format!(
                "step {} must be non-empty and at most {MAX_STEP_CHARS} characters",
                k + 1
            )));
        }
    }
    let pattern = |key: &str, p: &Option<String>| -> Result<Option<Regex>, RunbookError> {
        let Some(p) = p else { return Ok(None) };
        if p.is_empty() {
            return Err(fail(format!(
                "`{key}` is empty, which would match everything; remove the key or give a pattern"
            )));
        }
        RegexBuilder::new(p)
            .size_limit(MAX_PATTERN_BYTES)
            .build()
            .map(Some)
            .map_err(|err| {
                fail(format!(
                    "`{key}` is not a valid regular expression: {}\nFix: escape the characters \
                     . ( ) [ ] {{ }} * + ? | ^ $ \\ with a backslash to match them literally, and \
                     write the pattern in single quotes ('...') so TOML keeps the backslashes",
                    first_line_of_regex_error(&err)
                ))
            })
    };
    let template = pattern("template", &e.template)?;
    let sample = pattern("sample", &e.sample)?;
    let component = pattern("component", &e.component)?;
    let mut fingerprints = Vec::with_capacity(e.fingerprints.len());
    for f in &e.fingerprints {
        let f = f.trim().to_ascii_lowercase();
        if f.len() != FINGERPRINT_CHARS || !f.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(fail(format!(
                "fingerprint {f:?} is not {FINGERPRINT_CHARS} hex digits; copy it from a report \
                 (the `fp` next to each finding)"
            )));
        }
        fingerprints.push(f);
    }
    let level = match &e.level {
        None => None,
        Some(l) => {
            let l = l.trim().to_ascii_lowercase();
            let l = if l == "warning" { "warn".to_owned() } else { l };
            if !LEVELS.contains(&l.as_str()) {
                return Err(fail(format!(
                    "level {l:?} is not one of {}",
                    LEVELS.join(", ")
                )));
            }
            Some(l)
        }
    };
    if template.is_none()
        && sample.is_none()
        && fingerprints.is_empty()
        && level.is_none()
        && component.is_none()
    {
        return Err(fail(
            "it has no condition, so it would match every finding; give template, sample, \
             fingerprints, or level and component"
                .into(),
        ));
    }
    Ok(Runbook {
        index,
        title: title.to_owned(),
        url: e.url.clone(),
        steps: e.steps.iter().map(|s| s.trim().to_owned()).collect(),
        template,
        sample,
        fingerprints,
        level,
        component,
    })
}

/// A regex error's message without the pattern echo lines, which can be long; the regex
/// crate puts the reason on the last line.
fn first_line_of_regex_error(e: &regex::Error) -> String {
    match e {
        regex::Error::Syntax(s) => {
            let lines: Vec<&str> = s.lines().filter(|l| !l.trim().is_empty()).collect();
            lines.join(" / ")
        }
        regex::Error::CompiledTooBig(n) => {
            format!("the compiled pattern exceeds {n} bytes; make it smaller")
        }
        other => other.to_string(),
    }
}

/// Runbook links end up in HTML `href`s and Markdown links: only plain web addresses pass.
fn check_url(u: &str) -> Result<(), String> {
    let lower = u.to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://")) {
        return Err(format!(
            "url {u:?} must start with https:// or http://; other schemes are not linked"
        ));
    }
    if u.len() > 2_048 {
        return Err("url is longer than 2048 characters".into());
    }
    if let Some(c) = u
        .chars()
        .find(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '<' | '>' | '`' | '\\'))
    {
        return Err(format!(
            "url contains {c:?}, which is not allowed in a link; percent-encode it (e.g. %20 for a space)"
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Components

/// Components remembered per cluster; a cluster logged by more components keeps the ones
/// seen first and counts the rest under them only if they match.
const COMPONENTS_PER_CLUSTER: usize = 4;
/// Longest component name kept, in bytes; longer names are cut (at a character boundary).
const MAX_COMPONENT_BYTES: usize = 128;

/// The emitting component of each cluster (the logger, syslog program or source file of
/// its lines), counted while reading so that runbook entries can match on level and
/// component. Bounded: at most `COMPONENTS_PER_CLUSTER` names per cluster, and only
/// clusters the caller observes (the miner's own cap bounds those). Observing a name already
/// known allocates nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComponentTally {
    /// Keyed with the cheap id hash: this map is touched once per event.
    #[serde(serialize_with = "in_id_order")]
    by_cluster: HashMap<u32, Vec<(String, u64)>, BuildHasherDefault<IdHasher>>,
}

/// Writes the tally's map in cluster id order: a `HashMap` iterates in an order of its own
/// (random per map), so a state saved twice, or loaded and saved again, would differ in bytes.
fn in_id_order<S: serde::Serializer>(
    map: &HashMap<u32, Vec<(String, u64)>, BuildHasherDefault<IdHasher>>,
    s: S,
) -> Result<S::Ok, S::Error> {
    let sorted: std::collections::BTreeMap<&u32, &Vec<(String, u64)>> = map.iter().collect();
    sorted.serialize(s)
}

impl ComponentTally {
    /// An empty tally.
    pub fn new() -> ComponentTally {
        ComponentTally::default()
    }

    /// Counts one event of `cluster` emitted by `component` (raw header bytes).
    pub fn observe(&mut self, cluster: u32, component: &[u8]) {
        let mut end = component.len().min(MAX_COMPONENT_BYTES);
        // Cut at a UTF-8 boundary: never split a multi-byte character.
        while end > 0 && end < component.len() && (component[end] & 0xc0) == 0x80 {
            end -= 1;
        }
        let component = &component[..end];
        let list = self.by_cluster.entry(cluster).or_default();
        if let Some(slot) = list.iter_mut().find(|(n, _)| n.as_bytes() == component) {
            slot.1 += 1;
            return;
        }
        if list.len() < COMPONENTS_PER_CLUSTER {
            list.push((String::from_utf8_lossy(component).into_owned(), 1));
        }
    }

    /// Moves counts as the cluster ids are relabelled (merged or evicted clusters).
    pub fn relabel(&mut self, moves: &[(u32, u32)]) {
        for &(from, to) in moves {
            if from == to {
                continue;
            }
            let Some(list) = self.by_cluster.remove(&from) else {
                continue;
            };
            self.add_list(to, list);
        }
    }

    /// Renames every cluster id through `map` at once (ids may be permuted); tallies that land
    /// on one id combine as in [`ComponentTally::relabel`], in id order.
    pub fn remap(&mut self, map: impl Fn(u32) -> u32) {
        let mut old: Vec<(u32, Vec<(String, u64)>)> =
            std::mem::take(&mut self.by_cluster).into_iter().collect();
        old.sort_unstable_by_key(|e| e.0);
        for (id, list) in old {
            self.add_list(map(id), list);
        }
    }

    /// Adds the tallies of `later`, a tally of input that follows this one's (a later shard):
    /// names seen first stay first, as in one pass over both inputs.
    pub fn merge_from(&mut self, later: ComponentTally) {
        let mut entries: Vec<(u32, Vec<(String, u64)>)> = later.by_cluster.into_iter().collect();
        entries.sort_unstable_by_key(|e| e.0);
        for (id, list) in entries {
            self.add_list(id, list);
        }
    }

    fn add_list(&mut self, to: u32, list: Vec<(String, u64)>) {
        for (name, n) in list {
            let target = self.by_cluster.entry(to).or_default();
            if let Some(slot) = target.iter_mut().find(|(x, _)| *x == name) {
                slot.1 += n;
            } else if target.len() < COMPONENTS_PER_CLUSTER {
                target.push((name, n));
            } else if let Some(least) = target.iter_mut().min_by_key(|(_, c)| *c)
                && least.1 < n
            {
                // Full: a name that outnumbers the least frequent one takes its place,
                // so the dominant component of a merged cluster is never lost.
                *least = (name, n);
            }
        }
    }

    /// The component most events of `cluster` came from (ties: the one seen first).
    pub fn get(&self, cluster: u32) -> Option<&str> {
        let list = self.by_cluster.get(&cluster)?;
        let mut best: Option<&(String, u64)> = None;
        for e in list {
            if best.is_none_or(|b| e.1 > b.1) {
                best = Some(e);
            }
        }
        best.map(|(n, _)| n.as_str())
    }

    /// The lookup [`Runbooks::title_lookup`] and the reports take.
    pub fn lookup(&self) -> impl Fn(u32) -> Option<String> + '_ {
        move |c| self.get(c).map(str::to_owned)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_stable_short_and_ignore_spacing() {
        let a = fingerprint("Checkout failed for order <*>");
        assert_eq!(a.len(), FINGERPRINT_CHARS);
        assert_eq!(a, fingerprint("  Checkout  failed for\torder <*> "));
        assert_ne!(a, fingerprint("Checkout failed for order <*>."));
        // Pinned: the value is documented and copied into runbook files.
        assert_eq!(fingerprint(""), "1f60ba992926");
        assert_eq!(
            fingerprint("Checkout failed for order <*>: could not acquire database connection"),
            "14f7995b446b"
        );
    }

    #[test]
    fn the_dominant_component_wins_and_names_are_bounded() {
        let mut t = ComponentTally::new();
        t.observe(1, b"db.Pool");
        t.observe(1, b"web");
        t.observe(1, b"db.Pool");
        assert_eq!(t.get(1), Some("db.Pool"));
        for i in 0..10 {
            t.observe(2, format!("c{i}").as_bytes());
        }
        assert_eq!(t.by_cluster[&2].len(), COMPONENTS_PER_CLUSTER);
        t.relabel(&[(1, 2)]);
        assert_eq!(t.get(2), Some("db.Pool"));
        assert_eq!(t.get(1), None);
        let long = "é".repeat(100);
        t.observe(3, long.as_bytes());
        assert!(
            t.get(3)
                .is_some_and(|s| s.len() <= MAX_COMPONENT_BYTES && !s.contains('\u{fffd}'))
        );
    }
}
