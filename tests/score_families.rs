//! Template families on small synthetic logs: siblings whose shared drop only shows when they
//! are summed, a change in the mix of siblings with the family's rate unchanged, a family
//! whose one member spikes while the others drop, and one sibling's burst that must stay that
//! sibling's.

use logsift::record::{Level, Timestamp};
use logsift::score::{self, Analysis, ClusterInfo, Flag, Kind, ScoreConfig, TimeRef, WindowSpec};
use logsift::window::{Group, WindowConfig, WindowCounts};

const T0: i64 = 1_700_000_000_000;
const BASE_S: i64 = 3_600;
const INC_S: i64 = 900;

/// Steady templates that share no template family (they differ in more than one word or in
/// length), so the rates are centred on them.
const BACKGROUND: [(&str, i64); 6] = [
    ("disk check passed on volume <*>", 7),
    ("heartbeat received from peer <*> after <*> ms", 5),
    ("cache refreshed", 11),
    ("scheduler tick completed in <*> ms", 13),
    ("connection pool resized to <*> entries by <*>", 17),
    ("audit log rotated", 19),
];

/// One sibling: its template and its period in seconds before and after the incident start
/// (`None`: never).
struct Sibling {
    template: &'static str,
    base_every: Option<i64>,
    inc_every: Option<i64>,
}

fn sib(template: &'static str, base_every: Option<i64>, inc_every: Option<i64>) -> Sibling {
    Sibling {
        template,
        base_every,
        inc_every,
    }
}

/// Cluster ids: background first, then the siblings in order.
fn build(siblings: &[Sibling]) -> (WindowCounts, Vec<ClusterInfo>) {
    let mut w = match WindowCounts::new(WindowConfig::default()) {
        Ok(w) => w,
        Err(e) => panic!("{e}"),
    };
    let n_bg = BACKGROUND.len() as u32;
    for s in 0..BASE_S + INC_S {
        let ts = Some(Timestamp(T0 + s * 1_000));
        for (k, (_, every)) in BACKGROUND.iter().enumerate() {
            if s % every == 0 {
                w.observe(Group::Target, ts, k as u32, Some(Level::Info), &[]);
            }
        }
        for (k, sb) in siblings.iter().enumerate() {
            let every = if s < BASE_S {
                sb.base_every
            } else {
                sb.inc_every
            };
            // Offsets keep siblings of equal period from landing on the same seconds.
            if every.is_some_and(|e| (s + k as i64) % e == 0) {
                w.observe(Group::Target, ts, n_bg + k as u32, Some(Level::Info), &[]);
            }
        }
    }
    let infos = BACKGROUND
        .iter()
        .map(|(t, _)| *t)
        .chain(siblings.iter().map(|s| s.template))
        .enumerate()
        .map(|(id, t)| ClusterInfo {
            id: id as u32,
            template: t.to_string(),
            level: None,
            first_seen: None,
            last_seen: None,
            samples: vec![t.replace("<*>", "7")],
        })
        .collect();
    (w, infos)
}

fn run(w: &WindowCounts, infos: &[ClusterInfo], cfg: &ScoreConfig) -> Analysis {
    let spec = WindowSpec::IncidentStart {
        start: TimeRef::At(Timestamp(T0 + BASE_S * 1_000)),
        end: None,
    };
    match score::analyse(w, infos, &spec, cfg) {
        Ok(a) => a,
        Err(e) => panic!("{e}"),
    }
}

fn find<'a>(a: &'a Analysis, template: &str, kind: Kind) -> Option<&'a Flag> {
    a.flagged
        .iter()
        .find(|f| f.template == template && f.kind == kind)
}

/// Member `k` of the siblings as a cluster id.
fn member(k: u32) -> u32 {
    BACKGROUND.len() as u32 + k
}

