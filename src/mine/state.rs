//! Saving, loading and merging miner state.
//!
//! The format is described in `docs/state-format.md`: a magic line, a header line with the
//! format version, the body length and an FNV-1a checksum, then a JSON body. Loading parses
//! data only (no code runs), checks every field, and rebuilds all derived indexes (families,
//! buckets, aliases, the LRU list, value hashes), so a loaded miner behaves exactly like the
//! one that was saved. Byte strings (templates, samples, values) are written as JSON strings in
//! which each character stands for one byte (U+0000-U+00FF), so invalid UTF-8 round-trips.

use super::summary::{Samples, SlotSummary};
use super::template::{Template, Word};
use super::{Cluster, Miner, MinerConfig, MinerStats, NIL, template_family};
use serde::{Deserialize, Serialize};
use std::io::{Read, Write};

/// First line of every state file.
pub const MAGIC: &str = "LOGSIFT-MINER-STATE";
/// Version of the body layout written by this build.
pub const FORMAT_VERSION: u32 = 1;
/// Largest body accepted on load (1 GiB): a state of `max_clusters` clusters stays far below.
const MAX_BODY: u64 = 1 << 30;

/// Where the clusters of one merge input went: input id to id in the merged miner (`None`:
/// evicted by the merge).
pub type IdMap = std::collections::HashMap<u64, Option<u64>>;

