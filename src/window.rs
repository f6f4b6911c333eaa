//! Time buckets: per-template event counts and per-slot parameter values over time, in bounded
//! memory, mergeable across shards and serialisable into the state file.
//!
//! Owns the accumulator [`WindowCounts`], fed once per event in input order, and the bucket
//! ladder. It does not choose baseline and incident windows or compute any statistic: that is
//! `score`'s job, which reads the accumulator through the accessors at the end of this file.
//!
//! # Memory
//! Counts are stored sparsely per cluster as `bucket index -> count`; bucket widths come from a
//! ladder where each width is an integer multiple of the previous one (1 s, 2 s, 10 s, 30 s,
//! 1 min, ... scaled by the starting width). Two global budgets bound the stored entries: one
//! for template counts ([`WindowConfig::max_count_entries`]) and one for parameter series
//! ([`WindowConfig::max_param_entries`]). When a budget is exceeded, every series of that kind
//! moves one step up the ladder at once; this is exact (a coarse bucket is the sum of whole
//! fine buckets). An entry is 16 bytes in a sorted vector (up to twice that with growth
//! slack), so the default budgets (2M + 1M entries) bound the series near 100 MB whatever the
//! input length. Measured: 20M events over 7 days with 875 templates and two slots each (one
//! an id) peak at 106 MB resident, with counts at 10 min and parameters at 1 h buckets.
//!
//! # Time
//! An event without a timestamp inherits the last timestamp seen in its group; events before
//! the first timestamp are kept apart ("leading" events, bucketed by position) and get the
//! first timestamp when the analysis reads them, or the previous shard's last timestamp when
//! shards are merged. A group without any timestamp is analysed by position: event `k` sits at
//! pseudo time `k` seconds.
//!
//! # Parameters
//! For every (cluster, slot) a Space-Saving summary (Metwally, Agrawal & El Abbadi 2005) keeps
//! the [`WindowConfig::values_per_slot`] heaviest values; each tracked value has an exact
//! per-bucket series from the moment it became tracked, and the slot keeps per-bucket totals.
//! "Other values" is the total minus the tracked series, so a slot of all-distinct ids costs
//! K series of a few entries, not one per id.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

use serde::{Deserialize, Serialize};

use crate::mask::value_hash;
use crate::record::{Level, Timestamp};

/// Which side of a comparison an event belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    /// Events from `--baseline FILE...` inputs.
    Baseline,
    /// Events from every other input (the incident side, or the whole timeline to split).
    Target,
}

impl Group {
    fn index(self) -> usize {
        match self {
            Group::Baseline => 0,
            Group::Target => 1,
        }
    }
}

/// Multiples of the starting bucket width, in units of the starting width. With a 1 s start
/// this reads 1 s, 2 s, 10 s, 30 s, 1 min, 2 min, 10 min, 30 min, 1 h, 2 h, 6 h, 12 h, 1 d,
/// 2 d, 10 d, 30 d, 60 d, 360 d, then powers of ten: round widths people read easily, each
/// dividing the next so coarsening is exact.
const LADDER_FACTORS: [i64; 18] = [
    1, 2, 10, 30, 60, 120, 600, 1_800, 3_600, 7_200, 21_600, 43_200, 86_400, 172_800, 864_000,
    2_592_000, 5_184_000, 31_104_000,
];

/// Width of ladder step `step` for a starting width `base_ms`, or `None` past the top (the
/// width would not fit an `i64`).
pub fn ladder_width(base_ms: i64, step: usize) -> Option<i64> {
    if let Some(f) = LADDER_FACTORS.get(step) {
        return base_ms.checked_mul(*f);
    }
    let extra = step - (LADDER_FACTORS.len() - 1);
    let mut w = base_ms.checked_mul(LADDER_FACTORS[LADDER_FACTORS.len() - 1])?;
    for _ in 0..extra {
        w = w.checked_mul(10)?;
    }
    Some(w)
}

/// Default starting width: 1 s, the resolution of most log timestamps, so an incident start
/// given to the second is exact until the budget forces coarsening.
pub const DEFAULT_BASE_BUCKET_MS: i64 = 1_000;
/// Default budget of stored (cluster, bucket) count entries: a day at 1 s resolution for ~25
/// always-active templates, or a week at 1 min for ~200, in 32-64 MB.
pub const DEFAULT_MAX_COUNT_ENTRIES: usize = 2_000_000;
/// Default budget of stored parameter-series entries (slot totals and tracked values). Values
/// are kept at a coarser resolution than counts when needed: shifts of a value distribution
/// are judged over minutes, not seconds.
pub const DEFAULT_MAX_PARAM_ENTRIES: usize = 1_000_000;
/// Default number of values tracked per slot. Space-Saving keeps every value whose share of
/// the slot exceeds 1/K; at K = 12 any value above ~8 % is tracked, well under the 20 %
/// share change that `score` asks of a parameter shift.
pub const DEFAULT_VALUES_PER_SLOT: usize = 12;
/// Default number of variable slots tracked per template: templates with more slots keep the
/// first ones (ids and counters usually follow the informative fields).
pub const DEFAULT_MAX_SLOTS: usize = 16;
/// Default cap on a stored value's length in bytes; longer values are cut (and values that
/// share the first bytes are counted together). Status codes, hosts and user names fit.
pub const DEFAULT_MAX_VALUE_BYTES: usize = 64;
/// Largest accepted starting width: one day. Coarser starts make every report useless.
const MAX_BASE_BUCKET_MS: i64 = 86_400_000;
/// Pseudo time step of one event when a group has no timestamp at all: one event per
/// "second", so the bucket ladder reads as event counts.
pub const POSITION_STEP_MS: i64 = 1_000;

/// Cluster id under which the counts of clusters evicted at the memory cap are pooled, so that
/// totals still add up. The pool is not a template: its rate moves with what was evicted and
/// when, not with the logs, so it is counted but never tested or flagged.
pub const EVICTED_CLUSTER: u32 = u32::MAX;

/// Tunables of the accumulator. Build with [`WindowConfig::builder`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowConfig {
    /// Starting bucket width in milliseconds (`--bucket`).
    pub base_bucket_ms: i64,
    /// Budget of stored count entries; exceeding it coarsens all counts one ladder step.
    pub max_count_entries: usize,
    /// Budget of stored parameter entries; exceeding it coarsens all parameter series.
    pub max_param_entries: usize,
    /// Values tracked per (cluster, slot).
    pub values_per_slot: usize,
    /// Slots tracked per cluster.
    pub max_slots: usize,
    /// Longest stored value, in bytes.
    pub max_value_bytes: usize,
}

