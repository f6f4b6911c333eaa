//! Column headers: a timestamp at a fixed whitespace-separated column, then a tail of header
//! fields, both learned from a sample; plus the per-line fallback that reads such headers
//! without a sample.
//!
//! The rule is generic rather than per system: "optional `<PRI>`, some columns, a timestamp
//! of any known shape (maybe a second one a few columns later, e.g. local time next to epoch
//! seconds), then a tail". The tail is one of
//! * fields: a level at a fixed column after the timestamp (columns before it are skipped:
//!   pids, thread ids, node names), `[...]` groups, a component (`component:`,
//!   `component -`, `component [context]`, or a column padded by two or more spaces) and a
//!   ` - ` separator, each kept only if most sample lines have it and stripped per line when
//!   present;
//! * delimited: `|`-separated header fields, as many as most sample lines have;
//! * syslog: `host tag[pid]: ` (the tag is read up to the first `: `, as RFC 3164 readers do);
//! * access log: the message starts at the quoted request, the level comes from the status;
//! * Kubernetes CRI: `stdout F `, then the container's own line, whose format is learned too.
//!
//! It does not know any particular system's layout, and it does not read timestamps itself
//! (`time` does).

use std::borrow::Cow;

use super::lead::Lead;
use super::scan::{at_break, bracket_end, digits, is_ws, nth_token, skip_ws, token_end};
use super::syslog::pri;
use super::time::{self, DayOrder, Family, TimeCfg};
use super::{Format, Level, Record, Timestamp, level_token};

/// Columns searched for a timestamp (0-based): enough for logs that lead with an id, a node
/// and a few labels (the widest seen put the epoch time in column 4).
pub(crate) const MAX_TS_COL: usize = 6;

/// Tokens after the timestamp searched for a level when learning a format.
const MAX_LEVEL_SKIP: usize = 8;

/// Tokens after the timestamp searched for a level by the per-line fallback, which has no
/// sample to confirm a far column (pid and thread id fit).
const AUTO_LEVEL_SKIP: usize = 2;

/// Longest `[...]` group taken as a header field.
const MAX_BRACKET_LEN: usize = 512;

/// Most `[...]` groups stripped after a level.
const MAX_BRACKETS: usize = 4;

/// Longest syslog tag: RFC 3164 allows 32 characters, but real tags add a pid and sometimes a
/// parenthesised detail (`launchd[1] (com.apple.xpc.launchd.domain.pid.WebContent.35704)`).
const MAX_TAG_LEN: usize = 128;

/// Most `|`-separated header fields learned for a delimited tail.
const MAX_DELIMITED_FIELDS: usize = 8;

/// Most whitespace characters inside a syslog tag (`syslogd 1.4.1`, `-- root[2421]`); more
/// means there was no tag and the colon belongs to the message.
const MAX_TAG_SPACES: usize = 2;

/// Share (percent) of the lines with the primary timestamp that must also carry a second
/// timestamp column for the tail to start after it.
const ANCHOR_SHARE_PCT: usize = 90;

/// Offsets between two timestamp columns are rounded to this step: zone offsets are whole
/// quarter hours.
const OFFSET_STEP_MS: i64 = 15 * 60_000;

/// Largest plausible offset between two timestamp columns of one line (UTC-12 to UTC+14).
const MAX_OFFSET_MS: i64 = 26 * 3_600_000;

/// Whether `count` of `n` lines is a majority (at least half, and at least one).
fn majority(count: usize, n: usize) -> bool {
    count > 0 && 2 * count >= n
}

/// Where a timestamp sits: its column, its family, whether it is bracketed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TsCol {
    col: u8,
    family: Family,
    bracket: bool,
}

/// The optional fields of a tail.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Fields {
    /// The level is the token at this index after the timestamp (within this many tokens, for
    /// the fallback and for fields after a syslog tag, which do not require it).
    level_at: Option<u8>,
    /// One-letter levels count.
    letters: bool,
    /// `[...]` groups follow (thread, context).
    brackets: bool,
    /// Which component shapes follow (a set of `COMP_*` bits).
    comp: u8,
    /// A lone `-` separates header and message.
    dash: bool,
}

