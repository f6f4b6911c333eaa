//! Redaction: the gate every piece of evidence passes before it may leave the machine.
//!
//! This module owns [`Redacted<T>`], the only type the LLM client accepts, and the
//! [`Redactor`] that builds it: secrets are replaced by consistent placeholders
//! (`password=hunter2` becomes `password=<SECRET_1>`), text that reads like instructions to a
//! model is quarantined as `<SUSPICIOUS_n>`, and an [`Audit`] records what was replaced
//! without ever holding a raw value. It does not choose what evidence to send (scoring and
//! the LLM stage do), and it does not strip terminal control characters (the reports do):
//! redaction works on text.
//!
//! # The guarantee
//!
//! A [`Redacted<T>`] can only be made by [`Redactor::seal`], which first runs the value
//! through its [`Redact`] implementation. The field is private and there is no other
//! constructor, no `Deserialize`, no `From`, no `Default` and no mapping method, so code
//! outside this module that holds a `Redacted<T>` knows that every string the `Redact`
//! implementation visits went through a redactor:
//!
//! ```compile_fail,E0423
//! use logsift::redact::Redacted;
//! // error[E0423]: cannot initialize a tuple struct which contains private fields
//! let forged: Redacted<String> = Redacted(String::from("password=hunter2"));
//! ```
//!
//! ```compile_fail,E0451
//! use logsift::redact::Redacted;
//! // error[E0451]: field `0` of struct `Redacted` is private
//! let forged = Redacted::<String> { 0: String::from("password=hunter2") };
//! ```
//!
//! ```
//! use logsift::redact::{Redacted, Redactor};
//! let mut r = Redactor::default();
//! let sealed: Redacted<String> = r.seal(String::from("login ok password=hunter2"));
//! assert_eq!(sealed.get(), "login ok password=<SECRET_1>");
//! ```
//!
//! The guarantee is only as complete as the `Redact` implementations: an implementation for
//! an evidence type must pass every string field through the redactor. Destructure the value
//! exhaustively (`let Outlier { template, samples, count } = self;`) so that a new field is a
//! compile error in the implementation rather than a silent leak.
//!
//! # What is redacted
//!
//! See [`Category`]; everything but hosts is on by default. Rules mark only the secret, not
//! its key, and the same value always gets the same placeholder within one [`Redactor`], so
//! a model can still tell two values apart. Placeholders never contain any part of the value.
//! Secret values are remembered, and later occurrences of them are replaced too, even where
//! no rule would recognise them (a value found through its context, `password=...`, appearing
//! bare). Parameter values cut out of their context by the template miner can be redacted
//! with [`Redactor::redact_in_context`]; otherwise redact sample lines before bare values.
//!
//! Suspicious content and its precision rules are described in the `inject` submodule and
//! in `docs/redaction.md`.
//!
//! # Cost
//!
//! Most log text holds no secret. Each string is first scanned with two regex sets (one
//! pass each, linear time); only rules whose prefilter matched run. All rules are linear in
//! the input: a 1 MB line costs a few passes over 1 MB, never a pass per match.

mod b64;
mod config;
mod fold;
mod inject;
mod secrets;

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::hash::{BuildHasher, RandomState};
use std::str::FromStr;
use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use regex::{Regex, RegexSet};
use serde::Serialize;

pub use config::{
    Category, ConfigError, DEFAULT_MAX_FINDINGS, DEFAULT_MAX_REMEMBERED, RedactConfig,
    RedactConfigBuilder,
};

// ---------------------------------------------------------------------------------------
// The sealed wrapper.

/// A value that has been through a [`Redactor`]. Only [`Redactor::seal`] makes one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Redacted<T>(T);

impl<T> Redacted<T> {
    /// Borrow the redacted value.
    pub fn get(&self) -> &T {
        &self.0
    }