impl Default for WindowConfig {
    fn default() -> Self {
        WindowConfig {
            base_bucket_ms: DEFAULT_BASE_BUCKET_MS,
            max_count_entries: DEFAULT_MAX_COUNT_ENTRIES,
            max_param_entries: DEFAULT_MAX_PARAM_ENTRIES,
            values_per_slot: DEFAULT_VALUES_PER_SLOT,
            max_slots: DEFAULT_MAX_SLOTS,
            max_value_bytes: DEFAULT_MAX_VALUE_BYTES,
        }
    }
}

impl WindowConfig {
    /// A builder starting from the defaults.
    pub fn builder() -> WindowConfigBuilder {
        WindowConfigBuilder(WindowConfig::default())
    }

    /// Checks the invariants the accumulator relies on.
    pub fn validate(&self) -> Result<(), WindowError> {
        if self.base_bucket_ms <= 0 || self.base_bucket_ms > MAX_BASE_BUCKET_MS {
            return Err(WindowError::Config(format!(
                "bucket width {} ms is out of range: use 1 ms to 1 day (e.g. --bucket 1s, 1m)",
                self.base_bucket_ms
            )));
        }
        if self.max_count_entries < 1_000 || self.max_param_entries < 1_000 {
            return Err(WindowError::Config(
                "entry budgets must be at least 1000; raise the budget".into(),
            ));
        }
        if !(1..=256).contains(&self.values_per_slot) {
            return Err(WindowError::Config(
                "values per slot must be between 1 and 256".into(),
            ));
        }
        if self.max_slots > 1024 || self.max_value_bytes == 0 || self.max_value_bytes > 4096 {
            return Err(WindowError::Config(
                "max slots must be at most 1024 and max value bytes 1 to 4096".into(),
            ));
        }
        Ok(())
    }
}

/// Builder for [`WindowConfig`]; `build()` validates.
#[derive(Debug, Clone)]
pub struct WindowConfigBuilder(WindowConfig);

impl WindowConfigBuilder {
    /// Starting bucket width in milliseconds.
    pub fn base_bucket_ms(mut self, ms: i64) -> Self {
        self.0.base_bucket_ms = ms;
        self
    }
    /// Budget of stored count entries.
    pub fn max_count_entries(mut self, n: usize) -> Self {
        self.0.max_count_entries = n;
        self
    }
    /// Budget of stored parameter entries.
    pub fn max_param_entries(mut self, n: usize) -> Self {
        self.0.max_param_entries = n;
        self
    }
    /// Values tracked per slot.
    pub fn values_per_slot(mut self, k: usize) -> Self {
        self.0.values_per_slot = k;
        self
    }
    /// Slots tracked per cluster.
    pub fn max_slots(mut self, n: usize) -> Self {
        self.0.max_slots = n;
        self
    }
    /// Longest stored value in bytes.
    pub fn max_value_bytes(mut self, n: usize) -> Self {
        self.0.max_value_bytes = n;
        self
    }
    /// Validates and returns the configuration.
    pub fn build(self) -> Result<WindowConfig, WindowError> {
        self.0.validate()?;
        Ok(self.0)
    }
}

/// Errors of the accumulator.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WindowError {
    /// A tunable is out of range.
    #[error("invalid window configuration: {0}")]
    Config(String),
    /// Two states built with different settings cannot be merged.
    #[error(
        "cannot merge window states built with different settings; rebuild the shards with the same --bucket and limits"
    )]
    ConfigMismatch,
}

/// Out-of-order bucket keys wait in a small sorted side buffer before being merged into the
/// main vector, so a late event costs O(log n) plus an occasional linear merge instead of a
/// shift of the whole series. 32 entries keep the buffer within a few cache lines.
const SIDE_MAX: usize = 32;

/// A sparse count series: bucket index (at the owner's current width) to count.
///
/// Stored as a sorted vector: events arrive mostly in time order, so the common case is an
/// increment of the last entry or a push, with no allocation and no tree walk. Keys older than
/// the last one go through binary search, or a small side buffer when absent.
#[derive(Debug, Clone, Default)]
pub struct Series {
    main: Vec<(i64, u64)>,
    side: Vec<(i64, u64)>,
}

impl PartialEq for Series {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for Series {}

impl Serialize for Series {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for Series {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let pairs: Vec<(i64, u64)> = Vec::deserialize(d)?;
        let mut out = Series::default();
        for (k, v) in pairs {
            out.add(k, v);
        }
        out.compact();
        Ok(out)
    }
}

impl Series {
    /// Adds `n` at `key`; returns whether a new entry was created.
    fn add(&mut self, key: i64, n: u64) -> bool {
        match self.main.last_mut() {
            Some((k, v)) if *k == key => {
                *v = v.saturating_add(n);
                return false;
            }
            Some((k, _)) if *k > key => {}
            _ => {
                self.main.push((key, n));
                return true;
            }
        }
        if let Ok(i) = self.main.binary_search_by_key(&key, |e| e.0) {
            self.main[i].1 = self.main[i].1.saturating_add(n);
            return false;
        }
        match self.side.binary_search_by_key(&key, |e| e.0) {
            Ok(i) => {
                self.side[i].1 = self.side[i].1.saturating_add(n);
                false
            }
            Err(i) => {
                self.side.insert(i, (key, n));
                if self.side.len() > SIDE_MAX {
                    self.compact();
                }
                true
            }
        }
    }

    /// Merges the side buffer into the main vector (their keys are disjoint).
    fn compact(&mut self) {
        if self.side.is_empty() {
            return;
        }
        let side = std::mem::take(&mut self.side);
        let main = std::mem::take(&mut self.main);
        self.main = merge_sorted(&main, &side);
    }

    fn len(&self) -> usize {
        self.main.len() + self.side.len()
    }

    fn clear(&mut self) {
        self.main.clear();
        self.side.clear();
    }

    /// Total of all buckets.
    pub fn total(&self) -> u64 {
        self.main
            .iter()
            .chain(&self.side)
            .fold(0u64, |a, &(_, b)| a.saturating_add(b))
    }

    /// `(bucket index, count)` pairs in time order.
    pub fn iter(&self) -> impl Iterator<Item = (i64, u64)> + '_ {
        MergeIter {
            a: &self.main,
            b: &self.side,
        }
    }

    /// Sum of the buckets whose index lies in `[lo, hi)`.
    pub fn sum_range(&self, lo: i64, hi: i64) -> u64 {
        if lo >= hi {
            return 0;
        }
        let range = |v: &[(i64, u64)]| {
            let a = v.partition_point(|e| e.0 < lo);
            let b = v.partition_point(|e| e.0 < hi);
            v[a..b].iter().fold(0u64, |acc, e| acc.saturating_add(e.1))
        };
        range(&self.main).saturating_add(range(&self.side))
    }

