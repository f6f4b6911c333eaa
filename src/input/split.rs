//! Splitting bytes into [`Event`]s: lines, caps and multi-line joining.
//!
//! Owns [`Splitter`], the incremental state machine that works the same over one whole
//! buffer (a memory-mapped file) and over a stream fed chunk by chunk, its configuration
//! ([`SplitConfig`]), its counters ([`SplitStats`]) and [`chunk_boundaries`] for cutting a
//! buffer into pieces that can be split independently. It does not open, read or
//! decompress anything (that is `source`'s job) and does not decide what a continuation
//! line is (that is [`is_continuation`]).
//!
//! Events borrow the bytes they were fed. The only copies are made at the seams between
//! fed chunks: the event still open when a chunk ends is copied (within its caps) into a
//! carry buffer owned by the splitter, as is the unfinished last line (within the line
//! cap). Memory is therefore bounded by the caps, whatever the input.

use std::ops::ControlFlow;

use memchr::memchr;

use super::Event;
use super::continuation::is_continuation;
use super::newlines::Newlines;

/// Default cap on one line: 64 KiB. Real log lines are far shorter; the few longer ones are
/// usually dumped payloads whose tail says nothing a template could use.
pub const DEFAULT_MAX_LINE_BYTES: usize = 64 * 1024;

/// Default cap on one event (first line plus joined lines): 256 KiB, room for a deep Java
/// stack trace with several `Caused by:` sections.
pub const DEFAULT_MAX_EVENT_BYTES: usize = 256 * 1024;

/// Largest accepted cap, 64 MiB: the event still open at the end of a read is held in
/// memory, so the cap bounds memory use per input.
pub const MAX_CAP_BYTES: usize = 64 * 1024 * 1024;

/// How bytes are cut into events. Build it with [`SplitConfig::builder`]; the default is
/// 64 KiB lines, 256 KiB events, multi-line joining on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitConfig {
    max_line_bytes: usize,
    max_event_bytes: usize,
    multiline: bool,
}

impl Default for SplitConfig {
    fn default() -> Self {
        SplitConfig {
            max_line_bytes: DEFAULT_MAX_LINE_BYTES,
            max_event_bytes: DEFAULT_MAX_EVENT_BYTES,
            multiline: true,
        }
    }
}

impl SplitConfig {
    /// A builder starting from the defaults.
    pub fn builder() -> SplitConfigBuilder {
        SplitConfigBuilder {
            cfg: SplitConfig::default(),
        }
    }

    /// Longest line kept, in bytes, not counting its terminator.
    pub fn max_line_bytes(&self) -> usize {
        self.max_line_bytes
    }

    /// Largest event kept, in bytes: `head.len() + tail.len()`.
    pub fn max_event_bytes(&self) -> usize {
        self.max_event_bytes
    }

    /// Whether continuation lines are joined to the event before them.
    pub fn multiline(&self) -> bool {
        self.multiline
    }

    /// Whether the line `view` (capped, without terminator) joins the event before it.
    fn joins(&self, view: &[u8]) -> bool {
        self.multiline && is_continuation(view)
    }
}

/// Builder for [`SplitConfig`]; [`build`](Self::build) validates the caps.
#[derive(Debug, Clone)]
pub struct SplitConfigBuilder {
    cfg: SplitConfig,
}

impl SplitConfigBuilder {
    /// Cap on one line (default [`DEFAULT_MAX_LINE_BYTES`]). Longer lines keep their first
    /// `n` bytes; the rest up to the newline is skipped and the line counted as truncated.
    /// The cut is at a byte, so it can fall inside a multi-byte UTF-8 character; later
    /// stages decode lossily anyway.
    pub fn max_line_bytes(mut self, n: usize) -> Self {
        self.cfg.max_line_bytes = n;
        self
    }

