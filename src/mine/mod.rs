//! The template miner: a streaming, Drain-style clusterer of message bodies.
//!
//! Owns clusters (template, stable id, counts, first/last seen, samples, per-slot parameter
//! values), their indexes, eviction, and the on-disk state ([`state`]). It does not parse
//! headers (`crate::record`), tokenise (`crate::mask`), or count per time window.
//!
//! # How a line finds its cluster
//! 1. The line is masked ([`crate::mask`]) and the hash of its masked words (its *skeleton*)
//!    is looked up in a bounded cache of skeleton → cluster. A hit is verified by matching
//!    the line against the cluster's template; most lines end here.
//! 2. Otherwise the line's *family* is found: its first `prefix_words` masked words (Drain's
//!    fixed-depth prefix tree, flattened into a hash map keyed by those words and the length).
//!    If a cluster of the family matches the line, that is the cluster.
//! 3. Otherwise the most similar cluster of the same length (Drain similarity: share of equal
//!    constant words) is generalised in place if the similarity reaches the threshold.
//! 4. Otherwise the line may align with a cluster of *another* length of the same family,
//!    where a run of whole-word variables becomes a gap standing for any number of words
//!    (`Invalid user <*> from <*>` with a user `test user`, or none). This fixes Drain's
//!    word-count split.
//! 5. Otherwise a new cluster is made, evicting the least recently seen one at `max_clusters`.
//!
//! # The uniqueness invariant
//! No line can match two live clusters: whenever a template generalises, every cluster of its
//! family that could match a common line is merged into it (its id becomes an alias). So the
//! cluster of a line is well defined, [`Miner::lookup`] finds it whatever path it takes, and a
//! line that was observed keeps looking up to its cluster (or to the cluster it was merged
//! into: compare with [`Miner::resolve`]) for as long as that cluster is not evicted.
//!
//! # Per-line output
//! Keep the id [`Miner::observe`] returns for every line; at the end, map each id through
//! [`Miner::resolve`] and [`Miner::cluster`] to the final template. An evicted cluster is no
//! longer in the miner: [`Miner::take_evicted`] hands out its final record (id, the ids merged
//! into it, template, counts), so a caller that needs per-line output drains those records as
//! it goes and looks ids up there.

pub mod config;
mod render;
pub mod state;
mod summary;
mod template;

pub use config::{ConfigError, MinerConfig, MinerConfigBuilder};
pub use render::loghub_correct;
pub use state::StateError;

use crate::mask::{Masked, MaskedLine, Masker, fmix, fx_add, hash_bytes};
use crate::record::Timestamp;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use summary::{Samples, SlotSummary};
use template::{Template, Word};

/// Stable identifier of a cluster: assigned in creation order, unchanged when the template
/// generalises. When a cluster is merged into another, its id becomes an alias of the other's.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct ClusterId(pub u64);

impl std::fmt::Display for ClusterId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// How a line was placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The line matched an existing template unchanged.
    Matched,
    /// An existing template generalised to take the line.
    Generalised,
    /// A new cluster was made.
    New,
}

/// How a template is written out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TemplateStyle {
    /// The Loghub convention (default): `<*>` for variables, single spaces, and the template
    /// correction rules of [`loghub_correct`] (numbers, paths, `true`/`false`/`null`/`root`/
    /// `admin`, and words with a variable part become `<*>`; `<*>.<*>` and `<*><*>` merge).
    #[default]
    Loghub,
    /// `<*>` where the miner found a variable, everything else as mined.
    Plain,
    /// Like `Plain`, but with the whitespace of one of the cluster's sample lines between the
    /// words, so the template reads in the line's own spacing.
    Spaced,
}

/// Hasher for keys that are already well-mixed 64-bit hashes or small integers: one
/// avalanche step, no per-byte work, and no random state (iteration order is never used for
/// output, but determinism costs nothing here).
#[derive(Default, Clone, Copy)]
pub(crate) struct U64Hasher(u64);

impl Hasher for U64Hasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0 = fmix(hash_bytes(bytes) ^ self.0);
    }
    fn write_u64(&mut self, i: u64) {
        self.0 = fmix(i ^ self.0.rotate_left(17));
    }
}

pub(crate) type U64Map<V> = HashMap<u64, V, BuildHasherDefault<U64Hasher>>;

/// Clusters of a family tried when aligning a line of another length (the oldest ones, which
/// are the established templates). Bounds the work of a new line in a family that has grown
/// huge on unmasked variables, where alignment would not help anyway.
const MAX_ALIGN_CANDIDATES: usize = 256;

/// Sentinel for "no cluster" in the LRU links.
const NIL: u32 = u32::MAX;

/// One cluster.
#[derive(Debug, Clone)]
pub(crate) struct Cluster {
    pub(crate) id: u64,
    pub(crate) template: Template,
    pub(crate) family: u64,
    pub(crate) count: u64,
    pub(crate) first: Option<i64>,
    pub(crate) last: Option<i64>,
    pub(crate) samples: Samples,
    /// One entry per template word; `Some` for variable words.
    pub(crate) slots: Vec<Option<Box<SlotSummary>>>,
    /// Ids that were merged into this cluster (their aliases point here).
    pub(crate) merged: Vec<u64>,
    prev: u32,
    next: u32,
}

/// Parameter value of the last observed line: template word index and byte range in the line.
#[derive(Debug, Clone, Copy)]
struct Param {
    slot: u32,
    start: u32,
    end: u32,
    /// [`crate::mask::value_hash`] of the value.
    hash: u64,
}

