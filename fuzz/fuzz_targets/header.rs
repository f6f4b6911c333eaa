//! Header format detection and record parsing (`logsift::record`).
//!
//! The first byte holds the options: per-line fallback, the number of formats detection may
//! keep, and whether the first line of the input is a `--log-format` string (compiled with
//! [`LogFormat::parse`] through [`DetectOptions`], as the command line does). The rest is a
//! log. Its heads are sampled the way `app` samples an input (the peek window, at most
//! [`SAMPLE_LINES`] events), [`detect`] picks the formats, and [`HeaderFormat::parse`] splits
//! every event head. Parsing must be deterministic and the fields it borrows must lie inside
//! the line.

#![no_main]

use std::borrow::Cow;
use std::ops::ControlFlow;

use libfuzzer_sys::fuzz_target;
use logsift::input::{PEEK_BYTES, SplitConfig, split_all};
use logsift::record::{
    DetectOptions, HeaderFormat, LogFormat, MAX_FORMATS_LIMIT, SAMPLE_LINES, Timestamp, detect,
};

/// A fixed reference time (2026-11-27T00:00:00Z), so that year inference does not depend on
/// the clock and a crash reproduces.
const REFERENCE: Timestamp = Timestamp(1_795_737_600_000);

fn inside(part: &[u8], whole: &[u8]) -> bool {
    let (p, w) = (part.as_ptr() as usize, whole.as_ptr() as usize);
    part.is_empty() || (p >= w && p + part.len() <= w + whole.len())
}

fuzz_target!(|input: &[u8]| {
    let [flags, rest @ ..] = input else {
        return;
    };
    let mut builder = DetectOptions::builder()
        .reference(REFERENCE)
        .per_line_fallback(flags & 1 == 0)
        .max_formats(usize::from((flags >> 1) & 0x0f) % MAX_FORMATS_LIMIT + 1);
    let mut data = rest;
    if flags & 0x20 != 0 {
        let (format, after) = match rest.iter().position(|&c| c == b'\n') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, &[][..]),
        };
        let format = String::from_utf8_lossy(format);
        // The format on its own, and through the options as the command line passes it.
        if let Ok(f) = LogFormat::parse(&format) {
            assert_eq!(f.source(), format);
            assert!(f.field_names().any(|n| n.eq_ignore_ascii_case("content")));
        }
        builder = builder.log_format(format.into_owned());
        data = after;
    }
    let Ok(opts) = builder.build() else {
        return;
    };
    let split = SplitConfig::default();

    // The sample, as `app::detect_format` takes it from an input's first bytes.
    let peek = &data[..data.len().min(PEEK_BYTES)];
    let whole = match peek.iter().rposition(|&c| c == b'\n') {
        Some(i) if peek.len() >= PEEK_BYTES => &peek[..=i],
        _ => peek,
    };
    let mut sample: Vec<Vec<u8>> = Vec::new();
    split_all(whole, 0, &split, |e| {
        sample.push(e.head.to_vec());
        if sample.len() < SAMPLE_LINES {
            ControlFlow::Continue(())
        } else {
            ControlFlow::Break(())
        }
    });
    let heads: Vec<&[u8]> = sample.iter().map(Vec::as_slice).collect();
    let format = detect(&heads, &opts);
    assert!(!format.name().is_empty());
    assert_eq!(
        detect(&heads, &opts).name(),
        format.name(),
        "detection is deterministic"
    );

    split_all(data, 0, &split, |e| {
        let line = e.head;
        let r = format.parse(line);
        assert_eq!(format.parse(line), r, "parsing is deterministic");
        if let Some(c) = r.component {
            assert!(inside(c, line), "component outside the line");
        }
        if let Cow::Borrowed(m) = &r.message {
            assert!(inside(m, line), "message outside the line");
        }
        // With no format at all, every line is all message.
        let plain = HeaderFormat::none().parse(line);
        assert!(plain.ts.is_none() && plain.level.is_none() && plain.component.is_none());
        ControlFlow::Continue(())
    });

    // Times copied from the log (`--since`, `--incident-start`): the start of each head.
    for h in heads.iter().take(8) {
        let end = h.len().min(40);
        if let Ok(text) = std::str::from_utf8(&h[..end]) {
            let _ = format.parse_time(text, &opts);
        }
    }
});
