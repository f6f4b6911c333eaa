//! `logsift serve`: the HTTP front end, over the same `app` functions as the command line.
//!
//! Owns the routes (`POST /v1/summarize`, `POST /slack/command`, `GET /healthz`,
//! `GET /metrics`), authentication (bearer tokens, Slack request signatures), the limits that
//! keep the server's memory and CPU bounded (body size, a per-request deadline, a fixed number
//! of analyses at once with a bounded queue), the scheduler of `[[schedule]]` entries, and
//! graceful shutdown. It does no analysis itself: [`analysis`] maps a request onto
//! `app::analyse` and `app::summarize`, run in `spawn_blocking` because the core is
//! synchronous. Requests name a configured source and a window; they never pass a path or a
//! command. docs/server.md describes the configuration and the API.
//!
//! Tests build an [`AppState`] from a [`ServerConfig`], drive [`router`] directly, or
//! [`serve`] it on a socket with a shutdown future of their own; the scheduler's clock is
//! injected ([`schedule::Clock`]).

pub mod analysis;
pub mod config;
pub mod cron;
pub mod metrics;
pub mod schedule;
pub mod slack;
pub mod sources;

use std::future::Future;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_util::task::TaskTracker;

use crate::record::Timestamp;
use crate::report::{self, TextOptions};
use crate::timefilter::TimeWindow;

use analysis::{Job, JobError, JobInput, JobOutput, JobWindow};
pub use config::{ConfigError, ServerConfig};
use metrics::Metrics;
use schedule::{Clock, SystemClock};

/// Largest Slack command body: Slack's form posts are a few hundred bytes.
const MAX_SLACK_BODY: usize = 64 * 1024;

/// What every handler shares.
pub struct AppState {
    /// The configuration.
    pub config: ServerConfig,
    /// The server's counters.
    pub metrics: Metrics,
    admission: Admission,
    /// Background work (Slack follow-ups, scheduled runs) that shutdown waits for.
    tasks: TaskTracker,
    clock: Arc<dyn Clock>,
    /// When the state was made: schedules fire for times after it.
    started: Timestamp,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// State for `config`, with the system clock.
    pub fn new(config: ServerConfig) -> Arc<AppState> {
        AppState::with_clock(config, Arc::new(SystemClock))
    }

    /// State for `config` with a given clock (tests inject one).
    pub fn with_clock(config: ServerConfig, clock: Arc<dyn Clock>) -> Arc<AppState> {
        Arc::new(AppState {
            admission: Admission::new(config.max_concurrent, config.max_queue),
            config,
            metrics: Metrics::default(),
            tasks: TaskTracker::new(),
            started: clock.now(),
            clock,
        })
    }

    /// Waits for the background work started so far (Slack follow-ups, scheduled runs).
    pub async fn wait_background(&self) {
        self.tasks.close();
        self.tasks.wait().await;
        self.tasks.reopen();
    }
}

// ---------------------------------------------------------------------------------------------
// Limits

/// At most `slots` analyses at once and at most `max_queue` requests waiting for one; a
/// request beyond that is turned away at once, so a burst costs no memory beyond the queue.
struct Admission {
    slots: Arc<Semaphore>,
    waiting: AtomicUsize,
    max_queue: usize,
}

/// Every slot and the queue are full.
#[derive(Debug)]
struct Busy;

/// Decrements the waiting count when a waiting request gets its slot or is dropped (its
/// deadline passed or the client went away).
struct Waiting<'a>(&'a Admission, &'a Metrics);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.waiting.fetch_sub(1, Ordering::AcqRel);
        self.1.queued(-1);
    }
}

impl Admission {
    fn new(slots: usize, max_queue: usize) -> Admission {
        Admission {
            slots: Arc::new(Semaphore::new(slots)),
            waiting: AtomicUsize::new(0),
            max_queue,
        }
    }