/// The result of [`Miner::observe`]: the cluster, how the line was placed, and the line's
/// parameter values per slot (borrowed, no allocation).
#[derive(Debug)]
pub struct Observation<'a> {
    /// The line's cluster.
    pub cluster: ClusterId,
    /// How it got there.
    pub outcome: Outcome,
    params: &'a [Param],
    line: &'a [u8],
}

impl<'a> Observation<'a> {
    /// `(slot, value)` for every variable word of the template, in template order. A slot is
    /// the index of the template word; a gap's value is the words it covers (maybe empty).
    pub fn params(&self) -> impl ExactSizeIterator<Item = (usize, &'a [u8])> + '_ {
        let line = self.line;
        self.params.iter().map(move |p| {
            (
                p.slot as usize,
                line.get(p.start as usize..p.end as usize)
                    .unwrap_or_default(),
            )
        })
    }

    /// [`Observation::params`] with each value's [`crate::mask::value_hash`], which the miner
    /// has computed anyway.
    pub fn params_hashed(&self) -> impl ExactSizeIterator<Item = (usize, &'a [u8], u64)> + '_ {
        self.params()
            .zip(self.params.iter())
            .map(|((s, v), p)| (s, v, p.hash))
    }
}

/// Final record of an evicted cluster.
#[derive(Debug, Clone, PartialEq)]
pub struct EvictedCluster {
    /// Its id.
    pub id: ClusterId,
    /// Ids that had been merged into it.
    pub merged: Vec<ClusterId>,
    /// Its final template in the Loghub style.
    pub template: String,
    /// Lines it had counted.
    pub count: u64,
    /// Earliest and latest timestamps seen.
    pub first_seen: Option<Timestamp>,
    /// Latest timestamp seen.
    pub last_seen: Option<Timestamp>,
}

/// Counters about the miner's work.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MinerStats {
    /// Lines observed.
    pub lines: u64,
    /// Live clusters.
    pub clusters: usize,
    /// Clusters ever created.
    pub created: u64,
    /// Clusters evicted at `max_clusters`.
    pub evicted: u64,
    /// Clusters merged into another (aliases).
    pub merged: u64,
    /// Lines whose template had to be cut at `max_tokens`.
    pub truncated_lines: u64,
    /// Lines that missed the skeleton cache and searched their family.
    pub searches: u64,
    /// Eviction records dropped because nobody drained them ([`Miner::take_evicted`]).
    pub evicted_records_dropped: u64,
}

/// A read-only view of one cluster.
#[derive(Debug, Clone, Copy)]
pub struct ClusterView<'a> {
    c: &'a Cluster,
}

impl<'a> ClusterView<'a> {
    /// Stable id.
    pub fn id(&self) -> ClusterId {
        ClusterId(self.c.id)
    }
    /// Template in the default (Loghub) style.
    pub fn template(&self) -> String {
        self.template_with(TemplateStyle::Loghub)
    }
    /// Template in the given style.
    pub fn template_with(&self, style: TemplateStyle) -> String {
        if style == TemplateStyle::Spaced {
            if let Some(t) = self
                .c
                .samples
                .lines
                .first()
                .and_then(|(_, l)| render_spaced(&self.c.template, l))
            {
                return t;
            }
            return render_template(&self.c.template, TemplateStyle::Plain);
        }
        render_template(&self.c.template, style)
    }
    /// Lines counted.
    pub fn count(&self) -> u64 {
        self.c.count
    }
    /// Earliest timestamp seen.
    pub fn first_seen(&self) -> Option<Timestamp> {
        self.c.first.map(Timestamp)
    }
    /// Latest timestamp seen.
    pub fn last_seen(&self) -> Option<Timestamp> {
        self.c.last.map(Timestamp)
    }
    /// Sample lines (deterministic choice, at most the configured number).
    pub fn samples(&self) -> impl Iterator<Item = &'a [u8]> {
        self.c.samples.lines.iter().map(|(_, l)| l.as_slice())
    }
    /// Ids merged into this cluster.
    pub fn merged_ids(&self) -> impl Iterator<Item = ClusterId> + 'a {
        self.c.merged.iter().map(|&i| ClusterId(i))
    }
    /// Parameter slots: `(slot, values sorted by count, other count)`.
    pub fn slots(&self) -> impl Iterator<Item = SlotView<'a>> {
        self.c
            .slots
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.as_ref().map(|s| SlotView { slot: i, s }))
    }
}

/// Values of one parameter slot.
#[derive(Debug, Clone, Copy)]
pub struct SlotView<'a> {
    slot: usize,
    s: &'a SlotSummary,
}

impl<'a> SlotView<'a> {
    /// Index of the template word.
    pub fn slot(&self) -> usize {
        self.slot
    }
    /// Tracked values with counts, most frequent first.
    pub fn values(&self) -> Vec<(&'a [u8], u64)> {
        self.s.sorted()
    }
    /// Lines whose value is not tracked.
    pub fn other(&self) -> u64 {
        self.s.other
    }
}

fn render_template(t: &Template, style: TemplateStyle) -> String {
    let plain = t.render_plain();
    match style {
        TemplateStyle::Plain | TemplateStyle::Spaced => plain,
        TemplateStyle::Loghub => loghub_correct(&plain),
    }
}

