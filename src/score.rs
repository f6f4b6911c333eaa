//! "What changed?": chooses the baseline and incident windows, tests every template for a
//! change of rate and every variable slot for a change of its value distribution, and ranks
//! what a person should read first.
//!
//! Owns the window choice (given, `--last`, or found by a change-point search), the per-
//! template statistics (exposure-normalised rates, the exact conditional binomial test for
//! two Poisson rates, a smoothed log2 fold change, Benjamini-Hochberg control), the kinds
//! `new`, `spike`, `drop`, `trend` and `param_shift`, the ranking score, and the serialisable
//! [`Analysis`]. It reads the accumulator of `window` and the clusters' texts; it does not
//! mine templates, parse times or render reports.
//!
//! Templates that differ in one word (`session opened for user news` / `... cyrus`) are also
//! tested together as a template family ([`family`]): their summed rate like a cluster's,
//! and the mix of members like a slot's values. A family finding names its members
//! ([`Flag::members`]) and replaces the member findings it explains.

pub mod family;
pub mod stats;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::record::{Level, Timestamp};
use crate::window::{self, Group, SlotSummary, TimeBasis, Timeline, WindowCounts};
use stats::Direction;

/// What the caller knows about a cluster (from the miner and header detection).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterInfo {
    /// Cluster id, as passed to [`WindowCounts::observe`].
    pub id: u32,
    /// The cluster's final template text, wildcard `<*>`.
    pub template: String,
    /// The cluster's level, if the caller knows one; otherwise the most frequent level in
    /// the counts is used.
    pub level: Option<Level>,
    /// First time the cluster was seen.
    pub first_seen: Option<Timestamp>,
    /// Last time the cluster was seen.
    pub last_seen: Option<Timestamp>,
    /// A few example lines (already redacted where that matters).
    pub samples: Vec<String>,
}

/// A point in time given by the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeRef {
    /// An absolute time, already resolved from the log's own format.
    At(Timestamp),
    /// This many milliseconds before the end of the data (`-30m`).
    BeforeEnd(i64),
}

/// How the baseline and incident windows are chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowSpec {
    /// Nothing given: the baseline group if there is one, else the split where the template
    /// distribution changes most.
    Auto,
    /// `--baseline FILE...`: baseline events against all other events.
    BaselineInputs,
    /// `--incident-start TIME [--incident-end TIME]`: everything before is the baseline
    /// (or, with baseline inputs, the incident is cut from the other inputs).
    IncidentStart {
        /// Start of the incident.
        start: TimeRef,
        /// End of the incident; the end of the data when absent.
        end: Option<TimeRef>,
    },
    /// `--last DURATION`: the incident is the last `ms` milliseconds of the data.
    Last {
        /// Length of the incident in milliseconds.
        ms: i64,
    },
}

/// Errors of the analysis; each says what to do next.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ScoreError {
    /// A tunable is out of range.
    #[error("invalid score configuration: {0}")]
    Config(String),
    /// No events to compare.
    #[error("no events to analyse: check that the inputs are not empty")]
    NoEvents,
    /// `--baseline` was asked for but no baseline input had events.
    #[error("the --baseline inputs hold no events: check the baseline file names")]
    EmptyBaseline,
    /// The requested window does not fit the data.
    #[error("{0}")]
    Window(String),
    /// The accumulator is inconsistent (e.g. a damaged state file).
    #[error("the window state is damaged ({0}); rebuild it from the logs")]
    BadState(String),
}

/// Default false discovery rate for Benjamini-Hochberg, per family: at most about one finding
/// in fifty is expected to be noise. Measured on generated scenarios (74 runs over nine
/// Loghub datasets): 0.01 missed about 2 % more injected changes (small spikes, four-line new
/// templates) with no fewer false findings; 0.05 added false drops and trends.
pub const DEFAULT_FDR: f64 = 0.02;
/// Pseudo-count added to both counts before taking the log fold change (the Haldane-Anscombe
/// 0.5 correction): finite for zero counts, and small counts shrink toward no change.
pub const DEFAULT_PSEUDO_COUNT: f64 = 0.5;
/// Default smallest |log2 fold change| for a `spike` or `drop`: 5/3 (or 3/5), log2 = 0.737.
/// It sits midway, on the log scale, between a benign load drift of 40 % (log2 0.49) and a
/// doubling or halving (log2 1), the smallest change worth waking someone for; Poisson noise
/// around either side is what the significance test is for.
pub const DEFAULT_MIN_LOG2_FOLD: f64 = 0.736_965_594_166_206;
/// Default fewest incident events for a `new` template: fewer is indistinguishable from a
/// rare template that happened to miss the baseline.
pub const DEFAULT_MIN_NEW_COUNT: u64 = 3;
/// Default fewest incident events for a `spike` or `trend`.
pub const DEFAULT_MIN_SPIKE_COUNT: u64 = 5;
/// Default fewest expected incident events for a `drop`: below ten a vanished template is
/// within Poisson noise of "rare" (P(0 | 10) = 4.5e-5 is the least evidence worth showing),
/// which keeps rare templates from being reported as gone.
pub const DEFAULT_MIN_DROP_EXPECTED: f64 = 10.0;
/// Templates with at least this many events in both windows inform the rate centring.
pub const CENTER_MIN_COUNT: u64 = 10;
/// Fewest templates needed before rates are centred on their median fold change.
pub const CENTER_MIN_TEMPLATES: usize = 5;
/// The centring never moves rates by more than 2x: a larger common shift is a real change
/// of volume that should be shown, not normalised away.
pub const CENTER_MAX_LOG2: f64 = 1.0;
/// Default smallest change of one value's share for a `param_shift`: 20 points, beyond
/// what the Space-Saving summary can misattribute (values above 1/K are always tracked).
pub const DEFAULT_MIN_SHARE_CHANGE: f64 = 0.2;
/// Default fewest slot occurrences in each window for a parameter test.
pub const DEFAULT_PARAM_MIN_COUNT: u64 = 20;
/// Default fewest incident events for a trend test.
pub const DEFAULT_TREND_MIN_COUNT: u64 = 20;
/// Default smallest ratio between the rate in the last and the first third of the incident
/// for a `trend`.
pub const DEFAULT_TREND_MIN_RATIO: f64 = 2.0;
/// Target number of points for a trend test over the incident: enough for Mann-Kendall's
/// normal approximation, few enough that each point holds several events.
const TREND_POINTS: i64 = 12;
/// Target number of points in a chart of the whole timeline.
pub const DEFAULT_DISPLAY_POINTS: i64 = 60;
/// Most buckets the change-point search scans; coarser analysis buckets are used beyond.
const MAX_CP_BUCKETS: i64 = 6_000;
/// Default smallest share of the timeline for each side of an automatic split: keeps the
/// search from splitting off a handful of events at either end, where one burst dominates.
pub const DEFAULT_CP_MIN_SEGMENT: f64 = 0.05;
/// Templates with fewer events than this do not inform the change-point search: their
/// likelihood ratio is noise.
const CP_MIN_TEMPLATE_EVENTS: u64 = 3;
/// Upper limit of -log10 q used in the score, so that a template with a million events does
/// not outrank a fatal error only by its size.
const SCORE_SIGNIFICANCE_CAP: f64 = 100.0;
/// Weight of a share change in the score: a 25-point change weighs like a doubling.
const SCORE_SHARE_WEIGHT: f64 = 4.0;
/// Values listed before/after for a parameter shift.
const TOP_VALUES: usize = 5;

/// Tunables of the analysis; build with [`ScoreConfig::builder`].
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreConfig {
    /// False discovery rate for Benjamini-Hochberg, per family (rates, trends, parameters).
    pub fdr: f64,
    /// Pseudo-count of the smoothed log2 fold change.
    pub pseudo_count: f64,
    /// Smallest |log2 fold change| of a spike or drop.
    pub min_log2_fold: f64,
    /// Fewest incident events of a new template.
    pub min_new_count: u64,
    /// Fewest incident events of a spike.
    pub min_spike_count: u64,
    /// Fewest expected incident events of a drop.
    pub min_drop_expected: f64,
    /// Centre rates on the median template's fold change (corrects a common change of
    /// volume, e.g. a baseline from a quieter day).
    pub center_rates: bool,
    /// Smallest share change of a parameter shift.
    pub min_share_change: f64,
    /// Fewest slot occurrences per window for a parameter test.
    pub param_min_count: u64,
    /// Fewest incident events for a trend test.
    pub trend_min_count: u64,
    /// Smallest last-third to first-third rate ratio of a trend.
    pub trend_min_ratio: f64,
    /// Weight of warn, error and fatal templates in the score (others weigh 1).
    pub severity_weights: [f64; 3],
    /// Samples per flag.
    pub max_samples: usize,
    /// Most flags returned.
    pub max_flags: usize,
    /// Chart bucket width (`--bucket`); chosen from the span when `None`.
    pub display_bucket_ms: Option<i64>,
    /// Smallest share of the timeline on each side of an automatic split.
    pub cp_min_segment: f64,
    /// Also test template families: clusters whose templates differ in one word, summed
    /// (their rate) and as a slot whose values are the members (their mix).
    pub families: bool,
}

