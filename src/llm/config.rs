//! Configuration of the summary stage: which summarizer, where the model lives, how long to
//! wait, how much evidence to send and what to redact.
//!
//! Owns [`LlmConfig`], its builder with validation, the merge with the OpenAI-compatible
//! environment variables (`OPENAI_API_KEY`, `OPENAI_BASE_URL`) and the choice between the
//! offline and the OpenAI-compatible summarizer. It does not talk to any server.

use std::fmt;
use std::time::Duration;

use serde::Serialize;

use crate::redact::RedactConfig;

/// Default model name. Local servers (llama.cpp, Ollama, vLLM, LM Studio) serve whatever they
/// loaded and accept or ignore this name; OpenAI needs a real one. A small, cheap chat model
/// is enough for a summary that is checked against the evidence anyway.
pub const DEFAULT_MODEL: &str = "gpt-4o-mini";
/// The OpenAI endpoint used when neither `--llm-base-url` nor `OPENAI_BASE_URL` is given.
pub const OPENAI_BASE_URL: &str = "https://api.openai.com/v1";
/// Default per-request timeout: a summary of a few thousand tokens takes seconds on a hosted
/// model and up to a minute on a CPU-only local server.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// Default overall deadline for the LLM part, retries included. Past it the offline summary
/// is used: a person waiting on an incident should not wait longer for prose.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(120);
/// Default prompt budget in tokens (system prompt, framing and evidence together). Small
/// enough for 4k-context local models with room for the answer, large enough for about ten
/// findings with samples.
pub const DEFAULT_MAX_PROMPT_TOKENS: usize = 3_000;
/// Smallest accepted prompt budget: the system prompt takes about 600 tokens and the window
/// description about 150, and a budget that fits no finding is a configuration mistake.
pub const MIN_PROMPT_TOKENS: usize = 1_200;
/// Largest accepted prompt budget: beyond every current model's context.
pub const MAX_PROMPT_TOKENS: usize = 1_000_000;
/// Default cap on the answer's tokens. The requested JSON (headline, up to eight findings,
/// cause, steps) fits in about 600 tokens; the rest is headroom for verbose models.
pub const DEFAULT_MAX_ANSWER_TOKENS: u32 = 1_024;
/// Default most findings considered for the prompt, before the token budget decides. A
/// summary of more than this is no longer short.
pub const DEFAULT_MAX_FINDINGS: usize = 20;
/// Default sample lines per finding (at most [`MAX_SAMPLES`]).
pub const DEFAULT_MAX_SAMPLES: usize = 3;
/// Most sample lines per finding that may be sent.
pub const MAX_SAMPLES: usize = 3;
/// Default retries after a rate limit, server error, timeout or connection error.
pub const DEFAULT_MAX_RETRIES: u32 = 3;
/// Most retries accepted: more only delays the offline summary.
pub const MAX_RETRIES: u32 = 3;
/// Default first backoff step; later steps double it (with jitter), up to [`MAX_BACKOFF`].
pub const DEFAULT_RETRY_BASE: Duration = Duration::from_millis(500);
/// Longest wait between two attempts when the server gives no `Retry-After`.
pub const MAX_BACKOFF: Duration = Duration::from_secs(8);
/// Longest accepted timeout or deadline.
const MAX_WAIT: Duration = Duration::from_secs(3_600);

/// Which summarizer to use (`--llm off|auto|openai`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LlmMode {
    /// Never call a model: the offline summary only.
    Off,
    /// Call an OpenAI-compatible server when an API key or a base URL is configured.
    #[default]
    Auto,
    /// Always call the OpenAI-compatible server (an API key or a base URL is required).
    Openai,
}

impl std::str::FromStr for LlmMode {
    type Err = LlmConfigError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "off" | "none" | "offline" => Ok(LlmMode::Off),
            "auto" => Ok(LlmMode::Auto),
            "openai" | "on" => Ok(LlmMode::Openai),
            _ => Err(LlmConfigError::Mode(s.to_owned())),
        }
    }
}