/// Render `t` with the whitespace that separates the words of `line` (a line the template
/// matches); `None` if the line does not match (a sample cut at the byte cap).
fn render_spaced(t: &Template, line: &[u8]) -> Option<String> {
    let mut ml = MaskedLine::new();
    Masker::new(usize::MAX).mask(line, &mut ml);
    if !t.matches(ml.view()) {
        // A line cut at the token cap: mask it the way it was cut.
        Masker::new(t.words.len()).mask(line, &mut ml);
        if !t.matches(ml.view()) {
            return None;
        }
    }
    let n = ml.len();
    let toks = ml.tokens();
    let mut out: Vec<u8> = Vec::with_capacity(line.len());
    let mut prev_end: Option<usize> = None;
    for (j, w) in t.words.iter().enumerate() {
        let (first, last) = match (w, t.gap_span(n)) {
            (Word::Gap, Some((a, b))) => (a, b.max(a + 1).min(n.max(1)) - 1),
            _ => {
                let i = t.line_index(j, n);
                (i, i)
            }
        };
        if let (Some(pe), Some(tok)) = (prev_end, toks.get(first)) {
            out.extend_from_slice(line.get(pe..tok.raw_range().start).unwrap_or(b" "));
        } else if prev_end.is_some() {
            out.push(b' ');
        }
        let single = Template::new(vec![w.clone()], matches!(w, Word::Gap).then_some(0));
        out.extend_from_slice(single.render_plain().as_bytes());
        prev_end = toks.get(last).map(|t| t.raw_range().end).or(prev_end);
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

/// The miner's reusable line buffer, boxed: lending it out for a line (`std::mem::take`) and
/// putting it back moves one pointer instead of the buffer's fields. Taken, it is empty and
/// reads as an empty line; it allocates a buffer again only if written before being put back.
#[derive(Debug, Clone, Default)]
struct LineBuf(Option<Box<MaskedLine>>);

/// What an empty [`LineBuf`] reads as.
static EMPTY_LINE: MaskedLine = MaskedLine::new();

impl std::ops::Deref for LineBuf {
    type Target = MaskedLine;
    fn deref(&self) -> &MaskedLine {
        self.0.as_deref().unwrap_or(&EMPTY_LINE)
    }
}

impl std::ops::DerefMut for LineBuf {
    fn deref_mut(&mut self) -> &mut MaskedLine {
        self.0.get_or_insert_with(Box::default)
    }
}

/// The streaming template miner. See the module documentation.
#[derive(Debug, Clone)]
pub struct Miner {
    cfg: MinerConfig,
    masker: Masker,
    clusters: Vec<Option<Cluster>>,
    free: Vec<u32>,
    by_id: U64Map<u32>,
    aliases: U64Map<u64>,
    /// (family, length) → gap-free clusters.
    fixed: U64Map<Vec<u32>>,
    /// family → clusters with a gap.
    gapped: U64Map<Vec<u32>>,
    /// family → every cluster of the family.
    families: U64Map<Vec<u32>>,
    /// skeleton hash → (arena slot, cluster id) of the cluster its lines went to.
    cache: U64Map<(u32, u64)>,
    lru_head: u32,
    lru_tail: u32,
    next_id: u64,
    stats: MinerStats,
    evicted: std::collections::VecDeque<EvictedCluster>,
    // Per-line scratch, reused.
    buf: LineBuf,
    params: Vec<Param>,
    newly_var: Vec<(usize, Box<[u8]>)>,
    /// Whether slot summaries count each value (see [`Miner::set_value_tracking`]).
    track_values: bool,
}

impl Default for Miner {
    fn default() -> Self {
        Miner::new(MinerConfig::default())
    }
}

impl Miner {
    /// A miner with the given (validated) configuration.
    pub fn new(cfg: MinerConfig) -> Self {
        Miner {
            masker: Masker::new(cfg.max_tokens),
            cfg,
            clusters: Vec::new(),
            free: Vec::new(),
            by_id: U64Map::default(),
            aliases: U64Map::default(),
            fixed: U64Map::default(),
            gapped: U64Map::default(),
            families: U64Map::default(),
            cache: U64Map::default(),
            lru_head: NIL,
            lru_tail: NIL,
            next_id: 1,
            stats: MinerStats::default(),
            evicted: std::collections::VecDeque::new(),
            buf: LineBuf::default(),
            params: Vec::new(),
            newly_var: Vec::new(),
            track_values: true,
        }
    }

    /// Whether the parameter slots keep their frequent values (on by default). Only a saved
    /// state reads them ([`ClusterView::slots`]); a run that saves none can turn them off and
    /// skip their cost. Off, a line's values count as "other" in their slots, so a state saved
    /// anyway says its values are unknown rather than claiming values it did not see.
    pub fn set_value_tracking(&mut self, on: bool) {
        self.track_values = on;
    }

    /// The configuration.
    pub fn config(&self) -> &MinerConfig {
        &self.cfg
    }

    /// Counters.
    pub fn stats(&self) -> MinerStats {
        MinerStats {
            clusters: self.by_id.len(),
            ..self.stats
        }
    }

    /// Number of live clusters.
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// Whether there is no live cluster.
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// The live cluster an id refers to now (itself, or the cluster it was merged into), or
    /// `None` if it was evicted or never existed.
    pub fn resolve(&self, id: ClusterId) -> Option<ClusterId> {
        if self.by_id.contains_key(&id.0) {
            return Some(id);
        }
        let to = *self.aliases.get(&id.0)?;
        self.by_id.contains_key(&to).then_some(ClusterId(to))
    }

    /// The live cluster for an id (resolving aliases).
    pub fn cluster(&self, id: ClusterId) -> Option<ClusterView<'_>> {
        let id = self.resolve(id)?;
        let slot = *self.by_id.get(&id.0)?;
        self.clusters[slot as usize]
            .as_ref()
            .map(|c| ClusterView { c })
    }

    /// Every live cluster, in id order.
    pub fn clusters(&self) -> Vec<ClusterView<'_>> {
        let mut v: Vec<ClusterView<'_>> = self
            .clusters
            .iter()
            .flatten()
            .map(|c| ClusterView { c })
            .collect();
        v.sort_by_key(|c| c.c.id);
        v
    }

    /// Every live cluster, most frequent first (ties by id).
    pub fn table(&self) -> Vec<ClusterView<'_>> {
        let mut v = self.clusters();
        v.sort_by(|a, b| b.c.count.cmp(&a.c.count).then(a.c.id.cmp(&b.c.id)));
        v
    }

    /// Take the records of clusters evicted since the last call. At most `max_clusters`
    /// records are held; older ones are dropped and counted in
    /// [`MinerStats::evicted_records_dropped`].
    pub fn take_evicted(&mut self) -> Vec<EvictedCluster> {
        std::mem::take(&mut self.evicted).into()
    }

    /// The cluster whose template matches `msg`, without changing anything. At most one
    /// cluster can match (see the module documentation); `None` when none does.
    pub fn lookup(&self, msg: &[u8]) -> Option<ClusterId> {
        let mut ml = MaskedLine::new();
        self.lookup_with(msg, &mut ml)
    }

    /// [`Miner::lookup`] with a caller-owned scratch buffer, so that repeated lookups do not
    /// allocate.
    pub fn lookup_with(&self, msg: &[u8], scratch: &mut MaskedLine) -> Option<ClusterId> {
        self.masker.mask(msg, scratch);
        self.lookup_masked(scratch.view())
            .map(|s| ClusterId(self.slot(s).id))
    }

    fn lookup_masked(&self, ml: Masked<'_>) -> Option<u32> {
        if let Some(s) = self.cache_hit(ml) {
            return Some(s);
        }
        let fam = family_key(ml, self.cfg.prefix_words);
        self.full_match(ml, fam)
    }

    #[inline]
    fn slot(&self, s: u32) -> &Cluster {
        match &self.clusters[s as usize] {
            Some(c) => c,
            None => unreachable!("index points at a free slot"),
        }
    }

    #[inline]
    fn slot_mut(&mut self, s: u32) -> &mut Cluster {
        match &mut self.clusters[s as usize] {
            Some(c) => c,
            None => unreachable!("index points at a free slot"),
        }
    }

    fn slot_of(&self, id: u64) -> Option<u32> {
        if let Some(&s) = self.by_id.get(&id) {
            return Some(s);
        }
        let to = self.aliases.get(&id)?;
        self.by_id.get(to).copied()
    }

    #[inline]
    fn cache_hit(&self, ml: Masked<'_>) -> Option<u32> {
        self.cache_hit_skel(ml, ml.skeleton_hash())
    }

    #[inline]
    fn cache_hit_skel(&self, ml: Masked<'_>, skel: u64) -> Option<u32> {
        let &(slot, id) = self.cache.get(&skel)?;
        let s = match self.clusters.get(slot as usize) {
            Some(Some(c)) if c.id == id => slot,
            _ => self.slot_of(id)?,
        };
        self.slot(s).template.matches(ml).then_some(s)
    }

    fn full_match(&self, ml: Masked<'_>, fam: u64) -> Option<u32> {
        let key = fixed_key(fam, ml.len());
        let fixed = self.fixed.get(&key).map(Vec::as_slice).unwrap_or_default();
        let gapped = self.gapped.get(&fam).map(Vec::as_slice).unwrap_or_default();
        fixed
            .iter()
            .chain(gapped)
            .copied()
            .find(|&s| self.slot(s).template.matches(ml))
    }

    /// Learn from one message body (`ts`: its time, if known). Returns its cluster, how it
    /// got there, and its parameter values.
    pub fn observe<'a>(&'a mut self, msg: &'a [u8], ts: Option<Timestamp>) -> Observation<'a> {
        let mut buf = std::mem::take(&mut self.buf);
        self.masker.mask(msg, &mut buf);
        let (slot, outcome) = self.observe_buf(buf.view(), msg, ts);
        self.buf = buf;
        Observation {
            cluster: ClusterId(self.slot(slot).id),
            outcome,
            params: &self.params,
            line: msg,
        }
    }

    /// [`Miner::observe`] of a message that was already masked with this miner's
    /// [`Miner::masker`] (on another thread, say): the same result as `observe(msg, ts)`.
    pub fn observe_masked<'a>(
        &'a mut self,
        msg: &'a [u8],
        ml: Masked<'_>,
        ts: Option<Timestamp>,
    ) -> Observation<'a> {
        let (slot, outcome) = self.observe_buf(ml, msg, ts);
        Observation {
            cluster: ClusterId(self.slot(slot).id),
            outcome,
            params: &self.params,
            line: msg,
        }
    }

    /// The masker lines are masked with before [`Miner::observe_masked`].
    pub fn masker(&self) -> Masker {
        self.masker
    }

    fn observe_buf(
        &mut self,
        buf: Masked<'_>,
        msg: &[u8],
        ts: Option<Timestamp>,
    ) -> (u32, Outcome) {
        self.stats.lines += 1;
        if buf.truncated() {
            self.stats.truncated_lines += 1;
        }
        let skel = buf.skeleton_hash();
        let (slot, outcome) = match self.cache_hit_skel(buf, skel) {
            Some(s) => (s, Outcome::Matched),
            None => {
                self.stats.searches += 1;
                let r = self.place(buf);
                if self.cache.len() >= self.cfg.cache_entries {
                    self.cache.clear();
                }
                self.cache.insert(skel, (r.0, self.slot(r.0).id));
                r
            }
        };
        self.record(slot, buf, skel, msg, ts);
        (slot, outcome)
    }

    /// Steps 2-5 of the module documentation.
    fn place(&mut self, ml: Masked<'_>) -> (u32, Outcome) {
        let fam = family_key(ml, self.cfg.prefix_words);
        if let Some(s) = self.full_match(ml, fam) {
            return (s, Outcome::Matched);
        }
        let key = fixed_key(fam, ml.len());
        // Drain: the most similar template of the same length, first one on ties.
        let mut best: Option<(u32, f64)> = None;
        if let Some(list) = self.fixed.get(&key) {
            for &s in list {
                let sim = self.slot(s).template.similarity(ml);
                if sim >= self.cfg.sim_threshold && best.is_none_or(|(_, b)| sim > b) {
                    best = Some((s, sim));
                }
            }
        }
        if let Some((s, _)) = best {
            if self.defer_generalisation(s, ml, key) {
                return (self.create(ml, fam), Outcome::New);
            }
            let mut newly = std::mem::take(&mut self.newly_var);
            let vmax = self.cfg.max_value_bytes;
            let k = self.cfg.values_per_slot;
            let c = self.slot_mut(s);
            c.template.generalise(ml, &mut newly);
            let count = c.count;
            for (i, lit) in newly.drain(..) {
                open_slot(c, i, &lit[..lit.len().min(vmax)], count, k);
            }
            self.newly_var = newly;
            let s = self.enforce_unique(s);
            return (s, Outcome::Generalised);
        }
        if let Some(s) = self.align_other_length(ml, fam) {
            let s = self.enforce_unique(s);
            return (s, Outcome::Generalised);
        }
        (self.create(ml, fam), Outcome::New)
    }

    /// Whether generalising cluster `s` for the line should wait: a literal word would turn
    /// variable, and fewer than `distinct_values` different values have been seen at the
    /// differing positions (counting the clusters of the bucket that agree with the line
    /// everywhere else, plus the line). A position with only a few values is usually a state
    /// or a mode (`startup`/`shutdown`, `LOOKING`/`LEADING`), which makes separate events;
    /// a real variable soon shows more values, and then the clusters merge.
    fn defer_generalisation(&self, s: u32, ml: Masked<'_>, key: u64) -> bool {
        let k = self.cfg.distinct_values;
        if k <= 1 {
            return false;
        }
        let t = &self.slot(s).template;
        let mut diff: Vec<usize> = Vec::new();
        let mut literal = 0usize;
        for (i, w) in t.words.iter().enumerate() {
            let m = ml.masked(i);
            if !w.matches(m) {
                diff.push(i);
                if let Word::Lit(l) = w {
                    if is_word_change(l, m) {
                        literal += 1;
                    }
                }
            }
        }
        if literal == 0 {
            return false;
        }
        let Some(list) = self.fixed.get(&key) else {
            return false;
        };
        let siblings = list
            .iter()
            .filter(|&&x| {
                let w = &self.slot(x).template.words;
                (0..w.len()).all(|i| diff.contains(&i) || w[i].matches(ml.masked(i)))
            })
            .count();
        siblings + 1 < k * literal
    }

    /// Step 4: a cluster of another length in the family that aligns with the line around a
    /// run of whole-word variables. The run becomes a gap.
    fn align_other_length(&mut self, ml: Masked<'_>, fam: u64) -> Option<u32> {
        let family = self.families.get(&fam)?;
        let n = ml.len();
        let mut best: Option<(u32, usize, usize, usize)> = None;
        for &s in family.iter().take(MAX_ALIGN_CANDIDATES) {
            let t = &self.slot(s).template;
            let Some((a, b, lits)) = t.align_gap(ml, self.cfg.prefix_words) else {
                continue;
            };
            let m = t.words.len();
            // Words of the line that fall into the gap; constant ones count against the cap.
            let (gs, ge) = (a, n - (m - b));
            let constants = (gs..ge).filter(|&i| !ml.tokens()[i].has_var()).count();
            if constants > self.cfg.max_gap_words {
                continue;
            }
            // Similarity over the template words outside the run, with at least two
            // constant anchors so that a short template cannot swallow unrelated lines.
            let denom = (m - (b - a)).max(1) as f64;
            if lits < 2 || (lits as f64) / denom < self.cfg.sim_threshold {
                continue;
            }
            if best.is_none_or(|(_, _, _, bl)| lits > bl) {
                best = Some((s, a, b, lits));
            }
        }
        let (s, a, b, _) = best?;
        self.reshape_to_gap(s, a, b);
        Some(s)
    }

    /// Turn words `[a, b)` of cluster `s` into a gap and move it to the gapped index.
    fn reshape_to_gap(&mut self, s: u32, a: usize, b: usize) {
        let (fam, len) = {
            let c = self.slot(s);
            (c.family, c.template.words.len())
        };
        remove_from(&mut self.fixed, fixed_key(fam, len), s);
        let c = self.slot_mut(s);
        let map = c.template.make_gap(a, b);
        let old = std::mem::take(&mut c.slots);
        c.slots = remap_slots(old, &map, c.template.words.len(), c.count);
        ensure_slots(c);
        self.gapped.entry(fam).or_default().push(s);
    }

    /// Merge into `s` every cluster of its family that could match a line `s` matches, until
    /// none is left. Returns the surviving slot (always `s`).
    fn enforce_unique(&mut self, s: u32) -> u32 {
        loop {
            let (fam, len, gapped) = {
                let c = self.slot(s);
                (c.family, c.template.words.len(), c.template.gap.is_some())
            };
            let mut victim = None;
            let cands: Vec<u32> = if gapped {
                self.families.get(&fam).cloned().unwrap_or_default()
            } else {
                let mut v = self
                    .fixed
                    .get(&fixed_key(fam, len))
                    .cloned()
                    .unwrap_or_default();
                v.extend(self.gapped.get(&fam).into_iter().flatten());
                v
            };
            let t = &self.slot(s).template;
            for o in cands {
                if o != s && t.overlaps(&self.slot(o).template) {
                    victim = Some(o);
                    break;
                }
            }
            match victim {
                Some(o) => self.absorb(s, o),
                None => return s,
            }
        }
    }

    /// Merge cluster `o` into `s`: template lub, counts, times, samples, slots; `o`'s ids
    /// become aliases of `s`.
    fn absorb(&mut self, s: u32, o: u32) {
        let Some(oc) = self.unlink(o) else { return };
        let (fam, old_len, was_gapped) = {
            let c = self.slot(s);
            (c.family, c.template.words.len(), c.template.gap.is_some())
        };
        let k = self.cfg.values_per_slot;
        let ks = self.cfg.samples;
        let sid = self.slot(s).id;
        let vmax = self.cfg.max_value_bytes;
        let c = self.slot_mut(s);
        let (t, map_s, map_o) = c.template.lub(&oc.template);
        let old_slots = std::mem::take(&mut c.slots);
        let mut slots = side_slots(&c.template, old_slots, &map_s, &t, c.count, vmax, k);
        let other_slots = side_slots(
            &oc.template,
            oc.slots.clone(),
            &map_o,
            &t,
            oc.count,
            vmax,
            k,
        );
        for (i, os) in other_slots.into_iter().enumerate() {
            match (&mut slots[i], os) {
                (Some(a), Some(b)) => a.merge(&b, k),
                (slot @ None, Some(b)) => *slot = Some(b),
                _ => {}
            }
        }
        c.template = t;
        c.slots = slots;
        ensure_slots(c);
        c.count += oc.count;
        c.first = min_opt(c.first, oc.first);
        c.last = max_opt(c.last, oc.last);
        c.samples.merge(&oc.samples, ks);
        c.merged.push(oc.id);
        c.merged.extend_from_slice(&oc.merged);
        let is_gapped = c.template.gap.is_some();
        let new_len = c.template.words.len();
        for id in std::iter::once(oc.id).chain(oc.merged.iter().copied()) {
            self.aliases.insert(id, sid);
        }
        if !was_gapped && (is_gapped || new_len != old_len) {
            remove_from(&mut self.fixed, fixed_key(fam, old_len), s);
            if is_gapped {
                self.gapped.entry(fam).or_default().push(s);
            } else {
                self.fixed
                    .entry(fixed_key(fam, new_len))
                    .or_default()
                    .push(s);
            }
        }
        self.stats.merged += 1;
    }

    /// Remove a cluster from every index and the LRU list; returns it.
    fn unlink(&mut self, s: u32) -> Option<Cluster> {
        let c = self.clusters.get_mut(s as usize)?.take()?;
        let len = c.template.words.len();
        if c.template.gap.is_some() {
            remove_from(&mut self.gapped, c.family, s);
        } else {
            remove_from(&mut self.fixed, fixed_key(c.family, len), s);
        }
        remove_from(&mut self.families, c.family, s);
        self.by_id.remove(&c.id);
        // LRU unlink.
        if c.prev != NIL {
            self.slot_mut(c.prev).next = c.next;
        } else {
            self.lru_head = c.next;
        }
        if c.next != NIL {
            self.slot_mut(c.next).prev = c.prev;
        } else {
            self.lru_tail = c.prev;
        }
        self.free.push(s);
        Some(c)
    }

    /// Make a new cluster for the line, evicting the least recently seen one if full.
    fn create(&mut self, ml: Masked<'_>, fam: u64) -> u32 {
        if self.by_id.len() >= self.cfg.max_clusters {
            self.evict_lru();
        }
        let id = self.next_id;
        self.next_id += 1;
        self.stats.created += 1;
        let template = Template::from_line(ml);
        let mut c = Cluster {
            id,
            family: fam,
            count: 0,
            first: None,
            last: None,
            samples: Samples::default(),
            slots: Vec::new(),
            merged: Vec::new(),
            prev: NIL,
            next: NIL,
            template,
        };
        ensure_slots(&mut c);
        let s = self.insert(c);
        let len = ml.len();
        self.fixed.entry(fixed_key(fam, len)).or_default().push(s);
        self.families.entry(fam).or_default().push(s);
        s
    }

    /// Put a cluster into the arena, the id map and the LRU front (not the family indexes).
    fn insert(&mut self, mut c: Cluster) -> u32 {
        c.prev = NIL;
        c.next = self.lru_head;
        let id = c.id;
        let s = match self.free.pop() {
            Some(s) => {
                self.clusters[s as usize] = Some(c);
                s
            }
            None => {
                self.clusters.push(Some(c));
                (self.clusters.len() - 1) as u32
            }
        };
        if self.lru_head != NIL {
            let h = self.lru_head;
            self.slot_mut(h).prev = s;
        } else {
            self.lru_tail = s;
        }
        self.lru_head = s;
        self.by_id.insert(id, s);
        s
    }

    fn evict_lru(&mut self) {
        let s = self.lru_tail;
        if s == NIL {
            return;
        }
        let Some(c) = self.unlink(s) else { return };
        for id in &c.merged {
            self.aliases.remove(id);
        }
        self.stats.evicted += 1;
        if self.evicted.len() >= self.cfg.max_clusters {
            self.evicted.pop_front();
            self.stats.evicted_records_dropped += 1;
        }
        self.evicted.push_back(EvictedCluster {
            id: ClusterId(c.id),
            merged: c.merged.iter().map(|&i| ClusterId(i)).collect(),
            template: render_template(&c.template, TemplateStyle::Loghub),
            count: c.count,
            first_seen: c.first.map(Timestamp),
            last_seen: c.last.map(Timestamp),
        });
    }

    /// Move to the LRU front.
    #[inline]
    fn touch(&mut self, s: u32) {
        if self.lru_head == s {
            return;
        }
        let (p, n) = {
            let c = self.slot(s);
            (c.prev, c.next)
        };
        if p != NIL {
            self.slot_mut(p).next = n;
        }
        if n != NIL {
            self.slot_mut(n).prev = p;
        } else {
            self.lru_tail = p;
        }
        let h = self.lru_head;
        {
            let c = self.slot_mut(s);
            c.prev = NIL;
            c.next = h;
        }
        if h != NIL {
            self.slot_mut(h).prev = s;
        }
        self.lru_head = s;
        if self.lru_tail == NIL {
            self.lru_tail = s;
        }
    }

    /// Update counts, times, samples and slot values of cluster `s` with the line, and fill
    /// the parameter buffer.
    fn record(&mut self, s: u32, ml: Masked<'_>, skel: u64, msg: &[u8], ts: Option<Timestamp>) {
        self.touch(s);
        let k = self.cfg.values_per_slot;
        let vmax = self.cfg.max_value_bytes;
        let (ks, smax) = (self.cfg.samples, self.cfg.max_sample_bytes);
        let track = self.track_values;
        let mut params = std::mem::take(&mut self.params);
        params.clear();
        let c = self.slot_mut(s);
        c.count += 1;
        if let Some(Timestamp(t)) = ts {
            c.first = Some(c.first.map_or(t, |f| f.min(t)));
            c.last = Some(c.last.map_or(t, |l| l.max(t)));
        }
        let n = ml.len();
        let toks = ml.tokens();
        // The line's hash for the sample choice: its skeleton and its values (lines that
        // differ only in spacing count as one).
        let mut line_hash = skel;
        for (j, w) in c.template.words.iter().enumerate() {
            let Some(slot) = c.slots.get_mut(j).and_then(Option::as_mut) else {
                continue;
            };
            let (start, end) = if matches!(w, Word::Gap) {
                let (gs, ge) = c.template.gap_span(n).unwrap_or((0, 0));
                if gs < ge {
                    (toks[gs].raw_range().start, toks[ge - 1].raw_range().end)
                } else {
                    let at = toks.get(gs).map_or(msg.len(), |t| t.raw_range().start);
                    (at, at)
                }
            } else {
                let r = toks[c.template.line_index(j, n)].raw_range();
                let (lead, trail) = c.template.literal_ends(j);
                let len = r.end - r.start;
                if lead + trail <= len {
                    (r.start + lead, r.end - trail)
                } else {
                    (r.start, r.end)
                }
            };
            let full = &msg[start..end];
            let v = &full[..full.len().min(vmax)];
            let vh = summary::value_hash(v);
            line_hash = fx_add(line_hash, vh);
            if track {
                slot.add_hashed(v, vh, 1, k);
            } else {
                slot.other += 1;
            }
            params.push(Param {
                slot: j as u32,
                start: start as u32,
                end: end as u32,
                hash: if v.len() == full.len() {
                    vh
                } else {
                    summary::value_hash(full)
                },
            });
        }
        if ks > 0 {
            c.samples.offer(fmix(line_hash), msg, ks, smax);
        }
        self.params = params;
    }
}

