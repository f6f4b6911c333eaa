//! Header detection: splits an event's first line into timestamp, level, component and the
//! message body that the template miner sees.
//!
//! This module owns the header formats, their detection from a sample of lines, timestamp
//! parsing (with year inference for year-less shapes) and user-given `--log-format` strings.
//! It does not split input into lines or join continuation lines (`input`), and it does not
//! look inside the message (`mask`).
//!
//! # How a format is chosen
//!
//! [`detect`] looks at a sample of an input's first lines (about [`SAMPLE_LINES`]) and scores
//! every candidate by the number of sample lines it parses: JSON lines, RFC 5424 syslog, klog,
//! logfmt, and *column headers*: a timestamp of any known shape at a fixed whitespace-separated
//! column (0 for most logs; later columns for logs that put ids or labels first), followed by a
//! tail learned from the sample: a level at a fixed column, then optional `[...]` groups, an
//! optional component (`component:`, `component -`, `component [context]` or a space-padded
//! column) and an optional ` - ` separator; or the syslog `host tag[pid]:` tail; or
//! `|`-separated fields; or an access-log request and status; or a Kubernetes CRI prefix. A
//! format claims a line only if the line has its timestamp (same shape, same column) and its
//! tail kind (the level at that column, the tag, ...); the optional parts are stripped where
//! present. The best candidate becomes the primary format; the sample lines it does not parse
//! are scored again for a secondary format, and so on (up to [`DetectOptions`]' `max_formats`),
//! so a file that interleaves several systems gets a format for each. On each line the formats
//! are tried in order (skipping, with several, those whose line start cannot match: see
//! `lead`), then (unless disabled) a per-line fallback that recognises any known shape
//! without a sample; a line nothing recognises is all message.
//!
//! # Conventions
//!
//! * Times written without a zone are read as UTC (naive): comparisons within one log hold,
//!   absolute values are off by the writer's UTC offset.
//! * Year-less times (`Nov 27 14:02:01`, klog, `03-17 16:13:38.811`) get the latest year that
//!   puts them at most one day after the reference time of [`DetectOptions`] (default: now).
//! * Levels are normalised by [`Level::from_word`]; see there for the table.
//! * The message is the rest of the line after the header, without surrounding whitespace.
//!   Header columns before the timestamp count as header. For access logs the message starts at
//!   the request.

mod columnar;
mod json;
mod lead;
mod logfmt;
mod logformat;
mod scan;
mod syslog;
mod time;

use std::borrow::Cow;
use std::fmt;

pub use logformat::LogFormat;

use lead::{Lead, LineLead};
use time::TimeCfg;

/// A point in time: milliseconds since the Unix epoch. Times written without a zone are read
/// as UTC, consistently, so comparisons within one log hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// The current time from the system clock (the epoch if the clock is before it).
    pub fn now() -> Timestamp {
        let ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0);
        Timestamp(i64::try_from(ms).unwrap_or(i64::MAX))
    }
}

impl fmt::Display for Timestamp {
    /// RFC 3339 in UTC with milliseconds: `2026-11-27T14:02:01.123Z`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.0.div_euclid(time::MS_PER_DAY);
        let ms = self.0.rem_euclid(time::MS_PER_DAY);
        let (y, m, d) = time::civil_from_days(days);
        let s = ms / 1000;
        write!(
            f,
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
            s / 3600,
            s / 60 % 60,
            s % 60,
            ms % 1000
        )
    }
}

/// A normalised severity level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
    Fatal,
}

/// Longest level word [`Level::from_word`] knows (`informational`).
const MAX_LEVEL_WORD: usize = 13;

