//! Timestamp parsers: hand-written byte parsers for the date-time shapes found in log headers,
//! calendar arithmetic and year inference.
//!
//! It owns *how* a timestamp is read once its position is known; *where* timestamps sit in a
//! line is the header formats' business. Shapes are grouped in [`Family`]s so that a format can
//! remember which family its log uses and read every line the same way:
//!
//! * `Numeric`: digit dates with a time of day: `2026-11-27T14:02:01.123Z`,
//!   `2026-11-27 14:02:01,123`, `2026/11/27 14:02:01`, `17/06/09 20:10:40` (yy/MM/dd),
//!   `081109 203615` (yyMMdd HHmmss), `20171223-22:15:29:606`, `2005-06-03-15.42.50.675872`,
//!   `11/27/2026 2:02:01 PM` (month or day first, learned), and year-less `03-17 16:13:38.811`.
//! * `Epoch`: seconds, milliseconds, microseconds or nanoseconds since 1970, in a plausible range.
//! * `Syslog`: `Nov 27 14:02:01` (RFC 3164, year-less; an optional year before the time).
//! * `Asctime`: `Sun Dec 04 04:47:44 2005` (year optional).
//! * `DayMonth`: `27/Nov/2026:14:02:01 +0000` (access logs), `27-Nov-2026 14:02:01.123`,
//!   `Sun, 27 Nov 2026 14:02:01 +0000`.
//!
//! Any of them may be wrapped in `[...]`. Times without a zone are read as UTC (naive), so
//! times within one log compare correctly; their absolute value is off by the writer's UTC
//! offset. Fractions are truncated to milliseconds.

use super::Timestamp;
use super::lead::Lead;
use super::scan::{digit_at, digits, is_ws};

/// Milliseconds in a day.
pub(crate) const MS_PER_DAY: i64 = 86_400_000;

/// Earliest epoch second accepted from a bare number: 2000-01-01T00:00:00Z. Smaller numbers in
/// a header column are far more often counters, sizes or ids than times.
const EPOCH_MIN_S: u64 = 946_684_800;

/// End (exclusive) of the accepted epoch range: 2100-01-01T00:00:00Z.
const EPOCH_MAX_S: u64 = 4_102_444_800;

/// How many years back year inference looks for a valid date (Feb 29 needs up to 8, across 2100).
const YEAR_SEARCH: i32 = 9;

/// Two-digit years below this pivot are 20xx, the others 19xx (the POSIX `%y` rule).
const YY_PIVOT: u64 = 69;

/// Longest whitespace run accepted inside a timestamp (`Jul  3 04:08:03` has two spaces).
const MAX_INNER_WS: usize = 4;

/// A family of timestamp shapes read by one parser.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Family {
    /// Digit dates; the shape tells layouts apart so that a format learned from one log does
    /// not claim another log's lines in a mixed input.
    Numeric(Shape),
    Epoch,
    Syslog,
    Asctime,
    DayMonth,
}

/// The layout of a numeric timestamp: date order and separator, and what separates date and
/// time. Fraction and zone are not part of it: loggers drop a zero fraction and zones differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Shape(u8);

impl Shape {
    /// Accepts every layout (for fields whose content is known to be a timestamp).
    pub(crate) const ANY: Shape = Shape(0);

    fn new(layout: u8, time_sep: u8) -> Shape {
        let t = match time_sep {
            b'T' => 1,
            b'-' => 3,
            b'_' => 4,
            b':' => 5,
            _ => 2,
        };
        Shape(layout * 8 + t)
    }
}

impl Family {
    /// Order used to break ties between families found equally often.
    pub(crate) fn rank(self) -> u8 {
        match self {
            Family::Numeric(_) => 0,
            Family::Syslog => 1,
            Family::Asctime => 2,
            Family::DayMonth => 3,
            Family::Epoch => 4,
        }
    }

    /// What a line must start with for a timestamp of this family to open it (see
    /// [`Lead`]): digit runs and separators for numeric shapes, an upper-case month or day
    /// name for syslog and asctime times.
    pub(crate) fn lead(self) -> Lead {
        const SEPS: [u8; 3] = [b'-', b'/', b'.'];
        match self {
            Family::Numeric(Shape::ANY) => Lead::first(b'0'..=b'9'),
            Family::Numeric(Shape(s)) => {
                let layout = s / 8;
                let sep = |base: u8| {
                    SEPS.get(usize::from(layout - base))
                        .map(std::slice::from_ref)
                };
                match layout {
                    YMD_DASH..YMD8 => Lead::digits(&[4], sep(YMD_DASH)),
                    YMD8 => Lead::digits(&[8], None),
                    YMD6 => Lead::digits(&[6], None),
                    ABY_DASH..YY_SLASH => Lead::digits(&[1, 2], sep(ABY_DASH)),
                    YY_SLASH => Lead::digits(&[2], Some(b"/")),
                    MD_DASH..=MD_LAST => Lead::digits(&[2], sep(MD_DASH)),
                    _ => Lead::first(b'0'..=b'9'),
                }
            }
            Family::Epoch => Lead::digits(&[9, 10, 12, 13, 15, 16, 18, 19], None),
            Family::Syslog | Family::Asctime => Lead::first(b'A'..=b'Z'),
            Family::DayMonth => Lead::first((b'0'..=b'9').chain(b'A'..=b'Z')),
        }
    }

