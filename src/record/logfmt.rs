//! logfmt lines: `ts=2026-11-27T14:02:01Z level=info msg="request done" status=200`.
//!
//! A line is logfmt when it is nothing but `key=value` pairs (values bare or double-quoted),
//! at least two of them, one of which is a timestamp, level or message key. The message is the
//! unquoted `msg`/`message` value; without one it is the line minus the timestamp and level
//! pairs (borrowed when those pairs lead or trail the line, as they usually do).

use std::borrow::Cow;

use super::scan::{at_break, eq_ci, is_ws, skip_ws, token_end};
use super::time::{self, TimeCfg};
use super::{Record, level_token};

const TS_KEYS: &[&[u8]] = &[b"ts", b"time", b"timestamp", b"t"];
const LEVEL_KEYS: &[&[u8]] = &[b"level", b"lvl", b"severity"];
const MSG_KEYS: &[&[u8]] = &[b"msg", b"message"];
const COMP_KEYS: &[&[u8]] = &[b"logger", b"component"];

/// One `key=value` pair: the key, the value (inside quotes when quoted), whether the value has
/// backslash escapes, and the pair's span in the line.
#[derive(Clone, Copy)]
struct Pair<'a> {
    key: &'a [u8],
    val: &'a [u8],
    escaped: bool,
    start: usize,
    end: usize,
}

fn is_key_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-' | b'@' | b'/')
}

/// The pair at `p` (which must not be whitespace), or `None` if the text there is not one.
fn pair(b: &[u8], p: usize) -> Option<Pair<'_>> {
    let mut i = p;
    while i < b.len() && is_key_byte(b[i]) {
        i += 1;
    }
    if i == p || b.get(i) != Some(&b'=') {
        return None;
    }
    let key = &b[p..i];
    let v = i + 1;
    let (val, escaped, end) = if b.get(v) == Some(&b'"') {
        let mut j = v + 1;
        let mut escaped = false;
        loop {
            match *b.get(j)? {
                b'"' => break,
                b'\\' => {
                    escaped = true;
                    j += 2;
                }
                _ => j += 1,
            }
        }
        (b.get(v + 1..j)?, escaped, j + 1)
    } else {
        let e = token_end(b, v);
        (&b[v..e], false, e)
    };
    at_break(b, end).then_some(Pair {
        key,
        val,
        escaped,
        start: p,
        end,
    })
}

fn role(key: &[u8], keys: &[&[u8]]) -> bool {
    keys.iter().any(|k| eq_ci(k, key))
}

/// Splits a logfmt line, or `None` when the line is not logfmt.
pub(crate) fn parse<'a>(b: &'a [u8], cfg: &TimeCfg) -> Option<Record<'a>> {
    let mut p = skip_ws(b, 0);
    let mut n = 0usize;
    let (mut ts, mut level, mut msg, mut comp) = (None, None, None, None);
    // Spans of the ts and level pairs, to cut them out when there is no msg.
    let mut cut: [Option<(usize, usize)>; 2] = [None, None];
    // Span from the first to the last kept pair.
    let (mut kept_min, mut kept_max) = (usize::MAX, 0usize);
    while p < b.len() {
        let pr = pair(b, p)?;
        n += 1;
        let mut keep = true;
        if ts.is_none() && role(pr.key, TS_KEYS) {
            ts = Some(pr);
            cut[0] = Some((pr.start, pr.end));
            keep = false;
        } else if level.is_none() && role(pr.key, LEVEL_KEYS) {
            level = Some(pr);
            cut[1] = Some((pr.start, pr.end));
            keep = false;
        } else if msg.is_none() && role(pr.key, MSG_KEYS) {
            msg = Some(pr);
        } else if comp.is_none() && role(pr.key, COMP_KEYS) {
            comp = Some(pr);
        }
        if keep {
            kept_min = kept_min.min(pr.start);
            kept_max = kept_max.max(pr.end);
        }
        p = skip_ws(b, pr.end);
    }
    if n < 2 || (ts.is_none() && level.is_none() && msg.is_none()) {
        return None;
    }
    let message = match msg {
        Some(m) if m.escaped => Cow::Owned(unquote(m.val)),
        Some(m) => Cow::Borrowed(m.val),
        None if kept_min == usize::MAX => Cow::Borrowed(&b[b.len()..]),
        None => {
            let contiguous = cut
                .iter()
                .flatten()
                .all(|&(s, e)| e <= kept_min || s >= kept_max);
            if contiguous {
                Cow::Borrowed(&b[kept_min..kept_max])
            } else {
                Cow::Owned(join_without(b, &cut))
            }
        }
    };
    Some(Record {
        ts: ts.and_then(|t| time::parse_whole(t.val, cfg)),
        level: level.and_then(|l| level_token(l.val, true)),
        component: comp.filter(|c| !c.escaped).map(|c| c.val),
        message,
    })
}

