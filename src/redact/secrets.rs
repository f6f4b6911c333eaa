//! Secret rules: where in a string a credential, card number, email or host sits.
//!
//! Each rule appends [`Cand`]idates (byte range of the value to replace, and its [`Kind`]).
//! A rule marks only the secret itself, never its key: `password=hunter2` yields the range
//! of `hunter2`. Rules do not decide overlaps, placeholders or counts; the parent module
//! does. Every rule runs in time linear in the input: regex searches resume past the end of
//! the previous value, and manual scans never step back over covered text.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::LazyLock;

use regex::Regex;

use super::{Cand, Kind, b64};

/// Compile a built-in pattern. `\b` is made an ASCII word boundary, which keeps the regex
/// engine on its fast path when the text is not ASCII (a Unicode `\b` forces a slower one).
pub(super) fn rx(pattern: &str) -> Regex {
    let pattern = pattern.replace(r"\b", r"(?-u:\b)");
    // The patterns are constants of this module; `tests::every_pattern_compiles` builds them all.
    Regex::new(&pattern).expect("built-in redaction pattern compiles")
}

// ---------------------------------------------------------------------------------------
// Reading and judging values.

/// Characters that end an unquoted value: whitespace and the delimiters of query strings,
/// connection strings, JSON and brackets.
fn is_value_end(b: u8) -> bool {
    b.is_ascii_whitespace()
        || matches!(
            b,
            b'&' | b';' | b',' | b'"' | b'\'' | b')' | b']' | b'}' | b'\\'
        )
}

/// `end`, moved back over a `\r` that ends a CRLF line (not before `start`).
fn trim_cr(b: &[u8], start: usize, end: usize) -> usize {
    if end > start && b[end - 1] == b'\r' {
        end - 1
    } else {
        end
    }
}

fn line_end(b: &[u8], from: usize) -> usize {
    let end = memchr::memchr(b'\n', &b[from..]).map_or(b.len(), |p| from + p);
    if end > from && b[end - 1] == b'\r' {
        end - 1
    } else {
        end
    }
}

/// The value starting at byte `i` (after a key and its separator): the inside of a quoted
/// string (`"..."`, `'...'` or the escaped `\"...\"` of JSON inside a string, up to the
/// matching quote on the same line, or the end of the line when it is not closed), or an
/// unquoted run up to whitespace or a delimiter. Returns `None` when the value is empty.
pub(super) fn value_at(s: &str, i: usize) -> Option<(usize, usize)> {
    let b = s.as_bytes();
    let mut i = i;
    while i < b.len() && (b[i] == b' ' || b[i] == b'\t') {
        i += 1;
    }
    let first = *b.get(i)?;
    let (open, close): (usize, &[u8]) = if first == b'\\' && b.get(i + 1) == Some(&b'"') {
        (2, b"\\\"")
    } else if first == b'"' {
        (1, b"\"")
    } else if first == b'\'' {
        (1, b"'")
    } else {
        (0, b"")
    };
    let (start, end) = if open > 0 {
        // Scan to the closing quote or the end of the line, whichever comes first (never
        // to the end of the line first: that would make many short values on one long line
        // quadratic).
        let start = i + open;
        let quote = close[close.len() - 1];
        let mut j = start;
        let end = loop {
            let Some(p) = memchr::memchr2(quote, b'\n', &b[j..]) else {
                break trim_cr(b, start, b.len());
            };
            let at = j + p;
            if b[at] == b'\n' {
                break trim_cr(b, start, at);
            }
            let escaped = at > start && b[at - 1] == b'\\';
            match (open, escaped) {
                (2, true) => break at - 1,
                (2, false) | (_, true) => j = at + 1,
                _ => break at,
            }
        };
        (start, end)
    } else {
        let mut j = i;
        if b[i..].starts_with(b"${") {
            // An environment reference keeps its braces: `${DB_PASSWORD}`.
            let close = b[i..]
                .iter()
                .position(|&x| x == b'}' || x.is_ascii_whitespace());
            if let Some(p) = close.filter(|&p| b[i + p] == b'}') {
                j = i + p + 1;
            }
        }
        while j < b.len() && !is_value_end(b[j]) {
            j += 1;
        }
        (i, j)
    };
    (end > start && s.is_char_boundary(start) && s.is_char_boundary(end)).then_some((start, end))
}

/// Values that mean "nothing here" or "already hidden": redacting them would only hide
/// useful information (`password=` followed by `****` tells the reader the app masked it).
fn is_non_secret_value(v: &str) -> bool {
    const WORDS: [&str; 34] = [
        "null",
        "none",
        "nil",
        "true",
        "false",
        "undefined",
        "redacted",
        "[redacted]",
        "<redacted>",
        "filtered",
        "[filtered]",
        "hidden",
        "<hidden>",
        "[hidden]",
        "-",
        "n/a",
        "expired",
        "invalid",
        "missing",
        "required",
        "present",
        "absent",
        "set",
        "unset",
        "empty",
        "provided",
        "changed",
        "updated",
        "valid",
        "ok",
        "yes",
        "no",
        "enabled",
        "disabled",
    ];
    v.bytes().all(|b| b == b'*')
        || (v.len() >= 3 && v.bytes().all(|b| b == b'x' || b == b'X' || b == b'.'))
        || v.chars().all(|c| c == '•')
        || WORDS.iter().any(|w| v.eq_ignore_ascii_case(w))
        || is_reference(v)
}