    /// Cap on one event (default [`DEFAULT_MAX_EVENT_BYTES`]). Continuation lines that do
    /// not fit are dropped from the event, and so are all later ones of the same event, so
    /// that the kept lines stay one contiguous slice; they are still counted in
    /// [`Event::lines`].
    pub fn max_event_bytes(mut self, n: usize) -> Self {
        self.cfg.max_event_bytes = n;
        self
    }

    /// Join continuation lines into multi-line events (default `true`). When `false`,
    /// every physical line is an event.
    pub fn multiline(mut self, on: bool) -> Self {
        self.cfg.multiline = on;
        self
    }

    /// Checks the caps: the line cap is at least 1, the event cap at least the line cap,
    /// both at most [`MAX_CAP_BYTES`].
    pub fn build(self) -> Result<SplitConfig, SplitConfigError> {
        let SplitConfig {
            max_line_bytes: line,
            max_event_bytes: event,
            ..
        } = self.cfg;
        if line == 0 {
            return Err(SplitConfigError::ZeroLineCap);
        }
        for value in [line, event] {
            if value > MAX_CAP_BYTES {
                return Err(SplitConfigError::CapTooLarge {
                    value,
                    max: MAX_CAP_BYTES,
                });
            }
        }
        if event < line {
            return Err(SplitConfigError::EventCapBelowLineCap { line, event });
        }
        Ok(self.cfg)
    }
}

/// A [`SplitConfig`] that cannot work.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SplitConfigError {
    /// A line cap of zero would keep nothing.
    #[error("the line cap must be at least 1 byte")]
    ZeroLineCap,
    /// The first line must always fit into its event.
    #[error(
        "the event cap ({event} bytes) is smaller than the line cap ({line} bytes); \
         raise the event cap or lower the line cap"
    )]
    EventCapBelowLineCap { line: usize, event: usize },
    /// Caps bound the memory held per input.
    #[error("a cap of {value} bytes is above the maximum of {max} bytes; choose a smaller cap")]
    CapTooLarge { value: usize, max: usize },
}

/// What a [`Splitter`] saw. Invariants: `lines == events + joined_lines` once the input is
/// finished, and `dropped_continuation_lines <= joined_lines`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SplitStats {
    /// Bytes fed, terminators included.
    pub bytes: u64,
    /// Physical lines: newlines, plus one for a final line without newline.
    pub lines: u64,
    /// Events delivered.
    pub events: u64,
    /// Lines longer than the line cap (head lines were cut; continuation lines dropped).
    pub truncated_lines: u64,
    /// Continuation lines attached to an event, kept in its tail or dropped.
    pub joined_lines: u64,
    /// Continuation lines counted in an event but left out of its tail by a cap.
    pub dropped_continuation_lines: u64,
}

impl SplitStats {
    /// Adds `other`'s counts to these, for inputs or chunks split separately.
    pub fn add(&mut self, other: &SplitStats) {
        self.bytes += other.bytes;
        self.lines += other.lines;
        self.events += other.events;
        self.truncated_lines += other.truncated_lines;
        self.joined_lines += other.joined_lines;
        self.dropped_continuation_lines += other.dropped_continuation_lines;
    }
}

/// Incremental splitter: feed it one whole buffer or consecutive chunks of a stream with
/// [`feed`](Self::feed), then call [`finish`](Self::finish) at the end of input. Every
/// byte fed is consumed; complete events go to the callback, which can stop the work by
/// returning [`ControlFlow::Break`].
///
/// Feeding a buffer whole or cut anywhere into chunks gives the same events and stats.
///
/// An event holds at most `u32::MAX` lines ([`Event::lines`] is a `u32`): a longer run of
/// continuation lines is cut there and goes on as a new event.
///
/// ```
/// use std::ops::ControlFlow;
/// use logsift::input::{SplitConfig, Splitter};
///
/// let mut heads = Vec::new();
/// let mut splitter = Splitter::new(SplitConfig::default(), 0, 1);
/// let mut on_event = |e: &logsift::input::Event<'_>| {
///     heads.push(String::from_utf8_lossy(e.head).into_owned());
///     ControlFlow::Continue(())
/// };
/// let _ = splitter.feed(b"ERROR boom\n\tat a.B.c(B.java:1)\nINFO o", &mut on_event);
/// let _ = splitter.feed(b"k\n", &mut on_event);
/// let _ = splitter.finish(&mut on_event);
/// assert_eq!(heads, ["ERROR boom", "INFO ok"]);
/// assert_eq!(splitter.stats().joined_lines, 1);
/// ```
#[derive(Debug)]
pub struct Splitter {
    cfg: SplitConfig,
    source: u32,
    next_line_no: u64,
    stats: SplitStats,
    /// The event still open at the end of the last chunk: head, tail, and the terminator of
    /// the last kept tail line (so the next joined line can be appended in place).
    carry: Vec<u8>,
    held: Option<Held>,
    partial: Partial,
    stopped: bool,
}

