//! What the redactor redacts: categories switched on or off, extra key names, and limits.
//!
//! Owns the validated [`RedactConfig`] and its builder. It does not know how a category is
//! detected; the rules live in the sibling modules.

use serde::Serialize;

/// A group of rules that can be switched on or off as one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Vendor API keys and tokens (AWS, GitHub, GitLab, Slack, Stripe, Google, OpenAI-style,
    /// npm) and high-entropy values after key words such as `signing_key=`.
    ApiKeys,
    /// JSON Web Tokens.
    Jwts,
    /// `Authorization:` and `Cookie:` header values, `bearer <token>` and `basic <b64>` anywhere.
    AuthHeaders,
    /// PEM private key blocks, also when only the `BEGIN` line is present.
    PrivateKeys,
    /// The value after `password=`, `token:`, `"api_key": "..."` and the like.
    Credentials,
    /// The password part of `scheme://user:password@host` URLs and connection strings.
    UrlCredentials,
    /// Payment card numbers (13-19 digits, known issuer prefix, Luhn-checked).
    Cards,
    /// Email addresses.
    Emails,
    /// IPv4 and IPv6 addresses and fully qualified host names. Off by default: hosts are
    /// often what an incident is about.
    Hosts,
    /// Text that reads like instructions to a language model, hidden characters and
    /// encoded blobs; quarantined rather than passed on.
    Suspicious,
}

impl Category {
    /// Every category, in a stable order.
    pub const ALL: [Category; 10] = [
        Category::ApiKeys,
        Category::Jwts,
        Category::AuthHeaders,
        Category::PrivateKeys,
        Category::Credentials,
        Category::UrlCredentials,
        Category::Cards,
        Category::Emails,
        Category::Hosts,
        Category::Suspicious,
    ];

    fn bit(self) -> u16 {
        1 << (self as u16)
    }

    /// Whether the category is on in [`RedactConfig::default`].
    pub fn on_by_default(self) -> bool {
        self != Category::Hosts
    }
}

/// Longest accepted extra key name. Real configuration keys are far shorter; the cap keeps the
/// generated pattern small.
const MAX_KEY_LEN: usize = 64;

/// Most extra key names accepted, for the same reason.
const MAX_EXTRA_KEYS: usize = 256;

/// Default cap on distinct suspicious findings listed in the audit. Beyond it findings are
/// still redacted and counted, but not listed, so memory stays bounded on hostile input.
pub const DEFAULT_MAX_FINDINGS: usize = 1_000;

/// Default cap on remembered context-dependent secret values (a `password=` value is
/// remembered so that a later bare occurrence is replaced too). Bounded for memory and for
/// the cost of rebuilding the matcher.
pub const DEFAULT_MAX_REMEMBERED: usize = 256;

/// A validated redaction configuration. Build one with [`RedactConfig::builder`], or take
/// [`RedactConfig::default`]: every category but [`Category::Hosts`] on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedactConfig {
    enabled: u16,
    extra_keys: Vec<String>,
    max_findings: usize,
    max_remembered: usize,
}

impl Default for RedactConfig {
    fn default() -> Self {
        let enabled = Category::ALL
            .iter()
            .filter(|c| c.on_by_default())
            .fold(0, |acc, c| acc | c.bit());
        RedactConfig {
            enabled,
            extra_keys: Vec::new(),
            max_findings: DEFAULT_MAX_FINDINGS,
            max_remembered: DEFAULT_MAX_REMEMBERED,
        }
    }
}

impl RedactConfig {
    /// A builder starting from the defaults.
    pub fn builder() -> RedactConfigBuilder {
        RedactConfigBuilder {
            config: RedactConfig::default(),
        }
    }

    /// Whether `category` is redacted.
    pub fn enabled(&self, category: Category) -> bool {
        self.enabled & category.bit() != 0
    }

    /// The enabled categories, in [`Category::ALL`] order.
    pub fn categories(&self) -> Vec<Category> {
        Category::ALL
            .into_iter()
            .filter(|c| self.enabled(*c))
            .collect()
    }

    /// Extra key names whose values are redacted like `password=`.
    pub fn extra_keys(&self) -> &[String] {
        &self.extra_keys
    }

