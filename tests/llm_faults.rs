//! The summary when the model's server fails below the API: a refused connection, a
//! connection reset half way through the body, an answer dribbled slower than the timeout,
//! a 10 MB body, bytes that are not UTF-8, rate limits and server errors that never stop.
//! Each server is real and on 127.0.0.1: a raw socket for faults at the byte level, wiremock
//! for statuses. Whatever it does, the offline summary comes back with a note that says why,
//! within a bound computed from the configured timeouts; from the command line the report says
//! so and the exit code is the analysis's (docs/bad-input.md).

mod llm_support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use llm_support::checkout_analysis;
use logsift::llm::{self, LlmConfig, LlmMode, MAX_RESPONSE_BYTES, Producer, Summary};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "sk-test-0000-not-a-real-key";
const DEMO: &str = "fixtures/demo/checkout.log";

/// What a raw server does with every request.
#[derive(Debug, Clone, Copy)]
enum Fault {
    /// The status line, the headers and half the promised body, then a reset (RST).
    ResetMidBody,
    /// The headers at once, then one byte of body every so often, for as long as the client
    /// stays.
    Trickle(Duration),
    /// A 200 whose body is this many bytes, announced by Content-Length or not (then the
    /// body ends when the connection closes).
    Huge { bytes: usize, announced: bool },
    /// A 200 with a chat completion whose answer holds bytes that are not UTF-8.
    InvalidUtf8,
}

/// A raw HTTP/1.1 server on 127.0.0.1 with one fault, and how many requests it saw.
struct RawServer {
    base_url: String,
    requests: Arc<AtomicUsize>,
}

async fn raw_server(fault: Fault) -> RawServer {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let requests = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&requests);
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let seen = Arc::clone(&seen);
            tokio::spawn(async move {
                // A client that gives up (a timeout) ends the connection: not a failure here.
                let _ = answer(sock, fault, &seen).await;
            });
        }
    });
    RawServer {
        base_url: format!("http://{addr}/v1"),
        requests,
    }
}

/// Reads a request's head, and its body unless `body` is false; counts the request.
async fn read_request(sock: &mut TcpStream, body: bool, seen: &AtomicUsize) -> std::io::Result<()> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        if sock.read(&mut byte).await? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.push(byte[0]);
    }
    seen.fetch_add(1, Ordering::SeqCst);
    let head = String::from_utf8_lossy(&buf).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    if body {
        let mut rest = vec![0u8; length];
        sock.read_exact(&mut rest).await?;
    }
    Ok(())
}

async fn answer(mut sock: TcpStream, fault: Fault, seen: &AtomicUsize) -> std::io::Result<()> {
    match fault {
        Fault::ResetMidBody => {
            // The request body is left unread, so closing sends a reset, not a FIN.
            read_request(&mut sock, false, seen).await?;
            let body = completion_bytes("x".repeat(2_000).as_bytes());
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                body.len()
            );
            sock.write_all(head.as_bytes()).await?;
            sock.write_all(&body[..body.len() / 2]).await?;
            sock.flush().await?;
            sock.set_zero_linger()?;
            drop(sock);
        }
        Fault::Trickle(every) => {
            read_request(&mut sock, true, seen).await?;
            sock.write_all(
                b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n",
            )
            .await?;
            loop {
                sock.write_all(b" ").await?;
                sock.flush().await?;
                tokio::time::sleep(every).await;
            }
        }
        Fault::Huge { bytes, announced } => {
            read_request(&mut sock, true, seen).await?;
            let body = completion_bytes("a".repeat(bytes).as_bytes());
            let length = if announced {
                format!("content-length: {}\r\n", body.len())
            } else {
                String::new()
            };
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n{length}\r\n"
            );
            sock.write_all(head.as_bytes()).await?;
            for piece in body.chunks(64 * 1024) {
                sock.write_all(piece).await?;
            }
            sock.shutdown().await?;
        }
        Fault::InvalidUtf8 => {
            read_request(&mut sock, true, seen).await?;
            // Latin-1 and stray bytes inside the answer string.
            let body = completion_bytes(b"caf\xe9 \xff\xfe broken");
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\ncontent-length: {}\r\n\r\n",
                body.len()
            );
            sock.write_all(head.as_bytes()).await?;
            sock.write_all(&body).await?;
            sock.shutdown().await?;
        }
    }
    Ok(())
}

/// A chat completion whose answer is `content`, inserted as raw bytes into the JSON string.
fn completion_bytes(content: &[u8]) -> Vec<u8> {
    let envelope = json!({
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 1_795_786_000u32,
        "model": "test-model",
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": "CONTENT"},
            "finish_reason": "stop"
        }],
    })
    .to_string();
    let (before, after) = envelope.split_once("CONTENT").expect("placeholder");
    let mut out = before.as_bytes().to_vec();
    out.extend_from_slice(content);
    out.extend_from_slice(after.as_bytes());
    out
}