impl Level {
    /// Normalises a level word, ignoring ASCII case:
    ///
    /// | level | words |
    /// |---|---|
    /// | Trace | trace, trc, verbose, finest, finer |
    /// | Debug | debug, dbg, fine |
    /// | Info | info, inf, information, informational, notice |
    /// | Warn | warn, wrn, warning |
    /// | Error | error, err, eror, severe |
    /// | Fatal | fatal, ftl, crit, critical, alert, emerg, emergency, panic, pnc |
    ///
    /// `severe` is java.util.logging's highest level and is used there for errors, so it maps
    /// to Error; the syslog levels above `err` (crit, alert, emerg) and panics map to Fatal.
    pub fn from_word(word: &[u8]) -> Option<Level> {
        if word.len() < 2 || word.len() > MAX_LEVEL_WORD || !word[0].is_ascii_alphabetic() {
            return None;
        }
        if word.len() > 8 {
            const LONG: [(&[u8], Level); 3] = [
                (b"information", Level::Info),
                (b"informational", Level::Info),
                (b"emergency", Level::Fatal),
            ];
            return LONG
                .iter()
                .find(|(w, _)| w.eq_ignore_ascii_case(word))
                .map(|&(_, l)| l);
        }
        // The word as a little-endian integer with ASCII letters folded to lower case; `| 0x20`
        // maps no non-letter byte onto a letter, so equality with a key of letters is exact.
        let key = folded_key(word);
        const fn k(w: &[u8]) -> u64 {
            let mut key = 0u64;
            let mut i = 0;
            while i < w.len() {
                key |= (w[i] as u64) << (8 * i);
                i += 1;
            }
            key
        }
        const TRACE: u64 = k(b"trace");
        const TRC: u64 = k(b"trc");
        const VERBOSE: u64 = k(b"verbose");
        const FINEST: u64 = k(b"finest");
        const FINER: u64 = k(b"finer");
        const DEBUG: u64 = k(b"debug");
        const DBG: u64 = k(b"dbg");
        const FINE: u64 = k(b"fine");
        const INFO: u64 = k(b"info");
        const INF: u64 = k(b"inf");
        const NOTICE: u64 = k(b"notice");
        const WARN: u64 = k(b"warn");
        const WRN: u64 = k(b"wrn");
        const WARNING: u64 = k(b"warning");
        const ERROR: u64 = k(b"error");
        const ERR: u64 = k(b"err");
        const EROR: u64 = k(b"eror");
        const SEVERE: u64 = k(b"severe");
        const FATAL: u64 = k(b"fatal");
        const FTL: u64 = k(b"ftl");
        const CRIT: u64 = k(b"crit");
        const CRITICAL: u64 = k(b"critical");
        const ALERT: u64 = k(b"alert");
        const EMERG: u64 = k(b"emerg");
        const PANIC: u64 = k(b"panic");
        const PNC: u64 = k(b"pnc");
        Some(match key {
            TRACE | TRC | VERBOSE | FINEST | FINER => Level::Trace,
            DEBUG | DBG | FINE => Level::Debug,
            INFO | INF | NOTICE => Level::Info,
            WARN | WRN | WARNING => Level::Warn,
            ERROR | ERR | EROR | SEVERE => Level::Error,
            FATAL | FTL | CRIT | CRITICAL | ALERT | EMERG | PANIC | PNC => Level::Fatal,
            _ => return None,
        })
    }

    /// Normalises a one-letter level (klog/glog, Android): V, T, D, I, W, E, F (upper case only).
    pub fn from_letter(c: u8) -> Option<Level> {
        Some(match c {
            b'V' | b'T' => Level::Trace,
            b'D' => Level::Debug,
            b'I' => Level::Info,
            b'W' => Level::Warn,
            b'E' => Level::Error,
            b'F' => Level::Fatal,
            _ => return None,
        })
    }

    /// The level of a syslog severity (0..=7; the low three bits of a `<PRI>`): emerg, alert
    /// and crit are Fatal, err is Error, warning is Warn, notice and info are Info, debug Debug.
    pub fn from_syslog_severity(severity: u8) -> Level {
        match severity & 7 {
            0..=2 => Level::Fatal,
            3 => Level::Error,
            4 => Level::Warn,
            5 | 6 => Level::Info,
            _ => Level::Debug,
        }
    }

    /// The level's upper-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Trace => "TRACE",
            Level::Debug => "DEBUG",
            Level::Info => "INFO",
            Level::Warn => "WARN",
            Level::Error => "ERROR",
            Level::Fatal => "FATAL",
        }
    }
}

