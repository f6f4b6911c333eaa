//! Tests of the splitter: every rule on small inputs, then properties against a plain
//! line-by-line model of the rules.

use std::ops::ControlFlow;

use proptest::prelude::*;

use super::*;

/// An owned copy of an [`Event`], for comparing.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Ev {
    source: u32,
    line_no: u64,
    lines: u32,
    head: Vec<u8>,
    tail: Vec<u8>,
    truncated: bool,
}

impl Ev {
    fn of(e: &Event<'_>) -> Ev {
        Ev {
            source: e.source,
            line_no: e.line_no,
            lines: e.lines,
            head: e.head.to_vec(),
            tail: e.tail.to_vec(),
            truncated: e.truncated,
        }
    }
}

fn cfg(line: usize, event: usize, multiline: bool) -> SplitConfig {
    match SplitConfig::builder()
        .max_line_bytes(line)
        .max_event_bytes(event)
        .multiline(multiline)
        .build()
    {
        Ok(c) => c,
        Err(e) => panic!("test config rejected: {e}"),
    }
}

fn split_with(data: &[u8], cfg: &SplitConfig) -> (Vec<Ev>, SplitStats) {
    let mut out = Vec::new();
    let stats = split_all(data, 7, cfg, |e| {
        out.push(Ev::of(e));
        ControlFlow::Continue(())
    });
    (out, stats)
}

fn split(data: &str) -> (Vec<Ev>, SplitStats) {
    split_with(data.as_bytes(), &SplitConfig::default())
}

/// Feeds `data` in pieces cut at `cuts` (offsets, any order, out of range ignored).
fn split_chunked(data: &[u8], cfg: &SplitConfig, cuts: &[usize]) -> (Vec<Ev>, SplitStats) {
    let mut cuts: Vec<usize> = cuts.iter().copied().filter(|&c| c <= data.len()).collect();
    cuts.push(0);
    cuts.push(data.len());
    cuts.sort_unstable();
    let mut out = Vec::new();
    let mut splitter = Splitter::new(cfg.clone(), 7, 1);
    let mut f = |e: &Event<'_>| {
        out.push(Ev::of(e));
        ControlFlow::Continue(())
    };
    for w in cuts.windows(2) {
        let _ = splitter.feed(&data[w[0]..w[1]], &mut f);
    }
    let _ = splitter.finish(&mut f);
    (out, splitter.stats())
}

fn heads(events: &[Ev]) -> Vec<String> {
    events
        .iter()
        .map(|e| String::from_utf8_lossy(&e.head).into_owned())
        .collect()
}

/// Physical lines of `data`: newlines, plus one for a last line without newline.
fn physical_lines(data: &[u8]) -> u64 {
    count_lines(data) + u64::from(data.last().is_some_and(|&b| b != b'\n'))
}

#[test]
fn empty_input_has_no_events() {
    let (events, stats) = split("");
    assert!(events.is_empty());
    assert_eq!(stats, SplitStats::default());
}

#[test]
fn lines_become_events_with_numbers_and_source() {
    let (events, stats) = split("one\ntwo\nthree\n");
    assert_eq!(heads(&events), ["one", "two", "three"]);
    assert_eq!(
        events.iter().map(|e| e.line_no).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    assert!(
        events
            .iter()
            .all(|e| e.source == 7 && e.lines == 1 && e.tail.is_empty())
    );
    assert_eq!(stats.lines, 3);
    assert_eq!(stats.events, 3);
    assert_eq!(stats.bytes, 14);
}

#[test]
fn last_line_without_newline_is_kept() {
    let (events, stats) = split("a\nb");
    assert_eq!(heads(&events), ["a", "b"]);
    assert_eq!(events[1].line_no, 2);
    assert_eq!(stats.lines, 2);
}

#[test]
fn only_newlines_are_one_blank_event_or_one_event_each() {
    let (events, stats) = split("\n\n\n");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].head, b"");
    assert_eq!(events[0].lines, 3);
    assert_eq!(stats.lines, 3);
    assert_eq!(stats.joined_lines, 2);

    let (events, _) = split_with(b"\n\n\n", &cfg(64, 64, false));
    assert_eq!(events.len(), 3);
    assert!(events.iter().all(|e| e.head.is_empty() && e.lines == 1));
}

