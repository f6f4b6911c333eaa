//! Line splitting, line and event caps, and multi-line joining (`logsift::input`).
//!
//! The first three bytes choose the caps and how the data is cut into chunks; the rest is the
//! input. One input is split four ways that must agree: whole ([`split_all`]), fed chunk by
//! chunk to one [`Splitter`], cut at [`chunk_boundaries`] and split per chunk, and streamed
//! through [`Input::from_reader`] (which also decompresses data that starts with a gzip or
//! zstd magic number, and decodes UTF-16 after a byte-order mark: those events must be the
//! split of the input decoded here with the standard library). The counts must add up: every
//! line in exactly one event, kept bytes within the input, heads and events within their caps.

#![no_main]

use std::io::Cursor;
use std::ops::ControlFlow;

use libfuzzer_sys::fuzz_target;
use logsift::input::{
    Compression, Event, Input, SplitConfig, SplitStats, Splitter, chunk_boundaries, count_lines,
    split_all,
};

/// An event copied out of the splitter's callback, for comparing runs.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Owned {
    line_no: u64,
    lines: u32,
    head: Vec<u8>,
    tail: Vec<u8>,
    truncated: bool,
}

impl Owned {
    fn of(e: &Event<'_>) -> Owned {
        Owned {
            line_no: e.line_no,
            lines: e.lines,
            head: e.head.to_vec(),
            tail: e.tail.to_vec(),
            truncated: e.truncated,
        }
    }
}

/// Small caps most of the time, so that inputs of a few hundred bytes reach them.
fn config(a: u8, b: u8, flags: u8) -> Option<SplitConfig> {
    let line = if a == 0xff {
        logsift::input::DEFAULT_MAX_LINE_BYTES
    } else {
        usize::from(a % 64) + 1
    };
    let event = if b == 0xff {
        logsift::input::DEFAULT_MAX_EVENT_BYTES
    } else {
        line + usize::from(b) * 4
    };
    SplitConfig::builder()
        .max_line_bytes(line)
        .max_event_bytes(event)
        .multiline(flags & 1 == 0)
        .build()
        .ok()
}

/// `data` decoded from UTF-16 to UTF-8 when it starts with a byte-order mark (the mark
/// dropped; unpaired surrogates and an odd last byte as U+FFFD), else `None`.
fn utf16_decoded(data: &[u8]) -> Option<Vec<u8>> {
    let unit: fn([u8; 2]) -> u16 = match data.get(..2)? {
        [0xff, 0xfe] => u16::from_le_bytes,
        [0xfe, 0xff] => u16::from_be_bytes,
        _ => return None,
    };
    let body = &data[2..];
    let units = body.chunks_exact(2).map(|c| unit([c[0], c[1]]));
    let mut text: String = char::decode_utf16(units)
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect();
    if body.len() % 2 == 1 {
        text.push(char::REPLACEMENT_CHARACTER);
    }
    Some(text.into_bytes())
}

fn collect_all(data: &[u8], cfg: &SplitConfig) -> (Vec<Owned>, SplitStats) {
    let mut events = Vec::new();
    let stats = split_all(data, 0, cfg, |e| {
        events.push(Owned::of(e));
        ControlFlow::Continue(())
    });
    (events, stats)
}

