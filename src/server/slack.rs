//! Slack slash commands: `/logsift <source> [window]`.
//!
//! Owns the verification of Slack's request signature ([`verify`]: HMAC-SHA256 of
//! `v0:<timestamp>:<body>` with the signing secret, compared in constant time, timestamps
//! more than five minutes from the server's clock refused so a captured request cannot be
//! replayed), the reading of the command text, the immediate ephemeral answer (Slack gives a
//! command three seconds), and the follow-up: the summary posted to the command's
//! `response_url` with the same Slack message as `--post`. It does not analyse anything.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use hmac::{Hmac, KeyInit, Mac};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::Sha256;

use super::analysis::{Job, JobInput, JobWindow};
use super::{ApiError, AppState, Wait, body_error, now, run_job};
use crate::deliver::{self, DeliverConfig, PostFormat, SlackOptions};
use crate::record::Timestamp;

/// Oldest request accepted, by its `X-Slack-Request-Timestamp`: Slack's own guidance is five
/// minutes ("Verifying requests from Slack").
pub const MAX_SKEW_SECS: i64 = 5 * 60;

/// Why a request's signature was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// No or unreadable signature headers.
    #[error("missing X-Slack-Signature or X-Slack-Request-Timestamp")]
    Missing,
    /// The timestamp is too far from now.
    #[error("the request timestamp is more than five minutes from the server's clock")]
    Stale,
    /// The signature does not match.
    #[error("the request signature does not match")]
    Mismatch,
}

/// Slack's signature of `body` sent at `timestamp`: `v0=` and the hex HMAC-SHA256 of
/// `v0:<timestamp>:<body>` (for tests and for clients that sign like Slack).
pub fn sign(secret: &[u8], timestamp: &str, body: &[u8]) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(b"v0:");
    mac.update(timestamp.as_bytes());
    mac.update(b":");
    mac.update(body);
    let bytes = mac.finalize().into_bytes();
    let mut s = String::with_capacity(3 + 64);
    s.push_str("v0=");
    for b in bytes {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Checks a request's signature headers against `secret` at time `now`.
pub fn verify(
    secret: &[u8],
    headers: &HeaderMap,
    body: &[u8],
    now: Timestamp,
) -> Result<(), SignatureError> {
    let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let (Some(ts), Some(sig)) = (get("x-slack-request-timestamp"), get("x-slack-signature")) else {
        return Err(SignatureError::Missing);
    };
    let secs: i64 = ts.trim().parse().map_err(|_| SignatureError::Missing)?;
    if (now.0 / 1000).abs_diff(secs) > MAX_SKEW_SECS.unsigned_abs() {
        return Err(SignatureError::Stale);
    }
    let given = sig
        .strip_prefix("v0=")
        .and_then(unhex)
        .ok_or(SignatureError::Mismatch)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).map_err(|_| SignatureError::Mismatch)?;
    mac.update(b"v0:");
    mac.update(ts.as_bytes());
    mac.update(b":");
    mac.update(body);
    // `verify_slice` compares in constant time.
    mac.verify_slice(&given)
        .map_err(|_| SignatureError::Mismatch)
}

/// The fields of a slash command this server reads (Slack sends more; they are ignored).
#[derive(Debug, Deserialize, Default)]
pub struct CommandForm {
    /// The command as typed, e.g. `/logsift`.
    #[serde(default)]
    pub command: String,
    /// What follows the command, for [`parse_text`].
    #[serde(default)]
    pub text: String,
    /// Where Slack takes the follow-up message, checked by [`response_url_allowed`].
    #[serde(default)]
    pub response_url: String,
}

impl CommandForm {
    /// Decodes a slash command's body (`application/x-www-form-urlencoded`). Any bytes give
    /// a form or an error; the error says what was wrong for the 400 answer.
    pub fn decode(body: &[u8]) -> Result<CommandForm, String> {
        serde_urlencoded::from_bytes(body).map_err(|e| format!("not a slash command form: {e}"))
    }
}

/// What the command text asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    /// `help`, nothing, or something that cannot be read: the help text, with a reason.
    Help(Option<String>),
    /// A source and a window.
    Summarize {
        /// The source.
        source: String,
        /// The incident window: the last this-many ms (`None`: found automatically).
        last_ms: Option<i64>,
    },
}