#[test]
fn crlf_is_removed_from_head_and_kept_inside_tail() {
    let (events, _) = split("a\r\nb\r\n");
    assert_eq!(heads(&events), ["a", "b"]);

    let (events, _) = split("E boom\r\n\tat x\r\n\tat y\r\nN\r\n");
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].head, b"E boom");
    assert_eq!(events[0].tail, b"\tat x\r\n\tat y");
    assert_eq!(events[0].lines, 3);
    assert_eq!(events[1].head, b"N");
}

#[test]
fn carriage_returns_not_before_a_newline_are_content() {
    let (events, _) = split("a\rb\nc\r");
    assert_eq!(events[0].head, b"a\rb");
    assert_eq!(events[1].head, b"c\r");
    let (events, _) = split("x\r\r\n");
    assert_eq!(events[0].head, b"x\r");
}

#[test]
fn nul_and_invalid_utf8_are_plain_bytes() {
    let data = b"a\0b\n\0\n\xff\xfe\n";
    let (events, stats) = split_with(data, &SplitConfig::default());
    assert_eq!(events.len(), 3);
    assert_eq!(events[0].head, b"a\0b");
    assert_eq!(events[1].head, b"\0");
    assert_eq!(events[2].head, b"\xff\xfe");
    assert_eq!(stats.lines, 3);
}

#[test]
fn line_cap_is_exact() {
    let c = cfg(4, 8, true);
    let (events, stats) = split_with(b"abcd\n", &c);
    assert_eq!(events[0].head, b"abcd");
    assert!(!events[0].truncated);
    assert_eq!(stats.truncated_lines, 0);

    let (events, stats) = split_with(b"abcde\nnext\n", &c);
    assert_eq!(events[0].head, b"abcd");
    assert!(events[0].truncated);
    assert_eq!(heads(&events), ["abcd", "next"]);
    assert_eq!(stats.truncated_lines, 1);

    // The `\r` of a CRLF terminator does not count against the cap.
    let (events, stats) = split_with(b"abcd\r\n", &c);
    assert_eq!(events[0].head, b"abcd");
    assert_eq!(stats.truncated_lines, 0);
}

#[test]
fn event_cap_is_exact_and_drops_whole_lines() {
    let c = cfg(4, 8, true);
    // head 4 + tail " xyz" 4 = 8: fits.
    let (events, stats) = split_with(b"abcd\n xyz\n", &c);
    assert_eq!(events[0].tail, b" xyz");
    assert!(!events[0].truncated);
    assert_eq!(stats.dropped_continuation_lines, 0);

    // head 4 + tail " xyz\n q" 7 = 11: the second continuation line is dropped, and so is
    // every later one, even short ones, so that the tail stays contiguous.
    let (events, stats) = split_with(b"abcd\n xyz\n q\n\n r\nnext\n", &c);
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].tail, b" xyz");
    assert_eq!(events[0].lines, 5);
    assert!(events[0].truncated);
    assert_eq!(stats.joined_lines, 4);
    assert_eq!(stats.dropped_continuation_lines, 3);
    assert_eq!(events[1].line_no, 6);
}

#[test]
fn too_long_continuation_line_is_dropped_and_counted() {
    let c = cfg(4, 64, true);
    let (events, stats) = split_with(b"E\n  toolong\n ok\nN\n", &c);
    assert_eq!(events[0].head, b"E");
    assert_eq!(events[0].tail, b"");
    assert_eq!(events[0].lines, 3);
    assert!(events[0].truncated);
    assert_eq!(stats.truncated_lines, 1);
    assert_eq!(stats.dropped_continuation_lines, 2);
    assert_eq!(heads(&events), ["E", "N"]);
}

#[test]
fn continuation_looking_lines_at_the_start_are_an_event() {
    let (events, _) = split("  indented\nnext\n");
    assert_eq!(heads(&events), ["  indented", "next"]);

    let (events, _) = split("\tat a.B.c(B.java:1)\n\tat a.B.d(B.java:2)\nINFO x\n");
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].head, b"\tat a.B.c(B.java:1)");
    assert_eq!(events[0].tail, b"\tat a.B.d(B.java:2)");
}