impl Default for ScoreConfig {
    fn default() -> Self {
        ScoreConfig {
            fdr: DEFAULT_FDR,
            pseudo_count: DEFAULT_PSEUDO_COUNT,
            min_log2_fold: DEFAULT_MIN_LOG2_FOLD,
            min_new_count: DEFAULT_MIN_NEW_COUNT,
            min_spike_count: DEFAULT_MIN_SPIKE_COUNT,
            min_drop_expected: DEFAULT_MIN_DROP_EXPECTED,
            center_rates: true,
            min_share_change: DEFAULT_MIN_SHARE_CHANGE,
            param_min_count: DEFAULT_PARAM_MIN_COUNT,
            trend_min_count: DEFAULT_TREND_MIN_COUNT,
            trend_min_ratio: DEFAULT_TREND_MIN_RATIO,
            // A judgement, not a measurement: an error template is worth reading about twice
            // as soon as an info template with the same evidence, a fatal one three times.
            severity_weights: [1.25, 2.0, 3.0],
            max_samples: 3,
            max_flags: 100,
            display_bucket_ms: None,
            cp_min_segment: DEFAULT_CP_MIN_SEGMENT,
            families: true,
        }
    }
}

impl ScoreConfig {
    /// A builder starting from the defaults.
    pub fn builder() -> ScoreConfigBuilder {
        ScoreConfigBuilder(ScoreConfig::default())
    }

    /// Checks the ranges.
    pub fn validate(&self) -> Result<(), ScoreError> {
        let bad = |m: &str| Err(ScoreError::Config(m.to_string()));
        if !(self.fdr > 0.0 && self.fdr < 1.0) {
            return bad("the false discovery rate must be between 0 and 1 (e.g. 0.01)");
        }
        if !(self.pseudo_count > 0.0 && self.pseudo_count.is_finite()) {
            return bad("the pseudo-count must be positive (e.g. 0.5)");
        }
        if !(self.min_log2_fold >= 0.0 && self.min_log2_fold.is_finite()) {
            return bad("the minimum log2 fold change must be >= 0 (e.g. 0.678 for 1.6x)");
        }
        if !(self.min_drop_expected >= 0.0 && self.min_drop_expected.is_finite()) {
            return bad("the minimum expected count of a drop must be >= 0");
        }
        if !(self.min_share_change > 0.0 && self.min_share_change <= 1.0) {
            return bad("the minimum share change must be in (0, 1] (e.g. 0.2)");
        }
        if !(self.trend_min_ratio >= 1.0 && self.trend_min_ratio.is_finite()) {
            return bad("the minimum trend ratio must be >= 1 (e.g. 2)");
        }
        if self
            .severity_weights
            .iter()
            .any(|w| !(*w > 0.0 && w.is_finite()))
        {
            return bad("severity weights must be positive");
        }
        if !(self.cp_min_segment > 0.0 && self.cp_min_segment < 0.5) {
            return bad("the change-point minimum segment must be in (0, 0.5) (e.g. 0.05)");
        }
        if let Some(b) = self.display_bucket_ms
            && b <= 0
        {
            return bad("the chart bucket must be positive (e.g. --bucket 1m)");
        }
        if self.max_flags == 0 {
            return bad("at least one flag must be allowed");
        }
        Ok(())
    }
}

/// Builder for [`ScoreConfig`]; `build()` validates.
#[derive(Debug, Clone)]
pub struct ScoreConfigBuilder(ScoreConfig);

macro_rules! setter {
    ($name:ident, $ty:ty, $doc:literal) => {
        #[doc = $doc]
        pub fn $name(mut self, v: $ty) -> Self {
            self.0.$name = v;
            self
        }
    };
}

impl ScoreConfigBuilder {
    setter!(fdr, f64, "False discovery rate.");
    setter!(pseudo_count, f64, "Pseudo-count of the fold change.");
    setter!(
        min_log2_fold,
        f64,
        "Smallest |log2 fold| of a spike or drop."
    );
    setter!(min_new_count, u64, "Fewest events of a new template.");
    setter!(min_spike_count, u64, "Fewest incident events of a spike.");
    setter!(min_drop_expected, f64, "Fewest expected events of a drop.");
    setter!(
        center_rates,
        bool,
        "Centre rates on the median fold change."
    );
    setter!(
        min_share_change,
        f64,
        "Smallest share change of a parameter shift."
    );
    setter!(param_min_count, u64, "Fewest slot occurrences per window.");
    setter!(trend_min_count, u64, "Fewest incident events for a trend.");
    setter!(trend_min_ratio, f64, "Smallest trend ratio.");
    setter!(severity_weights, [f64; 3], "Weights of warn, error, fatal.");
    setter!(max_samples, usize, "Samples per flag.");
    setter!(max_flags, usize, "Most flags returned.");
    setter!(display_bucket_ms, Option<i64>, "Chart bucket width.");
    setter!(cp_min_segment, f64, "Change-point minimum segment share.");
    setter!(families, bool, "Test template families.");

    /// Validates and returns the configuration.
    pub fn build(self) -> Result<ScoreConfig, ScoreError> {
        self.0.validate()?;
        Ok(self.0)
    }
}

/// What kind of change a flag reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Not in the baseline at all.
    New,
    /// Rate went up.
    Spike,
    /// Rate went down (or vanished).
    Drop,
    /// Steady rise inside the incident window.
    Trend,
    /// The distribution of one slot's values changed.
    ParamShift,
}

/// How the windows were chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WindowMethod {
    /// Baseline inputs against the other inputs.
    BaselineInputs,
    /// Incident start (and end) given.
    IncidentStart,
    /// The last part of the data.
    Last,
    /// Found by the change-point search.
    ChangePoint,
}

/// One side of the comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Span {
    /// Which input group the side comes from.
    pub group: Group,
    /// Start, ms since the epoch (or pseudo ms for positions), inclusive.
    pub start_ms: i64,
    /// End, exclusive.
    pub end_ms: i64,
    /// `start_ms` as ISO-8601 UTC (for positions: "event N").
    pub start: String,
    /// `end_ms` likewise.
    pub end: String,
    /// Duration in ms used to normalise rates.
    pub duration_ms: i64,
    /// Events on this side.
    pub events: u64,
}

/// The change-point search result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangePoint {
    /// The chosen split's summed likelihood-ratio statistic.
    pub statistic: f64,
    /// Templates that informed the search.
    pub templates: usize,
    /// Candidate splits scanned.
    pub candidates: usize,
    /// Width of the scanned buckets in ms.
    pub bucket_ms: i64,
    /// The best split at least a tenth of the timeline away, and its statistic.
    pub runner_up_ms: Option<i64>,
    /// Its statistic.
    pub runner_up_statistic: Option<f64>,
    /// The runner-up time as ISO-8601.
    pub runner_up: Option<String>,
}

/// How the windows were chosen and what they hold.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WindowReport {
    /// The method.
    pub method: WindowMethod,
    /// Timestamps or line positions.
    pub time_basis: TimeBasis,
    /// The baseline side.
    pub baseline: Span,
    /// The incident side.
    pub incident: Span,
    /// Resolution of the counts in ms (boundaries snap to it).
    pub bucket_ms: i64,
    /// Resolution of the parameter series in ms.
    pub param_bucket_ms: i64,
    /// Bucket width for charts, in ms.
    pub display_bucket_ms: i64,
    /// log2 of the common rate ratio the rates were centred on (0 when not centred).
    pub rate_center_log2: f64,
    /// The change-point search, when the window was found automatically.
    pub change_point: Option<ChangePoint>,
    /// One sentence on how the window was chosen.
    pub reason: String,
    /// Caveats: snapping, line positions, coarsening.
    pub notes: Vec<String>,
}

/// One value of a slot and its share in a window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValueShare {
    /// The value (lossy UTF-8); `<other>` for untracked values.
    pub value: String,
    /// Occurrences counted in the window (exact while the value was tracked).
    pub count: u64,
    /// Share of the slot's occurrences in the window.
    pub share: f64,
    /// Occurrences that may also be this value's but were counted under `<other>` before the
    /// value entered the summary (a Space-Saving bound); 0 when the count is exact. The test
    /// assumes the least favourable split of these.
    pub possibly_more: u64,
}

