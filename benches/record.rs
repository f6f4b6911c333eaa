//! Throughput of header splitting over the loghub-2k logs (detection kept outside the timing).
//!
//! `cargo bench --bench record`; bytes/s per dataset, plus lines/s over all datasets together.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use logsift::record::{DetectOptions, HeaderFormat, SAMPLE_LINES, detect};

/// Every `*_2k.log` under fixtures/loghub-2k, with its lines.
fn datasets() -> Vec<(String, Vec<Vec<u8>>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/loghub-2k");
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return out;
    };
    let mut names: Vec<String> = entries
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for name in names {
        let Ok(raw) = std::fs::read(dir.join(&name).join(format!("{name}_2k.log"))) else {
            continue;
        };
        let lines = raw
            .split(|&c| c == b'\n')
            .filter(|l| !l.is_empty())
            .map(<[u8]>::to_vec)
            .collect();
        out.push((name, lines));
    }
    out
}

fn detect_lines(lines: &[Vec<u8>], opts: &DetectOptions) -> HeaderFormat {
    let sample: Vec<&[u8]> = lines.iter().take(SAMPLE_LINES).map(Vec::as_slice).collect();
    detect(&sample, opts)
}

fn bytes_of(lines: &[Vec<u8>]) -> u64 {
    lines.iter().map(|l| l.len() as u64 + 1).sum()
}

fn run(hf: &HeaderFormat, lines: &[Vec<u8>]) {
    for l in lines {
        black_box(hf.parse(black_box(l)));
    }
}

fn bench(c: &mut Criterion) {
    let data = datasets();
    let opts = DetectOptions::default();
    let detected: Vec<HeaderFormat> = data.iter().map(|(_, l)| detect_lines(l, &opts)).collect();

    let mut g = c.benchmark_group("record/parse");
    for ((name, lines), hf) in data.iter().zip(&detected) {
        g.throughput(Throughput::Bytes(bytes_of(lines)));
        g.bench_function(name.as_str(), |b| b.iter(|| run(hf, lines)));
    }
    g.finish();

    let all_lines: u64 = data.iter().map(|(_, l)| l.len() as u64).sum();
    let all_bytes: u64 = data.iter().map(|(_, l)| bytes_of(l)).sum();
    let mut g = c.benchmark_group("record/all");
    g.throughput(Throughput::Elements(all_lines));
    g.bench_function("lines", |b| {
        b.iter(|| {
            for ((_, lines), hf) in data.iter().zip(&detected) {
                run(hf, lines);
            }
        })
    });
    g.throughput(Throughput::Bytes(all_bytes));
    g.bench_function("bytes", |b| {
        b.iter(|| {
            for ((_, lines), hf) in data.iter().zip(&detected) {
                run(hf, lines);
            }
        })
    });
    // All datasets interleaved as one input: several formats plus the per-line fallback.
    let longest = data.iter().map(|(_, l)| l.len()).max().unwrap_or(0);
    let mixed: Vec<Vec<u8>> = (0..longest)
        .flat_map(|i| data.iter().filter_map(move |(_, l)| l.get(i).cloned()))
        .collect();
    let hf = detect_lines(&mixed, &opts);
    g.throughput(Throughput::Elements(mixed.len() as u64));
    g.bench_function("mixed_lines", |b| b.iter(|| run(&hf, &mixed)));
    g.finish();

    // User formats go through a regex: slower, measured separately.
    let formats: serde_json::Value = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/loghub-2k/formats.json"),
    )
    .ok()
    .and_then(|raw| serde_json::from_slice(&raw).ok())
    .unwrap_or_default();
    let mut g = c.benchmark_group("record/log_format");
    for (name, lines) in &data {
        let Some(f) = formats["datasets"][name]["log_format"].as_str() else {
            continue;
        };
        let Ok(user) = DetectOptions::builder().log_format(f).build() else {
            continue;
        };
        let hf = detect_lines(lines, &user);
        g.throughput(Throughput::Elements(lines.len() as u64));
        g.bench_function(name.as_str(), |b| b.iter(|| run(&hf, lines)));
    }
    g.finish();

    let mut g = c.benchmark_group("record/detect");
    let (name, lines) = &data[data.len() / 2];
    g.throughput(Throughput::Elements(SAMPLE_LINES as u64));
    g.bench_function(name.as_str(), |b| {
        b.iter(|| detect_lines(black_box(lines), &opts))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
