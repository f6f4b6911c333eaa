//! `POST /slack/command` as Slack calls it: signed form posts, the immediate ephemeral answer,
//! and the summary posted afterwards to a real in-process `response_url`.

use std::path::Path;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use logsift::record::{DetectOptions, HeaderFormat, Timestamp};
use logsift::server::schedule::ManualClock;
use logsift::server::{self, AppState, ServerConfig, slack};
use tower::ServiceExt;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const DEMO: &str = "fixtures/demo/checkout.log";
const SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";

fn at(s: &str) -> Timestamp {
    HeaderFormat::none()
        .parse_time(s, &DetectOptions::default())
        .expect("time")
}

fn state(gate: Option<&Path>, secret: bool) -> Arc<AppState> {
    let gated = match gate {
        Some(g) => format!(
            "[[source]]\nname = \"gated\"\ncommand = [\"sh\", \"-c\", \"while [ ! -e '{}' ]; do sleep 0.01; done; cat {DEMO}\"]\n",
            g.display()
        ),
        None => String::new(),
    };
    let secret = if secret {
        format!("slack_signing_secret = \"{SECRET}\"\n")
    } else {
        String::new()
    };
    let text = format!(
        "[server]\n{secret}slack_response_hosts = [\"127.0.0.1\"]\n[llm]\nmode = \"off\"\n\
         [[source]]\nname = \"checkout\"\nfiles = [\"{DEMO}\"]\n{gated}"
    );
    let cfg = ServerConfig::from_toml(&text, &|_| None).expect("valid config");
    AppState::with_clock(cfg, ManualClock::new(at("2026-11-27T14:20:00Z")))
}

fn form(text: &str, response_url: &str) -> String {
    serde_urlencoded::to_string([
        ("token", "gIkuvaNzQIHg97ATvDxqgjtO"),
        ("team_id", "T0001"),
        ("channel_id", "C2147483705"),
        ("user_id", "U2147483697"),
        ("user_name", "steve"),
        ("command", "/logsift"),
        ("text", text),
        ("response_url", response_url),
        ("trigger_id", "13345224609.738474920.8088930838d88f008e0"),
    ])
    .expect("form")
}

fn signed(body: &str, ts: &str, secret: &str) -> Request<Body> {
    Request::post("/slack/command")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-slack-request-timestamp", ts)
        .header(
            "x-slack-signature",
            slack::sign(secret.as_bytes(), ts, body.as_bytes()),
        )
        .body(Body::from(body.to_owned()))
        .expect("request")
}

/// The clock's time as Slack writes it, in seconds.
const NOW_SECS: &str = "1795789200";

async fn call(state: &Arc<AppState>, req: Request<Body>) -> (StatusCode, String) {
    let resp = server::router(Arc::clone(state))
        .oneshot(req)
        .await
        .expect("infallible");
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .expect("body");
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

async fn response_url() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/commands/T0001/1234/abcd"))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .mount(&server)
        .await;
    server
}