/// One finding, about one cluster or about a family of sibling clusters.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Flag {
    /// Cluster id; for a family, its smallest member id.
    pub cluster_id: u32,
    /// The clusters the finding covers, ascending: the cluster itself, or every member of a
    /// template family (clusters whose templates differ in one word).
    pub members: Vec<u32>,
    /// Template text; for a family, the members' template with `<*>` where they differ.
    pub template: String,
    /// Kind of change.
    pub kind: Kind,
    /// Ranking score: higher is read first.
    pub score: f64,
    /// p-value of the kind's test.
    pub p_value: f64,
    /// Benjamini-Hochberg q-value within the test's family.
    pub q_value: f64,
    /// log10 of the p-value (stays finite where `p_value` underflows to 0).
    pub log10_p: f64,
    /// Events in the baseline window.
    pub baseline_count: u64,
    /// Events in the incident window.
    pub incident_count: u64,
    /// Baseline events per minute.
    pub baseline_rate: f64,
    /// Incident events per minute.
    pub incident_rate: f64,
    /// Smoothed incident/baseline rate ratio (after centring).
    pub fold_change: f64,
    /// Whether a drop went to zero.
    pub vanished: bool,
    /// First time seen, ms.
    pub first_seen: Option<i64>,
    /// Last time seen, ms.
    pub last_seen: Option<i64>,
    /// Level name.
    pub level: Option<&'static str>,
    /// Slot index (param_shift only): the `<*>` of `template` whose values shifted; for a
    /// family, the position where its members differ (the values are the members).
    pub slot: Option<u16>,
    /// Other slots of the same template whose values shifted too (param_shift only).
    pub other_slots: Vec<u16>,
    /// Top values before (param_shift only).
    pub values_before: Vec<ValueShare>,
    /// Top values after (param_shift only).
    pub values_after: Vec<ValueShare>,
    /// Example lines.
    pub samples: Vec<String>,
}

/// Totals over the windows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Totals {
    /// Events in the baseline window.
    pub baseline_events: u64,
    /// Events in the incident window.
    pub incident_events: u64,
    /// Templates seen anywhere.
    pub templates_seen: usize,
    /// Templates present in the baseline window.
    pub templates_baseline: usize,
    /// Templates present in the incident window.
    pub templates_incident: usize,
    /// Templates in the rate-test family (those whose count could reach significance).
    pub rate_tests: usize,
    /// Slots given a parameter test.
    pub param_tests: usize,
    /// Template families found (groups of clusters whose templates differ in one word).
    pub families: usize,
    /// Tests of families: summed rates that could reach significance, and member mixes.
    pub family_tests: usize,
    /// Findings before the `max_flags` cut.
    pub findings: usize,
}

/// The result of [`analyse`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Analysis {
    /// How the windows were chosen.
    pub window: WindowReport,
    /// Findings, ranked by score.
    pub flagged: Vec<Flag>,
    /// Totals.
    pub totals: Totals,
}

/// Counts per display bucket of one cluster, for charts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimeSeries {
    /// Bucket width in ms.
    pub bucket_ms: i64,
    /// The baseline side's buckets.
    pub baseline: Segment,
    /// The incident side's buckets.
    pub incident: Segment,
}

/// Consecutive buckets.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Segment {
    /// Start of the first bucket, ms.
    pub start_ms: i64,
    /// Counts per bucket.
    pub counts: Vec<u64>,
}

/// A resolved side: a group and a range of count-bucket indices `[lo, hi)`.
#[derive(Debug, Clone, Copy)]
struct Side {
    group: Group,
    lo: i64,
    hi: i64,
}

impl Side {
    /// The side in parameter buckets, whose width may be finer or coarser than the counts'.
    fn param_range(&self, cw: i64, pw: i64) -> (i64, i64) {
        let to_param = |k: i64| div_round(k.saturating_mul(cw), pw.max(1));
        (to_param(self.lo), to_param(self.hi))
    }
}

/// `x / r` rounded to the nearest integer (halves up), for bucket snapping.
fn div_round(x: i64, r: i64) -> i64 {
    let q = x.div_euclid(r);
    let rem = x.rem_euclid(r);
    if rem >= r - rem { q + 1 } else { q }
}

