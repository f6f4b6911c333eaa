//! The `logsift` binary as a user runs it: inputs from files, stdin and archives, exit codes,
//! errors that name the file, a reader that goes away early.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use assert_cmd::cargo::cargo_bin;
use predicates::prelude::*;

const DEMO: &str = "fixtures/demo/checkout.log";

fn logsift() -> assert_cmd::Command {
    let mut c = assert_cmd::Command::cargo_bin("logsift").expect("binary built");
    c.env_remove("NO_COLOR")
        .env_remove("OPENAI_API_KEY")
        .env_remove("OPENAI_BASE_URL");
    c
}

fn json_report(args: &[&str], stdin: Option<Vec<u8>>) -> serde_json::Value {
    let mut c = logsift();
    c.args(args).args(["--format", "json"]);
    if let Some(s) = stdin {
        c.write_stdin(s);
    }
    let out = c.assert().success().get_output().stdout.clone();
    serde_json::from_slice(&out).expect("the JSON report parses")
}

fn flagged_templates(v: &serde_json::Value) -> Vec<(String, String)> {
    v["flagged"]
        .as_array()
        .expect("flagged is a list")
        .iter()
        .map(|f| {
            (
                f["kind"].as_str().unwrap_or_default().to_owned(),
                f["template"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[test]
fn demo_report_names_the_new_errors_and_the_status_shift() {
    let v = json_report(&[DEMO], None);
    let flags = flagged_templates(&v);
    assert!(
        flags
            .iter()
            .any(|(k, t)| k == "new" && t.contains("could not acquire database connection")),
        "{flags:?}"
    );
    assert!(
        flags
            .iter()
            .any(|(k, t)| k == "param_shift" && t.starts_with("POST")),
        "{flags:?}"
    );
    assert!(
        flags
            .iter()
            .any(|(k, t)| k == "drop" && t.starts_with("Payment authorized")),
        "{flags:?}"
    );
    assert_eq!(v["totals"]["lines"], 4042);
    assert_eq!(v["window"]["method"], "change_point");
}

#[test]
fn stdin_gives_the_same_findings_as_the_file() {
    let data = std::fs::read(DEMO).expect("demo fixture");
    let from_file = flagged_templates(&json_report(&[DEMO], None));
    let from_stdin = flagged_templates(&json_report(&[], Some(data.clone())));
    let from_dash = flagged_templates(&json_report(&["-"], Some(data)));
    assert_eq!(from_file, from_stdin);
    assert_eq!(from_file, from_dash);
}

fn compressed_copies(dir: &Path) -> (PathBuf, PathBuf) {
    let data = std::fs::read(DEMO).expect("demo fixture");
    // Names without the usual extensions: detection goes by magic bytes.
    let gz = dir.join("demo-gzip.log");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(&data).expect("gzip");
    std::fs::write(&gz, enc.finish().expect("gzip")).expect("write");
    let zst = dir.join("demo-zstd.log");
    std::fs::write(&zst, zstd::encode_all(&data[..], 3).expect("zstd")).expect("write");
    (gz, zst)
}

#[test]
fn gzip_and_zstd_are_read_like_plain_text() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (gz, zst) = compressed_copies(dir.path());
    let plain = flagged_templates(&json_report(&[DEMO], None));
    for p in [&gz, &zst] {
        let v = json_report(&[p.to_str().expect("utf-8 path")], None);
        assert_eq!(flagged_templates(&v), plain, "{}", p.display());
        assert_eq!(v["totals"]["lines"], 4042);
    }
}

#[test]
fn a_missing_file_is_named_exits_2_and_the_other_inputs_are_read() {
    logsift()
        .args(["no-such-file.log", DEMO])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no-such-file.log"))
        .stdout(predicate::str::contains("What changed"));
}

#[test]
fn a_directory_is_an_input_error() {
    logsift()
        .args(["fixtures"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("fixtures").and(predicate::str::contains("directory")));
}

#[test]
fn a_truncated_archive_is_reported_after_its_readable_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (gz, _) = compressed_copies(dir.path());
    let bytes = std::fs::read(&gz).expect("read");
    let cut = dir.path().join("cut.gz");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).expect("write");
    let out = logsift()
        .args([cut.to_str().expect("utf-8"), "--format", "json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cut.gz"))
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).expect("a report is still written");
    let lines = v["totals"]["lines"].as_u64().expect("lines");
    assert!(lines > 100 && lines < 4042, "{lines}");
}

#[test]
fn fail_on_anomaly_exits_1_when_something_is_flagged() {
    logsift().args([DEMO, "--fail-on-anomaly"]).assert().code(1);
    logsift().args([DEMO]).assert().code(0);
}

#[test]
fn an_incident_start_copied_from_the_log_is_read_in_the_logs_format() {
    let v = json_report(&[DEMO, "--incident-start", "2026-11-27 14:00:00,000"], None);
    assert_eq!(v["window"]["method"], "incident_start");
    assert_eq!(v["window"]["incident"]["start"], "2026-11-27T14:00:00Z");
    let rel = json_report(&[DEMO, "--incident-start", "-15m"], None);
    assert_eq!(rel["window"]["method"], "incident_start");
}

#[test]
fn an_unreadable_time_says_what_to_write() {
    logsift()
        .args([DEMO, "--incident-start", "yesterday-ish"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("--incident-start").and(predicate::str::contains("RFC 3339")),
        );
}

#[test]
fn an_empty_input_is_a_clear_error() {
    logsift()
        .write_stdin("")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no log lines"));
}

#[test]
fn per_line_output_has_one_row_per_input_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("lines.jsonl");
    logsift()
        .args([
            "templates",
            "fixtures/loghub-2k/HDFS/HDFS_2k.log",
            "--per-line",
        ])
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "PacketResponder <*> for block <*> terminating",
        ));
    let text = std::fs::read_to_string(&out).expect("per-line file");
    let rows: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(rows.len(), 2000);
    assert_eq!(rows[0]["line_no"], 1);
    assert_eq!(rows[1999]["line_no"], 2000);
    assert_eq!(
        rows[0]["template"],
        "PacketResponder <*> for block <*> terminating"
    );
}