/// Whether two different masked words differ in their constant text (a change of word, such
/// as `startup`/`shutdown`, `ee0`/`alt0`, `(uid=`/`LOGIN(uid=`, or a sentinel like `****` in
/// place of a value) rather than in the value of a variable (`U11`/`U01`, a placeholder
/// against a host name). Only the differing middles, after the common prefix and suffix, count.
fn is_word_change(a: &[u8], b: &[u8]) -> bool {
    let p = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let (a, b) = (&a[p..], &b[p..]);
    let q = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (a, b) = (&a[..a.len() - q], &b[..b.len() - q]);
    let (pa, pb) = (a.contains(&crate::mask::PH), b.contains(&crate::mask::PH));
    let letters = |s: &[u8]| {
        s.iter()
            .filter(|c| c.is_ascii_alphabetic() || **c >= 0x80)
            .copied()
            .collect::<Vec<u8>>()
    };
    // A placeholder against text: the text is another value of the variable (a host name
    // where an address was) unless the placeholder is only part of the middle, or the text is
    // a plain word or bare punctuation. An empty middle is an empty value.
    let value_vs_text = |v: &[u8], t: &[u8]| -> bool {
        if t.is_empty() {
            return false;
        }
        let plain = t
            .iter()
            .all(|c| c.is_ascii_alphabetic() || *c == b'_' || *c >= 0x80);
        let bare = !t.iter().any(|c| c.is_ascii_alphanumeric() || *c >= 0x80);
        v != [crate::mask::PH] || plain || bare
    };
    match (pa, pb) {
        (true, true) => false,
        (true, false) => value_vs_text(a, b),
        (false, true) => value_vs_text(b, a),
        (false, false) => letters(a) != letters(b),
    }
}