/// What follows the timestamp.
#[derive(Debug, Clone)]
pub(crate) enum Tail {
    Fields(Fields),
    /// `host tag: ` then these fields.
    Syslog(Fields),
    /// This many `|`-separated header fields.
    Delimited(u8),
    Access,
    /// `stdout F ` then a line in the inner format, if one was learned.
    Cri(Option<Box<Format>>),
}

/// A learned column header.
#[derive(Debug, Clone)]
pub(crate) struct Columnar {
    pri: bool,
    ts: TsCol,
    /// A second timestamp column; the tail starts after it.
    anchor: Option<TsCol>,
    /// Add to an anchor time to get the primary time (learned zone offset), for `parse_time`.
    anchor_offset_ms: Option<i64>,
    tail: Tail,
    cfg: TimeCfg,
}

/// Header fields found so far on one line.
#[derive(Default)]
struct Head<'a> {
    level: Option<Level>,
    component: Option<&'a [u8]>,
}

/// Skips one `,` `|` or `;` glued to the timestamp, then whitespace.
fn skip_sep(b: &[u8], p: usize) -> usize {
    let p = if matches!(b.get(p), Some(b',' | b'|' | b';')) {
        p + 1
    } else {
        p
    };
    skip_ws(b, p)
}

/// A lone `-` at `p`.
fn is_dash(b: &[u8], p: usize) -> bool {
    b.get(p) == Some(&b'-') && at_break(b, p + 1)
}

/// A logger-like name: starts with a letter, then letters, digits and `._$/#@-`.
fn is_identifier(t: &[u8]) -> bool {
    t.first().is_some_and(u8::is_ascii_alphabetic)
        && t.iter().all(|&c| {
            c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'$' | b'/' | b'#' | b'@' | b'-')
        })
}

/// `component:`
const COMP_COLON: u8 = 1;
/// `component - `
const COMP_DASH: u8 = 2;
/// `component [context] ` (one bracket group, as oslo.log writes it)
const COMP_CONTEXT: u8 = 4;
/// `component  ` followed by two or more spaces (an aligned column)
const COMP_PADDED: u8 = 8;
/// All component shapes, in the order they are tried.
const COMP_KINDS: [u8; 4] = [COMP_COLON, COMP_DASH, COMP_CONTEXT, COMP_PADDED];

/// A component of one of the shapes in `kinds` at `p`: the component and where the message
/// starts.
fn component(b: &[u8], p: usize, kinds: u8) -> Option<(&[u8], usize)> {
    let e = token_end(b, p);
    if e == p {
        return None;
    }
    let t = &b[p..e];
    if kinds & COMP_COLON != 0 && t.len() >= 2 && t[t.len() - 1] == b':' {
        return Some((&t[..t.len() - 1], skip_ws(b, e)));
    }
    let q = skip_ws(b, e);
    if q == e || q >= b.len() {
        return None;
    }
    if kinds & (COMP_DASH | COMP_CONTEXT) != 0 && is_identifier(t) {
        if kinds & COMP_DASH != 0 && is_dash(b, q) {
            return Some((t, skip_ws(b, q + 1)));
        }
        if kinds & COMP_CONTEXT != 0 {
            if let Some(end) = bracket_end(b, q, MAX_BRACKET_LEN).filter(|&end| at_break(b, end)) {
                return Some((t, skip_ws(b, end)));
            }
        }
    }
    if kinds & COMP_PADDED != 0 && q >= e + 2 && t[0] != b'[' {
        return Some((t, q));
    }
    None
}

/// The first level token within `max_skip` tokens after `p`: its index, whether it is a
/// single letter, and its end.
fn find_level(
    b: &[u8],
    p: usize,
    max_skip: usize,
    letters: bool,
) -> Option<(usize, bool, Level, usize)> {
    let mut q = skip_ws(b, p);
    for j in 0..=max_skip {
        if q >= b.len() {
            return None;
        }
        let e = token_end(b, q);
        if let Some(l) = level_token(&b[q..e], letters) {
            return Some((j, e - q == 1, l, e));
        }
        q = skip_ws(b, e);
    }
    None
}

/// Skips `[...]` groups at `p`; returns the position after them and the last group's inside.
fn skip_brackets(b: &[u8], mut p: usize) -> (usize, Option<&[u8]>) {
    let mut last = None;
    for _ in 0..MAX_BRACKETS {
        match bracket_end(b, p, MAX_BRACKET_LEN).filter(|&e| at_break(b, e)) {
            Some(e) => {
                last = Some(&b[p + 1..e - 1]);
                p = skip_ws(b, e);
            }
            None => break,
        }
    }
    (p, last)
}