    /// Re-keys by `key.div_euclid(factor)`, summing collisions (order is kept).
    fn coarsen(&mut self, factor: i64) {
        if factor <= 1 {
            return;
        }
        self.compact();
        let mut out: Vec<(i64, u64)> = Vec::with_capacity(self.main.len() / 2 + 1);
        for &(k, v) in &self.main {
            let nk = k.div_euclid(factor);
            match out.last_mut() {
                Some((lk, lv)) if *lk == nk => *lv = lv.saturating_add(v),
                _ => out.push((nk, v)),
            }
        }
        self.main = out;
    }

    /// Adds every entry of `other`, mapping its keys through `map` (monotone).
    ///
    /// A short `other` (an evicted cluster's few buckets going into the catch-all, say) is
    /// added entry by entry, so the cost does not grow with `self`: relabelling one cluster
    /// after another into a large series stays linear overall.
    fn absorb(&mut self, other: &Series, map: impl Fn(i64) -> i64) {
        if other.len() <= SIDE_MAX {
            for (k, v) in other.iter() {
                self.add(map(k), v);
            }
            return;
        }
        let mut mapped: Vec<(i64, u64)> = Vec::with_capacity(other.len());
        for (k, v) in other.iter() {
            let nk = map(k);
            match mapped.last_mut() {
                Some((lk, lv)) if *lk == nk => *lv = lv.saturating_add(v),
                _ => mapped.push((nk, v)),
            }
        }
        if !mapped.is_sorted_by_key(|e| e.0) {
            mapped.sort_by_key(|e| e.0);
        }
        self.compact();
        let main = std::mem::take(&mut self.main);
        self.main = merge_sorted(&main, &mapped);
    }
}

/// Merges two sorted runs, adding the counts of equal keys.
fn merge_sorted(a: &[(i64, u64)], b: &[(i64, u64)]) -> Vec<(i64, u64)> {
    let mut out: Vec<(i64, u64)> = Vec::with_capacity(a.len() + b.len());
    for (k, v) in (MergeIter { a, b }) {
        match out.last_mut() {
            Some((lk, lv)) if *lk == k => *lv = lv.saturating_add(v),
            _ => out.push((k, v)),
        }
    }
    out
}

/// Iterates two sorted runs in key order, adding equal keys.
struct MergeIter<'a> {
    a: &'a [(i64, u64)],
    b: &'a [(i64, u64)],
}

impl Iterator for MergeIter<'_> {
    type Item = (i64, u64);

    fn next(&mut self) -> Option<(i64, u64)> {
        let item = match (self.a.first(), self.b.first()) {
            (None, None) => return None,
            (Some(&x), None) => {
                self.a = &self.a[1..];
                x
            }
            (None, Some(&y)) => {
                self.b = &self.b[1..];
                y
            }
            (Some(&x), Some(&y)) => {
                if x.0 < y.0 {
                    self.a = &self.a[1..];
                    x
                } else if y.0 < x.0 {
                    self.b = &self.b[1..];
                    y
                } else {
                    self.a = &self.a[1..];
                    self.b = &self.b[1..];
                    (x.0, x.1.saturating_add(y.1))
                }
            }
        };
        Some(item)
    }
}

/// One tracked value of a slot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tracked {
    /// The value's bytes (cut at the configured length).
    pub value: Vec<u8>,
    /// Hash of `value`, compared first.
    pub hash: u64,
    /// Space-Saving count: an over-estimate of the value's frequency, used for eviction.
    pub weight: u64,
    /// Space-Saving error bound: how much of `weight` may belong to evicted values.
    pub error: u64,
    /// Exact occurrences per parameter bucket since the value became tracked.
    pub series: Series,
}

/// The summary of one variable slot.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotSummary {
    /// Occurrences of the slot per parameter bucket.
    pub totals: Series,
    /// The heavy hitters, at most `values_per_slot`.
    pub tracked: Vec<Tracked>,
}

impl SlotSummary {
    fn entries(&self) -> usize {
        self.totals.len() + self.tracked.iter().map(|t| t.series.len()).sum::<usize>()
    }

    /// Records one value (`hash`: its [`value_hash`]); returns the change in stored entries.
    fn observe(&mut self, value: &[u8], hash: u64, key: i64, k: usize) -> isize {
        let mut delta = 0isize;
        if self.totals.add(key, 1) {
            delta += 1;
        }
        // One pass finds the value, or else the lightest entry (ties: the first) to replace.
        let mut lightest: Option<(usize, u64)> = None;
        for (i, t) in self.tracked.iter_mut().enumerate() {
            if t.hash == hash && t.value == value {
                t.weight = t.weight.saturating_add(1);
                if t.series.add(key, 1) {
                    delta += 1;
                }
                return delta;
            }
            if lightest.is_none_or(|(_, w)| t.weight < w) {
                lightest = Some((i, t.weight));
            }
        }
        if self.tracked.len() < k {
            let mut series = Series::default();
            series.add(key, 1);
            self.tracked.push(Tracked {
                value: value.to_vec(),
                hash,
                weight: 1,
                error: 0,
                series,
            });
            return delta + 1;
        }
        // Replace the lightest value, reusing its buffers.
        let Some(min) = lightest.and_then(|(i, _)| self.tracked.get_mut(i)) else {
            return delta;
        };
        delta -= min.series.len() as isize;
        min.series.clear();
        min.series.add(key, 1);
        delta += 1;
        min.value.clear();
        min.value.extend_from_slice(value);
        min.hash = hash;
        min.error = min.weight;
        min.weight = min.weight.saturating_add(1);
        delta
    }

    /// Merges `other` (its keys mapped through `map`); keeps the heaviest `k` values.
    fn absorb(&mut self, other: &SlotSummary, k: usize, map: impl Fn(i64) -> i64 + Copy) {
        self.totals.absorb(&other.totals, map);
        for t in &other.tracked {
            if let Some(mine) = self
                .tracked
                .iter_mut()
                .find(|m| m.hash == t.hash && m.value == t.value)
            {
                mine.weight = mine.weight.saturating_add(t.weight);
                mine.error = mine.error.saturating_add(t.error);
                mine.series.absorb(&t.series, map);
            } else {
                let mut series = Series::default();
                series.absorb(&t.series, map);
                self.tracked.push(Tracked {
                    value: t.value.clone(),
                    hash: t.hash,
                    weight: t.weight,
                    error: t.error,
                    series,
                });
            }
        }
        self.trim(k);
    }

