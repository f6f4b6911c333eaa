//! Time windows for scheduled runs: `--since` / `--until`, and the filter that keeps the
//! events inside them.
//!
//! Owns the reading of the bounds ([`TimeWindow::parse`]: RFC 3339 or a timestamp in the log's
//! own format, `-24h` before now, `now`, `today`, `yesterday`), their resolution against an
//! input's header format and the clock ([`TimeWindow::resolve`]), and the per-event decision
//! ([`TimeFilter::contains`]). It does not read inputs itself, except in [`prefilter`], which
//! copies the events inside a window to temporary files so that a run can be limited to a
//! window through the ordinary [`ReadConfig`] path.
//!
//! # Which events are inside
//! The window is half-open, `since <= t < until`, so `--since yesterday --until today` and
//! `--since today` never count an event twice. An event without a timestamp (a line the
//! header parser found no time in) inherits the last timestamp seen before it in the same
//! input, as the window stage does: a stack trace stays with the error that started it.
//! Events before an input's first timestamp have no time to inherit: they are kept when the
//! window has no lower bound and left out (and counted) otherwise.
//!
//! Relative bounds count back from the clock (`-24h` is 24 hours before now), not from the end
//! of the data as `--incident-start -30m` does: a scheduled run asks about wall-clock days.
//! `today` and `yesterday` are UTC days, like every timestamp written without a zone.

use std::fmt;
use std::io::{BufWriter, Write};
use std::ops::ControlFlow;

use crate::app::{ReadConfig, ReadSummary};
use crate::error::Error;
use crate::input::{Input, InputSpec};
use crate::record::{DetectOptions, HeaderFormat, Timestamp};

/// Milliseconds in a UTC day.
const MS_PER_DAY: i64 = 86_400_000;

/// One bound of a window as the user wrote it, before it is read against a log and a clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimeBound {
    /// An absolute time: RFC 3339, or a timestamp copied from the log in its own format.
    At(String),
    /// This many milliseconds before now (`-24h`).
    Ago(i64),
    /// The start of a UTC day, `days` from today (0 `today`, -1 `yesterday`).
    Day(i64),
    /// The clock's time (`now`).
    Now,
}

impl TimeBound {
    /// Reads a bound. Keywords and relative times are checked here; absolute times only when
    /// resolved, since reading them may need the log's own format.
    pub fn parse(text: &str) -> Result<TimeBound, TimeFilterError> {
        let t = text.trim();
        if t.is_empty() {
            return Err(TimeFilterError::Empty);
        }
        match t.to_ascii_lowercase().as_str() {
            "now" => return Ok(TimeBound::Now),
            "today" => return Ok(TimeBound::Day(0)),
            "yesterday" => return Ok(TimeBound::Day(-1)),
            _ => {}
        }
        if let Some(rel) = t.strip_prefix('-') {
            // `-24h`; anything starting with '-' that is not a duration is not a time either.
            return crate::app::parse_duration(rel)
                .map(TimeBound::Ago)
                .map_err(|e| TimeFilterError::Relative {
                    text: t.to_owned(),
                    why: e,
                });
        }
        Ok(TimeBound::At(t.to_owned()))
    }

    /// The bound as a point in time.
    fn resolve(
        &self,
        format: Option<&HeaderFormat>,
        detect: &DetectOptions,
        now: Timestamp,
    ) -> Result<Timestamp, TimeFilterError> {
        Ok(match self {
            TimeBound::Now => now,
            TimeBound::Ago(ms) => Timestamp(now.0.saturating_sub(*ms)),
            TimeBound::Day(offset) => Timestamp(
                now.0
                    .div_euclid(MS_PER_DAY)
                    .saturating_add(*offset)
                    .saturating_mul(MS_PER_DAY),
            ),
            TimeBound::At(text) => {
                let parsed = match format {
                    Some(f) => f.parse_time(text, detect),
                    None => None,
                };
                parsed
                    .or_else(|| HeaderFormat::none().parse_time(text, detect))
                    .ok_or_else(|| TimeFilterError::Absolute(text.clone()))?
            }
        })
    }
}

