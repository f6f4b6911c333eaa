//! Throughput of the window accumulator and the cost of one analysis.
//!
//! `observe`: events per second fed into `WindowCounts` (in time order, a few out of order,
//! two variable slots per event, one of them an id). `analyse`: one full analysis with an
//! automatic window over an hour of 200 templates. Setup stays outside the timing.

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use logsift::record::{Level, Timestamp};
use logsift::score::{self, ClusterInfo, ScoreConfig, WindowSpec};
use logsift::window::{Group, WindowConfig, WindowCounts};

const T0: i64 = 1_700_000_000_000;
const EVENTS: u64 = 200_000;

/// A deterministic event stream: (time, cluster, status value, id value).
fn stream(n: u64) -> Vec<(i64, u32, &'static [u8], Vec<u8>)> {
    let statuses: [&[u8]; 4] = [b"200", b"200", b"404", b"503"];
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..n)
        .map(|i| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // About 50 events per second over the run, one in 100 a few seconds late.
            let jitter = if x % 100 == 0 { -3_000 } else { 0 };
            let t = T0 + (i as i64) * 20 + jitter;
            let cluster = ((x >> 8) % 200) as u32;
            let status = statuses[((x >> 20) % 4) as usize];
            (
                t,
                cluster,
                status,
                format!("req-{}", x % 1_000_000).into_bytes(),
            )
        })
        .collect()
}

fn bench_observe(c: &mut Criterion) {
    let events = stream(EVENTS);
    let mut g = c.benchmark_group("window");
    g.throughput(Throughput::Elements(EVENTS));
    g.sample_size(10);
    g.bench_function("observe", |b| {
        b.iter_batched(
            || WindowCounts::new(WindowConfig::default()).ok(),
            |w| {
                let Some(mut w) = w else { return 0 };
                for (t, cluster, status, id) in &events {
                    let params: [(u16, &[u8]); 2] = [(0, status), (1, id.as_slice())];
                    w.observe(
                        Group::Target,
                        Some(Timestamp(*t)),
                        *cluster,
                        Some(Level::Info),
                        &params,
                    );
                }
                w.count_entries()
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

fn bench_analyse(c: &mut Criterion) {
    let events = stream(EVENTS);
    let Ok(mut w) = WindowCounts::new(WindowConfig::default()) else {
        return;
    };
    for (k, (t, cluster, status, id)) in events.iter().enumerate() {
        // The last fifth: cluster 7 spikes and cluster 9 turns to 503.
        let late = k as u64 > EVENTS * 4 / 5;
        let cluster = if late && k % 50 == 0 { 7 } else { *cluster };
        let status: &[u8] = if late && cluster == 9 { b"503" } else { status };
        let params: [(u16, &[u8]); 2] = [(0, status), (1, id.as_slice())];
        w.observe(Group::Target, Some(Timestamp(*t)), cluster, None, &params);
    }
    let clusters: Vec<ClusterInfo> = (0..200)
        .map(|i| ClusterInfo {
            id: i,
            template: format!("template {i} status=<*> id=<*>"),
            level: None,
            first_seen: None,
            last_seen: None,
            samples: Vec::new(),
        })
        .collect();
    let cfg = ScoreConfig::default();
    let mut g = c.benchmark_group("score");
    g.sample_size(10);
    g.bench_function("analyse_auto_200_templates", |b| {
        b.iter(|| score::analyse(&w, &clusters, &WindowSpec::Auto, &cfg).map(|a| a.flagged.len()))
    });
    g.finish();
}

criterion_group!(benches, bench_observe, bench_analyse);
criterion_main!(benches);