    /// Keeps the `k` heaviest values (ties: smaller bytes first) so that merges commute.
    fn trim(&mut self, k: usize) {
        self.tracked
            .sort_by(|a, b| b.weight.cmp(&a.weight).then_with(|| a.value.cmp(&b.value)));
        self.tracked.truncate(k);
    }

    fn coarsen(&mut self, factor: i64) {
        self.totals.coarsen(factor);
        for t in &mut self.tracked {
            t.series.coarsen(factor);
        }
    }
}

/// Everything stored about one cluster in one store.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterCounts {
    /// Events per count bucket.
    pub counts: Series,
    /// Events per level: trace, debug, info, warn, error, fatal, none.
    pub levels: [u64; 7],
    /// Parameter summaries by slot index.
    pub slots: Vec<SlotSummary>,
}

fn level_index(level: Option<Level>) -> usize {
    match level {
        Some(Level::Trace) => 0,
        Some(Level::Debug) => 1,
        Some(Level::Info) => 2,
        Some(Level::Warn) => 3,
        Some(Level::Error) => 4,
        Some(Level::Fatal) => 5,
        None => 6,
    }
}

/// Level from the index used in [`ClusterCounts::levels`].
pub fn level_from_index(i: usize) -> Option<Level> {
    match i {
        0 => Some(Level::Trace),
        1 => Some(Level::Debug),
        2 => Some(Level::Info),
        3 => Some(Level::Warn),
        4 => Some(Level::Error),
        5 => Some(Level::Fatal),
        _ => None,
    }
}

/// A small multiplicative hasher for integer keys (the FxHash scheme of rustc: rotate,
/// xor, multiply by a constant derived from the golden ratio). Cluster ids are not
/// attacker-chosen keys, and SipHash costs more than the rest of an observation.
#[derive(Debug, Clone, Copy, Default)]
pub struct IdHasher(u64);

/// Multiplier of [`IdHasher`]: 2^64 / golden ratio, rounded to odd (Knuth's multiplicative
/// hashing, TAOCP vol. 3 §6.4).
const GOLDEN: u64 = 0x9e37_79b9_7f4a_7c15;

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(GOLDEN);
        }
    }
    fn write_u32(&mut self, n: u32) {
        self.0 = (self.0.rotate_left(5) ^ u64::from(n)).wrapping_mul(GOLDEN);
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(GOLDEN);
    }
}

/// A set of clusters' series at one count width and one parameter width.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Store {
    /// Per-cluster data.
    pub clusters: HashMap<u32, ClusterCounts, BuildHasherDefault<IdHasher>>,
}

impl Store {
    fn count_entries(&self) -> usize {
        self.clusters.values().map(|c| c.counts.len()).sum()
    }
    fn param_entries(&self) -> usize {
        self.clusters
            .values()
            .map(|c| c.slots.iter().map(SlotSummary::entries).sum::<usize>())
            .sum()
    }
}

/// The per-group state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupCounts {
    /// Events observed.
    pub events: u64,
    /// Events that carried their own timestamp.
    pub timed_events: u64,
    /// First timestamp in input order.
    pub first_ts: Option<i64>,
    /// Last timestamp in input order (what later untimed events inherit).
    pub last_ts: Option<i64>,
    /// Smallest timestamp seen.
    pub min_ts: Option<i64>,
    /// Largest timestamp seen.
    pub max_ts: Option<i64>,
    /// Events before the first timestamp, bucketed by position (pseudo time).
    pub lead: Store,
    /// Events at or after the first timestamp, bucketed by time.
    pub timed: Store,
}

impl GroupCounts {
    /// Whether any event of the group carried a timestamp.
    pub fn has_timestamps(&self) -> bool {
        self.first_ts.is_some()
    }
}

/// The accumulator: per-template counts per time bucket and per-slot value summaries, for the
/// baseline and the target group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowCounts {
    config: WindowConfig,
    /// Ordinal of the first shard merged into this state; orders shards in [`merge`].
    shard: u64,
    /// Ladder step of the count series.
    count_step: usize,
    /// Ladder step of the parameter series.
    param_step: usize,
    count_entries: usize,
    param_entries: usize,
    /// Times the counts were coarsened because the budget was exceeded.
    coarsenings: u32,
    /// Times the parameter series were coarsened.
    param_coarsenings: u32,
    /// Set when the top of the ladder was reached and the budget still did not hold.
    over_budget: bool,
    /// Slot observations dropped because the slot index exceeded `max_slots`.
    skipped_slots: u64,
    groups: [GroupCounts; 2],
}

impl WindowCounts {
    /// An empty accumulator for a single pass (shard 0).
    pub fn new(config: WindowConfig) -> Result<Self, WindowError> {
        Self::new_shard(config, 0)
    }

    /// An empty accumulator for shard number `shard` of an input split into contiguous parts;
    /// [`merge`] puts lower numbers first.
    pub fn new_shard(config: WindowConfig, shard: u64) -> Result<Self, WindowError> {
        config.validate()?;
        Ok(WindowCounts {
            config,
            shard,
            count_step: 0,
            param_step: 0,
            count_entries: 0,
            param_entries: 0,
            coarsenings: 0,
            param_coarsenings: 0,
            over_budget: false,
            skipped_slots: 0,
            groups: [GroupCounts::default(), GroupCounts::default()],
        })
    }

    /// The settings.
    pub fn config(&self) -> &WindowConfig {
        &self.config
    }

    /// Current width of count buckets in milliseconds (of time, or of pseudo time).
    pub fn count_width_ms(&self) -> i64 {
        ladder_width(self.config.base_bucket_ms, self.count_step).unwrap_or(i64::MAX)
    }

    /// Current width of parameter buckets in milliseconds.
    pub fn param_width_ms(&self) -> i64 {
        ladder_width(self.config.base_bucket_ms, self.param_step).unwrap_or(i64::MAX)
    }

    /// Stored count entries.
    pub fn count_entries(&self) -> usize {
        self.count_entries
    }

    /// Stored parameter entries.
    pub fn param_entries(&self) -> usize {
        self.param_entries
    }

    /// Times counts were coarsened to stay in budget.
    pub fn coarsenings(&self) -> u32 {
        self.coarsenings
    }

    /// Times parameter series were coarsened to stay in budget.
    pub fn param_coarsenings(&self) -> u32 {
        self.param_coarsenings
    }

    /// Whether the budget could not be held even at the coarsest width (more clusters than
    /// the budget has entries).
    pub fn over_budget(&self) -> bool {
        self.over_budget
    }

