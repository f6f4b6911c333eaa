//! Input layer: turns files and stdin into [`Event`]s.
//!
//! Owns opening inputs (memory-mapped files, streamed stdin and pipes, gzip and zstd by magic
//! bytes), splitting bytes into lines, capping long lines and joining multi-line events
//! (stack traces). It does not look inside a line: headers are `record`'s job.

/// One log event: a line, plus the continuation lines joined to it (a stack trace).
///
/// All slices borrow the input buffer; nothing is copied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event<'a> {
    /// Index of the input this event came from, in command-line order.
    pub source: u32,
    /// 1-based line number of the event's first line within its input.
    pub line_no: u64,
    /// Number of physical lines in the event (1 when nothing was joined).
    pub lines: u32,
    /// The first line, without its terminator (`\n` or `\r\n`), capped at the line limit.
    pub head: &'a [u8],
    /// The continuation lines as they appear in the input (may contain `\r`), without the
    /// final terminator, capped at the event limit. Empty when nothing was joined.
    pub tail: &'a [u8],
    /// Whether any part of the event was cut by a cap.
    pub truncated: bool,
}
