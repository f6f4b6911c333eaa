//! The OpenAI-compatible summarizer: one chat-completion call through `async-openai`, with
//! our own transport underneath for timeouts, retries and `Retry-After`.
//!
//! Owns the HTTP side of the summary: the request timeout and overall deadline, the cap on a
//! response's size ([`MAX_RESPONSE_BYTES`]), retries with exponential backoff and jitter on
//! 429, 408, 5xx, timeouts and connection errors (at most [`LlmConfig::max_retries`],
//! honouring `Retry-After` in seconds or as an HTTP date, never past the deadline), the one
//! corrective retry after an answer fails validation, and the accounting of attempts, tokens
//! and latency. It accepts only a [`Redacted<Evidence>`]
//! (inside [`Prepared`]). It does not write the fallback summary: [`super::summarize`] does.
//!
//! # Why a transport of our own
//!
//! `async-openai` 0.43 sets no timeout on its default `reqwest` client, and its default
//! executor (also used with `with_http_client`) retries 429, 5xx and connection errors three
//! times with a `Retry-After` read only in seconds and never capped, so a server asking for
//! an hour would be waited on for an hour. Its error type keeps the HTTP status
//! (`ApiErrorResponse::status_code`) but drops the headers, so `Retry-After` cannot be read
//! above it. The crate's `middleware` feature lets a `tower::Service` replace the executor
//! (`Client::with_http_service`): [`Transport`] is that service. It sees every raw
//! response, so it reads `Retry-After` itself and applies the deadline, and it replaces the
//! built-in retry rather than stacking on it. It also reads each body itself, within the
//! attempt's timeout and [`MAX_RESPONSE_BYTES`], and hands `async-openai` the whole of it:
//! the crate would read a body of any size for as long as it keeps coming. `async-openai`
//! still builds the request (URL, headers, JSON body) and parses the response.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};

use async_openai::Client;
use async_openai::config::OpenAIConfig;
use async_openai::error::OpenAIError;
use async_openai::middleware::HttpRequestFactory;
use async_openai::types::chat::{CreateChatCompletionResponse, FinishReason};
use serde::Serialize;
use tokio::time::Instant;

use super::config::LlmConfig;
use super::evidence::Prepared;
use super::validate::{Answer, Grounding, Rejection, parse_answer};
use super::{Failure, Producer, Summarizer, Summary, prompt, retry};

/// Longest connect phase: a server that does not accept a connection in this time is not
/// going to answer a summary request in time either.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Characters of a server's error body kept in a note.
const ERROR_BODY_CHARS: usize = 160;
/// Largest response body read: an answer at the largest token cap (32,768 tokens), JSON
/// escaped, is well under 1 MiB; 4 MiB leaves room for servers that add reasoning text or
/// log-probabilities, and bounds what a broken or hostile server can make us hold.
pub const MAX_RESPONSE_BYTES: usize = 4 * 1024 * 1024;

/// One HTTP request sent, and what came of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attempt {
    /// What happened: `HTTP 200`, `HTTP 429`, `timeout after 60s`, `connection error`,
    /// with `; answer rejected: ...` or `; malformed response` when the body was unusable.
    pub outcome: String,
    /// How long the next attempt waited, in ms, if there was one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wait_ms: Option<u64>,
    /// Where that wait came from: `retry-after` or `backoff`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wait_reason: Option<&'static str>,
    /// Prompt tokens of this request, as the server's `usage` reports them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tokens_in: Option<u64>,
    /// Answer tokens of this request, likewise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tokens_out: Option<u64>,
}

/// The state of one summary call, shared by the transport and the caller.
#[derive(Debug)]
struct Call {
    deadline: Instant,
    timeout: Duration,
    max_retries: u32,
    retry_base: Duration,
    retries: AtomicU32,
    log: Mutex<Vec<Attempt>>,
    last_status: Mutex<Option<u16>>,
}

impl Call {
    fn record(&self, outcome: String) {
        if let Ok(mut log) = self.log.lock() {
            log.push(Attempt {
                outcome,
                wait_ms: None,
                wait_reason: None,
                tokens_in: None,
                tokens_out: None,
            });
        }
    }

    /// Note the wait before the next attempt on the last record.
    fn note_wait(&self, wait: Duration, reason: &'static str) {
        if let Ok(mut log) = self.log.lock()
            && let Some(last) = log.last_mut()
        {
            last.wait_ms = Some(u64::try_from(wait.as_millis()).unwrap_or(u64::MAX));
            last.wait_reason = Some(reason);
        }
    }