    /// A slot, waiting in the queue if there is room; `Busy` if there is none.
    async fn enter(&self, metrics: &Metrics) -> Result<OwnedSemaphorePermit, Busy> {
        if let Ok(p) = Arc::clone(&self.slots).try_acquire_owned() {
            return Ok(p);
        }
        if self.waiting.fetch_add(1, Ordering::AcqRel) >= self.max_queue {
            self.waiting.fetch_sub(1, Ordering::AcqRel);
            metrics.rejected();
            return Err(Busy);
        }
        metrics.queued(1);
        let _w = Waiting(self, metrics);
        Arc::clone(&self.slots)
            .acquire_owned()
            .await
            .map_err(|_| Busy)
    }

    /// A slot, however long the wait (scheduled runs are few and must not be dropped).
    async fn enter_waiting(&self) -> Result<OwnedSemaphorePermit, Busy> {
        Arc::clone(&self.slots)
            .acquire_owned()
            .await
            .map_err(|_| Busy)
    }
}

// ---------------------------------------------------------------------------------------------
// Errors

/// An error answer: a status and a message, sent as `{"error": "..."}`.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut resp = (
            self.status,
            axum::Json(serde_json::json!({"error": self.message})),
        )
            .into_response();
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            resp.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        resp
    }
}

impl From<JobError> for ApiError {
    fn from(e: JobError) -> ApiError {
        let status = match &e {
            JobError::UnknownSource(_) => StatusCode::NOT_FOUND,
            JobError::Source(_) => StatusCode::SERVICE_UNAVAILABLE,
            JobError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            JobError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        ApiError::new(status, e.to_string())
    }
}

// ---------------------------------------------------------------------------------------------
// Running an analysis

/// How long a caller waits for a slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wait {
    /// Queue if there is room, else `503` at once; give up at the request deadline.
    Bounded,
    /// However long it takes (scheduled runs).
    Unbounded,
}

/// Runs `job` on a blocking thread once a slot is free. The slot moves into the blocking
/// task, so work whose caller gave up (a deadline) still counts against the limit until it
/// ends: abandoned work can never pile up beyond `max_concurrent`.
async fn run_job(state: &Arc<AppState>, job: Job, wait: Wait) -> Result<JobOutput, ApiError> {
    let work = async {
        let permit = match wait {
            Wait::Bounded => state.admission.enter(&state.metrics).await,
            Wait::Unbounded => state.admission.enter_waiting().await,
        }
        .map_err(|Busy| {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "every analysis slot is busy and the queue is full; try again in a few seconds",
            )
        })?;
        let st = Arc::clone(state);
        tokio::task::spawn_blocking(move || {
            st.metrics.in_flight(1);
            let out = analysis::run(&st.config, &job, &st.metrics);
            st.metrics.in_flight(-1);
            drop(permit);
            out
        })
        .await
        .map_err(|_| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "the analysis failed"))?
        .map_err(ApiError::from)
    };
    match wait {
        Wait::Unbounded => work.await,
        Wait::Bounded => tokio::time::timeout(state.config.request_timeout, work)
            .await
            .unwrap_or_else(|_| {
                Err(ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    format!(
                        "the analysis did not finish within the request deadline ({}); ask \
                         for a shorter window or raise server.request_timeout",
                        crate::score::human_ms(
                            i64::try_from(state.config.request_timeout.as_millis())
                                .unwrap_or(i64::MAX)
                        )
                    ),
                ))
            }),
    }
}

// ---------------------------------------------------------------------------------------------
// Routes

/// The routes, with the limits and the request metrics.
pub fn router(state: Arc<AppState>) -> Router {
    let max_body = state.config.max_body_bytes;
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics_text))
        .route(
            "/v1/summarize",
            post(summarize).layer(DefaultBodyLimit::max(max_body)),
        )
        .route(
            "/slack/command",
            post(slack::command).layer(DefaultBodyLimit::max(MAX_SLACK_BODY)),
        )
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(Arc::clone(&state), track))
        .with_state(state)
}

/// The route label for metrics: a fixed set, so unknown paths cannot create series.
fn route_label(path: &str) -> &'static str {
    match path {
        "/healthz" => "/healthz",
        "/metrics" => "/metrics",
        "/v1/summarize" => "/v1/summarize",
        "/slack/command" => "/slack/command",
        _ => "other",
    }
}

async fn track(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let route = route_label(req.uri().path());
    let started = Instant::now();
    let resp = next.run(req).await;
    state
        .metrics
        .request(route, resp.status().as_u16(), started.elapsed());
    resp
}