#[test]
fn states_saved_from_two_shards_merge_and_load() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = std::fs::read_to_string("fixtures/loghub-2k/HDFS/HDFS_2k.log").expect("fixture");
    let lines: Vec<&str> = text.lines().collect();
    let (a, b) = lines.split_at(1000);
    let (pa, pb) = (dir.path().join("a.log"), dir.path().join("b.log"));
    std::fs::write(&pa, a.join("\n")).expect("write");
    std::fs::write(&pb, b.join("\n")).expect("write");
    for (log, state) in [(&pa, "a.state"), (&pb, "b.state")] {
        logsift()
            .arg("templates")
            .arg(log)
            .arg("--save-state")
            .arg(dir.path().join(state))
            .assert()
            .success();
    }
    // A saved state keeps the parameter values of its slots (a run that saves none skips them).
    let state = std::fs::read_to_string(dir.path().join("a.state")).expect("state");
    let body: serde_json::Value =
        serde_json::from_str(state.lines().nth(2).expect("state body")).expect("state json");
    let listed = body["clusters"]
        .as_array()
        .expect("clusters")
        .iter()
        .flat_map(|c| c["slots"].as_array().cloned().unwrap_or_default())
        .filter(|s| s["values"].as_array().is_some_and(|v| !v.is_empty()))
        .count();
    assert!(listed > 0, "no slot of the saved state lists values");
    let merged = dir.path().join("m.state");
    logsift()
        .arg("merge-state")
        .arg(dir.path().join("a.state"))
        .arg(dir.path().join("b.state"))
        .arg("-o")
        .arg(&merged)
        .assert()
        .success();
    // Loading the merged state and reading nothing more lists the union of templates.
    let out = logsift()
        .args(["templates", "--format", "json", "--load-state"])
        .arg(&merged)
        .write_stdin("")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).expect("json");
    let total: u64 = v
        .as_array()
        .expect("array")
        .iter()
        .map(|t| t["count"].as_u64().unwrap_or(0))
        .sum();
    assert_eq!(total, 2000);
    // A file that is not a state is refused with a clear message.
    logsift()
        .args(["templates", "--load-state", DEMO])
        .write_stdin("")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a logsift"));
}