    /// Note the server's token counts on the last record.
    fn note_usage(&self, r: &CreateChatCompletionResponse) {
        if let (Some(u), Ok(mut log)) = (&r.usage, self.log.lock())
            && let Some(last) = log.last_mut()
        {
            last.tokens_in = Some(u64::from(u.prompt_tokens));
            last.tokens_out = Some(u64::from(u.completion_tokens));
        }
    }

    /// Append to the outcome of the last record.
    fn amend(&self, more: &str) {
        if let Ok(mut log) = self.log.lock()
            && let Some(last) = log.last_mut()
        {
            last.outcome.push_str("; ");
            last.outcome.push_str(more);
        }
    }

    fn attempts(&self) -> Vec<Attempt> {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    fn last_status(&self) -> Option<u16> {
        self.last_status.lock().ok().and_then(|s| *s)
    }

    /// Take one retry from the budget, if any is left: its number, counted from 0.
    fn take_retry(&self) -> Option<u32> {
        self.retries
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |r| {
                (r < self.max_retries).then_some(r + 1)
            })
            .ok()
    }

    /// The wait before the next try, or `None` when it would pass the deadline.
    fn plan_wait(
        &self,
        retry_after: Option<Duration>,
        retry: u32,
    ) -> Option<(Duration, &'static str)> {
        let (wait, reason) = match retry_after {
            Some(d) => (d, "retry-after"),
            None => (
                retry::backoff(self.retry_base, retry, retry::jitter_unit()),
                "backoff",
            ),
        };
        let remaining = self.deadline.saturating_duration_since(Instant::now());
        (wait < remaining).then_some((wait, reason))
    }
}

/// Why the transport gave up, beyond what `reqwest` reports.
#[derive(Debug, thiserror::Error)]
enum TransportError {
    #[error("no response within {0:?}")]
    Timeout(Duration),
    #[error("the deadline passed before the request could be sent")]
    Deadline,
    #[error("the response body is larger than {0} bytes")]
    TooLarge(usize),
}

/// A response read whole, or why it could not be.
enum Fetched {
    /// The status, headers and the whole body, as a response `async-openai` can read.
    Whole(reqwest::Response),
    /// Sending or reading failed.
    Failed(reqwest::Error),
    /// The body passed [`MAX_RESPONSE_BYTES`] (with the status).
    TooLarge(u16),
}

/// Sends `request` and reads the whole body, at most [`MAX_RESPONSE_BYTES`] of it. Reading
/// the body here, rather than leaving it to `async-openai`, puts it under the attempt's
/// timeout (a server that trickles its answer times out like one that never answers) and
/// under the size cap (`async-openai` reads any length).
async fn fetch(client: &reqwest::Client, request: reqwest::Request) -> Fetched {
    let mut resp = match client.execute(request).await {
        Ok(r) => r,
        Err(e) => return Fetched::Failed(e),
    };
    let status = resp.status();
    if resp
        .content_length()
        .is_some_and(|n| n > MAX_RESPONSE_BYTES as u64)
    {
        return Fetched::TooLarge(status.as_u16());
    }
    let mut body = Vec::new();
    loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
                    return Fetched::TooLarge(status.as_u16());
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => break,
            Err(e) => return Fetched::Failed(e),
        }
    }
    let mut whole = http::Response::new(body);
    *whole.status_mut() = status;
    *whole.headers_mut() = std::mem::take(resp.headers_mut());
    *whole.version_mut() = resp.version();
    Fetched::Whole(reqwest::Response::from(whole))
}

/// The `tower::Service` under `async-openai`: sends each request with a timeout and retries
/// transient failures within the call's budget and deadline.
#[derive(Clone)]
struct Transport {
    http: reqwest::Client,
    call: Arc<Call>,
}

type TransportFuture =
    Pin<Box<dyn Future<Output = Result<reqwest::Response, OpenAIError>> + Send + 'static>>;

impl tower_service::Service<HttpRequestFactory> for Transport {
    type Response = reqwest::Response;
    type Error = OpenAIError;
    type Future = TransportFuture;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, factory: HttpRequestFactory) -> Self::Future {
        let this = self.clone();
        Box::pin(async move { this.send(factory).await })
    }
}

