//! Runs the shift analysis on a scenario folder with the ground-truth events as clusters
//! (an "oracle" miner) and writes the analysis as JSON, which the bench's `shift_score.py`
//! reads (`{"flagged": [{template, kind, score, ...}]}`).
//!
//! ```text
//! cargo run --release --example shift_oracle -- fixtures/scenarios/dev-1 [--start HEADER] [--auto] [-o flags.json]
//! ```
//! Without `--start` or `--auto` the incident start is the scenario's own boundary header
//! (`truth.json` -> `boundary.header`). A summary of the scoring goes to stderr.
//! `--split N` splits every ground-truth cluster into N fragments by a hash of the content,
//! to see how the analysis copes with a miner that over-splits.

#[path = "../tests/score_support/oracle.rs"]
mod oracle;

use std::path::PathBuf;
use std::process::ExitCode;

use logsift::score::ScoreConfig;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("shift_oracle: {e}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let mut dir: Option<PathBuf> = None;
    let mut out: Option<PathBuf> = None;
    let mut start: Option<String> = None;
    let mut auto = false;
    let mut split = 1u32;
    let mut cfg = ScoreConfig::builder();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--start" => start = Some(args.next().ok_or("--start needs a time")?),
            "--auto" => auto = true,
            "--min-log2-fold" => cfg = cfg.min_log2_fold(number(args.next())?),
            "--fdr" => cfg = cfg.fdr(number(args.next())?),
            "--split" => split = number(args.next())? as u32,
            "-o" | "--out" => out = Some(args.next().ok_or("-o needs a file")?.into()),
            "-h" | "--help" => {
                println!(
                    "usage: shift_oracle SCENARIO_DIR [--start HEADER | --auto] [-o FLAGS.json] \
                     [--min-log2-fold X] [--fdr Q] [--split N]"
                );
                return Ok(());
            }
            other if dir.is_none() => dir = Some(other.into()),
            other => return Err(format!("unexpected argument {other:?}; see --help")),
        }
    }
    let dir = dir.ok_or("give a scenario folder (see --help)")?;
    let s = oracle::load(&dir)?;
    let mode = if auto {
        oracle::Mode::Auto
    } else {
        oracle::Mode::Start(start.unwrap_or_else(|| oracle::boundary_header(&s)))
    };
    let cfg = cfg.build().map_err(|e| e.to_string())?;
    let analysis = oracle::run_split(&s, &mode, &cfg, split)?;
    let json = serde_json::to_string_pretty(&analysis).map_err(|e| e.to_string())?;
    match out {
        Some(p) => std::fs::write(&p, json).map_err(|e| format!("{}: {e}", p.display()))?,
        None => println!("{json}"),
    }
    let ev = oracle::evaluate(&s.truth, &oracle::flag_pairs(&analysis));
    eprintln!("window: {}", analysis.window.reason);
    for n in &analysis.window.notes {
        eprintln!("note: {n}");
    }
    eprintln!(
        "flags {}  precision {:.3}  recall {:.3}  AP {:.3}  kind-accuracy {:.3}",
        ev.flags, ev.precision, ev.recall, ev.average_precision, ev.kind_accuracy
    );
    for (id, kind, rank, ok) in &ev.ranks {
        eprintln!(
            "  {id} {kind:<11} rank {}{}",
            rank.map_or("-".to_string(), |r| r.to_string()),
            if rank.is_some() && !ok {
                " (wrong kind)"
            } else {
                ""
            }
        );
    }
    for (rank, tpl, kind) in &ev.false_positives {
        eprintln!("  false positive rank {rank} {kind}: {tpl}");
    }
    Ok(())
}

fn number(arg: Option<String>) -> Result<f64, String> {
    let a = arg.ok_or("the option needs a number")?;
    a.parse().map_err(|_| format!("not a number: {a:?}"))
}