/// Open the slot of a word that just turned variable: the `count` lines seen so far all
/// carried its old constant text.
fn open_slot(c: &mut Cluster, i: usize, old: &[u8], count: u64, k: usize) {
    if c.slots.len() < c.template.words.len() {
        c.slots.resize(c.template.words.len(), None);
    }
    let mut s = SlotSummary::default();
    if count > 0 {
        s.add(old, count, k);
    }
    c.slots[i] = Some(Box::new(s));
}

/// Slots of one side of a merge, moved to the merged template's positions; a word that was
/// constant on this side but is variable in the merge gets its constant with this side's count.
fn side_slots(
    old_t: &Template,
    old_slots: Vec<Option<Box<SlotSummary>>>,
    map: &[usize],
    new_t: &Template,
    count: u64,
    vmax: usize,
    k: usize,
) -> Vec<Option<Box<SlotSummary>>> {
    let n = new_t.words.len();
    let mut out = remap_slots(old_slots, map, n, count);
    let mut hits = vec![0usize; n];
    for &j in map {
        if j < n {
            hits[j] += 1;
        }
    }
    for (j, w) in old_t.words.iter().enumerate() {
        let to = map[j];
        if let Word::Lit(l) = w {
            if !w.is_var() && to < n && new_t.words[to].is_var() && hits[to] == 1 {
                let mut s = SlotSummary::default();
                if count > 0 {
                    s.add(&l[..l.len().min(vmax)], count, k);
                }
                out[to] = Some(Box::new(s));
            }
        }
    }
    out
}