/// Findings of the reviews so far, from the state file: `no_runbook_yet` by template.
fn recurring(v: &serde_json::Value) -> Vec<(String, u64, bool)> {
    v["no_runbook_yet"]
        .as_array()
        .expect("no_runbook_yet is a list")
        .iter()
        .map(|r| {
            (
                r["template"].as_str().unwrap_or_default().to_owned(),
                r["times_flagged"].as_u64().unwrap_or(0),
                r["flagged_now"].as_bool().unwrap_or(false),
            )
        })
        .collect()
}

#[test]
fn the_state_file_remembers_reviews_and_lists_recurring_findings_without_a_runbook() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().join("review.state");
    let state = state.to_str().expect("utf-8 path");
    let first = [
        DEMO,
        "--incident-start",
        "2026-11-27 14:00:00,000",
        "--incident-end",
        "2026-11-27 14:10:00,000",
        "--load-state",
        state,
        "--save-state",
        state,
    ];
    // The first run of a schedule: the state to load does not exist yet.
    let v = json_report(&first, None);
    assert_eq!(recurring(&v), Vec::new(), "one review: nothing recurs yet");
    let second = [
        DEMO,
        "--runbooks",
        "fixtures/runbooks/demo.toml",
        "--load-state",
        state,
        "--save-state",
        state,
    ];
    let v = json_report(&second, None);
    let rec = recurring(&v);
    // Flagged in both reviews, and no runbook entry covers it.
    assert!(
        rec.contains(&("Checkout failed for order <*>".to_owned(), 2, true)),
        "{rec:?}"
    );
    // Covered by the demo runbooks: not listed.
    assert!(
        !rec.iter()
            .any(|(t, _, _)| t.contains("could not acquire database connection")),
        "{rec:?}"
    );
    // The same review again (same incident window) is not counted twice.
    let v = json_report(&second, None);
    assert!(
        recurring(&v).contains(&("Checkout failed for order <*>".to_owned(), 2, true)),
        "{:?}",
        recurring(&v)
    );
    // The history lives in the state file itself; a damaged one is a clear error.
    let mut text = std::fs::read(state).expect("state written");
    assert!(text.windows(22).any(|w| w == b"LOGSIFT-REVIEW-HISTORY"));
    text.truncate(text.len() - 10);
    std::fs::write(state, &text).expect("write");
    logsift()
        .args([DEMO, "--load-state", state])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("review history").and(predicate::str::contains("corrupt")),
        );
}

#[test]
fn a_reader_that_goes_away_is_not_an_error() {
    // Enough distinct templates that the table is far larger than a pipe buffer.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("many.log");
    let mut text = String::new();
    for i in 0..40_000u32 {
        let mut w = String::new();
        let mut n = i;
        for _ in 0..4 {
            w.push(char::from(b'a' + (n % 26) as u8));
            n /= 26;
        }
        text.push_str(&format!("kind {w} happened {w}x{w} in {w}zone now\n"));
    }
    std::fs::write(&path, text).expect("write");
    let mut child = Command::new(cargo_bin("logsift"))
        .arg("templates")
        .arg(&path)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut first = [0u8; 64];
    stdout.read_exact(&mut first).expect("some output");
    drop(stdout);
    let out = child.wait_with_output().expect("wait");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("error"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_is_an_output_error_with_exit_2() {
    // /dev/full accepts the open and fails every write with ENOSPC, as a full disk does.
    let runs: [&[&str]; 5] = [
        &[DEMO, "-o", "/dev/full"],
        &[DEMO, "--format", "html", "-o", "/dev/full"],
        &[DEMO, "--format", "json", "-o", "/dev/full"],
        &[DEMO, "--show-prompt", "-o", "/dev/full"],
        &["templates", DEMO, "-o", "/dev/full"],
    ];
    for args in runs {
        let out = logsift()
            .args(args)
            .args(["--llm", "off"].iter().filter(|_| args[0] != "templates"))
            .assert()
            .get_output()
            .clone();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("could not write the output") && stderr.contains("No space left"),
            "{args:?}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn help_teaches_the_main_uses() {
    let out = logsift()
        .arg("--help")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let help = String::from_utf8(out).expect("utf-8");
    for needle in [
        "--incident-start",
        "--baseline",
        "--last",
        "Exit codes",
        "templates",
        "NO_COLOR",
    ] {
        assert!(help.contains(needle), "--help lacks {needle}");
    }
    insta::assert_snapshot!("help", help);
}
