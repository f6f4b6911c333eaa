//! Delivery of reports to webhooks: a Slack incoming-webhook message, or the JSON report for
//! anything else (`--post URL`, the server's schedules and slash-command answers).
//!
//! Owns the Slack message layout ([`slack_message`]) with Slack's limits and escaping, the
//! choice of payload by URL ([`PostFormat::for_url`]), and the HTTP POST with retries
//! ([`post`], [`post_blocking`]): a per-attempt timeout, at most [`MAX_RETRIES`] retries on
//! 429, 408, 5xx, timeouts and connection errors, `Retry-After` honoured. It does not build
//! or write the report itself, and a failed delivery never fails the run that made the
//! report: the caller has already written it and only warns.
//!
//! Every string in a report that came from a log line is attacker-controlled. In Slack
//! messages such text is escaped the way Slack asks (`&`, `<`, `>` as HTML entities, so
//! `<!channel>` or `<https://evil|click>` in a log line stays text), every text object is
//! `verbatim` (no automatic linking of URLs, channel names or mentions), backticks are
//! replaced so that log text cannot leave its code span, and in prose the markers of bold,
//! italic and strike-through are replaced by look-alikes so that log text cannot format.

use std::borrow::Cow;
use std::fmt;
use std::time::{Duration, SystemTime};

use serde_json::{Value, json};

use crate::report::{Finding, Report};
use crate::score::{Kind, human_ms};

/// Default timeout of one POST: Slack answers webhooks in well under a second; ten seconds
/// covers a slow proxy without holding a cron job for long.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// Most retries after the first attempt (so at most four requests).
pub const MAX_RETRIES: u32 = 3;
/// Default first backoff step; each retry doubles it, with jitter.
pub const DEFAULT_RETRY_BASE: Duration = Duration::from_millis(500);
/// Longest backoff step without a `Retry-After`.
const MAX_BACKOFF: Duration = Duration::from_secs(8);
/// Longest `Retry-After` honoured. Slack's rate limit for incoming webhooks is about one
/// message per second per channel, so a longer wait means something else is wrong: give up
/// and say so rather than hold a cron job.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);
/// Slack's limit on blocks per message (Block Kit reference, "Blocks").
pub const SLACK_MAX_BLOCKS: usize = 50;
/// Slack's limit on a section's text, in characters (Block Kit reference, "Section block").
pub const SLACK_MAX_SECTION_CHARS: usize = 3000;
/// Slack's limit on a header block's text (Block Kit reference, "Header block").
pub const SLACK_MAX_HEADER_CHARS: usize = 150;
/// Slack's limit on a context block's elements (Block Kit reference, "Context block").
const SLACK_MAX_CONTEXT_ELEMENTS: usize = 10;
/// Findings shown in a Slack message by default: a chat message is read on a phone; the
/// full report has the rest.
pub const DEFAULT_SLACK_FINDINGS: usize = 10;
/// Blocks a message uses besides one per finding: header, headline, window, cause and
/// steps, divider, the link to the full report, context.
const SLACK_FIXED_BLOCKS: usize = 7;
/// Characters of the response body quoted in an error.
const ERROR_BODY_CHARS: usize = 200;

/// What a webhook receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostFormat {
    /// A Slack incoming-webhook message (blocks).
    Slack,
    /// The JSON report, exactly as `--format json` writes it.
    Json,
}

impl PostFormat {
    /// The given format, else Slack for Slack's webhook host (`hooks.slack.com`) and JSON for
    /// anything else.
    pub fn for_url(url: &str, given: Option<PostFormat>) -> PostFormat {
        if let Some(f) = given {
            return f;
        }
        match host_of(url) {
            Some(h) if h.eq_ignore_ascii_case("hooks.slack.com") => PostFormat::Slack,
            _ => PostFormat::Json,
        }
    }
}

impl std::str::FromStr for PostFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "slack" => Ok(PostFormat::Slack),
            "json" => Ok(PostFormat::Json),
            _ => Err(format!("unknown post format {s:?}: use slack or json")),
        }
    }
}

/// The host part of an http(s) URL, without user info or port.
fn host_of(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit('@').next()?;
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        v6.split(']').next()?
    } else {
        host_port.split(':').next()?
    };
    (!host.is_empty()).then_some(host)
}