impl Transport {
    async fn send(self, factory: HttpRequestFactory) -> Result<reqwest::Response, OpenAIError> {
        let call = &self.call;
        loop {
            let remaining = call.deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                return Err(OpenAIError::Boxed(Box::new(TransportError::Deadline)));
            }
            let request = factory.build().await?;
            let limit = call.timeout.min(remaining);
            let sent = tokio::time::timeout(limit, fetch(&self.http, request)).await;
            let (result, retry_after): (Result<reqwest::Response, OpenAIError>, _) = match sent {
                Err(_) => {
                    call.record(format!("timeout after {}", secs(limit)));
                    (
                        Err(OpenAIError::Boxed(Box::new(TransportError::Timeout(limit)))),
                        None,
                    )
                }
                Ok(Fetched::Failed(e)) if e.is_builder() => {
                    call.record("invalid request".into());
                    return Err(OpenAIError::Reqwest(e));
                }
                Ok(Fetched::Failed(e)) => {
                    call.record(if e.is_timeout() {
                        format!("timeout after {}", secs(limit))
                    } else if e.is_body() || e.is_decode() {
                        "connection error while reading the body".into()
                    } else {
                        "connection error".into()
                    });
                    (Err(OpenAIError::Reqwest(e)), None)
                }
                Ok(Fetched::TooLarge(status)) => {
                    // The same request would get the same answer: not worth a retry.
                    call.record(format!(
                        "HTTP {status}; body over {} MiB",
                        MAX_RESPONSE_BYTES / (1024 * 1024)
                    ));
                    return Err(OpenAIError::Boxed(Box::new(TransportError::TooLarge(
                        MAX_RESPONSE_BYTES,
                    ))));
                }
                Ok(Fetched::Whole(resp)) => {
                    let status = resp.status().as_u16();
                    if let Ok(mut s) = call.last_status.lock() {
                        *s = Some(status);
                    }
                    call.record(format!("HTTP {status}"));
                    if !retry::retryable_status(status) {
                        return Ok(resp);
                    }
                    let ra = resp
                        .headers()
                        .get(reqwest::header::RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| retry::parse_retry_after(v, SystemTime::now()));
                    (Ok(resp), ra)
                }
            };
            let Some(n) = call.take_retry() else {
                return result;
            };
            let Some((wait, reason)) = call.plan_wait(retry_after, n) else {
                call.amend(match retry_after {
                    Some(_) => "Retry-After is past the deadline",
                    None => "no time left before the deadline",
                });
                return result;
            };
            call.note_wait(wait, reason);
            drop(result);
            tokio::time::sleep(wait).await;
        }
    }
}

fn secs(d: Duration) -> String {
    let ms = d.as_millis();
    if ms % 1_000 == 0 {
        format!("{}s", ms / 1_000)
    } else {
        format!("{ms}ms")
    }
}

/// The summarizer that asks an OpenAI-compatible server (OpenAI, Azure OpenAI's v1 API,
/// Ollama, vLLM, LM Studio, llama.cpp servers).
#[derive(Debug, Clone)]
pub struct OpenAiSummarizer {
    cfg: LlmConfig,
    http: reqwest::Client,
}

/// Why the OpenAI-compatible summarizer could not be set up.
#[derive(Debug, thiserror::Error)]
#[error("could not set up the HTTP client for the LLM ({0}); check the TLS setup of this machine")]
pub struct SetupError(String);

impl OpenAiSummarizer {
    /// A summarizer for `cfg` (its base URL, key, model, timeouts and retries). Builds the
    /// HTTP client once; reuse the summarizer for several summaries.
    pub fn new(cfg: &LlmConfig) -> Result<OpenAiSummarizer, SetupError> {
        let http = reqwest::Client::builder()
            .timeout(cfg.timeout())
            .connect_timeout(CONNECT_TIMEOUT.min(cfg.timeout()))
            .build()
            .map_err(|e| SetupError(e.to_string()))?;
        Ok(OpenAiSummarizer {
            cfg: cfg.clone(),
            http,
        })
    }

