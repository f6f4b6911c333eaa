//! The server's configuration file (`logsift serve --config logsift.toml`): its TOML layout,
//! the secrets read from the environment, and validation.
//!
//! Owns [`ServerConfig`] and everything that can be wrong with one: unknown keys are
//! rejected (a typo must not silently disable authentication), durations and sizes are read
//! and checked, sources and schedules are cross-checked, and a non-loopback listen address
//! without bearer tokens is refused. It does not open sockets or files other than the config
//! itself. docs/server.md describes every key.

use std::collections::HashSet;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::cron::Cron;
use crate::deliver::PostFormat;
use crate::llm::{LlmConfig, LlmMode};

/// Default request body limit: 10 MiB of raw logs is about 100k lines, plenty for a caller
/// that brings its own excerpt; larger inputs belong in a file source.
pub const DEFAULT_MAX_BODY_BYTES: usize = 10 * 1024 * 1024;
/// Default deadline of one request: an analysis of a few million lines plus a model call.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(120);
/// Default requests waiting for a slot: a burst of chat commands or a dashboard refresh, not
/// an unbounded backlog (each waiting request holds only its small body).
pub const DEFAULT_MAX_QUEUE: usize = 64;
/// Default timeout of a command source (`kubectl logs` and the like).
pub const DEFAULT_COMMAND_TIMEOUT: Duration = Duration::from_secs(60);
/// Default cap on a command source's output: 1 GiB spilled to a temporary file.
pub const DEFAULT_MAX_COMMAND_BYTES: u64 = 1024 * 1024 * 1024;
/// Default rotated files read besides each matched file, newest first.
pub const DEFAULT_MAX_ROTATED: usize = 3;
/// Hosts a Slack `response_url` may point at by default.
pub const SLACK_RESPONSE_HOSTS: [&str; 1] = ["hooks.slack.com"];

/// The `[server]` table as written.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawServer {
    listen: Option<String>,
    #[serde(default)]
    tokens: Vec<String>,
    tokens_env: Option<String>,
    slack_signing_secret: Option<String>,
    slack_signing_secret_env: Option<String>,
    slack_response_hosts: Option<Vec<String>>,
    slack_response_type: Option<String>,
    max_body_bytes: Option<usize>,
    request_timeout: Option<String>,
    max_concurrent: Option<usize>,
    max_queue: Option<usize>,
}

/// The `[llm]` table as written.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawLlm {
    mode: Option<String>,
    model: Option<String>,
    base_url: Option<String>,
    timeout: Option<String>,
    max_prompt_tokens: Option<usize>,
    redact_hosts: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    name: String,
    files: Option<Vec<String>>,
    max_rotated: Option<usize>,
    command: Option<Vec<String>>,
    command_timeout: Option<String>,
    max_command_bytes: Option<u64>,
    log_format: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSchedule {
    name: Option<String>,
    cron: String,
    source: String,
    window: String,
    post: Option<String>,
    post_env: Option<String>,
    post_format: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    server: RawServer,
    #[serde(default)]
    llm: RawLlm,
    #[serde(default)]
    source: Vec<RawSource>,
    #[serde(default)]
    schedule: Vec<RawSchedule>,
}

/// Why a configuration cannot be used; the message names the key and what to write.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read the config {path}: {why}")]
    Read {
        /// The path given.
        path: PathBuf,
        /// The I/O error.
        why: String,
    },
    /// Not TOML, or a key that does not exist, or a value of the wrong type.
    #[error("{0}")]
    Toml(String),
    /// A value that cannot be used.
    #[error("{key}: {why}")]
    Invalid {
        /// The key, with its table (`source "checkout".files`).
        key: String,
        /// What is wrong and what to write instead.
        why: String,
    },
}

fn invalid(key: impl Into<String>, why: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        key: key.into(),
        why: why.into(),
    }
}