impl Fields {
    /// Reads the fields after position `p`; returns where the message starts. When `strict`,
    /// a line without a level exactly at `level_at` does not have these fields (`None`).
    fn apply<'a>(&self, b: &'a [u8], p: usize, head: &mut Head<'a>, strict: bool) -> Option<usize> {
        let mut p = skip_sep(b, p);
        if let Some(j) = self.level_at {
            match find_level(b, p, usize::from(j), self.letters) {
                Some((at, _, l, e)) if !strict || at == usize::from(j) => {
                    head.level = Some(l);
                    p = skip_ws(b, e);
                }
                _ if strict => return None,
                _ => {}
            }
        }
        let mut last_bracket = None;
        if self.brackets {
            (p, last_bracket) = skip_brackets(b, p);
        }
        if self.comp != 0 {
            if let Some((c, m)) = component(b, p, self.comp) {
                head.component = Some(c);
                return Some(m);
            }
        }
        if last_bracket.is_some() {
            head.component = last_bracket;
        }
        if self.dash && is_dash(b, p) {
            p = skip_ws(b, p + 1);
        }
        Some(p)
    }

    fn describe(&self, s: &mut String) {
        if let Some(j) = self.level_at {
            for _ in 0..j {
                s.push_str(" <*>");
            }
            s.push_str(" <level>");
        }
        if self.brackets {
            s.push_str(" [<*>]");
        }
        if self.comp & COMP_COLON != 0 {
            s.push_str(" <component>:");
        } else if self.comp & COMP_DASH != 0 {
            s.push_str(" <component> -");
        } else if self.comp & COMP_CONTEXT != 0 {
            s.push_str(" <component> [<*>]");
        } else if self.comp != 0 {
            s.push_str(" <component>");
        }
        if self.dash {
            s.push_str(" -");
        }
    }
}

/// A syslog tag shape for the sample-less fallback: `prog`, `prog[pid]`, with `prog` made of
/// letters, digits and `_.()/-`.
fn tag_shape(t: &[u8]) -> bool {
    let prog = match memchr::memchr(b'[', t) {
        Some(i) => {
            let pid = &t[i + 1..];
            if pid.len() < 2
                || pid.last() != Some(&b']')
                || !pid[..pid.len() - 1].iter().all(u8::is_ascii_digit)
            {
                return false;
            }
            &t[..i]
        }
        None => t,
    };
    !prog.is_empty()
        && prog.iter().all(|&c| {
            c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'(' | b')' | b'/' | b'-')
        })
}

/// The program part of a tag: without `[pid]` and what follows.
fn program(tag: &[u8]) -> &[u8] {
    match memchr::memchr(b'[', tag) {
        Some(i) if i > 0 => &tag[..i],
        _ => tag,
    }
}

/// `host tag: ` (or a lone `tag: `) after `p`: the program and where the message starts.
/// `strict` demands a plain `prog[pid]` tag.
fn syslog_tag(b: &[u8], p: usize, strict: bool) -> Option<(&[u8], usize)> {
    let p = skip_ws(b, p);
    let e = token_end(b, p);
    if e == p {
        return None;
    }
    if e > p + 1 && b[e - 1] == b':' && tag_shape(&b[p..e - 1]) {
        return Some((program(&b[p..e - 1]), skip_ws(b, e)));
    }
    if level_token(&b[p..e], false).is_some() {
        return None;
    }
    let q = skip_ws(b, e);
    let limit = b.len().min(q + MAX_TAG_LEN);
    let mut spaces = 0;
    let mut i = q;
    while i < limit {
        let c = b[i];
        if c == b':' && at_break(b, i + 1) {
            let tag = &b[q..i];
            if tag.is_empty() || (strict && !tag_shape(tag)) {
                return None;
            }
            return Some((program(tag), skip_ws(b, i + 1)));
        }
        if is_ws(c) {
            spaces += 1;
            if spaces > MAX_TAG_SPACES {
                return None;
            }
        }
        i += 1;
    }
    None
}

