//! The five DEV shift scenarios through the oracle path (ground-truth events as clusters)
//! and through the real pipeline (`app::analyse`: header detection, the miner, the counts),
//! scored with the bench's matching rule, for a given incident start and for the automatic
//! window. The floors are the acceptance figures of the analysis.

#[path = "score_support/oracle.rs"]
mod oracle;

use std::path::PathBuf;

use logsift::app::{self, AnalyseConfig, ReadConfig, WindowRequest};
use logsift::input::InputSpec;
use logsift::score::{Kind, ScoreConfig, WindowMethod};

fn scenario(n: u32) -> oracle::Scenario {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/scenarios")
        .join(format!("dev-{n}"));
    match oracle::load(&dir) {
        Ok(s) => s,
        Err(e) => panic!("loading {}: {e}", dir.display()),
    }
}

fn check(n: u32) {
    let s = scenario(n);
    let cfg = ScoreConfig::default();
    let header = oracle::boundary_header(&s);

    let given = match oracle::run(&s, &oracle::Mode::Start(header.clone()), &cfg) {
        Ok(a) => a,
        Err(e) => panic!("dev-{n} start {header}: {e}"),
    };
    assert_eq!(given.window.method, WindowMethod::IncidentStart);
    let ev = oracle::evaluate(&s.truth, &oracle::flag_pairs(&given));
    let detail = format!("dev-{n} start given: {ev:?}");
    assert_eq!(ev.recall, 1.0, "{detail}");
    assert!(ev.precision >= 0.9, "{detail}");
    assert!(ev.average_precision >= 0.95, "{detail}");
    assert_eq!(ev.kind_accuracy, 1.0, "{detail}");
    // The incident window starts exactly at the given second.
    let boundary_line = s.truth["boundary"]["line_no"].as_u64().unwrap_or(0) as usize;
    let first_inc = s
        .lines
        .get(boundary_line.saturating_sub(1))
        .and_then(|l| l.ts);
    assert_eq!(
        Some(given.window.incident.start_ms / 1000),
        first_inc.map(|t| t / 1000)
    );

    let auto = match oracle::run(&s, &oracle::Mode::Auto, &cfg) {
        Ok(a) => a,
        Err(e) => panic!("dev-{n} auto: {e}"),
    };
    assert_eq!(auto.window.method, WindowMethod::ChangePoint);
    let cp = auto.window.change_point.as_ref();
    assert!(cp.is_some_and(|c| c.statistic > 0.0 && c.runner_up_statistic.is_some()));
    let ev = oracle::evaluate(&s.truth, &oracle::flag_pairs(&auto));
    let detail = format!("dev-{n} automatic: {ev:?} window {:?}", auto.window.reason);
    assert!(ev.recall >= 0.9, "{detail}");
    assert!(ev.precision >= 0.8, "{detail}");
    // A trend is never also reported as a spike of the same template.
    for f in auto.flagged.iter().chain(&given.flagged) {
        if f.kind == Kind::Trend {
            assert!(
                !given
                    .flagged
                    .iter()
                    .any(|g| g.cluster_id == f.cluster_id && g.kind == Kind::Spike)
            );
        }
    }
}

#[test]
fn dev_1_hdfs() {
    check(1);
}

#[test]
fn dev_2_bgl_with_param_shift() {
    check(2);
}

#[test]
fn dev_3_openssh() {
    check(3);
}

#[test]
fn dev_4_hadoop_with_param_shift() {
    check(4);
}

#[test]
fn dev_5_linux_hard() {
    check(5);
}

/// The real pipeline on a scenario's log, as `logsift FILE [--incident-start START]` runs it.
fn pipeline(n: u32, start: Option<String>) -> logsift::score::Analysis {
    let log = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/scenarios")
        .join(format!("dev-{n}"))
        .join("scenario.log");
    let read = ReadConfig::new(vec![InputSpec::Path(log)]);
    let cfg = AnalyseConfig {
        window: match start {
            Some(start) => WindowRequest::IncidentStart { start, end: None },
            None => WindowRequest::Auto,
        },
        ..AnalyseConfig::default()
    };
    match app::analyse(&read, &cfg) {
        Ok(a) => a.analysis,
        Err(e) => panic!("dev-{n}: {e}"),
    }
}