/// Where a source's logs come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceKind {
    /// Files matching globs, with their rotated siblings.
    Files {
        /// The globs as written.
        globs: Vec<String>,
        /// Rotated files read besides each match, newest first.
        max_rotated: usize,
    },
    /// A command's standard output (run without a shell).
    Command {
        /// Program and arguments.
        argv: Vec<String>,
        /// Killed after this long.
        timeout: Duration,
        /// Output beyond this many bytes is not read.
        max_bytes: u64,
    },
}

/// One `[[source]]`.
#[derive(Debug, Clone)]
pub struct Source {
    /// The name requests use.
    pub name: String,
    /// Where the logs come from.
    pub kind: SourceKind,
    /// A header format in the Loghub notation (as `--log-format`).
    pub log_format: Option<String>,
}

/// One `[[schedule]]`.
#[derive(Clone)]
pub struct Schedule {
    /// A name for metrics and messages (default `<source> <cron>`).
    pub name: String,
    /// When it runs (UTC).
    pub cron: Cron,
    /// Which source it reviews.
    pub source: String,
    /// How far back from the firing time it looks, ms.
    pub window_ms: i64,
    /// Where the report goes.
    pub post: String,
    /// The payload format (default by URL).
    pub post_format: Option<PostFormat>,
}

impl fmt::Debug for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Schedule")
            .field("name", &self.name)
            .field("cron", &self.cron)
            .field("source", &self.source)
            .field("window_ms", &self.window_ms)
            .field("post", &crate::deliver::redact_url(&self.post))
            .finish()
    }
}

/// Who may call `/v1`: SHA-256 digests of the bearer tokens, so the tokens themselves are
/// not kept and every comparison has the same length.
#[derive(Clone, Default)]
pub struct Tokens(Vec<[u8; 32]>);

impl fmt::Debug for Tokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tokens({} configured)", self.0.len())
    }
}

impl Tokens {
    /// Whether any token is configured.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `presented` is one of the tokens, in time independent of where (or whether)
    /// it matches: every configured digest is compared, each in constant time.
    pub fn accepts(&self, presented: &str) -> bool {
        use subtle::ConstantTimeEq;
        let d: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        let mut ok = subtle::Choice::from(0);
        for t in &self.0 {
            ok |= t.ct_eq(&d);
        }
        ok.into()
    }
}

/// The Slack signing secret (never printed).
#[derive(Clone)]
pub struct Secret(pub(crate) Vec<u8>);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<set>)")
    }
}

/// Whether a slash command's follow-up goes to the whole channel or only to its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlackResponseType {
    /// Everyone in the channel sees the summary.
    InChannel,
    /// Only the caller sees it.
    Ephemeral,
}

impl SlackResponseType {
    /// The value of Slack's `response_type` field.
    pub fn as_str(self) -> &'static str {
        match self {
            SlackResponseType::InChannel => "in_channel",
            SlackResponseType::Ephemeral => "ephemeral",
        }
    }
}

/// A validated server configuration.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Bearer tokens for `/v1` (empty: `/v1` is open, allowed on loopback only).
    pub tokens: Tokens,
    /// Slack signing secret (`None`: `/slack` answers 404).
    pub slack_secret: Option<Secret>,
    /// Hosts a `response_url` may point at.
    pub slack_response_hosts: Vec<String>,
    /// Who sees a slash command's summary.
    pub slack_response_type: SlackResponseType,
    /// Largest request body accepted.
    pub max_body_bytes: usize,
    /// Deadline of one request, waiting included.
    pub request_timeout: Duration,
    /// Analyses run at once.
    pub max_concurrent: usize,
    /// Requests that may wait for a slot; more are turned away with 503.
    pub max_queue: usize,
    /// The summary stage's settings.
    pub llm: LlmConfig,
    /// The sources, in file order.
    pub sources: Vec<Source>,
    /// The schedules, in file order.
    pub schedules: Vec<Schedule>,
}

