//! Five-field cron expressions for `[[schedule]]` entries, in UTC.
//!
//! Owns parsing ([`Cron::parse`]) and the next firing time after a given time
//! ([`Cron::next_after`]). It does not sleep or run anything: the scheduler does, with an
//! injected clock.
//!
//! The fields are minute (0-59), hour (0-23), day of month (1-31), month (1-12 or `jan`-`dec`)
//! and day of week (0-7, 0 and 7 both Sunday, or `sun`-`sat`). Each field is `*` or a
//! comma-separated list of values, ranges `a-b`, and steps `*/n`, `a-b/n` or `a/n` (from `a`
//! to the end of the field's range). The shortcuts `@hourly`, `@daily` (`@midnight`),
//! `@weekly`, `@monthly` and `@yearly` (`@annually`) are accepted. As in Vixie cron, when
//! both day fields are restricted (neither starts with `*`) a day matches if either matches;
//! otherwise both must. Times are UTC: there is no daylight-saving gap or repeat.

use std::fmt;

use crate::record::Timestamp;

const MS_PER_MINUTE: i64 = 60_000;
const MS_PER_DAY: i64 = 86_400_000;
/// How far ahead [`Cron::next_after`] searches: 8 years and a day covers the longest gap
/// between two matches of any valid expression (29 February in a year divisible by 4, with
/// 2100 skipped, is 8 years apart at worst).
const SEARCH_DAYS: i64 = 8 * 366 + 1;

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const DAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

/// A parsed cron expression: one bit set per allowed value of each field.
#[derive(Clone, PartialEq, Eq)]
pub struct Cron {
    minutes: u64,
    hours: u32,
    dom: u32,
    months: u16,
    dow: u8,
    dom_restricted: bool,
    dow_restricted: bool,
    text: String,
}

impl fmt::Debug for Cron {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Cron({:?})", self.text)
    }
}

impl fmt::Display for Cron {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Why an expression was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CronError {
    /// Not five fields.
    #[error(
        "cron expression {0:?} needs 5 fields (minute hour day-of-month month day-of-week), \
         e.g. \"0 9 * * *\" for 09:00 UTC every day"
    )]
    Fields(String),
    /// A field that cannot be read.
    #[error("cron field {field} {text:?}: {why}")]
    Field {
        /// Which field.
        field: &'static str,
        /// The field as written.
        text: String,
        /// What is wrong.
        why: String,
    },
    /// A valid expression that never matches (`0 0 31 2 *`).
    #[error("cron expression {0:?} never fires (no such day)")]
    Never(String),
}

struct FieldSpec {
    name: &'static str,
    min: u32,
    max: u32,
    names: &'static [&'static str],
    /// The value names start at (1 for months, 0 for days).
    names_from: u32,
}

const MINUTE: FieldSpec = FieldSpec {
    name: "minute",
    min: 0,
    max: 59,
    names: &[],
    names_from: 0,
};
const HOUR: FieldSpec = FieldSpec {
    name: "hour",
    min: 0,
    max: 23,
    names: &[],
    names_from: 0,
};
const DOM: FieldSpec = FieldSpec {
    name: "day-of-month",
    min: 1,
    max: 31,
    names: &[],
    names_from: 0,
};
const MONTH: FieldSpec = FieldSpec {
    name: "month",
    min: 1,
    max: 12,
    names: &MONTHS,
    names_from: 1,
};
const DOW: FieldSpec = FieldSpec {
    name: "day-of-week",
    min: 0,
    max: 7,
    names: &DAYS,
    names_from: 0,
};

impl FieldSpec {
    fn value(&self, text: &str) -> Result<u32, String> {
        let lower = text.to_ascii_lowercase();
        if let Some(i) = self.names.iter().position(|n| *n == lower) {
            return Ok(self.names_from + i as u32);
        }
        let v: u32 = text.parse().map_err(|_| {
            if self.names.is_empty() {
                format!("{text:?} is not a number")
            } else {
                format!(
                    "{text:?} is not a number or a name ({})",
                    self.names.join(", ")
                )
            }
        })?;
        if v < self.min || v > self.max {
            return Err(format!("{v} is out of range {}-{}", self.min, self.max));
        }
        Ok(v)
    }

