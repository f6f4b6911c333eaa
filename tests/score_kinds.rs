//! Each kind of finding on a small synthetic log with known changes, under each way of
//! choosing the window.

use logsift::record::{Level, Timestamp};
use logsift::score::{
    self, Analysis, ClusterInfo, Kind, ScoreConfig, TimeRef, WindowMethod, WindowSpec,
};
use logsift::window::{EVICTED_CLUSTER, Group, WindowConfig, WindowCounts};

const T0: i64 = 1_700_000_000_000;
const BASE_S: i64 = 3_600;
const INC_S: i64 = 900;

const SPIKE: u32 = 10;
const VANISH: u32 = 11;
const NEW: u32 = 12;
const TREND: u32 = 13;
const PARAM: u32 = 14;
const RARE: u32 = 15;
const ERROR_SPIKE: u32 = 16;

/// Events of second `s` (0-based from the log start): `(cluster, level, slot value)`.
fn events_at(s: i64) -> Vec<(u32, Option<Level>, Option<&'static str>)> {
    let inc = s >= BASE_S;
    let mut out = Vec::new();
    // Background: steady templates that never change.
    out.push((0, Some(Level::Info), None));
    for (c, every) in [(1u32, 2i64), (2, 3), (3, 5), (4, 7), (5, 11), (6, 13)] {
        if s % every == 0 {
            out.push((c, Some(Level::Info), None));
        }
    }
    let spike_every = if inc { 2 } else { 10 };
    if s % spike_every == 0 {
        out.push((SPIKE, Some(Level::Info), None));
        out.push((ERROR_SPIKE, Some(Level::Error), None));
    }
    if !inc && s % 5 == 0 {
        out.push((VANISH, Some(Level::Info), None));
    }
    if inc && s % 30 == 7 {
        out.push((NEW, Some(Level::Warn), None));
    }
    let trend_every = if inc {
        // From one per 20 s at the start to one per second at the end.
        let f = (s - BASE_S) as f64 / INC_S as f64;
        (20.0 * (1.0 - f) + 1.0 * f).round().max(1.0) as i64
    } else {
        20
    };
    if s % trend_every == 0 {
        out.push((TREND, Some(Level::Info), None));
    }
    if s % 3 == 0 {
        let v = if inc {
            if s % 15 == 0 { "200" } else { "503" }
        } else if s % 12 == 0 {
            "404"
        } else {
            "200"
        };
        out.push((PARAM, Some(Level::Info), Some(v)));
    }
    if !inc && (s == 100 || s == 1_000 || s == 2_000) {
        out.push((RARE, Some(Level::Info), None));
    }
    out
}

fn build(split_groups: bool) -> WindowCounts {
    build_with(split_groups, WindowConfig::default())
}

fn build_with(split_groups: bool, cfg: WindowConfig) -> WindowCounts {
    let mut w = match WindowCounts::new(cfg) {
        Ok(w) => w,
        Err(e) => panic!("{e}"),
    };
    for s in 0..BASE_S + INC_S {
        for (c, level, value) in events_at(s) {
            let params: Vec<(u16, &[u8])> =
                value.map(|v| (0u16, v.as_bytes())).into_iter().collect();
            let (group, t) = if split_groups && s < BASE_S {
                // The baseline as a separate input, recorded a day earlier.
                (Group::Baseline, T0 - 86_400_000 + s * 1_000)
            } else {
                (Group::Target, T0 + s * 1_000)
            };
            // Every fifth event has no timestamp of its own and inherits the previous one.
            let ts = if (s + i64::from(c)) % 5 == 0 {
                None
            } else {
                Some(Timestamp(t))
            };
            w.observe(group, ts, c, level, &params);
        }
    }
    w
}

fn clusters() -> Vec<ClusterInfo> {
    (0..17)
        .map(|i| ClusterInfo {
            id: i,
            template: format!("event {i} status=<*>"),
            level: None,
            first_seen: None,
            last_seen: None,
            samples: vec![format!("event {i} status=200")],
        })
        .collect()
}