/// The configuration of the library tests: short timeouts so that every fault ends fast.
fn config(base_url: &str, timeout: Duration, deadline: Duration, retries: u32) -> LlmConfig {
    LlmConfig::builder()
        .mode(LlmMode::Openai)
        .base_url(base_url)
        .api_key(KEY)
        .model("test-model")
        .timeout(timeout)
        .deadline(deadline)
        .max_retries(retries)
        .retry_base(Duration::from_millis(10))
        .build()
        .expect("valid test configuration")
}

/// Summarises the checkout incident; returns the summary and how long the LLM part took.
async fn summarize(cfg: &LlmConfig) -> (Summary, Duration) {
    let prepared = llm::prepare(&checkout_analysis(), cfg);
    let started = Instant::now();
    let s = llm::summarize(&prepared, cfg).await;
    (s, started.elapsed())
}

/// The longest a summary may take: the deadline, plus one attempt's timeout for the
/// attempt under way when it passes, plus slack for a loaded machine. Not a performance
/// threshold: a fault that is waited out past this is a hang.
fn bound(cfg: &LlmConfig) -> Duration {
    cfg.deadline() + cfg.timeout() + Duration::from_secs(5)
}

fn assert_offline_because(s: &Summary, elapsed: Duration, cfg: &LlmConfig, why: &str) {
    println!(
        "observed: {elapsed:.2?}, attempts {:?}, note {:?}",
        outcomes(s),
        s.fallback
    );
    assert_eq!(s.producer, Producer::Offline, "{:?}", s.fallback);
    let note = s.fallback.as_deref().unwrap_or("");
    assert!(note.contains(why), "note {note:?} lacks {why:?}");
    assert!(note.ends_with("offline summary used"), "{note}");
    assert!(
        !note.chars().any(char::is_control),
        "one printable line: {note:?}"
    );
    assert!(!s.headline.is_empty() && !s.next_steps.is_empty());
    assert!(
        elapsed < bound(cfg),
        "took {elapsed:?}, more than {:?}",
        bound(cfg)
    );
}

fn outcomes(s: &Summary) -> Vec<&str> {
    s.attempt_log.iter().map(|a| a.outcome.as_str()).collect()
}

#[tokio::test]
async fn a_connection_reset_in_the_middle_of_the_body_is_retried_then_given_up() {
    let server = raw_server(Fault::ResetMidBody).await;
    let cfg = config(
        &server.base_url,
        Duration::from_secs(2),
        Duration::from_secs(10),
        3,
    );
    let (s, elapsed) = summarize(&cfg).await;
    assert_offline_because(&s, elapsed, &cfg, "failed after 3 retries");
    assert_eq!(s.attempts, 4, "{:?}", outcomes(&s));
    assert!(
        outcomes(&s)
            .iter()
            .all(|o| o.starts_with("connection error")),
        "{:?}",
        outcomes(&s)
    );
    assert_eq!(server.requests.load(Ordering::SeqCst), 4);
}

#[tokio::test]
async fn an_answer_trickled_slower_than_the_timeout_times_out() {
    // One byte every 50 ms: the connection is never idle, the answer never complete.
    let server = raw_server(Fault::Trickle(Duration::from_millis(50))).await;
    let cfg = config(
        &server.base_url,
        Duration::from_millis(400),
        Duration::from_secs(5),
        1,
    );
    let (s, elapsed) = summarize(&cfg).await;
    assert_offline_because(&s, elapsed, &cfg, "within 400ms");
    assert_offline_because(&s, elapsed, &cfg, "raise --llm-timeout");
    assert_eq!(
        outcomes(&s),
        vec!["timeout after 400ms", "timeout after 400ms"]
    );
    // Two attempts of 400 ms and a backoff of at most 20 ms: far less than the deadline.
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
}