impl ServerConfig {
    /// Reads and validates the file at `path`, taking `*_env` secrets from the process
    /// environment.
    pub fn load(path: &Path) -> Result<ServerConfig, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
            path: path.to_owned(),
            why: e.to_string(),
        })?;
        ServerConfig::from_toml(&text, &|k| std::env::var(k).ok()).map_err(|e| match e {
            ConfigError::Toml(m) => ConfigError::Toml(format!("{}: {m}", path.display())),
            other => other,
        })
    }

    /// Parses and validates TOML text; `env` looks up the variables the `*_env` keys name
    /// (and the OpenAI-compatible ones for the `[llm]` defaults).
    pub fn from_toml(
        text: &str,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<ServerConfig, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| ConfigError::Toml(e.to_string()))?;
        let s = raw.server;
        let listen_text = s.listen.as_deref().unwrap_or("127.0.0.1:8080");
        let listen: SocketAddr = listen_text.parse().map_err(|_| {
            invalid(
                "server.listen",
                format!("{listen_text:?} is not an address: write e.g. \"127.0.0.1:8080\""),
            )
        })?;

        let mut token_list: Vec<String> = s.tokens.clone();
        if let Some(var) = &s.tokens_env {
            let value = env(var).ok_or_else(|| {
                invalid(
                    "server.tokens_env",
                    format!("the environment variable {var} is not set"),
                )
            })?;
            token_list.extend(
                value
                    .split(|c: char| c == ',' || c.is_whitespace())
                    .filter(|t| !t.is_empty())
                    .map(str::to_owned),
            );
        }
        for t in &token_list {
            if t.len() < 16 {
                return Err(invalid(
                    "server.tokens",
                    "a token shorter than 16 characters is too easy to guess; generate one \
                     with `openssl rand -hex 32`",
                ));
            }
        }
        let tokens = Tokens(
            token_list
                .iter()
                .map(|t| Sha256::digest(t.as_bytes()).into())
                .collect(),
        );

        let mut secret = s.slack_signing_secret.clone().filter(|v| !v.is_empty());
        if let Some(var) = &s.slack_signing_secret_env {
            secret = Some(env(var).filter(|v| !v.is_empty()).ok_or_else(|| {
                invalid(
                    "server.slack_signing_secret_env",
                    format!("the environment variable {var} is not set"),
                )
            })?);
        }
        let slack_secret = secret.map(|v| Secret(v.trim().as_bytes().to_vec()));

        if !listen.ip().is_loopback() && tokens.is_empty() {
            return Err(invalid(
                "server.listen",
                format!(
                    "{listen} is reachable from other machines, but no bearer token is \
                     configured: set server.tokens or server.tokens_env, or listen on \
                     127.0.0.1"
                ),
            ));
        }

        let slack_response_type = match s.slack_response_type.as_deref() {
            None | Some("in_channel") => SlackResponseType::InChannel,
            Some("ephemeral") => SlackResponseType::Ephemeral,
            Some(other) => {
                return Err(invalid(
                    "server.slack_response_type",
                    format!("{other:?}: use \"in_channel\" or \"ephemeral\""),
                ));
            }
        };
        let request_timeout = match &s.request_timeout {
            Some(t) => duration("server.request_timeout", t)?,
            None => DEFAULT_REQUEST_TIMEOUT,
        };
        let max_concurrent = s.max_concurrent.unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2)
        });
        if max_concurrent == 0 || max_concurrent > 1024 {
            return Err(invalid("server.max_concurrent", "use 1 to 1024"));
        }
        let max_queue = s.max_queue.unwrap_or(DEFAULT_MAX_QUEUE);
        if max_queue > 100_000 {
            return Err(invalid("server.max_queue", "use 0 to 100000"));
        }
        let max_body_bytes = s.max_body_bytes.unwrap_or(DEFAULT_MAX_BODY_BYTES);
        if max_body_bytes < 1024 {
            return Err(invalid("server.max_body_bytes", "use at least 1024"));
        }

        let llm = llm_config(&raw.llm, env)?;
        let sources = raw
            .source
            .into_iter()
            .map(source)
            .collect::<Result<Vec<_>, _>>()?;
        let mut names = HashSet::new();
        for src in &sources {
            if !names.insert(src.name.as_str()) {
                return Err(invalid(
                    format!("source {:?}", src.name),
                    "two sources have this name; names must be unique",
                ));
            }
        }
        let mut schedules = Vec::new();
        for (i, sc) in raw.schedule.into_iter().enumerate() {
            schedules.push(schedule(i, sc, &names, env)?);
        }
        Ok(ServerConfig {
            listen,
            tokens,
            slack_secret,
            slack_response_hosts: s.slack_response_hosts.unwrap_or_else(|| {
                SLACK_RESPONSE_HOSTS
                    .iter()
                    .map(|h| (*h).to_owned())
                    .collect()
            }),
            slack_response_type,
            max_body_bytes,
            request_timeout,
            max_concurrent,
            max_queue,
            llm,
            sources,
            schedules,
        })
    }

    /// The source called `name`.
    pub fn source(&self, name: &str) -> Option<&Source> {
        self.sources.iter().find(|s| s.name == name)
    }

    /// The source names, in file order.
    pub fn source_names(&self) -> Vec<&str> {
        self.sources.iter().map(|s| s.name.as_str()).collect()
    }
}