/// A word of 2-8 bytes as a little-endian integer with `0x20` set in each of its bytes (ASCII
/// letters folded to lower case), read in two overlapping loads rather than byte by byte.
#[inline]
fn folded_key(word: &[u8]) -> u64 {
    let n = word.len();
    debug_assert!((2..=8).contains(&n));
    let raw = match word {
        [a, b] => u64::from(u16::from_le_bytes([*a, *b])),
        [a, b, c] => u64::from(u16::from_le_bytes([*a, *b])) | (u64::from(*c) << 16),
        _ => {
            let lo = u32::from_le_bytes([word[0], word[1], word[2], word[3]]);
            let hi = u32::from_le_bytes([word[n - 4], word[n - 3], word[n - 2], word[n - 1]]);
            // The overlap holds the same bytes in both loads.
            u64::from(lo) | (u64::from(hi) << (8 * (n - 4)))
        }
    };
    raw | (0x2020_2020_2020_2020 >> (8 * (8 - n)))
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One line split into header fields and message body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record<'a> {
    /// When the event happened, if the header holds a readable timestamp.
    pub ts: Option<Timestamp>,
    /// The normalised level, if the header holds one.
    pub level: Option<Level>,
    /// The emitting component (logger, syslog program, klog source file), if the header names one.
    pub component: Option<&'a [u8]>,
    /// The message body: borrowed from the line, owned only when JSON or logfmt escapes had to
    /// be undone.
    pub message: Cow<'a, [u8]>,
}

impl<'a> Record<'a> {
    /// A line without a recognised header: all of it (without surrounding whitespace) is message.
    pub fn plain(line: &'a [u8]) -> Record<'a> {
        Record {
            ts: None,
            level: None,
            component: None,
            message: Cow::Borrowed(scan::strip(line)),
        }
    }
}

/// Recommended number of first lines of an input to pass to [`detect`]: enough to see
/// secondary formats in mixed files, small enough to cost nothing.
pub const SAMPLE_LINES: usize = 200;

/// Default for [`DetectOptionsBuilder::max_formats`]: one primary and up to eleven secondary
/// formats, enough for a file that interleaves ten or so systems (trying a format that does
/// not apply costs a failed timestamp check of a few bytes); further systems fall to the
/// per-line fallback, which finds fewer headers (no column before a timestamp may look like
/// prose) and guesses more.
pub const DEFAULT_MAX_FORMATS: usize = 12;

/// Upper bound for [`DetectOptionsBuilder::max_formats`]: every format is tried in turn on a
/// line the earlier ones do not parse, so a long list would slow mixed files down.
pub const MAX_FORMATS_LIMIT: usize = 16;

/// Errors from building header-detection options.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// A `--log-format` string that cannot be used.
    #[error(
        "invalid --log-format {format:?}: {reason}. Write fields as <Name>, end with <Content>; \
         the text between fields is a regex, so escape brackets as \\[ \\]"
    )]
    LogFormat {
        /// The format as given.
        format: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A `max_formats` outside 1..=MAX_FORMATS_LIMIT.
    #[error(
        "max_formats must be between 1 and {MAX_FORMATS_LIMIT}, got {0}; use 1 for a single format per input"
    )]
    MaxFormats(usize),
}

/// Settings for [`detect`]; build them with [`DetectOptions::builder`].
#[derive(Debug, Clone)]
pub struct DetectOptions {
    reference: Timestamp,
    log_format: Option<LogFormat>,
    max_formats: usize,
    per_line_fallback: bool,
}

impl Default for DetectOptions {
    fn default() -> Self {
        DetectOptions {
            reference: Timestamp::now(),
            log_format: None,
            max_formats: DEFAULT_MAX_FORMATS,
            per_line_fallback: true,
        }
    }
}

impl DetectOptions {
    /// A builder with the defaults: reference time now, no `--log-format`,
    /// [`DEFAULT_MAX_FORMATS`] formats, per-line fallback on.
    pub fn builder() -> DetectOptionsBuilder {
        DetectOptionsBuilder::default()
    }

    /// The reference time for year inference.
    pub fn reference(&self) -> Timestamp {
        self.reference
    }

    /// The user-given header format, if any.
    pub fn log_format(&self) -> Option<&LogFormat> {
        self.log_format.as_ref()
    }
}

/// Builder for [`DetectOptions`].
#[derive(Debug, Clone, Default)]
pub struct DetectOptionsBuilder {
    reference: Option<Timestamp>,
    log_format: Option<String>,
    max_formats: Option<usize>,
    per_line_fallback: Option<bool>,
}

