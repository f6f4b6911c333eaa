//! Throughput of the whole pipeline on a file: `logsift templates` (read, split, parse
//! headers, mask, mine, count) with one and two threads, and the main job (the same plus
//! time buckets, scoring and the offline summary).
//!
//! The corpus is the nine Loghub 2k samples interleaved line by line and repeated to about
//! 16 MiB, written to a temporary file outside the timed part (so the file is mapped and in
//! the page cache, as for a log read twice).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use logsift::app::{self, AnalyseConfig, MineConfig, ReadConfig};
use logsift::input::InputSpec;
use logsift::llm::LlmConfig;
use std::hint::black_box;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Target size of the generated corpus.
const CORPUS_BYTES: usize = 16 << 20;

fn corpus(dir: &Path) -> (PathBuf, u64) {
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/loghub-2k"));
    let mut names: Vec<PathBuf> = std::fs::read_dir(root)
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    names.retain(|p| p.is_dir());
    names.sort();
    let logs: Vec<Vec<String>> = names
        .iter()
        .filter_map(|d| {
            let name = d.file_name()?.to_string_lossy().into_owned();
            let text = std::fs::read_to_string(d.join(format!("{name}_2k.log"))).ok()?;
            Some(text.lines().map(str::to_owned).collect())
        })
        .collect();
    let path = dir.join("loghub-mix.log");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path).expect("corpus file"));
    let mut written = 0usize;
    let mut i = 0usize;
    while written < CORPUS_BYTES && !logs.is_empty() {
        for l in &logs {
            if let Some(line) = l.get(i % l.len().max(1)) {
                writeln!(out, "{line}").expect("write corpus");
                written += line.len() + 1;
            }
        }
        i += 1;
    }
    out.flush().expect("flush corpus");
    (path, written as u64)
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, bytes) = corpus(dir.path());
    let read = ReadConfig::new(vec![InputSpec::Path(path)]);
    let mut g = c.benchmark_group("pipeline");
    g.throughput(Throughput::Bytes(bytes));
    g.sample_size(10);
    for threads in [1, 2] {
        // As the command line runs them: no state is saved, so no slot value summaries.
        let cfg = MineConfig {
            threads,
            track_values: false,
            ..MineConfig::default()
        };
        g.bench_function(format!("templates_threads{threads}"), |b| {
            b.iter(|| {
                let mined = app::mine(black_box(&read), &cfg, None).expect("mines");
                black_box(mined.miner.len())
            })
        });
    }
    let llm = LlmConfig::default();
    for threads in [1, 2] {
        let cfg = AnalyseConfig {
            mine: MineConfig {
                threads,
                track_values: false,
                ..MineConfig::default()
            },
            ..AnalyseConfig::default()
        };
        g.bench_function(format!("main_job_threads{threads}"), |b| {
            b.iter(|| {
                let analysed = app::analyse(black_box(&read), &cfg).expect("analyses");
                let summary = app::summarize(&analysed, &llm, None);
                black_box(summary)
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
