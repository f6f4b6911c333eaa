//! Throughput of the input layer: splitting a buffer into events (the mmap path), streaming
//! through a reader, and cutting chunks for parallel work, against `memchr` counting the
//! newlines as the floor.
//!
//! Two corpora, built before timing starts: the Loghub 2k samples repeated to about 8 MiB
//! (single-line logs), and generated Java service logs where every fifth event carries a
//! stack trace with a `Caused by:` section.

use std::hint::black_box;
use std::io::{Cursor, Read, Write};
use std::ops::ControlFlow;
use std::path::Path;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use logsift::input::{Input, SplitConfig, chunk_boundaries, count_lines, split_all};

/// Corpus size: large enough to leave the caches, small enough to build quickly.
const CORPUS_BYTES: usize = 8 * 1024 * 1024;

fn loghub_corpus() -> Vec<u8> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/loghub-2k");
    let mut once = Vec::new();
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    dirs.sort();
    for dir in dirs {
        let Some(name) = dir.file_name().map(|n| n.to_string_lossy().into_owned()) else {
            continue;
        };
        if let Ok(bytes) = std::fs::read(dir.join(format!("{name}_2k.log"))) {
            once.extend_from_slice(&bytes);
            if !once.ends_with(b"\n") {
                once.push(b'\n');
            }
        }
    }
    assert!(
        !once.is_empty(),
        "Loghub samples not found under {}",
        root.display()
    );
    repeat_to(&once, CORPUS_BYTES)
}

fn java_corpus() -> Vec<u8> {
    let mut once = Vec::new();
    for i in 0..2000u32 {
        let _ = writeln!(
            once,
            "2024-03-01 12:{:02}:{:02},{:03} INFO  [http-nio-8080-exec-{}] c.e.OrderController - order {} accepted for customer {}",
            i / 60 % 60,
            i % 60,
            i % 1000,
            i % 16,
            i * 7,
            i % 97
        );
        if i % 5 == 4 {
            let _ = writeln!(
                once,
                "2024-03-01 12:{:02}:{:02},{:03} ERROR [http-nio-8080-exec-{}] c.e.OrderController - request failed\n\
                 java.lang.IllegalStateException: could not save order {}",
                i / 60 % 60,
                i % 60,
                i % 1000,
                i % 16,
                i * 7
            );
            for frame in 0..12 {
                let _ = writeln!(
                    once,
                    "\tat com.example.layer{frame}.Service.call(Service.java:{})",
                    10 + frame
                );
            }
            let _ = writeln!(once, "Caused by: java.sql.SQLException: Connection reset");
            for frame in 0..6 {
                let _ = writeln!(
                    once,
                    "\tat org.h2.engine.Session{frame}.run(Session.java:{})",
                    100 + frame
                );
            }
            let _ = writeln!(once, "\t... 9 more");
        }
    }
    repeat_to(&once, CORPUS_BYTES)
}

fn repeat_to(once: &[u8], size: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(size + once.len());
    while out.len() < size {
        out.extend_from_slice(once);
    }
    out
}

fn count_events(data: &[u8], cfg: &SplitConfig) -> u64 {
    let mut events = 0u64;
    split_all(data, 0, cfg, |e| {
        events += u64::from(e.lines) + e.head.len() as u64;
        ControlFlow::Continue(())
    });
    events
}

fn bench_input(c: &mut Criterion) {
    let loghub = loghub_corpus();
    let java = java_corpus();
    let multiline = SplitConfig::default();
    let single = SplitConfig::builder()
        .multiline(false)
        .build()
        .unwrap_or_default();

    let mut group = c.benchmark_group("input");
    for (name, data) in [("loghub", &loghub), ("java", &java)] {
        group.throughput(Throughput::Bytes(data.len() as u64));
        group.bench_function(format!("memchr_count_lines/{name}"), |b| {
            b.iter(|| count_lines(black_box(data)))
        });
        group.bench_function(format!("split_multiline/{name}"), |b| {
            b.iter(|| count_events(black_box(data), &multiline))
        });
        group.bench_function(format!("split_single_line/{name}"), |b| {
            b.iter(|| count_events(black_box(data), &single))
        });
        group.bench_function(format!("stream_reader/{name}"), |b| {
            b.iter_batched(
                || Cursor::new(data.clone()),
                |reader| {
                    let mut input = match Input::from_reader("bench", reader) {
                        Ok(input) => input,
                        Err(e) => panic!("{e}"),
                    };
                    let mut events = 0u64;
                    let _ = input.for_each_event(0, &multiline, |_| {
                        events += 1;
                        ControlFlow::Continue(())
                    });
                    events
                },
                BatchSize::LargeInput,
            )
        });
        group.bench_function(format!("chunk_boundaries_1MiB/{name}"), |b| {
            b.iter(|| chunk_boundaries(black_box(data), 1024 * 1024, &multiline).len())
        });
    }

    let gz = {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        let _ = enc.write_all(&loghub);
        enc.finish().unwrap_or_default()
    };
    let zst = zstd::encode_all(&loghub[..], 3).unwrap_or_default();
    group.throughput(Throughput::Bytes(loghub.len() as u64));
    // The decoders alone, read into the same 1 MiB buffer: the floor for the two above.
    group.bench_function("decode_only_gzip/loghub", |b| {
        b.iter(|| drain(flate2::read::MultiGzDecoder::new(Cursor::new(&gz[..]))))
    });
    group.bench_function("decode_only_zstd/loghub", |b| {
        b.iter(
            || match zstd::stream::read::Decoder::new(Cursor::new(&zst[..])) {
                Ok(decoder) => drain(decoder),
                Err(e) => panic!("{e}"),
            },
        )
    });
    for (name, compressed) in [("gzip", gz), ("zstd", zst)] {
        group.bench_function(format!("stream_{name}/loghub"), |b| {
            b.iter_batched(
                || Cursor::new(compressed.clone()),
                |reader| {
                    let mut input = match Input::from_reader("bench", reader) {
                        Ok(input) => input,
                        Err(e) => panic!("{e}"),
                    };
                    let mut events = 0u64;
                    let _ = input.for_each_event(0, &multiline, |_| {
                        events += 1;
                        ControlFlow::Continue(())
                    });
                    events
                },
                BatchSize::LargeInput,
            )
        });
    }
    group.finish();
}

/// Reads `reader` to the end through a 1 MiB buffer; returns the byte count.
fn drain(mut reader: impl Read) -> usize {
    let mut buf = vec![0u8; 1024 * 1024];
    let mut total = 0;
    while let Ok(n @ 1..) = reader.read(&mut buf) {
        total += n;
    }
    total
}

criterion_group!(benches, bench_input);
criterion_main!(benches);