/// Make `slots` line up with the template words: `Some` exactly for variable words.
fn ensure_slots(c: &mut Cluster) {
    c.slots.resize(c.template.words.len(), None);
    for (w, s) in c.template.words.iter().zip(c.slots.iter_mut()) {
        if w.is_var() {
            if s.is_none() {
                *s = Some(Box::default());
            }
        } else {
            *s = None;
        }
    }
}

/// Move slot summaries to new word positions (`map[old] = new`); summaries that land on the
/// same position are merged into "other" (their values no longer describe one word).
fn remap_slots(
    old: Vec<Option<Box<SlotSummary>>>,
    map: &[usize],
    n: usize,
    count: u64,
) -> Vec<Option<Box<SlotSummary>>> {
    let mut out: Vec<Option<Box<SlotSummary>>> = vec![None; n];
    let mut hits = vec![0usize; n];
    for &j in map {
        if j < n {
            hits[j] += 1;
        }
    }
    for (j, s) in old.into_iter().enumerate() {
        let Some(&to) = map.get(j) else { continue };
        if to >= n {
            continue;
        }
        if hits[to] > 1 {
            out[to] = Some(Box::new(SlotSummary::unknown(count)));
        } else if let Some(s) = s {
            out[to] = Some(s);
        }
    }
    out
}

