//! The OpenAI-compatible summarizer against a real HTTP server on 127.0.0.1 that speaks the
//! chat-completions API (wiremock): success, rate limits, server errors, timeouts, malformed
//! bodies, answers that cite unknown clusters or invent numbers, and the corrective retry.
//! Every test also checks what the server received: no secret from the secrets corpus, no
//! injection payload as text, and the API key only in its header.

mod llm_support;

use std::time::Duration;

use llm_support::{checkout_analysis, corpus_analysis, find_leak, lines, tsv_values};
use logsift::llm::{self, LlmConfig, LlmMode, Prepared, Producer, Summary};
use logsift::score::Analysis;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const KEY: &str = "sk-test-0000-not-a-real-key";

/// The checkout incident plus findings whose samples, templates and values come from the
/// secrets and injection corpora.
fn analysis() -> Analysis {
    let mut a = checkout_analysis();
    let mut corpus: Vec<String> = lines("fixtures/secrets/secrets.log")
        .into_iter()
        .take(15)
        .collect();
    corpus.extend(
        lines("fixtures/injection/injection.log")
            .into_iter()
            .take(15),
    );
    let values: Vec<String> = tsv_values("fixtures/secrets/secrets.tsv")
        .into_iter()
        .take(6)
        .collect();
    let mut extra = corpus_analysis(&corpus, &values);
    // Below the incident's own findings, which the answers below are about.
    for f in &mut extra.flagged {
        f.score *= 0.01;
    }
    a.flagged.extend(extra.flagged);
    a.totals.findings = a.flagged.len();
    a
}

fn config(server: &MockServer) -> LlmConfig {
    LlmConfig::builder()
        .mode(LlmMode::Openai)
        .base_url(format!("{}/v1", server.uri()))
        .api_key(KEY)
        .model("test-model")
        .timeout(Duration::from_secs(10))
        .deadline(Duration::from_secs(30))
        .retry_base(Duration::from_millis(1))
        .max_prompt_tokens(30_000)
        .max_findings(40)
        .build()
        .expect("valid test configuration")
}

fn prepared(cfg: &LlmConfig) -> Prepared {
    llm::prepare(&analysis(), cfg)
}

fn completion(content: &str) -> Value {
    json!({
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 1_795_786_000u32,
        "model": "test-model",
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": content},
            "finish_reason": "stop"
        }],
        "usage": {"prompt_tokens": 2_100, "completion_tokens": 180, "total_tokens": 2_280}
    })
}

/// An answer that passes every check against the checkout evidence.
const VALID: &str = r#"{"headline": "New ERROR template in cluster 7: 1,234 connection timeouts since 13:21:07.",
 "findings": [{"clusters": [7, 9], "what": "HikariPool-1 timed out 1,234 times and 806 checkouts failed.", "why_it_matters": "Customers cannot check out."},
              {"clusters": [5], "what": "Payment authorizations went quiet after 4,800 in the baseline.", "why_it_matters": "No revenue is coming in."}],
 "likely_cause": "The earliest anomaly was the database pool running dry (cluster 7) at 13:21:07; slow queries in cluster 14 may hold connections.",
 "next_steps": ["Check the pool size and the slow queries of cluster 14.", "Look at deploys around 13:20."]}"#;

/// Cites a cluster that does not exist.
const UNKNOWN_CLUSTER: &str = r#"{"headline": "Checkout is failing.",
 "findings": [{"clusters": [999], "what": "Connections time out.", "why_it_matters": "Customers cannot pay."}],
 "likely_cause": "The pool is exhausted.", "next_steps": ["Check the pool."]}"#;

/// Invents a number.
const INVENTED_NUMBER: &str = r#"{"headline": "4,500 checkouts failed in cluster 9.",
 "findings": [{"clusters": [9], "what": "About 4,500 checkouts failed.", "why_it_matters": "Lost revenue."}],
 "likely_cause": "The pool is exhausted.", "next_steps": ["Check the pool."]}"#;

fn chat() -> wiremock::MockBuilder {
    Mock::given(method("POST")).and(path("/v1/chat/completions"))
}