/// A reference to a value rather than the value: SQL and format placeholders (`?`, `$1`,
/// `:token`, `%s`, `{}`), environment references (`${DB_PASSWORD}`, `$DB_PASSWORD`) and the
/// wildcards and masks of mined templates (`<*>`, `<NUM>`).
fn is_reference(v: &str) -> bool {
    let b = v.as_bytes();
    let ident =
        |x: &[u8]| !x.is_empty() && x.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'_');
    match b {
        b"?" | b"%s" | b"%d" | b"%v" | b"{}" => true,
        [b'$', b'{', mid @ .., b'}'] => ident(mid),
        [b'{', b'{', mid @ .., b'}', b'}'] => mid.iter().all(|&c| c != b'}'),
        [b'{', mid @ .., b'}'] => ident(mid),
        [b'$', rest @ ..] => {
            ident(rest)
                && (rest.iter().all(u8::is_ascii_digit)
                    || rest
                        .iter()
                        .all(|&c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'_'))
        }
        [b':', rest @ ..] => ident(rest) && rest.first().is_some_and(u8::is_ascii_alphabetic),
        [b'<', mid @ .., b'>'] => {
            mid == b"*"
                || (!mid.is_empty() && mid.iter().all(|&c| c.is_ascii_uppercase() || c == b'_'))
        }
        _ => false,
    }
}

/// Character classes present: lowercase, uppercase after the first character (so that a
/// capitalised word counts as one class), digit, other.
pub(super) fn classes(v: &str) -> u8 {
    let (mut lo, mut up, mut di, mut ot) = (false, false, false, false);
    for (i, b) in v.bytes().enumerate() {
        match b {
            b'a'..=b'z' => lo = true,
            b'A'..=b'Z' => up |= i > 0,
            b'0'..=b'9' => di = true,
            _ => ot = true,
        }
    }
    u8::from(lo) + u8::from(up) + u8::from(di) + u8::from(ot)
}

/// Whether a value looks like a token rather than a word: at least 8 characters with a
/// digit, a symbol or an inner capital.
pub(super) fn token_shaped(v: &str) -> bool {
    v.len() >= 8 && classes(v) >= 2
}

