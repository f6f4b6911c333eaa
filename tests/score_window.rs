//! The window accumulator: merges commute and associate, shards merge to the single pass,
//! coarsening keeps totals, the state survives serde, and no sequence of observations or
//! window request makes the accumulator or the analysis panic.

use logsift::record::{Level, Timestamp};
use logsift::score::{self, ClusterInfo, ScoreConfig, TimeRef, WindowSpec};
use logsift::window::{Group, WindowConfig, WindowCounts, merge};
use proptest::prelude::*;

/// One observation: group, timestamp, cluster, level, slot values.
type Obs = (bool, Option<i64>, u32, Option<u8>, Vec<(u16, u8)>);

/// A handful of values per slot, fewer than the summary tracks, so merges are exact.
const VALUES: [&[u8]; 5] = [b"200", b"404", b"503", b"alice", b"bob"];

fn level(l: Option<u8>) -> Option<Level> {
    l.map(|x| match x % 6 {
        0 => Level::Trace,
        1 => Level::Debug,
        2 => Level::Info,
        3 => Level::Warn,
        4 => Level::Error,
        _ => Level::Fatal,
    })
}

fn ts_strategy() -> impl Strategy<Value = Option<i64>> {
    prop_oneof![
        3 => (1_600_000_000_000i64..1_600_000_600_000).prop_map(Some),
        1 => Just(None),
        1 => prop_oneof![
            Just(i64::MIN),
            Just(i64::MAX),
            Just(0i64),
            Just(-1i64),
            (i64::MIN / 2..i64::MAX / 2),
        ]
        .prop_map(Some),
    ]
}

fn calm_ts_strategy() -> impl Strategy<Value = Option<i64>> {
    prop_oneof![
        4 => (1_600_000_000_000i64..1_600_000_600_000).prop_map(Some),
        1 => Just(None),
    ]
}

fn obs_strategy(ts: BoxedStrategy<Option<i64>>) -> impl Strategy<Value = Obs> {
    (
        any::<bool>(),
        ts,
        0u32..6,
        proptest::option::of(0u8..6),
        proptest::collection::vec((0u16..3, 0u8..5), 0..3),
    )
}

fn feed(w: &mut WindowCounts, obs: &[Obs]) {
    for (g, ts, c, l, params) in obs {
        let p: Vec<(u16, &[u8])> = params
            .iter()
            .map(|(s, v)| (*s, VALUES[usize::from(*v)]))
            .collect();
        let group = if *g { Group::Baseline } else { Group::Target };
        w.observe(group, ts.map(Timestamp), *c, level(*l), &p);
    }
}

fn shard(cfg: WindowConfig, n: u64, obs: &[Obs]) -> WindowCounts {
    let mut w = match WindowCounts::new_shard(cfg, n) {
        Ok(w) => w,
        Err(e) => panic!("{e}"),
    };
    feed(&mut w, obs);
    w
}

fn big() -> WindowConfig {
    WindowConfig::default()
}

fn small() -> WindowConfig {
    match WindowConfig::builder()
        .max_count_entries(1_000)
        .max_param_entries(1_000)
        .build()
    {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    }
}

fn merged(a: WindowCounts, b: WindowCounts) -> WindowCounts {
    match merge(a, b) {
        Ok(m) => m,
        Err(e) => panic!("{e}"),
    }
}

/// What the analysis reads of a group: per-cluster series and slot summaries.
fn resolved(w: &WindowCounts) -> Vec<String> {
    let mut out = Vec::new();
    for g in [Group::Baseline, Group::Target] {
        let tl = w.timeline(g);
        out.push(format!("{g:?} {:?} {:?}", tl.basis(), tl.bucket_range()));
        for id in tl.cluster_ids() {
            out.push(format!("{id} {:?}", tl.counts(id)));
            for slot in 0..tl.slot_count(id) {
                let s = tl.slot(id, slot, 64);
                let mut vals: Vec<String> = s
                    .tracked
                    .iter()
                    .map(|t| format!("{:?}={:?}", t.value, t.series.iter().collect::<Vec<_>>()))
                    .collect();
                vals.sort();
                out.push(format!(
                    "  slot {slot} {:?} {vals:?}",
                    s.totals.iter().collect::<Vec<_>>()
                ));
            }
        }
    }
    out
}

fn clusters() -> Vec<ClusterInfo> {
    (0..6)
        .map(|i| ClusterInfo {
            id: i,
            template: format!("template {i} <*>"),
            level: None,
            first_seen: None,
            last_seen: None,
            samples: vec![format!("line of {i}")],
        })
        .collect()
}