/// An event open across chunks, stored in `Splitter::carry`.
#[derive(Debug)]
struct Held {
    line_no: u64,
    lines: u32,
    head_len: usize,
    tail_end: usize,
    truncated: bool,
    dropping: bool,
}

/// An event open within the chunk being split; offsets into that chunk.
#[derive(Debug)]
struct Open {
    line_no: u64,
    lines: u32,
    head_start: usize,
    head_end: usize,
    tail_start: usize,
    tail_end: usize,
    /// At least one continuation line is in the tail (the tail can be empty when the only
    /// joined line was blank).
    kept: bool,
    truncated: bool,
    dropping: bool,
}

/// The unfinished last line of the chunks fed so far: its first `max_line_bytes + 1`
/// bytes (enough for a kept line and its `\r`), its full length and its last byte.
#[derive(Debug, Default)]
struct Partial {
    bytes: Vec<u8>,
    len: u64,
    last: u8,
}

impl Partial {
    fn extend(&mut self, data: &[u8], cap: usize) {
        let room = (cap + 1).saturating_sub(self.bytes.len());
        self.bytes.extend_from_slice(&data[..room.min(data.len())]);
        self.len += data.len() as u64;
        if let Some(&b) = data.last() {
            self.last = b;
        }
    }

    fn clear(&mut self) {
        self.bytes.clear();
        self.len = 0;
    }

    /// The line, ended by a newline (`terminated`) or by the end of input.
    fn line(&self, cap: usize, terminated: bool) -> Line<'_> {
        let cr = terminated && self.last == b'\r';
        let content_len = self.len - u64::from(cr);
        let truncated = content_len > cap as u64;
        // `content_len.min(cap) <= bytes.len()` because `bytes` holds `min(len, cap + 1)`.
        let view_len = content_len.min(cap as u64) as usize;
        Line {
            view: &self.bytes[..view_len.min(self.bytes.len())],
            terminator: match (terminated, cr) {
                (false, _) => b"",
                (true, true) => b"\r\n",
                (true, false) => b"\n",
            },
            truncated,
        }
    }
}

/// One complete physical line.
#[derive(Debug, Clone, Copy)]
struct Line<'b> {
    /// Content without terminator, capped at the line cap (all of it when not truncated).
    view: &'b [u8],
    /// `\n`, `\r\n`, or empty for a last line without newline.
    terminator: &'b [u8],
    truncated: bool,
}

/// The line `data[start..end]`, where `end` is its newline or, when `!terminated`, the end
/// of input (a `\r` before the end of input is content, not a terminator).
fn line_at(data: &[u8], start: usize, end: usize, cap: usize, terminated: bool) -> Line<'_> {
    let cr = terminated && end > start && data[end - 1] == b'\r';
    let content_end = end - usize::from(cr);
    let truncated = content_end - start > cap;
    let view_end = if truncated { start + cap } else { content_end };
    Line {
        view: &data[start..view_end],
        terminator: if !terminated {
            b""
        } else if cr {
            b"\r\n"
        } else {
            b"\n"
        },
        truncated,
    }
}