fn run(w: &WindowCounts, spec: WindowSpec) -> Analysis {
    match score::analyse(w, &clusters(), &spec, &ScoreConfig::default()) {
        Ok(a) => a,
        Err(e) => panic!("{spec:?}: {e}"),
    }
}

fn kinds(a: &Analysis) -> Vec<(u32, Kind)> {
    let mut k: Vec<(u32, Kind)> = a.flagged.iter().map(|f| (f.cluster_id, f.kind)).collect();
    k.sort();
    k
}

fn expected() -> Vec<(u32, Kind)> {
    vec![
        (SPIKE, Kind::Spike),
        (VANISH, Kind::Drop),
        (NEW, Kind::New),
        (TREND, Kind::Trend),
        (PARAM, Kind::ParamShift),
        (ERROR_SPIKE, Kind::Spike),
    ]
}

/// The pool of evicted clusters' counts can change as much as any template (here it stops
/// when the incident starts, as if the cap had been reached there), but it is not a template:
/// it is counted in the totals and never flagged.
#[test]
fn the_pool_of_evicted_clusters_is_counted_but_never_flagged() {
    let mut w = build(false);
    let mut pooled = 0u64;
    for s in (0..BASE_S).step_by(2) {
        w.observe(
            Group::Target,
            Some(Timestamp(T0 + s * 1_000)),
            EVICTED_CLUSTER,
            Some(Level::Error),
            &[],
        );
        pooled += 1;
    }
    let spec = || WindowSpec::IncidentStart {
        start: TimeRef::At(Timestamp(T0 + BASE_S * 1_000)),
        end: None,
    };
    let with_pool = run(&w, spec());
    let without = run(&build(false), spec());
    assert_eq!(kinds(&with_pool), expected());
    assert_eq!(
        with_pool.totals.baseline_events,
        without.totals.baseline_events + pooled
    );
    assert_eq!(
        with_pool.totals.templates_seen,
        without.totals.templates_seen
    );
}

#[test]
fn incident_start_finds_every_kind_and_nothing_else() {
    let w = build(false);
    let a = run(
        &w,
        WindowSpec::IncidentStart {
            start: TimeRef::At(Timestamp(T0 + BASE_S * 1_000)),
            end: None,
        },
    );
    assert_eq!(kinds(&a), expected(), "{:#?}", a.flagged);
    assert_eq!(a.window.method, WindowMethod::IncidentStart);
    assert_eq!(a.window.baseline.duration_ms, BASE_S * 1_000);
    assert_eq!(a.window.incident.duration_ms, INC_S * 1_000);
    assert_eq!(a.window.incident.start, "2023-11-14T23:13:20Z");

    // Without first/last times from the caller, the counts' bucket bounds stand in.
    assert!(
        a.flagged
            .iter()
            .all(|f| f.first_seen.is_some() && f.last_seen.is_some())
    );
    let new = a.flagged.iter().find(|f| f.cluster_id == NEW);
    assert!(new.is_some_and(|f| f.first_seen >= Some(T0 + BASE_S * 1_000)));

    let vanished = a.flagged.iter().find(|f| f.cluster_id == VANISH);
    assert!(vanished.is_some_and(|f| f.vanished && f.incident_count == 0));

    // Rates are per minute and normalised by each window's own length.
    let spike = a.flagged.iter().find(|f| f.cluster_id == SPIKE);
    assert!(spike.is_some_and(
        |f| (f.baseline_rate - 6.0).abs() < 0.01 && (f.incident_rate - 30.0).abs() < 0.01
    ));

    // The error template outranks the info template with the same evidence.
    let pos = |id: u32| a.flagged.iter().position(|f| f.cluster_id == id);
    assert!(pos(ERROR_SPIKE) < pos(SPIKE));

    let p = a.flagged.iter().find(|f| f.kind == Kind::ParamShift);
    let Some(p) = p else { panic!("no param shift") };
    assert_eq!(p.slot, Some(0));
    assert_eq!(p.values_after[0].value, "503");
    assert!((p.values_after[0].share - 0.8).abs() < 0.01);
    let before_503 = p.values_before.iter().find(|v| v.value == "503");
    assert!(before_503.is_none());

    // The chart series splits at the incident and adds up to the window counts.
    let ts = score::time_series(&w, &a, SPIKE);
    assert_eq!(ts.baseline.counts.iter().sum::<u64>(), 360);
    assert_eq!(ts.incident.counts.iter().sum::<u64>(), 450);
    assert_eq!(ts.incident.start_ms, T0 + BASE_S * 1_000);
    assert_eq!(a.totals.templates_seen, 14);
}