    /// Cap on distinct suspicious findings listed in the audit.
    pub fn max_findings(&self) -> usize {
        self.max_findings
    }

    /// Cap on remembered context-dependent secret values.
    pub fn max_remembered(&self) -> usize {
        self.max_remembered
    }
}

/// Builder for [`RedactConfig`]; [`RedactConfigBuilder::build`] validates.
#[derive(Debug, Clone)]
pub struct RedactConfigBuilder {
    config: RedactConfig,
}

impl RedactConfigBuilder {
    /// Switch one category on or off.
    pub fn category(mut self, category: Category, on: bool) -> Self {
        if on {
            self.config.enabled |= category.bit();
        } else {
            self.config.enabled &= !category.bit();
        }
        self
    }

    /// Also redact IP addresses and host names (`--redact-hosts`).
    pub fn redact_hosts(self, on: bool) -> Self {
        self.category(Category::Hosts, on)
    }

    /// Treat `name=value` / `name: value` / `"name": "value"` like `password=`: the value is
    /// redacted whatever it looks like. Matched case-insensitively, also with a prefix
    /// (`db_name=`). Letters, digits, `_`, `-` and `.` only.
    pub fn extra_key(mut self, name: impl Into<String>) -> Self {
        self.config.extra_keys.push(name.into());
        self
    }

    /// Cap on distinct suspicious findings listed in the audit (1 to 1,000,000).
    pub fn max_findings(mut self, n: usize) -> Self {
        self.config.max_findings = n;
        self
    }

    /// Cap on remembered context-dependent secret values (0 to 4,096; 0 turns remembering off).
    pub fn max_remembered(mut self, n: usize) -> Self {
        self.config.max_remembered = n;
        self
    }

    /// Validate and return the configuration.
    pub fn build(self) -> Result<RedactConfig, ConfigError> {
        let c = self.config;
        if c.extra_keys.len() > MAX_EXTRA_KEYS {
            return Err(ConfigError::TooManyKeys {
                count: c.extra_keys.len(),
                max: MAX_EXTRA_KEYS,
            });
        }
        for k in &c.extra_keys {
            let ok = !k.is_empty()
                && k.len() <= MAX_KEY_LEN
                && k.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
            if !ok {
                return Err(ConfigError::BadKey { name: k.clone() });
            }
        }
        if let Err(e) = super::secrets::extra_keys_regex(&c.extra_keys) {
            return Err(ConfigError::KeysTooComplex {
                reason: e.to_string(),
            });
        }
        if !(1..=1_000_000).contains(&c.max_findings) {
            return Err(ConfigError::BadLimit {
                what: "max_findings",
                value: c.max_findings,
                range: "1 to 1000000",
            });
        }
        if c.max_remembered > 4_096 {
            return Err(ConfigError::BadLimit {
                what: "max_remembered",
                value: c.max_remembered,
                range: "0 to 4096",
            });
        }
        Ok(c)
    }
}

/// Why a [`RedactConfigBuilder`] was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// An extra key name is empty, too long or has characters outside `[A-Za-z0-9_.-]`.
    #[error(
        "redaction key name {name:?} is not usable: give 1 to 64 letters, digits, '_', '-' or '.' \
         (the value after the key is what gets redacted, so do not include '=' or ':')"
    )]
    BadKey {
        /// The rejected name.
        name: String,
    },
    /// More extra key names than the cap.
    #[error(
        "{count} extra redaction keys given, at most {max} are accepted: merge similar names, since a key also matches with any prefix"
    )]
    TooManyKeys {
        /// How many were given.
        count: usize,
        /// The cap.
        max: usize,
    },
    /// The extra key names together make a pattern the regex engine refuses.
    #[error(
        "the extra redaction keys make a pattern too large to use ({reason}): give fewer or shorter key names"
    )]
    KeysTooComplex {
        /// The engine's reason.
        reason: String,
    },
    /// A numeric limit outside its range.
    #[error("redaction setting {what} = {value} is out of range: use {range}")]
    BadLimit {
        /// The setting's name.
        what: &'static str,
        /// The rejected value.
        value: usize,
        /// The accepted range, in words.
        range: &'static str,
    },
}
