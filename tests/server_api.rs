//! `POST /v1/summarize`, `/healthz` and `/metrics` through the router (`oneshot`) and over a
//! real socket: authentication, limits, errors, the report itself, the queue, the deadline,
//! and a graceful shutdown that finishes the work in flight.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use logsift::server::{self, AppState, ServerConfig};
use tower::ServiceExt;

const DEMO: &str = "fixtures/demo/checkout.log";
const TOKEN: &str = "test-token-0123456789abcdef";

fn config(extra_server: &str, gate: Option<&Path>) -> ServerConfig {
    let gated = match gate {
        Some(g) => format!(
            "[[source]]\nname = \"gated\"\ncommand = [\"sh\", \"-c\", \"while [ ! -e '{}' ]; do sleep 0.01; done; cat {DEMO}\"]\n",
            g.display()
        ),
        None => String::new(),
    };
    let text = format!(
        "[server]\ntokens = [\"{TOKEN}\"]\n{extra_server}\n[llm]\nmode = \"off\"\n\
         [[source]]\nname = \"checkout\"\nfiles = [\"{DEMO}\"]\n{gated}"
    );
    ServerConfig::from_toml(&text, &|_| None).expect("valid config")
}

fn summarize(body: &str, token: Option<&str>) -> Request<Body> {
    let mut b = Request::post("/v1/summarize").header(header::CONTENT_TYPE, "application/json");
    if let Some(t) = token {
        b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    b.body(Body::from(body.to_owned())).expect("request")
}

async fn call(
    state: &Arc<AppState>,
    req: Request<Body>,
) -> (StatusCode, axum::http::HeaderMap, String) {
    let resp = server::router(Arc::clone(state))
        .oneshot(req)
        .await
        .expect("infallible");
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .expect("body");
    (
        status,
        headers,
        String::from_utf8_lossy(&bytes).into_owned(),
    )
}

fn cli_json(args: &[&str]) -> String {
    let out = assert_cmd::Command::cargo_bin("logsift")
        .expect("binary")
        .env_remove("OPENAI_API_KEY")
        .env_remove("OPENAI_BASE_URL")
        .args(args)
        .args(["--format", "json", "--llm", "off"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out).expect("utf-8")
}

#[tokio::test]
async fn bearer_tokens_are_required_and_checked() {
    let state = AppState::new(config("", None));
    let (s, h, body) = call(&state, summarize(r#"{"source":"checkout"}"#, None)).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(
        h.get(header::WWW_AUTHENTICATE).map(|v| v.as_bytes()),
        Some(&b"Bearer"[..])
    );
    assert!(body.contains("missing bearer token"), "{body}");
    let (s, _, body) = call(
        &state,
        summarize(
            r#"{"source":"checkout"}"#,
            Some("test-token-0123456789abcdeX"),
        ),
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{body}");
    assert!(!body.contains(TOKEN));
    let (s, h, body) = call(&state, summarize(r#"{"source":"checkout"}"#, Some(TOKEN))).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(
        h.get(header::CONTENT_TYPE).map(|v| v.as_bytes()),
        Some(&b"application/json"[..])
    );
    // The same report as the command line's --format json.
    assert_eq!(body, cli_json(&[DEMO]));
}

#[tokio::test]
async fn windows_formats_and_raw_logs() {
    let state = AppState::new(config("", None));
    let (s, _, body) = call(
        &state,
        summarize(r#"{"source":"checkout","last":"15m"}"#, Some(TOKEN)),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body, cli_json(&[DEMO, "--last", "15m"]));

    let (s, _, body) = call(
        &state,
        summarize(
            r#"{"source":"checkout","since":"2026-11-27T13:30:00Z","until":"2026-11-27 14:05:00,000"}"#,
            Some(TOKEN),
        ),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(
        body,
        cli_json(&[
            DEMO,
            "--since",
            "2026-11-27T13:30:00Z",
            "--until",
            "2026-11-27 14:05:00,000"
        ])
    );

    let (s, h, body) = call(
        &state,
        summarize(r#"{"source":"checkout","format":"text"}"#, Some(TOKEN)),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        h[header::CONTENT_TYPE]
            .to_str()
            .unwrap_or("")
            .starts_with("text/plain")
    );
    assert!(body.starts_with("logsift"), "{body}");

    let logs = std::fs::read_to_string(DEMO).expect("demo");
    let req = serde_json::json!({"logs": logs}).to_string();
    let (s, _, body) = call(&state, summarize(&req, Some(TOKEN))).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert_eq!(v["totals"]["lines"], 4042);
    assert_eq!(
        v["inputs"][0]["name"], "<request>",
        "no temporary path leaks"
    );
}

#[tokio::test]
async fn bad_requests_say_what_to_send() {
    let state = AppState::new(config("", None));
    for (body, status, needle) in [
        (
            r#"{"source":"nope"}"#,
            StatusCode::NOT_FOUND,
            "configured sources: checkout",
        ),
        (
            r#"{"source":"checkout","path":"/etc/passwd"}"#,
            StatusCode::BAD_REQUEST,
            "unknown field",
        ),
        (
            r#"{"last":"30m"}"#,
            StatusCode::BAD_REQUEST,
            "either source",
        ),
        (
            r#"{"source":"checkout","logs":"x"}"#,
            StatusCode::BAD_REQUEST,
            "either source",
        ),
        (
            r#"{"source":"checkout","last":"30m","since":"-1h"}"#,
            StatusCode::BAD_REQUEST,
            "not both",
        ),
        (
            r#"{"source":"checkout","last":"soon"}"#,
            StatusCode::BAD_REQUEST,
            "last:",
        ),
        (
            r#"{"source":"checkout","format":"pdf"}"#,
            StatusCode::BAD_REQUEST,
            "unknown format",
        ),
        (
            r#"{"source":"checkout","since":"2030-01-01T00:00:00Z"}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "no log lines",
        ),
        (
            "not json",
            StatusCode::BAD_REQUEST,
            "not a summarize request",
        ),
    ] {
        let (s, h, text) = call(&state, summarize(body, Some(TOKEN))).await;
        assert_eq!(s, status, "{body}: {text}");
        assert_eq!(
            h.get(header::CONTENT_TYPE).map(|v| v.as_bytes()),
            Some(&b"application/json"[..])
        );
        let v: serde_json::Value = serde_json::from_str(&text).expect("a JSON error");
        assert!(
            v["error"].as_str().is_some_and(|e| e.contains(needle)),
            "{body}: {text}"
        );
    }
    let (s, _, _) = call(
        &state,
        Request::get("/nope").body(Body::empty()).expect("req"),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Markdown, as the command line renders it.
    let (s, h, text) = call(
        &state,
        summarize(r#"{"source":"checkout","format":"markdown"}"#, Some(TOKEN)),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{text}");
    assert_eq!(
        h.get(header::CONTENT_TYPE).map(|v| v.as_bytes()),
        Some(&b"text/markdown; charset=utf-8"[..])
    );
    assert!(text.starts_with("# logsift review"), "{text}");
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused() {
    let state = AppState::new(config("max_body_bytes = 2048", None));
    let big = serde_json::json!({"logs": "x".repeat(4096)}).to_string();
    let (s, _, body) = call(&state, summarize(&big, Some(TOKEN))).await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert!(body.contains("max_body_bytes"), "{body}");
    // Authentication is answered first: an anonymous client learns nothing about limits.
    let (s, _, _) = call(&state, summarize(&big, None)).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn health_and_metrics_count_requests_and_lines() {
    let state = AppState::new(config("", None));
    let (s, _, body) = call(
        &state,
        Request::get("/healthz").body(Body::empty()).expect("req"),
    )
    .await;
    assert_eq!((s, body.as_str()), (StatusCode::OK, "ok\n"));
    call(&state, summarize(r#"{"source":"checkout"}"#, Some(TOKEN))).await;
    call(&state, summarize(r#"{"source":"checkout"}"#, None)).await;
    call(&state, summarize(r#"{"source":"nope"}"#, Some(TOKEN))).await;
    let (s, h, text) = call(
        &state,
        Request::get("/metrics").body(Body::empty()).expect("req"),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        h[header::CONTENT_TYPE]
            .to_str()
            .unwrap_or("")
            .starts_with("text/plain; version=0.0.4")
    );
    for line in [
        "logsift_http_requests_total{route=\"/healthz\",status=\"200\"} 1",
        "logsift_http_requests_total{route=\"/v1/summarize\",status=\"200\"} 1",
        "logsift_http_requests_total{route=\"/v1/summarize\",status=\"401\"} 1",
        "logsift_http_requests_total{route=\"/v1/summarize\",status=\"404\"} 1",
        "logsift_http_request_duration_seconds_count{route=\"/v1/summarize\"} 3",
        "logsift_http_request_duration_seconds_bucket{route=\"/v1/summarize\",le=\"+Inf\"} 3",
        "logsift_lines_analysed_total 4042",
        "logsift_analyses_total{result=\"ok\"} 1",
        "logsift_llm_requests_total 0",
        "# TYPE logsift_http_request_duration_seconds histogram",
        "# TYPE logsift_schedule_runs_total counter",
    ] {
        assert!(text.contains(line), "{line} missing from:\n{text}");
    }
}

/// Waits until the metrics show `n` analyses running (a failure guard, not a timing).
async fn until_in_flight(state: &Arc<AppState>, n: u64) {
    let want = format!("logsift_analysis_in_flight {n}\n");
    for _ in 0..3000 {
        if state.metrics.render().contains(&want) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("never saw {want}");
}

fn gate(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("open")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_queue_answers_503_at_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let g = gate(&dir);
    let state = AppState::new(config("max_concurrent = 1\nmax_queue = 0", Some(&g)));
    let st = Arc::clone(&state);
    let first =
        tokio::spawn(
            async move { call(&st, summarize(r#"{"source":"gated"}"#, Some(TOKEN))).await },
        );
    until_in_flight(&state, 1).await;
    let (s, h, body) = call(&state, summarize(r#"{"source":"checkout"}"#, Some(TOKEN))).await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(h.contains_key(header::RETRY_AFTER));
    assert!(body.contains("queue is full"), "{body}");
    std::fs::write(&g, b"").expect("open the gate");
    let (s, _, body) = first.await.expect("first request");
    assert_eq!(s, StatusCode::OK, "{body}");
    assert!(
        state
            .metrics
            .render()
            .contains("logsift_analysis_rejected_total 1")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_deadline_ends_a_request_and_its_work_keeps_the_slot() {
    let dir = tempfile::tempdir().expect("tempdir");
    let g = gate(&dir);
    let state = AppState::new(config(
        "request_timeout = \"200ms\"\nmax_concurrent = 1\nmax_queue = 4",
        Some(&g),
    ));
    // The gate stays closed: the analysis cannot finish before the deadline.
    let (s, _, body) = call(&state, summarize(r#"{"source":"gated"}"#, Some(TOKEN))).await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(body.contains("deadline"), "{body}");
    // The abandoned work still holds the only slot until it ends.
    assert!(
        state
            .metrics
            .render()
            .contains("logsift_analysis_in_flight 1")
    );
    std::fs::write(&g, b"").expect("open the gate");
    // Then it ends and gives the slot back.
    until_in_flight(&state, 0).await;
    assert!(
        state
            .metrics
            .render()
            .contains("logsift_analyses_total{result=\"ok\"} 1")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_a_socket_with_a_graceful_shutdown() {
    let dir = tempfile::tempdir().expect("tempdir");
    let g = gate(&dir);
    let state = AppState::new(config("", Some(&g)));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let served = tokio::spawn(server::serve(Arc::clone(&state), listener, async move {
        let _ = stop_rx.await;
    }));
    let client = reqwest::Client::new();
    let base = format!("http://{addr}");
    let health = client
        .get(format!("{base}/healthz"))
        .send()
        .await
        .expect("healthz");
    assert_eq!(health.status(), 200);
    let denied = client
        .post(format!("{base}/v1/summarize"))
        .body(r#"{"source":"checkout"}"#)
        .send()
        .await
        .expect("post");
    assert_eq!(denied.status(), 401);

    // A request in flight when the shutdown starts is finished, then the server stops.
    let c = client.clone();
    let url = format!("{base}/v1/summarize");
    let in_flight = tokio::spawn(async move {
        let r = c
            .post(url)
            .bearer_auth(TOKEN)
            .body(r#"{"source":"gated","last":"10m"}"#)
            .send()
            .await
            .expect("post");
        (r.status(), r.text().await.unwrap_or_default())
    });
    until_in_flight(&state, 1).await;
    stop_tx.send(()).expect("stop");
    std::fs::write(&g, b"").expect("open the gate");
    let (status, body) = in_flight.await.expect("request");
    assert_eq!(status, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert_eq!(v["window"]["method"], "last");
    served.await.expect("joined").expect("served");
    assert!(
        client.get(format!("{base}/healthz")).send().await.is_err(),
        "no longer listening"
    );
}