/// An access-log request and status after `p`: the level from the status (5xx Error, 4xx
/// Warn, else Info) and where the message (the request) starts.
fn access(b: &[u8], p: usize) -> Option<(Level, usize)> {
    let p = skip_ws(b, p);
    if b.get(p) != Some(&b'"') {
        return None;
    }
    let mut i = p + 1;
    loop {
        match *b.get(i)? {
            b'"' => break,
            b'\\' => i += 2,
            _ => i += 1,
        }
    }
    if !at_break(b, i + 1) {
        return None;
    }
    let q = skip_ws(b, i + 1);
    let (status, n) = digits(b, q, 4);
    if n != 3 || !at_break(b, q + 3) {
        return None;
    }
    let level = match status {
        500.. => Level::Error,
        400.. => Level::Warn,
        _ => Level::Info,
    };
    Some((level, p))
}

/// The CRI `stdout F ` / `stderr P ` prefix after `p`: where the container's line starts.
fn cri(b: &[u8], p: usize) -> Option<usize> {
    let p = skip_ws(b, p);
    let e = token_end(b, p);
    let stream = &b[p..e];
    if stream != b"stdout" && stream != b"stderr" {
        return None;
    }
    let q = skip_ws(b, e);
    if !matches!(b.get(q), Some(b'F' | b'P')) || !at_break(b, q + 1) {
        return None;
    }
    Some(skip_ws(b, q + 1))
}

/// `k` `|`-separated header fields after `p` (the first `|` may follow the timestamp
/// directly): where the message starts. A level word among the fields is the level; the first
/// other field that is not a number is the component.
fn delimited<'a>(b: &'a [u8], p: usize, k: usize, head: &mut Head<'a>) -> Option<usize> {
    let mut q = skip_ws(b, p);
    if b.get(q) != Some(&b'|') {
        return None;
    }
    for _ in 0..k {
        if b.get(q) != Some(&b'|') {
            let off = memchr::memchr(b'|', b.get(q..)?)?;
            let field = super::scan::strip(&b[q..q + off]);
            if head.level.is_none() {
                head.level = level_token(field, false);
            }
            if head.component.is_none()
                && head
                    .level
                    .is_none_or(|_| level_token(field, false).is_none())
                && !field.is_empty()
                && !field.iter().all(u8::is_ascii_digit)
            {
                head.component = Some(field);
            }
            q += off;
        }
        q += 1;
    }
    Some(skip_ws(b, q))
}

/// How many `|` the text after `p` holds, if it starts (after whitespace) with one.
fn delimiters(b: &[u8], p: usize) -> Option<usize> {
    let q = skip_ws(b, p);
    (b.get(q) == Some(&b'|')).then(|| memchr::memchr_iter(b'|', &b[q..]).count())
}