/// What every request the server received must satisfy.
async fn check_requests(server: &MockServer, expected: usize) -> Vec<Value> {
    let secrets = tsv_values("fixtures/secrets/secrets.tsv");
    let payloads = tsv_values("fixtures/injection/injection.tsv");
    let requests: Vec<Request> = server.received_requests().await.unwrap_or_default();
    assert_eq!(requests.len(), expected, "requests received");
    let mut bodies = Vec::new();
    for r in requests {
        let raw = String::from_utf8(r.body.clone()).expect("UTF-8 body");
        let body: Value = serde_json::from_str(&raw).expect("JSON body");
        assert_eq!(find_leak(&raw, &body, &secrets), None, "a secret was sent");
        assert_eq!(
            find_leak(&raw, &body, &payloads),
            None,
            "an injection was sent"
        );
        assert!(!raw.contains(KEY), "the API key is in the body");
        let auth = r
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        assert_eq!(auth, format!("Bearer {KEY}"));
        assert_eq!(body["response_format"], json!({"type": "json_object"}));
        assert_eq!(body["max_tokens"], json!(1024));
        assert!(body.get("max_completion_tokens").is_none());
        assert_eq!(body["model"], "test-model");
        bodies.push(body);
    }
    bodies
}

fn assert_offline_with(s: &Summary, note_part: &str) {
    assert_eq!(s.producer, Producer::Offline);
    let note = s.fallback.as_deref().unwrap_or("");
    assert!(
        note.contains(note_part),
        "note {note:?} lacks {note_part:?}"
    );
    assert!(note.ends_with("offline summary used"), "{note}");
    assert!(!note.contains('\n'));
    // The offline text is still there, whole.
    assert!(s.headline.contains("cluster 7"), "{}", s.headline);
    assert!(!s.next_steps.is_empty());
}

#[tokio::test]
async fn success_uses_the_model_answer() {
    let server = MockServer::start().await;
    chat()
        .respond_with(ResponseTemplate::new(200).set_body_json(completion(VALID)))
        .mount(&server)
        .await;
    let cfg = config(&server);
    let p = prepared(&cfg);
    let s = llm::summarize(&p, &cfg).await;
    assert_eq!(s.producer, Producer::Openai, "{:?}", s.fallback);
    assert_eq!(s.fallback, None);
    assert_eq!(s.attempts, 1);
    assert_eq!(s.model.as_deref(), Some("test-model"));
    assert_eq!((s.tokens_in, s.tokens_out), (Some(2_100), Some(180)));
    assert_eq!(s.attempt_log[0].tokens_in, Some(2_100));
    assert!(s.latency_ms.is_some());
    assert_eq!(s.findings[0].clusters, vec![7, 9]);
    assert!(s.headline.starts_with("New ERROR template in cluster 7"));
    // The audit travels with the summary: secrets and quarantined text were in the prompt.
    assert!(s.redaction.in_prompt.get("SECRET").copied().unwrap_or(0) > 0);
    assert!(!s.redaction.suspicious_in_prompt.is_empty());
    assert_eq!(
        s.evidence.findings_included,
        p.evidence().get().findings.len()
    );
    let bodies = check_requests(&server, 1).await;
    assert_eq!(bodies[0]["messages"].as_array().map(Vec::len), Some(2));
    // The JSON names are stable.
    let v = serde_json::to_value(&s).expect("serialisable");
    for key in [
        "producer",
        "model",
        "headline",
        "findings",
        "likely_cause",
        "next_steps",
        "fallback",
        "attempts",
        "attempt_log",
        "tokens_in",
        "tokens_out",
        "latency_ms",
        "evidence",
        "redaction",
    ] {
        assert!(v.get(key).is_some(), "{key}");
    }
    assert_eq!(v["producer"], "openai");
}

#[tokio::test]
async fn rate_limit_with_retry_after_then_success() {
    let server = MockServer::start().await;
    chat()
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "1")
                .set_body_json(
                    json!({"error": {"message": "slow down", "type": "rate_limit_error"}}),
                ),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    chat()
        .respond_with(ResponseTemplate::new(200).set_body_json(completion(VALID)))
        .with_priority(2)
        .mount(&server)
        .await;
    let cfg = config(&server);
    let s = llm::summarize(&prepared(&cfg), &cfg).await;
    assert_eq!(s.producer, Producer::Openai, "{:?}", s.fallback);
    assert_eq!(s.attempts, 2);
    assert_eq!(s.attempt_log[0].outcome, "HTTP 429");
    assert_eq!(s.attempt_log[0].wait_ms, Some(1_000));
    assert_eq!(s.attempt_log[0].wait_reason, Some("retry-after"));
    assert_eq!(s.attempt_log[1].outcome, "HTTP 200");
    check_requests(&server, 2).await;
}

