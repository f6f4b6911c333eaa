//! Throughput of the masker + miner on a file of message bodies (one per line), on one core.
//!
//! ```text
//! cargo run --release --example mine_throughput -- FILE [--passes N]
//! ```
//! Prints lines/s, MB/s and the number of templates (clusters) at the end. The file is read
//! into memory first; only mining is timed. `--mask-only` times the masker alone;
//! `--max-clusters N` sets the eviction cap; `--warm` mines the file once untimed first, so
//! the timed pass measures a trained miner.

use logsift::mine::Miner;
use std::io::Write;
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("mine_throughput: error: give a file of message bodies, one per line");
        std::process::exit(2);
    };
    let mut passes = 1usize;
    let mut mask_only = false;
    let mut warm = false;
    let mut max_clusters = logsift::mine::config::DEFAULT_MAX_CLUSTERS;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--passes" => passes = args.next().and_then(|n| n.parse().ok()).unwrap_or(1),
            "--mask-only" => mask_only = true,
            "--warm" => warm = true,
            "--max-clusters" => {
                max_clusters = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(max_clusters)
            }
            _ => {}
        }
    }
    let data = match std::fs::read(&path) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("mine_throughput: error: {path}: {e}");
            std::process::exit(2);
        }
    };
    if mask_only {
        let masker = logsift::mask::Masker::default();
        let mut ml = logsift::mask::MaskedLine::new();
        let start = Instant::now();
        let (mut lines, mut toks) = (0u64, 0u64);
        for line in lines_of(&data) {
            masker.mask(line, &mut ml);
            toks += ml.len() as u64 + (ml.skeleton_hash() & 1);
            lines += 1;
        }
        let secs = start.elapsed().as_secs_f64();
        let _ = writeln!(
            std::io::stdout(),
            "mask only: {lines} lines, {toks} tokens in {secs:.3} s = {:.2} M lines/s",
            lines as f64 / secs / 1e6
        );
        return;
    }
    for pass in 0..passes.max(1) {
        let cfg = match logsift::mine::MinerConfig::builder()
            .max_clusters(max_clusters)
            .build()
        {
            Ok(c) => c,
            Err(e) => {
                eprintln!("mine_throughput: error: {e}");
                std::process::exit(2);
            }
        };
        let mut miner = Miner::new(cfg);
        if warm {
            for line in lines_of(&data) {
                miner.observe(line, None);
            }
        }
        let start = Instant::now();
        let mut lines = 0u64;
        let mut params = 0u64;
        for line in lines_of(&data) {
            let obs = miner.observe(line, None);
            params += obs.params().len() as u64;
            lines += 1;
            if lines % 65_536 == 0 {
                miner.take_evicted();
            }
            if lines % 65_536 == 0 {
                miner.take_evicted();
            }
        }
        let secs = start.elapsed().as_secs_f64();
        let st = miner.stats();
        let _ = writeln!(
            std::io::stdout(),
            "pass {pass}: {lines} lines in {secs:.3} s = {:.2} M lines/s, {:.0} MB/s; templates {}, created {}, merged {}, evicted {}, searches {}, params {params}",
            lines as f64 / secs / 1e6,
            data.len() as f64 / secs / 1e6,
            st.clusters,
            st.created,
            st.merged,
            st.evicted,
            st.searches
        );
    }
    // Peak resident memory of the process (Linux), for the memory bound.
    if let Ok(status) = std::fs::read_to_string("/proc/self/status") {
        if let Some(l) = status.lines().find(|l| l.starts_with("VmHWM")) {
            let _ = writeln!(
                std::io::stdout(),
                "peak memory (including the input file): {}",
                l.trim_start_matches("VmHWM:").trim()
            );
        }
    }
}

/// Non-empty lines of `data`, split with memchr as the input stage does.
fn lines_of(data: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut start = 0;
    memchr::memchr_iter(b'\n', data)
        .chain(std::iter::once(data.len()))
        .map(move |end| {
            let l = &data[start..end];
            start = end + 1;
            l
        })
        .filter(|l| !l.is_empty())
}
