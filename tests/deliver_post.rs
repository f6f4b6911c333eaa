//! Posting reports to webhooks against a real in-process HTTP server: success, a failure
//! followed by success, rate limits, permanent failures; and `--post` from the command line,
//! where a failed post leaves the report written and the exit code alone.

mod report_support;

use std::time::Duration;

use logsift::deliver::{self, DeliverConfig, DeliverError, PostFormat};
use logsift::report::{self, Report};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const DEMO: &str = "fixtures/demo/checkout.log";

fn demo_report() -> Report {
    report_support::offline_report(DEMO.as_ref())
}

fn config(url: String, format: Option<PostFormat>) -> DeliverConfig {
    DeliverConfig::builder(url)
        .format(format)
        .retry_base(Duration::from_millis(5))
        .timeout(Duration::from_secs(10))
        .build()
        .expect("valid delivery config")
}

#[tokio::test]
async fn the_json_report_is_posted_as_written() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/hook"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let report = demo_report();
    let cfg = config(format!("{}/hook", server.uri()), None);
    assert_eq!(cfg.format(), PostFormat::Json);
    let done = deliver::post(&cfg, &report).await.expect("delivered");
    assert_eq!((done.status, done.attempts), (200, 1));
    let got = server.received_requests().await.unwrap_or_default();
    assert_eq!(got.len(), 1);
    assert_eq!(
        got[0]
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/json")
    );
    let mut written = Vec::new();
    report::render_json(&report, &mut written).expect("render");
    assert_eq!(got[0].body, written, "the body is the --format json report");
}

#[tokio::test]
async fn a_server_error_is_retried_then_succeeds() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .with_priority(2)
        .mount(&server)
        .await;
    let cfg = config(server.uri(), Some(PostFormat::Slack));
    let done = deliver::post(&cfg, &demo_report())
        .await
        .expect("delivered");
    assert_eq!((done.status, done.attempts), (200, 2));
    let got = server.received_requests().await.unwrap_or_default();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].body, got[1].body, "the retry sends the same message");
}

#[tokio::test]
async fn a_rate_limit_waits_as_asked_and_a_long_wait_gives_up() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "0"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .with_priority(2)
        .mount(&server)
        .await;
    let done = deliver::post(&config(server.uri(), None), &demo_report())
        .await
        .expect("delivered after the rate limit");
    assert_eq!(done.attempts, 2);

    let slow = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "3600"))
        .mount(&slow)
        .await;
    let err = deliver::post(&config(slow.uri(), None), &demo_report())
        .await
        .expect_err("an hour's wait is not taken");
    assert!(
        matches!(err, DeliverError::RateLimited { secs: 3600, .. }),
        "{err}"
    );
    assert_eq!(slow.received_requests().await.unwrap_or_default().len(), 1);
}

#[tokio::test]
async fn permanent_failures_stop_after_the_retries_and_say_why() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500).set_body_string("internal\nerror"))
        .mount(&server)
        .await;
    let err = deliver::post(
        &config(format!("{}/secret-path", server.uri()), None),
        &demo_report(),
    )
    .await
    .expect_err("always 500");
    let msg = err.to_string();
    assert!(
        matches!(
            err,
            DeliverError::Status {
                status: 500,
                attempts: 4,
                ..
            }
        ),
        "{msg}"
    );
    assert!(msg.contains("internal error"), "{msg}");
    assert!(
        !msg.contains("secret-path"),
        "the URL's path is never printed: {msg}"
    );
    assert_eq!(
        server.received_requests().await.unwrap_or_default().len(),
        4
    );

    // A client error is not retried.
    let gone = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(404).set_body_string("no_service"))
        .mount(&gone)
        .await;
    let err = deliver::post(&config(gone.uri(), None), &demo_report())
        .await
        .expect_err("404");
    assert!(
        matches!(
            err,
            DeliverError::Status {
                status: 404,
                attempts: 1,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("create a new one"), "{err}");
}

#[tokio::test]
async fn an_unreachable_webhook_is_retried_then_reported() {
    // A port that was free a moment ago: nothing listens there.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let err = deliver::post(
        &config(format!("http://127.0.0.1:{port}/x"), None),
        &demo_report(),
    )
    .await
    .expect_err("nothing listens");
    assert!(
        matches!(err, DeliverError::Unreachable { attempts: 4, .. }),
        "{err}"
    );
}