impl DetectOptionsBuilder {
    /// The time year-less timestamps are placed before (plus one day of slack). Default: now.
    /// Pass the log's modification time, or a fixed time in tests.
    pub fn reference(mut self, t: Timestamp) -> Self {
        self.reference = Some(t);
        self
    }

    /// A header format in the Loghub convention, e.g. `<Date> <Time> <Level> <Component>: <Content>`;
    /// it replaces detection. Checked by [`build`](Self::build).
    pub fn log_format(mut self, format: impl Into<String>) -> Self {
        self.log_format = Some(format.into());
        self
    }

    /// How many formats detection may keep per input (primary plus secondaries), 1..=16.
    pub fn max_formats(mut self, n: usize) -> Self {
        self.max_formats = Some(n);
        self
    }

    /// Whether lines no detected format parses are tried against every known shape (default on).
    pub fn per_line_fallback(mut self, on: bool) -> Self {
        self.per_line_fallback = Some(on);
        self
    }

    /// Validates the settings.
    pub fn build(self) -> Result<DetectOptions, RecordError> {
        let max_formats = self.max_formats.unwrap_or(DEFAULT_MAX_FORMATS);
        if !(1..=MAX_FORMATS_LIMIT).contains(&max_formats) {
            return Err(RecordError::MaxFormats(max_formats));
        }
        let log_format = self
            .log_format
            .as_deref()
            .map(LogFormat::parse)
            .transpose()?;
        Ok(DetectOptions {
            reference: self.reference.unwrap_or_else(Timestamp::now),
            log_format,
            max_formats,
            per_line_fallback: self.per_line_fallback.unwrap_or(true),
        })
    }
}

/// One header format learned from a sample (or given by the user).
#[derive(Debug, Clone)]
enum Format {
    Columnar(columnar::Columnar),
    Json,
    Logfmt,
    Rfc5424,
    Klog,
    User(logformat::UserFormat),
}

impl Format {
    /// Splits a stripped line, or `None` when the line does not have this format.
    #[inline]
    fn parse<'a>(&self, line: &'a [u8], cfg: &TimeCfg) -> Option<Record<'a>> {
        match self {
            Format::Columnar(c) => c.parse(line),
            Format::Json => json::parse(line, cfg),
            Format::Logfmt => logfmt::parse(line, cfg),
            Format::Rfc5424 => syslog::parse_rfc5424(line, cfg),
            Format::Klog => syslog::parse_klog(line, cfg),
            Format::User(u) => u.parse(line, cfg),
        }
    }

    /// What a stripped line must start with for [`Format::parse`] to read it.
    fn lead(&self) -> Lead {
        match self {
            Format::Columnar(c) => c.lead(),
            Format::Json => Lead::first([b'{']),
            Format::Rfc5424 => Lead::first([b'<']),
            Format::Klog => Lead::first(*b"IWEF"),
            Format::Logfmt | Format::User(_) => Lead::ANY,
        }
    }

    fn name(&self) -> String {
        match self {
            Format::Columnar(c) => c.name(),
            Format::Json => "json".to_owned(),
            Format::Logfmt => "logfmt".to_owned(),
            Format::Rfc5424 => "rfc5424".to_owned(),
            Format::Klog => "klog".to_owned(),
            Format::User(u) => format!("log-format {}", u.source()),
        }
    }

    fn parse_time(&self, text: &[u8], reference: Timestamp, cfg: &TimeCfg) -> Option<Timestamp> {
        match self {
            Format::Columnar(c) => c.parse_time(text, reference),
            Format::Klog => syslog::klog_time(text, cfg),
            Format::User(u) => u.parse_time(text, cfg),
            Format::Json | Format::Logfmt | Format::Rfc5424 => None,
        }
    }
}

/// The header format of one input: the detected (or given) formats, tried in order on each
/// line, then the per-line fallback.
#[derive(Debug, Clone)]
pub struct HeaderFormat {
    name: String,
    formats: Vec<Format>,
    /// Each format's lead, in `formats` order: with several formats, those that cannot read a
    /// line are not tried on it.
    leads: Vec<Lead>,
    fallback: bool,
    cfg: TimeCfg,
}

