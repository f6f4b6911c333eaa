//! `--since` / `--until` end to end: the lines analysed are exactly the lines whose event
//! time falls in the window (continuation lines going with their event), counted here
//! independently of the library; names stay those of the inputs; relative and keyword bounds
//! read against the clock.

use logsift::app::{self, AnalyseConfig, ReadConfig};
use logsift::input::InputSpec;
use logsift::record::{DetectOptions, HeaderFormat, Timestamp};
use logsift::timefilter::{self, TimeWindow};

const DEMO: &str = "fixtures/demo/checkout.log";

/// Lines of the demo whose event starts in `[since, until)`: a line starting with a date opens
/// an event; other lines belong to the event before them.
fn lines_between(since: &str, until: &str) -> u64 {
    let text = std::fs::read_to_string(DEMO).expect("demo");
    let mut inside = false;
    let mut n = 0;
    for line in text.lines() {
        if line.starts_with("20") && line.len() >= 23 {
            let ts = &line[..23];
            inside = ts >= since && ts < until;
        }
        if inside {
            n += 1;
        }
    }
    n
}

fn logsift() -> assert_cmd::Command {
    let mut c = assert_cmd::Command::cargo_bin("logsift").expect("binary built");
    c.env_remove("OPENAI_API_KEY").env_remove("OPENAI_BASE_URL");
    c
}

#[test]
fn the_command_line_reads_only_the_window() {
    let out = logsift()
        .args([
            DEMO,
            "--format",
            "json",
            "--since",
            "2026-11-27 13:30:00,000",
            "--until",
            "2026-11-27T14:05:00Z",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).expect("json");
    let want = lines_between("2026-11-27 13:30:00,000", "2026-11-27 14:05:00,000");
    assert!(
        want > 1000 && want < 4042,
        "the window is a real part of the demo: {want}"
    );
    assert_eq!(v["totals"]["lines"], want);
    assert_eq!(v["inputs"][0]["name"], DEMO, "the input keeps its name");
    assert!(
        v["inputs"][0]["first"]
            .as_str()
            .is_some_and(|f| ("2026-11-27T13:30:00.000Z".."2026-11-27T13:30:01.000Z").contains(&f)),
        "{}",
        v["inputs"][0]["first"]
    );
    assert!(
        v["inputs"][0]["last"]
            .as_str()
            .is_some_and(|l| l < "2026-11-27T14:05:00.000Z"),
        "{}",
        v["inputs"][0]["last"]
    );
}

#[test]
fn a_window_with_no_events_says_so() {
    let out = logsift()
        .args([DEMO, "--since", "2030-01-01T00:00:00Z"])
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    let e = String::from_utf8_lossy(&out);
    assert!(e.contains("no log lines"), "{e}");
    let out = logsift()
        .args([DEMO, "--since", "today", "--until", "yesterday"])
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    assert!(String::from_utf8_lossy(&out).contains("must be later"));
    let out = logsift()
        .args([DEMO, "--since", "half past nine"])
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    assert!(String::from_utf8_lossy(&out).contains("cannot read"));
}

#[test]
fn relative_bounds_count_back_from_the_clock() {
    // Pretend it is 14:10 on the demo's day: the last 20 minutes are 13:50 .. 14:10.
    let now = HeaderFormat::none()
        .parse_time("2026-11-27T14:10:00Z", &DetectOptions::default())
        .expect("time");
    let read = ReadConfig::new(vec![InputSpec::Path(DEMO.into())]);
    let window = TimeWindow::parse(Some("-20m"), Some("now")).expect("window");
    let pre = timefilter::prefilter(&read, &window, now).expect("prefilter");
    let mut analysed = app::analyse(&pre.read, &AnalyseConfig::default()).expect("analyse");
    pre.restore_names(&mut analysed.mined.read);
    assert_eq!(
        analysed.mined.read.totals().lines,
        lines_between("2026-11-27 13:50:00,000", "2026-11-27 14:10:00,000")
    );
    assert_eq!(analysed.mined.read.inputs[0].name, DEMO);
    assert_eq!(
        pre.resolved.map(|r| r.0),
        Some(Some(Timestamp(now.0 - 1_200_000)))
    );
    // The day keywords are UTC days of the clock.
    let w = TimeWindow::parse(Some("today"), None).expect("window");
    let pre = timefilter::prefilter(&read, &w, now).expect("prefilter");
    assert_eq!(
        pre.stats.dropped, 0,
        "every demo event is on the clock's day"
    );
}

#[test]
fn leading_untimed_lines_are_left_out_of_a_bounded_window_and_counted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("app.log");
    std::fs::write(
        &p,
        "banner without a time\n\
         2026-11-27 10:00:00,000 INFO a: one\n\
         \tat continuation\n\
         2026-11-27 11:00:00,000 INFO a: two\n\
         2026-11-27 12:00:00,000 INFO a: three\n",
    )
    .expect("write");
    let read = ReadConfig::new(vec![InputSpec::Path(p.clone())]);
    let w = TimeWindow::parse(Some("2026-11-27T10:00:00Z"), Some("2026-11-27T12:00:00Z"))
        .expect("window");
    let pre = timefilter::prefilter(&read, &w, Timestamp::now()).expect("prefilter");
    assert_eq!(pre.stats.kept, 2, "{:?}", pre.stats);
    assert_eq!(pre.stats.dropped_untimed, 1);
    assert!(pre.warning().is_some_and(|w| w.contains("1 event(s)")));
    let InputSpec::Path(copy) = &pre.read.inputs[0] else {
        panic!("a path")
    };
    assert_eq!(
        std::fs::read_to_string(copy).expect("copy"),
        "2026-11-27 10:00:00,000 INFO a: one\n\tat continuation\n2026-11-27 11:00:00,000 INFO a: two\n"
    );
    // Without a lower bound the banner is kept.
    let w = TimeWindow::parse(None, Some("2026-11-27T11:00:00Z")).expect("window");
    let pre = timefilter::prefilter(&read, &w, Timestamp::now()).expect("prefilter");
    assert_eq!(pre.stats.kept, 2);
    assert_eq!(pre.stats.dropped_untimed, 0);
    // An input that cannot be opened is passed through for the analysis to report.
    let missing = ReadConfig::new(vec![InputSpec::Path(dir.path().join("nope.log"))]);
    let pre = timefilter::prefilter(&missing, &w, Timestamp::now()).expect("prefilter");
    assert_eq!(pre.read.inputs, missing.inputs);
}

#[test]
fn gzip_inputs_are_filtered_too() {
    use std::io::Write;
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("app.log.1.gz");
    let data = std::fs::read(DEMO).expect("demo");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&data).expect("gzip");
    std::fs::write(&p, gz.finish().expect("gzip")).expect("write");
    let out = logsift()
        .arg(&p)
        .args(["--format", "json", "--since", "2026-11-27T14:00:00Z"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).expect("json");
    assert_eq!(
        v["totals"]["lines"],
        lines_between("2026-11-27 14:00:00,000", "9999")
    );
}