fn logsift() -> assert_cmd::Command {
    let mut c = assert_cmd::Command::cargo_bin("logsift").expect("binary built");
    c.env_remove("OPENAI_API_KEY")
        .env_remove("OPENAI_BASE_URL")
        .env_remove("LOGSIFT_POST_URL");
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn post_from_the_command_line_after_writing_the_report() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .with_priority(2)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("report.json");
    let url = format!("{}/hook", server.uri());
    let o = out.clone();
    let assert = tokio::task::spawn_blocking(move || {
        logsift()
            .args([
                DEMO,
                "--format",
                "json",
                "--post-format",
                "slack",
                "--post",
                &url,
                "-o",
            ])
            .arg(&o)
            .assert()
    })
    .await
    .expect("ran");
    let output = assert.get_output().clone();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let got = server.received_requests().await.unwrap_or_default();
    assert_eq!(got.len(), 2, "one 503, then the message");
    let msg: serde_json::Value = serde_json::from_slice(&got[1].body).expect("JSON");
    assert!(
        msg["blocks"].as_array().is_some_and(|b| !b.is_empty()),
        "{msg}"
    );
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&out).expect("report written")).expect("JSON");
    assert_eq!(written["totals"]["lines"], 4042);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_post_keeps_the_report_and_the_exit_code() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(410).set_body_string("webhook revoked"))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("report.txt");
    let url = format!("{}/services/T0/B0/SECRET", server.uri());
    let o = out.clone();
    let runs = tokio::task::spawn_blocking(move || {
        let plain = logsift()
            .args([DEMO, "--post", &url, "-o"])
            .arg(&o)
            .assert()
            .get_output()
            .clone();
        // Stdout too: the report is written there before the post is tried.
        let to_stdout = logsift()
            .args([DEMO, "--fail-on-anomaly", "--post", &url])
            .assert()
            .get_output()
            .clone();
        (plain, to_stdout)
    })
    .await
    .expect("ran");
    let (plain, to_stdout) = runs;
    assert_eq!(plain.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&plain.stderr);
    assert!(stderr.contains("could not post the report"), "{stderr}");
    assert!(
        stderr.contains("410") && stderr.contains("webhook revoked"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("SECRET"),
        "the webhook's secret path is not printed: {stderr}"
    );
    let text = std::fs::read_to_string(&out).expect("report written");
    assert!(text.starts_with("logsift"), "{text}");
    // The demo has findings: --fail-on-anomaly decides the code, not the post.
    assert_eq!(to_stdout.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&to_stdout.stdout).starts_with("logsift"));
}

#[test]
fn a_bad_webhook_url_is_a_usage_error_before_any_work() {
    let out = logsift()
        .args([DEMO, "--post", "hooks.slack.com/services/x"])
        .assert()
        .get_output()
        .clone();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--post"));
    assert!(out.stdout.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_is_posted_is_redacted_with_redact_output_and_never_live() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let url = format!("{}/hook", server.uri());
    let u = url.clone();
    tokio::task::spawn_blocking(move || {
        let secrets = [
            "fixtures/secrets/secrets.log",
            "--baseline",
            "fixtures/secrets/clean.log",
            "--redact-output",
        ];
        for format in ["slack", "json"] {
            let out = logsift()
                .args(secrets)
                .args(["--llm", "off", "--post-format", format, "--post", &u])
                .assert()
                .get_output()
                .clone();
            assert_eq!(out.status.code(), Some(0), "{out:?}");
        }
        let out = logsift()
            .args(["fixtures/reports/slack_markup.log", "--llm", "off"])
            .args(["--post-format", "slack", "--post", &u])
            .assert()
            .get_output()
            .clone();
        assert_eq!(out.status.code(), Some(0), "{out:?}");
    })
    .await
    .expect("ran");
    let got = server.received_requests().await.unwrap_or_default();
    assert_eq!(got.len(), 3);
    let secrets: Vec<String> = std::fs::read_to_string("fixtures/secrets/secrets.tsv")
        .expect("secrets.tsv")
        .lines()
        .skip(1)
        .filter_map(|l| l.split('\t').nth(2).map(str::to_owned))
        .collect();
    for r in &got[..2] {
        let body = String::from_utf8_lossy(&r.body);
        for s in &secrets {
            assert!(!body.contains(s.as_str()), "posted the secret {s:?}");
        }
    }
    let v: serde_json::Value = serde_json::from_slice(&got[1].body).expect("the JSON report");
    assert!(
        v["output_redaction"]["strings_changed"].as_u64() > Some(0),
        "{v}"
    );
    let slack = String::from_utf8_lossy(&got[2].body);
    for live in [
        "<!channel>",
        "<!here>",
        "<@U024BE7LH>",
        "<http://evil",
        "\\u001b",
        "\\r",
    ] {
        assert!(!slack.contains(live), "{live} posted: {slack}");
    }
}
