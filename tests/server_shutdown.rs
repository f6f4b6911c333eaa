//! `logsift serve` as a process stopped by SIGTERM: the request in flight is answered, the
//! process exits 0, and an analysis abandoned at its request deadline does not hold the exit
//! back (docs/server.md, "Graceful shutdown").

#![cfg(unix)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::cargo::cargo_bin;

/// A `logsift serve` process and its address.
struct Served {
    child: Child,
    base: String,
    stderr: std::sync::mpsc::Receiver<String>,
}

impl Drop for Served {
    fn drop(&mut self) {
        // Only if a test failed before the process ended.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A config with one source that writes its process id to `dir/command.pid`, then waits for
/// `gate` to exist before printing the demo log.
fn config(dir: &Path, gate: &Path, request_timeout: &str, command_timeout: &str) -> PathBuf {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo/checkout.log");
    let text = format!(
        "[server]\nlisten = \"127.0.0.1:0\"\nrequest_timeout = \"{request_timeout}\"\n\
         [llm]\nmode = \"off\"\n\
         [[source]]\nname = \"gated\"\n\
         command = [\"sh\", \"-c\", \"echo $$ > '{}'; while [ ! -e '{}' ]; do sleep 0.01; done; cat '{}'\"]\n\
         command_timeout = \"{command_timeout}\"\n",
        dir.join("command.pid").display(),
        gate.display(),
        demo.display()
    );
    let path = dir.join("logsift.toml");
    std::fs::write(&path, text).expect("write config");
    path
}

fn serve(config: &Path) -> Served {
    let mut child = Command::new(cargo_bin("logsift"))
        .args(["serve", "--config"])
        .arg(config)
        .env_remove("OPENAI_API_KEY")
        .env_remove("OPENAI_BASE_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn logsift serve");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let first = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the start line");
    let base = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no address in {first:?}"))
        .to_owned();
    Served {
        child,
        base,
        stderr: rx,
    }
}

fn sigterm(child: &Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
}

/// Waits for the process to exit, at most `bound` (a failure guard, not a timing).
fn exit_within(served: &mut Served, bound: Duration) -> (Option<i32>, Duration, Vec<String>) {
    let started = Instant::now();
    loop {
        if let Some(status) = served.child.try_wait().expect("wait") {
            let lines: Vec<String> = served.stderr.try_iter().collect();
            return (status.code(), started.elapsed(), lines);
        }
        assert!(
            started.elapsed() < bound,
            "still running {bound:?} after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

async fn until_in_flight(client: &reqwest::Client, base: &str) {
    for _ in 0..1500 {
        if let Ok(r) = client.get(format!("{base}/metrics")).send().await
            && r.text()
                .await
                .unwrap_or_default()
                .contains("logsift_analysis_in_flight 1\n")
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the analysis never started");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_answers_the_request_in_flight_then_exits_0() {
    let dir = tempfile::tempdir().expect("tempdir");
    let gate = dir.path().join("open");
    let request_timeout = Duration::from_secs(20);
    let mut served = serve(&config(dir.path(), &gate, "20s", "60s"));
    let client = reqwest::Client::new();
    let url = format!("{}/v1/summarize", served.base);
    let c = client.clone();
    let in_flight = tokio::spawn(async move {
        let r = c
            .post(url)
            .body(r#"{"source":"gated","last":"10m"}"#)
            .send()
            .await
            .expect("post");
        (r.status(), r.text().await.unwrap_or_default())
    });
    until_in_flight(&client, &served.base).await;
    sigterm(&served.child);
    // The shutdown has begun (the line is printed when the signal arrives); the analysis
    // can only finish once the gate opens.
    let line = served
        .stderr
        .recv_timeout(Duration::from_secs(10))
        .expect("the shutdown line");
    assert!(line.contains("shutting down"), "{line}");
    std::fs::write(&gate, b"").expect("open the gate");
    let (status, body) = in_flight.await.expect("answered");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"flagged\""), "{body}");
    let (code, took, _) = tokio::task::block_in_place(|| {
        exit_within(&mut served, request_timeout + Duration::from_secs(10))
    });
    assert_eq!(code, Some(0), "exit after {took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_analysis_abandoned_at_its_deadline_does_not_hold_the_exit() {
    let dir = tempfile::tempdir().expect("tempdir");
    // The gate never opens: the command would run until its 60 s timeout.
    let gate = dir.path().join("never");
    let request_timeout = Duration::from_secs(1);
    let mut served = serve(&config(dir.path(), &gate, "1s", "60s"));
    let client = reqwest::Client::new();
    let r = client
        .post(format!("{}/v1/summarize", served.base))
        .body(r#"{"source":"gated"}"#)
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 503, "the request deadline answered");
    sigterm(&served.child);
    // Nobody waits for the abandoned analysis any more: the exit follows the shutdown,
    // not the command's 60 s timeout.
    let exited = tokio::task::block_in_place(|| {
        exit_within(&mut served, request_timeout + Duration::from_secs(10))
    });
    // The command outlives the server (as it would until its next write to the closed pipe,
    // or its supervisor's cleanup): end it here.
    if let Ok(pid) = std::fs::read_to_string(dir.path().join("command.pid")) {
        let _ = Command::new("kill").args(["-TERM", pid.trim()]).status();
    }
    let (code, took, lines) = exited;
    assert_eq!(code, Some(0), "exit after {took:?}: {lines:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_server_exits_0_at_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let gate = dir.path().join("open");
    let mut served = serve(&config(dir.path(), &gate, "20s", "60s"));
    let health = reqwest::get(format!("{}/healthz", served.base))
        .await
        .expect("healthz");
    assert_eq!(health.status(), 200);
    sigterm(&served.child);
    let (code, took, _) =
        tokio::task::block_in_place(|| exit_within(&mut served, Duration::from_secs(10)));
    assert_eq!(code, Some(0), "exit after {took:?}");
}