/// A URL fit for messages: scheme and host only. Webhook URLs carry their secret in the path
/// (Slack's do), so the rest is never printed.
pub fn redact_url(url: &str) -> String {
    match host_of(url) {
        Some(h) => {
            let scheme = if url.starts_with("https://") {
                "https"
            } else {
                "http"
            };
            format!("{scheme}://{h}/…")
        }
        None => "<invalid URL>".to_owned(),
    }
}

/// Why a delivery configuration or a delivery failed; each message says what to check.
#[derive(Debug, thiserror::Error)]
pub enum DeliverError {
    /// The URL is not an http(s) URL.
    #[error(
        "the webhook URL is not usable: give an http(s) URL, e.g. https://hooks.slack.com/services/..."
    )]
    Url,
    /// The full report's URL cannot be linked safely.
    #[error(
        "the report URL is not usable: give an http(s) URL without spaces, '<', '>' or '|', \
         e.g. https://reports.example.com/checkout/2026-11-27.html"
    )]
    ReportUrl,
    /// More retries than allowed.
    #[error("at most {MAX_RETRIES} retries are allowed, got {0}")]
    Retries(u32),
    /// A timeout of zero or more than an hour.
    #[error("the webhook timeout must be between 1 ms and 1 h")]
    Timeout,
    /// The HTTP client could not be set up.
    #[error("could not set up the HTTP client: {0}")]
    Client(String),
    /// The receiver answered with an error status, after the retries.
    #[error(
        "{url} answered {status} after {attempts} attempt(s){body}; {hint}",
        body = if body.is_empty() { String::new() } else { format!(": {body}") },
        hint = status_hint(*status)
    )]
    Status {
        /// Scheme and host of the URL.
        url: String,
        /// The last status.
        status: u16,
        /// The start of the last response body.
        body: String,
        /// Requests sent.
        attempts: u32,
    },
    /// No answer: connection refused, DNS, TLS, or the timeout, after the retries.
    #[error(
        "could not reach {url} after {attempts} attempt(s): {why}; check the URL and the \
         network (a proxy needs HTTPS_PROXY)"
    )]
    Unreachable {
        /// Scheme and host of the URL.
        url: String,
        /// The last error.
        why: String,
        /// Requests sent.
        attempts: u32,
    },
    /// The receiver asked to wait longer than [`MAX_RETRY_AFTER`].
    #[error("{url} is rate limiting and asked to wait {secs} s; try again later")]
    RateLimited {
        /// Scheme and host of the URL.
        url: String,
        /// The wait asked for.
        secs: u64,
    },
}

fn status_hint(status: u16) -> &'static str {
    match status {
        400 => "the receiver rejected the payload (for Slack, check --post-format)",
        401 | 403 => "check that the webhook URL is current (Slack disables revoked webhooks)",
        404 | 410 => "the webhook does not exist (any more): create a new one",
        429 => "the receiver is rate limiting; try again later",
        _ => "the receiver failed; try again later",
    }
}

/// Where and how to deliver. Build with [`DeliverConfig::builder`].
#[derive(Clone)]
pub struct DeliverConfig {
    url: String,
    format: PostFormat,
    timeout: Duration,
    max_retries: u32,
    retry_base: Duration,
    title: Option<String>,
    max_findings: usize,
    report_url: Option<String>,
}

impl fmt::Debug for DeliverConfig {
    /// Never prints the URL's path, which holds the webhook's secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeliverConfig")
            .field("url", &redact_url(&self.url))
            .field("format", &self.format)
            .field("timeout", &self.timeout)
            .field("max_retries", &self.max_retries)
            .field("retry_base", &self.retry_base)
            .field("title", &self.title)
            .finish()
    }
}

impl DeliverConfig {
    /// A builder for posting to `url`: format by URL, [`DEFAULT_TIMEOUT`], [`MAX_RETRIES`]
    /// retries from [`DEFAULT_RETRY_BASE`].
    pub fn builder(url: impl Into<String>) -> DeliverConfigBuilder {
        DeliverConfigBuilder {
            url: url.into(),
            format: None,
            timeout: DEFAULT_TIMEOUT,
            max_retries: MAX_RETRIES,
            retry_base: DEFAULT_RETRY_BASE,
            title: None,
            max_findings: DEFAULT_SLACK_FINDINGS,
            report_url: None,
        }
    }

    /// The payload format.
    pub fn format(&self) -> PostFormat {
        self.format
    }

