//! Input layer: turns files and stdin into [`Event`]s.
//!
//! Owns opening inputs (memory-mapped files, streamed stdin and pipes, gzip and zstd by magic
//! bytes, UTF-16 with a byte-order mark decoded to UTF-8), splitting bytes into lines,
//! capping long lines and joining multi-line events (stack traces). It does not look inside
//! a line: headers are `record`'s job.
//!
//! * [`Input`] opens a path or stdin ([`InputSpec`]), detects gzip and zstd by their magic
//!   bytes, maps plain regular files into memory and streams everything else in bounded
//!   memory; [`Input::for_each_event`] delivers its events.
//! * [`Splitter`] cuts bytes into [`Event`]s, incrementally; [`SplitConfig`] holds its caps.
//! * [`is_continuation`] is the one rule that says which lines join the event before them.
//! * [`chunk_boundaries`] cuts a buffer at event boundaries for parallel splitting.
//! * [`for_each_event_in`] reads several inputs in order, going on past the ones that fail.
//!
//! ```no_run
//! use std::ops::ControlFlow;
//! use logsift::input::{Input, InputSpec, SplitConfig};
//!
//! let mut input = Input::open(&InputSpec::from_arg("app.log.gz".as_ref()))?;
//! let stats = input.for_each_event(0, &SplitConfig::default(), |event| {
//!     println!("{}: {}", event.line_no, String::from_utf8_lossy(event.head));
//!     ControlFlow::Continue(())
//! })?;
//! eprintln!("{} lines, {} events", stats.lines, stats.events);
//! # Ok::<(), logsift::input::InputError>(())
//! ```

mod continuation;
mod newlines;
mod source;
mod split;
mod utf16;

pub use continuation::is_continuation;
pub use source::{
    Access, Compression, Input, InputError, InputSpec, PEEK_BYTES, READ_CHUNK_BYTES,
    for_each_event_in,
};
pub use split::{
    DEFAULT_MAX_EVENT_BYTES, DEFAULT_MAX_LINE_BYTES, MAX_CAP_BYTES, SplitConfig,
    SplitConfigBuilder, SplitConfigError, SplitStats, Splitter, chunk_boundaries, count_lines,
    split_all,
};

/// One log event: a line, plus the continuation lines joined to it (a stack trace).
///
/// All slices borrow the input buffer; nothing is copied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event<'a> {
    /// Index of the input this event came from, in command-line order.
    pub source: u32,
    /// 1-based line number of the event's first line within its input.
    pub line_no: u64,
    /// Number of physical lines in the event (1 when nothing was joined), including
    /// continuation lines the event cap dropped from `tail`: the events of an input account
    /// for each of its lines exactly once.
    pub lines: u32,
    /// The first line, without its terminator (`\n` or `\r\n`), capped at the line limit.
    pub head: &'a [u8],
    /// The continuation lines as they appear in the input (may contain `\r`), without the
    /// final terminator, capped at the event limit. Empty when nothing was joined.
    pub tail: &'a [u8],
    /// Whether any part of the event was cut by a cap.
    pub truncated: bool,
}