async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "no such route: use POST /v1/summarize, POST /slack/command, GET /healthz or GET /metrics",
    )
}

async fn healthz() -> &'static str {
    "ok\n"
}

async fn metrics_text(State(state): State<Arc<AppState>>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(),
    )
        .into_response()
}

/// The body of `POST /v1/summarize`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SummarizeRequest {
    /// A configured source.
    pub source: Option<String>,
    /// Raw logs, instead of a source.
    pub logs: Option<String>,
    /// The incident is the last DURATION of the data.
    pub last: Option<String>,
    /// Only events at or after this time (as `--since`).
    pub since: Option<String>,
    /// Only events before this time (as `--until`).
    pub until: Option<String>,
    /// `json` (default), `text` or `markdown`.
    pub format: Option<String>,
}

/// Response formats of `/v1/summarize`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ApiFormat {
    Json,
    Text,
    Markdown,
}

fn api_format(f: Option<&str>) -> Result<ApiFormat, ApiError> {
    match f.map(str::to_ascii_lowercase).as_deref() {
        None | Some("json") => Ok(ApiFormat::Json),
        Some("text") => Ok(ApiFormat::Text),
        Some("markdown") => Ok(ApiFormat::Markdown),
        Some(other) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("unknown format {other:?}: use json, text or markdown"),
        )),
    }
}

/// Checks `Authorization: Bearer <token>` when tokens are configured.
fn authorize(state: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    if state.config.tokens.is_empty() {
        return Ok(());
    }
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            // The scheme is case-insensitive (RFC 9110, section 11.1).
            let (scheme, token) = v.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then_some(token)
        })
        .map(str::trim);
    match presented {
        None => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "missing bearer token: send Authorization: Bearer <token>",
        )),
        Some(t) if state.config.tokens.accepts(t) => Ok(()),
        Some(_) => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "the bearer token is not valid",
        )),
    }
}

/// Reads a request's window: `last`, or `since`/`until`, or nothing.
fn job_window(
    last: Option<&str>,
    since: Option<&str>,
    until: Option<&str>,
) -> Result<JobWindow, ApiError> {
    let bad = |m: String| ApiError::new(StatusCode::BAD_REQUEST, m);
    match (last, since.is_some() || until.is_some()) {
        (Some(_), true) => Err(bad("give either last or since/until, not both".to_owned())),
        (Some(l), false) => crate::app::parse_duration(l)
            .map(JobWindow::Last)
            .map_err(|e| bad(format!("last: {e}"))),
        (None, true) => TimeWindow::parse(since, until)
            .map(JobWindow::Range)
            .map_err(|e| bad(e.to_string())),
        (None, false) => Ok(JobWindow::Auto),
    }
}

/// Reads a request body of at most `limit` bytes.
async fn read_body(body: axum::body::Body, limit: usize) -> Result<Bytes, ApiError> {
    axum::body::to_bytes(body, limit).await.map_err(|e| {
        let too_large = std::error::Error::source(&e)
            .is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
        if too_large {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "the request body is larger than server.max_body_bytes; send less, or configure \
                 a file source for large logs",
            )
        } else {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                format!("the request body could not be read: {e}"),
            )
        }
    })
}

fn body_error(e: BytesRejection) -> ApiError {
    let status = e.status();
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            status,
            "the request body is larger than server.max_body_bytes; send less, or configure a \
             file source for large logs",
        )
    } else {
        ApiError::new(status, e.body_text())
    }
}