    /// Slot observations dropped because the slot index exceeded the configured maximum.
    pub fn skipped_slots(&self) -> u64 {
        self.skipped_slots
    }

    /// The state of one group.
    pub fn group(&self, group: Group) -> &GroupCounts {
        &self.groups[group.index()]
    }

    /// Records one event. `params` are `(slot index, value)` pairs of the event's template.
    pub fn observe(
        &mut self,
        group: Group,
        ts: Option<Timestamp>,
        cluster: u32,
        level: Option<Level>,
        params: &[(u16, &[u8])],
    ) {
        let hashed = params.iter().map(|&(s, v)| (s, v, value_hash(v)));
        self.observe_iter(group, ts, cluster, level, hashed);
    }

    /// [`WindowCounts::observe`] with `(slot index, value, hash)` given by an iterator, the
    /// hash being [`crate::mask::value_hash`] of the value: a caller that has the hashes
    /// already (the miner does) need neither collect the values nor hash them again.
    pub fn observe_iter<'v>(
        &mut self,
        group: Group,
        ts: Option<Timestamp>,
        cluster: u32,
        level: Option<Level>,
        params: impl IntoIterator<Item = (u16, &'v [u8], u64)>,
    ) {
        let cw = self.count_width_ms();
        let pw = self.param_width_ms();
        let k = self.config.values_per_slot;
        let max_slots = self.config.max_slots;
        let max_value = self.config.max_value_bytes;
        let g = &mut self.groups[group.index()];
        let position = g.events;
        g.events = g.events.saturating_add(1);
        if let Some(Timestamp(t)) = ts {
            g.timed_events += 1;
            if g.first_ts.is_none() {
                g.first_ts = Some(t);
            }
            g.last_ts = Some(t);
            g.min_ts = Some(g.min_ts.map_or(t, |m| m.min(t)));
            g.max_ts = Some(g.max_ts.map_or(t, |m| m.max(t)));
        }
        let (store, time) = match g.last_ts {
            Some(t) => (&mut g.timed, t),
            None => (&mut g.lead, position_time(position)),
        };
        let c = store.clusters.entry(cluster).or_default();
        if c.counts.add(time.div_euclid(cw), 1) {
            self.count_entries += 1;
        }
        c.levels[level_index(level)] += 1;
        let pkey = time.div_euclid(pw);
        let mut delta = 0isize;
        for (slot, value, hash) in params {
            let slot = usize::from(slot);
            if slot >= max_slots {
                self.skipped_slots += 1;
                continue;
            }
            if c.slots.len() <= slot {
                c.slots.resize_with(slot + 1, SlotSummary::default);
            }
            let (value, hash) = if value.len() > max_value {
                let cut = &value[..max_value];
                (cut, value_hash(cut))
            } else {
                (value, hash)
            };
            delta += c.slots[slot].observe(value, hash, pkey, k);
        }
        self.param_entries = self.param_entries.saturating_add_signed(delta);
        self.enforce_budget();
    }

    /// Coarsens until both budgets hold (or the ladder ends).
    fn enforce_budget(&mut self) {
        while self.count_entries > self.config.max_count_entries {
            if !self.coarsen_counts() {
                self.over_budget = true;
                break;
            }
        }
        while self.param_entries > self.config.max_param_entries {
            if !self.coarsen_params() {
                self.over_budget = true;
                break;
            }
        }
    }

    /// One ladder step up for all count series. Returns false at the top of the ladder.
    fn coarsen_counts(&mut self) -> bool {
        let (Some(old), Some(new)) = (
            ladder_width(self.config.base_bucket_ms, self.count_step),
            ladder_width(self.config.base_bucket_ms, self.count_step + 1),
        ) else {
            return false;
        };
        let factor = new / old;
        self.count_step += 1;
        self.coarsenings += 1;
        for g in &mut self.groups {
            for store in [&mut g.lead, &mut g.timed] {
                for c in store.clusters.values_mut() {
                    c.counts.coarsen(factor);
                }
            }
        }
        self.count_entries = self.recount_count_entries();
        true
    }

    /// One ladder step up for all parameter series.
    fn coarsen_params(&mut self) -> bool {
        let (Some(old), Some(new)) = (
            ladder_width(self.config.base_bucket_ms, self.param_step),
            ladder_width(self.config.base_bucket_ms, self.param_step + 1),
        ) else {
            return false;
        };
        let factor = new / old;
        self.param_step += 1;
        self.param_coarsenings += 1;
        for g in &mut self.groups {
            for store in [&mut g.lead, &mut g.timed] {
                for c in store.clusters.values_mut() {
                    for s in &mut c.slots {
                        s.coarsen(factor);
                    }
                }
            }
        }
        self.param_entries = self.recount_param_entries();
        true
    }

    fn recount_count_entries(&self) -> usize {
        self.groups
            .iter()
            .map(|g| g.lead.count_entries() + g.timed.count_entries())
            .sum()
    }

    fn recount_param_entries(&self) -> usize {
        self.groups
            .iter()
            .map(|g| g.lead.param_entries() + g.timed.param_entries())
            .sum()
    }

    /// Moves both series kinds up to at least the given ladder steps.
    fn coarsen_to(&mut self, count_step: usize, param_step: usize) {
        while self.count_step < count_step {
            if !self.coarsen_counts() {
                break;
            }
        }
        while self.param_step < param_step {
            if !self.coarsen_params() {
                break;
            }
        }
    }

    /// Merges `other` into `self`. See [`merge`].
    pub fn merge_from(&mut self, other: WindowCounts) -> Result<(), WindowError> {
        let merged = merge(
            std::mem::replace(self, Self::placeholder(self.config)),
            other,
        )?;
        *self = merged;
        Ok(())
    }

    fn placeholder(config: WindowConfig) -> Self {
        WindowCounts {
            config,
            shard: 0,
            count_step: 0,
            param_step: 0,
            count_entries: 0,
            param_entries: 0,
            coarsenings: 0,
            param_coarsenings: 0,
            over_budget: false,
            skipped_slots: 0,
            groups: [GroupCounts::default(), GroupCounts::default()],
        }
    }