#[test]
fn last_and_relative_start_agree_with_the_absolute_start() {
    let w = build(false);
    let absolute = run(
        &w,
        WindowSpec::IncidentStart {
            start: TimeRef::At(Timestamp(T0 + BASE_S * 1_000)),
            end: None,
        },
    );
    let last = run(&w, WindowSpec::Last { ms: INC_S * 1_000 });
    let relative = run(
        &w,
        WindowSpec::IncidentStart {
            start: TimeRef::BeforeEnd(INC_S * 1_000),
            end: None,
        },
    );
    assert_eq!(last.window.method, WindowMethod::Last);
    for a in [&last, &relative] {
        assert_eq!(
            a.window.incident.start_ms,
            absolute.window.incident.start_ms
        );
        assert_eq!(kinds(a), kinds(&absolute));
    }
}

#[test]
fn automatic_window_finds_the_change_and_explains_itself() {
    let w = build(false);
    let a = run(&w, WindowSpec::Auto);
    assert_eq!(a.window.method, WindowMethod::ChangePoint);
    let start_s = (a.window.incident.start_ms - T0) / 1_000;
    assert!((BASE_S - 5..=BASE_S + 5).contains(&start_s), "{start_s}");
    assert!(a.window.reason.contains("likelihood-ratio"));
    assert!(a.window.reason.contains("runner-up"));
    assert_eq!(kinds(&a), expected(), "{:#?}", a.flagged);
}

#[test]
fn baseline_inputs_compare_two_groups() {
    let w = build(true);
    for spec in [WindowSpec::Auto, WindowSpec::BaselineInputs] {
        let a = run(&w, spec);
        assert_eq!(a.window.method, WindowMethod::BaselineInputs);
        assert_eq!(a.window.baseline.group, Group::Baseline);
        assert_eq!(a.window.baseline.duration_ms, BASE_S * 1_000);
        assert_eq!(a.window.incident.duration_ms, INC_S * 1_000);
        assert_eq!(kinds(&a), expected(), "{:#?}", a.flagged);
    }
}

#[test]
fn rare_templates_are_not_reported_gone() {
    let w = build(false);
    let a = run(&w, WindowSpec::Last { ms: INC_S * 1_000 });
    assert!(a.flagged.iter().all(|f| f.cluster_id != RARE));
}

#[test]
fn a_start_inside_a_coarse_bucket_is_snapped_and_said() {
    let cfg = match WindowConfig::builder().base_bucket_ms(60_000).build() {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    };
    let mut w = match WindowCounts::new(cfg) {
        Ok(w) => w,
        Err(e) => panic!("{e}"),
    };
    for s in 0..BASE_S + INC_S {
        for (c, level, _) in events_at(s) {
            w.observe(
                Group::Target,
                Some(Timestamp(T0 + s * 1_000)),
                c,
                level,
                &[],
            );
        }
    }
    let a = run(
        &w,
        WindowSpec::IncidentStart {
            start: TimeRef::At(Timestamp(T0 + BASE_S * 1_000 + 20_000)),
            end: None,
        },
    );
    assert!(
        a.window.notes.iter().any(|n| n.contains("snapped")),
        "{:?}",
        a.window.notes
    );
    assert_eq!(a.window.incident.start_ms % 60_000, 0);
}