/// Analyses the accumulated counts: chooses windows, tests, ranks.
pub fn analyse(
    counts: &WindowCounts,
    clusters: &[ClusterInfo],
    window: &WindowSpec,
    cfg: &ScoreConfig,
) -> Result<Analysis, ScoreError> {
    cfg.validate()?;
    counts
        .config()
        .validate()
        .map_err(|e| ScoreError::BadState(e.to_string()))?;
    let cw = counts.count_width_ms();
    let pw = counts.param_width_ms();
    if cw <= 0 || pw <= 0 || pw % cw != 0 && cw % pw != 0 {
        return Err(ScoreError::BadState("bucket widths".into()));
    }
    let base_tl = counts.timeline(Group::Baseline);
    let target_tl = counts.timeline(Group::Target);
    if base_tl.events() == 0 && target_tl.events() == 0 {
        return Err(ScoreError::NoEvents);
    }
    let mut notes = Vec::new();
    let (base, inc, method, change_point, reason) =
        choose_windows(&base_tl, &target_tl, window, cfg, cw, &mut notes)?;
    let basis = target_tl.basis();
    if basis == TimeBasis::Positions {
        notes.push(
            "no timestamps: line positions used (rates are per 60 events, not per minute)".into(),
        );
    }
    if base.group == Group::Baseline && base_tl.basis() == TimeBasis::Positions {
        notes.push("baseline inputs have no timestamps: their line positions were used".into());
    }
    if counts.coarsenings() > 0 {
        notes.push(format!(
            "counts were coarsened {} time(s) to stay within the memory budget: boundaries \
             snap to {} buckets",
            counts.coarsenings(),
            human_ms(cw)
        ));
    } else if cw > 1_000 {
        notes.push(format!("boundaries snap to {} buckets", human_ms(cw)));
    }
    if pw > cw {
        notes.push(format!(
            "parameter values are kept at {} resolution; their windows snap to it",
            human_ms(pw)
        ));
    }
    if counts.over_budget() {
        notes.push("the memory budget could not be held even at the coarsest buckets".into());
    }

    let tl_of = |g: Group| {
        if g == Group::Baseline {
            base_tl
        } else {
            target_tl
        }
    };
    let t_base = ((base.hi - base.lo) as f64 * cw as f64).max(1.0);
    let t_inc = ((inc.hi - inc.lo) as f64 * cw as f64).max(1.0);

    // Per-cluster window counts.
    let ids = counts.cluster_ids();
    let info: BTreeMap<u32, &ClusterInfo> = clusters.iter().map(|c| (c.id, c)).collect();
    let mut rows: Vec<Row> = Vec::with_capacity(ids.len());
    for &id in &ids {
        let b = window_sum(&tl_of(base.group), id, base);
        let i = window_sum(&tl_of(inc.group), id, inc);
        rows.push(Row {
            id,
            b,
            i,
            ..Row::default()
        });
    }
    let base_events: u64 = rows.iter().map(|r| r.b).sum();
    let inc_events: u64 = rows.iter().map(|r| r.i).sum();
    // The evicted clusters' pool counts in the totals above and nowhere else.
    rows.retain(|r| r.id != window::EVICTED_CLUSTER);

    // Template families: siblings (templates that differ in one word) are also tested as one
    // template, since a change shared by three siblings can be significant when no sibling's
    // share of it is.
    let mut families: Vec<family::Family> = Vec::new();
    if cfg.families {
        let mut busiest: Vec<&Row> = rows.iter().filter(|r| r.b + r.i > 0).collect();
        busiest.sort_by(|a, b| (b.b + b.i).cmp(&(a.b + a.i)).then(a.id.cmp(&b.id)));
        let texts: Vec<(u32, &str)> = busiest
            .iter()
            .filter_map(|r| info.get(&r.id).map(|c| (r.id, c.template.as_str())))
            .collect();
        let search = family::find(&texts, family::MAX_FAMILY_KEYS, family::MAX_FAMILY_MEMBERS);
        if search.templates_skipped > 0 {
            notes.push(format!(
                "template families were looked for among the {} busiest templates only; \
                 the {} rarest were left out to bound the work",
                texts.len() - search.templates_skipped,
                search.templates_skipped
            ));
        }
        if search.oversized > 0 {
            notes.push(format!(
                "{} group(s) of more than {} templates differing in one word were not tested \
                 as families (their templates are tested one by one)",
                search.oversized,
                family::MAX_FAMILY_MEMBERS
            ));
        }
        families = search.families;
    }

    // Centring on the median template. Siblings share one vote: a template the miner split
    // three ways would otherwise vote three times, and when it is the one that changed, it
    // pulls the centre toward its own change and hides part of it. Each voting cluster of a
    // group of siblings weighs 1/(voting clusters in the group), so the count of votes does
    // not depend on how the miner split templates; the members keep their own folds (siblings
    // may be different events that merely share words).
    let exposure_ratio = t_inc / t_base;
    let mut center = 0.0;
    if cfg.center_rates {
        let group_of = family::components(&families);
        let voting: Vec<&Row> = rows
            .iter()
            .filter(|r| r.b >= CENTER_MIN_COUNT && r.i >= CENTER_MIN_COUNT)
            .collect();
        let mut group_votes: BTreeMap<u32, u32> = BTreeMap::new();
        for r in &voting {
            *group_votes
                .entry(group_of.get(&r.id).copied().unwrap_or(r.id))
                .or_default() += 1;
        }
        let weighted: Vec<(f64, f64)> = voting
            .iter()
            .map(|r| {
                let g = group_of.get(&r.id).copied().unwrap_or(r.id);
                let n = group_votes.get(&g).copied().unwrap_or(1).max(1);
                (
                    ((r.i as f64 / t_inc) / (r.b as f64 / t_base)).log2(),
                    1.0 / f64::from(n),
                )
            })
            .collect();
        if group_votes.len() >= CENTER_MIN_TEMPLATES
            && let Some(med) = weighted_median(weighted)
        {
            center = med.clamp(-CENTER_MAX_LOG2, CENTER_MAX_LOG2);
        }
    }
    let eff_ratio = exposure_ratio * center.exp2();
    let p0 = eff_ratio / (1.0 + eff_ratio);

    // Rate tests.
    let rates = family::Rates {
        eff_ratio,
        p0,
        pseudo_count: cfg.pseudo_count,
    };
    for r in rows.iter_mut() {
        if r.b + r.i > 0 {
            *r = rates.row(r.id, r.b, r.i);
        }
    }

    let mut fam_rows: Vec<Row> = families
        .iter()
        .map(|f| {
            rates.combine(
                f.members[0],
                f.members.iter().filter_map(|&id| row_of(&rows, id)),
            )
        })
        .collect();

    // Benjamini-Hochberg over the clusters' rates. A template family is one more hypothesis
    // about the same events, so it pays for its place among all of them: its q-value comes
    // from one step-up procedure over clusters and families together (its test depends
    // positively on its members', the case in which the procedure keeps its guarantee,
    // Benjamini & Yekutieli 2001). The clusters keep their q-values from the clusters alone,
    // so looking for families never costs a cluster finding; the findings of the two
    // procedures together hold a false discovery rate of at most twice the level, as the
    // separate families of rates, trends and parameters already do.
    let ln_fdr = cfg.fdr.ln();
    let cluster_tests: Vec<(f64, u64)> = rows
        .iter()
        .filter(|r| r.b + r.i > 0)
        .map(|r| (r.ln_p, r.b + r.i))
        .collect();
    let (cluster_qs, rate_family) = bh_rates(&cluster_tests, p0, ln_fdr);
    for (r, q) in rows.iter_mut().filter(|r| r.b + r.i > 0).zip(cluster_qs) {
        r.ln_q = q;
    }
    let joint: Vec<(f64, u64)> = cluster_tests
        .iter()
        .copied()
        .chain(fam_rows.iter().map(|r| (r.ln_p, r.b + r.i)))
        .collect();
    let (joint_qs, joint_family) = bh_rates(&joint, p0, ln_fdr);
    for (r, &q) in fam_rows.iter_mut().zip(&joint_qs[cluster_tests.len()..]) {
        r.ln_q = q;
    }
    let fam_rate_family = joint_family.saturating_sub(rate_family);

    let mut flags: Vec<Flag> = Vec::new();
    let weights = |id: u32| severity(level_of(counts, &info, id), cfg);
    for r in &rows {
        if r.b + r.i == 0 || r.ln_q > ln_fdr {
            continue;
        }
        let Some(kind) = rate_kind(r, p0, cfg) else {
            continue;
        };
        let effect = r.lfc.abs();
        flags.push(make_flag(
            r,
            kind,
            effect,
            weights(r.id),
            &info,
            counts,
            cfg,
            t_base,
            t_inc,
        ));
    }

    // Trends inside the incident window.
    let inc_tl = tl_of(inc.group);
    let trend_width = trend_width(cw, inc.hi - inc.lo);
    let mut trend_rows = Vec::new();
    let mut trend_ln_ps = Vec::new();
    for (k, r) in rows.iter().enumerate() {
        if r.i < cfg.trend_min_count.max(cfg.min_spike_count) || r.b == 0 {
            continue;
        }
        let pts = bucketize(&inc_tl.counts(r.id), inc.lo, inc.hi, trend_width);
        let Some((_, _, ln_p)) = stats::mann_kendall(&pts) else {
            continue;
        };
        let third = pts.len() / 3;
        let first: u64 = pts[..third].iter().sum();
        let last: u64 = pts[pts.len() - third..].iter().sum();
        let ratio = (last as f64 + cfg.pseudo_count) / (first as f64 + cfg.pseudo_count);
        let last_ms = third as f64 * trend_width as f64 * cw as f64;
        trend_rows.push((k, ratio, last as f64 / last_ms.max(1.0)));
        trend_ln_ps.push(ln_p);
    }
    let trend_qs = stats::bh_ln_qvalues(&trend_ln_ps);
    for (((k, ratio, last_rate), &ln_p), &ln_q) in
        trend_rows.iter().zip(&trend_ln_ps).zip(&trend_qs)
    {
        let r = &rows[*k];
        // The rise must also end well above the baseline rate, or it is a wobble around
        // normal: the last third's rate against the baseline's, by the spike threshold.
        let base_rate = (r.b as f64 + cfg.pseudo_count) / t_base * center.exp2();
        let above = (last_rate / base_rate).log2() >= cfg.min_log2_fold;
        if ln_q > ln_fdr || *ratio < cfg.trend_min_ratio || !above {
            continue;
        }
        if let Some(f) = flags
            .iter_mut()
            .find(|f| f.cluster_id == r.id && f.kind == Kind::Spike)
        {
            // A rising spike is reported once, as the trend it is.
            f.kind = Kind::Trend;
            continue;
        }
        if flags.iter().any(|f| f.cluster_id == r.id) {
            continue;
        }
        let mut tr = r.clone();
        tr.ln_p = ln_p;
        tr.ln_q = ln_q;
        flags.push(make_flag(
            &tr,
            Kind::Trend,
            ratio.log2(),
            weights(r.id),
            &info,
            counts,
            cfg,
            t_base,
            t_inc,
        ));
    }

    // Parameter shifts.
    let k_values = counts.config().values_per_slot;
    let base_pr = base.param_range(cw, pw);
    let inc_pr = inc.param_range(cw, pw);
    let mut param_cands = Vec::new();
    let mut param_ln_ps = Vec::new();
    for r in &rows {
        if r.b < cfg.param_min_count || r.i < cfg.param_min_count {
            continue;
        }
        let slots = tl_of(base.group)
            .slot_count(r.id)
            .max(tl_of(inc.group).slot_count(r.id));
        for slot in 0..slots {
            let before = tl_of(base.group).slot(r.id, slot, k_values);
            let after = if base.group == inc.group {
                before.clone()
            } else {
                tl_of(inc.group).slot(r.id, slot, k_values)
            };
            let Some(cand) = param_test(&before, &after, base_pr, inc_pr, cfg) else {
                continue;
            };
            param_ln_ps.push(cand.ln_p);
            param_cands.push((r.id, slot, cand));
        }
    }
    // Families as slots: the members' shares. As for rates, a family's q-value comes from the
    // slots and families together, while the slots keep their own.
    let mut mix_cands: Vec<(usize, family::MixCandidate)> = Vec::new();
    for (k, f) in families.iter().enumerate() {
        let members: Vec<&Row> = f
            .members
            .iter()
            .filter_map(|&id| row_of(&rows, id))
            .collect();
        if let Some(c) = family::mix_test(f, &members, cfg) {
            mix_cands.push((k, c));
        }
    }
    let param_qs = stats::bh_ln_qvalues(&param_ln_ps);
    let mix_qs: Vec<f64> = stats::bh_ln_qvalues(
        &param_ln_ps
            .iter()
            .copied()
            .chain(mix_cands.iter().map(|(_, c)| c.ln_p))
            .collect::<Vec<f64>>(),
    )
    .split_off(param_ln_ps.len());
    // One finding per template: the slot with the largest share change (ties: the more
    // significant, then the lower slot); the other shifted slots are listed with it.
    let mut best_slot: BTreeMap<u32, (usize, Vec<u16>)> = BTreeMap::new();
    for (n, ((id, slot, cand), &ln_q)) in param_cands.iter().zip(&param_qs).enumerate() {
        if ln_q > ln_fdr || cand.effect < cfg.min_share_change {
            continue;
        }
        let e = best_slot.entry(*id).or_insert((n, Vec::new()));
        e.1.push(u16::try_from(*slot).unwrap_or(u16::MAX));
        let (cur, _, _) = &param_cands[e.0];
        let cur_q = param_qs[e.0];
        let better = cand.effect > param_cands[e.0].2.effect
            || (cand.effect == param_cands[e.0].2.effect && ln_q < cur_q);
        let _ = cur;
        if better {
            e.0 = n;
        }
    }
    for (n, ((id, slot, cand), &ln_q)) in param_cands.iter().zip(&param_qs).enumerate() {
        let Some((best, slots)) = best_slot.get(id) else {
            continue;
        };
        if *best != n {
            continue;
        }
        let Some(r) = rows.iter().find(|r| r.id == *id) else {
            continue;
        };
        let mut pr = r.clone();
        pr.ln_p = cand.ln_p;
        pr.ln_q = ln_q;
        let mut f = make_flag(
            &pr,
            Kind::ParamShift,
            SCORE_SHARE_WEIGHT * cand.effect,
            weights(*id),
            &info,
            counts,
            cfg,
            t_base,
            t_inc,
        );
        f.slot = u16::try_from(*slot).ok();
        f.other_slots = slots
            .iter()
            .copied()
            .filter(|s| Some(*s) != f.slot)
            .collect();
        f.values_before = cand.before.clone();
        f.values_after = cand.after.clone();
        flags.push(f);
    }

    // Family findings, and the member findings they explain.
    if !families.is_empty() {
        let family_flag = |r: &Row, kind: Kind, effect: f64, f: &family::Family| {
            family_flag(
                r,
                kind,
                effect,
                f,
                &rows,
                &info,
                counts,
                cfg,
                (t_base, t_inc),
            )
        };
        let cands = family::Candidates {
            families: &families,
            rows: &fam_rows,
            mix: &mix_cands,
            mix_qs: &mix_qs,
        };
        let (fam_flags, explained) = family::decide(&cands, &rows, &rates, cfg, family_flag);
        family::suppress(&mut flags, &explained);
        flags.extend(fam_flags);
    }

    flags.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| {
                a.first_seen
                    .unwrap_or(i64::MAX)
                    .cmp(&b.first_seen.unwrap_or(i64::MAX))
            })
            .then_with(|| a.cluster_id.cmp(&b.cluster_id))
            .then_with(|| a.kind.cmp(&b.kind))
    });
    let findings = flags.len();
    flags.truncate(cfg.max_flags);

    let display = display_width(cfg, cw, &base, &inc)?;
    let span_of = |s: &Side, events: u64| {
        let start_ms = s.lo.saturating_mul(cw);
        let end_ms = s.hi.saturating_mul(cw);
        let fmt = |ms: i64| match tl_of(s.group).basis() {
            TimeBasis::Timestamps => format_iso(ms),
            TimeBasis::Positions => format!("event {}", ms / window::POSITION_STEP_MS + 1),
        };
        Span {
            group: s.group,
            start_ms,
            end_ms,
            start: fmt(start_ms),
            end: fmt(end_ms),
            duration_ms: end_ms.saturating_sub(start_ms),
            events,
        }
    };
    let report = WindowReport {
        method,
        time_basis: basis,
        baseline: span_of(&base, base_events),
        incident: span_of(&inc, inc_events),
        bucket_ms: cw,
        param_bucket_ms: pw,
        display_bucket_ms: display,
        rate_center_log2: center,
        change_point,
        reason,
        notes,
    };
    let totals = Totals {
        baseline_events: base_events,
        incident_events: inc_events,
        templates_seen: rows.len(),
        templates_baseline: rows.iter().filter(|r| r.b > 0).count(),
        templates_incident: rows.iter().filter(|r| r.i > 0).count(),
        rate_tests: rate_family,
        param_tests: param_cands.len(),
        families: families.len(),
        family_tests: fam_rate_family + mix_cands.len(),
        findings,
    };
    Ok(Analysis {
        window: report,
        flagged: flags,
        totals,
    })
}

