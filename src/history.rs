//! Review history: which findings came back across reviews, so that a report can say
//! "flagged in 6 reviews, no runbook yet".
//!
//! Owns [`ReviewHistory`], a small serialisable record per template [`fingerprint`]: how many
//! reviews flagged it, the first and last of them, the kinds seen, and the latest template,
//! level, component and one sample. It is bounded (at most `max_entries` fingerprints; the
//! least recently flagged is dropped first) and merges commutatively, so histories kept by
//! shards can be combined in any order. It does not store itself anywhere (the state file
//! holds it) and does not decide what has a runbook (the caller passes that in).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::runbook::{Runbooks, Subject, fingerprint};
use crate::score::{Analysis, Kind, format_iso};
use crate::window::EVICTED_CLUSTER;

/// Version of the serialised layout.
pub const HISTORY_VERSION: u32 = 1;
/// Default most fingerprints kept: a service flags a few dozen templates a week, so a
/// thousand covers months of reviews in a few hundred kilobytes.
pub const DEFAULT_MAX_ENTRIES: usize = 1_000;
/// Largest allowed `max_entries`, so a damaged or hostile state cannot ask for unbounded
/// memory.
pub const MAX_MAX_ENTRIES: usize = 1_000_000;
/// Review times kept per fingerprint: enough to tell "every day for two weeks" from
/// "twice", and to merge histories that saw the same reviews without counting them twice.
pub const REVIEWS_KEPT: usize = 16;
/// Default fewest reviews for a finding to count as recurring.
pub const DEFAULT_MIN_REVIEWS: u64 = 2;
/// Longest template or sample kept, in characters.
const MAX_TEXT_CHARS: usize = 512;

/// What is known about one fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistoryEntry {
    /// Reviews that flagged it. Exact while at most [`REVIEWS_KEPT`] are known; after
    /// merging longer histories it is a lower bound.
    pub times_flagged: u64,
    /// First review that flagged it, ms since the epoch.
    pub first_review_ms: i64,
    /// Last review that flagged it.
    pub last_review_ms: i64,
    /// The most recent review times, ascending, at most [`REVIEWS_KEPT`].
    pub recent_reviews: Vec<i64>,
    /// Kinds it was flagged as (`new`, `spike`, ...).
    pub kinds: BTreeSet<String>,
    /// Its template at the last review.
    pub template: String,
    /// Its level at the last review.
    pub level: Option<String>,
    /// Its emitting component at the last review, when known.
    pub component: Option<String>,
    /// One example line from the last review.
    pub sample: Option<String>,
}

/// The serialised form, validated into a [`ReviewHistory`] on load.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHistory {
    version: u32,
    max_entries: usize,
    entries: BTreeMap<String, HistoryEntry>,
}

/// Per-fingerprint record of past reviews. Serialise it with serde (it is meant to live in
/// the state file); loading validates it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawHistory")]
pub struct ReviewHistory {
    version: u32,
    max_entries: usize,
    entries: BTreeMap<String, HistoryEntry>,
}

/// Why a history cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HistoryError {
    /// A setting or a loaded value is out of range.
    #[error("review history: {0}")]
    Invalid(String),
}

impl TryFrom<RawHistory> for ReviewHistory {
    type Error = HistoryError;

    fn try_from(raw: RawHistory) -> Result<Self, HistoryError> {
        let bad = |m: String| Err(HistoryError::Invalid(m));
        if raw.version != HISTORY_VERSION {
            return bad(format!(
                "version {} is not supported (this logsift reads {HISTORY_VERSION}); start a new \
                 history",
                raw.version
            ));
        }
        if raw.max_entries == 0 || raw.max_entries > MAX_MAX_ENTRIES {
            return bad(format!(
                "max_entries {} is outside 1..={MAX_MAX_ENTRIES}",
                raw.max_entries
            ));
        }
        if raw.entries.len() > raw.max_entries {
            return bad(format!(
                "{} entries but max_entries is {}; the state is damaged",
                raw.entries.len(),
                raw.max_entries
            ));
        }
        for (fp, e) in &raw.entries {
            let sorted = e.recent_reviews.windows(2).all(|w| w[0] < w[1]);
            if e.recent_reviews.is_empty()
                || e.recent_reviews.len() > REVIEWS_KEPT
                || !sorted
                || e.times_flagged < e.recent_reviews.len() as u64
                || e.first_review_ms > e.last_review_ms
                || e.recent_reviews.last() != Some(&e.last_review_ms)
                || e.recent_reviews
                    .first()
                    .is_some_and(|&f| f < e.first_review_ms)
            {
                return bad(format!(
                    "the entry {fp:?} is inconsistent; the state is damaged"
                ));
            }
        }
        Ok(ReviewHistory {
            version: raw.version,
            max_entries: raw.max_entries,
            entries: raw.entries,
        })
    }
}

impl Default for ReviewHistory {
    fn default() -> Self {
        ReviewHistory {
            version: HISTORY_VERSION,
            max_entries: DEFAULT_MAX_ENTRIES,
            entries: BTreeMap::new(),
        }
    }
}