    /// Moves the series of each `(from, to)` cluster under `to`, adding them to what `to`
    /// already holds (counts, levels and slot summaries add up as in a merge of shards).
    ///
    /// The miner needs this twice: when it merges two clusters (the old id becomes an alias)
    /// and when it evicts one (its counts move to a catch-all id so totals still add up).
    /// Pairs are applied in order; `from == to` is a no-op.
    pub fn relabel(&mut self, moves: &[(u32, u32)]) {
        let k = self.config.values_per_slot;
        for g in &mut self.groups {
            for store in [&mut g.lead, &mut g.timed] {
                for &(from, to) in moves {
                    if from == to {
                        continue;
                    }
                    let Some(c) = store.clusters.remove(&from) else {
                        continue;
                    };
                    // Keep the budget counters exact without a full recount: a relabel runs
                    // on every eviction, so it must cost only the two clusters involved.
                    let (mut cb, mut pb) = entries_of(&c);
                    if let Some(t) = store.clusters.get(&to) {
                        let (ct, pt) = entries_of(t);
                        cb += ct;
                        pb += pt;
                    }
                    let mut single = Store::default();
                    single.clusters.insert(to, c);
                    absorb_store(store, &single, k, |key| key, |key| key);
                    let (ca, pa) = store.clusters.get(&to).map_or((0, 0), entries_of);
                    self.count_entries = (self.count_entries + ca).saturating_sub(cb);
                    self.param_entries = (self.param_entries + pa).saturating_sub(pb);
                }
            }
        }
    }

    /// Renames every cluster id through `map` at once (ids may be permuted, unlike with
    /// [`WindowCounts::relabel`], which applies its moves one after another). Series of ids
    /// that land on the same new id add up as in a merge of shards.
    pub fn remap(&mut self, map: impl Fn(u32) -> u32) {
        let k = self.config.values_per_slot;
        for g in &mut self.groups {
            for store in [&mut g.lead, &mut g.timed] {
                let mut old = std::mem::take(&mut store.clusters);
                // In id order, so that colliding ids combine the same way on every run.
                let mut ids: Vec<u32> = old.keys().copied().collect();
                ids.sort_unstable();
                for id in ids {
                    let Some(c) = old.remove(&id) else { continue };
                    let to = map(id);
                    match store.clusters.entry(to) {
                        std::collections::hash_map::Entry::Vacant(v) => {
                            v.insert(c);
                        }
                        std::collections::hash_map::Entry::Occupied(_) => {
                            let mut single = Store::default();
                            single.clusters.insert(to, c);
                            absorb_store(store, &single, k, |key| key, |key| key);
                        }
                    }
                }
            }
        }
        self.count_entries = self.recount_count_entries();
        self.param_entries = self.recount_param_entries();
    }

    /// Checks a state read from a file before it is used: the settings validate, both
    /// bucket widths exist on the ladder, and the entry counters match the series (they are
    /// recomputed). A damaged or hand-made state gives an error, never a panic later.
    pub fn check_loaded(&mut self) -> Result<(), WindowError> {
        self.config.validate()?;
        let base = self.config.base_bucket_ms;
        if ladder_width(base, self.count_step).is_none()
            || ladder_width(base, self.param_step).is_none()
        {
            return Err(WindowError::Config(
                "bucket step past the top of the ladder; the state is damaged".into(),
            ));
        }
        let (cw, pw) = (self.count_width_ms(), self.param_width_ms());
        // Bucket keys times their width must be a time the analysis can compute with.
        let fits = |series: &Series, width: i64| {
            series
                .iter()
                .all(|(key, _)| key.checked_mul(width).is_some())
        };
        for g in &self.groups {
            for store in [&g.lead, &g.timed] {
                for c in store.clusters.values() {
                    let keys_fit = fits(&c.counts, cw)
                        && c.slots.iter().all(|s| {
                            fits(&s.totals, pw) && s.tracked.iter().all(|t| fits(&t.series, pw))
                        });
                    if !keys_fit {
                        return Err(WindowError::Config(
                            "a bucket lies outside the representable time range; the state \
                             is damaged"
                                .into(),
                        ));
                    }
                    if c.slots.len() > self.config.max_slots
                        || c.slots
                            .iter()
                            .any(|s| s.tracked.len() > self.config.values_per_slot)
                    {
                        return Err(WindowError::Config(
                            "a cluster tracks more slots or values than its settings allow; \
                             the state is damaged"
                                .into(),
                        ));
                    }
                }
            }
        }
        for g in &mut self.groups {
            for store in [&mut g.lead, &mut g.timed] {
                for c in store.clusters.values_mut() {
                    for s in &mut c.slots {
                        for t in &mut s.tracked {
                            // Lookups compare the hash first: recompute it rather than trust it.
                            t.hash = value_hash(&t.value);
                        }
                    }
                }
            }
        }
        self.count_entries = self.recount_count_entries();
        self.param_entries = self.recount_param_entries();
        Ok(())
    }

    /// Ordinal of the first shard merged into this state (see [`WindowCounts::new_shard`]).
    pub fn shard(&self) -> u64 {
        self.shard
    }

    /// Whether `self` comes before `other` when the two are merged: the order [`merge`] uses,
    /// for data merged alongside the counts.
    pub fn precedes(&self, other: &WindowCounts) -> bool {
        (self.shard, self.events()) <= (other.shard, other.events())
    }

    fn events(&self) -> u64 {
        self.groups[0].events + self.groups[1].events
    }

    /// The total count per cluster of `group` (timed plus leading events).
    pub fn cluster_totals(&self, group: Group) -> BTreeMap<u32, u64> {
        let g = self.group(group);
        let mut out = BTreeMap::new();
        for store in [&g.lead, &g.timed] {
            for (&id, c) in &store.clusters {
                let e: &mut u64 = out.entry(id).or_insert(0);
                *e = e.saturating_add(c.counts.total());
            }
        }
        out
    }

    /// Every cluster id seen in any group.
    pub fn cluster_ids(&self) -> Vec<u32> {
        let mut ids: Vec<u32> = self
            .groups
            .iter()
            .flat_map(|g| g.lead.clusters.keys().chain(g.timed.clusters.keys()))
            .copied()
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// Event counts per level of a cluster, over both groups (index as in
    /// [`level_from_index`]).
    pub fn cluster_levels(&self, cluster: u32) -> [u64; 7] {
        let mut out = [0u64; 7];
        for g in &self.groups {
            for store in [&g.lead, &g.timed] {
                if let Some(c) = store.clusters.get(&cluster) {
                    for (o, v) in out.iter_mut().zip(c.levels) {
                        *o = o.saturating_add(v);
                    }
                }
            }
        }
        out
    }

    /// The resolved view of one group: how its events are placed on a time axis.
    pub fn timeline(&self, group: Group) -> Timeline<'_> {
        let g = self.group(group);
        let (basis, lead_time) = match g.first_ts {
            Some(t) => (TimeBasis::Timestamps, Some(t)),
            None => (TimeBasis::Positions, None),
        };
        Timeline {
            group: g,
            basis,
            lead_time,
            count_width: self.count_width_ms(),
            param_width: self.param_width_ms(),
        }
    }
}