/// The acceptance floors on the real pipeline: with the incident start given (the first
/// field of the boundary header, as a person copies it from the log), every injected change
/// is found with the right kind and near the top; with the automatic window, most are.
/// Returns the analysis with the start given.
fn check_pipeline(n: u32) -> logsift::score::Analysis {
    let s = scenario(n);
    let header = oracle::boundary_header(&s);
    let first = header.split(" | ").next().unwrap_or(&header).to_string();

    let given = pipeline(n, Some(first.clone()));
    assert_eq!(given.window.method, WindowMethod::IncidentStart);
    let ev = oracle::evaluate(&s.truth, &oracle::flag_pairs(&given));
    let detail = format!("dev-{n} pipeline, start {first}: {ev:?}");
    assert_eq!(ev.recall, 1.0, "{detail}");
    assert!(ev.precision >= 0.9, "{detail}");
    assert!(ev.average_precision >= 0.95, "{detail}");
    assert_eq!(ev.kind_accuracy, 1.0, "{detail}");

    let auto = pipeline(n, None);
    assert_eq!(auto.window.method, WindowMethod::ChangePoint);
    let ev = oracle::evaluate(&s.truth, &oracle::flag_pairs(&auto));
    let detail = format!("dev-{n} pipeline, automatic: {ev:?}");
    assert!(ev.recall >= 0.9, "{detail}");
    assert!(ev.precision >= 0.8, "{detail}");
    given
}

#[test]
fn pipeline_dev_1_hdfs() {
    check_pipeline(1);
}

#[test]
fn pipeline_dev_2_bgl() {
    check_pipeline(2);
}

#[test]
fn pipeline_dev_3_openssh() {
    check_pipeline(3);
}

#[test]
fn pipeline_dev_4_hadoop() {
    check_pipeline(4);
}

/// The drop of `session opened for user <*> by (uid=<*>)` is mined as three siblings (one
/// per user name); only their family shows it.
#[test]
fn pipeline_dev_5_linux_hard_finds_the_split_drop_as_a_family() {
    let a = check_pipeline(5);
    let Some(f) = a
        .flagged
        .iter()
        .find(|f| f.template == "session opened for user <*> by (uid=<*>)")
    else {
        panic!("no family finding in {:#?}", a.flagged);
    };
    assert_eq!(f.kind, Kind::Drop);
    assert_eq!(f.members.len(), 3);
    assert_eq!(f.cluster_id, f.members[0]);
    // The members' own drops are explained by the family and not repeated.
    assert!(
        a.flagged
            .iter()
            .filter(|g| g.members.len() == 1)
            .all(|g| !(g.kind == Kind::Drop && f.members.contains(&g.cluster_id)))
    );
}

#[test]
fn param_shift_names_the_slot_and_the_dominant_value() {
    let s = scenario(2);
    let header = oracle::boundary_header(&s);
    let a = match oracle::run(&s, &oracle::Mode::Start(header), &ScoreConfig::default()) {
        Ok(a) => a,
        Err(e) => panic!("{e}"),
    };
    let Some(f) = a.flagged.iter().find(|f| f.kind == Kind::ParamShift) else {
        panic!("no param_shift in {:?}", a.flagged);
    };
    assert_eq!(f.template, "generating core.<*>");
    assert_eq!(f.slot, Some(0));
    let top = &f.values_after[0];
    assert_eq!(top.value, "12721");
    assert!(top.share > 0.95);
    let before = f
        .values_before
        .iter()
        .find(|v| v.value == "12721")
        .map_or(0.0, |v| v.share);
    assert!(before < 0.1, "before share {before}");
}

#[test]
fn matcher_follows_the_bench_rules() {
    assert!(oracle::matches(
        "Served block <*> to <*>",
        "Served  block blk_1 to /10.0.0.1"
    ));
    assert!(oracle::matches("<*>", "anything at all"));
    assert!(oracle::matches("a <*> b", "a x  y b"));
    assert!(!oracle::matches("Served block <*>", "Served block"));
    assert!(!oracle::matches("x <*> y", "x 1 y z"));
    assert_eq!(
        oracle::extract("status=<*> in <*>ms", "status=503 in 12ms"),
        Some(vec!["503".to_string(), "12".to_string()])
    );
}
