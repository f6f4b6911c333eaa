//! JSON lines: one object per line (structured loggers, Docker's json-file driver).
//!
//! A hand-written scanner reads the top-level keys only, skipping nested values without
//! building them, and picks the timestamp (`time`, `ts`, `timestamp`, `@timestamp`, ...), the
//! level (`level`, `severity`, `lvl`, ...; words or bunyan/pino/syslog numbers), the message
//! (`msg`, `message`, `log`, ...) and the component (`logger`, `component`). A line that is not
//! one complete object, or has none of these keys, is not JSON to this module: the caller
//! treats it as all message. Only a message with escapes is copied (unescaped); Docker's
//! trailing `\n` is dropped without copying.

use std::borrow::Cow;

use super::scan::{eq_ci, skip_ws};
use super::time::{self, TimeCfg};
use super::{Level, Record, Timestamp};

/// Keys holding the timestamp, best first.
const TS_KEYS: &[&[u8]] = &[
    b"time",
    b"ts",
    b"timestamp",
    b"@timestamp",
    b"datetime",
    b"@t",
];
/// Keys holding the level, best first.
const LEVEL_KEYS: &[&[u8]] = &[
    b"level",
    b"severity",
    b"lvl",
    b"loglevel",
    b"levelname",
    b"log.level",
    b"@l",
];
/// Keys holding the message, best first (`log` last: Docker's wrapper key).
const MSG_KEYS: &[&[u8]] = &[b"msg", b"message", b"@m", b"log"];
/// Keys holding the component, best first.
const COMP_KEYS: &[&[u8]] = &[b"logger", b"logger_name", b"component"];

/// A scanned value: for strings the text between the quotes.
#[derive(Clone, Copy)]
struct Val<'a> {
    raw: &'a [u8],
    string: bool,
    escaped: bool,
}

/// The best (lowest-ranked) value seen for one role.
#[derive(Default)]
struct Slot<'a> {
    val: Option<(usize, Val<'a>)>,
}

impl<'a> Slot<'a> {
    fn offer(&mut self, keys: &[&[u8]], key: &[u8], val: Val<'a>) -> bool {
        let Some(rank) = keys.iter().position(|k| eq_ci(k, key)) else {
            return false;
        };
        if self.val.is_none_or(|(r, _)| rank < r) {
            self.val = Some((rank, val));
        }
        true
    }

    fn get(&self) -> Option<Val<'a>> {
        self.val.map(|(_, v)| v)
    }
}

/// A JSON string starting at the quote at `p`: its inner text, whether it has escapes, and the
/// position after the closing quote.
fn string(b: &[u8], p: usize) -> Option<(&[u8], bool, usize)> {
    let start = p + 1;
    let mut i = start;
    let mut escaped = false;
    loop {
        let off = memchr::memchr2(b'"', b'\\', b.get(i..)?)?;
        i += off;
        if b[i] == b'"' {
            return Some((&b[start..i], escaped, i + 1));
        }
        escaped = true;
        i += 2;
    }
}