#[test]
fn the_clock_constant_is_the_clocks_time() {
    assert_eq!(
        at("2026-11-27T14:20:00Z").0 / 1000,
        NOW_SECS.parse::<i64>().unwrap_or(0)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_is_acknowledged_at_once_and_the_summary_follows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let gate = dir.path().join("open");
    let state = state(Some(&gate), true);
    let hook = response_url().await;
    let url = format!("{}/commands/T0001/1234/abcd", hook.uri());
    let body = form("gated 30m", &url);
    // The analysis cannot start before the gate opens, so the answer cannot have waited for
    // it: this is what keeps the answer within Slack's three seconds.
    let (status, ack) = call(&state, signed(&body, NOW_SECS, SECRET)).await;
    assert_eq!(status, StatusCode::OK, "{ack}");
    println!("ack body: {ack}");
    let ack: serde_json::Value = serde_json::from_str(&ack).expect("json");
    assert_eq!(ack["response_type"], "ephemeral");
    assert_eq!(
        ack["text"],
        "Working on it: summarising `gated` over the last 30m. The summary will follow here."
    );
    assert!(
        hook.received_requests()
            .await
            .unwrap_or_default()
            .is_empty()
    );

    std::fs::write(&gate, b"").expect("open the gate");
    state.wait_background().await;
    let got = hook.received_requests().await.unwrap_or_default();
    assert_eq!(got.len(), 1, "one follow-up");
    let follow: serde_json::Value = serde_json::from_slice(&got[0].body).expect("json");
    println!(
        "follow-up body: {}",
        serde_json::to_string_pretty(&follow).unwrap_or_default()
    );
    assert_eq!(follow["response_type"], "in_channel");
    assert_eq!(follow["blocks"][0]["text"]["text"], "logsift · gated");
    assert!(
        follow["text"]
            .as_str()
            .is_some_and(|t| t.starts_with("logsift: ")),
        "{follow}"
    );
    let json = follow.to_string();
    assert!(
        json.contains("incident: the last 30m of the data"),
        "{json}"
    );
    assert!(
        json.contains("could not acquire database connection"),
        "{json}"
    );
    assert!(
        state
            .metrics
            .render()
            .contains("logsift_webhook_deliveries_total{result=\"ok\"} 1")
    );
}

#[tokio::test]
async fn signatures_are_checked_and_stale_requests_refused() {
    let state = state(None, true);
    let hook = response_url().await;
    let url = format!("{}/commands/T0001/1234/abcd", hook.uri());
    let body = form("checkout 30m", &url);

    let (s, text) = call(&state, signed(&body, NOW_SECS, "not-the-secret")).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{text}");
    assert!(text.contains("does not match"), "{text}");

    // A body changed after signing.
    let mut req = signed(&body, NOW_SECS, SECRET);
    *req.body_mut() = Body::from(form("checkout 1d", &url));
    let (s, _) = call(&state, req).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    // A captured request replayed six minutes later: the signature is right, the time is not.
    let old = (NOW_SECS.parse::<i64>().unwrap_or(0) - 360).to_string();
    let (s, text) = call(&state, signed(&body, &old, SECRET)).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{text}");
    assert!(text.contains("five minutes"), "{text}");

    let unsigned = Request::post("/slack/command")
        .body(Body::from(body.clone()))
        .expect("request");
    let (s, _) = call(&state, unsigned).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    state.wait_background().await;
    assert!(
        hook.received_requests()
            .await
            .unwrap_or_default()
            .is_empty(),
        "nothing refused was run"
    );
    assert!(
        state
            .metrics
            .render()
            .contains("logsift_http_requests_total{route=\"/slack/command\",status=\"401\"} 4")
    );
}

#[tokio::test]
async fn help_for_a_malformed_command_lists_the_sources() {
    let state = state(None, true);
    let url = "http://127.0.0.1:9/commands/x";
    for (text, reason) in [
        ("", None),
        ("help", None),
        ("payments 30m", Some("no source called \"payments\"")),
        ("checkout soon", Some("cannot read duration")),
        ("checkout 30m please", Some("too many words")),
    ] {
        let (s, body) = call(&state, signed(&form(text, url), NOW_SECS, SECRET)).await;
        assert_eq!(s, StatusCode::OK);
        let v: serde_json::Value = serde_json::from_str(&body).expect("json");
        assert_eq!(v["response_type"], "ephemeral");
        let t = v["text"].as_str().unwrap_or_default();
        assert!(t.contains("Usage: `/logsift <source> [window]`"), "{t}");
        assert!(t.contains("Sources: `checkout`"), "{t}");
        match reason {
            Some(r) => assert!(t.contains(r), "{text:?}: {t}"),
            None => assert!(!t.starts_with("Sorry"), "{t}"),
        }
    }
    state.wait_background().await;
}

#[tokio::test]
async fn a_response_url_off_the_allowed_hosts_is_not_posted_to() {
    let state = state(None, true);
    let body = form("checkout 30m", "https://attacker.example/collect");
    let (s, text) = call(&state, signed(&body, NOW_SECS, SECRET)).await;
    assert_eq!(s, StatusCode::OK);
    assert!(text.contains("not on an allowed host"), "{text}");
    state.wait_background().await;
    assert!(
        state
            .metrics
            .render()
            .contains("logsift_analyses_total{result=\"ok\"} 0")
    );
}

#[tokio::test]
async fn without_a_signing_secret_the_route_is_off() {
    let state = state(None, false);
    let body = form("checkout", "http://127.0.0.1:9/x");
    let (s, text) = call(&state, signed(&body, NOW_SECS, SECRET)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(text.contains("slack_signing_secret"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_analysis_is_told_to_the_caller_only() {
    let state = state(None, true);
    let hook = response_url().await;
    let url = format!("{}/commands/T0001/1234/abcd", hook.uri());
    // A window longer than the data leaves no baseline: the analysis refuses.
    let (s, _) = call(
        &state,
        signed(&form("checkout 52w", &url), NOW_SECS, SECRET),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    state.wait_background().await;
    let got = hook.received_requests().await.unwrap_or_default();
    assert_eq!(got.len(), 1);
    let v: serde_json::Value = serde_json::from_slice(&got[0].body).expect("json");
    println!("failure follow-up: {v}");
    assert_eq!(v["response_type"], "ephemeral");
    assert!(
        v["text"]
            .as_str()
            .is_some_and(|t| t.starts_with("Sorry, no summary: ")),
        "{v}"
    );
}

/// A state whose one source, `hostile`, is `file`.
fn state_for(file: &str) -> Arc<AppState> {
    let text = format!(
        "[server]\nslack_signing_secret = \"{SECRET}\"\nslack_response_hosts = [\"127.0.0.1\"]\n\
         [llm]\nmode = \"off\"\n[[source]]\nname = \"hostile\"\nfiles = [\"{file}\"]\n"
    );
    let cfg = ServerConfig::from_toml(&text, &|_| None).expect("valid config");
    AppState::with_clock(cfg, ManualClock::new(at("2026-11-27T14:20:00Z")))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_text_cannot_mention_link_format_or_escape_in_the_answer() {
    let state = state_for("fixtures/reports/slack_markup.log");
    let hook = response_url().await;
    let url = format!("{}/commands/T0001/1234/abcd", hook.uri());
    let (s, ack) = call(&state, signed(&form("hostile", &url), NOW_SECS, SECRET)).await;
    assert_eq!(s, StatusCode::OK, "{ack}");
    state.wait_background().await;
    let got = hook.received_requests().await.unwrap_or_default();
    assert_eq!(got.len(), 1, "one follow-up");
    let raw = String::from_utf8(got[0].body.clone()).expect("UTF-8");
    let v: serde_json::Value = serde_json::from_str(&raw).expect("JSON");
    assert_eq!(v["response_type"], "in_channel");
    let mut strings = Vec::new();
    fn walk(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::String(s) => out.push(s.clone()),
            serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            serde_json::Value::Object(m) => m.values().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    walk(&v, &mut strings);
    for s in &strings {
        assert!(
            !s.chars().any(|c| c.is_control() && c != '\n'),
            "a control character in {s:?}"
        );
        // Outside code blocks and spans (every one closed: log text adds no backtick), log
        // text neither opens a link or mention nor formats.
        let mut prose = String::new();
        for part in s.split("```").step_by(2) {
            assert_eq!(part.matches('`').count() % 2, 0, "an unclosed span: {s}");
            prose.extend(part.split('`').step_by(2).flat_map(|p| [p, " "]));
        }
        for live in ["<", ">", "*URGENT*", "_all_", "~hands~"] {
            assert!(!prose.contains(live), "{live:?} in {prose}");
        }
    }
    for forbidden in [
        "<!channel>",
        "<!here>",
        "<@U024BE7LH>",
        "<http://evil",
        "<script>",
    ] {
        assert!(!raw.contains(forbidden), "{forbidden} survived: {raw}");
    }
    assert!(
        raw.contains("&lt;!channel&gt;"),
        "the text is still shown: {raw}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_response_url_that_fails_is_counted_and_the_server_goes_on() {
    let state = state(None, true);
    // Nothing listening, and a receiver that always fails: each follow-up is tried four
    // times (10 s per attempt, backoffs of at most 0.5, 1 and 2 s) and given up.
    let refused = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        format!(
            "http://{}/commands/T0001/1/x",
            l.local_addr().expect("addr")
        )
    };
    let failing = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500).set_body_string("no"))
        .mount(&failing)
        .await;
    let started = std::time::Instant::now();
    for url in [refused, format!("{}/commands/T0001/2/y", failing.uri())] {
        let (s, ack) = call(
            &state,
            signed(&form("checkout 30m", &url), NOW_SECS, SECRET),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{ack}");
        assert!(ack.contains("Working on it"), "{ack}");
    }
    state.wait_background().await;
    // Both follow-ups ran their course concurrently: the backoffs, not the 10 s timeout.
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        failing.received_requests().await.unwrap_or_default().len(),
        4
    );
    let m = state.metrics.render();
    assert!(
        m.contains("logsift_webhook_deliveries_total{result=\"error\"} 2"),
        "{m}"
    );
    // The server still answers.
    let (s, _) = call(
        &state,
        signed(&form("help", "http://127.0.0.1:9/x"), NOW_SECS, SECRET),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_response_url_that_never_answers_is_given_up_after_its_attempts() {
    if std::env::var("LOGSIFT_SLOW").as_deref() != Ok("1") {
        eprintln!("skipped: four attempts of 10 s; set LOGSIFT_SLOW=1");
        return;
    }
    // Accepts, reads, never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            tokio::spawn(async move {
                let _ = tokio::io::copy(&mut sock, &mut tokio::io::sink()).await;
            });
        }
    });
    let state = state(None, true);
    let url = format!("http://{addr}/commands/T0001/3/z");
    let started = std::time::Instant::now();
    let (s, _) = call(
        &state,
        signed(&form("checkout 30m", &url), NOW_SECS, SECRET),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    state.wait_background().await;
    // Four attempts of the default 10 s and backoffs of at most 3.5 s, with slack.
    let bound = logsift::deliver::DEFAULT_TIMEOUT * 4 + std::time::Duration::from_secs(20);
    println!(
        "observed: follow-up given up after {:.2?}",
        started.elapsed()
    );
    assert!(started.elapsed() < bound, "{:?}", started.elapsed());
    assert!(
        state
            .metrics
            .render()
            .contains("logsift_webhook_deliveries_total{result=\"error\"} 1")
    );
}