/// Which request field carries the answer's token cap.
///
/// `max_tokens` is understood by every OpenAI-compatible server (llama.cpp, Ollama, vLLM,
/// LM Studio, Azure) and by OpenAI's chat models; llama.cpp servers ignore
/// `max_completion_tokens`. OpenAI's reasoning models (o-series, gpt-5) accept only
/// `max_completion_tokens`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenLimitField {
    /// `max_tokens` (default).
    #[default]
    MaxTokens,
    /// `max_completion_tokens`.
    MaxCompletionTokens,
}

/// Why a configuration was rejected; each message says what to change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LlmConfigError {
    /// An unknown `--llm` value.
    #[error("unknown LLM mode {0:?}: use off, auto or openai")]
    Mode(String),
    /// The base URL is not an http(s) URL.
    #[error(
        "the LLM base URL {0:?} is not usable: give an http(s) URL ending in the API root, \
         e.g. http://127.0.0.1:8080/v1 or https://api.openai.com/v1"
    )]
    BaseUrl(String),
    /// The API key would not fit in an HTTP header.
    #[error(
        "the API key contains spaces or control characters: check OPENAI_API_KEY \
         (a trailing newline from a file is a common cause)"
    )]
    ApiKey,
    /// `--llm openai` with nothing to talk to.
    #[error(
        "--llm openai needs an API key (OPENAI_API_KEY) or a server (--llm-base-url or \
         OPENAI_BASE_URL); use --llm auto to fall back to the offline summary instead"
    )]
    NothingConfigured,
    /// An empty model name.
    #[error("the model name is empty: give one with --llm-model, e.g. gpt-4o-mini")]
    Model,
    /// A timeout or deadline out of range.
    #[error("{what} must be between 1 ms and 1 h (got {got:?}): e.g. --llm-timeout 60s")]
    Duration {
        /// Which setting.
        what: &'static str,
        /// The rejected value.
        got: Duration,
    },
    /// A prompt budget out of range.
    #[error(
        "--max-prompt-tokens {0} is out of range: use {MIN_PROMPT_TOKENS} to {MAX_PROMPT_TOKENS} \
         (the system prompt and the window take about 750)"
    )]
    PromptBudget(usize),
    /// A numeric limit out of range.
    #[error("{what} = {got} is out of range: use {range}")]
    Limit {
        /// Which setting.
        what: &'static str,
        /// The rejected value.
        got: u64,
        /// The accepted range in words.
        range: &'static str,
    },
}

/// A validated configuration of the summary stage. Build with [`LlmConfig::builder`].
#[derive(Clone, PartialEq)]
pub struct LlmConfig {
    mode: LlmMode,
    base_url: Option<String>,
    api_key: Option<String>,
    model: String,
    timeout: Duration,
    deadline: Duration,
    max_prompt_tokens: usize,
    max_answer_tokens: u32,
    token_limit_field: TokenLimitField,
    max_findings: usize,
    max_samples: usize,
    max_retries: u32,
    retry_base: Duration,
    redact: RedactConfig,
}

impl fmt::Debug for LlmConfig {
    /// Never prints the API key.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LlmConfig")
            .field("mode", &self.mode)
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key.as_ref().map(|_| "<set>"))
            .field("model", &self.model)
            .field("timeout", &self.timeout)
            .field("deadline", &self.deadline)
            .field("max_prompt_tokens", &self.max_prompt_tokens)
            .field("max_answer_tokens", &self.max_answer_tokens)
            .field("token_limit_field", &self.token_limit_field)
            .field("max_findings", &self.max_findings)
            .field("max_samples", &self.max_samples)
            .field("max_retries", &self.max_retries)
            .field("retry_base", &self.retry_base)
            .field("redact", &self.redact)
            .finish()
    }
}