/// A finding that keeps coming back, as the reports list it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recurring {
    /// Its [`fingerprint`].
    pub fingerprint: String,
    /// Reviews that flagged it.
    pub times_flagged: u64,
    /// First of them, RFC 3339.
    pub first_review: String,
    /// Last of them, RFC 3339.
    pub last_review: String,
    /// Kinds it was flagged as.
    pub kinds: Vec<String>,
    /// Its latest template.
    pub template: String,
    /// Its latest level.
    pub level: Option<String>,
}

/// The snake_case name of a kind, as in the JSON report.
pub fn kind_name(k: Kind) -> &'static str {
    match k {
        Kind::New => "new",
        Kind::Spike => "spike",
        Kind::Drop => "drop",
        Kind::Trend => "trend",
        Kind::ParamShift => "param_shift",
    }
}

fn cut(s: &str) -> String {
    s.chars().take(MAX_TEXT_CHARS).collect()
}

impl ReviewHistory {
    /// An empty history keeping at most [`DEFAULT_MAX_ENTRIES`] fingerprints.
    pub fn new() -> ReviewHistory {
        ReviewHistory::default()
    }

    /// An empty history keeping at most `max_entries` fingerprints.
    pub fn with_max_entries(max_entries: usize) -> Result<ReviewHistory, HistoryError> {
        if max_entries == 0 || max_entries > MAX_MAX_ENTRIES {
            return Err(HistoryError::Invalid(format!(
                "max_entries must be in 1..={MAX_MAX_ENTRIES} (e.g. {DEFAULT_MAX_ENTRIES})"
            )));
        }
        Ok(ReviewHistory {
            max_entries,
            ..ReviewHistory::default()
        })
    }

    /// Most fingerprints kept.
    pub fn max_entries(&self) -> usize {
        self.max_entries
    }

    /// Fingerprints known.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The record of one fingerprint.
    pub fn get(&self, fingerprint: &str) -> Option<&HistoryEntry> {
        self.entries.get(fingerprint)
    }

    /// All records, by fingerprint.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &HistoryEntry)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Records the findings of one review held at `review_ms` (use the end of the incident
    /// window for reviews of the same data to count once, or the wall-clock time of a
    /// scheduled run). Recording the same review twice changes nothing. `component` gives a
    /// cluster's emitting component when the caller knows it. Returns the fingerprints
    /// recorded.
    pub fn record(
        &mut self,
        analysis: &Analysis,
        review_ms: i64,
        component: &dyn Fn(u32) -> Option<String>,
    ) -> usize {
        let mut seen = BTreeSet::new();
        for f in &analysis.flagged {
            if f.cluster_id == EVICTED_CLUSTER {
                continue;
            }
            let fp = fingerprint(&f.template);
            let latest = HistoryEntry {
                times_flagged: 1,
                first_review_ms: review_ms,
                last_review_ms: review_ms,
                recent_reviews: vec![review_ms],
                kinds: BTreeSet::from([kind_name(f.kind).to_owned()]),
                template: cut(&f.template),
                level: f.level.map(str::to_owned),
                component: component(f.cluster_id).map(|c| cut(&c)),
                sample: f.samples.first().map(|s| cut(s)),
            };
            let merged = match self.entries.get(&fp) {
                Some(old) => merge_entry(old, &latest),
                None => latest,
            };
            self.entries.insert(fp.clone(), merged);
            seen.insert(fp);
        }
        self.evict();
        seen.len()
    }

    /// Combines two histories: counts of distinct reviews, the earliest first and latest last
    /// review, all kinds, and the latest texts. Commutative (`a.merge(&b) == b.merge(&a)`)
    /// and idempotent (`a.merge(&a) == a`); the result keeps the larger `max_entries`.
    pub fn merge(&self, other: &ReviewHistory) -> ReviewHistory {
        let mut entries = self.entries.clone();
        for (fp, e) in &other.entries {
            let m = match entries.get(fp) {
                Some(mine) => merge_entry(mine, e),
                None => e.clone(),
            };
            entries.insert(fp.clone(), m);
        }
        let mut out = ReviewHistory {
            version: HISTORY_VERSION,
            max_entries: self.max_entries.max(other.max_entries),
            entries,
        };
        out.evict();
        out
    }

    /// Fingerprints flagged in at least `min_reviews` reviews that `has_runbook` says have no
    /// runbook, most often flagged first (then most recent, then by fingerprint).
    pub fn recurring_without_runbook(
        &self,
        min_reviews: u64,
        has_runbook: impl Fn(&str, &HistoryEntry) -> bool,
    ) -> Vec<Recurring> {
        let mut out: Vec<Recurring> = self
            .entries
            .iter()
            .filter(|(fp, e)| e.times_flagged >= min_reviews.max(1) && !has_runbook(fp, e))
            .map(|(fp, e)| Recurring {
                fingerprint: fp.clone(),
                times_flagged: e.times_flagged,
                first_review: format_iso(e.first_review_ms),
                last_review: format_iso(e.last_review_ms),
                kinds: e.kinds.iter().cloned().collect(),
                template: e.template.clone(),
                level: e.level.clone(),
            })
            .collect();
        out.sort_by(|a, b| {
            b.times_flagged
                .cmp(&a.times_flagged)
                .then(b.last_review.cmp(&a.last_review))
                .then(a.fingerprint.cmp(&b.fingerprint))
        });
        out
    }