    /// Short name used in format names.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Family::Numeric(_) => "datetime",
            Family::Epoch => "epoch",
            Family::Syslog => "syslog-time",
            Family::Asctime => "asctime",
            Family::DayMonth => "day-month-year",
        }
    }
}

/// Which of two leading numbers is the day in `a/b/yyyy` dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DayOrder {
    /// Month first for `/` and `-` (US style), day first for `.` (European style).
    Auto,
    DayFirst,
    MonthFirst,
}

/// What the parsers need besides the bytes: the reference time for year inference and the
/// learned order of ambiguous dates.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TimeCfg {
    pub(crate) reference_ms: i64,
    pub(crate) reference_year: i32,
    pub(crate) day_order: DayOrder,
}

impl TimeCfg {
    pub(crate) fn new(reference: Timestamp) -> TimeCfg {
        let (y, _, _) = civil_from_days(reference.0.div_euclid(MS_PER_DAY));
        TimeCfg {
            reference_ms: reference.0,
            reference_year: y,
            day_order: DayOrder::Auto,
        }
    }

    /// The same configuration with another reference time.
    pub(crate) fn with_reference(self, reference: Timestamp) -> TimeCfg {
        TimeCfg {
            day_order: self.day_order,
            ..TimeCfg::new(reference)
        }
    }
}

/// A broken-down time as written in a log.
#[derive(Debug, Clone, Copy, Default)]
struct Civil {
    year: Option<i32>,
    month: u32,
    day: u32,
    hour: u32,
    min: u32,
    sec: u32,
    milli: u32,
    offset_min: i32,
}

fn is_leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

