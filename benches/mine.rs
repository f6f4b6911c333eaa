//! Throughput of the masker and the miner on the message bodies of the Loghub fixtures.
//!
//! Setup (reading the fixtures, training a miner for the lookup bench) stays outside the
//! timed part. Each bench reports lines/s (`Throughput::Elements`) and, in the `_bytes`
//! groups, bytes/s.

#[path = "../tests/mine_common/mod.rs"]
mod mine_common;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use logsift::mask::{MaskedLine, Masker};
use logsift::mine::Miner;
use std::hint::black_box;
use std::path::Path;

fn corpus(only: Option<&str>) -> Vec<Vec<u8>> {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/loghub-2k"));
    let mut lines = Vec::new();
    for name in mine_common::dataset_names(dir) {
        if only.is_some_and(|o| o != name) {
            continue;
        }
        if let Ok(ds) = mine_common::load(dir, &name) {
            lines.extend(ds.contents.into_iter().map(String::into_bytes));
        }
    }
    lines
}

fn bench(c: &mut Criterion) {
    for (label, only) in [("mix", None), ("hdfs", Some("HDFS"))] {
        let lines = corpus(only);
        let bytes: u64 = lines.iter().map(|l| l.len() as u64 + 1).sum();
        for (suffix, tp) in [
            ("lines", Throughput::Elements(lines.len() as u64)),
            ("bytes", Throughput::Bytes(bytes)),
        ] {
            let mut g = c.benchmark_group(format!("{label}_{suffix}"));
            g.throughput(tp);
            g.bench_function("mask", |b| {
                let masker = Masker::default();
                let mut ml = MaskedLine::new();
                b.iter(|| {
                    for l in &lines {
                        masker.mask(black_box(l), &mut ml);
                        black_box(ml.skeleton_hash());
                    }
                })
            });
            g.bench_function("observe", |b| {
                b.iter_batched(
                    Miner::default,
                    |mut m| {
                        for l in &lines {
                            black_box(m.observe(l, None).cluster);
                        }
                        m
                    },
                    BatchSize::LargeInput,
                )
            });
            let mut trained = Miner::default();
            for l in &lines {
                trained.observe(l, None);
            }
            g.bench_function("observe_trained", |b| {
                b.iter_batched(
                    || trained.clone(),
                    |mut m| {
                        for l in &lines {
                            black_box(m.observe(l, None).cluster);
                        }
                        m
                    },
                    BatchSize::LargeInput,
                )
            });
            g.bench_function("lookup", |b| {
                let mut scratch = MaskedLine::new();
                b.iter(|| {
                    for l in &lines {
                        black_box(trained.lookup_with(l, &mut scratch));
                    }
                })
            });
            g.finish();
        }
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