    /// [`recurring_without_runbook`](Self::recurring_without_runbook) judged against a runbook
    /// file (no file: nothing has a runbook).
    pub fn recurring_without(
        &self,
        min_reviews: u64,
        runbooks: Option<&Runbooks>,
    ) -> Vec<Recurring> {
        self.recurring_without_runbook(min_reviews, |fp, e| {
            let Some(rb) = runbooks else { return false };
            let samples: Vec<String> = e.sample.iter().cloned().collect();
            rb.find(&Subject {
                template: &e.template,
                samples: &samples,
                fingerprint: fp,
                level: e.level.as_deref(),
                component: e.component.as_deref(),
            })
            .is_some()
        })
    }

    /// Drops the least recently flagged fingerprints beyond `max_entries` (ties: the smaller
    /// fingerprint goes first, so the result does not depend on insertion order).
    fn evict(&mut self) {
        let excess = self.entries.len().saturating_sub(self.max_entries);
        if excess == 0 {
            return;
        }
        let mut order: Vec<(i64, String)> = self
            .entries
            .iter()
            .map(|(fp, e)| (e.last_review_ms, fp.clone()))
            .collect();
        order.sort();
        for (_, fp) in order.into_iter().take(excess) {
            self.entries.remove(&fp);
        }
    }
}

/// Merges two records of one fingerprint; symmetric in its arguments.
fn merge_entry(a: &HistoryEntry, b: &HistoryEntry) -> HistoryEntry {
    let union: BTreeSet<i64> = a
        .recent_reviews
        .iter()
        .chain(&b.recent_reviews)
        .copied()
        .collect();
    // Reviews each side knew of but no longer lists; the two sides may share them, so the
    // larger is a lower bound of the reviews outside the union.
    let dropped_a = a
        .times_flagged
        .saturating_sub(a.recent_reviews.len() as u64);
    let dropped_b = b
        .times_flagged
        .saturating_sub(b.recent_reviews.len() as u64);
    let times_flagged = union.len() as u64 + dropped_a.max(dropped_b);
    let skip = union.len().saturating_sub(REVIEWS_KEPT);
    let recent_reviews: Vec<i64> = union.into_iter().skip(skip).collect();
    let kinds = a.kinds.union(&b.kinds).cloned().collect();
    // The later record's texts; equal times fall back to comparing the texts, so the choice
    // does not depend on the argument order.
    let key = |e: &HistoryEntry| {
        (
            e.last_review_ms,
            e.template.clone(),
            e.level.clone(),
            e.component.clone(),
            e.sample.clone(),
        )
    };
    let latest = if key(a) >= key(b) { a } else { b };
    HistoryEntry {
        times_flagged,
        first_review_ms: a.first_review_ms.min(b.first_review_ms),
        last_review_ms: a.last_review_ms.max(b.last_review_ms),
        recent_reviews,
        kinds,
        template: latest.template.clone(),
        level: latest.level.clone(),
        component: latest.component.clone(),
        sample: latest.sample.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(reviews: &[i64], tf: u64, template: &str) -> HistoryEntry {
        HistoryEntry {
            times_flagged: tf,
            first_review_ms: reviews[0],
            last_review_ms: *reviews.last().unwrap_or(&0),
            recent_reviews: reviews.to_vec(),
            kinds: BTreeSet::from(["new".to_owned()]),
            template: template.to_owned(),
            level: None,
            component: None,
            sample: None,
        }
    }

    #[test]
    fn merging_entries_is_symmetric_and_idempotent() {
        let a = entry(&[1, 2, 3], 3, "a");
        let b = entry(&[3, 4], 2, "b");
        assert_eq!(merge_entry(&a, &b), merge_entry(&b, &a));
        assert_eq!(merge_entry(&a, &b).times_flagged, 4);
        assert_eq!(merge_entry(&a, &a), a);
        assert_eq!(merge_entry(&a, &b).template, "b");
    }

    #[test]
    fn long_histories_keep_recent_reviews_and_count_the_rest() {
        let many: Vec<i64> = (0..REVIEWS_KEPT as i64).collect();
        let a = entry(&many, 40, "x");
        let b = entry(&[100], 1, "x");
        let m = merge_entry(&a, &b);
        assert_eq!(m.recent_reviews.len(), REVIEWS_KEPT);
        assert_eq!(m.recent_reviews.last(), Some(&100));
        assert_eq!(m.times_flagged, 41);
    }
}