#[test]
fn java_stack_trace_with_causes_is_one_event() {
    let trace = "\
2024-03-01 12:00:00,123 ERROR [main] c.e.App - request failed
java.lang.IllegalStateException: could not save order 42
\tat com.example.OrderService.save(OrderService.java:88)
\tat com.example.App.main(App.java:12)
Caused by: java.sql.SQLException: connection reset
\tat org.h2.Driver.run(Driver.java:301)
\tat com.example.OrderService.save(OrderService.java:80)
\t... 5 more
Caused by: java.net.SocketException: broken pipe
\tat java.base/sun.nio.ch.Net.poll(Native Method)
... 12 more
2024-03-01 12:00:01,000 INFO  [main] c.e.App - retrying
";
    let (events, stats) = split(trace);
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].lines, 11);
    assert!(
        events[0]
            .tail
            .starts_with(b"java.lang.IllegalStateException")
    );
    assert!(events[0].tail.ends_with(b"... 12 more"));
    assert_eq!(events[1].line_no, 12);
    assert_eq!(stats.joined_lines, 10);
}

#[test]
fn python_traceback_is_one_event_even_when_chained() {
    let trace = "\
2024-03-01 12:00:00 ERROR worker crashed
Traceback (most recent call last):
  File \"/app/worker.py\", line 10, in run
    value = int(raw)
ValueError: invalid literal for int() with base 10: 'x'

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File \"/app/worker.py\", line 12, in run
    raise RuntimeError(\"bad input\")
RuntimeError: bad input
2024-03-01 12:00:01 INFO worker restarted
";
    let (events, _) = split(trace);
    assert_eq!(heads(&events).len(), 2);
    assert_eq!(events[0].lines, 12);
    assert!(events[0].tail.ends_with(b"RuntimeError: bad input"));
}

#[test]
fn go_goroutine_dump_is_one_event() {
    let dump = "\
panic: runtime error: index out of range [5] with length 3

goroutine 1 [running]:
main.lookup(...)
\t/app/main.go:8
main.main()
\t/app/main.go:14 +0x1d
created by main.start in goroutine 1
\t/app/main.go:20 +0x25

goroutine 7 [chan receive]:
net/http.(*conn).serve(0xc0000a6000, {0x6f0c38, 0xc0000b2000})
\t/usr/local/go/src/net/http/server.go:1995 +0x1d
exit status 2
";
    let (events, _) = split(dump);
    assert_eq!(
        heads(&events),
        [
            "panic: runtime error: index out of range [5] with length 3",
            "exit status 2"
        ]
    );
    assert_eq!(events[0].lines, 13);
}

#[test]
fn multiline_off_makes_every_line_an_event() {
    let (events, stats) = split_with(b"E\n\tat x\nCaused by: y\n", &cfg(64, 64, false));
    assert_eq!(heads(&events), ["E", "\tat x", "Caused by: y"]);
    assert_eq!(stats.joined_lines, 0);
}

#[test]
fn first_line_number_can_be_given() {
    let mut nos = Vec::new();
    let mut s = Splitter::new(SplitConfig::default(), 0, 100);
    let _ = s.feed(b"a\nb\n", |e: &Event<'_>| {
        nos.push(e.line_no);
        ControlFlow::Continue(())
    });
    let _ = s.finish(|e: &Event<'_>| {
        nos.push(e.line_no);
        ControlFlow::Continue(())
    });
    assert_eq!(nos, [100, 101]);
}

#[test]
fn break_stops_delivery() {
    let mut seen = 0;
    let mut s = Splitter::new(SplitConfig::default(), 0, 1);
    let mut f = |_: &Event<'_>| {
        seen += 1;
        if seen == 2 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    };
    assert!(s.feed(b"a\nb\nc\nd\n", &mut f).is_break());
    assert!(s.feed(b"e\n", &mut f).is_break());
    assert!(s.finish(&mut f).is_break());
    assert_eq!(seen, 2);
}