impl HeaderFormat {
    fn new(name: String, formats: Vec<Format>, fallback: bool, cfg: TimeCfg) -> HeaderFormat {
        HeaderFormat {
            name,
            leads: formats.iter().map(Format::lead).collect(),
            formats,
            fallback,
            cfg,
        }
    }

    /// A format that finds no header on any line (every line is all message).
    pub fn none() -> HeaderFormat {
        HeaderFormat::new(
            "none".to_owned(),
            Vec::new(),
            false,
            TimeCfg::new(Timestamp(0)),
        )
    }

    /// Splits one line. Never fails: a line no format recognises is all message.
    #[inline]
    pub fn parse<'a>(&self, line: &'a [u8]) -> Record<'a> {
        let line = scan::strip(line);
        if let [f] = self.formats.as_slice() {
            if let Some(r) = f.parse(line, &self.cfg) {
                return r;
            }
        } else if !self.formats.is_empty() {
            let lead = LineLead::of(line);
            for (f, l) in self.formats.iter().zip(&self.leads) {
                if lead.is_some_and(|x| !l.admits(&x)) {
                    continue;
                }
                if let Some(r) = f.parse(line, &self.cfg) {
                    return r;
                }
            }
        }
        if self.fallback {
            if let Some(r) = fallback(line, &self.cfg) {
                return r;
            }
        }
        Record::plain(line)
    }

    /// A short description of the primary format (and how many secondary ones follow), in the
    /// notation of `--log-format`, e.g. `<datetime> <level> <component>: <message>`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Reads a timestamp copied from the log itself, in the log's own shape (`Dec 10 07:55:46`,
    /// `081109 213615`, `1117842170`, `2015-10-18 19:01:47,000`), the way the log's lines are
    /// read: pass the same options as to [`detect`] so year-less times get the same year. A
    /// secondary timestamp column that is written in local time is shifted by the offset
    /// learned from the sample. Any other known shape, RFC 3339 included, is read as well.
    pub fn parse_time(&self, text: &str, opts: &DetectOptions) -> Option<Timestamp> {
        let cfg = self.cfg.with_reference(opts.reference);
        let t = text.as_bytes();
        self.formats
            .iter()
            .find_map(|f| f.parse_time(t, opts.reference, &cfg))
            .or_else(|| time::parse_whole(t, &cfg))
    }
}

/// Chooses the header format of an input from a sample of its first lines (see the module
/// docs). With a `log_format` in `opts`, that format is used and the sample only decides which
/// of its fields hold the timestamp.
pub fn detect(sample: &[&[u8]], opts: &DetectOptions) -> HeaderFormat {
    let cfg = TimeCfg::new(opts.reference);
    let lines: Vec<&[u8]> = sample
        .iter()
        .map(|l| scan::strip(l))
        .filter(|l| !l.is_empty())
        .collect();
    if let Some(lf) = &opts.log_format {
        let user = Format::User(logformat::UserFormat::learn(lf, &lines, &cfg));
        return HeaderFormat::new(user.name(), vec![user], opts.per_line_fallback, cfg);
    }
    let min_support = (lines.len() / MIN_SUPPORT_DIVISOR).max(1);
    let mut formats = Vec::new();
    let mut remaining = lines;
    while formats.len() < opts.max_formats && !remaining.is_empty() {
        let Some((f, n)) = best_format(&remaining, &cfg, true) else {
            break;
        };
        if n < min_support {
            break;
        }
        remaining.retain(|l| f.parse(l, &cfg).is_none());
        formats.push(f);
    }
    let name = match formats.first() {
        None => "none".to_owned(),
        Some(f) if formats.len() == 1 => f.name(),
        Some(f) => format!("{} (+{} more)", f.name(), formats.len() - 1),
    };
    HeaderFormat::new(name, formats, opts.per_line_fallback, cfg)
}

/// A secondary format must parse at least 1/50 (2%) of the sample: fewer lines are more
/// likely noise than a second system, and the per-line fallback still handles them.
const MIN_SUPPORT_DIVISOR: usize = 50;

