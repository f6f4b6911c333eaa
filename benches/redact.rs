//! Redaction throughput: ordinary log lines (the common, nothing-to-do path), lines full of
//! secrets, injection attempts, and one long line. Setup (reading, building the redactor)
//! stays outside the timing.

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use logsift::redact::Redactor;

const LOGHUB: &[&str] = &[
    include_str!("../fixtures/loghub-2k/Apache/Apache_2k.log"),
    include_str!("../fixtures/loghub-2k/BGL/BGL_2k.log"),
    include_str!("../fixtures/loghub-2k/HDFS/HDFS_2k.log"),
    include_str!("../fixtures/loghub-2k/HPC/HPC_2k.log"),
    include_str!("../fixtures/loghub-2k/Hadoop/Hadoop_2k.log"),
    include_str!("../fixtures/loghub-2k/Linux/Linux_2k.log"),
    include_str!("../fixtures/loghub-2k/OpenSSH/OpenSSH_2k.log"),
    include_str!("../fixtures/loghub-2k/Spark/Spark_2k.log"),
    include_str!("../fixtures/loghub-2k/Zookeeper/Zookeeper_2k.log"),
];
const SECRETS: &str = include_str!("../fixtures/secrets/secrets.log");
const INJECTION: &str = include_str!("../fixtures/injection/injection.log");

fn lines_bench(c: &mut Criterion, name: &str, lines: &[&str]) {
    let bytes: usize = lines.iter().map(|l| l.len() + 1).sum();
    let mut g = c.benchmark_group("redact");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function(format!("{name} ({} lines)", lines.len()), |b| {
        b.iter_batched_ref(
            Redactor::default,
            |r| {
                for l in lines {
                    std::hint::black_box(r.redact_cow(l));
                }
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

fn benches(c: &mut Criterion) {
    let loghub: Vec<&str> = LOGHUB.iter().flat_map(|f| f.lines()).collect();
    lines_bench(c, "loghub lines", &loghub);
    lines_bench(c, "secret lines", &SECRETS.lines().collect::<Vec<_>>());
    lines_bench(c, "injection lines", &INJECTION.lines().collect::<Vec<_>>());

    // One 1 MB line of ordinary text: the cost of `--redact-output` on a long report line.
    let long: String = loghub.join(" ").chars().take(1 << 20).collect();
    let mut g = c.benchmark_group("redact");
    g.throughput(Throughput::Bytes(long.len() as u64));
    g.sample_size(20);
    g.bench_function("one 1 MB line", |b| {
        b.iter_batched_ref(
            Redactor::default,
            |r| std::hint::black_box(r.redact_cow(&long).len()),
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

criterion_group!(redact, benches);
criterion_main!(redact);
