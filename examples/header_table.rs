//! Measures header detection on the Loghub-2k datasets.
//!
//! For each dataset in `DIR/formats.json` it detects the header format from the first lines of
//! `<Name>_2k.log` (no `--log-format`), splits every line, and reports the share of lines whose
//! message equals the `Content` column of `<Name>_2k.log_structured_corrected.csv`, the share
//! with a timestamp, and the detected format; then the same with the dataset's `log_format`.
//!
//! ```text
//! cargo run --release --example header_table [-- DIR] [--show N]
//! ```
//!
//! `--show N` prints the first N lines per dataset whose message differs from `Content`.

use std::error::Error;
use std::path::{Path, PathBuf};

use logsift::record::{DetectOptions, HeaderFormat, SAMPLE_LINES, detect};

struct Dataset {
    name: String,
    lines: Vec<Vec<u8>>,
    contents: Vec<Vec<u8>>,
    log_format: String,
}

struct Score {
    /// Per line: whether the message equals Content.
    exact_lines: Vec<bool>,
    exact: usize,
    with_ts: usize,
    total: usize,
    format: String,
}

fn load(dir: &Path, name: &str, spec: &serde_json::Value) -> Result<Dataset, Box<dyn Error>> {
    let file = |key: &str| -> Result<PathBuf, Box<dyn Error>> {
        let rel = spec["files"][key]
            .as_str()
            .ok_or_else(|| format!("{name}: formats.json has no files.{key}"))?;
        Ok(dir.join(rel))
    };
    let raw = std::fs::read(file("log")?)?;
    let mut lines: Vec<Vec<u8>> = raw.split(|&c| c == b'\n').map(<[u8]>::to_vec).collect();
    if lines.last().is_some_and(Vec::is_empty) {
        lines.pop();
    }
    let mut reader = csv::Reader::from_path(file("structured")?)?;
    let col = reader
        .headers()?
        .iter()
        .position(|h| h == "Content")
        .ok_or_else(|| format!("{name}: the structured CSV has no Content column"))?;
    let mut contents = Vec::new();
    for row in reader.byte_records() {
        contents.push(row?.get(col).unwrap_or_default().to_vec());
    }
    if contents.len() != lines.len() {
        return Err(format!(
            "{name}: {} log lines but {} CSV rows",
            lines.len(),
            contents.len()
        )
        .into());
    }
    let log_format = spec["log_format"]
        .as_str()
        .ok_or_else(|| format!("{name}: formats.json has no log_format"))?
        .to_owned();
    Ok(Dataset {
        name: name.to_owned(),
        lines,
        contents,
        log_format,
    })
}

fn score(d: &Dataset, opts: &DetectOptions, show: usize) -> Score {
    let sample: Vec<&[u8]> = d
        .lines
        .iter()
        .take(SAMPLE_LINES)
        .map(Vec::as_slice)
        .collect();
    let hf: HeaderFormat = detect(&sample, opts);
    let (mut exact, mut with_ts, mut shown) = (0, 0, 0);
    let mut exact_lines = Vec::with_capacity(d.lines.len());
    for (line, content) in d.lines.iter().zip(&d.contents) {
        let r = hf.parse(line);
        exact_lines.push(*r.message == content[..]);
        if *r.message == content[..] {
            exact += 1;
        } else if shown < show {
            shown += 1;
            eprintln!(
                "{} [{}]\n  line:    {}\n  message: {}\n  Content: {}",
                d.name,
                hf.name(),
                String::from_utf8_lossy(line),
                String::from_utf8_lossy(&r.message),
                String::from_utf8_lossy(content)
            );
        }
        with_ts += usize::from(r.ts.is_some());
    }
    Score {
        exact_lines,
        exact,
        with_ts,
        total: d.lines.len(),
        format: hf.name().to_owned(),
    }
}

fn pct(n: usize, total: usize) -> String {
    format!("{:.2}%", 100.0 * n as f64 / total.max(1) as f64)
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut dir = PathBuf::from("fixtures/loghub-2k");
    let mut show = 0;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--show" {
            show = args
                .next()
                .and_then(|n| n.parse().ok())
                .ok_or("--show needs a number")?;
        } else {
            dir = PathBuf::from(a);
        }
    }
    let spec: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("formats.json")).map_err(|e| {
            format!(
                "cannot read {}: {e}; pass the loghub-2k directory",
                dir.join("formats.json").display()
            )
        })?)?;
    let datasets = spec["datasets"]
        .as_object()
        .ok_or("formats.json has no datasets object")?;
    let auto_opts = DetectOptions::builder().build()?;
    println!(
        "| dataset | auto: Content exact | auto: timestamps | auto: detected format | log_format: Content exact | log_format: timestamps |"
    );
    println!("|---|---|---|---|---|---|");
    let mut all = Vec::new();
    for (name, ds) in datasets {
        let d = load(&dir, name, ds)?;
        let auto = score(&d, &auto_opts, show);
        let user_opts = DetectOptions::builder().log_format(&d.log_format).build()?;
        let user = score(&d, &user_opts, show);
        println!(
            "| {} | {} | {} | `{}` | {} | {} |",
            d.name,
            pct(auto.exact, auto.total),
            pct(auto.with_ts, auto.total),
            auto.format,
            pct(user.exact, user.total),
            pct(user.with_ts, user.total),
        );
        all.push(d);
    }
    // All datasets interleaved line by line, as one input: detection keeps several formats
    // and the per-line fallback handles the rest.
    let mut mixed = Dataset {
        name: "mixed (all interleaved)".to_owned(),
        lines: Vec::new(),
        contents: Vec::new(),
        log_format: String::new(),
    };
    let longest = all.iter().map(|d| d.lines.len()).max().unwrap_or(0);
    let mut source = Vec::new();
    for i in 0..longest {
        for (k, d) in all.iter().enumerate() {
            if let (Some(l), Some(c)) = (d.lines.get(i), d.contents.get(i)) {
                mixed.lines.push(l.clone());
                mixed.contents.push(c.clone());
                source.push(k);
            }
        }
    }
    let m = score(&mixed, &auto_opts, show);
    println!(
        "| {} | {} | {} | `{}` | | |",
        mixed.name,
        pct(m.exact, m.total),
        pct(m.with_ts, m.total),
        m.format
    );
    let per_source: Vec<String> = all
        .iter()
        .enumerate()
        .map(|(k, d)| {
            let of = |f: &dyn Fn(usize) -> bool| {
                (0..source.len())
                    .filter(|&i| source[i] == k && f(i))
                    .count()
            };
            format!(
                "{} {}",
                d.name,
                pct(of(&|i| m.exact_lines[i]), of(&|_| true))
            )
        })
        .collect();
    println!(
        "\nmixed input, Content exact by source: {}",
        per_source.join(", ")
    );
    Ok(())
}