impl fmt::Display for TimeBound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimeBound::At(t) => write!(f, "{t}"),
            TimeBound::Ago(ms) => write!(f, "-{}", crate::score::human_ms(*ms)),
            TimeBound::Day(0) => write!(f, "today"),
            TimeBound::Day(-1) => write!(f, "yesterday"),
            TimeBound::Day(d) => write!(f, "today{d:+}d"),
            TimeBound::Now => write!(f, "now"),
        }
    }
}

/// Why a time window cannot be used; each message says what to write instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeFilterError {
    /// An empty bound.
    #[error("empty time: write e.g. yesterday, -24h or 2026-11-27T00:00:00Z")]
    Empty,
    /// A relative bound that is not a duration.
    #[error("cannot read {text:?} as a time before now: {why}")]
    Relative {
        /// The bound as written.
        text: String,
        /// Why the duration was rejected.
        why: String,
    },
    /// An absolute bound no known format reads.
    #[error(
        "cannot read {0:?} as a time: give RFC 3339 (2026-11-27T14:02:00Z), a timestamp copied \
         from the log in its own format, -24h (before now), now, today or yesterday"
    )]
    Absolute(String),
    /// `until` is not after `since`.
    #[error("the window is empty: --until ({until}) must be later than --since ({since})")]
    EmptyWindow {
        /// The resolved start.
        since: Timestamp,
        /// The resolved end.
        until: Timestamp,
    },
}

/// A time window as the user asked for it (`--since`, `--until`), not yet resolved.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TimeWindow {
    /// Inclusive lower bound.
    pub since: Option<TimeBound>,
    /// Exclusive upper bound.
    pub until: Option<TimeBound>,
}

impl TimeWindow {
    /// Reads `--since` and `--until` (either may be absent).
    pub fn parse(since: Option<&str>, until: Option<&str>) -> Result<TimeWindow, TimeFilterError> {
        Ok(TimeWindow {
            since: since.map(TimeBound::parse).transpose()?,
            until: until.map(TimeBound::parse).transpose()?,
        })
    }

    /// The last `ms` milliseconds before the clock's time: `--since -<ms> --until now`.
    pub fn last(ms: i64) -> TimeWindow {
        TimeWindow {
            since: Some(TimeBound::Ago(ms)),
            until: Some(TimeBound::Now),
        }
    }

    /// Whether neither bound is set (every event is inside).
    pub fn is_unbounded(&self) -> bool {
        self.since.is_none() && self.until.is_none()
    }

    /// Resolves the bounds to times: relative ones against `now`, absolute ones in the
    /// input's header format `format` (when known) or any known shape, with the same
    /// detection options the input is read with (year-less times get the same year).
    pub fn resolve(
        &self,
        format: Option<&HeaderFormat>,
        detect: &DetectOptions,
        now: Timestamp,
    ) -> Result<TimeFilter, TimeFilterError> {
        let since = self
            .since
            .as_ref()
            .map(|b| b.resolve(format, detect, now))
            .transpose()?;
        let until = self
            .until
            .as_ref()
            .map(|b| b.resolve(format, detect, now))
            .transpose()?;
        TimeFilter::new(since, until)
    }

    /// Checks that the bounds can be read without a log (keywords, relative times, RFC 3339 or
    /// another known shape) and that the window is not empty, so a command line fails before
    /// any input is read. A timestamp only the log's own format reads passes unchecked.
    pub fn check(&self, detect: &DetectOptions, now: Timestamp) -> Result<(), TimeFilterError> {
        let readable = |b: &Option<TimeBound>| match b {
            Some(b) => b.resolve(None, detect, now).ok(),
            None => None,
        };
        if let (Some(s), Some(u)) = (readable(&self.since), readable(&self.until)) {
            TimeFilter::new(Some(s), Some(u))?;
        }
        Ok(())
    }
}

impl fmt::Display for TimeWindow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.since, &self.until) {
            (None, None) => write!(f, "all times"),
            (Some(s), None) => write!(f, "since {s}"),
            (None, Some(u)) => write!(f, "until {u}"),
            (Some(s), Some(u)) => write!(f, "{s} .. {u}"),
        }
    }
}

