//! `--threads`: any thread count gives exactly the result of one thread. The input is made
//! large enough (the nine Loghub samples, repeated) to pass through many batches of the
//! threaded pipeline, with a baseline file, a gzip file and stdin among the inputs.

use std::io::Write;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// Longest a run may take: a pipeline that stops making progress fails the test instead of
/// hanging it.
const DEADLINE: std::time::Duration = std::time::Duration::from_secs(300);

fn logsift() -> Command {
    let mut c = Command::cargo_bin("logsift").expect("binary builds");
    c.timeout(DEADLINE)
        .env("NO_COLOR", "1")
        .env_remove("OPENAI_API_KEY")
        .env_remove("OPENAI_BASE_URL");
    c
}

/// The nine Loghub 2k samples, interleaved line by line and repeated: ~4 MB, every header
/// format in turn, so that batches cut through every kind of line.
fn corpus(dir: &Path) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/loghub-2k");
    let mut files: Vec<Vec<String>> = Vec::new();
    let mut names: Vec<_> = std::fs::read_dir(&root)
        .expect("fixtures/loghub-2k")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.path())
        .collect();
    names.sort();
    for d in names {
        let name = d.file_name().expect("name").to_string_lossy().into_owned();
        let log = d.join(format!("{name}_2k.log"));
        let text = std::fs::read_to_string(&log).expect("sample log");
        files.push(text.lines().map(str::to_owned).collect());
    }
    assert_eq!(files.len(), 9, "nine Loghub samples");
    let path = dir.join("mixed.log");
    let mut out = std::fs::File::create(&path).expect("create");
    for round in 0..3 {
        for i in 0..2000 {
            for f in &files {
                if let Some(l) = f.get((i + round * 7) % f.len()) {
                    writeln!(out, "{l}").expect("write");
                }
            }
        }
    }
    path
}

fn gzip(src: &Path, dst: &Path) {
    let data = std::fs::read(src).expect("read");
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(dst).expect("create"),
        flate2::Compression::fast(),
    );
    enc.write_all(&data).expect("gzip");
    enc.finish().expect("gzip");
}

#[test]
fn template_tables_and_per_line_output_do_not_depend_on_the_thread_count() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = corpus(dir.path());
    assert!(std::fs::metadata(&log).expect("meta").len() > 3_000_000);
    let mut outputs = Vec::new();
    for threads in ["1", "2", "3"] {
        let table = dir.path().join(format!("t{threads}.json"));
        let lines = dir.path().join(format!("l{threads}.jsonl"));
        logsift()
            .args(["templates", "--format", "json", "--threads", threads, "-o"])
            .arg(&table)
            .arg("--per-line")
            .arg(&lines)
            .arg(&log)
            .assert()
            .success();
        let table = std::fs::read(&table).expect("table");
        let lines = std::fs::read(&lines).expect("per-line");
        outputs.push((threads, table, lines));
    }
    let (_, table1, lines1) = &outputs[0];
    let per_line = String::from_utf8_lossy(lines1);
    assert_eq!(per_line.lines().count(), 9 * 2000 * 3, "one row per line");
    let templates: serde_json::Value = serde_json::from_slice(table1).expect("json");
    let n = templates.as_array().map_or(0, Vec::len);
    assert!(
        n > 100,
        "the nine systems give hundreds of templates, got {n}"
    );
    for (threads, table, lines) in &outputs[1..] {
        assert!(
            table == table1,
            "template table with --threads {threads} differs"
        );
        assert!(
            lines == lines1,
            "per-line output with --threads {threads} differs"
        );
    }
}

#[test]
fn the_report_does_not_depend_on_the_thread_count_across_several_inputs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = corpus(dir.path());
    let gz = dir.path().join("mixed.log.gz");
    gzip(&log, &gz);
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo");
    let demo = std::fs::read_dir(&scenario)
        .expect("fixtures/demo")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "log"))
        .expect("a demo log");
    let mut reports = Vec::new();
    for threads in ["1", "2"] {
        let out = logsift()
            .args([
                "--format",
                "json",
                "--llm",
                "off",
                "--threads",
                threads,
                "--baseline",
            ])
            .arg(&log)
            .arg("--")
            .arg(&gz)
            .arg("-")
            .arg(&demo)
            .write_stdin(std::fs::read(&demo).expect("demo"))
            .output()
            .expect("runs");
        assert!(
            out.status.code().is_some_and(|c| c <= 1),
            "exit {:?}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json report");
        reports.push(v);
    }
    let inputs = reports[0]["inputs"].as_array().map_or(0, Vec::len);
    assert_eq!(
        inputs, 4,
        "baseline, gzip, stdin and demo inputs are all reported"
    );
    assert_eq!(reports[0], reports[1]);
}

/// Stdin that arrives in small pieces with pauses between them, cut in the middle of lines:
/// the miner keeps waiting for batches that are not read yet, and the result is still that of
/// one thread.
#[test]
fn stdin_arriving_slowly_gives_the_result_of_one_thread() {
    use std::process::{Command as Std, Stdio};
    let dir = tempfile::tempdir().expect("tempdir");
    let data = std::fs::read(corpus(dir.path())).expect("corpus");
    let mut tables = Vec::new();
    for threads in ["1", "2", "4"] {
        let lines = dir.path().join(format!("slow{threads}.jsonl"));
        let table = dir.path().join(format!("slow{threads}.json"));
        let errors = dir.path().join(format!("slow{threads}.err"));
        let mut child = Std::new(env!("CARGO_BIN_EXE_logsift"))
            .env("NO_COLOR", "1")
            .args([
                "templates",
                "--format",
                "json",
                "--threads",
                threads,
                "--per-line",
            ])
            .arg(&lines)
            .arg("-o")
            .arg(&table)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&errors).expect("stderr file"))
            .spawn()
            .expect("spawns");
        let mut stdin = child.stdin.take().expect("stdin");
        let feed = data.clone();
        let writer = std::thread::spawn(move || {
            // 600 KB in 40 pieces over about a second (more than two batches), then the rest.
            let (slow, rest) = feed.split_at(600_000);
            for piece in slow.chunks(15_001) {
                stdin.write_all(piece).expect("write");
                stdin.flush().expect("flush");
                std::thread::sleep(std::time::Duration::from_millis(25));
            }
            stdin.write_all(rest).expect("write");
        });
        let started = std::time::Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().expect("waits") {
                break status;
            }
            if started.elapsed() > DEADLINE {
                let _ = child.kill();
                panic!("--threads {threads}: no result after {DEADLINE:?}");
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        };
        writer.join().expect("writer");
        assert!(
            status.success(),
            "--threads {threads}: {}",
            std::fs::read_to_string(&errors).unwrap_or_default()
        );
        let per_line = std::fs::read(&lines).expect("per-line output");
        assert_eq!(
            per_line.iter().filter(|&&b| b == b'\n').count(),
            data.iter().filter(|&&b| b == b'\n').count(),
            "one per-line record per input line with --threads {threads}"
        );
        tables.push((threads, std::fs::read(&table).expect("table"), per_line));
    }
    for (threads, table, per_line) in &tables[1..] {
        assert!(
            *table == tables[0].1,
            "template table with --threads {threads} differs"
        );
        assert!(
            *per_line == tables[0].2,
            "per-line output with --threads {threads} differs"
        );
    }
}