/// The candidate format that parses the most `lines`, with that count. Ties go to the
/// structured formats (JSON, RFC 5424, klog, logfmt) before column headers.
fn best_format(lines: &[&[u8]], cfg: &TimeCfg, allow_cri: bool) -> Option<(Format, usize)> {
    let mut best: Option<(Format, usize)> = None;
    for f in [Format::Json, Format::Rfc5424, Format::Klog, Format::Logfmt] {
        let n = lines.iter().filter(|l| f.parse(l, cfg).is_some()).count();
        if n > best.as_ref().map_or(0, |b| b.1) {
            best = Some((f, n));
        }
    }
    if let Some((c, n)) = columnar::learn(lines, cfg, allow_cri) {
        if n > best.as_ref().map_or(0, |b| b.1) {
            best = Some((Format::Columnar(c), n));
        }
    }
    best
}

/// The per-line fallback: any known shape, without a sample.
fn fallback<'a>(line: &'a [u8], cfg: &TimeCfg) -> Option<Record<'a>> {
    match line.first()? {
        b'{' => return json::parse(line, cfg),
        b'<' => {
            if let Some(r) = syslog::parse_rfc5424(line, cfg) {
                return Some(r);
            }
        }
        b'I' | b'W' | b'E' | b'F' => {
            if let Some(r) = syslog::parse_klog(line, cfg) {
                return Some(r);
            }
        }
        _ => {}
    }
    columnar::parse_auto(line, cfg).or_else(|| logfmt::parse(line, cfg))
}

/// The level in a header token: `INFO`, `info:`, `[INFO]`, `<warn>`, `(E)`, `[core:notice]`;
/// single letters only when `letters`.
#[inline]
fn level_token(t: &[u8], letters: bool) -> Option<Level> {
    if !may_be_level(t) {
        return None;
    }
    level_in_token(t, letters)
}

/// [`level_token`] of a token that passed [`may_be_level`]: strips brackets or a trailing
/// colon and reads the word.
fn level_in_token(t: &[u8], letters: bool) -> Option<Level> {
    let mut w = t;
    if let [open, inner @ .., close] = w {
        if matches!((open, close), (b'[', b']') | (b'<', b'>') | (b'(', b')')) {
            w = inner;
            if let Some(i) = memchr::memrchr(b':', w) {
                w = &w[i + 1..];
            }
        } else if *close == b':' {
            w = &w[..w.len() - 1];
        }
    }
    match w {
        [c] if letters => Level::from_letter(*c),
        _ => Level::from_word(w),
    }
}