fn duration(key: &str, text: &str) -> Result<Duration, ConfigError> {
    let ms = crate::app::parse_duration(text).map_err(|e| invalid(key, e))?;
    Ok(Duration::from_millis(u64::try_from(ms).unwrap_or(u64::MAX)))
}

fn llm_config(
    raw: &RawLlm,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<LlmConfig, ConfigError> {
    let mode: LlmMode = match &raw.mode {
        Some(m) => m
            .parse()
            .map_err(|e: crate::llm::LlmConfigError| invalid("llm.mode", e.to_string()))?,
        None => LlmMode::Auto,
    };
    // The OpenAI-compatible variables, as the command line reads them.
    let mut b = LlmConfig::builder().env_lookup(env).mode(mode);
    if let Some(u) = &raw.base_url {
        b = b.base_url(u.clone());
    }
    if let Some(m) = &raw.model {
        b = b.model(m.clone());
    }
    if let Some(t) = &raw.timeout {
        b = b.timeout(duration("llm.timeout", t)?);
    }
    if let Some(n) = raw.max_prompt_tokens {
        b = b.max_prompt_tokens(n);
    }
    if let Some(r) = raw.redact_hosts {
        b = b.redact_hosts(r);
    }
    b.build().map_err(|e| invalid("llm", e.to_string()))
}

fn source(raw: RawSource) -> Result<Source, ConfigError> {
    let key = format!("source {:?}", raw.name);
    if raw.name.is_empty()
        || !raw
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(invalid(
            key,
            "a source name is letters, digits, '-', '_' or '.' (it is typed in chat commands)",
        ));
    }
    let kind = match (raw.files, raw.command) {
        (Some(globs), None) => {
            if globs.is_empty() {
                return Err(invalid(format!("{key}.files"), "give at least one glob"));
            }
            for g in &globs {
                glob::Pattern::new(g)
                    .map_err(|e| invalid(format!("{key}.files"), format!("{g:?}: {e}")))?;
            }
            SourceKind::Files {
                globs,
                max_rotated: raw.max_rotated.unwrap_or(DEFAULT_MAX_ROTATED),
            }
        }
        (None, Some(argv)) => {
            if argv.first().is_none_or(|p| p.is_empty()) {
                return Err(invalid(
                    format!("{key}.command"),
                    "give the program and its arguments, e.g. [\"kubectl\", \"logs\", \"deploy/api\"]",
                ));
            }
            SourceKind::Command {
                argv,
                timeout: match &raw.command_timeout {
                    Some(t) => duration(&format!("{key}.command_timeout"), t)?,
                    None => DEFAULT_COMMAND_TIMEOUT,
                },
                max_bytes: raw.max_command_bytes.unwrap_or(DEFAULT_MAX_COMMAND_BYTES),
            }
        }
        _ => {
            return Err(invalid(key, "give either files or command (exactly one)"));
        }
    };
    if let Some(f) = &raw.log_format {
        crate::record::DetectOptions::builder()
            .log_format(f.clone())
            .build()
            .map_err(|e| invalid(format!("{key}.log_format"), e.to_string()))?;
    }
    Ok(Source {
        name: raw.name,
        kind,
        log_format: raw.log_format,
    })
}