impl Columnar {
    /// Splits a stripped line, or `None` if its timestamp is not where this format has it.
    #[inline]
    pub(crate) fn parse<'a>(&self, b: &'a [u8]) -> Option<Record<'a>> {
        let mut pri_level = None;
        let mut start = 0;
        if self.pri {
            if let Some((sev, e)) = pri(b) {
                pri_level = Some(Level::from_syslog_severity(sev));
                start = e;
            }
        }
        let p = nth_token(b, start, usize::from(self.ts.col))?;
        let (ts, end) = time::parse_family(self.ts.family, self.ts.bracket, b, p, &self.cfg)?;
        let end = self.tail_start(b, start, end);
        let mut head = Head::default();
        let m = match &self.tail {
            Tail::Fields(f) => f.apply(b, end, &mut head, true)?,
            Tail::Syslog(f) => {
                let (c, m) = syslog_tag(b, end, false)?;
                head.component = Some(c);
                f.apply(b, m, &mut head, false)?
            }
            Tail::Access => {
                let (l, m) = access(b, end)?;
                head.level = Some(l);
                m
            }
            &Tail::Delimited(k) => delimited(b, end, usize::from(k), &mut head)?,
            Tail::Cri(inner) => {
                let m = cri(b, end)?;
                if let Some(r) = inner.as_ref().and_then(|f| f.parse(&b[m..], &self.cfg)) {
                    return Some(Record { ts: Some(ts), ..r });
                }
                m
            }
        };
        Some(Record {
            ts: Some(ts),
            level: head.level.or(pri_level),
            component: head.component,
            message: Cow::Borrowed(b.get(m..).unwrap_or_default()),
        })
    }

    /// What a stripped line must start with for [`Columnar::parse`] to read it (see
    /// [`Lead`]): the timestamp's own lead when it opens the line, anything otherwise.
    pub(crate) fn lead(&self) -> Lead {
        match self.ts {
            _ if self.pri => Lead::ANY,
            TsCol {
                col: 0,
                bracket: true,
                ..
            } => Lead::first([b'[']),
            TsCol { col: 0, family, .. } => family.lead(),
            _ => Lead::ANY,
        }
    }

    /// Where the tail starts: after the anchor timestamp if the line has it, else at `end`.
    #[inline]
    fn tail_start(&self, b: &[u8], start: usize, end: usize) -> usize {
        let Some(a) = self.anchor else { return end };
        nth_token(b, start, usize::from(a.col))
            .filter(|&q| q >= end)
            .and_then(|q| time::parse_family(a.family, a.bracket, b, q, &self.cfg))
            .map_or(end, |(_, e)| e)
    }

    /// Reads a timestamp in this log's shape (see `HeaderFormat::parse_time`).
    pub(crate) fn parse_time(&self, text: &[u8], reference: Timestamp) -> Option<Timestamp> {
        let cfg = self.cfg.with_reference(reference);
        if let Some(t) = time::parse_whole_as(text, self.ts.family, &cfg) {
            return Some(t);
        }
        if let Some(a) = self.anchor {
            if let Some(t) = time::parse_whole_as(text, a.family, &cfg) {
                return Some(Timestamp(t.0 + self.anchor_offset_ms.unwrap_or(0)));
            }
        }
        match &self.tail {
            Tail::Cri(Some(inner)) => inner.parse_time(text, reference, &cfg),
            _ => None,
        }
    }

    pub(crate) fn name(&self) -> String {
        let mut s = String::new();
        if self.pri {
            s.push_str("<pri>");
        }
        for _ in 0..self.ts.col {
            s.push_str("<*> ");
        }
        push_ts(&mut s, self.ts);
        if let Some(a) = self.anchor {
            s.push_str(" ... ");
            push_ts(&mut s, a);
        }
        match &self.tail {
            Tail::Fields(f) => f.describe(&mut s),
            Tail::Syslog(f) => {
                s.push_str(" <host> <tag>:");
                f.describe(&mut s);
            }
            Tail::Access => s.push_str(" <message: \"request\" status ...>"),
            &Tail::Delimited(k) => {
                for _ in 0..k {
                    s.push_str("|<*>");
                }
            }
            Tail::Cri(inner) => {
                s.push_str(" <stream> <F|P>");
                if let Some(i) = inner {
                    s.push_str(" (");
                    s.push_str(&i.name());
                    s.push(')');
                    return s;
                }
            }
        }
        if !matches!(self.tail, Tail::Access) {
            s.push_str(" <message>");
        }
        s
    }
}

fn push_ts(s: &mut String, t: TsCol) {
    if t.bracket {
        s.push('[');
    }
    s.push('<');
    s.push_str(t.family.name());
    s.push('>');
    if t.bracket {
        s.push(']');
    }
}

/// The order of `a/b/yyyy` dates in the sample: day first if some first number exceeds 12,
/// month first if some second one does, else the separator's convention.
fn learn_day_order(lines: &[&[u8]]) -> DayOrder {
    let (mut day_first, mut month_first) = (false, false);
    for l in lines {
        let mut p = skip_ws(l, 0);
        for _ in 0..=MAX_TS_COL {
            if p >= l.len() {
                break;
            }
            if let Some((a, b, _)) = time::ambiguous_date_parts(l, p) {
                day_first |= a > 12 && b <= 12;
                month_first |= b > 12 && a <= 12;
            }
            p = skip_ws(l, token_end(l, p));
        }
    }
    match (day_first, month_first) {
        (true, false) => DayOrder::DayFirst,
        (false, true) => DayOrder::MonthFirst,
        _ => DayOrder::Auto,
    }
}

/// The most common value of `diffs` rounded to [`OFFSET_STEP_MS`], if at least half agree.
fn offset_mode(diffs: &[i64]) -> Option<i64> {
    let mut rounded: Vec<i64> = diffs
        .iter()
        .filter(|d| d.abs() <= MAX_OFFSET_MS)
        .map(|d| (d + OFFSET_STEP_MS / 2).div_euclid(OFFSET_STEP_MS) * OFFSET_STEP_MS)
        .collect();
    rounded.sort_unstable();
    let mut best = (0i64, 0usize);
    for run in rounded.chunk_by(|a, b| a == b) {
        if run.len() > best.1 {
            best = (run[0], run.len());
        }
    }
    majority(best.1, diffs.len()).then_some(best.0)
}