    /// Scheme and host of the URL, for messages.
    pub fn display_url(&self) -> String {
        redact_url(&self.url)
    }

    /// The body to send for `report`.
    pub fn payload(&self, report: &Report) -> Vec<u8> {
        match self.format {
            PostFormat::Slack => {
                let opts = SlackOptions {
                    title: self.title.clone(),
                    max_findings: self.max_findings,
                    report_url: self.report_url.clone(),
                };
                serde_json::to_vec(&slack_message(report, &opts)).unwrap_or_default()
            }
            PostFormat::Json => {
                let mut out = Vec::new();
                // Writing to a Vec cannot fail.
                let _ = crate::report::render_json(report, &mut out);
                out
            }
        }
    }
}

/// Builder for [`DeliverConfig`].
#[derive(Debug, Clone)]
pub struct DeliverConfigBuilder {
    url: String,
    format: Option<PostFormat>,
    timeout: Duration,
    max_retries: u32,
    retry_base: Duration,
    title: Option<String>,
    max_findings: usize,
    report_url: Option<String>,
}

impl DeliverConfigBuilder {
    /// Forces the payload format (default: by URL, see [`PostFormat::for_url`]).
    pub fn format(mut self, f: Option<PostFormat>) -> Self {
        self.format = f;
        self
    }
    /// Timeout of one attempt.
    pub fn timeout(mut self, t: Duration) -> Self {
        self.timeout = t;
        self
    }
    /// Retries after the first attempt, at most [`MAX_RETRIES`].
    pub fn max_retries(mut self, n: u32) -> Self {
        self.max_retries = n;
        self
    }
    /// First backoff step (tests use a small one).
    pub fn retry_base(mut self, t: Duration) -> Self {
        self.retry_base = t;
        self
    }
    /// What the report is about (a source name, a file), shown in the Slack header.
    pub fn title(mut self, t: impl Into<String>) -> Self {
        self.title = Some(t.into());
        self
    }
    /// Findings shown in a Slack message.
    pub fn max_findings(mut self, n: usize) -> Self {
        self.max_findings = n;
        self
    }
    /// Where the full report can be read (the place the `-o` file is published); a Slack
    /// message links to it.
    pub fn report_url(mut self, url: Option<String>) -> Self {
        self.report_url = url;
        self
    }
    /// Validates the settings.
    pub fn build(self) -> Result<DeliverConfig, DeliverError> {
        if host_of(self.url.trim()).is_none() {
            return Err(DeliverError::Url);
        }
        if self.max_retries > MAX_RETRIES {
            return Err(DeliverError::Retries(self.max_retries));
        }
        if self.timeout.is_zero() || self.timeout > Duration::from_secs(3600) {
            return Err(DeliverError::Timeout);
        }
        let report_url = match self.report_url {
            Some(u) if !linkable(u.trim()) => return Err(DeliverError::ReportUrl),
            other => other.map(|u| u.trim().to_owned()),
        };
        let url = self.url.trim().to_owned();
        Ok(DeliverConfig {
            report_url,
            format: PostFormat::for_url(&url, self.format),
            url,
            timeout: self.timeout,
            max_retries: self.max_retries,
            retry_base: self.retry_base,
            title: self.title,
            max_findings: self.max_findings,
        })
    }
}

/// A delivery that worked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    /// The final (2xx) status.
    pub status: u16,
    /// Requests sent, retries included.
    pub attempts: u32,
}

/// Posts `report` as `cfg` says, retrying as the module docs describe.
pub async fn post(cfg: &DeliverConfig, report: &Report) -> Result<Delivered, DeliverError> {
    post_body(cfg, cfg.payload(report)).await
}

