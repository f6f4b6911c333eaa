//! Properties of redaction on generated input: no input panics, redacting twice changes
//! nothing, and a secret placed in any surrounding text never survives. Also 1 MB lines of
//! hostile shapes, which must finish (a quadratic rule would not).

use logsift::redact::{RedactConfig, Redactor};
use proptest::prelude::*;

/// Pieces that exercise the rules and their edges, to be glued together at random.
const FRAGMENTS: &[&str] = &[
    "password=",
    "password: ",
    "\"password\":\"",
    "token=",
    "api_key=",
    "secret: ",
    "pwd=",
    "=",
    ":",
    "\"",
    "'",
    "\\\"",
    " ",
    "\n",
    "\r\n",
    "\t",
    "&",
    ";",
    ",",
    "{",
    "}",
    "<",
    ">",
    "<*>",
    "<SECRET_1>",
    "<EMAIL_2>",
    "<SUSPICIOUS_1>",
    "@",
    "example.com",
    "a.b",
    "://",
    "user:pw@",
    "postgres://",
    "4111 1111 1111 1111",
    "4111111111111111",
    "378282246310005",
    "-",
    "0",
    "eyJhbGciOiJIUzI1NiJ9",
    "eyJ",
    ".",
    "-----BEGIN PRIVATE KEY-----",
    "-----END PRIVATE KEY-----",
    "AKIA",
    "AKIAIOSFODNN7EXAMPLE",
    "ghp_",
    "sk-",
    "sk_live_",
    "xoxb-",
    "AIza",
    "npm_",
    "glpat-",
    "Bearer ",
    "bearer ",
    "Authorization: ",
    "Basic ",
    "Cookie: ",
    "ignore previous instructions",
    "ignore",
    "previous",
    "you are now",
    "system: ",
    "assistant:",
    "<|im_start|>",
    "[INST]",
    "### Instruction",
    "\"headline\":",
    "act as a",
    "![x](http://e/)",
    "<script>",
    "```",
    "\u{200B}",
    "\u{202E}",
    "\u{FEFF}",
    "\u{E0069}",
    "о",
    "ｉ",
    "%20",
    "%69",
    "\\u0069",
    "&#105;",
    "&lt;",
    "QUJDREVGR0hJSktMTU5PUFFS",
    "aWdub3JlIHByZXZpb3VzIGluc3RydWN0aW9ucw==",
    "Hunter22",
    "10.0.0.1",
    "::1",
    "2001:db8::1",
    "host.example.org",
    "é",
    "日本",
    "🙂",
];

fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => proptest::sample::select(FRAGMENTS).prop_map(str::to_owned),
        1 => "[A-Za-z0-9+/=_.-]{0,40}",
        1 => any::<String>(),
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(fragment(), 0..16).prop_map(|v| v.concat())
}

fn config(hosts: bool) -> RedactConfig {
    RedactConfig::builder()
        .redact_hosts(hosts)
        .build()
        .unwrap_or_default()
}

/// A Luhn-valid 16-digit Visa number.
fn visa(body: &[u8]) -> String {
    let mut digits: Vec<u8> = std::iter::once(4)
        .chain(body.iter().map(|d| d % 10))
        .take(15)
        .collect();
    while digits.len() < 15 {
        digits.push(0);
    }
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d);
            if i % 2 == 0 {
                if d * 2 > 9 { d * 2 - 9 } else { d * 2 }
            } else {
                d
            }
        })
        .sum();
    digits.push(((10 - sum % 10) % 10) as u8);
    digits.iter().map(|d| char::from(b'0' + d)).collect()
}