/// Shannon entropy in bits per byte.
fn entropy(v: &str) -> f64 {
    let mut counts = [0u32; 256];
    for b in v.bytes() {
        counts[usize::from(b)] += 1;
    }
    let n = v.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

/// Minimum length of a value the generic rule calls a secret: shorter high-entropy strings
/// are too often ordinary ids.
const GENERIC_MIN_LEN: usize = 16;

/// Minimum entropy (bits per character) for the generic rule. Random hex of 16 characters
/// averages about 3.4 bits, random alphanumerics more; words and paths mostly stay below.
const GENERIC_MIN_ENTROPY: f64 = 3.2;

/// Share of neighbouring letter pairs that switch case, below which a digit-free value is
/// taken for a camelCase word (`sparkExecutorActorSystem` switches on about a quarter of its
/// pairs, random letters on half).
const MIN_CASE_SWITCH_RATIO: f64 = 0.35;

/// Whether a value mixes characters the way random tokens do: letters with digits, or
/// letters that switch case far more often than camelCase words.
fn looks_random(v: &str) -> bool {
    let b = v.as_bytes();
    let has_digit = b.iter().any(u8::is_ascii_digit);
    let has_alpha = b.iter().any(u8::is_ascii_alphabetic);
    if has_digit && has_alpha {
        return true;
    }
    let (mut pairs, mut switches) = (0u32, 0u32);
    for w in b.windows(2) {
        if w[0].is_ascii_alphabetic() && w[1].is_ascii_alphabetic() {
            pairs += 1;
            switches += u32::from(w[0].is_ascii_uppercase() != w[1].is_ascii_uppercase());
        }
    }
    pairs > 0 && f64::from(switches) >= MIN_CASE_SWITCH_RATIO * f64::from(pairs)
}

/// A random-looking value: long enough, mixed classes, high entropy, no spaces.
pub(super) fn high_entropy(v: &str) -> bool {
    v.len() >= GENERIC_MIN_LEN
        && v.len() <= 4096
        && !v.bytes().any(|b| b.is_ascii_whitespace())
        && classes(v) >= 2
        && entropy(v) >= GENERIC_MIN_ENTROPY
        && looks_random(v)
}

/// The generic rule's test: random-looking, and not a typed id (`md5:...`,
/// `users:42:profile`), a path with an extension or a hexadecimal number (`0x14ede63a`,
/// ZooKeeper session ids).
fn generic_value(v: &str) -> bool {
    let hex_number = v.len() > 2
        && (v.starts_with("0x") || v.starts_with("0X"))
        && v[2..].bytes().all(|b| b.is_ascii_hexdigit());
    let path = v.contains('/') && v.contains('.');
    high_entropy(v) && !v.contains(':') && !path && !hex_number
}

fn push(out: &mut Vec<Cand>, start: usize, end: usize, kind: Kind) {
    if end > start {
        out.push(Cand::secret(start, end, kind));
    }
}

// ---------------------------------------------------------------------------------------
// Vendor tokens: fixed prefixes, so a match is a secret by shape alone.

struct Vendor {
    re: Regex,
    kind: Kind,
    /// Extra check on the matched token (group 1).
    check: fn(&str) -> bool,
}

fn any(_: &str) -> bool {
    true
}

/// OpenAI-style keys: the part after `sk-` (and a project/service prefix) is random, so it
/// has a digit and both cases; `sk-long-descriptive-name` does not.
fn openai_check(v: &str) -> bool {
    let body = v.rsplit('-').next().unwrap_or(v);
    let all = v.trim_start_matches("sk-");
    let has = |f: fn(&u8) -> bool| all.bytes().any(|b| f(&b));
    body.len() >= 16
        && has(u8::is_ascii_digit)
        && has(u8::is_ascii_uppercase)
        && has(u8::is_ascii_lowercase)
}

static VENDORS: LazyLock<Vec<Vendor>> = LazyLock::new(|| {
    let v = |p: &str, kind, check| Vendor {
        re: rx(p),
        kind,
        check,
    };
    // Distinctive prefixes need no boundary on the left: a token glued to other text
    // (`xghp_...`) is still a token. AWS ids and `sk-` keep theirs: their prefixes also
    // occur inside ordinary words and identifiers.
    vec![
        v(
            r"\b((?:AKIA|ASIA)[A-Z0-9]{16})\b",
            Kind::AwsAccessKeyId,
            any,
        ),
        v(
            r"((?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{30,251})\b",
            Kind::GithubToken,
            any,
        ),
        v(
            r"(github_pat_[A-Za-z0-9_]{22,255})\b",
            Kind::GithubToken,
            any,
        ),
        v(r"(glpat-[A-Za-z0-9_\-]{20,})", Kind::GitlabToken, any),
        v(r"(xox[abposr]-[A-Za-z0-9\-]{10,})", Kind::SlackToken, any),
        v(
            r"(?i)hooks\.slack\.com/(?:services|workflows|triggers)/([A-Za-z0-9_/\-]{8,})",
            Kind::SlackWebhook,
            any,
        ),
        v(
            r"((?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{10,})\b",
            Kind::StripeKey,
            any,
        ),
        v(r"(AIza[0-9A-Za-z_\-]{30,})", Kind::GoogleApiKey, any),
        v(
            r"\b(sk-(?:proj-|svcacct-|admin-|ant-(?:api\d\d-)?)?[A-Za-z0-9_\-]{20,})",
            Kind::OpenaiKey,
            openai_check,
        ),
        v(r"(npm_[A-Za-z0-9]{36,})\b", Kind::NpmToken, any),
    ]
});

/// AWS secret access keys have no prefix; they are recognised by the key that names them.
static AWS_SECRET: LazyLock<Regex> = LazyLock::new(|| {
    rx(
        r#"(?i)(?:aws_?secret_?access_?key|aws_?secret_?key|secret_?access_?key|aws_?secret)(?:\\?["'])?\s*(?:=>|[:=])\s*(?:\\?["'])?([A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)"#,
    )
});

pub(super) fn vendor_tokens(s: &str, out: &mut Vec<Cand>) {
    for v in VENDORS.iter() {
        for c in v.re.captures_iter(s) {
            if let Some(m) = c.get(1).filter(|m| (v.check)(m.as_str())) {
                push(out, m.start(), m.end(), v.kind);
            }
        }
    }
    for c in AWS_SECRET.captures_iter(s) {
        if let Some(m) = c.get(1) {
            push(out, m.start(), m.end(), Kind::AwsSecretKey);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Key-value credentials: `password=...` and friends.

/// Key names whose value is a secret whatever it looks like. A key matches when it ends with
/// one of these (`db_password`, `X-Auth-Token`, `spring.datasource.password`), so plurals and
/// counters (`tokens=`, `token_count=`) do not. `pass` only as the whole key name, since
/// `bypass=` and `compass=` are ordinary.
const CREDENTIAL_KEYS: &str = r"password|passwd|pwd|secret|token|api[_\-]?key|apikey|access[_\-]?key|secret[_\-]?key|private[_\-]?key|client[_\-]?secret";

static CREDENTIAL: LazyLock<Regex> = LazyLock::new(|| {
    rx(&format!(
        r#"(?i)(?:^|[^A-Za-z0-9_.\-])(\\?["']?)([A-Za-z0-9_.\-]*?(?:{CREDENTIAL_KEYS})|pass)(\\?["']?)([ \t]*)(=>|=|:)"#
    ))
});

/// Key names whose value is a secret only when it looks random (high entropy): too many of
/// these keys also carry ordinary values. `key` and `auth` only as whole key names, so
/// `cache_key=` and `oauth=` stay.
const GENERIC_KEYS: &str = r"signing[_\-]?key|encryption[_\-]?key|master[_\-]?key|auth[_\-]?key|session[_\-]?key|license[_\-]?key|passphrase|credentials?|signature|hmac(?:[_\-]?key)?|salt|session[_\-]?id|sessionid|csrf[_\-]?token";

static GENERIC: LazyLock<Regex> = LazyLock::new(|| {
    rx(&format!(
        r#"(?i)(?:^|[^A-Za-z0-9_.\-])(\\?["']?)([A-Za-z0-9_.\-]*?(?:{GENERIC_KEYS})|key|auth|sid)(\\?["']?)([ \t]*)(=>|=|:)"#
    ))
});

/// XML form: `<password>hunter2</password>`.
static CREDENTIAL_XML: LazyLock<Regex> = LazyLock::new(|| {
    rx(&format!(
        r#"(?i)<([A-Za-z0-9_.\-]*?(?:{CREDENTIAL_KEYS}))>([^<\n]+)</"#
    ))
});

/// Command-line form: `--password hunter2`, `--token=abc`.
static CREDENTIAL_FLAG: LazyLock<Regex> = LazyLock::new(|| {
    rx(
        r"(?i)(?:^|\s)--?(?:password|passwd|token|secret|api-key|apikey|client-secret|access-key)(?:[ \t]+|=)",
    )
});

/// The extra-key pattern for user-supplied key names, built per redactor.
/// The pattern for user-supplied key names (already checked to be `[A-Za-z0-9_.-]+`), built
/// per configuration. `None` when there are none.
pub(crate) fn extra_keys_regex(keys: &[String]) -> Result<Option<Regex>, regex::Error> {
    if keys.is_empty() {
        return Ok(None);
    }
    let alt = keys
        .iter()
        .map(|k| regex::escape(k))
        .collect::<Vec<_>>()
        .join("|");
    let pattern = format!(
        r#"(?i)(?:^|[^A-Za-z0-9_.\-])(\\?["']?)([A-Za-z0-9_.\-]*?(?:{alt}))(\\?["']?)([ \t]*)(=>|=|:)"#
    );
    Regex::new(&pattern.replace(r"\b", r"(?-u:\b)")).map(Some)
}

/// Run a key-value pattern (groups: 1 opening quote, 2 key, 3 closing quote, 4 space before
/// the separator, 5 separator) and push each value that `accept` takes.
fn key_values(re: &Regex, s: &str, kind: Kind, accept: fn(&str) -> bool, out: &mut Vec<Cand>) {
    let b = s.as_bytes();
    let mut pos = 0;
    while pos < s.len() {
        let Some(c) = re.captures_at(s, pos) else {
            break;
        };
        let Some(whole) = c.get(0) else { break };
        pos = whole.end().max(pos + 1);
        let quoted_key = c.get(1).is_some_and(|m| !m.is_empty());
        let spaced = c.get(4).is_some_and(|m| !m.is_empty());
        let sep = c.get(5).map_or("", |m| m.as_str());
        let next = b.get(whole.end()).copied();
        if sep == ":" && !quoted_key && !matches!(next, Some(b' ' | b'\t' | b'"' | b'\'')) {
            // `key: value` needs a space or a quote after the colon; `passwd:chauthtok` (PAM)
            // and `token:3` are not assignments.
            continue;
        }
        if sep == "=" && !spaced && matches!(next, Some(b' ' | b'\t')) {
            // `password= next=1`: an empty value. (`password = x`, spaced on both sides, is
            // the ini style and has a value.)
            continue;
        }
        let Some((start, end)) = value_at(s, whole.end()) else {
            continue;
        };
        let v = &s[start..end];
        let key = c.get(2).map_or("", |m| m.as_str());
        if !is_non_secret_value(v) && !v.eq_ignore_ascii_case(key) && accept(v) {
            push(out, start, end, kind);
        }
        // The search goes on from the separator, not after the value: the value may itself be
        // a key with a value of its own (`secret: passwd: hunter2`).
    }
}

pub(super) fn credentials(s: &str, extra: Option<&Regex>, out: &mut Vec<Cand>) {
    key_values(&CREDENTIAL, s, Kind::CredentialValue, |_| true, out);
    if let Some(re) = extra {
        key_values(re, s, Kind::CredentialValue, |_| true, out);
    }
    for c in CREDENTIAL_XML.captures_iter(s) {
        if let Some(m) = c.get(2).filter(|m| !is_non_secret_value(m.as_str().trim())) {
            push(out, m.start(), m.end(), Kind::CredentialValue);
        }
    }
    let mut pos = 0;
    while let Some(m) = CREDENTIAL_FLAG.find_at(s, pos) {
        pos = m.end().max(pos + 1);
        let value = value_at(s, m.end())
            .filter(|&(a, e)| !s[a..e].starts_with('-') && !is_non_secret_value(&s[a..e]));
        if let Some((start, end)) = value {
            push(out, start, end, Kind::CredentialValue);
            pos = pos.max(end);
        }
    }
}

pub(super) fn generic(s: &str, out: &mut Vec<Cand>) {
    key_values(&GENERIC, s, Kind::GenericSecret, generic_value, out);
}

// ---------------------------------------------------------------------------------------
// Authorization headers and bearer tokens.

static AUTH_HEADER: LazyLock<Regex> = LazyLock::new(|| {
    rx(
        r#"(?i)\b(?:proxy-)?authorization(?:\\?["'])?[ \t]*[:=][ \t]*(?:\\?["'])?(?:(bearer|basic|token|digest|negotiate|ntlm|aws4-hmac-sha256|apikey|sso-key|hmac)[ \t]+)?"#,
    )
});

static COOKIE_HEADER: LazyLock<Regex> =
    LazyLock::new(|| rx(r#"(?i)\b(?:set-)?cookie(?:\\?["'])?[ \t]*:[ \t]*(?:\\?["'])?"#));

static BEARER: LazyLock<Regex> =
    LazyLock::new(|| rx(r"(?i)\bbearer[ \t]+(?:token[ \t]+)?([A-Za-z0-9._~+/=\-]{8,})"));

static BASIC: LazyLock<Regex> =
    LazyLock::new(|| rx(r"(?i)\bbasic[ \t]+([A-Za-z0-9+/]{6,}={0,2})(?:[^A-Za-z0-9+/=]|$)"));

/// The rest of a header value from `i`: to the closing quote if the value was quoted, or to
/// the end of the line.
fn header_value(s: &str, i: usize, quoted: bool) -> Option<(usize, usize)> {
    let b = s.as_bytes();
    let end = if quoted {
        match memchr::memchr3(b'"', b'\'', b'\n', &b[i..]) {
            Some(p) => trim_cr(b, i, i + p),
            None => b.len(),
        }
    } else {
        line_end(b, i)
    };
    let end = i + s[i..end].trim_end().len();
    (end > i).then_some((i, end))
}

pub(super) fn auth_headers(s: &str, out: &mut Vec<Cand>) {
    let mut pos = 0;
    while let Some(c) = AUTH_HEADER.captures_at(s, pos) {
        let Some(whole) = c.get(0) else { break };
        pos = whole.end().max(pos + 1);
        let quoted = whole.as_str().contains(['"', '\'']);
        let scheme = c.get(1).map(|m| m.as_str().to_ascii_lowercase());
        match scheme.as_deref() {
            Some("bearer" | "basic" | "token" | "apikey" | "sso-key") => {
                if let Some((a, e)) = value_at(s, whole.end()) {
                    push(out, a, e, Kind::AuthHeader);
                    pos = pos.max(e);
                }
            }
            Some(_) => {
                if let Some((a, e)) = header_value(s, whole.end(), quoted) {
                    push(out, a, e, Kind::AuthHeader);
                    pos = pos.max(e);
                }
            }
            None => {
                let value = value_at(s, whole.end()).filter(|&(a, e)| token_shaped(&s[a..e]));
                if let Some((a, e)) = value {
                    push(out, a, e, Kind::AuthHeader);
                    pos = pos.max(e);
                }
            }
        }
    }
    let mut pos = 0;
    while let Some(m) = COOKIE_HEADER.find_at(s, pos) {
        pos = m.end().max(pos + 1);
        let quoted = m.as_str().contains(['"', '\'']);
        let value =
            header_value(s, m.end(), quoted).filter(|&(a, e)| !is_non_secret_value(&s[a..e]));
        if let Some((a, e)) = value {
            push(out, a, e, Kind::AuthHeader);
            pos = pos.max(e);
        }
    }
    for c in BEARER.captures_iter(s) {
        if let Some(m) = c.get(1).filter(|m| token_shaped(m.as_str())) {
            push(out, m.start(), m.end(), Kind::AuthHeader);
        }
    }
    for c in BASIC.captures_iter(s) {
        if let Some(m) = c.get(1).filter(|m| basic_credentials(m.as_str())) {
            push(out, m.start(), m.end(), Kind::AuthHeader);
        }
    }
}

/// `Basic` credentials decode to printable `user:password`.
fn basic_credentials(v: &str) -> bool {
    b64::decode(v).is_some_and(|d| {
        d.contains(&b':') && d.iter().all(|b| (0x20..0x7f).contains(b)) && d.len() >= 3
    })
}

// ---------------------------------------------------------------------------------------
// JSON Web Tokens.

static JWT: LazyLock<Regex> = LazyLock::new(|| {
    rx(r"\b(eyJ[A-Za-z0-9_\-]{5,})\.([A-Za-z0-9_\-]+)((?:\.[A-Za-z0-9_\-]*){1,3})")
});

/// A JWT header decodes to a JSON object (with `alg` or `typ` in practice; any object is
/// accepted, since the `eyJ` prefix already says `{"`).
fn jwt_header(h: &str) -> bool {
    b64::decode(h).is_some_and(|d| {
        serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(&d).is_ok()
    })
}

pub(super) fn jwts(s: &str, out: &mut Vec<Cand>) {
    for c in JWT.captures_iter(s) {
        if let (Some(whole), Some(h)) = (c.get(0), c.get(1)) {
            if jwt_header(h.as_str()) {
                push(out, whole.start(), whole.end(), Kind::Jwt);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Private keys.

static PEM_BLOCK: LazyLock<Regex> = LazyLock::new(|| {
    rx(
        r"(?s)-----BEGIN[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----.*?-----END[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----",
    )
});

static PEM_BEGIN: LazyLock<Regex> =
    LazyLock::new(|| rx(r"-----BEGIN[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----"));

/// Whether a line belongs to a PEM body: base64, or a `Proc-Type:`/`DEK-Info:`/`Comment:`
/// header of an encrypted key.
fn pem_body_line(line: &str) -> bool {
    let t = line.trim();
    !t.is_empty()
        && (t
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
            || t.starts_with("Proc-Type:")
            || t.starts_with("DEK-Info:")
            || t.starts_with("Comment:"))
}

pub(super) fn private_keys(s: &str, out: &mut Vec<Cand>) {
    let blocks: Vec<(usize, usize)> = PEM_BLOCK
        .find_iter(s)
        .map(|m| (m.start(), m.end()))
        .collect();
    for &(a, e) in &blocks {
        push(out, a, e, Kind::PrivateKey);
    }
    // A BEGIN line without its END (the key was cut, or only its start was logged): the
    // rest of that line and the body lines after it. Blocks are sorted and disjoint, so one
    // forward pointer tells whether a BEGIN is inside one.
    let mut next_block = 0;
    let mut pos = 0;
    while let Some(m) = PEM_BEGIN.find_at(s, pos) {
        pos = m.end();
        while next_block < blocks.len() && blocks[next_block].1 <= m.start() {
            next_block += 1;
        }
        if blocks.get(next_block).is_some_and(|&(a, _)| a <= m.start()) {
            continue;
        }
        let b = s.as_bytes();
        let mut end = line_end(b, m.end());
        while let Some(p) = memchr::memchr(b'\n', &b[end..]) {
            let next = end + p + 1;
            let stop = line_end(b, next);
            if !pem_body_line(&s[next..stop]) {
                break;
            }
            end = stop;
        }
        push(out, m.start(), end, Kind::PrivateKey);
        pos = pos.max(end);
    }
}

// ---------------------------------------------------------------------------------------
// URLs and connection strings with credentials.

/// `scheme://user:password@host`: the password may contain `@`, `:` and `#` (the last `@`
/// before the host ends it; DSN passwords are often not percent-encoded), not `/`, `?` or
/// whitespace (`http://host:8080?mail=a@b.example` has no password).
static URL_PASSWORD: LazyLock<Regex> = LazyLock::new(|| {
    rx(r#"(?i)\b[a-z][a-z0-9+.\-]{1,30}://([^\s/?#@:'"<>]*):([^\s/?'"<>]+)@[A-Za-z0-9.\-\[\]_%]"#)
});

/// `scheme://token@host`: a user part that looks like a token (`https://ghp_...@github.com`).
static URL_TOKEN_USER: LazyLock<Regex> = LazyLock::new(|| {
    rx(r#"(?i)\b[a-z][a-z0-9+.\-]{1,30}://([^\s/?#@:'"<>]{16,})@[A-Za-z0-9.\-\[\]_%]"#)
});

pub(super) fn url_credentials(s: &str, out: &mut Vec<Cand>) {
    for c in URL_PASSWORD.captures_iter(s) {
        if let Some(m) = c.get(2) {
            push(out, m.start(), m.end(), Kind::UrlCredential);
        }
    }
    for c in URL_TOKEN_USER.captures_iter(s) {
        if let Some(m) = c.get(1).filter(|m| high_entropy(m.as_str())) {
            push(out, m.start(), m.end(), Kind::UrlCredential);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Payment cards.

/// 13-19 digits, contiguous or in the printed groupings (4-4-4-4[-1..3], 4-6-4/5), not glued
/// to other id characters (so `blk_-1608999687919862906` and `v4111...` stay).
static CARD: LazyLock<Regex> = LazyLock::new(|| {
    rx(
        r"(?:^|[^0-9A-Za-z_.\-/+#:])(\d{13,19}|\d{4} \d{4} \d{4} \d{4}(?: \d{1,3})?|\d{4}-\d{4}-\d{4}-\d{4}(?:-\d{1,3})?|\d{4} \d{6} \d{4,5}|\d{4}-\d{6}-\d{4,5})\b",
    )
});

/// The Luhn checksum every issuer uses.
pub(super) fn luhn(digits: &[u8]) -> bool {
    let mut sum = 0u32;
    for (i, d) in digits.iter().rev().enumerate() {
        let mut v = u32::from(d - b'0');
        if i % 2 == 1 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    sum % 10 == 0
}

/// Known issuer prefixes (ISO/IEC 7812 ranges in use): Visa 4, Mastercard 51-55 and
/// 2221-2720, Amex 34/37, Diners 300-305/36/38/39, JCB 3528-3589, Discover 6011/644-649/65,
/// UnionPay 62, Maestro 50/56-69. Numbers starting with 0, 1, 7, 8 or 9 (epoch milliseconds,
/// nanosecond timestamps, most decimal ids) are never cards.
fn issuer_prefix(d: &[u8]) -> bool {
    let p = |n: usize| -> u32 {
        d.iter()
            .take(n)
            .fold(0, |acc, &b| acc * 10 + u32::from(b - b'0'))
    };
    match d.first() {
        Some(b'4') => true,
        Some(b'5') => true,
        Some(b'6') => true,
        Some(b'2') => (2221..=2720).contains(&p(4)),
        Some(b'3') => {
            let two = p(2);
            let four = p(4);
            matches!(two, 34 | 36 | 37 | 38 | 39)
                || (300..=305).contains(&p(3))
                || (3528..=3589).contains(&four)
        }
        _ => false,
    }
}

pub(super) fn cards(s: &str, out: &mut Vec<Cand>) {
    let mut digits = Vec::with_capacity(19);
    let mut is_card = |text: &str| {
        digits.clear();
        digits.extend(text.bytes().filter(u8::is_ascii_digit));
        (13..=19).contains(&digits.len()) && issuer_prefix(&digits) && luhn(&digits)
    };
    for c in CARD.captures_iter(s) {
        let Some(m) = c.get(1) else { continue };
        let text = m.as_str();
        if is_card(text) {
            push(out, m.start(), m.end(), Kind::CardNumber);
            continue;
        }
        // A grouped number followed by a short number (`4111 1111 1111 1111 123`): the
        // pattern took the short number as a fifth group; try the card without it.
        if text.len() > 19 {
            let shorter = &text[..19];
            if is_card(shorter) {
                push(out, m.start(), m.start() + 19, Kind::CardNumber);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Email addresses.

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    rx(
        r"(?:^|[^A-Za-z0-9._%+\-])([A-Za-z0-9][A-Za-z0-9._%+\-]{0,63}@[A-Za-z0-9](?:[A-Za-z0-9\-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]{0,62}[A-Za-z0-9])?)*\.([A-Za-z]{2,24}))\b",
    )
});

/// Endings that make `name@x.ending` a unit, file or package rather than a mailbox:
/// systemd instances (`user@1000.service`), files and archives.
const NOT_MAIL_TLDS: [&str; 30] = [
    "service",
    "socket",
    "target",
    "timer",
    "mount",
    "automount",
    "slice",
    "scope",
    "path",
    "device",
    "swap",
    "log",
    "txt",
    "json",
    "conf",
    "yaml",
    "yml",
    "xml",
    "ini",
    "jar",
    "rs",
    "py",
    "js",
    "ts",
    "go",
    "java",
    "class",
    "lock",
    "pid",
    "gz",
];

/// Whether an address starting at `start` is the user part of a URL (`ssh://git@github.com`,
/// `scheme://user:pass@host`): not a mailbox, and the URL rule owns any password there.
fn inside_url_authority(s: &str, start: usize) -> bool {
    let before = &s[..start];
    let mut from = before.len().saturating_sub(512);
    while !before.is_char_boundary(from) {
        from += 1;
    }
    let window = &before[from..];
    match window.rfind("://") {
        Some(p) => {
            let auth = &window[p + 3..];
            !auth.contains(|c: char| c.is_whitespace() || c == '/')
        }
        None => false,
    }
}

pub(super) fn emails(s: &str, out: &mut Vec<Cand>) {
    for c in EMAIL.captures_iter(s) {
        let (Some(m), Some(tld)) = (c.get(1), c.get(2)) else {
            continue;
        };
        let tld = tld.as_str();
        if NOT_MAIL_TLDS.iter().any(|t| tld.eq_ignore_ascii_case(t)) {
            continue;
        }
        if inside_url_authority(s, m.start()) {
            continue;
        }
        push(out, m.start(), m.end(), Kind::Email);
    }
}

// ---------------------------------------------------------------------------------------
// Hosts (optional).

static IPV4: LazyLock<Regex> = LazyLock::new(|| {
    rx(r"(?:^|[^0-9A-Za-z.])(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})(?:$|[^0-9A-Za-z.]|\.[^0-9])")
});

static IPV6: LazyLock<Regex> = LazyLock::new(|| {
    rx(
        r"(?:^|[^0-9A-Za-z:.])([0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:(?::|\.)\d{1,3}\.\d{1,3}\.\d{1,3})?(?:%[A-Za-z0-9]+)?)(?:$|[^0-9A-Za-z:.])",
    )
});

static HOSTNAME: LazyLock<Regex> = LazyLock::new(|| {
    rx(
        r"(?:^|[^A-Za-z0-9_.\-@/])((?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+([a-z]{2,24}|[A-Z]{2,24}))\.?(?:$|[^A-Za-z0-9_\-])",
    )
});

/// Top-level domains common in logs beyond the two-letter country codes.
const GENERIC_TLDS: [&str; 38] = [
    "com",
    "net",
    "org",
    "edu",
    "gov",
    "mil",
    "int",
    "io",
    "co",
    "ai",
    "dev",
    "app",
    "cloud",
    "info",
    "biz",
    "me",
    "tv",
    "xyz",
    "online",
    "site",
    "tech",
    "local",
    "localdomain",
    "internal",
    "lan",
    "corp",
    "home",
    "arpa",
    "test",
    "example",
    "invalid",
    "intranet",
    "private",
    "cluster",
    "svc",
    "localhost",
    "host",
    "network",
];

/// Two-letter endings that are file extensions far more often than country codes in logs.
const FILE_LIKE_CC: [&str; 20] = [
    "rs", "go", "js", "ts", "py", "so", "gz", "sh", "pl", "pm", "md", "db", "cs", "cc", "hh", "xz",
    "bz", "ko", "mk", "ps",
];

fn host_tld(tld: &str) -> bool {
    let t = tld.to_ascii_lowercase();
    if t.len() == 2 {
        return !FILE_LIKE_CC.contains(&t.as_str());
    }
    GENERIC_TLDS.contains(&t.as_str())
}

pub(super) fn hosts(s: &str, out: &mut Vec<Cand>) {
    for c in IPV4.captures_iter(s) {
        if let Some(m) = c.get(1).filter(|m| m.as_str().parse::<Ipv4Addr>().is_ok()) {
            push(out, m.start(), m.end(), Kind::IpAddress);
        }
    }
    for c in IPV6.captures_iter(s) {
        let Some(m) = c.get(1) else { continue };
        let text = m.as_str();
        let addr = text.split('%').next().unwrap_or(text);
        if addr.bytes().any(|b| b.is_ascii_hexdigit())
            && (addr.contains("::") || addr.bytes().filter(|&b| b == b':').count() == 7)
            && addr.parse::<Ipv6Addr>().is_ok()
        {
            push(out, m.start(), m.end(), Kind::IpAddress);
        }
    }
    for c in HOSTNAME.captures_iter(s) {
        if let (Some(m), Some(tld)) = (c.get(1), c.get(2)) {
            if host_tld(tld.as_str()) {
                push(out, m.start(), m.end(), Kind::Hostname);
            }
        }
    }
}

/// Compiles every pattern of this module now (see [`crate::redact::warm_up`]).
pub(super) fn warm_up() {
    LazyLock::force(&VENDORS);
    LazyLock::force(&AWS_SECRET);
    LazyLock::force(&CREDENTIAL);
    LazyLock::force(&GENERIC);
    LazyLock::force(&CREDENTIAL_XML);
    LazyLock::force(&CREDENTIAL_FLAG);
    LazyLock::force(&AUTH_HEADER);
    LazyLock::force(&COOKIE_HEADER);
    LazyLock::force(&BEARER);
    LazyLock::force(&BASIC);
    LazyLock::force(&JWT);
    LazyLock::force(&PEM_BLOCK);
    LazyLock::force(&PEM_BEGIN);
    LazyLock::force(&URL_PASSWORD);
    LazyLock::force(&URL_TOKEN_USER);
    LazyLock::force(&CARD);
    LazyLock::force(&EMAIL);
    LazyLock::force(&HOSTNAME);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_compiles() {
        assert!(!VENDORS.is_empty());
        for re in [
            &*AWS_SECRET,
            &*CREDENTIAL,
            &*GENERIC,
            &*CREDENTIAL_XML,
            &*CREDENTIAL_FLAG,
            &*AUTH_HEADER,
            &*COOKIE_HEADER,
            &*BEARER,
            &*BASIC,
            &*JWT,
            &*PEM_BLOCK,
            &*PEM_BEGIN,
            &*URL_PASSWORD,
            &*URL_TOKEN_USER,
            &*CARD,
            &*EMAIL,
            &*IPV4,
            &*IPV6,
            &*HOSTNAME,
        ] {
            assert!(!re.as_str().is_empty());
        }
        assert!(matches!(extra_keys_regex(&["db.conn".into()]), Ok(Some(_))));
    }

    #[test]
    fn luhn_and_prefixes() {
        assert!(luhn(b"4111111111111111"));
        assert!(!luhn(b"4111111111111112"));
        assert!(luhn(b"378282246310005"));
        assert!(issuer_prefix(b"4111111111111111"));
        assert!(issuer_prefix(b"2221000000000009"));
        assert!(!issuer_prefix(b"2100000000000000"));
        assert!(!issuer_prefix(b"1609459200123"));
        assert!(issuer_prefix(b"3530111333300000"));
        assert!(!issuer_prefix(b"3100000000000000"));
    }

    #[test]
    fn values_quoted_unquoted_and_empty() {
        let s = r#"a="x y" b='z' c=\"q\" d=plain&e f=  g="unclosed"#;
        let v = |i: usize| value_at(s, i).map(|(a, e)| &s[a..e]);
        assert_eq!(v(2), Some("x y"));
        assert_eq!(v(10), Some("z"));
        assert_eq!(v(16), Some("q"));
        assert_eq!(v(24), Some("plain"));
        assert_eq!(value_at("k=", 2), None);
        assert_eq!(value_at("k=\"\"", 2), None);
        let t = "g=\"unclosed value";
        assert_eq!(
            value_at(t, 2).map(|(a, e)| &t[a..e]),
            Some("unclosed value")
        );
    }

    #[test]
    fn entropy_separates_random_from_words() {
        assert!(high_entropy("9fKx2LmQ7vTz0pWb4RsY"));
        assert!(high_entropy("8f14e45fceea167a5a36dedd4bea2543"));
        assert!(!high_entropy("aaaaaaaaaaaaaaaaaaaa1"));
        assert!(!high_entropy("configuration"));
        assert!(!high_entropy("short1A"));
    }

    #[test]
    fn token_shape() {
        assert!(token_shaped("abc123def"));
        assert!(token_shaped("aBcdefgh"));
        assert!(!token_shaped("Authentication"));
        assert!(!token_shaped("expired"));
    }
}