#[tokio::test]
async fn retry_after_past_the_deadline_is_not_waited_for() {
    let server = MockServer::start().await;
    chat()
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "3600")
                .set_body_json(
                    json!({"error": {"message": "quota window", "type": "rate_limit_error"}}),
                ),
        )
        .mount(&server)
        .await;
    let cfg = config(&server);
    let s = llm::summarize(&prepared(&cfg), &cfg).await;
    assert_offline_with(&s, "HTTP 429");
    assert_eq!(s.attempts, 1);
    assert!(
        s.attempt_log[0]
            .outcome
            .contains("Retry-After is past the deadline")
    );
    check_requests(&server, 1).await;
}

#[tokio::test]
async fn server_errors_until_the_retries_run_out() {
    let server = MockServer::start().await;
    chat()
        .respond_with(ResponseTemplate::new(500).set_body_string("upstream exploded"))
        .mount(&server)
        .await;
    let cfg = config(&server);
    let s = llm::summarize(&prepared(&cfg), &cfg).await;
    assert_offline_with(&s, "HTTP 500");
    assert!(
        s.fallback
            .as_deref()
            .unwrap_or("")
            .contains("after 3 retries")
    );
    assert_eq!(s.attempts, 4);
    assert!(
        s.attempt_log[..3]
            .iter()
            .all(|a| a.wait_reason == Some("backoff"))
    );
    assert_eq!(s.attempt_log[3].wait_ms, None);
    assert_eq!((s.tokens_in, s.tokens_out), (None, None));
    check_requests(&server, 4).await;
}

#[tokio::test]
async fn a_slow_server_times_out() {
    let server = MockServer::start().await;
    chat()
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(completion(VALID))
                .set_delay(Duration::from_secs(5)),
        )
        .mount(&server)
        .await;
    let cfg = LlmConfig::builder()
        .mode(LlmMode::Openai)
        .base_url(format!("{}/v1", server.uri()))
        .timeout(Duration::from_millis(200))
        .deadline(Duration::from_secs(3))
        .retry_base(Duration::from_millis(1))
        .max_retries(1)
        .build()
        .expect("valid");
    let s = llm::summarize(&prepared(&cfg), &cfg).await;
    assert_offline_with(&s, "no response from");
    assert!(
        s.fallback
            .as_deref()
            .unwrap_or("")
            .contains("--llm-timeout")
    );
    assert_eq!(s.attempts, 2);
    assert!(
        s.attempt_log
            .iter()
            .all(|a| a.outcome.starts_with("timeout after 200ms"))
    );
}

#[tokio::test]
async fn a_malformed_body_is_a_failure_like_any_other() {
    let server = MockServer::start().await;
    chat()
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "application/json")
                .set_body_string("{\"id\": \"x\", \"choices\": [{\"message\": "),
        )
        .mount(&server)
        .await;
    let cfg = config(&server);
    let s = llm::summarize(&prepared(&cfg), &cfg).await;
    assert_offline_with(&s, "not a chat completion");
    // Retried within the same budget as server errors.
    assert_eq!(s.attempts, 4);
    assert!(
        s.attempt_log
            .iter()
            .all(|a| a.outcome == "HTTP 200; malformed response")
    );
    check_requests(&server, 4).await;
}