    /// Ask the model for a summary of `prepared` and check it; on any failure the `Err`
    /// says why in one line and carries what the attempts cost.
    pub async fn run(&self, prepared: &Prepared) -> Result<Summary, Failure> {
        let started = Instant::now();
        let cfg = &self.cfg;
        let call = Arc::new(Call {
            deadline: started + cfg.deadline(),
            timeout: cfg.timeout(),
            max_retries: cfg.max_retries(),
            retry_base: cfg.retry_base(),
            retries: AtomicU32::new(0),
            log: Mutex::new(Vec::new()),
            last_status: Mutex::new(None),
        });
        let config = OpenAIConfig::new()
            .with_api_base(cfg.base_url())
            .with_api_key(cfg.api_key().unwrap_or(""));
        let client = Client::with_config(config).with_http_service(Transport {
            http: self.http.clone(),
            call: Arc::clone(&call),
        });
        let mut tokens = Tokens::default();
        let outcome = self.exchange(prepared, &client, &call, &mut tokens).await;
        let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let attempts = call.attempts();
        match outcome {
            Ok(answer) => Ok(Summary::new(
                Producer::Openai,
                answer,
                prepared,
                Some(cfg.model().to_owned()),
                attempts,
                tokens.input,
                tokens.output,
                Some(latency_ms),
                None,
            )),
            Err(note) => Err(Failure {
                note,
                model: Some(cfg.model().to_owned()),
                attempts,
                tokens_in: tokens.input,
                tokens_out: tokens.output,
                latency_ms: Some(latency_ms),
            }),
        }
    }

    /// The request, the corrective retry, and the checks; `Err` is the one-line note.
    async fn exchange(
        &self,
        prepared: &Prepared,
        client: &Client<OpenAIConfig>,
        call: &Call,
        tokens: &mut Tokens,
    ) -> Result<Answer, String> {
        let cfg = &self.cfg;
        let evidence = prepared.evidence();
        let grounding = Grounding::new(evidence.get());
        let mut messages = prompt::messages(evidence);
        let mut corrected = false;
        loop {
            let remaining = call.deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                return Err(format!(
                    "no valid answer within the {} deadline",
                    secs(cfg.deadline())
                ));
            }
            let request = prompt::request(cfg, messages.clone());
            let response =
                match tokio::time::timeout(remaining, client.chat().create(request)).await {
                    Err(_) => {
                        call.amend("deadline reached");
                        return Err(format!(
                            "no answer within the {} deadline",
                            secs(cfg.deadline())
                        ));
                    }
                    Ok(Ok(r)) => r,
                    Ok(Err(e)) => {
                        let malformed = matches!(e, OpenAIError::JSONDeserialize(..))
                            && call.last_status().is_some_and(|s| (200..300).contains(&s));
                        if malformed {
                            call.amend("malformed response");
                            if let Some(n) = call.take_retry()
                                && let Some((wait, reason)) = call.plan_wait(None, n)
                            {
                                call.note_wait(wait, reason);
                                tokio::time::sleep(wait).await;
                                continue;
                            }
                            return Err(format!(
                                "the server's response was not a chat completion ({})",
                                short(&e.to_string())
                            ));
                        }
                        return Err(describe_error(&e, cfg, call));
                    }
                };
            tokens.add(&response);
            call.note_usage(&response);
            let (content, verdict) = judge(&response, &grounding, cfg);
            match verdict {
                Ok(answer) => return Ok(answer),
                Err(rejection) => {
                    call.amend(&format!("answer rejected: {}", short(&rejection.0)));
                    if corrected {
                        return Err(format!(
                            "the model's answer was rejected twice, last: {}",
                            short(&rejection.0)
                        ));
                    }
                    corrected = true;
                    messages = prompt::retry_messages(evidence, &content, &rejection.0);
                }
            }
        }
    }
}

impl Summarizer for OpenAiSummarizer {
    fn producer(&self) -> Producer {
        Producer::Openai
    }

    fn summarize(
        &self,
        prepared: &Prepared,
    ) -> impl Future<Output = Result<Summary, Failure>> + Send {
        self.run(prepared)
    }
}