/// Reads `<source> [window]`.
pub fn parse_text(text: &str, sources: &[&str]) -> Parsed {
    let words: Vec<&str> = text.split_whitespace().collect();
    match words[..] {
        [] | ["help"] => Parsed::Help(None),
        [source, ..] if !sources.contains(&source) => Parsed::Help(Some(format!(
            "there is no source called \"{}\".",
            deliver::slack_escape(&crate::report::safe_text(source))
        ))),
        [source] => Parsed::Summarize {
            source: source.to_owned(),
            last_ms: None,
        },
        [source, window] => match crate::app::parse_duration(window) {
            Ok(ms) => Parsed::Summarize {
                source: source.to_owned(),
                last_ms: Some(ms),
            },
            Err(e) => Parsed::Help(Some(format!(
                "{}.",
                deliver::slack_escape(&crate::report::safe_text(&e))
            ))),
        },
        _ => Parsed::Help(Some("too many words.".to_owned())),
    }
}

fn help_text(command: &str, sources: &[&str], reason: Option<&str>) -> String {
    let cmd = if command.starts_with('/') {
        deliver::slack_escape(command).into_owned()
    } else {
        "/logsift".to_owned()
    };
    let mut t = String::new();
    if let Some(r) = reason {
        t.push_str(&format!("Sorry: {r}\n"));
    }
    t.push_str(&format!(
        "Usage: `{cmd} <source> [window]`, e.g. `{cmd} {} 30m`: what changed in the last 30 \
         minutes against what came before. Without a window the change is found \
         automatically. Windows: 30m, 2h, 1d.\nSources: {}",
        sources.first().copied().unwrap_or("checkout"),
        if sources.is_empty() {
            "none configured".to_owned()
        } else {
            sources
                .iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", ")
        }
    ));
    t
}

fn ephemeral(text: String) -> Response {
    axum::Json(json!({"response_type": "ephemeral", "text": text})).into_response()
}

/// Whether a `response_url` may be posted to: https (or any scheme for a configured
/// loopback host in tests) on one of the configured hosts.
pub fn response_url_allowed(url: &str, hosts: &[String]) -> bool {
    let rest = match url.strip_prefix("https://") {
        Some(r) => r,
        None => match url.strip_prefix("http://") {
            Some(r) => r,
            None => return false,
        },
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.contains('@') {
        return false;
    }
    // `[::1]:4000` keeps its brackets; `host:port` loses the port.
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6
            .split_once(']')
            .map_or("", |(h, _)| &authority[..h.len() + 2]),
        None => authority.split(':').next().unwrap_or(""),
    };
    let allowed = hosts.iter().any(|h| h.eq_ignore_ascii_case(host));
    let loopback = host == "127.0.0.1" || host == "localhost" || host == "[::1]";
    allowed && (url.starts_with("https://") || loopback)
}

/// `POST /slack/command`.
pub async fn command(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let Some(secret) = &state.config.slack_secret else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "Slack commands are not configured: set server.slack_signing_secret",
        ));
    };
    let body = body.map_err(body_error)?;
    verify(&secret.0, &headers, &body, now(&state))
        .map_err(|e| ApiError::new(StatusCode::UNAUTHORIZED, e.to_string()))?;
    let form = CommandForm::decode(&body).map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, e))?;
    let sources = state.config.source_names();
    let (source, last_ms) = match parse_text(&form.text, &sources) {
        Parsed::Help(reason) => {
            return Ok(ephemeral(help_text(
                &form.command,
                &sources,
                reason.as_deref(),
            )));
        }
        Parsed::Summarize { source, last_ms } => (source, last_ms),
    };
    if !response_url_allowed(&form.response_url, &state.config.slack_response_hosts) {
        return Ok(ephemeral(
            "Sorry: this command's response_url is not on an allowed host \
             (server.slack_response_hosts), so the summary cannot be posted."
                .to_owned(),
        ));
    }
    let over = match last_ms {
        Some(ms) => format!("the last {}", crate::score::human_ms(ms)),
        None => "the whole log, finding the change automatically".to_owned(),
    };
    let ack =
        format!("Working on it: summarising `{source}` over {over}. The summary will follow here.");
    let st = Arc::clone(&state);
    let response_url = form.response_url;
    state.tasks.spawn(async move {
        follow_up(&st, source, last_ms, response_url).await;
    });
    Ok(ephemeral(ack))
}