/// Learns a column header from `lines`: for each timestamp position (column, shape), the
/// largest group of lines sharing a tail kind; the position and group covering the most lines
/// win. Returns the format with the number of lines it parses, or `None` if no line has a
/// timestamp.
pub(crate) fn learn(lines: &[&[u8]], base: &TimeCfg, allow_cri: bool) -> Option<(Columnar, usize)> {
    let cfg = TimeCfg {
        day_order: learn_day_order(lines),
        ..*base
    };
    let mut hist: Vec<((bool, TsCol), usize)> = Vec::new();
    for l in lines {
        let (has_pri, start) = pri(l).map_or((false, 0), |(_, e)| (true, e));
        let mut p = skip_ws(l, start);
        for col in 0..=MAX_TS_COL {
            if p >= l.len() {
                break;
            }
            if let Some(f) = time::probe(l, p, &cfg) {
                let key = (
                    has_pri,
                    TsCol {
                        col: col as u8,
                        family: f.family,
                        bracket: f.bracket,
                    },
                );
                match hist.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, n)) => *n += 1,
                    None => hist.push((key, 1)),
                }
            }
            p = skip_ws(l, token_end(l, p));
        }
    }
    let rank = Family::rank;
    // Most lines first; ties go to the lower column, the earlier family, unbracketed, with PRI.
    hist.sort_by(|(ka, na), (kb, nb)| {
        nb.cmp(na)
            .then_with(|| ka.1.col.cmp(&kb.1.col))
            .then_with(|| rank(ka.1.family).cmp(&rank(kb.1.family)))
            .then_with(|| ka.1.bracket.cmp(&kb.1.bracket))
            .then_with(|| kb.0.cmp(&ka.0))
    });
    let mut best: Option<(Columnar, usize)> = None;
    for &((has_pri, ts), n) in &hist {
        if best.as_ref().is_some_and(|b| b.1 >= n) {
            break;
        }
        if let Some((c, k)) = learn_at(lines, &hist, &cfg, has_pri, ts, allow_cri) {
            if best.as_ref().is_none_or(|b| k > b.1) {
                best = Some((c, k));
            }
        }
    }
    best
}

/// Learns the format with the primary timestamp at `ts`.
fn learn_at(
    lines: &[&[u8]],
    hist: &[((bool, TsCol), usize)],
    cfg: &TimeCfg,
    has_pri: bool,
    ts: TsCol,
    allow_cri: bool,
) -> Option<(Columnar, usize)> {
    let mut c = Columnar {
        pri: has_pri,
        ts,
        anchor: None,
        anchor_offset_ms: None,
        tail: Tail::Fields(Fields::default()),
        cfg: *cfg,
    };
    let start_of = |l: &[u8]| {
        if has_pri {
            pri(l).map_or(0, |(_, e)| e)
        } else {
            0
        }
    };
    let parsed: Vec<(&[u8], usize, Timestamp, usize)> = lines
        .iter()
        .filter_map(|&l| {
            let start = start_of(l);
            let p = nth_token(l, start, usize::from(ts.col))?;
            let (t, e) = time::parse_family(ts.family, ts.bracket, l, p, cfg)?;
            Some((l, start, t, e))
        })
        .collect();
    if parsed.is_empty() {
        return None;
    }
    let mut anchor: Option<(TsCol, Vec<i64>)> = None;
    for &((hp, a), _) in hist {
        if hp != has_pri || a.col <= ts.col || anchor.as_ref().is_some_and(|(b, _)| b.col >= a.col)
        {
            continue;
        }
        let diffs: Vec<i64> = parsed
            .iter()
            .filter_map(|&(l, start, t, e)| {
                let q = nth_token(l, start, usize::from(a.col)).filter(|&q| q >= e)?;
                let (at, _) = time::parse_family(a.family, a.bracket, l, q, cfg)?;
                Some(t.0 - at.0)
            })
            .collect();
        if diffs.len() * 100 >= parsed.len() * ANCHOR_SHARE_PCT {
            anchor = Some((a, diffs));
        }
    }
    if let Some((a, diffs)) = anchor {
        c.anchor = Some(a);
        c.anchor_offset_ms = offset_mode(&diffs);
    }
    let tails: Vec<(&[u8], usize)> = parsed
        .iter()
        .map(|&(l, start, _, e)| (l, c.tail_start(l, start, e)))
        .collect();
    let (tail, n) = learn_tail(&tails, cfg, allow_cri);
    c.tail = tail;
    Some((c, n))
}