/// Why a state could not be saved, loaded or merged.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// Reading or writing failed.
    #[error("could not read or write the miner state: {0}")]
    Io(#[from] std::io::Error),
    /// The data does not start with the magic line.
    #[error(
        "this is not a logsift miner state (it does not start with `{MAGIC}`); pass a file written by logsift's state saving"
    )]
    NotAState,
    /// A newer or unknown format version.
    #[error(
        "miner state format version {found} is not supported (this build reads version {FORMAT_VERSION}); use the logsift version that wrote it, or mine the logs again"
    )]
    Version {
        /// The version in the file.
        found: String,
    },
    /// The file ends early or its checksum does not match.
    #[error(
        "the miner state is truncated or corrupt ({0}); restore it from a copy or mine the logs again"
    )]
    Corrupt(String),
    /// The body parsed but holds impossible values.
    #[error(
        "the miner state is inconsistent ({0}); it was not written by logsift or was edited by hand"
    )]
    Invalid(String),
    /// Two states mined with different settings.
    #[error(
        "cannot merge miner states mined with different settings ({0}); mine all shards with the same configuration"
    )]
    ConfigMismatch(String),
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    config: MinerConfig,
    next_id: u64,
    lines: u64,
    created: u64,
    evicted: u64,
    merged: u64,
    truncated_lines: u64,
    /// Most recently seen first.
    clusters: Vec<StateCluster>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StateCluster {
    id: u64,
    template: Vec<StateWord>,
    count: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    first: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last: Option<i64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    merged: Vec<u64>,
    samples: Vec<StateSample>,
    slots: Vec<StateSlot>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
enum StateWord {
    Lit(String),
    Glob(String, String),
    Gap,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StateSample {
    hash: String,
    line: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StateSlot {
    word: usize,
    values: Vec<(String, u64)>,
    other: u64,
}

/// Bytes as a string of U+0000..U+00FF characters, one per byte.
fn enc(b: &[u8]) -> String {
    b.iter().map(|&c| c as char).collect()
}

fn dec(s: &str) -> Result<Vec<u8>, StateError> {
    s.chars()
        .map(|c| {
            u8::try_from(u32::from(c)).map_err(|_| {
                StateError::Invalid(format!("character U+{:04X} in a byte string", u32::from(c)))
            })
        })
        .collect()
}

/// FNV-1a, 64 bit: a cheap checksum that catches truncation and bit rot.
pub(crate) fn fnv1a(b: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &c in b {
        h ^= u64::from(c);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

impl Miner {
    /// Write the whole state (configuration, clusters, counters) to `w`.
    pub fn save(&self, mut w: impl Write) -> Result<(), StateError> {
        let mut clusters = Vec::with_capacity(self.len());
        let mut s = self.lru_head;
        while s != NIL {
            let c = self.slot(s);
            clusters.push(to_state(c));
            s = c.next;
        }
        let body = Body {
            config: self.cfg.clone(),
            next_id: self.next_id,
            lines: self.stats.lines,
            created: self.stats.created,
            evicted: self.stats.evicted,
            merged: self.stats.merged,
            truncated_lines: self.stats.truncated_lines,
            clusters,
        };
        let json = serde_json::to_vec(&body).map_err(|e| StateError::Invalid(e.to_string()))?;
        writeln!(w, "{MAGIC}")?;
        writeln!(
            w,
            "version={FORMAT_VERSION} bytes={} fnv1a={:016x}",
            json.len(),
            fnv1a(&json)
        )?;
        w.write_all(&json)?;
        w.write_all(b"\n")?;
        w.flush()?;
        Ok(())
    }

    /// Read a state written by [`Miner::save`]. Corrupt, truncated or foreign data gives an
    /// error saying what is wrong, never a panic.
    pub fn load(mut r: impl Read) -> Result<Miner, StateError> {
        let magic = read_line(&mut r, 64)?;
        if magic != MAGIC.as_bytes() {
            return Err(StateError::NotAState);
        }
        let header = read_line(&mut r, 256)?;
        let header = String::from_utf8_lossy(&header).into_owned();
        let mut version = None;
        let mut bytes = None;
        let mut sum = None;
        for field in header.split(' ') {
            match field.split_once('=') {
                Some(("version", v)) => version = Some(v.to_string()),
                Some(("bytes", v)) => bytes = v.parse::<u64>().ok(),
                Some(("fnv1a", v)) => sum = u64::from_str_radix(v, 16).ok(),
                _ => {}
            }
        }
        let version =
            version.ok_or_else(|| StateError::Corrupt("no version in the header line".into()))?;
        if version != FORMAT_VERSION.to_string() {
            return Err(StateError::Version { found: version });
        }
        let (Some(bytes), Some(sum)) = (bytes, sum) else {
            return Err(StateError::Corrupt(
                "header line lacks the body length or checksum".into(),
            ));
        };
        if bytes > MAX_BODY {
            return Err(StateError::Corrupt(format!(
                "body length {bytes} is above the 1 GiB limit"
            )));
        }
        let mut json = Vec::new();
        r.by_ref().take(bytes).read_to_end(&mut json)?;
        if json.len() as u64 != bytes {
            return Err(StateError::Corrupt(format!(
                "body has {} of {bytes} bytes",
                json.len()
            )));
        }
        if fnv1a(&json) != sum {
            return Err(StateError::Corrupt("checksum mismatch".into()));
        }
        let body: Body =
            serde_json::from_slice(&json).map_err(|e| StateError::Invalid(e.to_string()))?;
        from_body(body)
    }

    /// Merge two states mined on different shards with the same configuration. Clusters with
    /// equal templates, or templates that could match a common line (one generalising the
    /// other, say), unify; counts, first/last seen, samples and slot values combine. The
    /// result does not depend on the argument order, and cluster ids are assigned afresh in
    /// template order (ids of the inputs do not carry over).
    pub fn merge(a: &Miner, b: &Miner) -> Result<Miner, StateError> {
        Miner::merge_mapped(a, b).map(|(m, _)| m)
    }

    /// [`Miner::merge`], also telling where each input cluster went: for `a` and for `b`,
    /// every live cluster id (and every id merged into it) mapped to its id in the result,
    /// or to `None` when the result evicted it at `max_clusters`. Data keyed by the inputs'
    /// ids (time-bucket counts, component tallies) is relabelled with these maps.
    pub fn merge_mapped(a: &Miner, b: &Miner) -> Result<(Miner, [IdMap; 2]), StateError> {
        if a.cfg != b.cfg {
            return Err(StateError::ConfigMismatch(config_difference(
                &a.cfg, &b.cfg,
            )));
        }
        let mut all: Vec<(Cluster, usize)> = a
            .clusters
            .iter()
            .flatten()
            .map(|c| (c.clone(), 0))
            .chain(b.clusters.iter().flatten().map(|c| (c.clone(), 1)))
            .collect();
        all.sort_by_cached_key(|(c, _)| canonical(c));
        let mut m = Miner::new(a.cfg.clone());
        m.stats.lines = a.stats.lines + b.stats.lines;
        m.stats.evicted = a.stats.evicted + b.stats.evicted;
        m.stats.merged = a.stats.merged + b.stats.merged;
        m.stats.truncated_lines = a.stats.truncated_lines + b.stats.truncated_lines;
        // (side, input id, provisional id in `m`) for every id that may key outside data.
        let mut provisional: Vec<(usize, u64, u64)> = Vec::with_capacity(all.len());
        for (mut c, side) in all {
            let temp = m.next_id;
            for old in std::iter::once(c.id).chain(c.merged.iter().copied()) {
                provisional.push((side, old, temp));
            }
            c.id = temp;
            m.next_id += 1;
            c.merged.clear();
            let s = m.insert_indexed(c);
            m.enforce_unique(s);
        }
        // Arena slots stay put through renumbering and eviction (nothing is inserted after
        // this point), so the slot of each provisional id finds its final id afterwards.
        let slots: Vec<(usize, u64, Option<u32>)> = provisional
            .into_iter()
            .map(|(side, old, temp)| (side, old, m.slot_of(temp)))
            .collect();
        m.renumber();
        let max = m.cfg.max_clusters;
        while m.len() > max {
            m.evict_lru();
        }
        m.aliases.clear();
        for c in m.clusters.iter_mut().flatten() {
            c.merged.clear();
        }
        let mut maps = [IdMap::new(), IdMap::new()];
        for (side, old, slot) in slots {
            let new = slot.and_then(|s| m.clusters.get(s as usize)?.as_ref().map(|c| c.id));
            maps[side].insert(old, new);
        }
        Ok((m, maps))
    }

    /// Insert a finished cluster into the arena and every index.
    fn insert_indexed(&mut self, c: Cluster) -> u32 {
        let fam = c.family;
        let gapped = c.template.gap.is_some();
        let len = c.template.words.len();
        let s = self.insert(c);
        if gapped {
            self.gapped.entry(fam).or_default().push(s);
        } else {
            self.fixed
                .entry(super::fixed_key(fam, len))
                .or_default()
                .push(s);
        }
        self.families.entry(fam).or_default().push(s);
        s
    }

    /// Give clusters ids 1..=n in template order and rebuild the LRU list by last seen time
    /// (latest first), so the merged state is the same whatever the merge order.
    fn renumber(&mut self) {
        let mut order: Vec<(Template, u64, u32)> = self
            .clusters
            .iter()
            .enumerate()
            .filter_map(|(i, c)| c.as_ref().map(|c| (c.template.clone(), c.count, i as u32)))
            .collect();
        order.sort();
        self.by_id.clear();
        for (n, (_, _, s)) in order.iter().enumerate() {
            let id = n as u64 + 1;
            self.slot_mut(*s).id = id;
            self.by_id.insert(id, *s);
        }
        self.next_id = order.len() as u64 + 1;
        self.stats.created = order.len() as u64;
        let mut lru: Vec<(std::cmp::Reverse<Option<i64>>, u64, u32)> = order
            .iter()
            .map(|(_, _, s)| (std::cmp::Reverse(self.slot(*s).last), self.slot(*s).id, *s))
            .collect();
        lru.sort();
        self.relink(lru.iter().map(|x| x.2));
        self.cache.clear();
    }

    /// Rebuild the LRU list in the given order (most recent first).
    fn relink(&mut self, order: impl Iterator<Item = u32>) {
        let order: Vec<u32> = order.collect();
        self.lru_head = order.first().copied().unwrap_or(NIL);
        self.lru_tail = order.last().copied().unwrap_or(NIL);
        for (i, &s) in order.iter().enumerate() {
            let prev = if i == 0 { NIL } else { order[i - 1] };
            let next = order.get(i + 1).copied().unwrap_or(NIL);
            let c = self.slot_mut(s);
            c.prev = prev;
            c.next = next;
        }
    }
}

/// Sort key of a cluster for merging: template, count (larger first), times, samples.
type CanonicalKey = (
    Template,
    std::cmp::Reverse<u64>,
    Option<i64>,
    Option<i64>,
    Vec<(u64, Vec<u8>)>,
);

/// Sort key that makes the merge order independent of the argument order.
fn canonical(c: &Cluster) -> CanonicalKey {
    (
        c.template.clone(),
        std::cmp::Reverse(c.count),
        c.first,
        c.last,
        c.samples.lines.clone(),
    )
}

fn config_difference(a: &MinerConfig, b: &MinerConfig) -> String {
    let (Ok(serde_json::Value::Object(x)), Ok(serde_json::Value::Object(y))) =
        (serde_json::to_value(a), serde_json::to_value(b))
    else {
        return "settings differ".into();
    };
    for (k, v) in &x {
        if y.get(k) != Some(v) {
            return format!(
                "`{k}` is {v} in one and {} in the other",
                y.get(k).cloned().unwrap_or_default()
            );
        }
    }
    "settings differ".into()
}

fn read_line(r: &mut impl Read, max: usize) -> Result<Vec<u8>, StateError> {
    let mut out = Vec::new();
    let mut b = [0u8; 1];
    loop {
        match r.read(&mut b)? {
            0 => {
                return if out.is_empty() {
                    Err(StateError::NotAState)
                } else {
                    Err(StateError::Corrupt("ends inside the header".into()))
                };
            }
            _ if b[0] == b'\n' => return Ok(out),
            _ => {
                out.push(b[0]);
                if out.len() > max {
                    return Err(StateError::NotAState);
                }
            }
        }
    }
}

fn to_state(c: &Cluster) -> StateCluster {
    StateCluster {
        id: c.id,
        template: c
            .template
            .words
            .iter()
            .map(|w| match w {
                Word::Lit(l) => StateWord::Lit(enc(l)),
                Word::Glob { pre, suf } => StateWord::Glob(enc(pre), enc(suf)),
                Word::Gap => StateWord::Gap,
            })
            .collect(),
        count: c.count,
        first: c.first,
        last: c.last,
        merged: c.merged.clone(),
        samples: c
            .samples
            .lines
            .iter()
            .map(|(h, l)| StateSample {
                hash: format!("{h:016x}"),
                line: enc(l),
            })
            .collect(),
        slots: c
            .slots
            .iter()
            .enumerate()
            .filter_map(|(i, s)| {
                s.as_ref().map(|s| StateSlot {
                    word: i,
                    values: s.sorted().into_iter().map(|(v, n)| (enc(v), n)).collect(),
                    other: s.other,
                })
            })
            .collect(),
    }
}

fn from_body(body: Body) -> Result<Miner, StateError> {
    let bad = |m: String| Err(StateError::Invalid(m));
    body.config
        .validate()
        .map_err(|e| StateError::Invalid(e.to_string()))?;
    let mut m = Miner::new(body.config);
    let p = m.cfg.prefix_words;
    let mut seen = std::collections::HashSet::new();
    let mut order = Vec::with_capacity(body.clusters.len());
    if body.clusters.len() > m.cfg.max_clusters {
        return bad(format!(
            "{} clusters but max_clusters is {}",
            body.clusters.len(),
            m.cfg.max_clusters
        ));
    }
    for sc in body.clusters {
        if sc.id == 0 || sc.id >= body.next_id || !seen.insert(sc.id) {
            return bad(format!(
                "cluster id {} is duplicated or not below next_id {}",
                sc.id, body.next_id
            ));
        }
        for &id in &sc.merged {
            if id == 0 || id >= body.next_id || !seen.insert(id) {
                return bad(format!("merged id {id} is duplicated or not below next_id"));
            }
        }
        let mut words = Vec::with_capacity(sc.template.len());
        for w in sc.template {
            words.push(match w {
                StateWord::Lit(l) => Word::Lit(dec(&l)?.into()),
                StateWord::Glob(a, b) => Word::Glob {
                    pre: dec(&a)?.into(),
                    suf: dec(&b)?.into(),
                },
                StateWord::Gap => Word::Gap,
            });
        }
        let gap = words.iter().position(|w| matches!(w, Word::Gap));
        let template = Template::new(words, gap);
        if !template.is_well_formed() || template.words.len() > m.cfg.max_tokens {
            return bad(format!("cluster {} has a malformed template", sc.id));
        }
        let head = p.min(template.words.len());
        if template.words[..head]
            .iter()
            .any(|w| !matches!(w, Word::Lit(_)))
            || gap.is_some_and(|g| g < p)
        {
            return bad(format!(
                "cluster {} has a variable in its first {p} words",
                sc.id
            ));
        }
        if sc.count == 0 {
            return bad(format!("cluster {} has a count of 0", sc.id));
        }
        let mut slots: Vec<Option<Box<SlotSummary>>> = vec![None; template.words.len()];
        for st in sc.slots {
            if st.word >= slots.len()
                || !template.words[st.word].is_var()
                || slots[st.word].is_some()
            {
                return bad(format!(
                    "cluster {} has a slot at word {} that is not a variable",
                    sc.id, st.word
                ));
            }
            let mut values = Vec::with_capacity(st.values.len());
            for (v, n) in st.values {
                if n == 0
                    || values
                        .iter()
                        .any(|(w, _): &(Vec<u8>, u64)| *w == dec(&v).unwrap_or_default())
                {
                    return bad(format!(
                        "cluster {} has a zero or repeated value in slot {}",
                        sc.id, st.word
                    ));
                }
                values.push((dec(&v)?, n));
            }
            if values.len() > m.cfg.values_per_slot {
                return bad(format!(
                    "cluster {} tracks more than {} values in slot {}",
                    sc.id, m.cfg.values_per_slot, st.word
                ));
            }
            let s = SlotSummary::from_values(&values, st.other);
            slots[st.word] = Some(Box::new(s));
        }
        let mut lines = Vec::with_capacity(sc.samples.len());
        for smp in sc.samples {
            let h = u64::from_str_radix(&smp.hash, 16)
                .map_err(|_| StateError::Invalid(format!("sample hash {:?}", smp.hash)))?;
            lines.push((h, dec(&smp.line)?));
        }
        lines.sort_by_key(|l| l.0);
        lines.dedup_by_key(|l| l.0);
        let family = template_family(&template, p);
        let mut c = Cluster {
            id: sc.id,
            template,
            family,
            count: sc.count,
            first: sc.first,
            last: sc.last,
            samples: Samples { lines },
            slots,
            merged: sc.merged,
            prev: NIL,
            next: NIL,
        };
        super::ensure_slots(&mut c);
        order.push(c);
    }
    m.next_id = body.next_id;
    m.stats = MinerStats {
        lines: body.lines,
        clusters: 0,
        created: body.created,
        evicted: body.evicted,
        merged: body.merged,
        truncated_lines: body.truncated_lines,
        evicted_records_dropped: 0,
        searches: 0,
    };
    let mut slots = Vec::with_capacity(order.len());
    for c in order {
        let sid = c.id;
        for &id in &c.merged {
            m.aliases.insert(id, sid);
        }
        slots.push(m.insert_indexed(c));
    }
    m.relink(slots.into_iter());
    // A hand-edited state could hold templates that overlap; the miner relies on there being
    // none, so refuse such a state rather than answer lookups ambiguously.
    for c in m.clusters.iter().flatten() {
        let cands = m
            .families
            .get(&c.family)
            .map(Vec::as_slice)
            .unwrap_or_default();
        for &o in cands {
            let oc = m.slot(o);
            if oc.id != c.id && c.template.overlaps(&oc.template) {
                return bad(format!(
                    "clusters {} and {} have overlapping templates",
                    c.id, oc.id
                ));
            }
        }
    }
    Ok(m)
}