    /// The bit set of a field.
    fn parse(&self, text: &str) -> Result<u64, CronError> {
        let err = |why: String| CronError::Field {
            field: self.name,
            text: text.to_owned(),
            why,
        };
        let mut bits = 0u64;
        for item in text.split(',') {
            let (range, step) = match item.split_once('/') {
                Some((r, s)) => {
                    let step: u32 = s
                        .parse()
                        .map_err(|_| err(format!("step {s:?} is not a number")))?;
                    if step == 0 {
                        return Err(err("a step of 0 never advances".into()));
                    }
                    (r, Some(step))
                }
                None => (item, None),
            };
            let (lo, hi) = if range == "*" {
                (self.min, self.max)
            } else if let Some((a, b)) = range.split_once('-') {
                let (a, b) = (self.value(a).map_err(err)?, self.value(b).map_err(err)?);
                if a > b {
                    return Err(err(format!("range {a}-{b} runs backwards")));
                }
                (a, b)
            } else if range.is_empty() {
                return Err(err("empty list item".into()));
            } else {
                let a = self.value(range).map_err(err)?;
                // `a/n` runs from a to the end of the range.
                (a, if step.is_some() { self.max } else { a })
            };
            let step = step.unwrap_or(1);
            let mut v = lo;
            while v <= hi {
                bits |= 1 << v;
                v += step;
            }
        }
        Ok(bits)
    }
}

impl Cron {
    /// Parses a five-field expression or a shortcut (see the module docs).
    pub fn parse(text: &str) -> Result<Cron, CronError> {
        let t = text.trim();
        let expanded = match t.to_ascii_lowercase().as_str() {
            "@yearly" | "@annually" => "0 0 1 1 *",
            "@monthly" => "0 0 1 * *",
            "@weekly" => "0 0 * * 0",
            "@daily" | "@midnight" => "0 0 * * *",
            "@hourly" => "0 * * * *",
            _ => t,
        };
        let fields: Vec<&str> = expanded.split_whitespace().collect();
        let [mi, h, dom, mo, dow] = fields[..] else {
            return Err(CronError::Fields(t.to_owned()));
        };
        let mut dow_bits = DOW.parse(dow)?;
        // 7 is Sunday too.
        if dow_bits & (1 << 7) != 0 {
            dow_bits = (dow_bits | 1) & 0x7f;
        }
        let cron = Cron {
            minutes: MINUTE.parse(mi)?,
            hours: HOUR.parse(h)? as u32,
            dom: DOM.parse(dom)? as u32,
            months: MONTH.parse(mo)? as u16,
            dow: dow_bits as u8,
            dom_restricted: !dom.starts_with('*'),
            dow_restricted: !dow.starts_with('*'),
            text: t.to_owned(),
        };
        if cron.next_after(Timestamp(0)).is_none() {
            return Err(CronError::Never(t.to_owned()));
        }
        Ok(cron)
    }

    fn day_matches(&self, days: i64) -> bool {
        let (_, m, d) = civil_from_days(days);
        if self.months & (1 << m) == 0 {
            return false;
        }
        let wd = (days + 4).rem_euclid(7); // 1970-01-01 was a Thursday.
        let dom_ok = self.dom & (1 << d) != 0;
        let dow_ok = self.dow & (1 << wd) != 0;
        if self.dom_restricted && self.dow_restricted {
            dom_ok || dow_ok
        } else {
            dom_ok && dow_ok
        }
    }

    /// Whether the expression fires in the minute that contains `t`.
    pub fn matches(&self, t: Timestamp) -> bool {
        let days = t.0.div_euclid(MS_PER_DAY);
        let minute_of_day = t.0.rem_euclid(MS_PER_DAY) / MS_PER_MINUTE;
        self.day_matches(days)
            && self.hours & (1 << (minute_of_day / 60)) != 0
            && self.minutes & (1 << (minute_of_day % 60)) != 0
    }

    /// The first firing time strictly after `t` (on a whole minute), or `None` if there is
    /// none within the search horizon (an expression that never fires).
    pub fn next_after(&self, t: Timestamp) -> Option<Timestamp> {
        // The next whole minute after t.
        let start = t.0.div_euclid(MS_PER_MINUTE).checked_add(1)? * MS_PER_MINUTE;
        let first_day = start.div_euclid(MS_PER_DAY);
        for days in first_day..first_day.checked_add(SEARCH_DAYS)? {
            if !self.day_matches(days) {
                continue;
            }
            let from = if days == first_day {
                start.rem_euclid(MS_PER_DAY) / MS_PER_MINUTE
            } else {
                0
            };
            for minute_of_day in from..24 * 60 {
                let (h, m) = (minute_of_day / 60, minute_of_day % 60);
                if self.hours & (1 << h) != 0 && self.minutes & (1 << m) != 0 {
                    return Some(Timestamp(days * MS_PER_DAY + minute_of_day * MS_PER_MINUTE));
                }
            }
        }
        None
    }
}