/// Posts a prepared JSON body (a Slack message or a report) with the retries of [`post`].
pub async fn post_body(cfg: &DeliverConfig, body: Vec<u8>) -> Result<Delivered, DeliverError> {
    let client = reqwest::Client::builder()
        .timeout(cfg.timeout)
        .user_agent(concat!("logsift/", env!("CARGO_PKG_VERSION")))
        // A webhook that redirects is misconfigured; following it could post the report
        // somewhere nobody chose.
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| DeliverError::Client(e.to_string()))?;
    let url = cfg.display_url();
    let mut attempts = 0u32;
    loop {
        attempts += 1;
        let sent = client
            .post(&cfg.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.clone())
            .send()
            .await;
        let retries_left = attempts <= cfg.max_retries;
        let wait = match sent {
            Ok(resp) => {
                let status = resp.status().as_u16();
                if resp.status().is_success() {
                    return Ok(Delivered { status, attempts });
                }
                let retry_after = resp
                    .headers()
                    .get(reqwest::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| parse_retry_after(v, SystemTime::now()));
                let text = resp.text().await.unwrap_or_default();
                if !retryable_status(status) || !retries_left {
                    return Err(DeliverError::Status {
                        url,
                        status,
                        body: excerpt(&text),
                        attempts,
                    });
                }
                match retry_after {
                    Some(w) if w > MAX_RETRY_AFTER => {
                        return Err(DeliverError::RateLimited {
                            url,
                            secs: w.as_secs(),
                        });
                    }
                    Some(w) => w,
                    None => backoff(cfg.retry_base, attempts - 1, jitter_unit()),
                }
            }
            Err(e) => {
                // Connection errors and timeouts; a request that could not even be built
                // (a bad header) would fail the same way again.
                if e.is_builder() || !retries_left {
                    return Err(DeliverError::Unreachable {
                        url,
                        // reqwest names the whole URL, whose path is the webhook's secret.
                        why: error_chain(&e.without_url()),
                        attempts,
                    });
                }
                backoff(cfg.retry_base, attempts - 1, jitter_unit())
            }
        };
        tokio::time::sleep(wait).await;
    }
}

/// [`post`] for synchronous callers: runs on a current-thread runtime of its own, on a
/// short-lived thread, so it works from plain code and from inside an async task.
pub fn post_blocking(cfg: &DeliverConfig, report: &Report) -> Result<Delivered, DeliverError> {
    let body = cfg.payload(report);
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| DeliverError::Client(format!("async runtime: {e}")))?
                    .block_on(post_body(cfg, body))
            })
            .join()
            .unwrap_or_else(|_| Err(DeliverError::Client("the delivery thread failed".into())))
    })
}

/// An error and its causes on one line (reqwest's own message omits the cause).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(c) = src {
        let m = c.to_string();
        if !s.contains(&m) {
            s.push_str(": ");
            s.push_str(&m);
        }
        src = c.source();
    }
    if s.len() > 300 {
        s = truncate_chars(&s, 300).into_owned();
    }
    s
}

fn excerpt(body: &str) -> String {
    let one: String = body
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    truncate_chars(&one, ERROR_BODY_CHARS).into_owned()
}

fn truncate_chars(s: &str, max: usize) -> Cow<'_, str> {
    match s.char_indices().nth(max) {
        Some((i, _)) => Cow::Owned(format!("{}…", &s[..i])),
        None => Cow::Borrowed(s),
    }
}

/// Whether a status is worth another attempt: rate limits, timeouts and server errors.
pub fn retryable_status(status: u16) -> bool {
    status == 429 || status == 408 || (500..=599).contains(&status)
}

/// The wait a `Retry-After` value asks for: seconds, or an HTTP date (RFC 9110, 10.2.3).
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let v = value.trim();
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        return Some(Duration::from_secs(v.parse::<u64>().unwrap_or(u64::MAX)));
    }
    let at = httpdate::parse_http_date(v).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// The wait before retry `retry` (0 first): `base * 2^retry` capped at [`MAX_BACKOFF`], of
/// which a random half is taken off, so clients that failed together do not retry together.
fn backoff(base: Duration, retry: u32, unit: f64) -> Duration {
    let step = base
        .saturating_mul(2u32.saturating_pow(retry.min(16)))
        .min(MAX_BACKOFF);
    let half = step / 2;
    half + half.mul_f64(unit.clamp(0.0, 1.0))
}

/// A number in `[0, 1)` that varies between calls and processes; enough for jitter.
fn jitter_unit() -> f64 {
    use std::hash::{BuildHasher, RandomState};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    (RandomState::new().hash_one(n) >> 11) as f64 / (1u64 << 53) as f64
}

// ---------------------------------------------------------------------------------------------
// Slack

/// How a Slack message is laid out.
#[derive(Debug, Clone)]
pub struct SlackOptions {
    /// What the report is about (a source name or a file), shown in the header.
    pub title: Option<String>,
    /// Findings shown (the block limit may show fewer).
    pub max_findings: usize,
    /// Where the full report can be read; linked when given (and [`linkable`]).
    pub report_url: Option<String>,
}