#[inline]
fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (the era-based algorithm described by
/// Howard Hinnant in "chrono-Compatible Low-Level Date Algorithms").
pub(crate) fn days_from_civil(y: i32, m: u32, d: u32) -> i64 {
    let y = i64::from(y) - i64::from(m <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number from [`days_from_civil`].
pub(crate) fn civil_from_days(z: i64) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (
        y.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32,
        m,
        d,
    )
}

/// The year for a year-less date: the latest year that puts the time no more than a day after
/// the reference time (a day of slack for clock skew and zone differences).
fn infer_year(cfg: &TimeCfg, month: u32, day: u32, tod_ms: i64) -> Option<i32> {
    let limit = cfg.reference_ms.saturating_add(MS_PER_DAY);
    let top = cfg.reference_year.saturating_add(1);
    (0..=YEAR_SEARCH).map(|k| top.saturating_sub(k)).find(|&y| {
        day <= days_in_month(y, month)
            && days_from_civil(y, month, day) * MS_PER_DAY + tod_ms <= limit
    })
}

/// First year of [`YEAR_DAYS`].
const TABLE_FIRST_YEAR: i32 = 1970;
/// Years covered by [`YEAR_DAYS`]: 1970..2170, far beyond what logs hold.
const TABLE_YEARS: usize = 200;

/// Days from 1970-01-01 to January 1st of each year from [`TABLE_FIRST_YEAR`].
static YEAR_DAYS: [i32; TABLE_YEARS] = {
    let mut t = [0i32; TABLE_YEARS];
    let mut i = 1;
    while i < TABLE_YEARS {
        let y = TABLE_FIRST_YEAR + i as i32 - 1;
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        t[i] = t[i - 1] + if leap { 366 } else { 365 };
        i += 1;
    }
    t
};

/// Days before the first of each month (index 1..=12) in a common year.
const MONTH_DAYS: [i32; 13] = [0, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];

/// [`days_from_civil`] by table lookup for the years logs hold.
#[inline(always)]
fn days_of(y: i32, m: u32, d: u32) -> i64 {
    match usize::try_from(y - TABLE_FIRST_YEAR) {
        Ok(i) if i < TABLE_YEARS && (1..=12).contains(&m) => {
            let leap_extra = i32::from(m > 2 && is_leap(y));
            i64::from(YEAR_DAYS[i] + MONTH_DAYS[m as usize] + leap_extra + d as i32 - 1)
        }
        _ => days_from_civil(y, m, d),
    }
}

#[inline]
fn civil_to_ts(c: &Civil, cfg: &TimeCfg) -> Option<Timestamp> {
    if !(1..=12).contains(&c.month) || c.day == 0 || c.hour > 23 || c.min > 59 || c.sec > 60 {
        return None;
    }
    let tod = i64::from((c.hour * 60 + c.min) * 60 + c.sec) * 1000 + i64::from(c.milli)
        - i64::from(c.offset_min) * 60_000;
    let year = match c.year {
        Some(y) if c.day <= days_in_month(y, c.month) => y,
        Some(_) => return None,
        None => infer_year(cfg, c.month, c.day, tod)?,
    };
    Some(Timestamp(days_of(year, c.month, c.day) * MS_PER_DAY + tod))
}

/// Skips a whitespace run of 1..=MAX_INNER_WS bytes at `p`.
#[inline]
fn inner_ws(b: &[u8], p: usize) -> Option<usize> {
    let mut q = p;
    while q < b.len() && is_ws(b[q]) && q - p < MAX_INNER_WS {
        q += 1;
    }
    (q > p && !b.get(q).is_some_and(|&c| is_ws(c))).then_some(q)
}

/// Whether a timestamp may end at `p`: end of text or a byte that cannot continue a token of it.
#[inline]
fn boundary(b: &[u8], p: usize) -> bool {
    b.get(p).is_none_or(|&c| !c.is_ascii_alphanumeric())
}

const MONTHS: [&[u8; 3]; 12] = [
    b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov", b"dec",
];
const DAYS: [&[u8; 3]; 7] = [b"mon", b"tue", b"wed", b"thu", b"fri", b"sat", b"sun"];

/// A three-letter English name at `p` starting with an upper-case letter (lower-case words are
/// far more often message text), not followed by another letter.
fn name3(b: &[u8], p: usize, names: &[&[u8; 3]]) -> Option<usize> {
    let w = b.get(p..p + 3)?;
    if !w[0].is_ascii_uppercase() || b.get(p + 3).is_some_and(u8::is_ascii_alphabetic) {
        return None;
    }
    let lower = [
        w[0].to_ascii_lowercase(),
        w[1].to_ascii_lowercase(),
        w[2].to_ascii_lowercase(),
    ];
    names.iter().position(|n| **n == lower)
}

fn month_name(b: &[u8], p: usize) -> Option<u32> {
    name3(b, p, &MONTHS).map(|i| i as u32 + 1)
}

/// `H:MM[:SS]` (or with `.` separators when `dots`) at `p`; seconds required when `need_sec`.
/// Returns hour, minute, second and the end.
fn hms(b: &[u8], p: usize, dots: bool, need_sec: bool) -> Option<(u32, u32, u32, usize)> {
    let (h, lh) = digits(b, p, 3);
    if !(1..=2).contains(&lh) {
        return None;
    }
    let sep = *b.get(p + lh)?;
    if !(sep == b':' || (dots && sep == b'.')) {
        return None;
    }
    let (mi, lmi) = digits(b, p + lh + 1, 3);
    if lmi != 2 {
        return None;
    }
    let mut q = p + lh + 3;
    let mut s = 0;
    if b.get(q) == Some(&sep) && digit_at(b, q + 1) {
        let (sv, ls) = digits(b, q + 1, 3);
        if ls != 2 {
            return None;
        }
        s = sv as u32;
        q += 3;
    } else if need_sec {
        return None;
    }
    Some((h as u32, mi as u32, s, q))
}

/// Optional fraction of a second at `p` (`.123`, `,123456`, or `:123` when `colon`); returns
/// milliseconds and the end.
#[inline]
fn fraction(b: &[u8], p: usize, colon: bool) -> (u32, usize) {
    match b.get(p) {
        Some(b'.' | b',') if digit_at(b, p + 1) => {}
        Some(b':') if colon => {
            let (v, n) = digits(b, p + 1, 4);
            return if n == 3 { (v as u32, p + 4) } else { (0, p) };
        }
        _ => return (0, p),
    }
    let mut q = p + 1;
    let mut ms = 0u32;
    let mut n = 0;
    while digit_at(b, q) {
        if n < 3 {
            ms = ms * 10 + u32::from(b[q] - b'0');
        }
        n += 1;
        q += 1;
    }
    while n < 3 {
        ms *= 10;
        n += 1;
    }
    (ms, q)
}

/// Optional ` AM`/` PM` at `p`: adjusts the hour and returns the end.
fn am_pm(b: &[u8], p: usize, hour: &mut u32) -> usize {
    let Some(w) = b.get(p..p + 3) else { return p };
    if w[0] != b' ' || !w[2].eq_ignore_ascii_case(&b'm') || !boundary(b, p + 3) || *hour > 12 {
        return p;
    }
    match w[1].to_ascii_lowercase() {
        b'a' => {
            if *hour == 12 {
                *hour = 0;
            }
        }
        b'p' => {
            if *hour < 12 {
                *hour += 12;
            }
        }
        _ => return p,
    }
    p + 3
}

/// Optional zone at `p`: `Z`, `+HH:MM`, `+HHMM`, `+HH`, ` +HHMM`, ` UTC`, ` GMT`.
/// Returns the offset in minutes and the end.
#[inline]
fn zone(b: &[u8], p: usize) -> (i32, usize) {
    match b.get(p) {
        Some(b'Z') => (0, p + 1),
        Some(&c @ (b'+' | b'-')) => signed_offset(b, p + 1, c == b'-', false).unwrap_or((0, p)),
        Some(b' ') => match b.get(p + 1) {
            Some(&c @ (b'+' | b'-')) => signed_offset(b, p + 2, c == b'-', true).unwrap_or((0, p)),
            Some(b'U' | b'G') => {
                let w = b.get(p + 1..p + 4);
                if (w == Some(b"UTC") || w == Some(b"GMT")) && boundary(b, p + 4) {
                    (0, p + 4)
                } else {
                    (0, p)
                }
            }
            _ => (0, p),
        },
        _ => (0, p),
    }
}

fn signed_offset(b: &[u8], p: usize, neg: bool, four_only: bool) -> Option<(i32, usize)> {
    let (hh, lh) = digits(b, p, 5);
    let (h, m, end) = match lh {
        2 if b.get(p + 2) == Some(&b':') => {
            let (mm, lm) = digits(b, p + 3, 3);
            if lm != 2 || four_only {
                return None;
            }
            (hh, mm, p + 5)
        }
        2 if !four_only => (hh, 0, p + 2),
        4 => (hh / 100, hh % 100, p + 4),
        _ => return None,
    };
    if h > 14 || m > 59 || !boundary(b, end) {
        return None;
    }
    let off = (h * 60 + m) as i32;
    Some((if neg { -off } else { off }, end))
}

/// Expands a two-digit year.
fn expand_yy(yy: u64) -> i32 {
    if yy < YY_PIVOT {
        2000 + yy as i32
    } else {
        1900 + yy as i32
    }
}

/// The numeric family (see the module docs).
/// Reads a numeric timestamp of layout `want` (any with [`Shape::ANY`]); the layout is checked
/// before the rest is read, so a format cheaply rejects another log's lines.
fn parse_numeric(
    b: &[u8],
    p: usize,
    cfg: &TimeCfg,
    want: Shape,
) -> Option<(Timestamp, usize, Shape)> {
    if let Some((c, r)) = iso_fast(b, p) {
        let shape = Shape::new(YMD_DASH, b[p + 10]);
        if want != Shape::ANY && want != shape {
            return None;
        }
        return numeric_end(b, r, c, cfg).map(|(t, e)| (t, e, shape));
    }
    if let Some(r) = compact_fast(b, p, cfg, want) {
        return r;
    }
    let (n1, l1) = digits(b, p, 9);
    let mut q = p + l1;
    let mut c = Civil::default();
    let mut compact = false;
    let mut yearless = false;
    let layout;
    match l1 {
        4 => {
            let s = *b.get(q)?;
            if !matches!(s, b'-' | b'/' | b'.') {
                return None;
            }
            layout = YMD_DASH + sep_id(s);
            let (m, lm) = digits(b, q + 1, 3);
            if !(1..=2).contains(&lm) || b.get(q + 1 + lm) != Some(&s) {
                return None;
            }
            q += 1 + lm;
            let (d, ld) = digits(b, q + 1, 3);
            if !(1..=2).contains(&ld) {
                return None;
            }
            q += 1 + ld;
            (c.year, c.month, c.day) = (Some(n1 as i32), m as u32, d as u32);
        }
        8 => {
            compact = true;
            layout = YMD8;
            c.year = Some((n1 / 10_000) as i32);
            (c.month, c.day) = ((n1 / 100 % 100) as u32, (n1 % 100) as u32);
        }
        6 => {
            compact = true;
            layout = YMD6;
            c.year = Some(expand_yy(n1 / 10_000));
            (c.month, c.day) = ((n1 / 100 % 100) as u32, (n1 % 100) as u32);
        }
        1 | 2 => {
            let s = *b.get(q)?;
            if !matches!(s, b'-' | b'/' | b'.') {
                return None;
            }
            let (n2, l2) = digits(b, q + 1, 3);
            if !(1..=2).contains(&l2) {
                return None;
            }
            q += 1 + l2;
            if b.get(q) == Some(&s) && digit_at(b, q + 1) {
                let (n3, l3) = digits(b, q + 1, 5);
                q += 1 + l3;
                match l3 {
                    4 => {
                        let day_first = match cfg.day_order {
                            DayOrder::DayFirst => true,
                            DayOrder::MonthFirst => false,
                            DayOrder::Auto => s == b'.',
                        };
                        let (m, d) = if day_first { (n2, n1) } else { (n1, n2) };
                        layout = ABY_DASH + sep_id(s);
                        (c.year, c.month, c.day) = (Some(n3 as i32), m as u32, d as u32);
                    }
                    2 if s == b'/' && l1 == 2 && l2 == 2 => {
                        layout = YY_SLASH;
                        c.year = Some(expand_yy(n1));
                        (c.month, c.day) = (n2 as u32, n3 as u32);
                    }
                    _ => return None,
                }
            } else if l1 == 2 && l2 == 2 {
                yearless = true;
                layout = MD_DASH + sep_id(s);
                (c.month, c.day) = (n1 as u32, n2 as u32);
            } else {
                return None;
            }
        }
        _ => return None,
    }
    if !(1..=12).contains(&c.month) || !(1..=31).contains(&c.day) {
        return None;
    }
    let tsep = *b.get(q)?;
    let t = match tsep {
        b'T' => q + 1,
        c if is_ws(c) => inner_ws(b, q)?,
        b'-' | b'_' | b':' if !yearless => q + 1,
        _ => return None,
    };
    let shape = Shape::new(layout, tsep);
    if want != Shape::ANY && want != shape {
        return None;
    }
    let (tv, lt) = digits(b, t, 7);
    let r;
    if lt == 6 && compact {
        (c.hour, c.min, c.sec) = (
            (tv / 10_000) as u32,
            (tv / 100 % 100) as u32,
            (tv % 100) as u32,
        );
        r = t + 6;
    } else {
        let (h, mi, s, e) = hms(b, t, true, yearless)?;
        (c.hour, c.min, c.sec) = (h, mi, s);
        r = e;
    }
    numeric_end(b, r, c, cfg).map(|(t, e)| (t, e, shape))
}

/// Numeric date layouts (see [`Shape`]); `+ sep_id` picks the separator variant.
const YMD_DASH: u8 = 1;
const YMD8: u8 = 4;
const YMD6: u8 = 5;
const ABY_DASH: u8 = 6;
const YY_SLASH: u8 = 9;
const MD_DASH: u8 = 10;
/// The last `MD_DASH + sep_id` layout.
const MD_LAST: u8 = MD_DASH + 2;

/// 0 for `-`, 1 for `/`, 2 for `.`.
fn sep_id(s: u8) -> u8 {
    match s {
        b'/' => 1,
        b'.' => 2,
        _ => 0,
    }
}

/// Two ASCII digits at `p`.
#[inline]
fn d2(b: &[u8], p: usize) -> Option<u32> {
    let x = b.get(p..p + 2)?;
    let (hi, lo) = (x[0].wrapping_sub(b'0'), x[1].wrapping_sub(b'0'));
    (hi < 10 && lo < 10).then(|| u32::from(hi) * 10 + u32::from(lo))
}

/// The most common shape, `yyyy-MM-dd[T ]HH:mm:ss`, read at fixed offsets.
#[inline]
fn iso_fast(b: &[u8], p: usize) -> Option<(Civil, usize)> {
    let h = b.get(p..p + 19)?;
    if h[4] != b'-'
        || h[7] != b'-'
        || h[13] != b':'
        || h[16] != b':'
        || !matches!(h[10], b'T' | b' ')
    {
        return None;
    }
    let c = Civil {
        year: Some((d2(b, p)? * 100 + d2(b, p + 2)?) as i32),
        month: d2(b, p + 5)?,
        day: d2(b, p + 8)?,
        hour: d2(b, p + 11)?,
        min: d2(b, p + 14)?,
        sec: d2(b, p + 17)?,
        ..Civil::default()
    };
    Some((c, p + 19))
}

/// `yyMMdd HHmmss` (one space, six digits each, as HDFS writes it) read at fixed offsets.
/// `None` when the text does not have exactly that layout, and then the general reader
/// decides; `Some` holds what the general reader returns for it.
#[inline]
fn compact_fast(
    b: &[u8],
    p: usize,
    cfg: &TimeCfg,
    want: Shape,
) -> Option<Option<(Timestamp, usize, Shape)>> {
    let h = b.get(p..p + 13)?;
    if h[6] != b' ' || digit_at(b, p + 13) {
        return None;
    }
    let (yy, month, day) = (d2(h, 0)?, d2(h, 2)?, d2(h, 4)?);
    let (hour, min, sec) = (d2(h, 7)?, d2(h, 9)?, d2(h, 11)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return Some(None);
    }
    let shape = Shape::new(YMD6, b' ');
    if want != Shape::ANY && want != shape {
        return Some(None);
    }
    let c = Civil {
        year: Some(expand_yy(u64::from(yy))),
        month,
        day,
        hour,
        min,
        sec,
        ..Civil::default()
    };
    Some(numeric_end(b, p + 13, c, cfg).map(|(t, e)| (t, e, shape)))
}

/// The optional fraction, AM/PM and zone after a numeric time ending at `r`.
#[inline(always)]
fn numeric_end(b: &[u8], r: usize, mut c: Civil, cfg: &TimeCfg) -> Option<(Timestamp, usize)> {
    let (milli, mut r) = fraction(b, r, true);
    c.milli = milli;
    if b.get(r) == Some(&b' ') && matches!(b.get(r + 1), Some(b'A' | b'a' | b'P' | b'p')) {
        r = am_pm(b, r, &mut c.hour);
    }
    (c.offset_min, r) = zone(b, r);
    if !boundary(b, r) {
        return None;
    }
    Some((civil_to_ts(&c, cfg)?, r))
}

/// Whether `c` may follow an epoch number in a header.
#[inline]
fn epoch_end(c: u8) -> bool {
    is_ws(c) || matches!(c, b']' | b',' | b'|' | b')' | b';' | b'"' | b'}')
}

/// Epoch seconds (9-10 digits, optional fraction), milliseconds (12-13), microseconds (15-16)
/// or nanoseconds (18-19), within [2000, 2100).
fn parse_epoch(b: &[u8], p: usize) -> Option<(Timestamp, usize)> {
    let (n, l) = digits(b, p, 19);
    if digit_at(b, p + l) {
        return None;
    }
    let mut r = p + l;
    let ms = match l {
        9 | 10 => {
            let (frac, e) = match b.get(r) {
                Some(b'.') => fraction(b, r, false),
                _ => (0, r),
            };
            r = e;
            n * 1000 + u64::from(frac)
        }
        12 | 13 => n,
        15 | 16 => n / 1000,
        18 | 19 => n / 1_000_000,
        _ => return None,
    };
    if !(EPOCH_MIN_S * 1000..EPOCH_MAX_S * 1000).contains(&ms) {
        return None;
    }
    if !b.get(r).is_none_or(|&c| epoch_end(c)) {
        return None;
    }
    Some((Timestamp(ms as i64), r))
}

/// `Mmm dd [yyyy] HH:MM:SS[.frac]` (RFC 3164 and relatives).
fn parse_syslog(b: &[u8], p: usize, cfg: &TimeCfg) -> Option<(Timestamp, usize)> {
    let mut c = Civil {
        month: month_name(b, p)?,
        ..Civil::default()
    };
    let q = inner_ws(b, p + 3)?;
    let (d, ld) = digits(b, q, 3);
    if !(1..=2).contains(&ld) {
        return None;
    }
    c.day = d as u32;
    let mut q = inner_ws(b, q + ld)?;
    let (y, ly) = digits(b, q, 5);
    if ly == 4 && b.get(q + 4).is_some_and(|&c| is_ws(c)) {
        c.year = Some(y as i32);
        q = inner_ws(b, q + 4)?;
    }
    let (h, mi, s, e) = hms(b, q, false, true)?;
    (c.hour, c.min, c.sec) = (h, mi, s);
    let (ms, e) = fraction(b, e, false);
    c.milli = ms;
    if !boundary(b, e) {
        return None;
    }
    Some((civil_to_ts(&c, cfg)?, e))
}

/// `Www Mmm dd HH:MM:SS[.frac] [yyyy]` (C `asctime`, Apache error logs).
fn parse_asctime(b: &[u8], p: usize, cfg: &TimeCfg) -> Option<(Timestamp, usize)> {
    name3(b, p, &DAYS)?;
    let q = inner_ws(b, p + 3)?;
    let mut c = Civil {
        month: month_name(b, q)?,
        ..Civil::default()
    };
    let q = inner_ws(b, q + 3)?;
    let (d, ld) = digits(b, q, 3);
    if !(1..=2).contains(&ld) {
        return None;
    }
    c.day = d as u32;
    let q = inner_ws(b, q + ld)?;
    let (h, mi, s, e) = hms(b, q, false, true)?;
    (c.hour, c.min, c.sec) = (h, mi, s);
    let (ms, mut e) = fraction(b, e, false);
    c.milli = ms;
    if b.get(e) == Some(&b' ') {
        let (y, ly) = digits(b, e + 1, 5);
        if ly == 4 && boundary(b, e + 5) {
            c.year = Some(y as i32);
            e += 5;
        }
    }
    if !boundary(b, e) {
        return None;
    }
    Some((civil_to_ts(&c, cfg)?, e))
}

/// `[Www, ]dd(/|-| )Mmm(/|-| )yyyy(:| |T)HH:MM:SS[.frac][ zone]`.
fn parse_daymonth(b: &[u8], p: usize, cfg: &TimeCfg) -> Option<(Timestamp, usize)> {
    let mut q = p;
    if name3(b, q, &DAYS).is_some() {
        if b.get(q + 3) != Some(&b',') {
            return None;
        }
        q = inner_ws(b, q + 4)?;
    }
    let (d, ld) = digits(b, q, 3);
    if !(1..=2).contains(&ld) {
        return None;
    }
    let s = *b.get(q + ld)?;
    if !matches!(s, b'/' | b'-' | b' ') {
        return None;
    }
    let mut c = Civil {
        day: d as u32,
        month: month_name(b, q + ld + 1)?,
        ..Civil::default()
    };
    q += ld + 4;
    if b.get(q) != Some(&s) {
        return None;
    }
    let (y, ly) = digits(b, q + 1, 5);
    if ly != 4 {
        return None;
    }
    c.year = Some(y as i32);
    q += 5;
    let t = match *b.get(q)? {
        b':' | b'T' | b' ' => q + 1,
        _ => return None,
    };
    let (h, mi, s, e) = hms(b, t, false, true)?;
    (c.hour, c.min, c.sec) = (h, mi, s);
    let (ms, e) = fraction(b, e, false);
    c.milli = ms;
    let (off, e) = zone(b, e);
    c.offset_min = off;
    if !boundary(b, e) {
        return None;
    }
    Some((civil_to_ts(&c, cfg)?, e))
}

/// Reads a timestamp of `family` at `p`, wrapped in `[...]` when `bracket`.
/// Returns the time and the end of what was read (after the closing bracket).
pub(crate) fn parse_family(
    family: Family,
    bracket: bool,
    b: &[u8],
    p: usize,
    cfg: &TimeCfg,
) -> Option<(Timestamp, usize)> {
    if bracket {
        if b.get(p) != Some(&b'[') {
            return None;
        }
        let (ts, e) = parse_bare(family, b, p + 1, cfg)?;
        let e = super::scan::skip_ws(b, e);
        return (b.get(e) == Some(&b']')).then_some((ts, e + 1));
    }
    parse_bare(family, b, p, cfg)
}

fn parse_bare(family: Family, b: &[u8], p: usize, cfg: &TimeCfg) -> Option<(Timestamp, usize)> {
    match family {
        Family::Numeric(want) => parse_numeric(b, p, cfg, want).map(|(t, e, _)| (t, e)),
        Family::Epoch => parse_epoch(b, p),
        Family::Syslog => parse_syslog(b, p, cfg),
        Family::Asctime => parse_asctime(b, p, cfg),
        Family::DayMonth => parse_daymonth(b, p, cfg),
    }
}

/// `HH:MM:SS[.frac]` at `p` on a year-less date (klog's `mmdd`); the year is inferred.
pub(crate) fn yearless_time(
    month: u32,
    day: u32,
    b: &[u8],
    p: usize,
    cfg: &TimeCfg,
) -> Option<(Timestamp, usize)> {
    let (hour, min, sec, e) = hms(b, p, false, true)?;
    let (milli, e) = fraction(b, e, false);
    if !boundary(b, e) {
        return None;
    }
    let c = Civil {
        month,
        day,
        hour,
        min,
        sec,
        milli,
        ..Civil::default()
    };
    Some((civil_to_ts(&c, cfg)?, e))
}

/// A timestamp found by [`probe`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Found {
    pub(crate) family: Family,
    pub(crate) bracket: bool,
    pub(crate) ts: Timestamp,
    pub(crate) end: usize,
}

/// Tries every family at `p` (bare or bracketed); the first that reads wins.
pub(crate) fn probe(b: &[u8], p: usize, cfg: &TimeCfg) -> Option<Found> {
    let first = *b.get(p)?;
    let (bracket, q) = if first == b'[' {
        (true, p + 1)
    } else {
        (false, p)
    };
    let c = *b.get(q)?;
    let candidates: &[Family] = if c.is_ascii_digit() {
        if let Some((ts, end, shape)) = parse_numeric(b, q, cfg, Shape::ANY) {
            let found = Found {
                family: Family::Numeric(shape),
                bracket,
                ts,
                end,
            };
            if !bracket {
                return Some(found);
            }
            let e = super::scan::skip_ws(b, end);
            if b.get(e) == Some(&b']') {
                return Some(Found {
                    end: e + 1,
                    ..found
                });
            }
        }
        &[Family::Epoch, Family::DayMonth]
    } else if c.is_ascii_uppercase() {
        &[Family::Syslog, Family::Asctime, Family::DayMonth]
    } else {
        return None;
    };
    candidates.iter().find_map(|&family| {
        let (ts, end) = parse_family(family, bracket, b, p, cfg)?;
        Some(Found {
            family,
            bracket,
            ts,
            end,
        })
    })
}

/// Reads `text` (without surrounding whitespace) as one whole timestamp of any family.
pub(crate) fn parse_whole(text: &[u8], cfg: &TimeCfg) -> Option<Timestamp> {
    let text = super::scan::strip(text);
    probe(text, 0, cfg).and_then(|f| (f.end == text.len()).then_some(f.ts))
}

/// Reads `text` (without surrounding whitespace) as one whole timestamp of `family`, with or
/// without brackets.
pub(crate) fn parse_whole_as(text: &[u8], family: Family, cfg: &TimeCfg) -> Option<Timestamp> {
    let text = super::scan::strip(text);
    [false, true].into_iter().find_map(|bracket| {
        let (ts, e) = parse_family(family, bracket, text, 0, cfg)?;
        (e == text.len()).then_some(ts)
    })
}

/// For `a/b/yyyy` dates: the (first, second, separator) numbers at `p`, used to learn the
/// day order from a sample.
pub(crate) fn ambiguous_date_parts(b: &[u8], p: usize) -> Option<(u64, u64, u8)> {
    let p = if b.get(p) == Some(&b'[') { p + 1 } else { p };
    let (n1, l1) = digits(b, p, 3);
    if !(1..=2).contains(&l1) {
        return None;
    }
    let s = *b.get(p + l1)?;
    if !matches!(s, b'-' | b'/' | b'.') {
        return None;
    }
    let (n2, l2) = digits(b, p + l1 + 1, 3);
    if !(1..=2).contains(&l2) || b.get(p + l1 + 1 + l2) != Some(&s) {
        return None;
    }
    let (_, l3) = digits(b, p + l1 + l2 + 2, 5);
    (l3 == 4).then_some((n1, n2, s))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-11-27T12:00:00Z, a fixed reference for year inference.
    const REF: i64 = 1_795_780_800_000;

    fn cfg() -> TimeCfg {
        TimeCfg::new(Timestamp(REF))
    }

    fn ms(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32, milli: i64) -> i64 {
        days_from_civil(y, mo, d) * MS_PER_DAY + i64::from((h * 60 + mi) * 60 + s) * 1000 + milli
    }

    fn whole(s: &str) -> Option<i64> {
        parse_whole(s.as_bytes(), &cfg()).map(|t| t.0)
    }

    #[test]
    fn day_table_agrees_with_the_formula() {
        for y in [1969, 1970, 1999, 2000, 2024, 2100, 2169, 2170, 2400] {
            for m in 1..=12 {
                for d in [1, 28, days_in_month(y, m)] {
                    assert_eq!(days_of(y, m, d), days_from_civil(y, m, d), "{y}-{m}-{d}");
                }
            }
        }
    }

    #[test]
    fn reference_is_what_the_tests_think() {
        assert_eq!(ms(2026, 11, 27, 12, 0, 0, 0), REF);
        assert_eq!(civil_from_days(days_from_civil(2024, 2, 29)), (2024, 2, 29));
        assert_eq!(civil_from_days(0), (1970, 1, 1));
    }

    #[test]
    fn numeric_shapes() {
        let t = ms(2026, 11, 27, 14, 2, 1, 123);
        assert_eq!(whole("2026-11-27T14:02:01.123Z"), Some(t));
        assert_eq!(whole("2026-11-27T14:02:01.123456789Z"), Some(t));
        assert_eq!(whole("2026-11-27 14:02:01,123"), Some(t));
        assert_eq!(whole("2026-11-27T15:02:01.123+01:00"), Some(t));
        assert_eq!(whole("2026-11-27T15:02:01.123+0100"), Some(t));
        assert_eq!(whole("2026-11-27T09:02:01.123-05"), Some(t));
        assert_eq!(whole("2026/11/27 14:02:01.123"), Some(t));
        assert_eq!(whole("26/11/27 14:02:01.123"), Some(t));
        assert_eq!(whole("261127 140201"), Some(t - 123));
        assert_eq!(whole("20261127-14:02:01:123"), Some(t));
        assert_eq!(whole("2026-11-27-14.02.01.123456"), Some(t));
        assert_eq!(whole("11/27/2026 2:02:01.123 PM"), Some(t));
        assert_eq!(whole("27.11.2026 14:02:01.123"), Some(t));
        assert_eq!(whole("2026-11-27 14:02:01.123 UTC"), Some(t));
        assert_eq!(whole("11-27 14:02:01.123"), Some(t));
        assert_eq!(whole("2026-11-27 14:02"), Some(t - 1123));
        assert_eq!(whole("2026-13-27 14:02:01"), None);
        assert_eq!(whole("2026-02-30 14:02:01"), None);
        assert_eq!(whole("2026-11-27"), None);
        assert_eq!(whole("11-27 14:02"), None);
    }

    #[test]
    fn other_families() {
        let t = ms(2026, 11, 27, 14, 2, 1, 0);
        assert_eq!(whole("Nov 27 14:02:01"), Some(t));
        assert_eq!(whole("Nov  7 14:02:01"), Some(t - 20 * MS_PER_DAY));
        assert_eq!(whole("Nov 27 2026 14:02:01"), Some(t));
        assert_eq!(whole("Fri Nov 27 14:02:01 2026"), Some(t));
        assert_eq!(whole("[Fri Nov 27 14:02:01 2026]"), Some(t));
        assert_eq!(whole("27/Nov/2026:15:02:01 +0100"), Some(t));
        assert_eq!(whole("27-Nov-2026 14:02:01.000"), Some(t));
        assert_eq!(whole("Fri, 27 Nov 2026 14:02:01 GMT"), Some(t));
        assert_eq!(whole("1795788121"), Some(t));
        assert_eq!(whole("1795788121.5"), Some(t + 500));
        assert_eq!(whole("1795788121000"), Some(t));
        assert_eq!(whole("1795788121000000000"), Some(t));
        assert_eq!(whole("123456789"), None);
        assert_eq!(whole("nov 27 14:02:01"), None);
    }

    #[test]
    fn year_inference_allows_a_day_into_the_future() {
        // Reference 2026-11-27 12:00Z: Nov 28 11:00 is less than a day ahead, so 2026;
        // Nov 28 13:00 is more than a day ahead, so 2025.
        assert_eq!(
            whole("Nov 28 11:00:00"),
            Some(ms(2026, 11, 28, 11, 0, 0, 0))
        );
        assert_eq!(
            whole("Nov 28 13:00:00"),
            Some(ms(2025, 11, 28, 13, 0, 0, 0))
        );
        assert_eq!(
            whole("Dec 31 23:59:59"),
            Some(ms(2025, 12, 31, 23, 59, 59, 0))
        );
        assert_eq!(whole("Feb 29 00:00:00"), Some(ms(2024, 2, 29, 0, 0, 0, 0)));
        // Near New Year: a reference of Jan 1 01:00 puts Dec 31 in the previous year and
        // Jan 2 00:30 (within a day) in the current one.
        let c = TimeCfg::new(Timestamp(ms(2027, 1, 1, 1, 0, 0, 0)));
        let p = |s: &str| parse_whole(s.as_bytes(), &c).map(|t| t.0);
        assert_eq!(p("Dec 31 23:00:00"), Some(ms(2026, 12, 31, 23, 0, 0, 0)));
        assert_eq!(p("Jan  2 00:30:00"), Some(ms(2027, 1, 2, 0, 30, 0, 0)));
        // A reference of Dec 31 23:00 puts Jan 1 00:30 (ahead by 1.5 h) in the next year.
        let c = TimeCfg::new(Timestamp(ms(2026, 12, 31, 23, 0, 0, 0)));
        let t = parse_whole(b"Jan  1 00:30:00", &c).map(|t| t.0);
        assert_eq!(t, Some(ms(2027, 1, 1, 0, 30, 0, 0)));
    }

    #[test]
    fn day_order_is_configurable() {
        let mut c = cfg();
        c.day_order = DayOrder::DayFirst;
        let t = parse_whole(b"05/11/2026 00:00:00", &c).map(|t| t.0);
        assert_eq!(t, Some(ms(2026, 11, 5, 0, 0, 0, 0)));
        c.day_order = DayOrder::MonthFirst;
        let t = parse_whole(b"05/11/2026 00:00:00", &c).map(|t| t.0);
        assert_eq!(t, Some(ms(2026, 5, 11, 0, 0, 0, 0)));
    }
}