/// Year, month (1-12), day (1-31) of a day count since 1970-01-01 (the proleptic Gregorian
/// calendar; H. Hinnant, "chrono-Compatible Low-Level Date Algorithms").
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{DetectOptions, HeaderFormat};

    fn ts(s: &str) -> Timestamp {
        HeaderFormat::none()
            .parse_time(s, &DetectOptions::default())
            .unwrap()
    }

    fn next(expr: &str, after: &str) -> String {
        Cron::parse(expr)
            .unwrap()
            .next_after(ts(after))
            .unwrap()
            .to_string()
    }

    #[test]
    fn daily_at_nine() {
        assert_eq!(
            next("0 9 * * *", "2026-11-27T08:59:59Z"),
            "2026-11-27T09:00:00.000Z"
        );
        // Strictly after: at 09:00 itself the next one is tomorrow.
        assert_eq!(
            next("0 9 * * *", "2026-11-27T09:00:00Z"),
            "2026-11-28T09:00:00.000Z"
        );
        assert_eq!(
            next("@daily", "2026-12-31T23:59:00Z"),
            "2027-01-01T00:00:00.000Z"
        );
    }

    #[test]
    fn lists_ranges_and_steps() {
        assert_eq!(
            next("*/15 * * * *", "2026-11-27T10:16:00Z"),
            "2026-11-27T10:30:00.000Z"
        );
        assert_eq!(
            next("5,35 8-10/2 * * *", "2026-11-27T10:36:00Z"),
            "2026-11-28T08:05:00.000Z"
        );
        assert_eq!(
            next("30/10 * * * *", "2026-11-27T10:55:00Z"),
            "2026-11-27T11:30:00.000Z"
        );
        // Weekdays only: 2026-11-27 is a Friday, so the next is Monday.
        assert_eq!(
            next("0 9 * * mon-fri", "2026-11-27T10:00:00Z"),
            "2026-11-30T09:00:00.000Z"
        );
        // 7 is Sunday.
        assert_eq!(
            next("0 0 * * 7", "2026-11-27T10:00:00Z"),
            "2026-11-29T00:00:00.000Z"
        );
        assert_eq!(
            next("0 0 1 jan *", "2026-11-27T10:00:00Z"),
            "2027-01-01T00:00:00.000Z"
        );
    }

    #[test]
    fn both_day_fields_restricted_means_either() {
        // The 1st of the month or any Monday.
        assert_eq!(
            next("0 0 1 * 1", "2026-11-27T10:00:00Z"),
            "2026-11-30T00:00:00.000Z"
        );
        assert_eq!(
            next("0 0 1 * 1", "2026-11-30T10:00:00Z"),
            "2026-12-01T00:00:00.000Z"
        );
    }

    #[test]
    fn leap_days_are_found_years_ahead() {
        assert_eq!(
            next("0 12 29 2 *", "2026-03-01T00:00:00Z"),
            "2028-02-29T12:00:00.000Z"
        );
    }

    #[test]
    fn matches_the_minute() {
        let c = Cron::parse("*/5 9 * * *").unwrap();
        assert!(c.matches(ts("2026-11-27T09:10:42Z")));
        assert!(!c.matches(ts("2026-11-27T09:11:00Z")));
        assert!(!c.matches(ts("2026-11-27T10:10:00Z")));
    }

    #[test]
    fn bad_expressions_say_what_is_wrong() {
        for bad in [
            "",
            "* * * *",
            "* * * * * *",
            "60 * * * *",
            "* 24 * * *",
            "* * 0 * *",
            "* * * 13 *",
            "* * * * 8",
            "*/0 * * * *",
            "5-1 * * * *",
            "a * * * *",
            "1,,2 * * * *",
            "* * * foo *",
        ] {
            assert!(Cron::parse(bad).is_err(), "{bad:?} was accepted");
        }
        assert!(matches!(
            Cron::parse("0 0 31 2 *"),
            Err(CronError::Never(_))
        ));
        let e = Cron::parse("61 * * * *").unwrap_err().to_string();
        assert!(e.contains("minute") && e.contains("0-59"), "{e}");
    }

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(civil_from_days(20_454), (2026, 1, 1));
    }
}