/// Whether `url` can stand in a Slack link (`<url|text>`) as it is: http(s), and none of the
/// characters that would end the link or start another.
pub fn linkable(url: &str) -> bool {
    (url.starts_with("https://") || url.starts_with("http://"))
        && host_of(url).is_some()
        && !url
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '|'))
}

impl Default for SlackOptions {
    fn default() -> Self {
        SlackOptions {
            title: None,
            max_findings: DEFAULT_SLACK_FINDINGS,
            report_url: None,
        }
    }
}

/// Escapes text for Slack's `mrkdwn` and top-level `text`: `&`, `<` and `>` become HTML
/// entities, as Slack's formatting guide asks, so log text cannot form a link, a mention
/// (`<!channel>`, `<@U123>`) or a channel reference.
pub fn slack_escape(s: &str) -> Cow<'_, str> {
    if !s.contains(['&', '<', '>']) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Log text for inside a code span: escaped, control characters made visible, and
/// backticks (which would end the span) replaced by a look-alike, U+02CB.
fn slack_code(s: &str) -> String {
    let safe = crate::report::safe_text(s);
    slack_escape(&safe).replace('`', "\u{2cb}")
}

/// Log text for running prose: escaped, control characters visible, backticks replaced as
/// in code, so quoted log text cannot open a code span that swallows what follows, and the
/// markers of Slack's inline formatting (`*bold*`, `_italic_`, `~strike~`) replaced by
/// look-alikes: mrkdwn has no escape for them, and `verbatim` only turns off linking.
fn slack_text(s: &str) -> String {
    slack_code(s)
        .chars()
        .map(|c| match c {
            // ASTERISK OPERATOR, MODIFIER LETTER LOW MACRON, TILDE OPERATOR.
            '*' => '\u{2217}',
            '_' => '\u{2cd}',
            '~' => '\u{223c}',
            c => c,
        })
        .collect()
}

/// Cuts escaped text to at most `max` characters, never inside an entity (`&amp;`), ending
/// in `…` when cut.
fn fit(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out = String::new();
    let mut n = 0;
    let budget = max.saturating_sub(1);
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        // Keep an entity whole or not at all.
        let piece = if c == '&' {
            match rest.find(';') {
                Some(i) if i <= 5 => &rest[..=i],
                _ => &rest[..1],
            }
        } else {
            &rest[..c.len_utf8()]
        };
        let len = piece.chars().count();
        if n + len > budget {
            break;
        }
        out.push_str(piece);
        n += len;
        rest = &rest[piece.len()..];
    }
    out.push('…');
    out
}

fn mrkdwn(text: String) -> Value {
    json!({"type": "mrkdwn", "text": fit(&text, SLACK_MAX_SECTION_CHARS), "verbatim": true})
}

fn section(text: String) -> Value {
    json!({"type": "section", "text": mrkdwn(text)})
}

fn kind_name(k: Kind) -> &'static str {
    match k {
        Kind::New => "new",
        Kind::Spike => "spike",
        Kind::Drop => "drop",
        Kind::Trend => "trend",
        Kind::ParamShift => "value shift",
    }
}

/// The headline: the summary's, or the count of findings when there is no summary.
fn headline(r: &Report) -> String {
    match &r.summary {
        Some(s) if !s.headline.trim().is_empty() => s.headline.clone(),
        _ if r.flagged.is_empty() => "No significant change found.".to_owned(),
        _ => format!("{} change(s) flagged.", r.flagged.len()),
    }
}

fn finding_text(i: usize, f: &Finding) -> String {
    let fl = &f.flag;
    let mut s = format!(
        "*{}. {}* · {} → {} events",
        i + 1,
        kind_name(fl.kind),
        fl.baseline_count,
        fl.incident_count
    );
    match fl.kind {
        Kind::New => {
            if let Some(at) = &f.first_seen_at {
                s.push_str(&format!(" · first seen {}", slack_text(at)));
            }
        }
        Kind::Spike | Kind::Drop | Kind::Trend => {
            s.push_str(&format!(
                " · {:.1}/min → {:.1}/min",
                fl.baseline_rate, fl.incident_rate
            ));
        }
        Kind::ParamShift => {}
    }
    if let Some(l) = fl.level {
        s.push_str(&format!(" · {l}"));
    }
    s.push_str(&format!(" · cluster {}", fl.cluster_id));
    // The template gets what is left of the section's budget, in a code block.
    let template = slack_code(&fl.template);
    let mut tail = String::new();
    if fl.kind == Kind::ParamShift {
        let top = |v: &[crate::score::ValueShare]| {
            v.first()
                .map(|x| format!("`{}` {:.0}%", slack_code(&x.value), x.share * 100.0))
                .unwrap_or_else(|| "-".to_owned())
        };
        tail = format!(
            "\nslot {}: {} → {}",
            fl.slot.map(|s| s.to_string()).unwrap_or_default(),
            top(&fl.values_before),
            top(&fl.values_after)
        );
    }
    let room = SLACK_MAX_SECTION_CHARS
        .saturating_sub(s.chars().count() + tail.chars().count() + 16)
        .max(16);
    s.push_str(&format!("\n```{}```", fit(&template, room)));
    s.push_str(&tail);
    s
}