fuzz_target!(|input: &[u8]| {
    let [a, b, flags, data @ ..] = input else {
        return;
    };
    let Some(cfg) = config(*a, *b, *flags) else {
        return;
    };

    // 1. Whole.
    let (events, stats) = collect_all(data, &cfg);
    assert_eq!(stats.bytes, data.len() as u64);
    let physical = count_lines(data) + u64::from(data.last().is_some_and(|&c| c != b'\n'));
    assert_eq!(stats.lines, physical, "every line counted once");
    assert_eq!(stats.events, events.len() as u64);
    assert_eq!(stats.lines, stats.events + stats.joined_lines);
    assert!(stats.dropped_continuation_lines <= stats.joined_lines);
    assert!(stats.truncated_lines <= stats.lines);
    let mut next_line = 1;
    let mut kept = 0usize;
    for e in &events {
        assert_eq!(e.line_no, next_line, "events cover the lines in order");
        assert!(e.lines >= 1);
        next_line += u64::from(e.lines);
        assert!(e.head.len() <= cfg.max_line_bytes());
        assert!(e.head.len() + e.tail.len() <= cfg.max_event_bytes());
        assert!(!e.head.contains(&b'\n'));
        if !cfg.multiline() {
            assert_eq!(e.lines, 1);
            assert!(e.tail.is_empty());
        }
        kept += e.head.len() + e.tail.len();
    }
    assert!(kept <= data.len(), "kept {kept} bytes of {}", data.len());
    let sum_lines: u64 = events.iter().map(|e| u64::from(e.lines)).sum();
    assert_eq!(sum_lines, stats.lines);

    // 2. Fed in chunks of varying sizes: the same events and counts.
    let mut chunked = Vec::new();
    let mut splitter = Splitter::new(cfg.clone(), 0, 1);
    let mut on_event = |e: &Event<'_>| {
        chunked.push(Owned::of(e));
        ControlFlow::Continue(())
    };
    let mut rest = data;
    let mut step = usize::from(flags >> 1) + 1;
    while !rest.is_empty() {
        let n = step.min(rest.len());
        let _ = splitter.feed(&rest[..n], &mut on_event);
        rest = &rest[n..];
        step = step * 5 % 37 + 1;
    }
    let _ = splitter.finish(&mut on_event);
    assert_eq!(splitter.stats(), stats, "chunked counts differ");
    assert_eq!(chunked, events, "chunked events differ");

    // 3. Cut at event boundaries, each piece split on its own.
    let target = usize::from(*b) + 1;
    let cuts = chunk_boundaries(data, target, &cfg);
    assert_eq!(cuts.first(), Some(&0));
    if !data.is_empty() {
        assert_eq!(cuts.last(), Some(&data.len()));
    }
    assert!(cuts.windows(2).all(|w| w[0] < w[1]));
    let mut pieces = Vec::new();
    let mut piece_stats = SplitStats::default();
    for w in cuts.windows(2) {
        let first = 1 + count_lines(&data[..w[0]]);
        let mut s = Splitter::new(cfg.clone(), 0, first);
        let mut f = |e: &Event<'_>| {
            pieces.push(Owned::of(e));
            ControlFlow::Continue(())
        };
        let _ = s.feed(&data[w[0]..w[1]], &mut f);
        let _ = s.finish(&mut f);
        piece_stats.add(&s.stats());
    }
    assert_eq!(pieces, events, "pieces split apart differ");
    assert_eq!(piece_stats, stats);

    // 4. Streamed through an input, which sniffs compression and peeks first.
    let Ok(mut input) = Input::from_reader("fuzz", Cursor::new(data.to_vec())) else {
        return;
    };
    let decoded = match input.compression() {
        Compression::None => Some(utf16_decoded(data).unwrap_or_else(|| data.to_vec())),
        _ => None,
    };
    let plain = decoded.is_some();
    let peeked = input.peek().len();
    let mut streamed = Vec::new();
    let mut budget = 4 << 20;
    let result = input.for_each_event(0, &cfg, |e| {
        budget -= (e.head.len() + e.tail.len()).min(budget);
        if !plain {
            // Decompressed data can be large: stop after a few MiB.
            return if budget == 0 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            };
        }
        streamed.push(Owned::of(e));
        ControlFlow::Continue(())
    });
    if let Some(text) = decoded {
        assert!(peeked <= text.len());
        let s = result.expect("reading a buffer cannot fail");
        let (events, stats) = collect_all(&text, &cfg);
        assert_eq!(s, stats);
        assert_eq!(streamed, events, "streamed events differ");
    }
});
