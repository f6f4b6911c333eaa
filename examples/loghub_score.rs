//! Mine the Loghub 2k samples with one default miner per dataset, write per-line predictions
//! in the benchmark's JSONL format, and print GA, FGA, PA and FTA per dataset and on average.
//!
//! ```text
//! cargo run --release --example loghub_score -- [--data fixtures/loghub-2k] [--out OUT] [--worst N]
//! ```
//! `--worst N` also prints, per dataset, the N largest ground-truth groups that were not
//! grouped exactly, and the N most frequent template text mismatches.

#[path = "../tests/mine_common/mod.rs"]
mod mine_common;

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;

fn main() {
    if let Err(e) = run() {
        eprintln!("loghub_score: error: {e}");
        std::process::exit(2);
    }
}

fn run() -> Result<(), String> {
    let mut data = PathBuf::from("fixtures/loghub-2k");
    let mut out: Option<PathBuf> = None;
    let mut worst = 0usize;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--data" => data = args.next().ok_or("--data needs a folder")?.into(),
            "--out" => out = Some(args.next().ok_or("--out needs a folder")?.into()),
            "--worst" => {
                worst = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .ok_or("--worst needs a number")?
            }
            "-h" | "--help" => {
                println!("usage: loghub_score [--data DIR] [--out DIR] [--worst N]");
                return Ok(());
            }
            other => return Err(format!("unknown argument {other:?}; see --help")),
        }
    }
    let names = mine_common::dataset_names(&data);
    if names.is_empty() {
        return Err(format!(
            "no dataset under {}; pass --data fixtures/loghub-2k",
            data.display()
        ));
    }
    if let Some(o) = &out {
        std::fs::create_dir_all(o).map_err(|e| format!("{}: {e}", o.display()))?;
    }
    println!(
        "{:<10} {:>6} {:>5} {:>5} {:>6} {:>6} {:>6} {:>6}",
        "dataset", "lines", "gt", "pred", "GA", "FGA", "PA", "FTA"
    );
    let mut sum = [0.0f64; 4];
    for name in &names {
        let ds = mine_common::load(&data, name)?;
        let (ids, templates) = mine_common::mine(&ds);
        if let Some(o) = &out {
            let path = o.join(format!("{name}.jsonl"));
            let mut f = std::io::BufWriter::new(
                std::fs::File::create(&path).map_err(|e| format!("{}: {e}", path.display()))?,
            );
            for (i, (id, t)) in ids.iter().zip(&templates).enumerate() {
                let row = serde_json::json!({"line_no": i + 1, "cluster_id": id, "template": t});
                writeln!(f, "{row}").map_err(|e| e.to_string())?;
            }
            f.flush().map_err(|e| e.to_string())?;
        }
        let m = mine_common::metrics(&ds.truth, &templates);
        println!(
            "{:<10} {:>6} {:>5} {:>5} {:>6.3} {:>6.3} {:>6.3} {:>6.3}",
            name,
            ds.contents.len(),
            m.gt_templates,
            m.pred_groups,
            m.ga,
            m.fga,
            m.pa,
            m.fta
        );
        sum[0] += m.ga;
        sum[1] += m.fga;
        sum[2] += m.pa;
        sum[3] += m.fta;
        if worst > 0 {
            diagnose(&ds, &templates, worst);
        }
    }
    let n = names.len() as f64;
    println!(
        "{:<10} {:>6} {:>5} {:>5} {:>6.3} {:>6.3} {:>6.3} {:>6.3}",
        "average",
        "",
        "",
        "",
        sum[0] / n,
        sum[1] / n,
        sum[2] / n,
        sum[3] / n
    );
    Ok(())
}

fn diagnose(ds: &mine_common::Dataset, pred: &[String], n: usize) {
    let mut gt: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut by_pred: HashMap<&str, usize> = HashMap::new();
    for (i, t) in ds.truth.iter().enumerate() {
        gt.entry(t.as_deref().unwrap_or("")).or_default().push(i);
        *by_pred.entry(pred[i].as_str()).or_default() += 1;
    }
    let mut bad: Vec<(&str, &Vec<usize>)> = gt
        .iter()
        .filter(|(_, idx)| {
            let k = pred[idx[0]].as_str();
            !(idx.iter().all(|&i| pred[i] == k) && by_pred[k] == idx.len())
        })
        .map(|(t, v)| (*t, v))
        .collect();
    bad.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(b.0)));
    for (t, idx) in bad.iter().take(n) {
        println!("  GT {:>4} {}", idx.len(), t);
        let mut preds: HashMap<&str, usize> = HashMap::new();
        for &i in idx.iter() {
            *preds.entry(pred[i].as_str()).or_default() += 1;
        }
        let mut pv: Vec<_> = preds.into_iter().collect();
        pv.sort_by_key(|p| std::cmp::Reverse(p.1));
        for (p, c) in pv.iter().take(4) {
            println!("      {:>4}/{:<4} -> {}", c, by_pred[p], p);
        }
        println!("      e.g. {}", ds.contents[idx[0]]);
    }
    let mut mism: HashMap<(&str, &str), usize> = HashMap::new();
    for (i, t) in ds.truth.iter().enumerate() {
        let t = t.as_deref().unwrap_or("");
        if t != pred[i] {
            *mism.entry((t, pred[i].as_str())).or_default() += 1;
        }
    }
    let mut mv: Vec<_> = mism.into_iter().collect();
    mv.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    for ((t, p), c) in mv.iter().take(n) {
        println!("  PA {:>4} gt:   {}\n            pred: {}", c, t, p);
    }
}