/// Counts of what a [`TimeFilter`] decided.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FilterStats {
    /// Events inside the window.
    pub kept: u64,
    /// Events outside it.
    pub dropped: u64,
    /// Of the dropped, events before their input's first timestamp.
    pub dropped_untimed: u64,
}

/// The resolved window `[since, until)` and the last timestamp seen in the current input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeFilter {
    since: Option<Timestamp>,
    until: Option<Timestamp>,
    last: Option<Timestamp>,
    stats: FilterStats,
}

impl TimeFilter {
    /// A filter for `since <= t < until`; either bound may be open. Fails when the window is
    /// empty.
    pub fn new(
        since: Option<Timestamp>,
        until: Option<Timestamp>,
    ) -> Result<TimeFilter, TimeFilterError> {
        if let (Some(s), Some(u)) = (since, until)
            && u <= s
        {
            return Err(TimeFilterError::EmptyWindow { since: s, until: u });
        }
        Ok(TimeFilter {
            since,
            until,
            last: None,
            stats: FilterStats::default(),
        })
    }

    /// Inclusive lower bound.
    pub fn since(&self) -> Option<Timestamp> {
        self.since
    }

    /// Exclusive upper bound.
    pub fn until(&self) -> Option<Timestamp> {
        self.until
    }

    /// What was kept and dropped so far.
    pub fn stats(&self) -> FilterStats {
        self.stats
    }

    /// Forgets the last timestamp seen: call before the first event of each input, so an
    /// untimed event never inherits a time from another file.
    pub fn start_input(&mut self) {
        self.last = None;
    }

    /// Whether the next event, with header time `ts`, is inside the window. An event without
    /// a time takes the last time seen in this input (see the module docs); call once per
    /// event, in input order.
    #[inline]
    pub fn contains(&mut self, ts: Option<Timestamp>) -> bool {
        if ts.is_some() {
            self.last = ts;
        }
        let inside = match self.last {
            Some(t) => self.since.is_none_or(|s| t >= s) && self.until.is_none_or(|u| t < u),
            None => self.since.is_none(),
        };
        if inside {
            self.stats.kept += 1;
        } else {
            self.stats.dropped += 1;
            if self.last.is_none() {
                self.stats.dropped_untimed += 1;
            }
        }
        inside
    }
}

/// Inputs reduced to the events inside a window, in temporary files that live as long as
/// this value.
#[derive(Debug)]
pub struct Prefiltered {
    /// The read configuration to analyse: each input replaced by its filtered copy (inputs
    /// that could not be opened are left as they were, so the run reports them as usual).
    pub read: ReadConfig,
    /// Totals over all inputs.
    pub stats: FilterStats,
    /// The window as resolved against the first input that was read (for messages).
    pub resolved: Option<(Option<Timestamp>, Option<Timestamp>)>,
    names: Vec<(String, String)>,
    _dir: tempfile::TempDir,
}

impl Prefiltered {
    /// Gives the inputs in `read` their original names back (the analysis saw the names of
    /// the temporary copies).
    pub fn restore_names(&self, read: &mut ReadSummary) {
        for info in &mut read.inputs {
            if let Some((_, orig)) = self.names.iter().find(|(tmp, _)| *tmp == info.name) {
                info.name = orig.clone();
            }
        }
    }

    /// One line for stderr when events had to be left out for lack of a time, else `None`.
    pub fn warning(&self) -> Option<String> {
        (self.stats.dropped_untimed > 0).then(|| {
            format!(
                "{} event(s) before their file's first timestamp were left out of the --since \
                 window (they have no time to place them by)",
                self.stats.dropped_untimed
            )
        })
    }
}