#[tokio::test]
async fn an_answer_citing_an_unknown_cluster_is_rejected() {
    let server = MockServer::start().await;
    chat()
        .respond_with(ResponseTemplate::new(200).set_body_json(completion(UNKNOWN_CLUSTER)))
        .mount(&server)
        .await;
    let cfg = config(&server);
    let s = llm::summarize(&prepared(&cfg), &cfg).await;
    assert_offline_with(&s, "rejected twice");
    assert!(s.fallback.as_deref().unwrap_or("").contains("cluster 999"));
    assert_eq!(s.attempts, 2);
    // Both responses' usage is counted.
    assert_eq!((s.tokens_in, s.tokens_out), (Some(4_200), Some(360)));
    let bodies = check_requests(&server, 2).await;
    // The retry carries the rejected answer and the reason.
    let retry = bodies[1]["messages"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(retry.len(), 4);
    assert_eq!(retry[2]["role"], "assistant");
    let reason = retry[3]["content"].as_str().unwrap_or("");
    assert!(reason.contains("Your answer was rejected"), "{reason}");
    assert!(reason.contains("cluster 999"), "{reason}");
}

#[tokio::test]
async fn an_answer_with_invented_numbers_is_rejected() {
    let server = MockServer::start().await;
    chat()
        .respond_with(ResponseTemplate::new(200).set_body_json(completion(INVENTED_NUMBER)))
        .mount(&server)
        .await;
    let cfg = config(&server);
    let s = llm::summarize(&prepared(&cfg), &cfg).await;
    assert_offline_with(&s, "the number 4,500");
    assert_eq!(s.attempts, 2);
    check_requests(&server, 2).await;
}

#[tokio::test]
async fn a_rejected_answer_is_retried_once_with_the_reason() {
    let server = MockServer::start().await;
    // The server answers well only when told what was wrong.
    chat()
        .respond_with(|req: &Request| {
            let body = String::from_utf8_lossy(&req.body);
            if body.contains("Your answer was rejected") {
                ResponseTemplate::new(200).set_body_json(completion(VALID))
            } else {
                ResponseTemplate::new(200).set_body_json(completion(INVENTED_NUMBER))
            }
        })
        .mount(&server)
        .await;
    let cfg = config(&server);
    let s = llm::summarize(&prepared(&cfg), &cfg).await;
    assert_eq!(s.producer, Producer::Openai, "{:?}", s.fallback);
    assert_eq!(s.fallback, None);
    assert_eq!(s.attempts, 2);
    assert!(s.attempt_log[0].outcome.contains("answer rejected"));
    assert!(s.attempt_log[0].outcome.contains("4,500"));
    assert_eq!(s.attempt_log[1].outcome, "HTTP 200");
    check_requests(&server, 2).await;
}

#[tokio::test]
async fn an_empty_or_cut_off_answer_is_rejected() {
    let server = MockServer::start().await;
    let mut cut = completion("{\"headline\": \"New ERROR template in clus");
    cut["choices"][0]["finish_reason"] = json!("length");
    chat()
        .respond_with(ResponseTemplate::new(200).set_body_json(completion("")))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    chat()
        .respond_with(ResponseTemplate::new(200).set_body_json(cut))
        .with_priority(2)
        .mount(&server)
        .await;
    let cfg = config(&server);
    let s = llm::summarize(&prepared(&cfg), &cfg).await;
    assert_offline_with(&s, "cut off at 1024 tokens");
    assert!(s.attempt_log[0].outcome.contains("the answer was empty"));
    assert_eq!(s.attempts, 2);
}

#[tokio::test]
async fn an_unauthorised_request_is_not_retried() {
    let server = MockServer::start().await;
    chat()
        .respond_with(ResponseTemplate::new(401).set_body_json(
            json!({"error": {"message": "Incorrect API key provided", "type": "invalid_request_error"}}),
        ))
        .mount(&server)
        .await;
    let cfg = config(&server);
    let s = llm::summarize(&prepared(&cfg), &cfg).await;
    assert_offline_with(&s, "HTTP 401");
    assert!(
        s.fallback
            .as_deref()
            .unwrap_or("")
            .contains("check OPENAI_API_KEY")
    );
    assert_eq!(s.attempts, 1);
}

#[tokio::test]
async fn nothing_listening_is_a_connection_error() {
    // Bind and drop a listener to get a port with nothing behind it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let cfg = LlmConfig::builder()
        .mode(LlmMode::Openai)
        .base_url(format!("http://127.0.0.1:{port}/v1"))
        .retry_base(Duration::from_millis(1))
        .build()
        .expect("valid");
    let s = llm::summarize(&prepared(&cfg), &cfg).await;
    assert_offline_with(&s, "could not connect");
    assert_eq!(s.attempts, 4);
    assert!(
        s.attempt_log
            .iter()
            .all(|a| a.outcome == "connection error")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_blocking_entry_point_works_from_spawn_blocking() {
    let server = MockServer::start().await;
    chat()
        .respond_with(ResponseTemplate::new(200).set_body_json(completion(VALID)))
        .mount(&server)
        .await;
    let cfg = config(&server);
    let p = prepared(&cfg);
    let s = tokio::task::spawn_blocking(move || llm::summarize_blocking(&p, &cfg))
        .await
        .expect("the blocking task finishes");
    assert_eq!(s.producer, Producer::Openai, "{:?}", s.fallback);
    // And straight from an async task, where it must not panic either.
    let cfg = config(&server);
    let p = prepared(&cfg);
    let s = llm::summarize_blocking(&p, &cfg);
    assert_eq!(s.producer, Producer::Openai, "{:?}", s.fallback);
}

#[test]
fn offline_mode_sends_nothing() {
    let cfg = LlmConfig::builder()
        .mode(LlmMode::Off)
        .api_key(KEY)
        .build()
        .expect("valid");
    let s = llm::summarize_blocking(&prepared(&cfg), &cfg);
    assert_eq!(s.producer, Producer::Offline);
    assert_eq!(s.fallback, None);
    assert_eq!(s.attempts, 0);
    assert_eq!(s.model, None);
}