/// Runs the analysis and posts the summary (or why there is none) to `response_url`.
async fn follow_up(state: &Arc<AppState>, source: String, last_ms: Option<i64>, url: String) {
    let job = Job {
        input: JobInput::Source(source.clone()),
        window: last_ms.map_or(JobWindow::Auto, JobWindow::Last),
        now: now(state),
    };
    let cfg = match DeliverConfig::builder(url)
        .format(Some(PostFormat::Slack))
        .build()
    {
        Ok(c) => c,
        Err(_) => return,
    };
    let message: Value = match run_job(state, job, Wait::Bounded).await {
        Ok(out) => {
            let mut m = deliver::slack_message(
                &out.report,
                &SlackOptions {
                    title: Some(source),
                    ..SlackOptions::default()
                },
            );
            m["response_type"] = json!(state.config.slack_response_type.as_str());
            m
        }
        Err(e) => json!({
            "response_type": "ephemeral",
            "text": format!("Sorry, no summary: {}", deliver::slack_escape(e.message())),
        }),
    };
    let body = serde_json::to_vec(&message).unwrap_or_default();
    let sent = deliver::post_body(&cfg, body).await;
    state.metrics.delivery(sent.is_ok());
    if let Err(e) = sent {
        eprintln!("logsift serve: could not post a Slack command's summary: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_match_slacks_documented_example() {
        // The example of Slack's "Verifying requests from Slack" page.
        let secret = b"8f742231b10e8888abcd99yyyzzz85a5";
        let body = b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
        assert_eq!(
            sign(secret, "1531420618", body),
            "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
        );
        let mut h = HeaderMap::new();
        h.insert("x-slack-request-timestamp", "1531420618".parse().unwrap());
        h.insert(
            "x-slack-signature",
            "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
                .parse()
                .unwrap(),
        );
        let at = Timestamp(1_531_420_618_000 + 60_000);
        assert_eq!(verify(secret, &h, body, at), Ok(()));
        assert_eq!(
            verify(secret, &h, b"token=changed", at),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(secret, &h, body, Timestamp(1_531_420_618_000 + 301_000)),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            verify(b"other", &h, body, at),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(secret, &HeaderMap::new(), body, at),
            Err(SignatureError::Missing)
        );
    }

    #[test]
    fn command_text() {
        let s = ["checkout", "api"];
        assert_eq!(parse_text("", &s), Parsed::Help(None));
        assert_eq!(parse_text(" help ", &s), Parsed::Help(None));
        assert_eq!(
            parse_text("checkout 30m", &s),
            Parsed::Summarize {
                source: "checkout".into(),
                last_ms: Some(1_800_000)
            }
        );
        assert_eq!(
            parse_text("api", &s),
            Parsed::Summarize {
                source: "api".into(),
                last_ms: None
            }
        );
        assert!(matches!(parse_text("nope 30m", &s), Parsed::Help(Some(r)) if r.contains("nope")));
        assert!(
            matches!(parse_text("<!channel>", &s), Parsed::Help(Some(r)) if r.contains("&lt;!channel&gt;"))
        );
        assert!(matches!(parse_text("api soon", &s), Parsed::Help(Some(_))));
        assert!(matches!(
            parse_text("api 1h extra", &s),
            Parsed::Help(Some(_))
        ));
    }

    #[test]
    fn response_urls_are_checked() {
        let hosts = vec!["hooks.slack.com".to_owned(), "127.0.0.1".to_owned()];
        assert!(response_url_allowed(
            "https://hooks.slack.com/commands/T/1/x",
            &hosts
        ));
        assert!(response_url_allowed("http://127.0.0.1:4000/x", &hosts));
        assert!(!response_url_allowed(
            "http://hooks.slack.com/commands/x",
            &hosts
        ));
        assert!(!response_url_allowed("https://evil.example/x", &hosts));
        assert!(!response_url_allowed(
            "https://hooks.slack.com@evil.example/x",
            &hosts
        ));
        assert!(!response_url_allowed("file:///etc/passwd", &hosts));
        // IPv6 literals keep their brackets.
        let v6 = vec!["[::1]".to_owned()];
        assert!(response_url_allowed("http://[::1]:4000/x", &v6));
        assert!(!response_url_allowed("http://[::2]:4000/x", &v6));
        assert!(!response_url_allowed("http://[::1/x", &v6));
    }
}
