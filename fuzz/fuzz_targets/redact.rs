//! Redaction and injection detection (`logsift::redact`, [`Redactor`]).
//!
//! The first byte switches categories off (each bit one category, hosts on or off) and
//! chooses whether the first line names extra keys (`--redact-key`); the rest is text, cut
//! at NUL bytes into a value and the text around it for [`Redactor::redact_in_context`].
//! Redacting must finish, must not change redacted text again (with the same redactor or a
//! fresh one), and the audit must stay within its caps.

#![no_main]

use libfuzzer_sys::fuzz_target;
use logsift::redact::{Category, RedactConfig, Redactor};

/// A small cap on listed findings, so that the unlisted count is reached.
const MAX_FINDINGS: usize = 4;

fuzz_target!(|input: &[u8]| {
    let [flags, rest @ ..] = input else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let mut text: &str = &text;
    let mut builder = RedactConfig::builder()
        .max_findings(MAX_FINDINGS)
        .max_remembered(usize::from(flags >> 4) * 2);
    // Categories off by the low bits: Suspicious (bit 0), Credentials (bit 1), hosts on
    // (bit 2), and every category off together with an extra key list (bit 3).
    if flags & 1 != 0 {
        builder = builder.category(Category::Suspicious, false);
    }
    if flags & 2 != 0 {
        builder = builder.category(Category::Credentials, false);
    }
    builder = builder.redact_hosts(flags & 4 != 0);
    if flags & 8 != 0 {
        let (keys, after) = text.split_once('\n').unwrap_or((text, ""));
        for k in keys.split(',').take(8) {
            builder = builder.extra_key(k);
        }
        text = after;
    }
    let Ok(config) = builder.build() else {
        return;
    };

    let mut r = Redactor::new(config.clone());
    let once = r.redact_str(text);
    assert_eq!(
        r.redact_str(&once),
        once,
        "redacting twice changed the text"
    );
    assert_eq!(
        Redactor::new(config.clone()).redact_str(&once),
        once,
        "a fresh redactor changed redacted text"
    );

    // A value judged in its context, as template slots are.
    let mut parts = text.splitn(3, '\0');
    let (before, value, after) = (
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
    );
    let v = r.redact_in_context(before, value, after);
    assert_eq!(
        r.redact_str(&v),
        v,
        "a value redacted in context changed again"
    );

    // Sealing a list of lines passes each through the same redactor.
    let lines: Vec<String> = text.lines().take(64).map(str::to_owned).collect();
    let n = lines.len();
    let sealed = r.seal(lines);
    assert_eq!(sealed.get().len(), n);

    let audit = r.audit();
    assert!(audit.strings_changed <= audit.strings_scanned);
    assert!(audit.suspicious.len() <= MAX_FINDINGS);
    assert!(audit.suspicious_total() <= audit.total());
    for f in &audit.suspicious {
        assert!(f.occurrences >= 1);
        assert!(
            f.placeholder.starts_with("<SUSPICIOUS_"),
            "{}",
            f.placeholder
        );
    }
});