fn remove_from(map: &mut U64Map<Vec<u32>>, key: u64, s: u32) {
    if let Some(v) = map.get_mut(&key) {
        if let Some(p) = v.iter().position(|&x| x == s) {
            v.remove(p);
        }
        if v.is_empty() {
            map.remove(&key);
        }
    }
}

fn min_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

fn max_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

/// Family of a line: its first `p` masked words (all of them when shorter, with the count).
pub(crate) fn family_key(ml: Masked<'_>, p: usize) -> u64 {
    let k = p.min(ml.len());
    let mut h = fx_add(
        0x6c6f_6773_6966_7400,
        if ml.len() < p { ml.len() as u64 + 1 } else { 0 },
    );
    for t in &ml.tokens()[..k] {
        h = fx_add(h, ml.token_hash(t));
    }
    fmix(h)
}

/// Family key of a template (its first `p` words, which are always literals).
pub(crate) fn template_family(t: &Template, p: usize) -> u64 {
    let n = t.words.len();
    let k = p.min(n);
    let short = n < p && t.gap.is_none();
    let mut h = fx_add(0x6c6f_6773_6966_7400, if short { n as u64 + 1 } else { 0 });
    for w in &t.words[..k] {
        let b: &[u8] = match w {
            Word::Lit(l) => l,
            _ => b"",
        };
        h = fx_add(h, hash_bytes(b));
    }
    fmix(h)
}

fn fixed_key(fam: u64, len: usize) -> u64 {
    fmix(fx_add(fam, len as u64))
}

#[cfg(test)]
mod tests;