impl Default for LlmConfig {
    /// Offline unless configured: `Auto` with no key and no base URL.
    fn default() -> Self {
        LlmConfig {
            mode: LlmMode::Auto,
            base_url: None,
            api_key: None,
            model: DEFAULT_MODEL.to_owned(),
            timeout: DEFAULT_TIMEOUT,
            deadline: DEFAULT_DEADLINE,
            max_prompt_tokens: DEFAULT_MAX_PROMPT_TOKENS,
            max_answer_tokens: DEFAULT_MAX_ANSWER_TOKENS,
            token_limit_field: TokenLimitField::MaxTokens,
            max_findings: DEFAULT_MAX_FINDINGS,
            max_samples: DEFAULT_MAX_SAMPLES,
            max_retries: DEFAULT_MAX_RETRIES,
            retry_base: DEFAULT_RETRY_BASE,
            redact: RedactConfig::default(),
        }
    }
}

impl LlmConfig {
    /// A builder starting from the defaults, without the environment (see
    /// [`LlmConfigBuilder::from_env`]).
    pub fn builder() -> LlmConfigBuilder {
        LlmConfigBuilder::default()
    }

    /// The configuration from the environment alone: `OPENAI_API_KEY`, `OPENAI_BASE_URL`.
    pub fn from_env() -> Result<LlmConfig, LlmConfigError> {
        LlmConfig::builder().from_env().build()
    }

    /// The mode asked for.
    pub fn mode(&self) -> LlmMode {
        self.mode
    }

    /// Whether an OpenAI-compatible server will be called: `openai`, or `auto` with a key or
    /// a base URL.
    pub fn uses_llm(&self) -> bool {
        match self.mode {
            LlmMode::Off => false,
            LlmMode::Openai => true,
            LlmMode::Auto => self.api_key.is_some() || self.base_url.is_some(),
        }
    }

    /// The API root requests go to (`.../v1`), without a trailing slash.
    pub fn base_url(&self) -> &str {
        self.base_url.as_deref().unwrap_or(OPENAI_BASE_URL)
    }

    /// Whether an API key is configured (the key itself is not exposed).
    pub fn has_api_key(&self) -> bool {
        self.api_key.is_some()
    }

    pub(crate) fn api_key(&self) -> Option<&str> {
        self.api_key.as_deref()
    }

    /// The model name sent with each request.
    pub fn model(&self) -> &str {
        &self.model
    }

    /// Per-request timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Overall deadline of the LLM part.
    pub fn deadline(&self) -> Duration {
        self.deadline
    }

    /// Prompt budget in tokens.
    pub fn max_prompt_tokens(&self) -> usize {
        self.max_prompt_tokens
    }

    /// Cap on the answer's tokens.
    pub fn max_answer_tokens(&self) -> u32 {
        self.max_answer_tokens
    }

    /// Which request field carries the answer cap.
    pub fn token_limit_field(&self) -> TokenLimitField {
        self.token_limit_field
    }

    /// Most findings considered for the prompt.
    pub fn max_findings(&self) -> usize {
        self.max_findings
    }

    /// Sample lines per finding.
    pub fn max_samples(&self) -> usize {
        self.max_samples
    }

    /// Retries after transient failures.
    pub fn max_retries(&self) -> u32 {
        self.max_retries
    }

    /// First backoff step.
    pub fn retry_base(&self) -> Duration {
        self.retry_base
    }

    /// The redaction applied to everything that is sent.
    pub fn redact(&self) -> &RedactConfig {
        &self.redact
    }
}

/// Builder for [`LlmConfig`]. Values set on the builder win over the environment, whatever
/// the order of the calls; [`LlmConfigBuilder::build`] validates.
#[derive(Clone, Default)]
pub struct LlmConfigBuilder {
    mode: Option<LlmMode>,
    base_url: Option<String>,
    api_key: Option<String>,
    env_base_url: Option<String>,
    env_api_key: Option<String>,
    model: Option<String>,
    timeout: Option<Duration>,
    deadline: Option<Duration>,
    max_prompt_tokens: Option<usize>,
    max_answer_tokens: Option<u32>,
    token_limit_field: Option<TokenLimitField>,
    max_findings: Option<usize>,
    max_samples: Option<usize>,
    max_retries: Option<u32>,
    retry_base: Option<Duration>,
    redact: Option<RedactConfig>,
    redact_hosts: Option<bool>,
}