#[tokio::test]
async fn a_body_larger_than_the_cap_is_not_read_to_its_end() {
    for announced in [true, false] {
        let server = raw_server(Fault::Huge {
            bytes: 10 * 1024 * 1024,
            announced,
        })
        .await;
        let cfg = config(
            &server.base_url,
            Duration::from_secs(10),
            Duration::from_secs(20),
            3,
        );
        let (s, elapsed) = summarize(&cfg).await;
        assert_offline_because(&s, elapsed, &cfg, "larger than 4 MiB");
        // The same request would get the same answer: no retry.
        assert_eq!(
            outcomes(&s),
            vec!["HTTP 200; body over 4 MiB"],
            "{announced}"
        );
        assert_eq!(server.requests.load(Ordering::SeqCst), 1);
    }
    // A body under the cap is read and judged as usual: a 1 MB answer is rejected as an
    // answer, not as a body.
    const { assert!(MAX_RESPONSE_BYTES > 2 * 1024 * 1024) };
    let server = raw_server(Fault::Huge {
        bytes: 1024 * 1024,
        announced: true,
    })
    .await;
    let cfg = config(
        &server.base_url,
        Duration::from_secs(10),
        Duration::from_secs(20),
        3,
    );
    let (s, elapsed) = summarize(&cfg).await;
    assert_offline_because(&s, elapsed, &cfg, "rejected twice");
    assert_eq!(s.attempts, 2, "{:?}", outcomes(&s));
}

#[tokio::test]
async fn a_body_that_is_not_utf8_is_a_malformed_response() {
    let server = raw_server(Fault::InvalidUtf8).await;
    let cfg = config(
        &server.base_url,
        Duration::from_secs(2),
        Duration::from_secs(10),
        3,
    );
    let (s, elapsed) = summarize(&cfg).await;
    assert_offline_because(&s, elapsed, &cfg, "not a chat completion");
    assert_eq!(s.attempts, 4);
    assert!(
        outcomes(&s)
            .iter()
            .all(|o| *o == "HTTP 200; malformed response"),
        "{:?}",
        outcomes(&s)
    );
}

fn chat() -> wiremock::MockBuilder {
    Mock::given(method("POST")).and(path("/v1/chat/completions"))
}

#[tokio::test]
async fn a_rate_limit_that_never_ends_without_retry_after() {
    for body in [
        ResponseTemplate::new(429).set_body_json(
            json!({"error": {"message": "Rate limit reached", "type": "rate_limit_error"}}),
        ),
        // What a proxy in front of the model sends.
        ResponseTemplate::new(429).set_body_string("<html><h1>429 Too Many Requests</h1></html>"),
    ] {
        let server = MockServer::start().await;
        chat().respond_with(body).mount(&server).await;
        let cfg = config(
            &format!("{}/v1", server.uri()),
            Duration::from_secs(2),
            Duration::from_secs(10),
            3,
        );
        let (s, elapsed) = summarize(&cfg).await;
        assert_offline_because(&s, elapsed, &cfg, "HTTP 429");
        assert_offline_because(&s, elapsed, &cfg, "rate limiting");
        assert_eq!(s.attempts, 4);
        assert!(
            s.attempt_log[..3]
                .iter()
                .all(|a| a.wait_reason == Some("backoff"))
        );
        assert_eq!(
            server.received_requests().await.unwrap_or_default().len(),
            4
        );
    }
}

#[tokio::test]
async fn a_rate_limit_that_never_ends_with_retry_after_stops_at_the_deadline() {
    let server = MockServer::start().await;
    chat()
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "1")
                .set_body_json(
                    json!({"error": {"message": "slow down", "type": "rate_limit_error"}}),
                ),
        )
        .mount(&server)
        .await;
    let cfg = config(
        &format!("{}/v1", server.uri()),
        Duration::from_secs(1),
        Duration::from_millis(2_500),
        3,
    );
    let (s, elapsed) = summarize(&cfg).await;
    assert_offline_because(&s, elapsed, &cfg, "HTTP 429");
    // Waits of one second each until the next would pass the deadline.
    let log = &s.attempt_log;
    assert!(log.len() >= 2, "{:?}", outcomes(&s));
    assert!(
        log[..log.len() - 1]
            .iter()
            .all(|a| a.wait_reason == Some("retry-after") && a.wait_ms == Some(1_000))
    );
    let last = log.last().map(|a| a.outcome.as_str()).unwrap_or("");
    assert!(last.contains("Retry-After is past the deadline"), "{last}");
}

#[tokio::test]
async fn server_errors_of_every_kind_until_the_retries_run_out() {
    for (status, body) in [
        (502, "<html>Bad Gateway</html>"),
        (
            503,
            "upstream connect error or disconnect/reset before headers",
        ),
        (504, ""),
    ] {
        let server = MockServer::start().await;
        chat()
            .respond_with(ResponseTemplate::new(status).set_body_string(body))
            .mount(&server)
            .await;
        let cfg = config(
            &format!("{}/v1", server.uri()),
            Duration::from_secs(2),
            Duration::from_secs(10),
            3,
        );
        let (s, elapsed) = summarize(&cfg).await;
        assert_offline_because(&s, elapsed, &cfg, &format!("HTTP {status}"));
        assert_eq!(s.attempts, 4, "{status}");
    }
}