#[test]
fn streaming_memory_stays_within_the_caps() {
    let c = cfg(1024, 4096, true);
    let mut s = Splitter::new(c, 0, 1);
    let mut events = 0u64;
    let mut f = |e: &Event<'_>| {
        events += 1;
        assert!(e.head.len() + e.tail.len() <= 4096);
        ControlFlow::Continue(())
    };
    // One 8 MiB line, then a 100k-line stack trace, in 4 KiB chunks.
    let chunk = vec![b'x'; 4096];
    let _ = s.feed(b"start ", &mut f);
    for _ in 0..2048 {
        let _ = s.feed(&chunk, &mut f);
        assert!(s.partial.bytes.capacity() <= 2 * 1025);
    }
    let _ = s.feed(b"\nE\n", &mut f);
    let frames = b"\tat a.B.c(B.java:1)\n".repeat(200);
    for _ in 0..500 {
        let _ = s.feed(&frames, &mut f);
        assert!(s.carry.len() <= 4096 + 2);
    }
    let _ = s.finish(&mut f);
    let stats = s.stats();
    assert_eq!(stats.lines, 2 + 100_000);
    assert_eq!(stats.truncated_lines, 1);
    assert_eq!(events, 2);
}

#[test]
fn config_is_validated() {
    assert_eq!(
        SplitConfig::builder().max_line_bytes(0).build(),
        Err(SplitConfigError::ZeroLineCap)
    );
    assert!(matches!(
        SplitConfig::builder()
            .max_line_bytes(10)
            .max_event_bytes(9)
            .build(),
        Err(SplitConfigError::EventCapBelowLineCap { line: 10, event: 9 })
    ));
    assert!(matches!(
        SplitConfig::builder()
            .max_event_bytes(MAX_CAP_BYTES + 1)
            .build(),
        Err(SplitConfigError::CapTooLarge { .. })
    ));
    assert_eq!(SplitConfig::builder().build(), Ok(SplitConfig::default()));
}

#[test]
fn chunk_boundaries_cut_only_before_event_starts() {
    let data = b"a\nb\n\tat x\n\tat y\nc\nd\n";
    let c = SplitConfig::default();
    let cuts = chunk_boundaries(data, 3, &c);
    assert_eq!(cuts.first(), Some(&0));
    assert_eq!(cuts.last(), Some(&data.len()));
    for &cut in &cuts[1..cuts.len() - 1] {
        assert_eq!(data[cut - 1], b'\n');
        assert!(!is_continuation(&data[cut..cut + 1]));
    }
    assert!(!cuts.contains(&7) && !cuts.contains(&12));
    assert_eq!(chunk_boundaries(b"", 3, &c), [0]);
    assert_eq!(chunk_boundaries(b"abc", 100, &c), [0, 3]);
}

/// The rules written as plainly as possible: one owned line at a time.
fn model(data: &[u8], cfg: &SplitConfig) -> (Vec<Ev>, u64) {
    let cap = cfg.max_line_bytes();
    let mut lines: Vec<(&[u8], &[u8])> = Vec::new(); // (content, terminator)
    let mut rest = data;
    while !rest.is_empty() {
        match rest.iter().position(|&b| b == b'\n') {
            Some(i) => {
                let (content, term): (&[u8], &[u8]) = if i > 0 && rest[i - 1] == b'\r' {
                    (&rest[..i - 1], b"\r\n")
                } else {
                    (&rest[..i], b"\n")
                };
                lines.push((content, term));
                rest = &rest[i + 1..];
            }
            None => {
                lines.push((rest, b""));
                rest = &[];
            }
        }
    }
    let mut events: Vec<Ev> = Vec::new();
    let mut pending_term: Vec<u8> = Vec::new();
    let mut dropping = false;
    for (no, (content, term)) in lines.iter().enumerate() {
        let view = &content[..content.len().min(cap)];
        let long = content.len() > cap;
        match events.last_mut() {
            Some(ev) if cfg.multiline() && is_continuation(view) => {
                ev.lines += 1;
                let mut tail = ev.tail.clone();
                tail.extend_from_slice(&pending_term);
                tail.extend_from_slice(content);
                if !dropping && !long && ev.head.len() + tail.len() <= cfg.max_event_bytes() {
                    ev.tail = tail;
                    pending_term = term.to_vec();
                } else {
                    dropping = true;
                    ev.truncated = true;
                }
            }
            _ => {
                events.push(Ev {
                    source: 7,
                    line_no: no as u64 + 1,
                    lines: 1,
                    head: view.to_vec(),
                    tail: Vec::new(),
                    truncated: long,
                });
                pending_term.clear();
                dropping = false;
            }
        }
    }
    (events, lines.len() as u64)
}