/// Stored count and parameter entries of one cluster.
fn entries_of(c: &ClusterCounts) -> (usize, usize) {
    (
        c.counts.len(),
        c.slots.iter().map(SlotSummary::entries).sum::<usize>(),
    )
}

/// Pseudo time of event `position` when a group has no timestamp.
fn position_time(position: u64) -> i64 {
    i64::try_from(position)
        .unwrap_or(i64::MAX)
        .saturating_mul(POSITION_STEP_MS)
}

/// Merges two states. The state with the lower shard number is taken to precede the other in
/// the input (ties: the one with fewer events, then the earlier first timestamp), so the
/// result does not depend on argument order. Counts, levels and slot totals add up exactly.
/// The later shard's leading untimed events take the earlier shard's last timestamp, as one
/// pass would give them. Exact except in two documented cases: tracked values beyond the K
/// heaviest are dropped (as in one pass, but not always the same ones), and when neither
/// shard has timestamps the later shard's positions shift by the earlier shard's event count,
/// rounded to its bucket width.
pub fn merge(a: WindowCounts, b: WindowCounts) -> Result<WindowCounts, WindowError> {
    if a.config != b.config {
        return Err(WindowError::ConfigMismatch);
    }
    let a_first = a.precedes(&b);
    let (mut early, mut late) = if a_first { (a, b) } else { (b, a) };
    let count_step = early.count_step.max(late.count_step);
    let param_step = early.param_step.max(late.param_step);
    early.coarsen_to(count_step, param_step);
    late.coarsen_to(count_step, param_step);
    let cw = early.count_width_ms();
    let pw = early.param_width_ms();
    let k = early.config.values_per_slot;
    let mut out = early;
    out.coarsenings = out.coarsenings.max(late.coarsenings);
    out.param_coarsenings = out.param_coarsenings.max(late.param_coarsenings);
    out.over_budget |= late.over_budget;
    out.skipped_slots = out.skipped_slots.saturating_add(late.skipped_slots);
    for (g, l) in out.groups.iter_mut().zip(late.groups) {
        // Leading events of the later shard.
        match g.last_ts {
            Some(t) => {
                let ck = t.div_euclid(cw);
                let pk = t.div_euclid(pw);
                absorb_store(&mut g.timed, &l.lead, k, |_| ck, |_| pk);
            }
            None => {
                let shift = position_time(g.events);
                absorb_store(
                    &mut g.lead,
                    &l.lead,
                    k,
                    |key| shift_key(key, shift, cw),
                    |key| shift_key(key, shift, pw),
                );
            }
        }
        absorb_store(&mut g.timed, &l.timed, k, |key| key, |key| key);
        g.events = g.events.saturating_add(l.events);
        g.timed_events = g.timed_events.saturating_add(l.timed_events);
        g.first_ts = g.first_ts.or(l.first_ts);
        g.last_ts = l.last_ts.or(g.last_ts);
        g.min_ts = opt_min(g.min_ts, l.min_ts);
        g.max_ts = opt_max(g.max_ts, l.max_ts);
    }
    out.count_entries = out.recount_count_entries();
    out.param_entries = out.recount_param_entries();
    out.enforce_budget();
    Ok(out)
}

fn shift_key(key: i64, shift_ms: i64, width: i64) -> i64 {
    key.saturating_add(shift_ms.div_euclid(width.max(1)))
}

fn opt_min(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

fn opt_max(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

fn absorb_store(
    into: &mut Store,
    from: &Store,
    k: usize,
    count_map: impl Fn(i64) -> i64 + Copy,
    param_map: impl Fn(i64) -> i64 + Copy,
) {
    for (&id, c) in &from.clusters {
        let mine = into.clusters.entry(id).or_default();
        mine.counts.absorb(&c.counts, count_map);
        for (m, v) in mine.levels.iter_mut().zip(c.levels) {
            *m = m.saturating_add(v);
        }
        if mine.slots.len() < c.slots.len() {
            mine.slots.resize_with(c.slots.len(), SlotSummary::default);
        }
        for (ms, s) in mine.slots.iter_mut().zip(&c.slots) {
            ms.absorb(s, k, param_map);
        }
    }
}

/// How a group's events sit on the time axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeBasis {
    /// Event timestamps (untimed events inherit the previous one).
    Timestamps,
    /// No timestamp at all: event `k` at pseudo time `k` seconds.
    Positions,
}

/// Read-only view of one group with its leading events resolved.
#[derive(Debug, Clone, Copy)]
pub struct Timeline<'a> {
    group: &'a GroupCounts,
    basis: TimeBasis,
    lead_time: Option<i64>,
    count_width: i64,
    param_width: i64,
}

impl<'a> Timeline<'a> {
    /// Time or positions.
    pub fn basis(&self) -> TimeBasis {
        self.basis
    }

    /// Count bucket width in ms.
    pub fn count_width(&self) -> i64 {
        self.count_width
    }

    /// Parameter bucket width in ms.
    pub fn param_width(&self) -> i64 {
        self.param_width
    }

    /// Events in the group.
    pub fn events(&self) -> u64 {
        self.group.events
    }

    /// First and last count bucket index holding any event, or `None` for an empty group.
    pub fn bucket_range(&self) -> Option<(i64, i64)> {
        match self.basis {
            TimeBasis::Timestamps => {
                let lo = self.group.min_ts?.div_euclid(self.count_width);
                let hi = self.group.max_ts?.div_euclid(self.count_width);
                Some((lo, hi))
            }
            TimeBasis::Positions => {
                if self.group.events == 0 {
                    return None;
                }
                let hi = position_time(self.group.events - 1).div_euclid(self.count_width);
                Some((0, hi))
            }
        }
    }

    /// Smallest and largest time (ms, or pseudo ms for positions).
    pub fn time_range(&self) -> Option<(i64, i64)> {
        match self.basis {
            TimeBasis::Timestamps => Some((self.group.min_ts?, self.group.max_ts?)),
            TimeBasis::Positions => {
                if self.group.events == 0 {
                    None
                } else {
                    Some((0, position_time(self.group.events - 1)))
                }
            }
        }
    }