#[test]
fn a_drop_split_over_siblings_is_found_as_their_family() {
    // Each sibling: 60 events in the hour, 7 or 8 in the quarter (15 expected): alone within
    // noise; together 180 against 22, a clear drop.
    let siblings = [
        sib(
            "session opened for user news by (uid=<*>)",
            Some(60),
            Some(120),
        ),
        sib(
            "session opened for user cyrus by (uid=<*>)",
            Some(60),
            Some(120),
        ),
        sib(
            "session opened for user test by (uid=<*>)",
            Some(60),
            Some(120),
        ),
    ];
    let (w, infos) = build(&siblings);
    let a = run(&w, &infos, &ScoreConfig::default());
    let Some(f) = find(&a, "session opened for user <*> by (uid=<*>)", Kind::Drop) else {
        panic!("no family drop: {:#?}", a.flagged);
    };
    assert_eq!(f.members, vec![member(0), member(1), member(2)]);
    assert_eq!(f.cluster_id, member(0));
    assert_eq!(f.baseline_count, 180);
    assert!(f.incident_count <= 24, "{}", f.incident_count);
    assert!(f.q_value <= 0.02);
    // Samples come from several siblings.
    assert!(f.samples.len() >= 2 && f.samples[0] != f.samples[1]);
    assert_eq!(a.flagged.len(), 1, "{:#?}", a.flagged);
    assert_eq!(a.totals.families, 1);

    // Without families no sibling is significant on its own.
    let off = match ScoreConfig::builder().families(false).build() {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    };
    let b = run(&w, &infos, &off);
    assert!(b.flagged.is_empty(), "{:#?}", b.flagged);
    assert_eq!(b.totals.families, 0);

    // The chart of the finding sums its members.
    let series = score::flag_series(&w, &a, f);
    assert_eq!(series.baseline.counts.iter().sum::<u64>(), 180);
    assert_eq!(series.incident.counts.iter().sum::<u64>(), f.incident_count);
}

#[test]
fn a_change_in_the_mix_of_siblings_is_a_family_param_shift() {
    // status=200 steady; status=201 gives way to status=503 at the same combined rate.
    let siblings = [
        sib("request finished with status=200", Some(3), Some(3)),
        sib("request finished with status=201", Some(9), None),
        sib("request finished with status=503", Some(90), Some(8)),
    ];
    let (w, infos) = build(&siblings);
    let a = run(&w, &infos, &ScoreConfig::default());
    let Some(f) = find(&a, "request finished with status=<*>", Kind::ParamShift) else {
        panic!("no family param_shift: {:#?}", a.flagged);
    };
    assert_eq!(f.members, vec![member(0), member(1), member(2)]);
    assert_eq!(f.slot, Some(0));
    let share = |v: &[score::ValueShare], value: &str| {
        v.iter().find(|s| s.value == value).map_or(0.0, |s| s.share)
    };
    assert!(share(&f.values_before, "201") > 0.2);
    assert_eq!(share(&f.values_after, "201"), 0.0);
    assert!(share(&f.values_after, "503") > 0.2);
    assert!(share(&f.values_before, "503") < 0.05);
    // The 201 drop and the 503 spike are that shift seen one sibling at a time.
    assert!(
        a.flagged.iter().all(|g| g.members.len() > 1),
        "{:#?}",
        a.flagged
    );
    // The JSON names the members.
    let v = match serde_json::to_value(f) {
        Ok(v) => v,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(v["members"].as_array().map(Vec::len), Some(3));
    assert_eq!(v["kind"], "param_shift");
}

#[test]
fn a_member_that_spikes_while_the_family_drops_keeps_its_own_finding() {
    let siblings = [
        sib("job finished on node alpha", Some(20), Some(80)),
        sib("job finished on node beta", Some(20), Some(80)),
        sib("job finished on node gamma", Some(20), Some(80)),
        sib("job finished on node delta", Some(300), Some(30)),
    ];
    let (w, infos) = build(&siblings);
    let a = run(&w, &infos, &ScoreConfig::default());
    let Some(f) = find(&a, "job finished on node <*>", Kind::Drop) else {
        panic!("no family drop: {:#?}", a.flagged);
    };
    assert_eq!(f.members, (0..4).map(member).collect::<Vec<_>>());
    let spikes: Vec<&Flag> = a.flagged.iter().filter(|g| g.kind == Kind::Spike).collect();
    assert_eq!(spikes.len(), 1, "{:#?}", a.flagged);
    assert_eq!(spikes[0].members, vec![member(3)]);
    assert_eq!(spikes[0].template, "job finished on node delta");
    // The three drops are the family's and are not repeated one by one.
    assert!(
        a.flagged
            .iter()
            .all(|g| g.kind != Kind::Drop || g.members.len() == 4),
        "{:#?}",
        a.flagged
    );
}

#[test]
fn one_siblings_burst_stays_that_siblings() {
    // Different events that share all but one word: only startup bursts.
    let siblings = [
        sib("cupsd startup succeeded", Some(60), Some(6)),
        sib("cupsd shutdown succeeded", Some(10), Some(10)),
        sib("cupsd reload succeeded", Some(12), Some(12)),
    ];
    let (w, infos) = build(&siblings);
    let a = run(&w, &infos, &ScoreConfig::default());
    assert_eq!(a.flagged.len(), 1, "{:#?}", a.flagged);
    let f = &a.flagged[0];
    assert_eq!(f.kind, Kind::Spike);
    assert_eq!(f.template, "cupsd startup succeeded");
    assert_eq!(f.members, vec![member(0)]);
}