impl Splitter {
    /// A splitter for input number `source` whose first line is line `first_line_no`
    /// (1 for a whole input; the line number where a chunk starts otherwise).
    pub fn new(cfg: SplitConfig, source: u32, first_line_no: u64) -> Splitter {
        Splitter {
            cfg,
            source,
            next_line_no: first_line_no,
            stats: SplitStats::default(),
            carry: Vec::new(),
            held: None,
            partial: Partial::default(),
            stopped: false,
        }
    }

    /// Counts so far.
    pub fn stats(&self) -> SplitStats {
        self.stats
    }

    /// Splits `chunk`, the next bytes of the input, delivering every event that is complete.
    /// The last event stays open until a later line shows it has ended (or until
    /// [`finish`](Self::finish)), because the next line may continue it.
    ///
    /// Returns `Break` if the callback asked to stop, now or in an earlier call; nothing is
    /// delivered after that.
    pub fn feed<F>(&mut self, chunk: &[u8], mut f: F) -> ControlFlow<()>
    where
        F: FnMut(&Event<'_>) -> ControlFlow<()>,
    {
        if self.stopped {
            return ControlFlow::Break(());
        }
        let flow = self.feed_inner(chunk, &mut f);
        self.stopped = flow.is_break();
        flow
    }

    /// Ends the input: splits a last line without newline and delivers the open event.
    pub fn finish<F>(&mut self, mut f: F) -> ControlFlow<()>
    where
        F: FnMut(&Event<'_>) -> ControlFlow<()>,
    {
        if self.stopped {
            return ControlFlow::Break(());
        }
        let flow = self.finish_inner(&mut f);
        self.stopped = flow.is_break();
        flow
    }

    fn finish_inner<F>(&mut self, f: &mut F) -> ControlFlow<()>
    where
        F: FnMut(&Event<'_>) -> ControlFlow<()>,
    {
        if self.partial.len > 0 {
            let partial = std::mem::take(&mut self.partial);
            let flow = self.held_line(partial.line(self.cfg.max_line_bytes, false), f);
            self.partial = partial;
            self.partial.clear();
            flow?;
        }
        self.emit_held(f)
    }

    fn feed_inner<F>(&mut self, chunk: &[u8], f: &mut F) -> ControlFlow<()>
    where
        F: FnMut(&Event<'_>) -> ControlFlow<()>,
    {
        let cap = self.cfg.max_line_bytes;
        self.stats.bytes += chunk.len() as u64;
        let mut pos = 0;

        // 1. Finish the line left unfinished by the previous chunk.
        if self.partial.len > 0 {
            let Some(nl) = memchr(b'\n', chunk) else {
                self.partial.extend(chunk, cap);
                return ControlFlow::Continue(());
            };
            self.partial.extend(&chunk[..nl], cap);
            pos = nl + 1;
            let partial = std::mem::take(&mut self.partial);
            let flow = self.held_line(partial.line(cap, true), f);
            self.partial = partial;
            self.partial.clear();
            flow?;
        }

        // 2. Lines that continue the event held from earlier chunks are appended to it.
        while self.held.is_some() {
            let Some(i) = memchr(b'\n', &chunk[pos..]) else {
                break;
            };
            let nl = pos + i;
            let line = line_at(chunk, pos, nl, cap, true);
            if !self.held_joins(line.view) {
                self.emit_held(f)?;
                break;
            }
            self.held_line(line, f)?;
            pos = nl + 1;
        }

        // 3. Everything else up to the last newline, without copying.
        let (open, end) = self.split_lines(chunk, pos, f)?;

        // 4. Keep the open event and the unfinished line for the next chunk.
        if let Some(open) = open {
            self.hold(chunk, &open);
        }
        if end < chunk.len() {
            self.partial.extend(&chunk[end..], cap);
        }
        ControlFlow::Continue(())
    }

    /// Whether a line continues the held event.
    fn held_joins(&self, view: &[u8]) -> bool {
        self.held
            .as_ref()
            .is_some_and(|h| h.lines < u32::MAX && self.cfg.joins(view))
    }

    /// Splits the complete lines of `chunk[pos..]`. Returns the event still open after the
    /// last complete line and the offset just past that line.
    fn split_lines<F>(
        &mut self,
        chunk: &[u8],
        mut pos: usize,
        f: &mut F,
    ) -> ControlFlow<(), (Option<Open>, usize)>
    where
        F: FnMut(&Event<'_>) -> ControlFlow<()>,
    {
        let cap = self.cfg.max_line_bytes;
        let max_event = self.cfg.max_event_bytes;
        let multiline = self.cfg.multiline;
        let mut open: Option<Open> = None;
        for nl in Newlines::new(chunk, pos) {
            let content_end = if nl > pos && chunk[nl - 1] == b'\r' {
                nl - 1
            } else {
                nl
            };
            let truncated = content_end - pos > cap;
            let view_end = if truncated { pos + cap } else { content_end };
            self.stats.lines += 1;
            self.stats.truncated_lines += u64::from(truncated);

            let joins = match &open {
                Some(o) => {
                    multiline && o.lines < u32::MAX && is_continuation(&chunk[pos..view_end])
                }
                None => false,
            };
            match open.as_mut() {
                Some(o) if joins => {
                    o.lines += 1;
                    self.stats.joined_lines += 1;
                    let size = (o.head_end - o.head_start) + (content_end - o.tail_start);
                    if !o.dropping && !truncated && size <= max_event {
                        o.tail_end = content_end;
                        o.kept = true;
                    } else {
                        o.dropping = true;
                        o.truncated = true;
                        self.stats.dropped_continuation_lines += 1;
                    }
                }
                _ => {
                    if let Some(o) = open.take() {
                        self.emit_open(chunk, &o, f)?;
                    }
                    open = Some(Open {
                        line_no: self.next_line_no,
                        lines: 1,
                        head_start: pos,
                        head_end: view_end,
                        tail_start: nl + 1,
                        tail_end: nl + 1,
                        kept: false,
                        truncated,
                        dropping: false,
                    });
                }
            }
            self.next_line_no += 1;
            pos = nl + 1;
        }
        ControlFlow::Continue((open, pos))
    }

    /// Handles one complete line while the open event (if any) lives in `carry`.
    fn held_line<F>(&mut self, line: Line<'_>, f: &mut F) -> ControlFlow<()>
    where
        F: FnMut(&Event<'_>) -> ControlFlow<()>,
    {
        self.stats.lines += 1;
        self.stats.truncated_lines += u64::from(line.truncated);
        let line_no = self.next_line_no;
        self.next_line_no += 1;

        if self.held_joins(line.view) {
            let max_event = self.cfg.max_event_bytes;
            if let Some(h) = self.held.as_mut() {
                h.lines += 1;
                self.stats.joined_lines += 1;
                // `carry` holds head, tail and the pending terminator, so appending this
                // line makes the event `carry.len() + line` bytes long.
                if !h.dropping && !line.truncated && self.carry.len() + line.view.len() <= max_event
                {
                    self.carry.extend_from_slice(line.view);
                    h.tail_end = self.carry.len();
                    self.carry.extend_from_slice(line.terminator);
                } else {
                    h.dropping = true;
                    h.truncated = true;
                    self.stats.dropped_continuation_lines += 1;
                }
            }
            return ControlFlow::Continue(());
        }

        self.emit_held(f)?;
        self.carry.clear();
        self.carry.extend_from_slice(line.view);
        self.held = Some(Held {
            line_no,
            lines: 1,
            head_len: line.view.len(),
            tail_end: line.view.len(),
            truncated: line.truncated,
            dropping: false,
        });
        ControlFlow::Continue(())
    }

    /// Copies an event open at the end of `chunk` into `carry`.
    fn hold(&mut self, chunk: &[u8], o: &Open) {
        self.carry.clear();
        self.carry
            .extend_from_slice(&chunk[o.head_start..o.head_end]);
        let head_len = self.carry.len();
        let tail_len = o.tail_end - o.tail_start;
        if o.kept {
            // Keep the last kept line's terminator too, unless nothing more will be added.
            let terminator = if o.dropping {
                0
            } else if chunk[o.tail_end] == b'\r' {
                2
            } else {
                1
            };
            self.carry
                .extend_from_slice(&chunk[o.tail_start..o.tail_end + terminator]);
        }
        self.held = Some(Held {
            line_no: o.line_no,
            lines: o.lines,
            head_len,
            tail_end: head_len + tail_len,
            truncated: o.truncated,
            dropping: o.dropping,
        });
    }

    fn emit_open<F>(&mut self, chunk: &[u8], o: &Open, f: &mut F) -> ControlFlow<()>
    where
        F: FnMut(&Event<'_>) -> ControlFlow<()>,
    {
        self.stats.events += 1;
        f(&Event {
            source: self.source,
            line_no: o.line_no,
            lines: o.lines,
            head: &chunk[o.head_start..o.head_end],
            tail: &chunk[o.tail_start..o.tail_end],
            truncated: o.truncated,
        })
    }

    fn emit_held<F>(&mut self, f: &mut F) -> ControlFlow<()>
    where
        F: FnMut(&Event<'_>) -> ControlFlow<()>,
    {
        let Some(h) = self.held.take() else {
            return ControlFlow::Continue(());
        };
        self.stats.events += 1;
        f(&Event {
            source: self.source,
            line_no: h.line_no,
            lines: h.lines,
            head: &self.carry[..h.head_len],
            tail: &self.carry[h.head_len..h.tail_end],
            truncated: h.truncated,
        })
    }
}

/// Splits a whole buffer (`source`, first line 1) and returns the stats; a shorthand for
/// [`Splitter::feed`] plus [`Splitter::finish`].
pub fn split_all<F>(data: &[u8], source: u32, cfg: &SplitConfig, mut f: F) -> SplitStats
where
    F: FnMut(&Event<'_>) -> ControlFlow<()>,
{
    let mut splitter = Splitter::new(cfg.clone(), source, 1);
    if splitter.feed(data, &mut f).is_continue() {
        let _ = splitter.finish(&mut f);
    }
    splitter.stats()
}

/// Number of newlines in `data`: the line number offset of the bytes after it.
pub fn count_lines(data: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', data).count() as u64
}

/// Cuts `data` into chunks of about `target` bytes at event boundaries, for splitting the
/// chunks in parallel.
///
/// Returns strictly increasing offsets starting with 0 and, for non-empty data, ending with
/// `data.len()`; chunk `k` is `data[b[k]..b[k + 1]]`. Each cut is at the start of a line
/// that does not continue the line before it, so splitting each chunk with its own
/// [`Splitter`] (first line number `1 + count_lines(&data[..b[k]])`) gives exactly the
/// events of splitting `data` whole. A chunk grows past `target` while continuation lines
/// go on; one huge multi-line event stays one chunk.
pub fn chunk_boundaries(data: &[u8], target: usize, cfg: &SplitConfig) -> Vec<usize> {
    let mut cuts = vec![0];
    if data.is_empty() {
        return cuts;
    }
    let target = target.max(1);
    let mut start = 0usize;
    loop {
        let want = start.saturating_add(target);
        if want >= data.len() {
            break;
        }
        // The first line starting at or after `want`.
        let Some(i) = memchr(b'\n', &data[want - 1..]) else {
            break;
        };
        let mut cut = want + i;
        while cut < data.len() {
            let (end, terminated) = match memchr(b'\n', &data[cut..]) {
                Some(i) => (cut + i, true),
                None => (data.len(), false),
            };
            let line = line_at(data, cut, end, cfg.max_line_bytes, terminated);
            if !cfg.joins(line.view) {
                break;
            }
            cut = end + 1;
        }
        if cut >= data.len() {
            break;
        }
        cuts.push(cut);
        start = cut;
    }
    cuts.push(data.len());
    cuts
}

#[cfg(test)]
#[path = "split_tests.rs"]
mod tests;