fn schedule(
    i: usize,
    raw: RawSchedule,
    sources: &HashSet<&str>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Schedule, ConfigError> {
    let key = format!("schedule {}", i + 1);
    let cron = Cron::parse(&raw.cron).map_err(|e| invalid(format!("{key}.cron"), e.to_string()))?;
    if !sources.contains(raw.source.as_str()) {
        return Err(invalid(
            format!("{key}.source"),
            format!("no [[source]] is called {:?}", raw.source),
        ));
    }
    let window_ms =
        crate::app::parse_duration(&raw.window).map_err(|e| invalid(format!("{key}.window"), e))?;
    let post = match (raw.post, raw.post_env) {
        (Some(p), None) => p,
        (None, Some(var)) => env(&var).filter(|v| !v.is_empty()).ok_or_else(|| {
            invalid(
                format!("{key}.post_env"),
                format!("the environment variable {var} is not set"),
            )
        })?,
        _ => {
            return Err(invalid(
                key,
                "give either post (a webhook URL) or post_env (a variable holding it)",
            ));
        }
    };
    let post_format = raw
        .post_format
        .as_deref()
        .map(str::parse::<PostFormat>)
        .transpose()
        .map_err(|e| invalid(format!("{key}.post_format"), e))?;
    crate::deliver::DeliverConfig::builder(post.clone())
        .build()
        .map_err(|e| invalid(format!("{key}.post"), e.to_string()))?;
    Ok(Schedule {
        name: raw
            .name
            .unwrap_or_else(|| format!("{} {}", raw.source, cron)),
        cron,
        source: raw.source,
        window_ms,
        post,
        post_format,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    const EXAMPLE: &str = r#"
[server]
listen = "127.0.0.1:8080"
tokens = ["0123456789abcdef0123"]
slack_signing_secret = "shh"

[[source]]
name = "checkout"
files = ["/var/log/checkout/*.log"]

[[source]]
name = "api"
command = ["kubectl", "logs", "deploy/api", "--since=2h"]
command_timeout = "30s"

[[schedule]]
cron = "0 9 * * *"
source = "checkout"
window = "24h"
post = "https://hooks.slack.com/services/T/B/X"
"#;

    #[test]
    fn the_documented_example_loads() {
        let c = ServerConfig::from_toml(EXAMPLE, &no_env).unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert!(c.tokens.accepts("0123456789abcdef0123"));
        assert!(!c.tokens.accepts("0123456789abcdef012"));
        assert!(!c.tokens.accepts(""));
        assert_eq!(c.sources.len(), 2);
        assert_eq!(c.schedules[0].window_ms, 86_400_000);
        assert_eq!(c.schedules[0].name, "checkout 0 9 * * *");
        assert!(matches!(
            c.sources[1].kind,
            SourceKind::Command { timeout, .. } if timeout == Duration::from_secs(30)
        ));
        let dbg = format!("{c:?}");
        assert!(
            !dbg.contains("0123456789abcdef0123") && !dbg.contains("shh"),
            "{dbg}"
        );
        assert!(!dbg.contains("services/T/B/X"), "{dbg}");
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let e = ServerConfig::from_toml("[server]\ntoken = [\"x\"]\n", &no_env)
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown field") && e.contains("token"), "{e}");
        let e = ServerConfig::from_toml("[[source]]\nname = \"a\"\nfile = []\n", &no_env)
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown field"), "{e}");
    }

    #[test]
    fn a_public_address_needs_tokens() {
        let e = ServerConfig::from_toml("[server]\nlisten = \"0.0.0.0:8080\"\n", &no_env)
            .unwrap_err()
            .to_string();
        assert!(e.contains("no bearer token"), "{e}");
        let env = |k: &str| {
            (k == "TOKENS").then(|| "aaaaaaaaaaaaaaaaaaaa, bbbbbbbbbbbbbbbbbbbb".to_owned())
        };
        let c = ServerConfig::from_toml(
            "[server]\nlisten = \"0.0.0.0:8080\"\ntokens_env = \"TOKENS\"\n",
            &env,
        )
        .unwrap();
        assert!(c.tokens.accepts("bbbbbbbbbbbbbbbbbbbb"));
        let missing = ServerConfig::from_toml("[server]\ntokens_env = \"NOPE\"\n", &no_env);
        assert!(missing.unwrap_err().to_string().contains("NOPE"));
    }

    #[test]
    fn secrets_come_from_the_environment() {
        let env = |k: &str| match k {
            "SLACK_SECRET" => Some("from-env".to_owned()),
            "HOOK" => Some("https://hooks.slack.com/services/A/B/C".to_owned()),
            _ => None,
        };
        let c = ServerConfig::from_toml(
            "[server]\nslack_signing_secret_env = \"SLACK_SECRET\"\n[[source]]\nname = \"a\"\nfiles = [\"/x/*.log\"]\n[[schedule]]\ncron = \"@daily\"\nsource = \"a\"\nwindow = \"1d\"\npost_env = \"HOOK\"\n",
            &env,
        )
        .unwrap();
        assert_eq!(c.slack_secret.map(|s| s.0), Some(b"from-env".to_vec()));
        assert_eq!(
            c.schedules[0].post,
            "https://hooks.slack.com/services/A/B/C"
        );
    }

    #[test]
    fn cross_checks() {
        let bad = [
            (
                "[[source]]\nname = \"a b\"\nfiles = [\"x\"]\n",
                "source name",
            ),
            ("[[source]]\nname = \"a\"\n", "either files or command"),
            (
                "[[source]]\nname = \"a\"\nfiles = [\"x\"]\ncommand = [\"y\"]\n",
                "either files or command",
            ),
            ("[[source]]\nname = \"a\"\ncommand = []\n", "program"),
            (
                "[[source]]\nname = \"a\"\nfiles = [\"x\"]\n[[source]]\nname = \"a\"\nfiles = [\"y\"]\n",
                "unique",
            ),
            (
                "[[schedule]]\ncron = \"0 9 * * *\"\nsource = \"nope\"\nwindow = \"1h\"\npost = \"https://x.example/\"\n",
                "no [[source]]",
            ),
            (
                "[[source]]\nname = \"a\"\nfiles = [\"x\"]\n[[schedule]]\ncron = \"0 25 * * *\"\nsource = \"a\"\nwindow = \"1h\"\npost = \"https://x.example/\"\n",
                "hour",
            ),
            (
                "[[source]]\nname = \"a\"\nfiles = [\"x\"]\n[[schedule]]\ncron = \"0 1 * * *\"\nsource = \"a\"\nwindow = \"soon\"\npost = \"https://x.example/\"\n",
                "window",
            ),
            (
                "[[source]]\nname = \"a\"\nfiles = [\"x\"]\n[[schedule]]\ncron = \"0 1 * * *\"\nsource = \"a\"\nwindow = \"1h\"\npost = \"x.example\"\n",
                "post",
            ),
            ("[server]\ntokens = [\"short\"]\n", "16 characters"),
            ("[server]\nlisten = \"localhost\"\n", "not an address"),
            ("[server]\nrequest_timeout = \"fast\"\n", "request_timeout"),
            ("[llm]\nmode = \"maybe\"\n", "llm.mode"),
        ];
        for (text, want) in bad {
            let e = ServerConfig::from_toml(text, &no_env)
                .map(|_| ())
                .unwrap_err()
                .to_string();
            assert!(e.contains(want), "{text:?}: {e}");
        }
    }
}