fn count(texts: &[(&[u8], usize)], f: impl Fn(&[u8], usize) -> bool) -> usize {
    texts.iter().filter(|&&(b, p)| f(b, p)).count()
}

/// Learns the tail from each line's text after its timestamp: the tail kind most lines share
/// (a level at a fixed column, a syslog tag, an access request, a CRI prefix), if a majority
/// share one, else a tail without a level. Returns it with the number of lines it parses.
fn learn_tail(texts: &[(&[u8], usize)], cfg: &TimeCfg, allow_cri: bool) -> (Tail, usize) {
    let n = texts.len();
    let cri_n = if allow_cri {
        count(texts, |b, p| cri(b, p).is_some())
    } else {
        0
    };
    if majority(cri_n, n) {
        let msgs: Vec<&[u8]> = texts
            .iter()
            .filter_map(|&(b, p)| cri(b, p).map(|m| &b[m..]))
            .filter(|m| !m.is_empty())
            .collect();
        let inner = super::best_format(&msgs, cfg, false)
            .filter(|(_, k)| majority(*k, msgs.len()))
            .map(|(f, _)| Box::new(f));
        return (Tail::Cri(inner), cri_n);
    }
    let delimited_n = count(texts, |b, p| delimiters(b, p).is_some());
    if majority(delimited_n, n) {
        let mut hist = [0usize; MAX_DELIMITED_FIELDS + 1];
        for &(b, p) in texts {
            if let Some(k) = delimiters(b, p) {
                hist[k.min(MAX_DELIMITED_FIELDS)] += 1;
            }
        }
        let k = (1..=MAX_DELIMITED_FIELDS)
            .max_by_key(|&k| (hist[k], std::cmp::Reverse(k)))
            .unwrap_or(1);
        let parsed = count(texts, |b, p| delimiters(b, p).is_some_and(|d| d >= k));
        return (Tail::Delimited(k as u8), parsed);
    }
    let access_n = count(texts, |b, p| access(b, p).is_some());
    if majority(access_n, n) {
        return (Tail::Access, access_n);
    }
    let mut at = [0usize; MAX_LEVEL_SKIP + 1];
    let mut letters = [0usize; MAX_LEVEL_SKIP + 1];
    for &(b, p) in texts {
        if let Some((j, letter, _, _)) = find_level(b, skip_sep(b, p), MAX_LEVEL_SKIP, true) {
            at[j] += 1;
            letters[j] += usize::from(letter);
        }
    }
    let (j, jn) =
        at.iter().copied().enumerate().fold(
            (0, 0),
            |best, (j, k)| if k > best.1 { (j, k) } else { best },
        );
    let syslog_n = count(texts, |b, p| syslog_tag(b, p, false).is_some());
    if majority(jn, n) && jn >= syslog_n {
        let mut f = Fields {
            level_at: Some(j as u8),
            letters: letters[j] > 0,
            ..Fields::default()
        };
        let leveled: Vec<(&[u8], usize)> = texts
            .iter()
            .copied()
            .filter(|&(b, p)| f.apply(b, p, &mut Head::default(), true).is_some())
            .collect();
        learn_optional(&mut f, &leveled);
        (Tail::Fields(f), leveled.len())
    } else if majority(syslog_n, n) {
        let after: Vec<(&[u8], usize)> = texts
            .iter()
            .filter_map(|&(b, p)| syslog_tag(b, p, false).map(|(_, m)| (b, m)))
            .collect();
        let leveled = count(&after, |b, m| find_level(b, m, 0, false).is_some());
        let f = Fields {
            level_at: majority(leveled, after.len()).then_some(0),
            ..Fields::default()
        };
        (Tail::Syslog(f), syslog_n)
    } else {
        let mut f = Fields::default();
        learn_optional(&mut f, texts);
        (Tail::Fields(f), n)
    }
}