/// Read the first choice and check it: shape, then grounding. Returns the content (for the
/// corrective retry) and the verdict.
fn judge(
    response: &CreateChatCompletionResponse,
    grounding: &Grounding,
    cfg: &LlmConfig,
) -> (String, Result<Answer, Rejection>) {
    let Some(choice) = response.choices.first() else {
        return (
            String::new(),
            Err(Rejection("the response held no answer".into())),
        );
    };
    let content = choice
        .message
        .content
        .clone()
        .or_else(|| choice.message.refusal.clone())
        .unwrap_or_default();
    if content.trim().is_empty() {
        return (content, Err(Rejection("the answer was empty".into())));
    }
    let verdict = parse_answer(&content).and_then(|a| grounding.check(&a).map(|()| a));
    let verdict = match (verdict, &choice.finish_reason) {
        (Err(_), Some(FinishReason::Length)) => Err(Rejection(format!(
            "the answer was cut off at {} tokens: answer shorter",
            cfg.max_answer_tokens()
        ))),
        (v, _) => v,
    };
    (content, verdict)
}

/// One line on why a request failed, saying what to check.
fn describe_error(e: &OpenAIError, cfg: &LlmConfig, call: &Call) -> String {
    let url = cfg.base_url();
    let retries = call.retries.load(Ordering::SeqCst);
    let after = if retries > 0 {
        format!(
            " after {retries} retr{}",
            if retries == 1 { "y" } else { "ies" }
        )
    } else {
        String::new()
    };
    match e {
        OpenAIError::ApiError(api) => {
            let status = api.status_code.as_u16();
            let hint = match status {
                401 | 403 => ": check OPENAI_API_KEY",
                404 => ": check --llm-base-url (it should end in /v1) and --llm-model",
                429 => ": the server is rate limiting; try again later",
                400 | 413 | 422 => {
                    ": the server refused the request; try a smaller --max-prompt-tokens"
                }
                _ => "",
            };
            format!(
                "HTTP {status} from {url}{after}{hint} ({})",
                short(&api.api_error.message)
            )
        }
        OpenAIError::Reqwest(r) if r.is_timeout() => format!(
            "no response from {url} within {}{after}; raise --llm-timeout for slow servers",
            secs(cfg.timeout())
        ),
        OpenAIError::Reqwest(r) if r.is_connect() => format!(
            "could not connect to {url}{after}: is the server running? ({})",
            short(&source_chain(r))
        ),
        OpenAIError::Reqwest(r) => format!(
            "request to {url} failed{after} ({})",
            short(&source_chain(r))
        ),
        OpenAIError::Boxed(b) => match b.downcast_ref::<TransportError>() {
            Some(TransportError::Timeout(d)) => format!(
                "no response from {url} within {}{after}; raise --llm-timeout for slow servers",
                secs(*d)
            ),
            Some(TransportError::Deadline) => format!(
                "no answer within the {} deadline{after}",
                secs(cfg.deadline())
            ),
            Some(TransportError::TooLarge(n)) => format!(
                "the response from {url} was larger than {} MiB{after}, far more than an answer \
                 needs: is this an OpenAI-compatible endpoint?",
                n / (1024 * 1024)
            ),
            None => format!("request to {url} failed{after} ({})", short(&b.to_string())),
        },
        // A proxy in front of the model answers a rate limit with a page of its own.
        OpenAIError::JSONDeserialize(..) if call.last_status() == Some(429) => {
            format!("HTTP 429 from {url}{after}: the server is rate limiting; try again later")
        }
        OpenAIError::JSONDeserialize(..) => {
            let status = call
                .last_status()
                .map_or_else(|| "an error".to_owned(), |s| format!("HTTP {s}"));
            format!(
                "{status} from {url}{after}, with a body that is not the API's JSON: is this an OpenAI-compatible endpoint?"
            )
        }
        other => format!(
            "request to {url} failed{after} ({})",
            short(&other.to_string())
        ),
    }
}

/// An error with its sources, which hold the useful part of `reqwest` errors.
fn source_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

/// One line, at most [`ERROR_BODY_CHARS`] characters.
fn short(s: &str) -> String {
    let one: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() <= ERROR_BODY_CHARS {
        one
    } else {
        let mut t: String = one.chars().take(ERROR_BODY_CHARS).collect();
        t.push('…');
        t
    }
}

/// Tokens reported by the server's `usage`, summed over the responses.
#[derive(Debug, Default)]
struct Tokens {
    input: Option<u64>,
    output: Option<u64>,
}

impl Tokens {
    fn add(&mut self, r: &CreateChatCompletionResponse) {
        if let Some(u) = &r.usage {
            self.input = Some(self.input.unwrap_or(0) + u64::from(u.prompt_tokens));
            self.output = Some(self.output.unwrap_or(0) + u64::from(u.completion_tokens));
        }
    }
}
