//! Fixed-layout headers that need no sample to be read: RFC 5424 syslog, the `<PRI>` prefix
//! of RFC 3164 lines, and klog/glog (`I1127 14:02:01.123456   12345 file.go:123] msg`).
//!
//! RFC 3164's own layout (`Nov 27 14:02:01 host prog[pid]: msg`) is a column header with a
//! syslog tail and lives in `columnar`; this module only strips its `<PRI>`.

use std::borrow::Cow;

use super::scan::{at_break, digits, is_ws, skip_ws, token_end};
use super::time::{self, Family, Shape, TimeCfg};
use super::{Level, Record, Timestamp};

/// Largest valid `<PRI>`: facility 23 * 8 + severity 7 (RFC 5424 section 6.2.1).
const MAX_PRI: u64 = 191;

/// UTF-8 byte order mark, allowed before an RFC 5424 message (section 6.4).
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Longest structured-data element scanned before giving up (a safety limit, not a spec one).
const MAX_SD_LEN: usize = 8192;

/// A `<PRI>` at the start of `b`: the severity (0..=7) and the position after `>`.
pub(crate) fn pri(b: &[u8]) -> Option<(u8, usize)> {
    if b.first() != Some(&b'<') {
        return None;
    }
    let (v, n) = digits(b, 1, 4);
    if !(1..=3).contains(&n) || v > MAX_PRI || b.get(1 + n) != Some(&b'>') {
        return None;
    }
    Some(((v & 7) as u8, n + 2))
}

/// One space-delimited RFC 5424 header field at `p` (after skipping whitespace): its text
/// (`None` for the nil value `-`) and its end.
fn field(b: &[u8], p: usize) -> Option<(Option<&[u8]>, usize)> {
    let p = skip_ws(b, p);
    let e = token_end(b, p);
    if e == p {
        return None;
    }
    let t = &b[p..e];
    Some(((t != b"-").then_some(t), e))
}

/// End of RFC 5424 structured data starting at `p`: `-` or one or more `[id k="v" ...]`.
fn structured_data_end(b: &[u8], p: usize) -> Option<usize> {
    if b.get(p) == Some(&b'-') && at_break(b, p + 1) {
        return Some(p + 1);
    }
    let mut i = p;
    let limit = b.len().min(p.saturating_add(MAX_SD_LEN));
    while b.get(i) == Some(&b'[') {
        let mut in_quotes = false;
        i += 1;
        loop {
            if i >= limit {
                return None;
            }
            match b[i] {
                b'\\' if in_quotes => i += 1,
                b'"' => in_quotes = !in_quotes,
                b']' if !in_quotes => break,
                _ => {}
            }
            i += 1;
        }
        i += 1;
    }
    (i > p && at_break(b, i)).then_some(i)
}

/// `<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD [MSG]` (RFC 5424). Component is the app name.
pub(crate) fn parse_rfc5424<'a>(b: &'a [u8], cfg: &TimeCfg) -> Option<Record<'a>> {
    let (sev, p) = pri(b)?;
    if b.get(p) != Some(&b'1') || !b.get(p + 1).is_some_and(|&c| is_ws(c)) {
        return None;
    }
    let p = skip_ws(b, p + 1);
    let (ts, p) = if b.get(p) == Some(&b'-') && at_break(b, p + 1) {
        (None, p + 1)
    } else {
        let (t, e) = time::parse_family(Family::Numeric(Shape::ANY), false, b, p, cfg)?;
        (Some(t), e)
    };
    if !at_break(b, p) {
        return None;
    }
    let (_host, p) = field(b, p)?;
    let (app, p) = field(b, p)?;
    let (_procid, p) = field(b, p)?;
    let (_msgid, p) = field(b, p)?;
    let p = structured_data_end(b, skip_ws(b, p))?;
    let mut m = skip_ws(b, p);
    if b[m..].starts_with(BOM) {
        m += BOM.len();
    }
    Some(Record {
        ts,
        level: Some(Level::from_syslog_severity(sev)),
        component: app,
        message: Cow::Borrowed(&b[m..]),
    })
}