/// Counts per display bucket of one cluster, with the incident window marked by the split
/// into two segments. Each segment's buckets start at its window's start; the last bucket of
/// a segment may be partial.
pub fn time_series(counts: &WindowCounts, analysis: &Analysis, cluster: u32) -> TimeSeries {
    members_series(counts, analysis, &[cluster])
}

/// The chart of a finding: [`time_series`] summed over the clusters the flag covers (one
/// cluster, or every member of a template family).
pub fn flag_series(counts: &WindowCounts, analysis: &Analysis, flag: &Flag) -> TimeSeries {
    if flag.members.is_empty() {
        time_series(counts, analysis, flag.cluster_id)
    } else {
        members_series(counts, analysis, &flag.members)
    }
}

/// [`time_series`] summed over `clusters`.
pub fn members_series(counts: &WindowCounts, analysis: &Analysis, clusters: &[u32]) -> TimeSeries {
    let w = analysis.window.display_bucket_ms.max(1);
    let seg = |span: &Span| {
        let tl = counts.timeline(span.group);
        let cw = tl.count_width().max(1);
        let lo = span.start_ms.div_euclid(cw);
        let hi = span.end_ms.div_euclid(cw);
        // Buckets count from the window's own start so none straddles the boundary.
        let start = span.start_ms;
        let n = span
            .end_ms
            .saturating_sub(start)
            .saturating_add(w - 1)
            .div_euclid(w)
            .max(0);
        let n = usize::try_from(n.min(100_000)).unwrap_or(0);
        let mut out = vec![0u64; n];
        let series = clusters.iter().flat_map(|&id| tl.counts(id));
        for (k, c) in series {
            if k < lo || k >= hi {
                continue;
            }
            let t = k.saturating_mul(cw);
            let idx = (t.saturating_sub(start)).div_euclid(w);
            if let Ok(idx) = usize::try_from(idx)
                && let Some(slot) = out.get_mut(idx)
            {
                *slot += c;
            }
        }
        Segment {
            start_ms: start,
            counts: out,
        }
    };
    TimeSeries {
        bucket_ms: w,
        baseline: seg(&analysis.window.baseline),
        incident: seg(&analysis.window.incident),
    }
}

#[derive(Debug, Clone)]
struct Row {
    id: u32,
    b: u64,
    i: u64,
    ln_p: f64,
    ln_q: f64,
    lfc: f64,
    dir: Direction,
}

impl Default for Row {
    fn default() -> Self {
        Row {
            id: 0,
            b: 0,
            i: 0,
            ln_p: 0.0,
            ln_q: 0.0,
            lfc: 0.0,
            dir: Direction::Up,
        }
    }
}

/// The weighted median of `(value, weight)` pairs: the smallest value whose cumulative weight
/// reaches half the total, or the mean of it and the next when it reaches exactly half (with
/// equal weights, the ordinary median). `None` when empty.
fn weighted_median(mut v: Vec<(f64, f64)>) -> Option<f64> {
    v.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total: f64 = v.iter().map(|x| x.1).sum();
    let half = total / 2.0;
    // Relative tolerance for "exactly half", far below any weight (weights are 1/n).
    let eps = total * 1e-9;
    let mut acc = 0.0;
    for (k, &(x, w)) in v.iter().enumerate() {
        acc += w;
        if acc >= half - eps {
            if (acc - half).abs() <= eps
                && let Some(next) = v.get(k + 1)
            {
                return Some(0.5 * (x + next.0));
            }
            return Some(x);
        }
    }
    v.last().map(|x| x.0)
}

/// Benjamini-Hochberg q-values (log) of rate tests given as `(ln p, events)`, and how many
/// tests were in the family. Tests too rare to ever reach significance leave the family
/// (q = 1), so a hundred templates seen twice do not dilute the evidence of a new one seen
/// four times.
fn bh_rates(tests: &[(f64, u64)], p0: f64, ln_fdr: f64) -> (Vec<f64>, usize) {
    let ln_p_min: Vec<f64> = tests
        .iter()
        .map(|&(_, n)| {
            let (all_base, _) = stats::ln_poisson_rate_test(n, 0, p0);
            let (all_inc, _) = stats::ln_poisson_rate_test(0, n, p0);
            all_base.min(all_inc)
        })
        .collect();
    let in_family = stats::discrete_family(&ln_p_min, ln_fdr);
    let fam_ln_ps: Vec<f64> = tests
        .iter()
        .zip(&in_family)
        .filter(|(_, f)| **f)
        .map(|(t, _)| t.0)
        .collect();
    let mut qs = stats::bh_ln_qvalues(&fam_ln_ps).into_iter();
    let out = in_family
        .iter()
        .map(|&f| if f { qs.next().unwrap_or(0.0) } else { 0.0 })
        .collect();
    (out, fam_ln_ps.len())
}

/// The row of cluster `id` in `rows` (sorted by id).
fn row_of(rows: &[Row], id: u32) -> Option<&Row> {
    rows.binary_search_by_key(&id, |r| r.id)
        .ok()
        .and_then(|k| rows.get(k))
}