/// The line's pairs except the `cut` spans, joined by single spaces.
fn join_without(b: &[u8], cut: &[Option<(usize, usize)>; 2]) -> Vec<u8> {
    let mut out = Vec::with_capacity(b.len());
    let mut p = skip_ws(b, 0);
    while let Some(pr) = pair(b, p) {
        if !cut.iter().flatten().any(|&(s, _)| s == pr.start) {
            if !out.is_empty() {
                out.push(b' ');
            }
            out.extend_from_slice(&b[pr.start..pr.end]);
        }
        p = skip_ws(b, pr.end);
        if p >= b.len() {
            break;
        }
    }
    out
}

/// Undoes `\"`, `\\`, `\n`, `\t` and `\r` in a quoted value; other escapes stay as written.
fn unquote(v: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(v.len());
    let mut i = 0;
    while i < v.len() {
        if v[i] == b'\\' && i + 1 < v.len() {
            match v[i + 1] {
                b'"' | b'\\' => out.push(v[i + 1]),
                b'n' => out.push(b'\n'),
                b't' => out.push(b'\t'),
                b'r' => out.push(b'\r'),
                c => {
                    out.push(b'\\');
                    out.push(c);
                }
            }
            i += 2;
        } else {
            out.push(v[i]);
            i += 1;
        }
    }
    while out.last().is_some_and(|&c| is_ws(c)) {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::{Level, Timestamp};
    use super::*;

    fn cfg() -> TimeCfg {
        TimeCfg::new(Timestamp(1_795_780_800_000))
    }

    #[test]
    fn msg_value_is_the_message() {
        let r = parse(
            br#"ts=2026-11-27T14:02:01.123Z level=info msg="request done" status=200"#,
            &cfg(),
        )
        .unwrap();
        assert_eq!(r.ts, Some(Timestamp(1_795_788_121_123)));
        assert_eq!(r.level, Some(Level::Info));
        assert_eq!(&*r.message, b"request done");
        let r = parse(br#"level=warn msg="say \"hi\"""#, &cfg()).unwrap();
        assert_eq!(&*r.message, br#"say "hi""#);
    }

    #[test]
    fn without_msg_the_rest_of_the_line_is_the_message() {
        let r = parse(
            b"time=2026-11-27T14:02:01Z level=error status=500 path=/x",
            &cfg(),
        )
        .unwrap();
        assert!(matches!(r.message, Cow::Borrowed(b"status=500 path=/x")));
        let r = parse(b"status=500 level=error path=/x", &cfg()).unwrap();
        assert_eq!(&*r.message, b"status=500 path=/x");
    }

    #[test]
    fn not_logfmt() {
        assert!(parse(b"level=info and some words", &cfg()).is_none());
        assert!(parse(b"a=1 b=2", &cfg()).is_none());
        assert!(parse(b"msg=\"unterminated level=info", &cfg()).is_none());
    }
}