/// Copies the events of each input that fall inside `window` to a temporary file (plain
/// text, decompressed, continuation lines kept with their event) and returns a read
/// configuration over the copies. Each input's header format is detected the way the
/// analysis detects it, and absolute bounds are read in that format. `now` anchors the
/// relative bounds.
///
/// Stdin is read once here, like any other input.
pub fn prefilter(
    read: &ReadConfig,
    window: &TimeWindow,
    now: Timestamp,
) -> Result<Prefiltered, Error> {
    let dir = tempfile::Builder::new()
        .prefix("logsift-window")
        .tempdir()
        .map_err(|e| {
            Error::Usage(format!(
                "cannot create a temporary directory for --since/--until: {e}; set TMPDIR to \
                 a writable directory"
            ))
        })?;
    let mut names = Vec::new();
    let mut stats = FilterStats::default();
    let mut resolved = None;
    let mut n = 0usize;
    let mut convert = |specs: &[InputSpec]| -> Result<Vec<InputSpec>, Error> {
        let mut out = Vec::with_capacity(specs.len());
        for spec in specs {
            let mut input = match Input::open(spec) {
                Ok(i) => i,
                Err(_) => {
                    // The analysis opens it again and reports why it cannot.
                    out.push(spec.clone());
                    continue;
                }
            };
            let format = detect_format(&mut input, read);
            let mut filter = window
                .resolve(Some(&format), &read.detect, now)
                .map_err(|e| Error::Usage(format!("{}: {e}", spec.display_name())))?;
            if resolved.is_none() {
                resolved = Some((filter.since(), filter.until()));
            }
            n += 1;
            let path = dir.path().join(format!("{n}.log"));
            let file = std::fs::File::create(&path)
                .map_err(|e| Error::Usage(format!("cannot write {}: {e}", path.display())))?;
            let mut w = BufWriter::new(file);
            let mut write_error = None;
            let result = input.for_each_event(0, &read.split, |ev| {
                let rec = format.parse(ev.head);
                if !filter.contains(rec.ts) {
                    return ControlFlow::Continue(());
                }
                let written = w
                    .write_all(ev.head)
                    .and_then(|()| w.write_all(b"\n"))
                    .and_then(|()| {
                        if ev.tail.is_empty() {
                            Ok(())
                        } else {
                            w.write_all(ev.tail).and_then(|()| w.write_all(b"\n"))
                        }
                    });
                match written {
                    Ok(()) => ControlFlow::Continue(()),
                    Err(e) => {
                        write_error = Some(e);
                        ControlFlow::Break(())
                    }
                }
            });
            if let Some(e) = write_error.or_else(|| w.flush().err()) {
                return Err(Error::Usage(format!(
                    "cannot write the --since/--until copy of {}: {e}; free space in the \
                     temporary directory or set TMPDIR",
                    spec.display_name()
                )));
            }
            if let Err(e) = result {
                // Keep what was read; the error is part of the run's warnings.
                let s = filter.stats();
                stats.kept += s.kept;
                stats.dropped += s.dropped;
                stats.dropped_untimed += s.dropped_untimed;
                return Err(Error::Input(e));
            }
            let s = filter.stats();
            stats.kept += s.kept;
            stats.dropped += s.dropped;
            stats.dropped_untimed += s.dropped_untimed;
            let tmp = InputSpec::Path(path);
            names.push((tmp.display_name(), spec.display_name()));
            out.push(tmp);
        }
        Ok(out)
    };
    let baseline = convert(&read.baseline)?;
    let inputs = convert(&read.inputs)?;
    Ok(Prefiltered {
        read: ReadConfig {
            inputs,
            baseline,
            split: read.split.clone(),
            detect: read.detect.clone(),
            format_sample: read.format_sample.clone(),
        },
        stats,
        resolved,
        names,
        _dir: dir,
    })
}