/// The rate finding a significant row makes, if its effect and counts are large enough.
fn rate_kind(r: &Row, p0: f64, cfg: &ScoreConfig) -> Option<Kind> {
    let expected_inc = (r.b + r.i) as f64 * p0;
    if r.b == 0 {
        (r.i >= cfg.min_new_count).then_some(Kind::New)
    } else if r.dir == Direction::Up {
        (r.i >= cfg.min_spike_count && r.lfc >= cfg.min_log2_fold).then_some(Kind::Spike)
    } else {
        (expected_inc >= cfg.min_drop_expected && r.lfc <= -cfg.min_log2_fold).then_some(Kind::Drop)
    }
}

fn window_sum(tl: &Timeline<'_>, id: u32, side: Side) -> u64 {
    tl.counts(id)
        .into_iter()
        .filter(|(k, _)| *k >= side.lo && *k < side.hi)
        .map(|(_, c)| c)
        .sum()
}

fn level_of(counts: &WindowCounts, info: &BTreeMap<u32, &ClusterInfo>, id: u32) -> Option<Level> {
    if let Some(l) = info.get(&id).and_then(|c| c.level) {
        return Some(l);
    }
    let lv = counts.cluster_levels(id);
    let (idx, n) = lv[..6].iter().enumerate().max_by_key(|(i, n)| (**n, *i))?;
    if *n == 0 {
        return None;
    }
    window::level_from_index(idx)
}

fn severity(level: Option<Level>, cfg: &ScoreConfig) -> f64 {
    match level {
        Some(Level::Warn) => cfg.severity_weights[0],
        Some(Level::Error) => cfg.severity_weights[1],
        Some(Level::Fatal) => cfg.severity_weights[2],
        _ => 1.0,
    }
}

fn level_name(level: Option<Level>) -> Option<&'static str> {
    level.map(|l| match l {
        Level::Trace => "trace",
        Level::Debug => "debug",
        Level::Info => "info",
        Level::Warn => "warn",
        Level::Error => "error",
        Level::Fatal => "fatal",
    })
}

#[allow(clippy::too_many_arguments)]
fn make_flag(
    r: &Row,
    kind: Kind,
    effect: f64,
    weight: f64,
    info: &BTreeMap<u32, &ClusterInfo>,
    counts: &WindowCounts,
    cfg: &ScoreConfig,
    t_base: f64,
    t_inc: f64,
) -> Flag {
    let ci = info.get(&r.id);
    let significance = (-r.ln_q / std::f64::consts::LN_10).clamp(0.0, SCORE_SIGNIFICANCE_CAP);
    // Effect and evidence both count: the score grows with the size of the change and with
    // the square root of its significance, times the severity weight.
    let score = weight * (1.0 + effect.abs()) * significance.sqrt();
    let (first_seen, last_seen) = seen(counts, info, r.id);
    Flag {
        cluster_id: r.id,
        members: vec![r.id],
        template: ci.map_or_else(|| format!("<cluster {}>", r.id), |c| c.template.clone()),
        kind,
        score,
        p_value: r.ln_p.exp(),
        q_value: r.ln_q.exp(),
        log10_p: r.ln_p / std::f64::consts::LN_10,
        baseline_count: r.b,
        incident_count: r.i,
        baseline_rate: r.b as f64 / t_base * 60_000.0,
        incident_rate: r.i as f64 / t_inc * 60_000.0,
        fold_change: r.lfc.exp2(),
        vanished: kind == Kind::Drop && r.i == 0,
        first_seen,
        last_seen,
        level: level_name(level_of(counts, info, r.id)),
        slot: None,
        other_slots: Vec::new(),
        values_before: Vec::new(),
        values_after: Vec::new(),
        samples: ci.map_or_else(Vec::new, |c| {
            c.samples.iter().take(cfg.max_samples).cloned().collect()
        }),
    }
}

/// The flag of a template family: the row's statistics under the family's template, with
/// the members' times, samples and level (that of the member with the most events).
#[allow(clippy::too_many_arguments)]
fn family_flag(
    r: &Row,
    kind: Kind,
    effect: f64,
    fam: &family::Family,
    rows: &[Row],
    info: &BTreeMap<u32, &ClusterInfo>,
    counts: &WindowCounts,
    cfg: &ScoreConfig,
    (t_base, t_inc): (f64, f64),
) -> Flag {
    let mut by_size: Vec<&Row> = fam
        .members
        .iter()
        .filter_map(|&id| row_of(rows, id))
        .collect();
    by_size.sort_by(|a, b| (b.b + b.i).cmp(&(a.b + a.i)).then(a.id.cmp(&b.id)));
    let lead = by_size.first().map_or(r.id, |m| m.id);
    let level = level_of(counts, info, lead);
    let mut f = make_flag(
        r,
        kind,
        effect,
        severity(level, cfg),
        info,
        counts,
        cfg,
        t_base,
        t_inc,
    );
    f.members = fam.members.clone();
    f.template = fam.template.clone();
    f.level = level_name(level);
    let times: Vec<(Option<i64>, Option<i64>)> = fam
        .members
        .iter()
        .map(|&id| seen(counts, info, id))
        .collect();
    f.first_seen = times.iter().filter_map(|t| t.0).min();
    f.last_seen = times.iter().filter_map(|t| t.1).max();
    // Samples in turn from the busiest members, so several siblings are shown.
    f.samples.clear();
    let lists: Vec<&[String]> = by_size
        .iter()
        .filter_map(|m| info.get(&m.id).map(|c| c.samples.as_slice()))
        .collect();
    let longest = lists.iter().map(|l| l.len()).max().unwrap_or(0);
    'fill: for k in 0..longest {
        for l in &lists {
            if f.samples.len() >= cfg.max_samples {
                break 'fill;
            }
            if let Some(s) = l.get(k) {
                f.samples.push(s.clone());
            }
        }
    }
    f
}

/// First and last time of a cluster: the caller's times when it has them, else the bucket
/// bounds of the counts.
fn seen(
    counts: &WindowCounts,
    info: &BTreeMap<u32, &ClusterInfo>,
    id: u32,
) -> (Option<i64>, Option<i64>) {
    let ci = info.get(&id);
    let (series_first, series_last) = seen_from_counts(counts, id);
    (
        ci.and_then(|c| c.first_seen).map(|t| t.0).or(series_first),
        ci.and_then(|c| c.last_seen).map(|t| t.0).or(series_last),
    )
}

/// Start of the first and end of the last count bucket holding the cluster, over the groups
/// that have timestamps.
fn seen_from_counts(counts: &WindowCounts, id: u32) -> (Option<i64>, Option<i64>) {
    let mut first: Option<i64> = None;
    let mut last: Option<i64> = None;
    for g in [Group::Baseline, Group::Target] {
        let tl = counts.timeline(g);
        if tl.basis() != TimeBasis::Timestamps {
            continue;
        }
        let series = tl.counts(id);
        let w = tl.count_width();
        if let (Some((a, _)), Some((b, _))) = (series.first(), series.last()) {
            let (a, b) = (a.saturating_mul(w), b.saturating_add(1).saturating_mul(w));
            first = Some(first.map_or(a, |f| f.min(a)));
            last = Some(last.map_or(b, |l| l.max(b)));
        }
    }
    (first, last)
}

struct ParamCandidate {
    ln_p: f64,
    effect: f64,
    before: Vec<ValueShare>,
    after: Vec<ValueShare>,
}