// ---------------------------------------------------------------------------------------
// From the command line: the report says why, the exit code is the analysis's.

/// Runs `logsift DEMO --llm openai` against `base_url` with a JSON report in a file; returns
/// the exit code, stderr, the report and the wall time.
async fn cli(base_url: String, timeout: &str) -> (Option<i32>, String, Value, Duration) {
    let timeout = timeout.to_owned();
    tokio::task::spawn_blocking(move || {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("report.json");
        let started = Instant::now();
        let run = assert_cmd::Command::cargo_bin("logsift")
            .expect("binary built")
            .env_remove("OPENAI_API_KEY")
            .env_remove("OPENAI_BASE_URL")
            .env_remove("LOGSIFT_POST_URL")
            .args([
                DEMO,
                "--llm",
                "openai",
                "--llm-base-url",
                &base_url,
                "--llm-timeout",
                &timeout,
                "--format",
                "json",
                "-o",
            ])
            .arg(&out)
            .output()
            .expect("ran");
        let elapsed = started.elapsed();
        let report: Value =
            serde_json::from_slice(&std::fs::read(&out).unwrap_or_default()).unwrap_or(Value::Null);
        (
            run.status.code(),
            String::from_utf8_lossy(&run.stderr).into_owned(),
            report,
            elapsed,
        )
    })
    .await
    .expect("ran")
}

/// The longest the command may take with `--llm-timeout T`: every attempt timing out (one
/// plus three retries), the longest backoffs before them (0.5 + 1 + 2 s, from the default
/// step of 500 ms), and time for the analysis on a loaded machine.
fn cli_bound(timeout: Duration) -> Duration {
    timeout * 4 + Duration::from_millis(3_500) + Duration::from_secs(20)
}

fn assert_cli_fallback(run: &(Option<i32>, String, Value, Duration), timeout: Duration, why: &str) {
    let (code, stderr, report, elapsed) = run;
    println!(
        "observed: exit {code:?} in {elapsed:.2?}, stderr {stderr:?}, fallback {}",
        report["summary"]["fallback"]
    );
    assert_eq!(*code, Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(report["summary"]["producer"], "offline", "{report}");
    let note = report["summary"]["fallback"].as_str().unwrap_or("");
    assert!(note.contains(why), "{note:?} lacks {why:?}");
    assert!(note.ends_with("offline summary used"), "{note}");
    assert_eq!(report["totals"]["lines"], 4042, "the analysis is whole");
    assert!(*elapsed < cli_bound(timeout), "took {elapsed:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_falls_back_when_nothing_listens() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let run = cli(format!("http://127.0.0.1:{port}/v1"), "1s").await;
    assert_cli_fallback(&run, Duration::from_secs(1), "could not connect");
    assert_eq!(run.2["summary"]["attempts"], 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_falls_back_on_a_server_error_storm() {
    let server = MockServer::start().await;
    chat()
        .respond_with(ResponseTemplate::new(503).set_body_string("overloaded"))
        .mount(&server)
        .await;
    let run = cli(format!("{}/v1", server.uri()), "1s").await;
    assert_cli_fallback(&run, Duration::from_secs(1), "HTTP 503");
    assert_eq!(
        server.received_requests().await.unwrap_or_default().len(),
        4
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_falls_back_on_a_reset_in_the_body() {
    let reset = raw_server(Fault::ResetMidBody).await;
    let run = cli(reset.base_url.clone(), "1s").await;
    assert_cli_fallback(&run, Duration::from_secs(1), "failed after 3 retries");
    assert_eq!(reset.requests.load(Ordering::SeqCst), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_falls_back_on_an_answer_trickled_past_the_timeout() {
    let trickle = raw_server(Fault::Trickle(Duration::from_millis(100))).await;
    let run = cli(trickle.base_url.clone(), "1s").await;
    assert_cli_fallback(&run, Duration::from_secs(1), "within 1s after 3 retries");
    assert_eq!(trickle.requests.load(Ordering::SeqCst), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_text_report_says_why_the_offline_summary_was_used() {
    let server = raw_server(Fault::InvalidUtf8).await;
    let base = server.base_url.clone();
    let out = tokio::task::spawn_blocking(move || {
        assert_cmd::Command::cargo_bin("logsift")
            .expect("binary built")
            .env_remove("OPENAI_API_KEY")
            .env_remove("OPENAI_BASE_URL")
            .env_remove("NO_COLOR")
            .args([
                DEMO,
                "--llm",
                "openai",
                "--llm-base-url",
                &base,
                "--llm-timeout",
                "2s",
            ])
            .output()
            .expect("ran")
    })
    .await
    .expect("ran");
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("not a chat completion") && text.contains("offline summary used"),
        "{text}"
    );
}
