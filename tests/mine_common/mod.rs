//! Shared by the Loghub accuracy test and the `loghub_score` example: reading the Loghub
//! structured CSV files and computing the Loghub-2.0 metrics (GA, FGA, PA, FTA), grouping by
//! predicted template text as the benchmark does.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::Path;

/// One dataset: message bodies and their ground-truth templates, in file order.
pub struct Dataset {
    pub name: String,
    pub contents: Vec<String>,
    pub truth: Vec<Option<String>>,
}

/// Parse RFC 4180 CSV (quoted fields, doubled quotes, newlines inside quotes).
pub fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    let mut any = false;
    while let Some(c) = chars.next() {
        any = true;
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    field.push('"');
                    chars.next();
                } else {
                    quoted = false;
                }
            } else {
                field.push(c);
            }
            continue;
        }
        match c {
            '"' => quoted = true,
            ',' => row.push(std::mem::take(&mut field)),
            '\r' => {}
            '\n' => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
                any = false;
            }
            _ => field.push(c),
        }
    }
    if any {
        row.push(field);
        rows.push(row);
    }
    rows
}

/// The dataset names under `dir` (sub-folders holding `<Name>_2k.log_structured_corrected.csv`), sorted.
pub fn dataset_names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .filter_map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    e.path()
                        .join(format!("{name}_2k.log_structured_corrected.csv"))
                        .exists()
                        .then_some(name)
                })
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Load `<dir>/<name>/<name>_2k.log_structured_corrected.csv`.
pub fn load(dir: &Path, name: &str) -> Result<Dataset, String> {
    let path = dir
        .join(name)
        .join(format!("{name}_2k.log_structured_corrected.csv"));
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let rows = parse_csv(&text);
    let header = rows
        .first()
        .ok_or_else(|| format!("{}: empty", path.display()))?;
    let col = |n: &str| {
        header
            .iter()
            .position(|h| h == n)
            .ok_or_else(|| format!("{}: no {n} column", path.display()))
    };
    let (ci, ti) = (col("Content")?, col("EventTemplate")?);
    let mut contents = Vec::new();
    let mut truth = Vec::new();
    for r in &rows[1..] {
        contents.push(r.get(ci).cloned().unwrap_or_default());
        truth.push(r.get(ti).filter(|t| !t.is_empty()).cloned());
    }
    Ok(Dataset {
        name: name.to_string(),
        contents,
        truth,
    })
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Metrics {
    pub ga: f64,
    pub fga: f64,
    pub pa: f64,
    pub fta: f64,
    pub gt_templates: usize,
    pub pred_groups: usize,
}

fn f1(p: f64, r: f64) -> f64 {
    if p == 0.0 && r == 0.0 {
        0.0
    } else {
        2.0 * p * r / (p + r)
    }
}

/// Loghub-2.0 metrics of predicted templates against the truth (grouping by template text).
pub fn metrics(truth: &[Option<String>], pred: &[String]) -> Metrics {
    let valid: Vec<usize> = (0..truth.len()).filter(|&i| truth[i].is_some()).collect();
    let mut gt_groups: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut key_count: HashMap<&str, usize> = HashMap::new();
    let mut pred_groups: HashMap<&str, Vec<usize>> = HashMap::new();
    for &i in &valid {
        gt_groups
            .entry(truth[i].as_deref().unwrap_or_default())
            .or_default()
            .push(i);
        *key_count.entry(pred[i].as_str()).or_default() += 1;
        pred_groups.entry(pred[i].as_str()).or_default().push(i);
    }
    let (mut ok_lines, mut ok_groups) = (0usize, 0usize);
    for idxs in gt_groups.values() {
        let k = pred[idxs[0]].as_str();
        if idxs.iter().all(|&i| pred[i] == k) && key_count[k] == idxs.len() {
            ok_lines += idxs.len();
            ok_groups += 1;
        }
    }
    let ga = ok_lines as f64 / valid.len().max(1) as f64;
    let pga = ok_groups as f64 / key_count.len().max(1) as f64;
    let rga = ok_groups as f64 / gt_groups.len().max(1) as f64;
    let pa_ok = (0..truth.len())
        .filter(|&i| truth[i].as_deref() == Some(pred[i].as_str()))
        .count();
    let mut ok_tpl = 0usize;
    for (k, idxs) in &pred_groups {
        let g = truth[idxs[0]].as_deref();
        if idxs.iter().all(|&i| truth[i].as_deref() == g) && g == Some(*k) {
            ok_tpl += 1;
        }
    }
    let pta = ok_tpl as f64 / pred_groups.len().max(1) as f64;
    let rta = ok_tpl as f64 / gt_groups.len().max(1) as f64;
    Metrics {
        ga,
        fga: f1(pga, rga),
        pa: pa_ok as f64 / truth.len().max(1) as f64,
        fta: f1(pta, rta),
        gt_templates: gt_groups.len(),
        pred_groups: key_count.len(),
    }
}

/// Mine a dataset with one default miner; returns per-line cluster ids and final templates.
pub fn mine(ds: &Dataset) -> (Vec<u64>, Vec<String>) {
    let mut miner = logsift::mine::Miner::default();
    let ids: Vec<logsift::mine::ClusterId> = ds
        .contents
        .iter()
        .map(|c| miner.observe(c.as_bytes(), None).cluster)
        .collect();
    let mut cache: HashMap<u64, (u64, String)> = HashMap::new();
    let mut out_ids = Vec::with_capacity(ids.len());
    let mut out_t = Vec::with_capacity(ids.len());
    for id in ids {
        let e = cache
            .entry(id.0)
            .or_insert_with(|| match miner.cluster(id) {
                Some(c) => (c.id().0, c.template()),
                None => (id.0, String::new()),
            });
        out_ids.push(e.0);
        out_t.push(e.1.clone());
    }
    (out_ids, out_t)
}