/// Bytes that exercise the rules: newlines, CR, blanks, NUL, and pieces of continuation
/// markers, mixed with arbitrary bytes.
fn log_bytes() -> impl Strategy<Value = Vec<u8>> {
    const PIECES: [&[u8]; 13] = [
        b"\n",
        b"\r\n",
        b"\r",
        b" ",
        b"\t",
        b"\0",
        b"at ",
        b"Caused by: x",
        b"... 3 more",
        b"java.io.IOException: e",
        b"main.main()",
        b"2024-01-01 INFO ok",
        b" INFO ",
    ];
    // Cheaper to generate (and shrink) than a `prop_oneof!` of pieces.
    proptest::collection::vec((0usize..20, any::<u8>()), 0..60).prop_map(|picks| {
        let mut out = Vec::new();
        for (pick, byte) in picks {
            match PIECES.get(pick) {
                Some(piece) => out.extend_from_slice(piece),
                None => out.push(byte),
            }
        }
        out
    })
}

fn small_cfg() -> impl Strategy<Value = SplitConfig> {
    (1usize..24, 0usize..48, any::<bool>())
        .prop_map(|(line, extra, multiline)| cfg(line, line + extra, multiline))
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..512),
                                   c in small_cfg()) {
        let (events, stats) = split_with(&data, &c);
        prop_assert_eq!(stats.events, events.len() as u64);
    }

    #[test]
    fn splitter_matches_the_model(data in log_bytes(), c in small_cfg()) {
        let (events, stats) = split_with(&data, &c);
        let (expected, lines) = model(&data, &c);
        prop_assert_eq!(&events, &expected);
        prop_assert_eq!(stats.lines, lines);
    }

    #[test]
    fn chunked_feeding_equals_whole(data in log_bytes(), c in small_cfg(),
                                    cuts in proptest::collection::vec(0usize..600, 0..12)) {
        let whole = split_with(&data, &c);
        let chunked = split_chunked(&data, &c, &cuts);
        prop_assert_eq!(whole, chunked);
    }

    #[test]
    fn byte_at_a_time_equals_whole(data in log_bytes(), c in small_cfg()) {
        let cuts: Vec<usize> = (0..data.len()).collect();
        prop_assert_eq!(split_with(&data, &c), split_chunked(&data, &c, &cuts));
    }

    #[test]
    fn every_physical_line_is_accounted_once(data in log_bytes(), c in small_cfg()) {
        let (events, stats) = split_with(&data, &c);
        let lines = physical_lines(&data);
        prop_assert_eq!(stats.lines, lines);
        prop_assert_eq!(events.iter().map(|e| u64::from(e.lines)).sum::<u64>(), lines);
        prop_assert_eq!(stats.lines, stats.events + stats.joined_lines);
        prop_assert!(stats.dropped_continuation_lines <= stats.joined_lines);
        for e in &events {
            prop_assert!(e.head.len() <= c.max_line_bytes());
            prop_assert!(e.head.len() + e.tail.len() <= c.max_event_bytes());
            prop_assert!(!e.head.contains(&b'\n'));
        }
    }

    #[test]
    fn multiline_off_gives_one_event_per_line(data in log_bytes(), line in 1usize..24) {
        let c = cfg(line, line, false);
        let (events, stats) = split_with(&data, &c);
        prop_assert_eq!(events.len() as u64, physical_lines(&data));
        prop_assert!(events.iter().all(|e| e.lines == 1 && e.tail.is_empty()));
        prop_assert_eq!(stats.joined_lines, 0);
    }

    #[test]
    fn chunks_split_separately_equal_the_whole(data in log_bytes(), c in small_cfg(),
                                               target in 1usize..64) {
        let whole = split_with(&data, &c).0;
        let cuts = chunk_boundaries(&data, target, &c);
        let mut pieces = Vec::new();
        for w in cuts.windows(2) {
            let first = 1 + count_lines(&data[..w[0]]);
            let mut s = Splitter::new(c.clone(), 7, first);
            let mut f = |e: &Event<'_>| { pieces.push(Ev::of(e)); ControlFlow::Continue(()) };
            let _ = s.feed(&data[w[0]..w[1]], &mut f);
            let _ = s.finish(&mut f);
        }
        prop_assert_eq!(whole, pieces);
    }
}
