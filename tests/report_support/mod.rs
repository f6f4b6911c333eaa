//! Builds reports the way the `logsift` command does (read, mine, analyse, offline summary,
//! runbooks, output redaction), plus the pieces the command does not wire yet: each
//! cluster's emitting component and a review history.

#![allow(dead_code)]

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use logsift::app::{self, AnalyseConfig, Analysed, MineConfig, ReadConfig};
use logsift::history::ReviewHistory;
use logsift::input::{InputSpec, SplitConfig};
use logsift::llm::{LlmConfig, LlmMode};
use logsift::mine::{ClusterId, MinerConfig};
use logsift::record::DetectOptions;
use logsift::redact::RedactConfig;
use logsift::report::{Format, Report, TextOptions, render};
use logsift::runbook::{ComponentTally, Runbooks};

pub const DEMO: &str = "fixtures/demo/checkout.log";
pub const DEMO_RUNBOOKS: &str = "fixtures/runbooks/demo.toml";
pub const ESCAPES: &str = "fixtures/reports/escapes.log";
pub const SECRETS: &str = "fixtures/secrets/secrets.log";
pub const SECRETS_BASELINE: &str = "fixtures/secrets/clean.log";

pub fn path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// The command's defaults (`cli::read_config`, `cli::mine_config`). The input is named by
/// its relative path, so reports do not depend on where the repository lives.
pub fn analyse(rel: &str) -> Analysed {
    let split = SplitConfig::builder()
        .max_line_bytes(64 * 1024)
        .max_event_bytes(256 * 1024)
        .multiline(true)
        .build()
        .expect("valid split config");
    // The secret lines are judged against the clean ones, so that they are flagged and
    // their samples reach the report.
    let baseline = match rel {
        SECRETS => vec![InputSpec::from_arg(OsStr::new(SECRETS_BASELINE))],
        _ => Vec::new(),
    };
    let read = ReadConfig {
        inputs: vec![InputSpec::from_arg(OsStr::new(rel))],
        baseline,
        split,
        detect: DetectOptions::builder()
            .build()
            .expect("valid detect options"),
        format_sample: None,
    };
    let cfg = AnalyseConfig {
        mine: MineConfig {
            miner: MinerConfig::builder()
                .max_clusters(100_000)
                .build()
                .expect("valid miner config"),
            ..MineConfig::default()
        },
        ..AnalyseConfig::default()
    };
    app::analyse(&read, &cfg).expect("the fixture analyses")
}

/// Each cluster's dominant component, counted the way the mining loop would: every event's
/// message looked up in the finished miner.
pub fn components(rel: &str, a: &Analysed) -> ComponentTally {
    let read = ReadConfig::new(vec![InputSpec::from_arg(OsStr::new(rel))]);
    let mut tally = ComponentTally::new();
    app::read_records(&read, |_, _, rec| {
        if let (Some(c), Some(id)) = (rec.component, a.mined.miner.lookup(&rec.message)) {
            let id = a.mined.miner.resolve(id).unwrap_or(id);
            let ClusterId(n) = id;
            tally.observe(u32::try_from(n).unwrap_or(u32::MAX), c);
        }
    });
    tally
}

pub struct Options {
    pub runbooks: bool,
    pub components: bool,
    pub history: bool,
    pub redact: bool,
}

pub const PLAIN: Options = Options {
    runbooks: false,
    components: false,
    history: false,
    redact: false,
};

pub const FULL: Options = Options {
    runbooks: true,
    components: true,
    history: true,
    redact: false,
};

/// Two earlier daily reviews of the same findings, then this one.
pub fn history_of(a: &Analysed, tally: &ComponentTally) -> ReviewHistory {
    let now = a.analysis.window.incident.end_ms;
    let mut h = ReviewHistory::new();
    for days_ago in [2, 1, 0] {
        h.record(&a.analysis, now - days_ago * 86_400_000, &tally.lookup());
    }
    h
}

/// The demo runbooks, named by their path in the repository so that reports do not depend on
/// where it lives.
pub fn demo_runbooks() -> Runbooks {
    let text = std::fs::read_to_string(path(DEMO_RUNBOOKS)).expect("the demo runbooks");
    Runbooks::parse(&text, DEMO_RUNBOOKS).expect("the demo runbooks load")
}

pub fn report(rel: &str, o: &Options) -> Report {
    let a = analyse(rel);
    let mut r = with_offline_summary(&a);
    let tally = if o.components {
        components(rel, &a)
    } else {
        ComponentTally::new()
    };
    r.set_components(&tally.lookup());
    let runbooks = o.runbooks.then(demo_runbooks);
    if let Some(rb) = &runbooks {
        r.attach_runbooks(rb);
    }
    if o.history {
        r.attach_history(&history_of(&a, &tally), runbooks.as_ref(), 2);
    }
    if o.redact {
        r.redact_output(RedactConfig::default());
    }
    r
}

pub fn rendered(r: &Report, format: Format, color: bool) -> String {
    let mut out = Vec::new();
    let opts = TextOptions { color, top: 10 };
    render(r, format, &opts, &mut out).expect("render to a Vec");
    String::from_utf8(out).expect("reports are UTF-8")
}

/// The report of the log at `path` with the library's default settings and the offline
/// summary: what delivery tests post.
pub fn offline_report(path: &Path) -> Report {
    let read = ReadConfig::new(vec![InputSpec::Path(path.to_owned())]);
    let analysed = app::analyse(&read, &AnalyseConfig::default()).expect("the log analyses");
    with_offline_summary(&analysed)
}

/// The report of an analysis with the offline summary.
fn with_offline_summary(a: &Analysed) -> Report {
    let llm = LlmConfig::builder()
        .mode(LlmMode::Off)
        .build()
        .expect("offline config");
    let mut r = Report::new(a);
    r.summary = Some(app::summarize(a, &llm, None));
    r
}