#[test]
fn windows_that_do_not_fit_are_errors_that_say_what_to_do() {
    let w = build(false);
    let before = score::analyse(
        &w,
        &clusters(),
        &WindowSpec::IncidentStart {
            start: TimeRef::At(Timestamp(T0 - 1_000_000)),
            end: None,
        },
        &ScoreConfig::default(),
    );
    let Err(e) = before else {
        panic!("accepted a start before the data")
    };
    assert!(e.to_string().contains("--incident-start"), "{e}");
    let after = score::analyse(
        &w,
        &clusters(),
        &WindowSpec::IncidentStart {
            start: TimeRef::At(Timestamp(T0 + 10 * BASE_S * 1_000)),
            end: None,
        },
        &ScoreConfig::default(),
    );
    assert!(after.is_err());
    let no_base = score::analyse(
        &w,
        &clusters(),
        &WindowSpec::BaselineInputs,
        &ScoreConfig::default(),
    );
    assert!(matches!(no_base, Err(score::ScoreError::EmptyBaseline)));
}

#[test]
fn analysis_json_has_the_stable_field_names() {
    let w = build(false);
    let a = run(&w, WindowSpec::Last { ms: INC_S * 1_000 });
    let v = match serde_json::to_value(&a) {
        Ok(v) => v,
        Err(e) => panic!("{e}"),
    };
    for key in ["window", "flagged", "totals"] {
        assert!(v.get(key).is_some(), "{key}");
    }
    let f = &v["flagged"][0];
    for key in [
        "cluster_id",
        "members",
        "template",
        "kind",
        "score",
        "p_value",
        "q_value",
        "baseline_count",
        "incident_count",
        "baseline_rate",
        "incident_rate",
        "fold_change",
        "first_seen",
        "last_seen",
        "level",
        "slot",
        "values_before",
        "values_after",
        "samples",
    ] {
        assert!(f.get(key).is_some(), "{key}");
    }
    for key in [
        "method",
        "baseline",
        "incident",
        "bucket_ms",
        "display_bucket_ms",
        "notes",
    ] {
        assert!(v["window"].get(key).is_some(), "{key}");
    }
}

#[test]
fn parameter_windows_follow_their_own_resolution() {
    // Parameters coarser than counts, then counts coarser than parameters.
    let coarse_params = WindowConfig::builder().max_param_entries(1_000).build();
    let coarse_counts = WindowConfig::builder().max_count_entries(2_000).build();
    for (cfg, params_coarser) in [(coarse_params, true), (coarse_counts, false)] {
        let cfg = match cfg {
            Ok(c) => c,
            Err(e) => panic!("{e}"),
        };
        let w = build_with(false, cfg);
        assert_eq!(w.param_width_ms() > w.count_width_ms(), params_coarser);
        assert_ne!(w.param_width_ms(), w.count_width_ms());
        let a = run(
            &w,
            WindowSpec::IncidentStart {
                start: TimeRef::At(Timestamp(T0 + BASE_S * 1_000)),
                end: None,
            },
        );
        let p = a.flagged.iter().find(|f| f.kind == Kind::ParamShift);
        let Some(p) = p else {
            panic!("no param shift: {:#?}", a.flagged)
        };
        // The incident's 503 share is 80 %; a window in the wrong units would mix in the
        // baseline's 200s and 404s.
        let share = p.values_after[0].share;
        assert!(p.values_after[0].value == "503" && share > 0.75, "{share}");
        let before_404 = p.values_before.iter().find(|v| v.value == "404");
        assert!(before_404.is_some_and(|v| (v.share - 0.25).abs() < 0.03));
    }
}
