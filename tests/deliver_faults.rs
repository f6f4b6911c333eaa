//! `--post` when the webhook fails: nothing listening, server errors that never stop, a
//! receiver that accepts the connection and never answers. The report is written first and
//! stays written, the failure is one line on stderr, and the exit code is the analysis's
//! (docs/scheduling.md, "Exit codes"). The receivers are real servers on 127.0.0.1.
//!
//! A hanging receiver costs four attempts of the default 10 s from the command line; that run
//! is gated behind `LOGSIFT_SLOW=1`. The library test of the same fault uses a short timeout.

mod report_support;

use std::time::{Duration, Instant};

use logsift::deliver::{self, DEFAULT_TIMEOUT, DeliverConfig, DeliverError, MAX_RETRIES};
use logsift::report::Report;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

const DEMO: &str = "fixtures/demo/checkout.log";

/// Longest backoff before each retry from the command line (0.5, 1 and 2 s: the default step
/// of 500 ms doubled), summed.
const CLI_BACKOFF: Duration = Duration::from_millis(3_500);

fn slow_tests() -> bool {
    std::env::var("LOGSIFT_SLOW").as_deref() == Ok("1")
}

/// A receiver that accepts connections, reads what comes and never answers.
async fn hanging_receiver() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut sink = tokio::io::sink();
                let _ = tokio::io::copy(&mut sock, &mut sink).await;
            });
        }
    });
    format!("http://{addr}/services/T0/B0/SECRET")
}

fn free_port_url() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    format!("http://127.0.0.1:{port}/services/T0/B0/SECRET")
}

fn demo_report() -> Report {
    report_support::offline_report(DEMO.as_ref())
}

#[tokio::test]
async fn a_receiver_that_never_answers_times_out_on_every_attempt() {
    let url = hanging_receiver().await;
    let timeout = Duration::from_millis(300);
    let cfg = DeliverConfig::builder(url)
        .timeout(timeout)
        .retry_base(Duration::from_millis(5))
        .build()
        .expect("valid");
    let started = Instant::now();
    let err = deliver::post(&cfg, &demo_report())
        .await
        .expect_err("never answered");
    let elapsed = started.elapsed();
    assert!(
        matches!(err, DeliverError::Unreachable { attempts: 4, .. }),
        "{err}"
    );
    let msg = err.to_string();
    assert!(msg.contains("could not reach"), "{msg}");
    assert!(!msg.contains("SECRET"), "{msg}");
    // Four attempts of 300 ms and backoffs of a few ms; slack for a loaded machine.
    let bound = timeout * (MAX_RETRIES + 1) + Duration::from_secs(5);
    assert!(elapsed < bound, "took {elapsed:?}, more than {bound:?}");
}

#[tokio::test]
async fn an_unreachable_webhook_never_prints_its_secret_path() {
    // reqwest's message names the whole URL; a Slack webhook's path is its secret.
    let cfg = DeliverConfig::builder(free_port_url())
        .retry_base(Duration::from_millis(5))
        .build()
        .expect("valid");
    let err = deliver::post(&cfg, &demo_report())
        .await
        .expect_err("nothing listens");
    let msg = err.to_string();
    assert!(msg.contains("could not reach http://127.0.0.1/…"), "{msg}");
    assert!(
        msg.contains("Connection refused"),
        "the cause is kept: {msg}"
    );
    assert!(
        !msg.contains("SECRET") && !msg.contains("/services/"),
        "{msg}"
    );
}

struct Run {
    code: Option<i32>,
    stderr: String,
    report: String,
    elapsed: Duration,
}

/// `logsift DEMO --post URL -o FILE [extra]`, from a blocking thread so that the receiver
/// keeps running on this test's runtime.
async fn post_from_cli(url: String, extra: &[&str]) -> Run {
    let extra: Vec<String> = extra.iter().map(|s| (*s).to_owned()).collect();
    tokio::task::spawn_blocking(move || {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("report.txt");
        let started = Instant::now();
        let o = assert_cmd::Command::cargo_bin("logsift")
            .expect("binary built")
            .env_remove("OPENAI_API_KEY")
            .env_remove("OPENAI_BASE_URL")
            .env_remove("LOGSIFT_POST_URL")
            .args([DEMO, "--llm", "off", "--post", &url, "-o"])
            .arg(&out)
            .args(&extra)
            .output()
            .expect("ran");
        Run {
            code: o.status.code(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
            report: std::fs::read_to_string(&out).unwrap_or_default(),
            elapsed: started.elapsed(),
        }
    })
    .await
    .expect("ran")
}

fn assert_reported_failure(run: &Run, what: &str, code: i32, bound: Duration) {
    println!(
        "observed: exit {:?} in {:.2?}, stderr {:?}",
        run.code, run.elapsed, run.stderr
    );
    assert_eq!(run.code, Some(code), "{}", run.stderr);
    assert!(
        run.report.starts_with("logsift"),
        "the report was written first: {:?}",
        run.report.get(..80)
    );
    let line = run
        .stderr
        .lines()
        .find(|l| l.contains("could not post the report"))
        .unwrap_or_else(|| panic!("no failure line: {}", run.stderr));
    assert!(line.contains(what), "{line}");
    assert!(line.contains("(the report itself was written)"), "{line}");
    assert!(
        !run.stderr.contains("SECRET"),
        "the webhook's path is secret"
    );
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert!(run.elapsed < bound, "took {:?}", run.elapsed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_listening_leaves_the_report_and_the_exit_code() {
    let run = post_from_cli(free_port_url(), &[]).await;
    let bound = CLI_BACKOFF + Duration::from_secs(20);
    assert_reported_failure(
        &run,
        "could not reach http://127.0.0.1/… after 4 attempt(s)",
        0,
        bound,
    );
    // With --fail-on-anomaly the findings decide the code, not the post.
    let run = post_from_cli(free_port_url(), &["--fail-on-anomaly"]).await;
    assert_reported_failure(&run, "after 4 attempt(s)", 1, bound);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_that_never_stop_leave_the_report_and_the_exit_code() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500).set_body_string("internal error"))
        .mount(&server)
        .await;
    let run = post_from_cli(format!("{}/services/T0/B0/SECRET", server.uri()), &[]).await;
    assert_reported_failure(
        &run,
        "answered 500 after 4 attempt(s): internal error",
        0,
        CLI_BACKOFF + Duration::from_secs(20),
    );
    assert_eq!(
        server.received_requests().await.unwrap_or_default().len(),
        4
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_receiver_leaves_the_report_and_the_exit_code() {
    if !slow_tests() {
        eprintln!("skipped: four attempts of 10 s; set LOGSIFT_SLOW=1");
        return;
    }
    let url = hanging_receiver().await;
    let run = post_from_cli(url, &[]).await;
    let bound = DEFAULT_TIMEOUT * (MAX_RETRIES + 1) + CLI_BACKOFF + Duration::from_secs(20);
    assert_reported_failure(&run, "after 4 attempt(s)", 0, bound);
}