/// Decides which optional fields (brackets, component, dash) most lines have.
fn learn_optional(f: &mut Fields, texts: &[(&[u8], usize)]) {
    let n = texts.len();
    let base = Fields {
        level_at: f.level_at,
        letters: f.letters,
        ..Fields::default()
    };
    let mut pos: Vec<(&[u8], usize)> = texts
        .iter()
        .map(|&(b, p)| {
            (
                b,
                base.apply(b, p, &mut Head::default(), false).unwrap_or(p),
            )
        })
        .collect();
    f.brackets = majority(
        count(&pos, |b, q| {
            bracket_end(b, q, MAX_BRACKET_LEN).is_some_and(|e| at_break(b, e))
        }),
        n,
    );
    if f.brackets {
        for (b, q) in &mut pos {
            *q = skip_brackets(b, *q).0;
        }
    }
    for kind in COMP_KINDS {
        if majority(count(&pos, |b, q| component(b, q, kind).is_some()), n) {
            f.comp |= kind;
        }
    }
    f.dash = majority(
        count(&pos, |b, q| {
            component(b, q, f.comp).is_none() && is_dash(b, q)
        }),
        n,
    );
}

/// The per-line fallback for column headers: a timestamp of any family in the first columns,
/// then the fields a tail usually has (a level among the next few tokens with brackets,
/// component and dash; or a plain syslog tag).
pub(crate) fn parse_auto<'a>(b: &'a [u8], cfg: &TimeCfg) -> Option<Record<'a>> {
    let (pri_level, start) = pri(b).map_or((None, 0), |(s, e)| {
        (Some(Level::from_syslog_severity(s)), e)
    });
    let mut p = skip_ws(b, start);
    for _ in 0..=MAX_TS_COL {
        if p >= b.len() {
            return None;
        }
        if let Some(f) = time::probe(b, p, cfg) {
            if !header_like(&b[start..p]) {
                return None;
            }
            let mut head = Head::default();
            let m = auto_tail(b, f.end, f.family, &mut head);
            return Some(Record {
                ts: Some(f.ts),
                level: head.level.or(pri_level),
                component: head.component,
                message: Cow::Borrowed(b.get(m..).unwrap_or_default()),
            });
        }
        p = skip_ws(b, token_end(b, p));
    }
    None
}

/// Whether the columns before a timestamp look like header columns (ids, labels, node names,
/// dashes) rather than prose: no token is a plain word (letters only, with a lower-case one,
/// or a single letter; one trailing punctuation mark allowed). Without a sample to show that
/// every line has them, prose before a time is message, not header.
fn header_like(prefix: &[u8]) -> bool {
    prefix
        .split(|&c| is_ws(c))
        .filter(|t| !t.is_empty())
        .all(|t| {
            let w = match t {
                [w @ .., b',' | b'.' | b';' | b':' | b'!' | b'?'] => w,
                w => w,
            };
            let plain = !w.is_empty()
                && w.iter().all(u8::is_ascii_alphabetic)
                && (w.len() == 1 || w.iter().any(u8::is_ascii_lowercase));
            !plain
        })
}

fn auto_tail<'a>(b: &'a [u8], p: usize, family: Family, head: &mut Head<'a>) -> usize {
    if let Some(m) = cri(b, p) {
        return m;
    }
    if let Some((l, m)) = access(b, p) {
        head.level = Some(l);
        return m;
    }
    let syslog_first = family == Family::Syslog;
    if syslog_first {
        if let Some((c, m)) = syslog_tag(b, p, true) {
            head.component = Some(c);
            return m;
        }
    }
    if find_level(b, skip_sep(b, p), AUTO_LEVEL_SKIP, false).is_some() {
        let f = Fields {
            level_at: Some(AUTO_LEVEL_SKIP as u8),
            letters: false,
            brackets: true,
            comp: COMP_COLON | COMP_DASH,
            dash: true,
        };
        return f.apply(b, p, head, false).unwrap_or(p);
    }
    if !syslog_first {
        if let Some((c, m)) = syslog_tag(b, p, true) {
            head.component = Some(c);
            return m;
        }
    }
    let f = Fields {
        dash: true,
        ..Fields::default()
    };
    f.apply(b, p, head, false).unwrap_or(p)
}