async fn summarize(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<Response, ApiError> {
    // The token is checked before the body is read: an unauthenticated client cannot make
    // the server buffer anything.
    authorize(&state, &headers)?;
    let body = read_body(body, state.config.max_body_bytes).await?;
    let req: SummarizeRequest = serde_json::from_slice(&body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!(
                "the body is not a summarize request ({e}): send JSON like \
                 {{\"source\": \"checkout\", \"last\": \"30m\"}}"
            ),
        )
    })?;
    let format = api_format(req.format.as_deref())?;
    let input = match (req.source, req.logs) {
        (Some(s), None) => JobInput::Source(s),
        (None, Some(l)) => JobInput::Logs(l.into_bytes()),
        _ => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                format!(
                    "give either source (one of: {}) or logs",
                    state.config.source_names().join(", ")
                ),
            ));
        }
    };
    if let JobInput::Source(s) = &input
        && state.config.source(s).is_none()
    {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!(
                "unknown source {s:?}; configured sources: {}",
                state.config.source_names().join(", ")
            ),
        ));
    }
    let window = job_window(
        req.last.as_deref(),
        req.since.as_deref(),
        req.until.as_deref(),
    )?;
    let job = Job {
        input,
        window,
        now: state.clock.now(),
    };
    let out = run_job(&state, job, Wait::Bounded).await?;
    let mut buf = Vec::new();
    let content_type = match format {
        ApiFormat::Json => {
            report::render(
                &out.report,
                report::Format::Json,
                &TextOptions::default(),
                &mut buf,
            )
            .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
            "application/json"
        }
        ApiFormat::Text => {
            report::render(
                &out.report,
                report::Format::Text,
                &TextOptions::default(),
                &mut buf,
            )
            .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
            "text/plain; charset=utf-8"
        }
        ApiFormat::Markdown => {
            report::render(
                &out.report,
                report::Format::Markdown,
                &TextOptions::default(),
                &mut buf,
            )
            .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
            "text/markdown; charset=utf-8"
        }
    };
    Ok(([(header::CONTENT_TYPE, content_type)], buf).into_response())
}

// ---------------------------------------------------------------------------------------------
// Serving

/// Serves `state` on `listener` with the scheduler running, until `shutdown` completes; then
/// stops accepting, lets in-flight requests finish, and waits for background work (Slack
/// follow-ups, scheduled runs) before returning.
pub async fn serve(
    state: Arc<AppState>,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let scheduler = tokio::spawn(schedule::run(Arc::clone(&state), stop_rx));
    let app = router(Arc::clone(&state));
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await;
    let _ = stop_tx.send(true);
    let _ = scheduler.await;
    state.wait_background().await;
    served
}

/// Completes on SIGTERM or SIGINT.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    eprintln!("logsift serve: shutting down; finishing the requests in flight");
}

/// `logsift serve --config FILE`: loads the configuration, listens, serves until SIGTERM or
/// SIGINT. With `check`, only validates the configuration.
pub fn main(config_path: &Path, check: bool) -> Result<(), crate::error::Error> {
    let usage = |m: String| crate::error::Error::Usage(m);
    let config = ServerConfig::load(config_path).map_err(|e| usage(e.to_string()))?;
    if check {
        eprintln!(
            "{}: ok ({} source(s), {} schedule(s), listening on {})",
            config_path.display(),
            config.sources.len(),
            config.schedules.len(),
            config.listen
        );
        return Ok(());
    }
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .min(4);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .map_err(|e| usage(format!("cannot start the async runtime: {e}")))?;
    let served = rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|e| {
                usage(format!(
                    "cannot listen on {}: {e}; is another process using the port?",
                    config.listen
                ))
            })?;
        let addr = listener.local_addr().map_err(|e| usage(e.to_string()))?;
        eprintln!(
            "logsift serve: listening on http://{addr} ({} source(s), {} schedule(s), /v1 {}, /slack {})",
            config.sources.len(),
            config.schedules.len(),
            if config.tokens.is_empty() { "open (loopback only)" } else { "needs a bearer token" },
            if config.slack_secret.is_some() { "enabled" } else { "disabled (no signing secret)" },
        );
        let state = AppState::new(config);
        serve(state, listener, shutdown_signal())
            .await
            .map_err(|e| usage(format!("the server stopped: {e}")))
    });
    // What may still run now is analyses whose requests ended at their deadline: nobody
    // reads their results. Dropping the runtime would wait for them (for a command source,
    // up to its command_timeout), holding the exit past the stop timeout a supervisor
    // derives from request_timeout; they end with the process instead.
    rt.shutdown_background();
    served
}

/// Current time per the state's clock (for handlers in submodules).
fn now(state: &AppState) -> Timestamp {
    state.clock.now()
}