fn specs() -> Vec<WindowSpec> {
    vec![
        WindowSpec::Auto,
        WindowSpec::BaselineInputs,
        WindowSpec::Last { ms: 60_000 },
        WindowSpec::Last { ms: i64::MAX },
        WindowSpec::IncidentStart {
            start: TimeRef::At(Timestamp(1_600_000_300_000)),
            end: None,
        },
        WindowSpec::IncidentStart {
            start: TimeRef::BeforeEnd(120_000),
            end: Some(TimeRef::BeforeEnd(1_000)),
        },
        WindowSpec::IncidentStart {
            start: TimeRef::At(Timestamp(i64::MIN)),
            end: Some(TimeRef::At(Timestamp(i64::MAX))),
        },
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn merge_commutes(
        a in proptest::collection::vec(obs_strategy(ts_strategy().boxed()), 0..40),
        b in proptest::collection::vec(obs_strategy(ts_strategy().boxed()), 0..40),
    ) {
        for cfg in [big(), small()] {
            let x = merged(shard(cfg, 0, &a), shard(cfg, 1, &b));
            let y = merged(shard(cfg, 1, &b), shard(cfg, 0, &a));
            prop_assert_eq!(x, y);
        }
    }

    #[test]
    fn merge_associates(
        a in proptest::collection::vec(obs_strategy(calm_ts_strategy().boxed()), 0..30),
        b in proptest::collection::vec(obs_strategy(calm_ts_strategy().boxed()), 0..30),
        c in proptest::collection::vec(obs_strategy(calm_ts_strategy().boxed()), 0..30),
    ) {
        let cfg = big();
        let left = merged(merged(shard(cfg, 0, &a), shard(cfg, 1, &b)), shard(cfg, 2, &c));
        let right = merged(shard(cfg, 0, &a), merged(shard(cfg, 1, &b), shard(cfg, 2, &c)));
        prop_assert_eq!(resolved(&left), resolved(&right));
        prop_assert_eq!(left.cluster_totals(Group::Target), right.cluster_totals(Group::Target));
    }

    #[test]
    fn contiguous_shards_merge_to_the_single_pass(
        all in proptest::collection::vec(obs_strategy(calm_ts_strategy().boxed()), 0..80),
        cut1 in 0usize..80,
        cut2 in 0usize..80,
    ) {
        let cfg = big();
        let (c1, c2) = (cut1.min(cut2).min(all.len()), cut1.max(cut2).min(all.len()));
        let one = shard(cfg, 0, &all);
        let parts = merged(
            merged(shard(cfg, 0, &all[..c1]), shard(cfg, 1, &all[c1..c2])),
            shard(cfg, 2, &all[c2..]),
        );
        prop_assert_eq!(resolved(&one), resolved(&parts));
        for spec in specs() {
            let x = score::analyse(&one, &clusters(), &spec, &ScoreConfig::default());
            let y = score::analyse(&parts, &clusters(), &spec, &ScoreConfig::default());
            let x = x.map(|a| serde_json::to_string(&a).unwrap_or_default());
            let y = y.map(|a| serde_json::to_string(&a).unwrap_or_default());
            prop_assert_eq!(x, y);
        }
    }

    #[test]
    fn nothing_panics_and_state_round_trips(
        obs in proptest::collection::vec(obs_strategy(ts_strategy().boxed()), 0..120),
    ) {
        let w = shard(small(), 0, &obs);
        let total: u64 = w.cluster_totals(Group::Target).values().sum::<u64>()
            + w.cluster_totals(Group::Baseline).values().sum::<u64>();
        prop_assert_eq!(total, obs.len() as u64);
        prop_assert!(w.count_entries() <= 1_000 || w.over_budget());
        let json = serde_json::to_string(&w).unwrap_or_default();
        let back: Option<WindowCounts> = serde_json::from_str(&json).ok();
        prop_assert_eq!(back, Some(w.clone()));
        for spec in specs() {
            if let Ok(a) = score::analyse(&w, &clusters(), &spec, &ScoreConfig::default()) {
                prop_assert!(a.flagged.iter().all(|f| f.score.is_finite() && f.p_value <= 1.0));
                prop_assert!(a.window.baseline.duration_ms >= 0);
                for f in &a.flagged {
                    let _ = score::time_series(&w, &a, f.cluster_id);
                }
            }
        }
    }
}

#[test]
fn coarsening_keeps_totals_and_series_sums() {
    let cfg = small();
    let mut fine = match WindowCounts::new(big()) {
        Ok(w) => w,
        Err(e) => panic!("{e}"),
    };
    let mut coarse = match WindowCounts::new(cfg) {
        Ok(w) => w,
        Err(e) => panic!("{e}"),
    };
    // Out of order, three clusters, 6000 distinct seconds.
    for i in 0..6_000i64 {
        let t = 1_600_000_000_000 + ((i * 7_919) % 6_000) * 1_000;
        for w in [&mut fine, &mut coarse] {
            w.observe(
                Group::Target,
                Some(Timestamp(t)),
                (i % 3) as u32,
                None,
                &[(0, b"x")],
            );
        }
    }
    assert!(coarse.coarsenings() >= 2, "{}", coarse.coarsenings());
    assert!(coarse.count_entries() <= 1_000);
    assert_eq!(fine.coarsenings(), 0);
    let cw = coarse.count_width_ms();
    assert_eq!(cw % fine.count_width_ms(), 0);
    for id in 0..3 {
        // Re-aggregating the fine series at the coarse width gives the coarse series.
        let mut agg = std::collections::BTreeMap::new();
        for (k, c) in fine.timeline(Group::Target).counts(id) {
            *agg.entry((k * 1_000).div_euclid(cw)).or_insert(0u64) += c;
        }
        let coarse_series: std::collections::BTreeMap<i64, u64> = coarse
            .timeline(Group::Target)
            .counts(id)
            .into_iter()
            .collect();
        assert_eq!(agg, coarse_series);
    }
    assert_eq!(
        fine.cluster_totals(Group::Target),
        coarse.cluster_totals(Group::Target)
    );
}

#[test]
fn id_slots_stay_bounded() {
    let mut w = match WindowCounts::new(big()) {
        Ok(w) => w,
        Err(e) => panic!("{e}"),
    };
    let mut buf = String::new();
    for i in 0..20_000u64 {
        buf.clear();
        buf.push_str(&format!("req-{i}"));
        w.observe(
            Group::Target,
            Some(Timestamp(1_600_000_000_000 + (i as i64 / 10) * 1_000)),
            0,
            None,
            &[(0, buf.as_bytes())],
        );
    }
    let s = w.timeline(Group::Target).slot(0, 0, 12);
    assert!(s.tracked.len() <= 12);
    // Totals per bucket plus at most a few entries per tracked value.
    assert!(w.param_entries() < 2_000 + 12 * 10, "{}", w.param_entries());
    assert_eq!(s.totals.total(), 20_000);
}

#[test]
fn no_timestamps_fall_back_to_positions() {
    let mut w = match WindowCounts::new(big()) {
        Ok(w) => w,
        Err(e) => panic!("{e}"),
    };
    for i in 0..2_000u32 {
        // Cluster 1 only in the last quarter.
        let c = if i >= 1_500 && i % 3 == 0 { 1 } else { 0 };
        w.observe(Group::Target, None, c, None, &[]);
    }
    let a = match score::analyse(&w, &clusters(), &WindowSpec::Auto, &ScoreConfig::default()) {
        Ok(a) => a,
        Err(e) => panic!("{e}"),
    };
    assert!(
        a.window
            .notes
            .iter()
            .any(|n| n.contains("no timestamps: line positions used"))
    );
    let inc_start = a.window.incident.start_ms / 1_000;
    assert!((1_450..=1_550).contains(&inc_start), "{inc_start}");
    assert!(
        a.flagged
            .iter()
            .any(|f| f.cluster_id == 1 && f.kind == score::Kind::New)
    );
    // A time cannot be placed on positions.
    let last = score::analyse(
        &w,
        &clusters(),
        &WindowSpec::Last { ms: 60_000 },
        &ScoreConfig::default(),
    );
    assert!(matches!(last, Err(score::ScoreError::Window(_))));
}

#[test]
fn merge_refuses_different_settings() {
    let a = shard(big(), 0, &[]);
    let b = shard(small(), 1, &[]);
    assert!(merge(a, b).is_err());
}

#[test]
fn invalid_settings_are_errors() {
    assert!(WindowConfig::builder().base_bucket_ms(0).build().is_err());
    assert!(WindowConfig::builder().values_per_slot(0).build().is_err());
    assert!(ScoreConfig::builder().fdr(1.5).build().is_err());
    assert!(
        ScoreConfig::builder()
            .min_share_change(0.0)
            .build()
            .is_err()
    );
    assert!(
        ScoreConfig::builder()
            .display_bucket_ms(Some(-5))
            .build()
            .is_err()
    );
}