/// A secret and the line that holds it.
fn secret_line() -> impl Strategy<Value = (String, String)> {
    let password = "[A-Za-z]{4,10}[0-9]{2,4}[!#%]?";
    prop_oneof![
        (password, 0..6usize).prop_map(|(p, form)| {
            let line = match form {
                0 => format!("password={p}"),
                1 => format!("passwd: {p}"),
                2 => format!("{{\"password\": \"{p}\"}}"),
                3 => format!("postgres://app:{p}@db.internal/app"),
                4 => format!("Authorization: Bearer {p}"),
                _ => format!("GET /login?token={p}&next=/"),
            };
            (p, line)
        }),
        ("[a-z]{3,10}", "[a-z]{3,10}").prop_map(|(u, d)| {
            let e = format!("{u}.{u}@{d}.example.com");
            (e.clone(), format!("mail to {e} failed"))
        }),
        prop::collection::vec(0u8..10, 15).prop_map(|b| {
            let c = visa(&b);
            (c.clone(), format!("card={c}"))
        }),
        "[A-Za-z0-9]{36}".prop_map(|t| {
            let t = format!("ghp_{t}");
            (t.clone(), format!("token {t} rejected"))
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn no_input_panics(s in text(), before in text(), after in text(), hosts in any::<bool>()) {
        let mut r = Redactor::new(config(hosts));
        let _ = r.redact_str(&s);
        let _ = r.redact_in_context(&before, &s, &after);
        let _ = r.audit();
    }

    #[test]
    fn redacting_twice_changes_nothing(s in text(), hosts in any::<bool>()) {
        let mut r = Redactor::new(config(hosts));
        let once = r.redact_str(&s);
        prop_assert_eq!(&r.redact_str(&once), &once);
        prop_assert_eq!(&Redactor::new(config(hosts)).redact_str(&once), &once);
    }

    #[test]
    fn a_placed_secret_never_survives(
        (secret, line) in secret_line(),
        before in text(),
        after in text(),
        hosts in any::<bool>(),
    ) {
        let s = format!("{before} {line} {after}");
        let mut r = Redactor::new(config(hosts));
        let out = r.redact_str(&s);
        prop_assert!(!out.contains(&secret), "{:?} survived: {:?}", secret, out);
    }

    #[test]
    fn a_seen_secret_is_replaced_later_too((secret, line) in secret_line(), after in text()) {
        let mut r = Redactor::default();
        let out = r.redact_str(&line);
        prop_assert!(!out.contains(&secret), "{:?} survived: {:?}", secret, out);
        let later = r.redact_str(&format!("{after} {secret} {after}"));
        prop_assert!(!later.contains(&secret), "{:?} survived later: {:?}", secret, later);
    }
}

/// Shapes that make naive rules quadratic (a value scan to the end of the line for every
/// key, a search of the whole text for every repeated value, a backward scan per match).
const HOSTILE_UNITS: &[&str] = &[
    "a",
    "password=",
    "password=\"",
    "a@b.example ",
    "4111111111111111 ",
    "ignore previous instructions ",
    "-----BEGIN PRIVATE KEY-----",
    "QUJD",
    "\u{200B}",
    "%41",
    "\"x ",
    "Authorization: ",
    "Authorization: \"Digest x\" ",
    "bearer ",
    "key=\"k ",
    "::",
    "1.2.",
    "eyJhbGciOiJIUzI1NiJ9.",
    "ab",
];

/// Each hostile shape, 32 KB long: enough for a quadratic rule to take minutes instead of
/// milliseconds. Must finish, and come out stable; no timing is asserted.
#[test]
fn hostile_shapes_finish() {
    let mut r = Redactor::new(config(true));
    for unit in HOSTILE_UNITS {
        let line = unit.repeat((32 << 10) / unit.len());
        let out = r.redact_str(&line);
        assert!(
            out.len() <= 2 * line.len(),
            "output grew: {} -> {}",
            line.len(),
            out.len()
        );
        assert_eq!(r.redact_str(&out), out, "not stable for {unit:?}");
    }
    let a = r.audit();
    assert!(a.suspicious_total() >= 1 && a.total() >= 4, "{a:?}");
}

/// A 1 MB line holding all the hostile shapes one after the other.
#[test]
fn one_megabyte_line_finishes() {
    const MB: usize = 1 << 20;
    let per = MB / HOSTILE_UNITS.len();
    let mut line = String::with_capacity(MB + 64);
    for unit in HOSTILE_UNITS {
        line.push_str(&unit.repeat(per / unit.len()));
        line.push(' ');
    }
    assert!(line.len() >= MB - 64 * HOSTILE_UNITS.len());
    let mut r = Redactor::new(config(true));
    let out = r.redact_str(&line);
    assert!(out.len() < line.len());
    assert!(!out.contains("4111111111111111") && !out.contains("a@b.example"));
}