/// G-test of homogeneity on the tracked values plus "other" between the two windows.
fn param_test(
    before: &SlotSummary,
    after: &SlotSummary,
    base: (i64, i64),
    inc: (i64, i64),
    cfg: &ScoreConfig,
) -> Option<ParamCandidate> {
    let nb = before.totals.sum_range(base.0, base.1);
    let ni = after.totals.sum_range(inc.0, inc.1);
    if nb < cfg.param_min_count || ni < cfg.param_min_count {
        return None;
    }
    // Union of the tracked values of both sides.
    let mut values: Vec<&[u8]> = before
        .tracked
        .iter()
        .chain(&after.tracked)
        .map(|t| t.value.as_slice())
        .collect();
    values.sort_unstable();
    values.dedup();
    let count_in = |s: &SlotSummary, v: &[u8], r: (i64, i64)| {
        s.tracked
            .iter()
            .find(|t| t.value == v)
            .map_or(0, |t| t.series.sum_range(r.0, r.1))
    };
    let mut bs: Vec<u64> = values.iter().map(|v| count_in(before, v, base)).collect();
    let mut is: Vec<u64> = values.iter().map(|v| count_in(after, v, inc)).collect();
    let exact_b = bs.clone();
    let exact_i = is.clone();
    let mut other_b = nb.saturating_sub(bs.iter().sum());
    let mut other_i = ni.saturating_sub(is.iter().sum());
    let exact_other = (other_b, other_i);
    // A value that entered the summary by eviction after a window began had its earlier
    // occurrences in that window counted as "other"; Space-Saving bounds them by the value's
    // error (or, for a value the side does not track, by the side's smallest weight). Within
    // that bound the value is given the count least favourable to a shift (as close to its
    // share on the other side as the bound allows), so eviction history cannot pass for a
    // change of distribution.
    let nbf = nb as f64;
    let nif = ni as f64;
    for (n, v) in values.iter().enumerate() {
        let room_b = unseen_bound(before, v, base.0).min(other_b);
        let target_b = (is[n] as f64 / nif * nbf).round() as u64;
        let add_b = target_b.saturating_sub(bs[n]).min(room_b);
        bs[n] += add_b;
        other_b -= add_b;
        let room_i = unseen_bound(after, v, inc.0).min(other_i);
        let target_i = (bs[n] as f64 / nbf * nif).round() as u64;
        let add_i = target_i.saturating_sub(is[n]).min(room_i);
        is[n] += add_i;
        other_i -= add_i;
    }
    bs.push(other_b);
    is.push(other_i);
    let (_, _, ln_p) = stats::g_test_2xk(&bs, &is)?;
    let effect = bs[..values.len()]
        .iter()
        .zip(&is[..values.len()])
        .map(|(&b, &i)| (i as f64 / nif - b as f64 / nbf).abs())
        .fold(0.0, f64::max);
    // What a person reads: the counts as recorded, with the possible extra beside them.
    let top = |exact: &[u64], bound: &[u64], other: u64, n: f64| {
        let mut v: Vec<ValueShare> = values
            .iter()
            .zip(exact.iter().zip(bound))
            .filter(|(_, (c, b))| **c > 0 || **b > 0)
            .map(|(val, (&c, &b))| ValueShare {
                value: String::from_utf8_lossy(val).into_owned(),
                count: c,
                share: c as f64 / n,
                possibly_more: b.saturating_sub(c),
            })
            .collect();
        let most = |x: &ValueShare| x.count + x.possibly_more;
        v.sort_by(|a, b| most(b).cmp(&most(a)).then_with(|| a.value.cmp(&b.value)));
        v.truncate(TOP_VALUES);
        if other > 0 {
            v.push(ValueShare {
                value: "<other>".into(),
                count: other,
                share: other as f64 / n,
                possibly_more: 0,
            });
        }
        v
    };
    Some(ParamCandidate {
        ln_p,
        effect,
        before: top(&exact_b, &bs, exact_other.0, nbf),
        after: top(&exact_i, &is, exact_other.1, nif),
    })
}

/// How many occurrences of `value` inside a window starting at parameter bucket `lo` the
/// summary may have lost to "other": none when the value has been tracked since before `lo`
/// or was never displaced, its Space-Saving error when it entered later by eviction, and the
/// smallest tracked weight when the summary is full and does not track it.
fn unseen_bound(s: &SlotSummary, value: &[u8], lo: i64) -> u64 {
    match s.tracked.iter().find(|t| t.value == value) {
        Some(t) => {
            let since = t.series.iter().next().map(|(k, _)| k);
            if t.error > 0 && since.is_some_and(|k| k > lo) {
                t.error
            } else {
                0
            }
        }
        None => {
            if s.tracked.is_empty() {
                0
            } else {
                s.tracked.iter().map(|t| t.weight).min().unwrap_or(0)
            }
        }
    }
}

/// Sums `(bucket, count)` pairs into `ceil((hi - lo) / width)` points over `[lo, hi)`.
fn bucketize(series: &[(i64, u64)], lo: i64, hi: i64, width: i64) -> Vec<u64> {
    let width = width.max(1);
    let n = ((hi - lo + width - 1) / width).clamp(0, 10_000) as usize;
    let mut out = vec![0u64; n];
    for &(k, c) in series {
        if k < lo || k >= hi {
            continue;
        }
        if let Some(slot) = out.get_mut(((k - lo) / width) as usize) {
            *slot += c;
        }
    }
    // A last partial bucket would look like a drop; fold it into the previous one's scale
    // by leaving it out when it covers less than half a bucket.
    let rem = (hi - lo) % width;
    if rem != 0 && rem * 2 < width && out.len() > 1 {
        out.pop();
    }
    out
}

/// Buckets (in count buckets) per trend point.
fn trend_width(_cw: i64, len: i64) -> i64 {
    (len / TREND_POINTS).max(1)
}

fn display_width(cfg: &ScoreConfig, cw: i64, base: &Side, inc: &Side) -> Result<i64, ScoreError> {
    if let Some(b) = cfg.display_bucket_ms {
        if b % cw != 0 {
            return Err(ScoreError::Config(format!(
                "the chart bucket ({}) must be a multiple of the stored resolution ({}); \
                 choose a coarser --bucket",
                human_ms(b),
                human_ms(cw)
            )));
        }
        return Ok(b);
    }
    let span = if base.group == inc.group {
        (inc.hi.max(base.hi) - base.lo.min(inc.lo)).saturating_mul(cw)
    } else {
        (base.hi - base.lo).max(inc.hi - inc.lo).saturating_mul(cw)
    };
    let mut step = 0;
    while let Some(w) = window::ladder_width(cw, step) {
        if span / w <= DEFAULT_DISPLAY_POINTS {
            return Ok(w);
        }
        step += 1;
    }
    Ok(cw)
}

type Chosen = (Side, Side, WindowMethod, Option<ChangePoint>, String);

fn choose_windows(
    base_tl: &Timeline<'_>,
    target_tl: &Timeline<'_>,
    spec: &WindowSpec,
    cfg: &ScoreConfig,
    cw: i64,
    notes: &mut Vec<String>,
) -> Result<Chosen, ScoreError> {
    let has_baseline = base_tl.events() > 0;
    let Some((t_lo, t_hi)) = target_tl.bucket_range() else {
        return Err(ScoreError::Window(
            "no events outside the --baseline inputs: give the incident logs too".into(),
        ));
    };
    let full_target = Side {
        group: Group::Target,
        lo: t_lo,
        hi: t_hi.saturating_add(1),
    };
    if has_baseline {
        let Some((b_lo, b_hi)) = base_tl.bucket_range() else {
            return Err(ScoreError::EmptyBaseline);
        };
        let base = Side {
            group: Group::Baseline,
            lo: b_lo,
            hi: b_hi.saturating_add(1),
        };
        let (inc, method, reason) = match spec {
            WindowSpec::Auto | WindowSpec::BaselineInputs => (
                full_target,
                WindowMethod::BaselineInputs,
                "baseline: the --baseline inputs; incident: all other inputs".to_string(),
            ),
            WindowSpec::IncidentStart { start, end } => {
                let inc = cut(target_tl, full_target, *start, *end, cw, notes)?;
                (
                    inc,
                    WindowMethod::IncidentStart,
                    "baseline: the --baseline inputs; incident: the given window of the other \
                     inputs"
                        .to_string(),
                )
            }
            WindowSpec::Last { ms } => {
                let inc = cut(
                    target_tl,
                    full_target,
                    TimeRef::BeforeEnd(*ms),
                    None,
                    cw,
                    notes,
                )?;
                (
                    inc,
                    WindowMethod::Last,
                    format!(
                        "baseline: the --baseline inputs; incident: the last {} of the other \
                         inputs",
                        human_ms(*ms)
                    ),
                )
            }
        };
        return Ok((base, inc, method, None, reason));
    }
    match spec {
        WindowSpec::BaselineInputs => Err(ScoreError::EmptyBaseline),
        WindowSpec::IncidentStart { start, end } => {
            let inc = cut(target_tl, full_target, *start, *end, cw, notes)?;
            let base = baseline_before(full_target, inc)?;
            Ok((
                base,
                inc,
                WindowMethod::IncidentStart,
                None,
                format!(
                    "incident from {} as given; baseline: everything before",
                    describe(target_tl, inc.lo * cw)
                ),
            ))
        }
        WindowSpec::Last { ms } => {
            let inc = cut(
                target_tl,
                full_target,
                TimeRef::BeforeEnd(*ms),
                None,
                cw,
                notes,
            )?;
            let base = baseline_before(full_target, inc)?;
            Ok((
                base,
                inc,
                WindowMethod::Last,
                None,
                format!(
                    "incident: the last {} of the data; baseline: everything before",
                    human_ms(*ms)
                ),
            ))
        }
        WindowSpec::Auto => {
            let (split, cp) = change_point(target_tl, full_target, cfg, cw)?;
            let base = Side {
                hi: split,
                ..full_target
            };
            let inc = Side {
                lo: split,
                ..full_target
            };
            let mut reason = format!(
                "automatic: the split at {} maximises the summed per-template likelihood-ratio \
                 statistic of a rate change (G = {:.1} over {} templates); the later segment \
                 is taken as the incident",
                describe(target_tl, split * cw),
                cp.statistic,
                cp.templates
            );
            if let (Some(at), Some(g)) = (cp.runner_up_ms, cp.runner_up_statistic) {
                reason.push_str(&format!(
                    "; runner-up at {} (G = {:.1})",
                    describe(target_tl, at),
                    g
                ));
            }
            Ok((base, inc, WindowMethod::ChangePoint, Some(cp), reason))
        }
    }
}

