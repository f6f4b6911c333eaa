//! What the start of a line must look like for a header format to read it: a necessary
//! condition, checked in a few instructions before the format's parser runs.
//!
//! A file that interleaves several systems gets one format per system (see the module docs of
//! `record`), tried in order on each line. Without a check, a line of the last system pays for
//! every parser before it failing. [`LineLead`] describes a line's first bytes once (its first
//! byte, the run of digits it starts with and the byte after that run); each format's [`Lead`]
//! says which of those it could possibly read. A format whose lead rejects a line is skipped:
//! it would have failed on it, so the result is the same as trying every format in order.

/// The start of one stripped line, as [`Lead::admits`] looks at it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LineLead {
    first: u8,
    /// Length of the run of ASCII digits the line starts with, at most [`MAX_RUN`].
    run: u8,
    /// The byte after that run, if the line goes on.
    after: Option<u8>,
}

/// Digit runs longer than this are all counted as this long (no timestamp starts with one).
const MAX_RUN: usize = 31;

impl LineLead {
    /// Describes the start of a stripped line (`None` when it is empty).
    #[inline]
    pub(crate) fn of(b: &[u8]) -> Option<LineLead> {
        let first = *b.first()?;
        let run = b
            .iter()
            .take(MAX_RUN + 1)
            .take_while(|c| c.is_ascii_digit())
            .count();
        Some(LineLead {
            first,
            run: run.min(MAX_RUN) as u8,
            after: b.get(run).copied(),
        })
    }
}

/// A set of bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ByteSet([u64; 4]);

impl ByteSet {
    const ALL: ByteSet = ByteSet([u64::MAX; 4]);
    const NONE: ByteSet = ByteSet([0; 4]);

    fn of(bytes: impl IntoIterator<Item = u8>) -> ByteSet {
        let mut s = ByteSet::NONE;
        for b in bytes {
            s.0[usize::from(b >> 6)] |= 1 << (b & 63);
        }
        s
    }

    #[inline]
    fn has(&self, b: u8) -> bool {
        self.0[usize::from(b >> 6)] & (1 << (b & 63)) != 0
    }
}

/// Which line starts a header format may read (a superset of those it does read).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Lead {
    first: ByteSet,
    /// Bit `n` set: a line starting with a run of `n` digits may be read.
    runs: u32,
    /// The byte after the digit run must be one of these (`None`: anything, or nothing).
    after: Option<ByteSet>,
}

impl Lead {
    /// Any line.
    pub(crate) const ANY: Lead = Lead {
        first: ByteSet::ALL,
        runs: u32::MAX,
        after: None,
    };

    /// Lines whose first byte is one of `bytes`.
    pub(crate) fn first(bytes: impl IntoIterator<Item = u8>) -> Lead {
        Lead {
            first: ByteSet::of(bytes),
            ..Lead::ANY
        }
    }

    /// Lines that start with a run of exactly `n` digits for some `n` in `runs`, followed by
    /// one of `after` (or by anything when `after` is `None`).
    pub(crate) fn digits(runs: &[usize], after: Option<&[u8]>) -> Lead {
        Lead {
            first: ByteSet::of(b'0'..=b'9'),
            runs: runs
                .iter()
                .filter(|&&n| (1..=MAX_RUN).contains(&n))
                .fold(0, |m, &n| m | 1 << n),
            after: after.map(|a| ByteSet::of(a.iter().copied())),
        }
    }

    /// Whether a line that starts like `l` may be read.
    #[inline]
    pub(crate) fn admits(&self, l: &LineLead) -> bool {
        self.first.has(l.first)
            && self.runs & (1 << l.run) != 0
            && match self.after {
                None => true,
                Some(set) => l.after.is_some_and(|a| set.has(a)),
            }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn admits(lead: Lead, line: &str) -> bool {
        LineLead::of(line.as_bytes()).is_some_and(|l| lead.admits(&l))
    }

    #[test]
    fn digit_runs_and_the_byte_after_them_decide() {
        let ymd = Lead::digits(&[4], Some(b"-"));
        assert!(admits(ymd, "2015-10-18 18:01:47,978 INFO x"));
        assert!(!admits(ymd, "081109 203615 148 INFO x"));
        assert!(!admits(ymd, "20151-10-18"));
        assert!(!admits(ymd, "2015/10/18"));
        assert!(!admits(ymd, "2015"));
        let compact = Lead::digits(&[6], None);
        assert!(admits(compact, "081109 203615 148 INFO x"));
        assert!(admits(compact, "081109"));
        assert!(!admits(compact, "17/06/09 20:10:40 INFO x"));
        assert!(!admits(compact, "Jun 14 15:16:01 combo"));
    }

    #[test]
    fn first_byte_sets_and_any() {
        let bracket = Lead::first([b'[']);
        assert!(admits(bracket, "[Sun Dec 04 04:47:44 2005] [notice] x"));
        assert!(!admits(bracket, "Sun Dec 04"));
        for line in ["x", "0", "- 1117838570 2005.06.03", "\u{e9}t\u{e9}"] {
            assert!(admits(Lead::ANY, line));
        }
        assert!(LineLead::of(b"").is_none());
    }

    #[test]
    fn very_long_digit_runs_are_capped_not_wrapped() {
        let line = "1".repeat(100);
        let l = LineLead::of(line.as_bytes()).unwrap();
        assert_eq!(usize::from(l.run), MAX_RUN);
        assert!(!Lead::digits(&[4], None).admits(&l));
        assert!(Lead::first(b'0'..=b'9').admits(&l));
    }
}
