//! Slack slash commands (`logsift::server::slack`): the form body ([`CommandForm::decode`]),
//! the command text ([`parse_text`]), the `response_url` check ([`response_url_allowed`]) and
//! the request signature ([`verify`]).
//!
//! The input is `TIMESTAMP\nSIGNATURE\nBODY`: the two headers as sent (any bytes a header
//! may hold) and the form body. The last byte of the signature line also sets the server's
//! clock, near the timestamp or at either end of the time range. Nothing may panic; text
//! sent back to Slack must not carry markup from the request; a signature that verifies must
//! be the one [`sign`] computes, a correct one must verify and a changed body must not.

#![no_main]

use http::{HeaderMap, HeaderValue};
use libfuzzer_sys::fuzz_target;
use logsift::record::Timestamp;
use logsift::server::slack::{
    CommandForm, MAX_SKEW_SECS, Parsed, SignatureError, parse_text, response_url_allowed, sign,
    verify,
};

const SECRET: &[u8] = b"8f742231b10e8888abcd99yyyzzz85a5";
const SOURCES: [&str; 3] = ["checkout", "api", "db.primary"];

fn headers(ts: &[u8], sig: &[u8]) -> HeaderMap {
    let mut h = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_bytes(ts) {
        h.insert("x-slack-request-timestamp", v);
    }
    if let Ok(v) = HeaderValue::from_bytes(sig) {
        h.insert("x-slack-signature", v);
    }
    h
}

fuzz_target!(|input: &[u8]| {
    let mut parts = input.splitn(3, |&c| c == b'\n');
    let ts = parts.next().unwrap_or_default();
    let sig = parts.next().unwrap_or_default();
    let body = parts.next().unwrap_or_default();

    // The form and the command text.
    if let Ok(form) = CommandForm::decode(body) {
        match parse_text(&form.text, &SOURCES) {
            Parsed::Summarize { source, last_ms } => {
                assert!(SOURCES.contains(&source.as_str()));
                assert!(last_ms.is_none_or(|ms| ms > 0), "window of {last_ms:?} ms");
            }
            Parsed::Help(Some(reason)) => {
                assert!(
                    !reason.contains(['<', '>']),
                    "markup from the request in {reason:?}"
                );
            }
            Parsed::Help(None) => {}
        }
        let hosts = vec![
            "hooks.slack.com".to_owned(),
            "127.0.0.1".to_owned(),
            "[::1]".to_owned(),
        ];
        if response_url_allowed(&form.response_url, &hosts) {
            // Host names compare in any case.
            let u = form.response_url.to_ascii_lowercase();
            assert!(
                u.starts_with("https://hooks.slack.com")
                    || u.starts_with("https://127.0.0.1")
                    || u.starts_with("https://[::1]")
                    || u.starts_with("http://127.0.0.1")
                    || u.starts_with("http://[::1]"),
                "{u:?} allowed"
            );
        }
    }

    // The signature as sent, at a clock near the timestamp or far from it.
    let ts_text = std::str::from_utf8(ts).ok();
    let secs = ts_text.and_then(|t| t.trim().parse::<i64>().ok());
    let shift = i64::from(sig.last().copied().unwrap_or(128)) - 128;
    let now = match (secs, shift) {
        (_, -128) => Timestamp(i64::MIN),
        (_, 127) => Timestamp(i64::MAX),
        (Some(s), d) => Timestamp(s.saturating_add(d * 4).saturating_mul(1_000)),
        (None, d) => Timestamp(1_795_789_200_000 + d),
    };
    let given = headers(ts, sig);
    if verify(SECRET, &given, body, now).is_ok() {
        let (Some(t), Some(s)) = (ts_text, secs) else {
            panic!("a signature verified with an unreadable timestamp");
        };
        let expected = sign(SECRET, t, body);
        assert!(expected.eq_ignore_ascii_case(&String::from_utf8_lossy(sig)));
        assert!((now.0 / 1_000).abs_diff(s) <= MAX_SKEW_SECS as u64);
    }

    // A correct signature verifies at the request's own time, and not for another body.
    let (Some(t), Some(s)) = (ts_text, secs) else {
        return;
    };
    let Some(at) = s.checked_mul(1_000) else {
        return;
    };
    let good = sign(SECRET, t, body);
    let h = headers(ts, good.as_bytes());
    // Slack sends ASCII headers; a value with other bytes (`\u{a0}8`) is not a timestamp
    // and is refused as missing, which is not this check's subject.
    if h.len() < 2 || h.values().any(|v| v.to_str().is_err()) {
        return;
    }
    assert_eq!(
        verify(SECRET, &h, body, Timestamp(at)),
        Ok(()),
        "a correct signature failed"
    );
    let mut other = body.to_vec();
    match other.first_mut() {
        Some(b) => *b ^= 1,
        None => other.push(b'x'),
    }
    assert_eq!(
        verify(SECRET, &h, &other, Timestamp(at)),
        Err(SignatureError::Mismatch)
    );
});