impl fmt::Debug for LlmConfigBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LlmConfigBuilder")
            .field("mode", &self.mode)
            .field("base_url", &self.base_url)
            .field("env_base_url", &self.env_base_url)
            .field("api_key", &self.api_key.as_ref().map(|_| "<set>"))
            .field("env_api_key", &self.env_api_key.as_ref().map(|_| "<set>"))
            .finish_non_exhaustive()
    }
}

impl LlmConfigBuilder {
    /// Read `OPENAI_API_KEY` and `OPENAI_BASE_URL` from the process environment. Empty
    /// values count as unset.
    pub fn from_env(self) -> Self {
        self.env_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`LlmConfigBuilder::from_env`], with a custom lookup (tests, or a server that
    /// keeps its own environment).
    pub fn env_lookup(mut self, lookup: impl Fn(&str) -> Option<String>) -> Self {
        let non_empty = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
        self.env_api_key = non_empty(lookup("OPENAI_API_KEY"));
        self.env_base_url = non_empty(lookup("OPENAI_BASE_URL"));
        self
    }

    /// `--llm off|auto|openai`.
    pub fn mode(mut self, mode: LlmMode) -> Self {
        self.mode = Some(mode);
        self
    }

    /// `--llm-base-url`: the API root, e.g. `http://127.0.0.1:8080/v1`. Wins over
    /// `OPENAI_BASE_URL`.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The API key. Wins over `OPENAI_API_KEY`.
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// `--llm-model`.
    pub fn model(mut self, model: impl Into<String>) -> Self {
        self.model = Some(model.into());
        self
    }

    /// `--llm-timeout`: per request.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Overall deadline of the LLM part, retries included.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// `--max-prompt-tokens`.
    pub fn max_prompt_tokens(mut self, n: usize) -> Self {
        self.max_prompt_tokens = Some(n);
        self
    }

    /// Cap on the answer's tokens (16 to 32,768).
    pub fn max_answer_tokens(mut self, n: u32) -> Self {
        self.max_answer_tokens = Some(n);
        self
    }

    /// Which request field carries the answer cap.
    pub fn token_limit_field(mut self, field: TokenLimitField) -> Self {
        self.token_limit_field = Some(field);
        self
    }

    /// Most findings considered for the prompt (1 to 100).
    pub fn max_findings(mut self, n: usize) -> Self {
        self.max_findings = Some(n);
        self
    }

    /// Sample lines per finding (0 to 3).
    pub fn max_samples(mut self, n: usize) -> Self {
        self.max_samples = Some(n);
        self
    }

    /// Retries after a 429, a 5xx, a timeout or a connection error (0 to 3).
    pub fn max_retries(mut self, n: u32) -> Self {
        self.max_retries = Some(n);
        self
    }

    /// First backoff step (1 ms to 1 h); later steps double it, with jitter.
    pub fn retry_base(mut self, base: Duration) -> Self {
        self.retry_base = Some(base);
        self
    }

    /// The redaction configuration (default: every category but hosts).
    pub fn redact(mut self, config: RedactConfig) -> Self {
        self.redact = Some(config);
        self
    }

    /// `--redact-hosts`: also replace IP addresses and host names.
    pub fn redact_hosts(mut self, on: bool) -> Self {
        self.redact_hosts = Some(on);
        self
    }

    /// Validate and return the configuration.
    pub fn build(self) -> Result<LlmConfig, LlmConfigError> {
        let d = LlmConfig::default();
        let base_url = match self.base_url.or(self.env_base_url) {
            Some(u) => Some(normalise_base_url(&u)?),
            None => None,
        };
        let api_key = self.api_key.or(self.env_api_key);
        if let Some(k) = &api_key
            && !k.bytes().all(|b| (0x21..=0x7e).contains(&b))
        {
            return Err(LlmConfigError::ApiKey);
        }
        let mode = self.mode.unwrap_or(d.mode);
        if mode == LlmMode::Openai && api_key.is_none() && base_url.is_none() {
            return Err(LlmConfigError::NothingConfigured);
        }
        let model = self.model.unwrap_or(d.model).trim().to_owned();
        if model.is_empty() {
            return Err(LlmConfigError::Model);
        }
        let timeout = check_duration("the LLM timeout", self.timeout.unwrap_or(d.timeout))?;
        let deadline = check_duration("the LLM deadline", self.deadline.unwrap_or(d.deadline))?;
        let retry_base = check_duration(
            "the retry backoff step",
            self.retry_base.unwrap_or(d.retry_base),
        )?;
        let max_prompt_tokens = self.max_prompt_tokens.unwrap_or(d.max_prompt_tokens);
        if !(MIN_PROMPT_TOKENS..=MAX_PROMPT_TOKENS).contains(&max_prompt_tokens) {
            return Err(LlmConfigError::PromptBudget(max_prompt_tokens));
        }
        let max_answer_tokens = self.max_answer_tokens.unwrap_or(d.max_answer_tokens);
        if !(16..=32_768).contains(&max_answer_tokens) {
            return Err(LlmConfigError::Limit {
                what: "the answer token cap",
                got: u64::from(max_answer_tokens),
                range: "16 to 32768",
            });
        }
        let max_findings = self.max_findings.unwrap_or(d.max_findings);
        if !(1..=100).contains(&max_findings) {
            return Err(LlmConfigError::Limit {
                what: "the most findings sent",
                got: max_findings as u64,
                range: "1 to 100",
            });
        }
        let max_samples = self.max_samples.unwrap_or(d.max_samples);
        if max_samples > MAX_SAMPLES {
            return Err(LlmConfigError::Limit {
                what: "sample lines per finding",
                got: max_samples as u64,
                range: "0 to 3",
            });
        }
        let max_retries = self.max_retries.unwrap_or(d.max_retries);
        if max_retries > MAX_RETRIES {
            return Err(LlmConfigError::Limit {
                what: "LLM retries",
                got: u64::from(max_retries),
                range: "0 to 3",
            });
        }
        let mut redact = self.redact.unwrap_or(d.redact);
        if let Some(on) = self.redact_hosts {
            // Switching one category on a valid configuration keeps it valid; should the
            // rebuild fail anyway, the configuration given is kept unchanged.
            let rebuilt = rebuild_with_hosts(&redact, on);
            redact = rebuilt.unwrap_or(redact);
        }
        Ok(LlmConfig {
            mode,
            base_url,
            api_key,
            model,
            timeout,
            deadline,
            max_prompt_tokens,
            max_answer_tokens,
            token_limit_field: self.token_limit_field.unwrap_or(d.token_limit_field),
            max_findings,
            max_samples,
            max_retries,
            retry_base,
            redact,
        })
    }
}

/// The same redaction configuration with hosts switched on or off.
fn rebuild_with_hosts(c: &RedactConfig, on: bool) -> Option<RedactConfig> {
    use crate::redact::Category;
    let mut b = RedactConfig::builder()
        .max_findings(c.max_findings())
        .max_remembered(c.max_remembered());
    for cat in Category::ALL {
        b = b.category(cat, c.enabled(cat));
    }
    for k in c.extra_keys() {
        b = b.extra_key(k.clone());
    }
    b.redact_hosts(on).build().ok()
}

fn check_duration(what: &'static str, d: Duration) -> Result<Duration, LlmConfigError> {
    if d.is_zero() || d > MAX_WAIT {
        Err(LlmConfigError::Duration { what, got: d })
    } else {
        Ok(d)
    }
}

/// Trim, drop trailing slashes, and require `http://` or `https://` with a host.
fn normalise_base_url(raw: &str) -> Result<String, LlmConfigError> {
    let t = raw.trim().trim_end_matches('/');
    let bad = || LlmConfigError::BaseUrl(raw.to_owned());
    let rest = t
        .strip_prefix("https://")
        .or_else(|| t.strip_prefix("http://"))
        .ok_or_else(bad)?;
    let host = rest.split('/').next().unwrap_or("");
    if host.is_empty() || t.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad());
    }
    reqwest::Url::parse(t).map_err(|_| bad())?;
    Ok(t.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let owned: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| {
            owned
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }
    }

    #[test]
    fn auto_is_offline_without_key_or_url() {
        let c = LlmConfig::builder().env_lookup(env(&[])).build().unwrap();
        assert!(!c.uses_llm());
        assert_eq!(c.base_url(), OPENAI_BASE_URL);
    }

    #[test]
    fn auto_uses_the_llm_with_a_base_url_from_the_environment() {
        let c = LlmConfig::builder()
            .env_lookup(env(&[("OPENAI_BASE_URL", "http://127.0.0.1:8089/v1/")]))
            .build()
            .unwrap();
        assert!(c.uses_llm());
        assert_eq!(c.base_url(), "http://127.0.0.1:8089/v1");
        assert!(!c.has_api_key());
    }

    #[test]
    fn flags_win_over_the_environment_in_any_order() {
        let c = LlmConfig::builder()
            .base_url("http://localhost:1234/v1")
            .env_lookup(env(&[
                ("OPENAI_BASE_URL", "http://127.0.0.1:8089/v1"),
                ("OPENAI_API_KEY", "sk-env"),
            ]))
            .api_key("sk-flag")
            .build()
            .unwrap();
        assert_eq!(c.base_url(), "http://localhost:1234/v1");
        assert_eq!(c.api_key(), Some("sk-flag"));
    }

    #[test]
    fn off_never_uses_the_llm() {
        let c = LlmConfig::builder()
            .mode(LlmMode::Off)
            .api_key("sk-x")
            .build()
            .unwrap();
        assert!(!c.uses_llm());
    }

    #[test]
    fn openai_mode_needs_something_to_talk_to() {
        let e = LlmConfig::builder()
            .mode(LlmMode::Openai)
            .env_lookup(env(&[("OPENAI_API_KEY", "  ")]))
            .build()
            .unwrap_err();
        assert_eq!(e, LlmConfigError::NothingConfigured);
    }

    #[test]
    fn bad_values_are_rejected_with_a_hint() {
        let cases = [
            LlmConfig::builder().base_url("localhost:8080").build(),
            LlmConfig::builder().base_url("http:///v1").build(),
            LlmConfig::builder().api_key("sk-abc\n").build(),
            LlmConfig::builder().model(" ").build(),
            LlmConfig::builder().timeout(Duration::ZERO).build(),
            LlmConfig::builder().max_prompt_tokens(100).build(),
            LlmConfig::builder().max_samples(4).build(),
            LlmConfig::builder().max_retries(4).build(),
            LlmConfig::builder().max_findings(0).build(),
            LlmConfig::builder().max_answer_tokens(1).build(),
        ];
        for c in cases {
            let e = c.unwrap_err();
            assert!(!e.to_string().is_empty());
        }
    }

    #[test]
    fn modes_parse() {
        assert_eq!("OFF".parse::<LlmMode>(), Ok(LlmMode::Off));
        assert_eq!("auto".parse::<LlmMode>(), Ok(LlmMode::Auto));
        assert_eq!("openai".parse::<LlmMode>(), Ok(LlmMode::Openai));
        assert!("gpt".parse::<LlmMode>().is_err());
    }

    #[test]
    fn debug_never_shows_the_key() {
        let c = LlmConfig::builder()
            .api_key("sk-very-secret")
            .build()
            .unwrap();
        let b = LlmConfig::builder().api_key("sk-very-secret");
        assert!(!format!("{c:?}{b:?}").contains("very-secret"));
    }

    #[test]
    fn redact_hosts_switches_the_category() {
        use crate::redact::Category;
        let c = LlmConfig::builder().redact_hosts(true).build().unwrap();
        assert!(c.redact().enabled(Category::Hosts));
        assert!(c.redact().enabled(Category::Emails));
        let c = LlmConfig::builder().build().unwrap();
        assert!(!c.redact().enabled(Category::Hosts));
    }
}