/// End of the nested object or array opening at `p` (strings inside are skipped properly).
fn nested_end(b: &[u8], p: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = p;
    while i < b.len() {
        match b[i] {
            b'"' => {
                i = string(b, i)?.2;
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// The value at `p` and the position after it.
fn value(b: &[u8], p: usize) -> Option<(Val<'_>, usize)> {
    match *b.get(p)? {
        b'"' => {
            let (raw, escaped, e) = string(b, p)?;
            Some((
                Val {
                    raw,
                    string: true,
                    escaped,
                },
                e,
            ))
        }
        b'{' | b'[' => {
            let e = nested_end(b, p)?;
            Some((
                Val {
                    raw: &b[p..e],
                    string: false,
                    escaped: false,
                },
                e,
            ))
        }
        _ => {
            let mut e = p;
            while e < b.len() && !matches!(b[e], b',' | b'}' | b']' | b' ' | b'\t' | b'\r' | b'\n')
            {
                e += 1;
            }
            (e > p).then_some((
                Val {
                    raw: &b[p..e],
                    string: false,
                    escaped: false,
                },
                e,
            ))
        }
    }
}

/// Splits a JSON line, or `None` when it is not one object with a known key.
pub(crate) fn parse<'a>(b: &'a [u8], cfg: &TimeCfg) -> Option<Record<'a>> {
    let mut p = skip_ws(b, 0);
    if b.get(p) != Some(&b'{') {
        return None;
    }
    p += 1;
    let (mut ts, mut level, mut msg, mut comp) = (
        Slot::default(),
        Slot::default(),
        Slot::default(),
        Slot::default(),
    );
    let mut known = false;
    loop {
        p = skip_ws(b, p);
        match *b.get(p)? {
            b'}' => {
                p += 1;
                break;
            }
            b'"' => {}
            _ => return None,
        }
        let (key, key_escaped, e) = string(b, p)?;
        p = skip_ws(b, e);
        if b.get(p) != Some(&b':') {
            return None;
        }
        let (val, e) = value(b, skip_ws(b, p + 1))?;
        if !key_escaped {
            known |= ts.offer(TS_KEYS, key, val)
                || level.offer(LEVEL_KEYS, key, val)
                || msg.offer(MSG_KEYS, key, val)
                || comp.offer(COMP_KEYS, key, val);
        }
        p = skip_ws(b, e);
        match *b.get(p)? {
            b',' => p += 1,
            b'}' => {
                p += 1;
                break;
            }
            _ => return None,
        }
    }
    if !known || skip_ws(b, p) != b.len() {
        return None;
    }
    let message = match msg.get() {
        Some(v) if v.string => string_text(v),
        Some(v) => Cow::Borrowed(v.raw),
        None => Cow::Borrowed(b),
    };
    Some(Record {
        ts: ts.get().and_then(|v| json_time(v, cfg)),
        level: level.get().and_then(json_level),
        component: comp.get().filter(|v| v.string && !v.escaped).map(|v| v.raw),
        message,
    })
}

fn json_time(v: Val<'_>, cfg: &TimeCfg) -> Option<Timestamp> {
    if v.escaped {
        return None;
    }
    time::parse_whole(v.raw, cfg)
}

/// Level words, one-letter levels, bunyan/pino numbers (10 trace .. 60 fatal) and syslog
/// severities (0..=7, as GELF sends them).
fn json_level(v: Val<'_>) -> Option<Level> {
    if v.string {
        return super::level_token(v.raw, true);
    }
    let (n, len) = super::scan::digits(v.raw, 0, 3);
    if len != v.raw.len() {
        return None;
    }
    match n {
        0..=7 => Some(Level::from_syslog_severity(n as u8)),
        10 => Some(Level::Trace),
        20 => Some(Level::Debug),
        30 => Some(Level::Info),
        40 => Some(Level::Warn),
        50 => Some(Level::Error),
        60 => Some(Level::Fatal),
        _ => None,
    }
}

/// The text of a string value without surrounding whitespace; copied only when it has escapes
/// other than one trailing `\n` (or `\r\n`).
fn string_text(v: Val<'_>) -> Cow<'_, [u8]> {
    let raw = v.raw;
    if !v.escaped {
        return Cow::Borrowed(super::scan::strip(raw));
    }
    let trimmed = raw
        .strip_suffix(b"\\n")
        .map(|r| r.strip_suffix(b"\\r").unwrap_or(r));
    if let Some(t) = trimmed {
        if memchr::memchr(b'\\', t).is_none() {
            return Cow::Borrowed(super::scan::strip(t));
        }
    }
    let out = unescape(raw);
    let s = super::scan::strip(&out);
    if s.len() == out.len() {
        Cow::Owned(out)
    } else {
        Cow::Owned(s.to_vec())
    }
}

fn hex4(b: &[u8], p: usize) -> Option<u32> {
    let h = b.get(p..p + 4)?;
    let s = std::str::from_utf8(h).ok()?;
    u32::from_str_radix(s, 16).ok()
}

/// Undoes JSON string escapes; invalid escapes are kept as written, lone surrogates become
/// U+FFFD.
pub(crate) fn unescape(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let Some(off) = memchr::memchr(b'\\', &raw[i..]) else {
            out.extend_from_slice(&raw[i..]);
            break;
        };
        out.extend_from_slice(&raw[i..i + off]);
        i += off;
        let Some(&c) = raw.get(i + 1) else {
            out.push(b'\\');
            break;
        };
        let simple = match c {
            b'n' => Some(b'\n'),
            b't' => Some(b'\t'),
            b'r' => Some(b'\r'),
            b'b' => Some(8),
            b'f' => Some(12),
            b'/' | b'\\' | b'"' => Some(c),
            _ => None,
        };
        if let Some(s) = simple {
            out.push(s);
            i += 2;
            continue;
        }
        if c == b'u' {
            if let Some(hi) = hex4(raw, i + 2) {
                let mut used = 6;
                let mut cp = hi;
                if (0xD800..0xDC00).contains(&hi) && raw.get(i + 6..i + 8) == Some(b"\\u") {
                    if let Some(lo) = hex4(raw, i + 8).filter(|lo| (0xDC00..0xE000).contains(lo)) {
                        cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                        used = 12;
                    }
                }
                let ch = char::from_u32(cp).unwrap_or(char::REPLACEMENT_CHARACTER);
                let mut buf = [0u8; 4];
                out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                i += used;
                continue;
            }
        }
        out.push(b'\\');
        out.push(c);
        i += 2;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> TimeCfg {
        TimeCfg::new(Timestamp(1_795_780_800_000))
    }

    #[test]
    fn structured_logger_line() {
        let r = parse(
            br#"{"time":"2026-11-27T14:02:01.123Z","level":"warn","logger":"db","msg":"slow query","ms":1200}"#,
            &cfg(),
        )
        .unwrap();
        assert_eq!(r.ts, Some(Timestamp(1_795_788_121_123)));
        assert_eq!(r.level, Some(Level::Warn));
        assert_eq!(r.component, Some(&b"db"[..]));
        assert!(matches!(r.message, Cow::Borrowed(b"slow query")));
    }

    #[test]
    fn docker_log_line_borrows_without_trailing_newline() {
        let r = parse(
            br#"{"log":"GET /health 200\n","stream":"stdout","time":"2026-11-27T14:02:01.123456789Z"}"#,
            &cfg(),
        )
        .unwrap();
        assert!(matches!(r.message, Cow::Borrowed(b"GET /health 200")));
        assert_eq!(r.ts, Some(Timestamp(1_795_788_121_123)));
    }

    #[test]
    fn escapes_are_undone() {
        let r = parse(
            br#"{"ts":1795788121.5,"level":50,"msg":"say \"hi\"\t\u00e9\ud83d\ude00 \/x"}"#,
            &cfg(),
        )
        .unwrap();
        assert_eq!(r.ts, Some(Timestamp(1_795_788_121_500)));
        assert_eq!(r.level, Some(Level::Error));
        assert_eq!(&*r.message, "say \"hi\"\t\u{e9}\u{1f600} /x".as_bytes());
    }

    #[test]
    fn nested_values_and_odd_lines() {
        let r = parse(
            br#"{"a":{"msg":"inner","b":[1,{"c":"]}"}]},"message":"outer","level":"INFO"}"#,
            &cfg(),
        )
        .unwrap();
        assert_eq!(&*r.message, b"outer");
        assert!(parse(br#"{"a":1}"#, &cfg()).is_none());
        assert!(parse(br#"{"msg":"x"} trailing"#, &cfg()).is_none());
        assert!(parse(br#"{"msg":"x""#, &cfg()).is_none());
        assert!(parse(br#"{"msg":"x\"}"#, &cfg()).is_none());
        assert!(parse(b"[1,2]", &cfg()).is_none());
        assert_eq!(unescape(br"\ud800x\q\"), "\u{fffd}x\\q\\".as_bytes());
    }

    #[test]
    fn message_may_be_absent_or_not_a_string() {
        let line = br#"{"level":"info","user":"x"}"#;
        let r = parse(line, &cfg()).unwrap();
        assert_eq!(&*r.message, &line[..]);
        let r = parse(br#"{"level":"info","msg":{"k":1}}"#, &cfg()).unwrap();
        assert_eq!(&*r.message, br#"{"k":1}"#);
    }
}