fn describe(tl: &Timeline<'_>, ms: i64) -> String {
    match tl.basis() {
        TimeBasis::Timestamps => format_iso(ms),
        TimeBasis::Positions => format!("event {}", ms / window::POSITION_STEP_MS + 1),
    }
}

fn baseline_before(full: Side, inc: Side) -> Result<Side, ScoreError> {
    if inc.lo <= full.lo {
        return Err(ScoreError::Window(
            "the incident starts at or before the first event, leaving no baseline: give a \
             later --incident-start or a --baseline file"
                .into(),
        ));
    }
    Ok(Side { hi: inc.lo, ..full })
}

/// Resolves the incident window inside `full`, snapping to count buckets.
fn cut(
    tl: &Timeline<'_>,
    full: Side,
    start: TimeRef,
    end: Option<TimeRef>,
    cw: i64,
    notes: &mut Vec<String>,
) -> Result<Side, ScoreError> {
    if tl.basis() == TimeBasis::Positions {
        return Err(ScoreError::Window(
            "the input has no timestamps, so an incident time cannot be placed: give \
             --baseline files or let the window be found automatically"
                .into(),
        ));
    }
    let Some((_, t_max)) = tl.time_range() else {
        return Err(ScoreError::NoEvents);
    };
    let resolve = |r: TimeRef| -> Result<i64, ScoreError> {
        match r {
            TimeRef::At(Timestamp(t)) => Ok(t),
            TimeRef::BeforeEnd(ms) if ms > 0 => {
                // The data ends at the end of its last bucket at timestamp resolution.
                Ok(t_max.saturating_add(1_000.min(cw)).saturating_sub(ms))
            }
            TimeRef::BeforeEnd(_) => Err(ScoreError::Window(
                "a relative time must be a positive duration before the end (e.g. -30m)".into(),
            )),
        }
    };
    let s = resolve(start)?;
    let lo = div_round(s, cw);
    if s.rem_euclid(cw) != 0 {
        notes.push(format!(
            "the incident start {} falls inside a {} bucket; it was snapped to {}",
            format_iso(s),
            human_ms(cw),
            format_iso(lo.saturating_mul(cw))
        ));
    }
    let hi = match end {
        Some(e) => {
            let e = resolve(e)?;
            div_round(e, cw).min(full.hi)
        }
        None => full.hi,
    };
    if lo >= full.hi || lo >= hi {
        return Err(ScoreError::Window(format!(
            "the incident window starting {} holds no data (the data ends {}): check the time \
             and its time zone",
            format_iso(s),
            format_iso(t_max)
        )));
    }
    Ok(Side {
        group: full.group,
        lo: lo.max(full.lo),
        hi,
    })
}

/// The change-point search: the split maximising the summed per-template likelihood-ratio
/// statistic of "one rate before, another after" against "one rate throughout".
fn change_point(
    tl: &Timeline<'_>,
    full: Side,
    cfg: &ScoreConfig,
    cw: i64,
) -> Result<(i64, ChangePoint), ScoreError> {
    let len = full.hi - full.lo;
    // Coarser scan buckets when the timeline is long.
    let mut factor = 1i64;
    let mut step = 0;
    while len / factor > MAX_CP_BUCKETS {
        step += 1;
        match window::ladder_width(cw, step) {
            Some(w) => factor = w / cw,
            None => break,
        }
    }
    let lo = full.lo.div_euclid(factor);
    let n = (full.hi - 1).div_euclid(factor) - lo + 1;
    if n > MAX_CP_BUCKETS.saturating_mul(10) {
        return Err(ScoreError::Window(
            "the timeline is too long to search for an incident: give --incident-start, \
             --last or --baseline"
                .into(),
        ));
    }
    let min_seg = ((n as f64 * cfg.cp_min_segment).ceil() as i64).max(1);
    if n < 2 * min_seg + 1 || n < 4 {
        return Err(ScoreError::Window(
            "the timeline is too short to find an incident automatically: give \
             --incident-start, --last or --baseline"
                .into(),
        ));
    }
    let n_us = n as usize;
    let mut total = vec![0.0f64; n_us + 1];
    let mut used = 0usize;
    let mut buf = vec![0u64; n_us];
    for id in tl.cluster_ids() {
        let series = tl.counts(id);
        let sum: u64 = series.iter().map(|(_, c)| c).sum();
        if sum < CP_MIN_TEMPLATE_EVENTS {
            continue;
        }
        used += 1;
        buf.iter_mut().for_each(|x| *x = 0);
        for (k, c) in series {
            let idx = k.div_euclid(factor) - lo;
            if let Ok(i) = usize::try_from(idx)
                && let Some(s) = buf.get_mut(i)
            {
                *s += c;
            }
        }
        let nf = sum as f64;
        let mut before = 0u64;
        for s in 1..n_us {
            before += buf[s - 1];
            if (s as i64) < min_seg || (s as i64) > n - min_seg {
                continue;
            }
            let b = before as f64;
            let a = nf - b;
            let frac = s as f64 / n as f64;
            let eb = nf * frac;
            let ea = nf - eb;
            let mut g = 0.0;
            if b > 0.0 {
                g += b * (b / eb).ln();
            }
            if a > 0.0 {
                g += a * (a / ea).ln();
            }
            total[s] += 2.0 * g;
        }
    }
    let valid = |s: usize| (s as i64) >= min_seg && (s as i64) <= n - min_seg;
    let Some(best) = (1..n_us)
        .filter(|&s| valid(s))
        .max_by(|&a, &b| total[a].total_cmp(&total[b]).then_with(|| b.cmp(&a)))
    else {
        return Err(ScoreError::Window("no candidate split".into()));
    };
    let far = (n / 10).max(min_seg) as usize;
    let runner = (1..n_us)
        .filter(|&s| valid(s) && s.abs_diff(best) > far)
        .max_by(|&a, &b| total[a].total_cmp(&total[b]).then_with(|| b.cmp(&a)));
    let to_ms = |s: usize| (lo + s as i64).saturating_mul(factor).saturating_mul(cw);
    let split = (lo + best as i64).saturating_mul(factor);
    Ok((
        split.max(full.lo + 1).min(full.hi - 1),
        ChangePoint {
            statistic: total[best],
            templates: used,
            candidates: (1..n_us).filter(|&s| valid(s)).count(),
            bucket_ms: factor.saturating_mul(cw),
            runner_up_ms: runner.map(to_ms),
            runner_up_statistic: runner.map(|s| total[s]),
            runner_up: runner.map(|s| match tl.basis() {
                TimeBasis::Timestamps => format_iso(to_ms(s)),
                TimeBasis::Positions => {
                    format!("event {}", to_ms(s) / window::POSITION_STEP_MS + 1)
                }
            }),
        },
    ))
}

/// A duration in the largest whole unit: `1s`, `10m`, `2h`, `1d`, else ms.
pub fn human_ms(ms: i64) -> String {
    for (unit, name) in [
        (86_400_000, "d"),
        (3_600_000, "h"),
        (60_000, "m"),
        (1_000, "s"),
    ] {
        if ms >= unit && ms % unit == 0 {
            return format!("{}{}", ms / unit, name);
        }
    }
    format!("{ms}ms")
}

/// ISO-8601 UTC text of a millisecond timestamp (proleptic Gregorian calendar).
pub fn format_iso(ms: i64) -> String {
    let secs = ms.div_euclid(1_000);
    let milli = ms.rem_euclid(1_000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let base = format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        sod / 3_600,
        (sod / 60) % 60,
        sod % 60
    );
    if milli == 0 {
        format!("{base}Z")
    } else {
        format!("{base}.{milli:03}Z")
    }
}

/// Days since 1970-01-01 to (year, month, day); Hinnant's "civil_from_days" algorithm.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_formatting() {
        assert_eq!(format_iso(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_iso(1_226_263_375_000), "2008-11-09T20:42:55Z");
        assert_eq!(format_iso(-1), "1969-12-31T23:59:59.999Z");
    }

    #[test]
    fn weighted_median_reduces_to_the_median_with_equal_weights() {
        let eq = |v: &[f64]| weighted_median(v.iter().map(|&x| (x, 1.0)).collect());
        assert_eq!(eq(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(eq(&[4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(eq(&[]), None);
        // Three siblings at -1 share one vote against two templates at +1 and one at 0.
        let w = vec![
            (-1.0, 1.0 / 3.0),
            (-1.0, 1.0 / 3.0),
            (-1.0, 1.0 / 3.0),
            (0.0, 1.0),
            (1.0, 1.0),
            (1.0, 1.0),
        ];
        assert_eq!(weighted_median(w), Some(0.5));
    }

    #[test]
    fn human_durations() {
        assert_eq!(human_ms(60_000), "1m");
        assert_eq!(human_ms(1_500), "1500ms");
    }
}
