//! `[[schedule]]` entries firing on an injected clock: the server reviews the source over the
//! window before the firing time and posts it to the webhook, as `--post` does; a run that
//! finds nothing to review is counted as failed and posts nothing.

use std::sync::Arc;
use std::time::Duration;

use logsift::record::{DetectOptions, HeaderFormat, Timestamp};
use logsift::server::schedule::ManualClock;
use logsift::server::{self, AppState, ServerConfig};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const DEMO: &str = "fixtures/demo/checkout.log";

fn at(s: &str) -> Timestamp {
    HeaderFormat::none()
        .parse_time(s, &DetectOptions::default())
        .expect("time")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_schedule_fires_at_its_time_and_posts_the_review() {
    let hook = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/services/T/B/X"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&hook)
        .await;
    let text = format!(
        "[llm]\nmode = \"off\"\n\
         [[source]]\nname = \"checkout\"\nfiles = [\"{DEMO}\"]\n\
         [[schedule]]\ncron = \"0 15 * * *\"\nsource = \"checkout\"\nwindow = \"2h\"\n\
         post = \"{uri}/services/T/B/X\"\npost_format = \"slack\"\n\
         [[schedule]]\nname = \"too short\"\ncron = \"0 15 * * *\"\nsource = \"checkout\"\nwindow = \"1m\"\n\
         post = \"{uri}/services/T/B/X\"\n",
        uri = hook.uri()
    );
    let cfg = ServerConfig::from_toml(&text, &|_| None).expect("config");
    let clock = ManualClock::new(at("2026-11-27T14:59:30Z"));
    let state = AppState::with_clock(cfg, clock.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let served = tokio::spawn(server::serve(Arc::clone(&state), listener, async move {
        let _ = stop_rx.await;
    }));

    // 14:59:30: nothing is due yet.
    assert!(
        hook.received_requests()
            .await
            .unwrap_or_default()
            .is_empty()
    );
    clock.set(at("2026-11-27T15:00:00Z"));
    // Both entries run in the background; wait until both are counted (a failure guard).
    let mut metrics = String::new();
    for _ in 0..3000 {
        metrics = state.metrics.render();
        if metrics.contains("schedule=\"checkout 0 15 * * *\",result=\"ok\"} 1")
            && metrics.contains("schedule=\"too short\",result=\"error\"} 1")
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(
        metrics.contains(
            "logsift_schedule_runs_total{schedule=\"checkout 0 15 * * *\",result=\"ok\"} 1"
        ),
        "{metrics}"
    );
    assert!(
        metrics.contains("logsift_schedule_runs_total{schedule=\"too short\",result=\"error\"} 1"),
        "{metrics}"
    );
    let got = hook.received_requests().await.unwrap_or_default();
    assert_eq!(got.len(), 1, "only the run with events posts");
    let msg: serde_json::Value = serde_json::from_slice(&got[0].body).expect("json");
    assert_eq!(
        msg["blocks"][0]["text"]["text"],
        "logsift · checkout review, last 2h"
    );
    let context = msg["blocks"]
        .as_array()
        .and_then(|b| b.last())
        .map(|c| c.to_string())
        .unwrap_or_default();
    assert!(
        context.contains("4042 lines"),
        "the whole demo is inside 13:00 .. 15:00: {context}"
    );

    // The next firing is tomorrow: moving the clock a minute on runs nothing new.
    clock.set(at("2026-11-27T15:01:00Z"));
    stop_tx.send(()).expect("stop");
    served.await.expect("joined").expect("served");
    assert_eq!(hook.received_requests().await.unwrap_or_default().len(), 1);
    assert!(
        state
            .metrics
            .render()
            .contains("logsift_webhook_deliveries_total{result=\"ok\"} 1")
    );
}

#[tokio::test]
async fn fire_reviews_the_window_before_the_firing_time() {
    let hook = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&hook)
        .await;
    let text = format!(
        "[llm]\nmode = \"off\"\n[[source]]\nname = \"checkout\"\nfiles = [\"{DEMO}\"]\n\
         [[schedule]]\ncron = \"@hourly\"\nsource = \"checkout\"\nwindow = \"30m\"\npost = \"{}/hook\"\n",
        hook.uri()
    );
    let cfg = ServerConfig::from_toml(&text, &|_| None).expect("config");
    let state = AppState::with_clock(cfg, ManualClock::new(at("2026-11-27T14:00:00Z")));
    assert!(server::schedule::fire(&state, 0, at("2026-11-27T14:00:00Z")).await);
    let got = hook.received_requests().await.unwrap_or_default();
    // A JSON webhook gets the JSON report of 13:30 .. 14:00 only.
    let v: serde_json::Value = serde_json::from_slice(&got[0].body).expect("json");
    let first = v["inputs"][0]["first"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let last = v["inputs"][0]["last"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(first.as_str() >= "2026-11-27T13:30:00.000Z", "{first}");
    assert!(last.as_str() < "2026-11-27T14:00:00.000Z", "{last}");
    assert_eq!(v["inputs"][0]["name"], DEMO);
}
