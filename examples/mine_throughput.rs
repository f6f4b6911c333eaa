//! Throughput of the masker + miner on a file of message bodies (one per line), on one core.
//!
//! ```text
//! cargo run --release --example mine_throughput -- FILE [--passes N]
//! ```
//! Prints lines/s, MB/s and the number of templates (clusters) at the end. The file is read
//! into memory first; only mining is timed.

use logsift::mine::Miner;
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("mine_throughput: error: give a file of message bodies, one per line");
        std::process::exit(2);
    };
    let mut passes = 1usize;
    let mut mask_only = false;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--passes" => passes = args.next().and_then(|n| n.parse().ok()).unwrap_or(1),
            "--mask-only" => mask_only = true,
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
        for line in data.split(|&b| b == b'\n') {
            masker.mask(line, &mut ml);
            toks += ml.len() as u64 + (ml.skeleton_hash() & 1);
            lines += 1;
        }
        let secs = start.elapsed().as_secs_f64();
        println!(
            "mask only: {lines} lines, {toks} tokens in {secs:.3} s = {:.2} M lines/s",
            lines as f64 / secs / 1e6
        );
        return;
    }
    for pass in 0..passes.max(1) {
        let mut miner = Miner::default();
        let start = Instant::now();
        let mut lines = 0u64;
        let mut params = 0u64;
        for line in data.split(|&b| b == b'\n') {
            if line.is_empty() {
                continue;
            }
            let obs = miner.observe(line, None);
            params += obs.params().len() as u64;
            lines += 1;
        }
        let secs = start.elapsed().as_secs_f64();
        let st = miner.stats();
        println!(
            "pass {pass}: {lines} lines in {secs:.3} s = {:.2} M lines/s, {:.0} MB/s; templates {}, created {}, merged {}, evicted {}, params {params}",
            lines as f64 / secs / 1e6,
            data.len() as f64 / secs / 1e6,
            st.clusters,
            st.created,
            st.merged,
            st.evicted
        );
    }
}