/// klog/glog: `Lmmdd hh:mm:ss.uuuuuu threadid file:line] msg`, L in I, W, E, F. The year is
/// inferred; the component is `file:line`.
pub(crate) fn parse_klog<'a>(b: &'a [u8], cfg: &TimeCfg) -> Option<Record<'a>> {
    let level = match b.first()? {
        b'I' | b'W' | b'E' | b'F' => Level::from_letter(b[0]),
        _ => None,
    }?;
    let (ts, p) = klog_time_at(b, 1, cfg)?;
    let p = skip_ws(b, p);
    let (_, n) = digits(b, p, 19);
    if n == 0 || !at_break(b, p + n) {
        return None;
    }
    let p = skip_ws(b, p + n);
    let e = token_end(b, p);
    if e < p + 2 || b[e - 1] != b']' {
        return None;
    }
    Some(Record {
        ts: Some(ts),
        level: Some(level),
        component: Some(&b[p..e - 1]),
        message: Cow::Borrowed(&b[skip_ws(b, e)..]),
    })
}

/// `mmdd hh:mm:ss[.frac]` at `p`.
fn klog_time_at(b: &[u8], p: usize, cfg: &TimeCfg) -> Option<(Timestamp, usize)> {
    let (md, n) = digits(b, p, 5);
    if n != 4 || !b.get(p + 4).is_some_and(|&c| is_ws(c)) {
        return None;
    }
    let q = skip_ws(b, p + 4);
    time::yearless_time((md / 100) as u32, (md % 100) as u32, b, q, cfg)
}

/// A klog time copied from a line, with or without its level letter:
/// `I1127 14:02:01.123456` or `1127 14:02:01.123456`.
pub(crate) fn klog_time(text: &[u8], cfg: &TimeCfg) -> Option<Timestamp> {
    let text = super::scan::strip(text);
    let p = usize::from(text.first().is_some_and(|c| c.is_ascii_uppercase()));
    let (ts, e) = klog_time_at(text, p, cfg)?;
    (e == text.len()).then_some(ts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> TimeCfg {
        // 2026-11-27T12:00:00Z
        TimeCfg::new(Timestamp(1_795_780_800_000))
    }

    #[test]
    fn rfc5424_with_and_without_structured_data() {
        let r = parse_rfc5424(
            b"<34>1 2026-11-27T14:02:01.003Z mymachine su 1234 ID47 - 'su root' failed",
            &cfg(),
        )
        .unwrap();
        assert_eq!(r.ts, Some(Timestamp(1_795_788_121_003)));
        assert_eq!(r.level, Some(Level::Fatal));
        assert_eq!(r.component, Some(&b"su"[..]));
        assert_eq!(&*r.message, b"'su root' failed");
        let r = parse_rfc5424(
            b"<165>1 2026-11-27T14:02:01Z host evntslog - ID47 [exampleSDID@32473 iut=\"3\" x=\"a\\]b\"] \xEF\xBB\xBFAn application event",
            &cfg(),
        )
        .unwrap();
        assert_eq!(r.level, Some(Level::Info));
        assert_eq!(&*r.message, b"An application event");
        assert!(parse_rfc5424(b"<34>Oct 11 22:14:15 host su: x", &cfg()).is_none());
        assert!(parse_rfc5424(b"<999>1 - - - - - -", &cfg()).is_none());
        let r = parse_rfc5424(b"<14>1 - - - - - -", &cfg()).unwrap();
        assert_eq!((r.ts, &*r.message), (None, &b""[..]));
    }

    #[test]
    fn klog_lines() {
        let r = parse_klog(
            b"I1127 14:02:01.123456   12345 file.go:123] Starting controller",
            &cfg(),
        )
        .unwrap();
        assert_eq!(r.ts, Some(Timestamp(1_795_788_121_123)));
        assert_eq!(r.level, Some(Level::Info));
        assert_eq!(r.component, Some(&b"file.go:123"[..]));
        assert_eq!(&*r.message, b"Starting controller");
        assert!(parse_klog(b"Invalid user admin from 1.2.3.4", &cfg()).is_none());
        assert_eq!(
            klog_time(b"E1127 14:02:01.123456", &cfg()),
            Some(Timestamp(1_795_788_121_123))
        );
    }
}