    /// Take the redacted value out (it stays redacted; it just loses the seal).
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: Serialize> Serialize for Redacted<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

/// A type whose text can be redacted. Implement it for an evidence type by passing every
/// string field through `r` (usually by calling `redact` on each field).
pub trait Redact {
    /// Return `self` with every string passed through `r`.
    fn redact(self, r: &mut Redactor) -> Self;
}

impl Redact for String {
    fn redact(self, r: &mut Redactor) -> Self {
        let changed = match r.redact_cow(&self) {
            Cow::Borrowed(_) => None,
            Cow::Owned(o) => Some(o),
        };
        changed.unwrap_or(self)
    }
}

impl Redact for Box<str> {
    fn redact(self, r: &mut Redactor) -> Self {
        String::from(self).redact(r).into_boxed_str()
    }
}

impl<T: Redact> Redact for Vec<T> {
    fn redact(self, r: &mut Redactor) -> Self {
        self.into_iter().map(|v| v.redact(r)).collect()
    }
}

impl<T: Redact> Redact for Option<T> {
    fn redact(self, r: &mut Redactor) -> Self {
        self.map(|v| v.redact(r))
    }
}

impl<T: Redact> Redact for Box<T> {
    fn redact(self, r: &mut Redactor) -> Self {
        Box::new((*self).redact(r))
    }
}

/// Numbers and booleans carry no text, so redacting them changes nothing. This lets tuples
/// such as `(String, u64)` (a value and its count) be sealed directly.
macro_rules! redact_identity {
    ($($t:ty),*) => {
        $(impl Redact for $t {
            fn redact(self, _: &mut Redactor) -> Self {
                self
            }
        })*
    };
}
redact_identity!(
    bool, u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize, f32, f64
);

macro_rules! redact_tuple {
    ($($name:ident),+) => {
        impl<$($name: Redact),+> Redact for ($($name,)+) {
            #[allow(non_snake_case)]
            fn redact(self, r: &mut Redactor) -> Self {
                let ($($name,)+) = self;
                ($($name.redact(r),)+)
            }
        }
    };
}
redact_tuple!(A);
redact_tuple!(A, B);
redact_tuple!(A, B, C);
redact_tuple!(A, B, C, D);
redact_tuple!(A, B, C, D, E);
redact_tuple!(A, B, C, D, E, F);

// ---------------------------------------------------------------------------------------
// Kinds.

/// What a redaction replaced. Serialised in `snake_case` (`github_token`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// AWS access key id (`AKIA...`, `ASIA...`).
    AwsAccessKeyId,
    /// AWS secret access key, recognised by the key that names it.
    AwsSecretKey,
    /// GitHub token (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`, `github_pat_`).
    GithubToken,
    /// GitLab personal access token (`glpat-`).
    GitlabToken,
    /// Slack token (`xoxb-`, `xoxp-`, ...).
    SlackToken,
    /// The secret path of a Slack webhook URL.
    SlackWebhook,
    /// Stripe key (`sk_live_`, `rk_live_`, `pk_live_`, and `_test_`).
    StripeKey,
    /// Google API key (`AIza...`).
    GoogleApiKey,
    /// OpenAI-style key (`sk-...`, `sk-proj-...`).
    OpenaiKey,
    /// npm token (`npm_`).
    NpmToken,
    /// A high-entropy value after a key word such as `signing_key=` or `signature:`.
    GenericSecret,
    /// A JSON Web Token.
    Jwt,
    /// An `Authorization`/`Cookie` header value, or a `bearer`/`basic` credential.
    AuthHeader,
    /// A PEM private key block.
    PrivateKey,
    /// The value after `password=`, `token:`, `"api_key": ...` and similar keys.
    CredentialValue,
    /// The password in `scheme://user:password@host`, or a token used as the user.
    UrlCredential,
    /// A payment card number.
    CardNumber,
    /// An email address.
    Email,
    /// An IPv4 or IPv6 address (only with hosts on).
    IpAddress,
    /// A fully qualified host name (only with hosts on).
    Hostname,
    /// Quarantined suspicious content.
    Suspicious,
}

impl Kind {
    /// Every kind, in declaration order.
    pub const ALL: [Kind; 21] = [
        Kind::AwsAccessKeyId,
        Kind::AwsSecretKey,
        Kind::GithubToken,
        Kind::GitlabToken,
        Kind::SlackToken,
        Kind::SlackWebhook,
        Kind::StripeKey,
        Kind::GoogleApiKey,
        Kind::OpenaiKey,
        Kind::NpmToken,
        Kind::GenericSecret,
        Kind::Jwt,
        Kind::AuthHeader,
        Kind::PrivateKey,
        Kind::CredentialValue,
        Kind::UrlCredential,
        Kind::CardNumber,
        Kind::Email,
        Kind::IpAddress,
        Kind::Hostname,
        Kind::Suspicious,
    ];

