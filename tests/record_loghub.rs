//! Header detection on the loghub-2k fixtures: the message must equal the ground-truth
//! `Content` column (the line minus the header the dataset's Loghub format matches).
//!
//! Floors sit slightly below what detection reaches, so regressions fail while small,
//! deliberate trade-offs stay possible. Measured (and printed by
//! `cargo run --release --example header_table`): 100% on all datasets but HPC, whose
//! columns no generic rule can know (its timestamps are still found).

use std::path::{Path, PathBuf};

use logsift::record::{DetectOptions, HeaderFormat, SAMPLE_LINES, Timestamp, detect};

/// Datasets whose Content must come out exact without a `--log-format`, with their floors.
const AUTO_FLOORS: &[(&str, f64)] = &[
    ("HDFS", 0.995),
    ("Hadoop", 0.995),
    ("Spark", 0.995),
    ("Zookeeper", 0.995),
    ("Linux", 0.995),
    ("OpenSSH", 0.995),
    ("Apache", 0.995),
    ("BGL", 0.99),
];

/// Every dataset: timestamps must be found on every line, with or without `--log-format`.
const ALL: &[&str] = &[
    "HDFS",
    "Hadoop",
    "Spark",
    "Zookeeper",
    "BGL",
    "HPC",
    "Linux",
    "Apache",
    "OpenSSH",
];

/// A fixed reference time (2026-11-27T12:00:00Z) so runs do not depend on the clock.
const REF: i64 = 1_795_780_800_000;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/loghub-2k")
}

struct Dataset {
    lines: Vec<Vec<u8>>,
    contents: Vec<Vec<u8>>,
    log_format: String,
}

fn load(name: &str) -> Dataset {
    let d = dir().join(name);
    let raw = std::fs::read(d.join(format!("{name}_2k.log"))).unwrap();
    let mut lines: Vec<Vec<u8>> = raw.split(|&c| c == b'\n').map(<[u8]>::to_vec).collect();
    if lines.last().is_some_and(Vec::is_empty) {
        lines.pop();
    }
    let mut csv =
        csv::Reader::from_path(d.join(format!("{name}_2k.log_structured_corrected.csv"))).unwrap();
    let col = csv
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "Content")
        .unwrap();
    let contents: Vec<Vec<u8>> = csv
        .byte_records()
        .map(|r| r.unwrap().get(col).unwrap().to_vec())
        .collect();
    assert_eq!(lines.len(), contents.len(), "{name}: lines vs CSV rows");
    let formats: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir().join("formats.json")).unwrap()).unwrap();
    let log_format = formats["datasets"][name]["log_format"]
        .as_str()
        .unwrap()
        .to_owned();
    Dataset {
        lines,
        contents,
        log_format,
    }
}

fn detect_on(lines: &[Vec<u8>], opts: &DetectOptions) -> HeaderFormat {
    let sample: Vec<&[u8]> = lines.iter().take(SAMPLE_LINES).map(Vec::as_slice).collect();
    detect(&sample, opts)
}

/// (share of lines with message == Content, share with a timestamp)
fn shares(hf: &HeaderFormat, d: &Dataset) -> (f64, f64) {
    let (mut exact, mut ts) = (0usize, 0usize);
    for (line, content) in d.lines.iter().zip(&d.contents) {
        let r = hf.parse(line);
        exact += usize::from(*r.message == content[..]);
        ts += usize::from(r.ts.is_some());
    }
    let n = d.lines.len() as f64;
    (exact as f64 / n, ts as f64 / n)
}

fn opts() -> DetectOptions {
    DetectOptions::builder()
        .reference(Timestamp(REF))
        .build()
        .unwrap()
}

#[test]
fn detected_formats_give_exact_content() {
    for &(name, floor) in AUTO_FLOORS {
        let d = load(name);
        let (exact, _) = shares(&detect_on(&d.lines, &opts()), &d);
        assert!(
            exact >= floor,
            "{name}: {exact:.4} of lines exact, floor {floor}"
        );
    }
}

#[test]
fn detected_formats_find_every_timestamp() {
    for &name in ALL {
        let d = load(name);
        let (_, ts) = shares(&detect_on(&d.lines, &opts()), &d);
        assert_eq!(ts, 1.0, "{name}: timestamps on {ts:.4} of lines");
    }
}

#[test]
fn loghub_formats_give_exact_content_and_every_timestamp() {
    for &name in ALL {
        let d = load(name);
        let o = DetectOptions::builder()
            .reference(Timestamp(REF))
            .log_format(&d.log_format)
            .build()
            .unwrap();
        let (exact, ts) = shares(&detect_on(&d.lines, &o), &d);
        assert_eq!((exact, ts), (1.0, 1.0), "{name} with {:?}", d.log_format);
    }
}

#[test]
fn interleaved_datasets_keep_exact_content() {
    let data: Vec<(&str, Dataset)> = ALL.iter().map(|&n| (n, load(n))).collect();
    let mut lines = Vec::new();
    let mut source = Vec::new();
    for i in 0..2000 {
        for (k, (_, d)) in data.iter().enumerate() {
            lines.push(d.lines[i].clone());
            source.push((k, i));
        }
    }
    let hf = detect_on(&lines, &opts());
    for &(name, floor) in AUTO_FLOORS {
        let k = data.iter().position(|(n, _)| *n == name).unwrap();
        let (mut exact, mut total) = (0usize, 0usize);
        for (line, &(src, i)) in lines.iter().zip(&source) {
            if src == k {
                total += 1;
                exact += usize::from(*hf.parse(line).message == data[k].1.contents[i][..]);
            }
        }
        let share = exact as f64 / total as f64;
        assert!(share >= floor, "{name} within the mixed input: {share:.4}");
    }
    let with_ts = lines.iter().filter(|l| hf.parse(l).ts.is_some()).count();
    assert_eq!(with_ts, lines.len());
}