    /// Clusters with any event in this group.
    pub fn cluster_ids(&self) -> Vec<u32> {
        let mut ids: Vec<u32> = self
            .group
            .lead
            .clusters
            .keys()
            .chain(self.group.timed.clusters.keys())
            .copied()
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// The count series of a cluster as `(bucket index, count)` in time order, leading
    /// events placed at the first timestamp.
    pub fn counts(&self, cluster: u32) -> Vec<(i64, u64)> {
        let mut s = Series::default();
        self.fill(cluster, &mut s, |c| Some(&c.counts), self.count_width);
        s.iter().collect()
    }

    fn fill(
        &self,
        cluster: u32,
        out: &mut Series,
        pick: impl Fn(&ClusterCounts) -> Option<&Series>,
        width: i64,
    ) {
        if let Some(c) = self.group.timed.clusters.get(&cluster)
            && let Some(s) = pick(c)
        {
            out.absorb(s, |k| k);
        }
        if let Some(c) = self.group.lead.clusters.get(&cluster)
            && let Some(s) = pick(c)
        {
            match self.lead_time {
                Some(t) => {
                    let key = t.div_euclid(width);
                    out.absorb(s, |_| key);
                }
                None => out.absorb(s, |k| k),
            }
        }
    }

    /// Number of slots recorded for a cluster.
    pub fn slot_count(&self, cluster: u32) -> usize {
        let a = self
            .group
            .timed
            .clusters
            .get(&cluster)
            .map_or(0, |c| c.slots.len());
        let b = self
            .group
            .lead
            .clusters
            .get(&cluster)
            .map_or(0, |c| c.slots.len());
        a.max(b)
    }

    /// A slot's resolved summary: per-bucket totals and the tracked values with their
    /// series, at the parameter width, leading events placed at the first timestamp.
    pub fn slot(&self, cluster: u32, slot: usize, k: usize) -> SlotSummary {
        let mut out = SlotSummary::default();
        let width = self.param_width;
        if let Some(s) = self
            .group
            .timed
            .clusters
            .get(&cluster)
            .and_then(|c| c.slots.get(slot))
        {
            out.absorb(s, k.max(s.tracked.len()), |key| key);
        }
        if let Some(s) = self
            .group
            .lead
            .clusters
            .get(&cluster)
            .and_then(|c| c.slots.get(slot))
        {
            let kk = k.max(out.tracked.len() + s.tracked.len());
            match self.lead_time {
                Some(t) => {
                    let key = t.div_euclid(width);
                    out.absorb(s, kk, |_| key);
                }
                None => out.absorb(s, kk, |key| key),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> WindowConfig {
        WindowConfig::builder()
            .max_count_entries(1_000)
            .max_param_entries(1_000)
            .build()
            .unwrap_or_default()
    }

    /// A series built from `(key, count)` pairs, one `add` each.
    fn series(pairs: &[(i64, u64)]) -> Series {
        let mut s = Series::default();
        for &(k, v) in pairs {
            s.add(k, v);
        }
        s
    }

    #[test]
    fn absorbing_a_short_series_entry_by_entry_equals_the_merge_of_sorted_runs() {
        let big: Vec<(i64, u64)> = (0..500).map(|i| (i * 3, 1 + (i as u64 % 5))).collect();
        for short in [
            vec![(4, 2), (300, 1), (1499, 7), (2000, 1)],
            vec![(-5, 1)],
            (0..SIDE_MAX as i64).map(|i| (i * 41, 1)).collect(),
            (0..SIDE_MAX as i64 + 1).map(|i| (i * 41, 1)).collect(),
        ] {
            let mut a = series(&big);
            a.absorb(&series(&short), |k| k / 2);
            let mut expect: std::collections::BTreeMap<i64, u64> = big.iter().copied().collect();
            for (k, v) in &short {
                *expect.entry(k / 2).or_insert(0) += v;
            }
            let got: Vec<(i64, u64)> = a.iter().collect();
            let want: Vec<(i64, u64)> = expect.into_iter().collect();
            assert_eq!(got, want, "absorbing {} entries", short.len());
        }
    }

    #[test]
    fn ladder_widths_divide() {
        let mut prev = ladder_width(1000, 0).unwrap_or(1);
        for step in 1..40 {
            let Some(w) = ladder_width(1000, step) else {
                break;
            };
            assert_eq!(w % prev, 0, "step {step}");
            prev = w;
        }
    }

    #[test]
    fn untimed_events_before_first_timestamp_get_it() {
        let mut w = WindowCounts::new(cfg()).unwrap_or_else(|_| WindowCounts::placeholder(cfg()));
        w.observe(Group::Target, None, 1, None, &[]);
        w.observe(Group::Target, Some(Timestamp(5_500)), 1, None, &[]);
        w.observe(Group::Target, None, 1, None, &[]);
        let tl = w.timeline(Group::Target);
        assert_eq!(tl.basis(), TimeBasis::Timestamps);
        assert_eq!(tl.counts(1), vec![(5, 3)]);
    }

    #[test]
    fn coarsening_keeps_totals() {
        let mut w = WindowCounts::new(cfg()).unwrap_or_else(|_| WindowCounts::placeholder(cfg()));
        for i in 0..5_000i64 {
            w.observe(
                Group::Target,
                Some(Timestamp(i * 1_000)),
                (i % 3) as u32,
                None,
                &[],
            );
        }
        assert!(w.coarsenings() > 0);
        assert!(w.count_entries() <= 1_000);
        let total: u64 = w.cluster_totals(Group::Target).values().sum();
        assert_eq!(total, 5_000);
    }

    #[test]
    fn a_new_value_at_a_full_slot_replaces_the_first_lightest() {
        let mut s = SlotSummary::default();
        let obs = |s: &mut SlotSummary, v: &[u8]| s.observe(v, value_hash(v), 0, 3);
        for v in [&b"a"[..], b"b", b"b", b"c", b"c"] {
            obs(&mut s, v);
        }
        // a: 1, b: 2, c: 2. `d` takes the place of `a` with weight 2 and error 1.
        obs(&mut s, b"d");
        let view: Vec<(&[u8], u64, u64)> = s
            .tracked
            .iter()
            .map(|t| (t.value.as_slice(), t.weight, t.error))
            .collect();
        assert_eq!(view, vec![(&b"d"[..], 2, 1), (b"b", 2, 0), (b"c", 2, 0)]);
        // Now every weight is 2: `e` replaces the first of them, `d`; a held value counts up.
        obs(&mut s, b"e");
        obs(&mut s, b"c");
        let view: Vec<(&[u8], u64)> = s
            .tracked
            .iter()
            .map(|t| (t.value.as_slice(), t.weight))
            .collect();
        assert_eq!(view, vec![(&b"e"[..], 3), (b"b", 2), (b"c", 3)]);
        assert_eq!(s.tracked[0].series.iter().collect::<Vec<_>>(), vec![(0, 1)]);
    }
}