    /// The `snake_case` name used in the audit.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::AwsAccessKeyId => "aws_access_key_id",
            Kind::AwsSecretKey => "aws_secret_key",
            Kind::GithubToken => "github_token",
            Kind::GitlabToken => "gitlab_token",
            Kind::SlackToken => "slack_token",
            Kind::SlackWebhook => "slack_webhook",
            Kind::StripeKey => "stripe_key",
            Kind::GoogleApiKey => "google_api_key",
            Kind::OpenaiKey => "openai_key",
            Kind::NpmToken => "npm_token",
            Kind::GenericSecret => "generic_secret",
            Kind::Jwt => "jwt",
            Kind::AuthHeader => "auth_header",
            Kind::PrivateKey => "private_key",
            Kind::CredentialValue => "credential_value",
            Kind::UrlCredential => "url_credential",
            Kind::CardNumber => "card_number",
            Kind::Email => "email",
            Kind::IpAddress => "ip_address",
            Kind::Hostname => "hostname",
            Kind::Suspicious => "suspicious",
        }
    }

    /// The configuration category that switches this kind on or off.
    pub fn category(self) -> Category {
        match self {
            Kind::AwsAccessKeyId
            | Kind::AwsSecretKey
            | Kind::GithubToken
            | Kind::GitlabToken
            | Kind::SlackToken
            | Kind::SlackWebhook
            | Kind::StripeKey
            | Kind::GoogleApiKey
            | Kind::OpenaiKey
            | Kind::NpmToken
            | Kind::GenericSecret => Category::ApiKeys,
            Kind::Jwt => Category::Jwts,
            Kind::AuthHeader => Category::AuthHeaders,
            Kind::PrivateKey => Category::PrivateKeys,
            Kind::CredentialValue => Category::Credentials,
            Kind::UrlCredential => Category::UrlCredentials,
            Kind::CardNumber => Category::Cards,
            Kind::Email => Category::Emails,
            Kind::IpAddress | Kind::Hostname => Category::Hosts,
            Kind::Suspicious => Category::Suspicious,
        }
    }

    fn label(self) -> Label {
        match self {
            Kind::AwsAccessKeyId | Kind::AwsSecretKey => Label::AwsKey,
            Kind::GithubToken
            | Kind::GitlabToken
            | Kind::SlackToken
            | Kind::SlackWebhook
            | Kind::StripeKey
            | Kind::GoogleApiKey
            | Kind::OpenaiKey
            | Kind::NpmToken => Label::ApiKey,
            Kind::GenericSecret
            | Kind::AuthHeader
            | Kind::CredentialValue
            | Kind::UrlCredential => Label::Secret,
            Kind::Jwt => Label::Jwt,
            Kind::PrivateKey => Label::PrivateKey,
            Kind::CardNumber => Label::Card,
            Kind::Email => Label::Email,
            Kind::IpAddress => Label::Ip,
            Kind::Hostname => Label::Host,
            Kind::Suspicious => Label::Suspicious,
        }
    }

    /// Which rule wins when two mark overlapping text: the more specific one, so that a
    /// GitHub token after `token=` is reported as a GitHub token, and a host inside an email
    /// stays part of the email.
    fn priority(self) -> u8 {
        match self {
            Kind::Suspicious => 100,
            Kind::PrivateKey => 90,
            Kind::AwsAccessKeyId
            | Kind::AwsSecretKey
            | Kind::GithubToken
            | Kind::GitlabToken
            | Kind::SlackToken
            | Kind::SlackWebhook
            | Kind::StripeKey
            | Kind::GoogleApiKey
            | Kind::OpenaiKey
            | Kind::NpmToken
            | Kind::Jwt => 80,
            Kind::UrlCredential => 70,
            Kind::AuthHeader => 65,
            Kind::CredentialValue => 60,
            Kind::GenericSecret => 55,
            Kind::CardNumber => 40,
            Kind::Email => 30,
            Kind::IpAddress => 20,
            Kind::Hostname => 10,
        }
    }

    /// Kinds whose values are remembered and looked for everywhere: every secret. A value
    /// found by its context (`password=...`) would not be recognised bare, and a token glued
    /// to other text may miss its rule's boundary; hosts and suspicious text are not secrets.
    fn remembered(self) -> bool {
        !matches!(self, Kind::IpAddress | Kind::Hostname | Kind::Suspicious)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A kind name that is not one of [`Kind::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown redaction kind {0:?}: use one of the snake_case names such as github_token or email"
)]
pub struct UnknownKind(pub String);

impl FromStr for Kind {
    type Err = UnknownKind;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownKind(s.to_owned()))
    }
}

/// Why content was quarantined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SuspiciousKind {
    /// "ignore previous instructions" and the like.
    InstructionOverride,
    /// "you are now", "pretend to be", "act as an AI".
    RoleChange,
    /// Asks for the system prompt or for secrets.
    PromptExtraction,
    /// Addresses an AI directly ("note to the AI").
    AddressesModel,
    /// Dictates what the answer says or leaves out.
    SteersOutput,
    /// Jailbreak wording.
    Jailbreak,
    /// Chat-template role markers and role labels.
    RoleMarker,
    /// Tags and banners that pretend to end or start a section of the prompt.
    Delimiter,
    /// JSON shaped like the summary's own answer.
    FakeAnswer,
    /// Markdown or HTML that acts when rendered.
    Markup,
    /// Base64 that decodes to an instruction.
    EncodedInstruction,
    /// Base64 that decodes to readable text.
    EncodedText,
    /// A long random-looking base64 run.
    EncodedBlob,
    /// Zero-width, bidi-control or tag characters.
    InvisibleCharacter,
}

/// The word in a placeholder. Coarser than [`Kind`]: the audit has the detail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Label {
    AwsKey,
    ApiKey,
    Secret,
    Jwt,
    PrivateKey,
    Card,
    Email,
    Ip,
    Host,
    Suspicious,
}

impl Label {
    const COUNT: usize = 10;

    fn as_str(self) -> &'static str {
        match self {
            Label::AwsKey => "AWS_KEY",
            Label::ApiKey => "API_KEY",
            Label::Secret => "SECRET",
            Label::Jwt => "JWT",
            Label::PrivateKey => "PRIVATE_KEY",
            Label::Card => "CARD",
            Label::Email => "EMAIL",
            Label::Ip => "IP",
            Label::Host => "HOST",
            Label::Suspicious => "SUSPICIOUS",
        }
    }
}

/// A placeholder this module writes, so that text already redacted is left alone.
static PLACEHOLDER: LazyLock<Regex> = LazyLock::new(|| {
    secrets::rx(
        r"<(?:AWS_KEY|API_KEY|SECRET|JWT|PRIVATE_KEY|CARD|EMAIL|IP|HOST|SUSPICIOUS)_[0-9]+>",
    )
});

// ---------------------------------------------------------------------------------------
// Candidates and their resolution.

/// Why a candidate is suspicious.
#[derive(Debug, Clone)]
struct Why {
    kind: SuspiciousKind,
    desc: Cow<'static, str>,
}

/// A range some rule wants replaced.
#[derive(Debug, Clone)]
struct Cand {
    start: usize,
    end: usize,
    kind: Kind,
    why: Option<Why>,
}

impl Cand {
    fn secret(start: usize, end: usize, kind: Kind) -> Cand {
        Cand {
            start,
            end,
            kind,
            why: None,
        }
    }

    fn suspicious(start: usize, end: usize, kind: SuspiciousKind, desc: Cow<'static, str>) -> Cand {
        Cand {
            start,
            end,
            kind: Kind::Suspicious,
            why: Some(Why { kind, desc }),
        }
    }

    /// Base64 text and blobs rank below secrets: a base64 value after `token=` is a secret
    /// first. Instructions rank above everything: the whole payload goes.
    fn priority(&self) -> u8 {
        match &self.why {
            Some(w)
                if matches!(
                    w.kind,
                    SuspiciousKind::EncodedText | SuspiciousKind::EncodedBlob
                ) =>
            {
                45
            }
            _ => self.kind.priority(),
        }
    }
}

/// A range chosen for replacement (keyed by its start in a `BTreeMap`).
#[derive(Debug, Clone)]
struct Chosen {
    end: usize,
    kind: Kind,
    why: Option<Why>,
    priority: u8,
}

type Spans = BTreeMap<usize, Chosen>;

/// Add `c` to the disjoint set of chosen ranges. Inside an existing range it is dropped;
/// overlapping one or more it is merged into their union, which keeps the kind of the
/// highest-priority member. Merging rather than cutting means no rule's text is left half
/// visible.
fn insert(spans: &mut Spans, c: Cand) {
    let prio = c.priority();
    let mut overlapping: Vec<usize> = Vec::new();
    for (&start, ch) in spans.range(..c.end).rev() {
        if ch.end <= c.start {
            break;
        }
        if start <= c.start && c.end <= ch.end {
            return;
        }
        overlapping.push(start);
    }
    let mut merged = Chosen {
        end: c.end,
        kind: c.kind,
        why: c.why,
        priority: prio,
    };
    let mut start = c.start;
    for s in overlapping {
        if let Some(ch) = spans.remove(&s) {
            start = start.min(s);
            merged.end = merged.end.max(ch.end);
            if ch.priority > merged.priority {
                merged.kind = ch.kind;
                merged.why = ch.why;
                merged.priority = ch.priority;
            }
        }
    }
    spans.insert(start, merged);
}

// ---------------------------------------------------------------------------------------
// Prefilter.

const G_VENDOR: usize = 0;
const G_JWT: usize = 1;
const G_AUTH: usize = 2;
const G_PEM: usize = 3;
const G_CRED: usize = 4;
const G_URL: usize = 5;
const G_CARD: usize = 6;
const G_EMAIL: usize = 7;
const G_HOST: usize = 8;
const G_B64: usize = 9;
const G_UNICODE: usize = 10;

/// One cheap pattern per rule group: a necessary condition for any rule of the group to
/// match. Text that matches none of them (with no suspicious phrase and nothing remembered)
/// is returned as it is.
static PREFILTER: LazyLock<RegexSet> = LazyLock::new(|| {
    RegexSet::new([
        r"AKIA|ASIA|gh[pousr]_|github_pat_|glpat-|xox[abposr]-|(?i:hooks\.slack\.com)|[spr]k_(?:live|test)_|AIza|sk-|npm_|(?i:aws_?secret|secret_?access)",
        r"eyJ",
        r"(?i)bearer|authorization|cookie|basic[ \t]",
        r"-----BEGIN",
        r"(?i)pass|pwd|secret|token|key|auth|sid|salt|hmac|signature|credential|csrf|session",
        r"://[^\s/]*@",
        r"\d(?:[ \-]?\d){12}",
        r"@[A-Za-z0-9\-]+\.",
        r"\d\.\d|[0-9A-Fa-f]:[0-9A-Fa-f:]|::|[A-Za-z0-9\-]\.[A-Za-z]",
        r"[A-Za-z0-9+/_\-]{20}",
        r"[^\x00-\x7F]|%[0-9A-Fa-f]{2}|\\[ux][0-9A-Fa-f]{2}|&#|&(?i:lt|gt|quot|amp|apos);",
    ])
    .expect("built-in prefilter patterns compile")
});

// ---------------------------------------------------------------------------------------
// The audit.

/// Occurrences and distinct values replaced for one kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct KindCount {
    /// Replacements made.
    pub occurrences: u64,
    /// Distinct values (new placeholders) among them.
    pub distinct: u64,
}

/// One quarantined piece of suspicious content. Holds no part of the content itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SuspiciousFinding {
    /// The placeholder that replaced it (`<SUSPICIOUS_1>`).
    pub placeholder: String,
    /// Which rule fired (the first, when several did).
    pub kind: SuspiciousKind,
    /// A short description written by the rule, never taken from the content.
    pub description: String,
    /// How often this same content was replaced.
    pub occurrences: u64,
    /// Length of the quarantined text in characters.
    pub chars: usize,
}

/// What a [`Redactor`] has done so far: counts per kind and the suspicious findings.
/// Never holds a raw value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Audit {
    /// Categories that were on.
    pub categories: Vec<Category>,
    /// Strings passed to the redactor.
    pub strings_scanned: u64,
    /// Strings that came out changed.
    pub strings_changed: u64,
    /// Replacements per kind.
    pub redactions: BTreeMap<Kind, KindCount>,
    /// Distinct suspicious contents, in the order first seen, up to the configured cap.
    pub suspicious: Vec<SuspiciousFinding>,
    /// Suspicious replacements not listed because the cap was reached (still redacted).
    pub suspicious_unlisted: u64,
}

impl Audit {
    /// Replacements made for `kind`.
    pub fn count(&self, kind: Kind) -> u64 {
        self.redactions.get(&kind).map_or(0, |c| c.occurrences)
    }

    /// Replacements made, all kinds.
    pub fn total(&self) -> u64 {
        self.redactions.values().map(|c| c.occurrences).sum()
    }

    /// Suspicious replacements made.
    pub fn suspicious_total(&self) -> u64 {
        self.count(Kind::Suspicious)
    }
}

// ---------------------------------------------------------------------------------------
// The redactor.

/// Passes over one string at most: the second pass only runs when the first changed
/// something, and finds nothing unless a replacement brought two pieces of text together
/// into a new match. The cap makes the output a fixed point in practice while bounding work.
const MAX_PASSES: usize = 3;

/// Shortest remembered value: shorter values (`admin`, `1234`) are too likely to occur by
/// chance elsewhere in a report.
const REMEMBER_MIN_LEN: usize = 6;

/// Longest remembered value: longer ones (headers, cookies) are not repeated verbatim.
const REMEMBER_MAX_LEN: usize = 512;

/// Up to this many values found in one text are searched for one by one in it; more are
/// searched for together.
const FEW_VALUES: usize = 4;

/// Remembered values searched one by one before the matcher is rebuilt to include them
/// (or half the matcher's size, whichever is larger): rebuilds stay logarithmic in the number
/// of values, and few single searches run per string.
const PENDING_BEFORE_REBUILD: usize = 8;

/// Replaces secrets and suspicious content with consistent placeholders, and keeps an audit.
///
/// One redactor should serve one report (one prompt): placeholders are consistent within it.
pub struct Redactor {
    config: RedactConfig,
    extra_keys: Option<Regex>,
    hash_keys: (RandomState, RandomState),
    placeholders: HashMap<u128, String>,
    next: [u32; Label::COUNT],
    audit: Audit,
    finding_index: HashMap<String, usize>,
    remembered: Vec<String>,
    remembered_kind: Vec<Kind>,
    remembered_keys: HashSet<u128>,
    /// Matcher over `remembered[..matched]`; the values after those are searched one by one
    /// until there are enough of them to rebuild (rebuilding for every new value would cost
    /// a build per string).
    matcher: Option<AhoCorasick>,
    matched: usize,
}

impl fmt::Debug for Redactor {
    /// Shows counts only: the redactor holds remembered secrets, which must not be printed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Redactor")
            .field("config", &self.config)
            .field("placeholders", &self.placeholders.len())
            .field("remembered", &self.remembered.len())
            .field("strings_scanned", &self.audit.strings_scanned)
            .finish_non_exhaustive()
    }
}

impl Default for Redactor {
    fn default() -> Self {
        Redactor::new(RedactConfig::default())
    }
}

impl Redactor {
    /// A redactor with `config`.
    pub fn new(config: RedactConfig) -> Redactor {
        // A built configuration has compiled this pattern once already, so it cannot fail
        // here; if it somehow did, the extra keys would be ignored rather than panic.
        let extra_keys = secrets::extra_keys_regex(config.extra_keys())
            .ok()
            .flatten();
        let audit = Audit {
            categories: config.categories(),
            ..Audit::default()
        };
        Redactor {
            config,
            extra_keys,
            hash_keys: (RandomState::new(), RandomState::new()),
            placeholders: HashMap::new(),
            next: [0; Label::COUNT],
            audit,
            finding_index: HashMap::new(),
            remembered: Vec::new(),
            remembered_kind: Vec::new(),
            remembered_keys: HashSet::new(),
            matcher: None,
            matched: 0,
        }
    }

    /// The configuration in use.
    pub fn config(&self) -> &RedactConfig {
        &self.config
    }

    /// Redact `value` and seal it: the only way to make a [`Redacted`].
    pub fn seal<T: Redact>(&mut self, value: T) -> Redacted<T> {
        Redacted(value.redact(self))
    }

    /// Redact one string (a sample line, a template, a whole report for `--redact-output`).
    pub fn redact_str(&mut self, s: &str) -> String {
        self.redact_cow(s).into_owned()
    }

    /// Redact one string, borrowing it back unchanged when there is nothing to do (the
    /// common case, which then allocates nothing).
    pub fn redact_cow<'a>(&mut self, s: &'a str) -> Cow<'a, str> {
        self.audit.strings_scanned += 1;
        let mut cur: Cow<'a, str> = Cow::Borrowed(s);
        for _ in 0..MAX_PASSES {
            let spans = self.find(&cur);
            if spans.is_empty() {
                break;
            }
            let next = self.apply(&cur, spans.into_iter());
            cur = Cow::Owned(next);
        }
        if matches!(cur, Cow::Owned(_)) {
            self.audit.strings_changed += 1;
        }
        cur
    }

    /// Redact a value that was cut out of its text, judging it in that text: a parameter
    /// value `hunter2` of the template slot `password=<*>` is a secret only in context.
    /// `before` and `after` are the surrounding text (e.g. the template around the slot);
    /// only `value` is returned, redacted both in context and on its own.
    pub fn redact_in_context(&mut self, before: &str, value: &str, after: &str) -> String {
        let joined = format!("{before}{value}{after}");
        let (a, b) = (before.len(), before.len() + value.len());
        let spans = self.find(&joined);
        let clipped: Vec<(usize, Chosen)> = spans
            .into_iter()
            .filter(|(start, ch)| *start < b && ch.end > a)
            .map(|(start, mut ch)| {
                let s = start.max(a) - a;
                ch.end = ch.end.min(b) - a;
                (s, ch)
            })
            .filter(|(s, ch)| {
                ch.end > *s && value.is_char_boundary(*s) && value.is_char_boundary(ch.end)
            })
            .collect();
        let first = if clipped.is_empty() {
            value.to_owned()
        } else {
            self.apply(value, clipped.into_iter())
        };
        self.redact_str(&first)
    }

    /// The audit so far.
    pub fn audit(&self) -> Audit {
        self.audit.clone()
    }

    /// Find the ranges to replace in `s`.
    fn find(&mut self, s: &str) -> Spans {
        let mut spans = Spans::new();
        let mut cands = Vec::new();
        self.collect(s, &mut cands);
        if cands.is_empty() {
            return spans;
        }
        drop_inside_placeholders(s, &mut cands);
        // Context-found values, including those a larger span swallows (a password inside
        // a quarantined line is still a password): their other occurrences in this text are
        // secrets too, and they are remembered for later texts.
        let mut values: Vec<&str> = Vec::new();
        let mut kinds: Vec<Kind> = Vec::new();
        let mut seen: HashSet<&str> = HashSet::new();
        for c in &cands {
            let v = &s[c.start..c.end];
            if c.why.is_none() && c.kind.remembered() && rememberable(v) && seen.insert(v) {
                values.push(v);
                kinds.push(c.kind);
            }
        }
        cands.sort_by(|x, y| {
            y.priority()
                .cmp(&x.priority())
                .then((y.end - y.start).cmp(&(x.end - x.start)))
                .then(x.start.cmp(&y.start))
        });
        for c in cands {
            insert(&mut spans, c);
        }
        if values.is_empty() {
            return spans;
        }
        for (v, k) in values.iter().zip(&kinds) {
            self.remember(self.key(v), v, *k);
        }
        // Few values (the usual case) are searched for one by one; many together, in one
        // pass over the text, so that a text full of distinct secrets stays linear.
        let mut repeats: Vec<Cand> = Vec::new();
        let mut push = |start: usize, end: usize, i: usize| {
            if !spans.contains_key(&start) {
                let kind = kinds.get(i).copied().unwrap_or(Kind::CredentialValue);
                repeats.push(Cand::secret(start, end, kind));
            }
        };
        if values.len() <= FEW_VALUES {
            for (i, v) in values.iter().enumerate() {
                for (at, _) in s.match_indices(v) {
                    push(at, at + v.len(), i);
                }
            }
        } else {
            // Building fails only beyond limits far above one string's worth of values; then
            // the repeats are simply not looked for.
            let matcher = AhoCorasick::builder()
                .kind(Some(AhoCorasickKind::ContiguousNFA))
                .match_kind(MatchKind::LeftmostLongest)
                .build(&values);
            if let Ok(m) = matcher {
                for hit in m.find_iter(s) {
                    push(hit.start(), hit.end(), hit.pattern().as_usize());
                }
            }
        }
        drop_inside_placeholders(s, &mut repeats);
        for c in repeats {
            insert(&mut spans, c);
        }
        spans
    }

    /// Run the rules whose prefilter matched.
    fn collect(&mut self, s: &str, out: &mut Vec<Cand>) {
        let on = |c: Category| self.config.enabled(c);
        let groups = PREFILTER.matches(s);
        let g = |i: usize| groups.matched(i);
        if on(Category::ApiKeys) && g(G_VENDOR) {
            secrets::vendor_tokens(s, out);
        }
        if on(Category::ApiKeys) && g(G_CRED) {
            secrets::generic(s, out);
        }
        if on(Category::Jwts) && g(G_JWT) {
            secrets::jwts(s, out);
        }
        if on(Category::AuthHeaders) && g(G_AUTH) {
            secrets::auth_headers(s, out);
        }
        if on(Category::PrivateKeys) && g(G_PEM) {
            secrets::private_keys(s, out);
        }
        if on(Category::Credentials) && (g(G_CRED) || self.extra_keys.is_some()) {
            secrets::credentials(s, self.extra_keys.as_ref(), out);
        }
        if on(Category::UrlCredentials) && g(G_URL) {
            secrets::url_credentials(s, out);
        }
        if on(Category::Cards) && g(G_CARD) {
            secrets::cards(s, out);
        }
        if on(Category::Emails) && g(G_EMAIL) {
            secrets::emails(s, out);
        }
        if on(Category::Hosts) && g(G_HOST) {
            secrets::hosts(s, out);
        }
        if on(Category::Suspicious) {
            let scope = inject::Scope {
                phrases: inject::has_phrase(s),
                unicode: g(G_UNICODE),
                base64: g(G_B64),
            };
            if scope.phrases || scope.unicode || scope.base64 {
                inject::suspicious(s, &scope, out);
            }
        }
        self.remembered_occurrences(s, out);
    }

    /// Occurrences of values remembered from earlier strings.
    fn remembered_occurrences(&mut self, s: &str, out: &mut Vec<Cand>) {
        if self.remembered.is_empty() {
            return;
        }
        let pending = self.remembered.len() - self.matched;
        if pending > PENDING_BEFORE_REBUILD.max(self.matched / 2) {
            // Building can only fail on limits far above the remembered cap; without a
            // matcher the remembered values are still looked for one by one below.
            self.matcher = AhoCorasick::builder()
                .kind(Some(AhoCorasickKind::ContiguousNFA))
                .match_kind(MatchKind::LeftmostLongest)
                .build(&self.remembered)
                .ok();
            if self.matcher.is_some() {
                self.matched = self.remembered.len();
            }
        }
        let kind_of = |i: usize| {
            self.remembered_kind
                .get(i)
                .copied()
                .unwrap_or(Kind::CredentialValue)
        };
        if let Some(m) = &self.matcher {
            for hit in m.find_iter(s) {
                out.push(Cand::secret(
                    hit.start(),
                    hit.end(),
                    kind_of(hit.pattern().as_usize()),
                ));
            }
        }
        for (i, v) in self.remembered.iter().enumerate().skip(self.matched) {
            for (at, _) in s.match_indices(v.as_str()) {
                out.push(Cand::secret(at, at + v.len(), kind_of(i)));
            }
        }
    }

    fn key(&self, value: &str) -> u128 {
        (u128::from(self.hash_keys.0.hash_one(value)) << 64)
            | u128::from(self.hash_keys.1.hash_one(value))
    }

    /// Replace the chosen ranges of `s` with placeholders, and account for them.
    fn apply(&mut self, s: &str, spans: impl Iterator<Item = (usize, Chosen)>) -> String {
        let mut out = String::with_capacity(s.len());
        let mut last = 0;
        for (start, ch) in spans {
            if start < last {
                continue;
            }
            out.push_str(&s[last..start]);
            let value = &s[start..ch.end];
            let placeholder = self.placeholder_for(value, &ch);
            out.push_str(&placeholder);
            last = ch.end;
        }
        out.push_str(&s[last..]);
        out
    }

    fn placeholder_for(&mut self, value: &str, ch: &Chosen) -> String {
        let key = self.key(value);
        let label = ch.kind.label();
        let (placeholder, new) = match self.placeholders.get(&key) {
            Some(p) => (p.clone(), false),
            None => {
                let n = &mut self.next[label as usize];
                *n = n.saturating_add(1);
                let p = format!("<{}_{}>", label.as_str(), n);
                self.placeholders.insert(key, p.clone());
                (p, true)
            }
        };
        let count = self.audit.redactions.entry(ch.kind).or_default();
        count.occurrences += 1;
        count.distinct += u64::from(new);
        // A value keeps its first placeholder: one already replaced as a secret stays a
        // secret, and is not listed as suspicious under a placeholder that says otherwise.
        let same_label = placeholder.strip_prefix('<').is_some_and(|p| {
            p.starts_with(label.as_str()) && p[label.as_str().len()..].starts_with('_')
        });
        if let Some(why) = &ch.why
            && same_label
        {
            self.record_finding(&placeholder, why, value);
        }
        placeholder
    }

    fn record_finding(&mut self, placeholder: &str, why: &Why, value: &str) {
        if let Some(&i) = self.finding_index.get(placeholder) {
            if let Some(f) = self.audit.suspicious.get_mut(i) {
                f.occurrences += 1;
            }
            return;
        }
        if self.audit.suspicious.len() >= self.config.max_findings() {
            self.audit.suspicious_unlisted += 1;
            return;
        }
        self.finding_index
            .insert(placeholder.to_owned(), self.audit.suspicious.len());
        self.audit.suspicious.push(SuspiciousFinding {
            placeholder: placeholder.to_owned(),
            kind: why.kind,
            description: why.desc.to_string(),
            occurrences: 1,
            chars: value.chars().count(),
        });
    }

    fn remember(&mut self, key: u128, value: &str, kind: Kind) {
        if self.remembered.len() >= self.config.max_remembered()
            || !self.remembered_keys.insert(key)
        {
            return;
        }
        self.remembered.push(value.to_owned());
        self.remembered_kind.push(kind);
    }
}

/// Whether a secret value is distinctive enough to look for elsewhere: long enough, and not
/// a plain word (two character classes; `token: Expired` must not hide every "Expired").
fn rememberable(v: &str) -> bool {
    (REMEMBER_MIN_LEN..=REMEMBER_MAX_LEN).contains(&v.len()) && secrets::classes(v) >= 2
}

/// Drop candidates that lie within a placeholder already in the text, so that redacting
/// redacted text changes nothing.
fn drop_inside_placeholders(s: &str, cands: &mut Vec<Cand>) {
    if memchr::memchr(b'<', s.as_bytes()).is_none() {
        return;
    }
    let ranges: Vec<(usize, usize)> = PLACEHOLDER
        .find_iter(s)
        .map(|m| (m.start(), m.end()))
        .collect();
    if ranges.is_empty() {
        return;
    }
    cands.retain(|c| {
        let i = ranges.partition_point(|&(a, _)| a <= c.start);
        !(i > 0 && ranges[i - 1].1 >= c.end)
    });
}

/// Compiles every redaction and injection pattern now rather than on first use: about a
/// tenth of a second of work that a caller can do on another thread while it reads logs.
pub fn warm_up() {
    LazyLock::force(&PLACEHOLDER);
    LazyLock::force(&PREFILTER);
    secrets::warm_up();
    inject::warm_up();
}

#[cfg(test)]
mod tests;