/// Detects an input's header format the same way the analysis does for each input.
fn detect_format(input: &mut Input, cfg: &ReadConfig) -> HeaderFormat {
    crate::app::detect_format(input, cfg).0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        HeaderFormat::none()
            .parse_time(s, &DetectOptions::default())
            .unwrap_or(Timestamp(i64::MIN))
    }

    #[test]
    fn bounds_parse_keywords_relative_and_absolute() {
        assert_eq!(TimeBound::parse("now"), Ok(TimeBound::Now));
        assert_eq!(TimeBound::parse(" Yesterday "), Ok(TimeBound::Day(-1)));
        assert_eq!(TimeBound::parse("today"), Ok(TimeBound::Day(0)));
        assert_eq!(TimeBound::parse("-24h"), Ok(TimeBound::Ago(86_400_000)));
        assert_eq!(
            TimeBound::parse("2026-11-27T00:00:00Z"),
            Ok(TimeBound::At("2026-11-27T00:00:00Z".into()))
        );
        assert!(matches!(
            TimeBound::parse("-soon"),
            Err(TimeFilterError::Relative { .. })
        ));
        assert_eq!(TimeBound::parse("  "), Err(TimeFilterError::Empty));
    }

    #[test]
    fn days_are_utc_days_before_the_clock() {
        let now = ts("2026-11-27T14:02:03Z");
        let w = TimeWindow::parse(Some("yesterday"), Some("today")).unwrap_or_default();
        let f = w.resolve(None, &DetectOptions::default(), now);
        let f = f.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(f.since(), Some(ts("2026-11-26T00:00:00Z")));
        assert_eq!(f.until(), Some(ts("2026-11-27T00:00:00Z")));
        let f = TimeWindow::last(3_600_000)
            .resolve(None, &DetectOptions::default(), now)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(f.since(), Some(ts("2026-11-27T13:02:03Z")));
        assert_eq!(f.until(), Some(now));
    }

    #[test]
    fn the_window_is_half_open_and_untimed_events_inherit() {
        let mut f = TimeFilter::new(Some(Timestamp(100)), Some(Timestamp(200)))
            .unwrap_or_else(|e| panic!("{e}"));
        f.start_input();
        // Before any timestamp, with a lower bound: left out.
        assert!(!f.contains(None));
        assert!(!f.contains(Some(Timestamp(99))));
        assert!(!f.contains(None)); // inherits 99
        assert!(f.contains(Some(Timestamp(100))));
        assert!(f.contains(None)); // inherits 100
        assert!(f.contains(Some(Timestamp(199))));
        assert!(!f.contains(Some(Timestamp(200))));
        assert!(!f.contains(None)); // inherits 200
        assert_eq!(
            f.stats(),
            FilterStats {
                kept: 3,
                dropped: 5,
                dropped_untimed: 1
            }
        );
        // A new input does not inherit the previous one's time.
        f.start_input();
        assert!(!f.contains(None));
    }

    #[test]
    fn without_a_lower_bound_leading_untimed_events_are_kept() {
        let mut f = TimeFilter::new(None, Some(Timestamp(200))).unwrap_or_else(|e| panic!("{e}"));
        assert!(f.contains(None));
        assert!(f.contains(Some(Timestamp(0))));
        assert!(!f.contains(Some(Timestamp(300))));
    }

    #[test]
    fn an_empty_window_is_refused() {
        let now = ts("2026-11-27T14:02:03Z");
        let w = TimeWindow::parse(Some("today"), Some("yesterday")).unwrap_or_default();
        assert!(matches!(
            w.check(&DetectOptions::default(), now),
            Err(TimeFilterError::EmptyWindow { .. })
        ));
        let w = TimeWindow::parse(Some("2026-11-27T10:00:00Z"), Some("-1h")).unwrap_or_default();
        assert!(w.check(&DetectOptions::default(), now).is_ok());
    }

    #[test]
    fn absolute_times_are_read_in_the_logs_own_format() {
        let detect = DetectOptions::builder()
            .reference(ts("2015-12-31T00:00:00Z"))
            .build()
            .unwrap_or_default();
        let lines: Vec<&[u8]> = vec![
            b"Dec 10 07:55:46 LabSZ sshd[24200]: reverse mapping checking",
            b"Dec 10 07:56:46 LabSZ sshd[24201]: reverse mapping checking",
        ];
        let format = crate::record::detect(&lines, &detect);
        let w = TimeWindow::parse(Some("Dec 10 07:56:00"), None).unwrap_or_default();
        let f = w
            .resolve(Some(&format), &detect, Timestamp::now())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(f.since(), Some(ts("2015-12-10T07:56:00Z")));
        let bad = TimeWindow::parse(Some("half past nine"), None).unwrap_or_default();
        assert!(matches!(
            bad.resolve(Some(&format), &detect, Timestamp::now()),
            Err(TimeFilterError::Absolute(_))
        ));
    }
}