/// How the summary was made, for the context line.
fn made_by(r: &Report) -> String {
    match &r.summary {
        None => "No summary: findings only".to_owned(),
        Some(s) => {
            let mut t = match (&s.producer, &s.model) {
                (crate::llm::Producer::Openai, Some(m)) => {
                    format!("Summary by {}, checked against the evidence", slack_text(m))
                }
                _ => "Summary by logsift's offline summarizer".to_owned(),
            };
            if let Some(f) = &s.fallback {
                t.push_str(&format!(" ({})", slack_text(f)));
            }
            t
        }
    }
}

/// The Slack message for a report: a header, the headline, the window, the likely cause and
/// next steps, the top findings (kind, counts, template in code formatting), and a context
/// line with how the summary was made. Within Slack's limits: at most [`SLACK_MAX_BLOCKS`]
/// blocks and [`SLACK_MAX_SECTION_CHARS`] characters per section.
pub fn slack_message(r: &Report, opts: &SlackOptions) -> Value {
    let mut blocks: Vec<Value> = Vec::new();
    let title = match &opts.title {
        Some(t) => format!("logsift · {}", crate::report::safe_text(t)),
        None => "logsift report".to_owned(),
    };
    // Header text is plain_text: Slack shows it literally, no escaping needed.
    blocks.push(json!({
        "type": "header",
        "text": {"type": "plain_text", "text": truncate_chars(&title, SLACK_MAX_HEADER_CHARS - 1), "emoji": false}
    }));
    let head = headline(r);
    blocks.push(section(format!("*{}*", slack_text(&head))));
    let w = &r.window;
    blocks.push(section(format!(
        "*Window* incident {} .. {} ({}, {} events) against baseline {} .. {} ({}, {} events)\n_{}_",
        slack_text(&w.incident.start),
        slack_text(&w.incident.end),
        human_ms(w.incident.duration_ms),
        w.incident.events,
        slack_text(&w.baseline.start),
        slack_text(&w.baseline.end),
        human_ms(w.baseline.duration_ms),
        w.baseline.events,
        slack_text(&w.reason)
    )));
    if let Some(s) = &r.summary
        && (!s.likely_cause.trim().is_empty() || !s.next_steps.is_empty())
    {
        let mut t = String::new();
        if !s.likely_cause.trim().is_empty() {
            t.push_str(&format!("*Likely cause* {}", slack_text(&s.likely_cause)));
        }
        if !s.next_steps.is_empty() {
            if !t.is_empty() {
                t.push('\n');
            }
            t.push_str("*Next steps*");
            for step in &s.next_steps {
                t.push_str(&format!("\n• {}", slack_text(step)));
            }
        }
        blocks.push(section(t));
    }
    blocks.push(json!({"type": "divider"}));
    let room = SLACK_MAX_BLOCKS - SLACK_FIXED_BLOCKS;
    let shown = r.flagged.len().min(opts.max_findings).min(room);
    for (i, f) in r.flagged.iter().take(shown).enumerate() {
        blocks.push(section(finding_text(i, f)));
    }
    if let Some(u) = opts.report_url.as_deref().filter(|u| linkable(u)) {
        blocks.push(section(format!("<{u}|Full report>")));
    }
    let mut context = vec![made_by(r)];
    if r.flagged.len() > shown {
        context.push(format!(
            "{} more finding(s) in the full report",
            r.flagged.len() - shown
        ));
    }
    context.push(format!(
        "{} lines, {} templates",
        r.totals.lines, r.totals.templates
    ));
    if !r.notes.is_empty() {
        context.push(format!("{} note(s) in the full report", r.notes.len()));
    }
    context.push(format!("logsift {}", r.logsift.version));
    context.truncate(SLACK_MAX_CONTEXT_ELEMENTS);
    blocks.push(json!({
        "type": "context",
        "elements": context.into_iter().map(mrkdwn).collect::<Vec<_>>()
    }));
    json!({
        // The notification and fallback text; `mrkdwn` is read here too, so it is escaped.
        "text": fit(&format!("logsift: {}", slack_text(&head)), SLACK_MAX_SECTION_CHARS),
        "blocks": blocks,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slack_urls_get_slack_messages() {
        assert_eq!(
            PostFormat::for_url("https://hooks.slack.com/services/T/B/x", None),
            PostFormat::Slack
        );
        assert_eq!(
            PostFormat::for_url("https://HOOKS.SLACK.COM:443/services/x", None),
            PostFormat::Slack
        );
        assert_eq!(
            PostFormat::for_url("https://hooks.slack.com.evil.example/x", None),
            PostFormat::Json
        );
        assert_eq!(
            PostFormat::for_url("https://user@hooks.slack.com/x", None),
            PostFormat::Slack
        );
        assert_eq!(
            PostFormat::for_url("http://127.0.0.1:9/x", Some(PostFormat::Slack)),
            PostFormat::Slack
        );
        assert_eq!(
            PostFormat::for_url("http://[::1]:9/x", None),
            PostFormat::Json
        );
    }

    #[test]
    fn urls_are_printed_without_their_secret_path() {
        assert_eq!(
            redact_url("https://hooks.slack.com/services/T000/B000/XXXX"),
            "https://hooks.slack.com/…"
        );
        assert_eq!(redact_url("ftp://x"), "<invalid URL>");
    }

    #[test]
    fn builder_validates() {
        assert!(matches!(
            DeliverConfig::builder("hooks.slack.com/x").build(),
            Err(DeliverError::Url)
        ));
        assert!(matches!(
            DeliverConfig::builder("https://x.example/")
                .max_retries(4)
                .build(),
            Err(DeliverError::Retries(4))
        ));
        assert!(matches!(
            DeliverConfig::builder("https://x.example/")
                .timeout(Duration::ZERO)
                .build(),
            Err(DeliverError::Timeout)
        ));
        let dbg = format!(
            "{:?}",
            DeliverConfig::builder("https://hooks.slack.com/services/SECRET").build()
        );
        assert!(!dbg.contains("SECRET"), "{dbg}");
    }

    #[test]
    fn slack_escaping_neutralises_mentions_and_links() {
        assert_eq!(slack_escape("plain"), "plain");
        assert_eq!(
            slack_escape("<!channel> & <https://evil|click>"),
            "&lt;!channel&gt; &amp; &lt;https://evil|click&gt;"
        );
        assert_eq!(slack_code("a`b"), "a\u{2cb}b");
        assert_eq!(slack_text("x\x1b[2Jy"), "x\\x1b[2Jy");
        assert_eq!(
            slack_text("*bold* _it_ ~gone~"),
            "\u{2217}bold\u{2217} \u{2cd}it\u{2cd} \u{223c}gone\u{223c}"
        );
        // Inside code spans the markers are literal already and stay as they are.
        assert_eq!(slack_code("*a*_b_"), "*a*_b_");
    }

    #[test]
    fn fitting_never_cuts_an_entity() {
        let t = slack_escape("&&&&&").into_owned();
        let f = fit(&t, 8);
        assert_eq!(f, "&amp;…");
        assert!(f.chars().count() <= 8);
        assert_eq!(fit("short", 10), "short");
        let long = "x".repeat(5000);
        assert_eq!(fit(&long, SLACK_MAX_SECTION_CHARS).chars().count(), 3000);
    }

    #[test]
    fn retry_after_and_backoff() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_480);
        assert_eq!(parse_retry_after("3", now), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(parse_retry_after("later", now), None);
        let b = Duration::from_millis(500);
        assert_eq!(backoff(b, 0, 0.0), Duration::from_millis(250));
        assert_eq!(backoff(b, 1, 1.0), Duration::from_millis(1000));
        assert_eq!(backoff(b, 20, 1.0), MAX_BACKOFF);
        assert!(retryable_status(429) && retryable_status(503) && !retryable_status(404));
    }
}