/// Quick test that a token may be a level (cheaper than [`level_token`] on message words that
/// start with a digit or punctuation other than a bracket).
#[inline]
fn may_be_level(t: &[u8]) -> bool {
    t.first()
        .is_some_and(|&c| c.is_ascii_alphabetic() || matches!(c, b'[' | b'<' | b'('))
        && t.len() <= MAX_LEVEL_WORD + 3
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_words_and_tokens() {
        assert_eq!(Level::from_word(b"Information"), Some(Level::Info));
        assert_eq!(Level::from_word(b"WARNING"), Some(Level::Warn));
        assert_eq!(Level::from_word(b"err"), Some(Level::Error));
        assert_eq!(Level::from_word(b"notice"), Some(Level::Info));
        assert_eq!(Level::from_word(b"SEVERE"), Some(Level::Error));
        assert_eq!(Level::from_word(b"crit"), Some(Level::Fatal));
        assert_eq!(Level::from_word(b"emerg"), Some(Level::Fatal));
        assert_eq!(Level::from_word(b"informative"), None);
        assert_eq!(level_token(b"[core:notice]", false), Some(Level::Info));
        assert_eq!(level_token(b"ERROR:", false), Some(Level::Error));
        assert_eq!(level_token(b"W", false), None);
        assert_eq!(level_token(b"W", true), Some(Level::Warn));
        assert_eq!(Level::from_syslog_severity(34 & 7), Level::Fatal);
        assert_eq!(Level::from_syslog_severity(13), Level::Info);
    }

    /// Every word [`Level::from_word`] knows, lower case.
    const LEVEL_WORDS: [(&str, Level); 29] = [
        ("trace", Level::Trace),
        ("trc", Level::Trace),
        ("verbose", Level::Trace),
        ("finest", Level::Trace),
        ("finer", Level::Trace),
        ("debug", Level::Debug),
        ("dbg", Level::Debug),
        ("fine", Level::Debug),
        ("info", Level::Info),
        ("inf", Level::Info),
        ("information", Level::Info),
        ("informational", Level::Info),
        ("notice", Level::Info),
        ("warn", Level::Warn),
        ("wrn", Level::Warn),
        ("warning", Level::Warn),
        ("error", Level::Error),
        ("err", Level::Error),
        ("eror", Level::Error),
        ("severe", Level::Error),
        ("fatal", Level::Fatal),
        ("ftl", Level::Fatal),
        ("crit", Level::Fatal),
        ("critical", Level::Fatal),
        ("alert", Level::Fatal),
        ("emerg", Level::Fatal),
        ("emergency", Level::Fatal),
        ("panic", Level::Fatal),
        ("pnc", Level::Fatal),
    ];

    /// [`Level::from_word`] as a lookup in [`LEVEL_WORDS`].
    fn level_reference(word: &[u8]) -> Option<Level> {
        if !word.first().is_some_and(u8::is_ascii_alphabetic) {
            return None;
        }
        LEVEL_WORDS
            .iter()
            .find(|(w, _)| w.as_bytes().eq_ignore_ascii_case(word))
            .map(|&(_, l)| l)
    }

    proptest::proptest! {
        #[test]
        fn level_words_agree_with_the_table(w in "[a-zA-Z@`\\[{^~_ -]{0,14}") {
            proptest::prop_assert_eq!(Level::from_word(w.as_bytes()), level_reference(w.as_bytes()));
        }

        #[test]
        fn level_words_in_any_case_are_found(i in 0..LEVEL_WORDS.len(), flips in proptest::collection::vec(proptest::bool::ANY, 13)) {
            let w: Vec<u8> = LEVEL_WORDS[i].0
                .bytes()
                .zip(&flips)
                .map(|(c, &up)| if up { c.to_ascii_uppercase() } else { c })
                .collect();
            proptest::prop_assert!(Level::from_word(&w).is_some());
            proptest::prop_assert_eq!(Level::from_word(&w), level_reference(&w));
        }
    }

    #[test]
    fn timestamp_displays_as_rfc3339() {
        assert_eq!(
            Timestamp(1_795_788_121_123).to_string(),
            "2026-11-27T14:02:01.123Z"
        );
    }

    #[test]
    fn bad_options_are_errors() {
        assert!(matches!(
            DetectOptions::builder().max_formats(0).build(),
            Err(RecordError::MaxFormats(0))
        ));
        assert!(
            DetectOptions::builder()
                .log_format("<Date")
                .build()
                .is_err()
        );
    }

    /// Header lines of shapes the fixture logs lack, each detected on its own as well.
    const SHAPES: &[&str] = &[
        "2026-11-27T14:02:01.123Z INFO api: started",
        "2026/11/27 14:02:01 WARN db: slow query",
        "2026.11.27 14:02:01 ERROR x: y",
        "27.11.2026 14:02:01 INFO x: y",
        "11/27/2026 14:02:01 INFO x: y",
        "27-11-2026 14:02:01 INFO x: y",
        "26/11/27 14:02:01 INFO x: y",
        "03-17 16:13:38.811  1702  2395 D WindowManager: x",
        "20261127 14:02:01 INFO x: y",
        "20261127T140201 INFO x: y",
        "1795788121 INFO x: y",
        "1795788121123 started worker 3",
        "1795788121.5 started worker 3",
        "[2026-11-27 14:02:01,123] INFO x: y",
        "[Fri Nov 27 14:02:01 2026] [error] x",
        "Fri Nov 27 14:02:01 2026 x y",
        "Fri, 27 Nov 2026 14:02:01 +0000 x y",
        "27/Nov/2026:14:02:01 +0000 GET /",
        "27 Nov 2026 14:02:01 INFO x",
        "Nov 27 14:02:01 host sshd[42]: Accepted key",
        "Apr  5 09:12:44 host cron[7]: job done",
        "Thu Apr  2 09:12:44 2026 x y",
        "<34>Nov 27 14:02:01 host su: x",
        "<165>1 2026-11-27T14:02:01.003Z host app 1 ID47 - msg",
        "I1127 14:02:01.123456    1 main.go:42] started",
        "{\"ts\":\"2026-11-27T14:02:01Z\",\"level\":\"info\",\"msg\":\"x\"}",
        "time=2026-11-27T14:02:01Z level=info msg=x",
        "host1 app 2026-11-27 14:02:01 INFO x",
        "10.0.0.1 - - [27/Nov/2026:14:02:01 +0000] \"GET / HTTP/1.1\" 200 5",
        "2026-11-27T14:02:01.123456789Z stdout F 2026-11-27 14:02:01 INFO x: y",
        "2026-11-27 14:02:01 | INFO | x | y",
    ];

    /// Lines of every fixture log (up to 3,000 a file) and of [`SHAPES`], grouped by source.
    fn fixture_logs() -> Vec<Vec<Vec<u8>>> {
        fn walk(dir: &std::path::Path, out: &mut Vec<Vec<Vec<u8>>>) {
            let Ok(rd) = std::fs::read_dir(dir) else {
                return;
            };
            let mut entries: Vec<_> = rd.filter_map(Result::ok).map(|e| e.path()).collect();
            entries.sort();
            for p in entries {
                if p.is_dir() {
                    walk(&p, out);
                } else if p.extension().is_some_and(|e| e == "log") {
                    let data = std::fs::read(&p).unwrap();
                    out.push(
                        data.split(|&b| b == b'\n')
                            .take(3000)
                            .map(<[u8]>::to_vec)
                            .collect(),
                    );
                }
            }
        }
        let mut out = Vec::new();
        walk(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures"),
            &mut out,
        );
        assert!(out.len() >= 20, "fixture logs not found");
        for s in SHAPES {
            out.push(vec![s.as_bytes().to_vec(); 4]);
        }
        out
    }

    /// The formats detected on each log alone, and on all of them interleaved line by line.
    fn detected(logs: &[Vec<Vec<u8>>]) -> Vec<HeaderFormat> {
        let opts = DetectOptions::builder()
            .reference(Timestamp(1_795_780_800_000))
            .max_formats(MAX_FORMATS_LIMIT)
            .build()
            .unwrap();
        let mut all: Vec<HeaderFormat> = logs
            .iter()
            .map(|l| {
                let sample: Vec<&[u8]> = l.iter().take(SAMPLE_LINES).map(Vec::as_slice).collect();
                detect(&sample, &opts)
            })
            .collect();
        let mut mixed: Vec<&[u8]> = Vec::new();
        for i in 0..200 {
            mixed.extend(logs.iter().filter_map(|l| l.get(i)).map(Vec::as_slice));
        }
        all.push(detect(&mixed, &opts));
        all
    }

    #[test]
    fn every_format_admits_every_line_it_reads() {
        let logs = fixture_logs();
        let lines: Vec<&[u8]> = logs.iter().flatten().map(|l| scan::strip(l)).collect();
        let (mut read, mut skipped) = (0usize, 0usize);
        for hf in detected(&logs) {
            for (f, lead) in hf.formats.iter().zip(&hf.leads) {
                for &line in &lines {
                    let admits = LineLead::of(line).is_none_or(|l| lead.admits(&l));
                    if f.parse(line, &hf.cfg).is_some() {
                        read += 1;
                        assert!(
                            admits,
                            "{} reads {:?} but its lead does not admit it",
                            f.name(),
                            String::from_utf8_lossy(line)
                        );
                    } else if !admits {
                        skipped += 1;
                    }
                }
            }
        }
        assert!(read > 50_000, "only {read} lines read");
        assert!(skipped > 50_000, "only {skipped} parser runs skipped");
    }

    #[test]
    fn several_formats_split_a_line_as_trying_each_in_order() {
        let logs = fixture_logs();
        let formats = detected(&logs);
        let mixed = formats.last().unwrap();
        assert!(mixed.formats.len() >= 8, "{}", mixed.name());
        for line in logs.iter().flatten() {
            let stripped = scan::strip(line);
            let in_order = mixed
                .formats
                .iter()
                .find_map(|f| f.parse(stripped, &mixed.cfg))
                .or_else(|| fallback(stripped, &mixed.cfg))
                .unwrap_or_else(|| Record::plain(stripped));
            assert_eq!(
                mixed.parse(line),
                in_order,
                "{:?}",
                String::from_utf8_lossy(line)
            );
        }
    }
}
