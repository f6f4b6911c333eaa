//! Mergeable states: mining pieces of a log apart and merging their states gives the analysis
//! of the whole log, whatever the split points and however the merges are grouped or ordered.

use std::io::Write;
use std::path::{Path, PathBuf};

use logsift::app::{
    self, AnalyseConfig, Analysed, MineConfig, ReadConfig, StateFile, WindowRequest,
};
use logsift::input::InputSpec;
use logsift::window::Group;
use proptest::prelude::*;

/// Message shapes with numeric variables only: the masker marks numbers as variables from
/// the first line, so every piece of a split log learns the same templates.
const SHAPES: [&str; 6] = [
    "dfs.DataNode: Receiving block blk_{a} src: /10.0.0.{b}:500{c}",
    "dfs.FSNamesystem: allocateBlock of size {a} for job {b}",
    "dfs.DataNode: PacketResponder {c} for block blk_{a} terminating",
    "dfs.DataNode: Served block blk_{a} to /10.0.1.{b}",
    "dfs.DataNode: Exception in receiveBlock for block blk_{a} code {c}",
    "dfs.FSDataset: Deleting block blk_{a} file /data/{b}/blk_{a}",
];
const LEVELS: [&str; 3] = ["INFO", "WARN", "ERROR"];

/// One generated line: seconds after the previous line, shape, level, variable values.
type Spec = (u8, usize, usize, u8, u8, u8);

fn line_spec() -> impl Strategy<Value = Spec> {
    (
        0u8..4,
        0usize..SHAPES.len(),
        0usize..LEVELS.len(),
        0u8..8,
        0u8..6,
        0u8..4,
    )
}

fn render(specs: &[Spec]) -> Vec<String> {
    let mut t: i64 = 0;
    specs
        .iter()
        .map(|&(dt, shape, level, a, b, c)| {
            t += i64::from(dt);
            let (h, m, s) = (14 + t / 3600, (t / 60) % 60, t % 60);
            let msg = SHAPES[shape]
                .replace("{a}", &(1000 + u32::from(a)).to_string())
                .replace("{b}", &b.to_string())
                .replace("{c}", &c.to_string());
            format!(
                "2026-11-27 {h:02}:{m:02}:{s:02},000 {} {msg}",
                LEVELS[level]
            )
        })
        .collect()
}

fn write_log(dir: &Path, name: &str, lines: &[String]) -> PathBuf {
    let p = dir.join(name);
    let mut f = std::fs::File::create(&p).unwrap();
    for l in lines {
        writeln!(f, "{l}").unwrap();
    }
    p
}

/// `logsift mine FILE --emit-state OUT --shard N --input-name whole.log`, read back.
fn mine_piece(dir: &Path, lines: &[String], shard: u64, sample: &Path) -> StateFile {
    let log = write_log(dir, &format!("piece{shard}.log"), lines);
    let out = dir.join(format!("piece{shard}.state"));
    let mut read = ReadConfig::new(vec![InputSpec::Path(log)]);
    read.format_sample = Some(std::fs::read(sample).unwrap());
    app::emit_state(
        &read,
        &MineConfig::default(),
        shard,
        Some("whole.log"),
        &out,
    )
    .unwrap();
    app::read_state(&out).unwrap()
}

fn analyse_cfg() -> AnalyseConfig {
    AnalyseConfig {
        window: WindowRequest::IncidentStart {
            start: "-20s".into(),
            end: None,
        },
        ..AnalyseConfig::default()
    }
}

/// A template's count series in the target group and its counts per level.
type TemplateCounts = (String, Vec<(i64, u64)>, [u64; 7]);

/// What must not depend on how the log was split: templates with their counts, the counts
/// per template and group, what was read, the window and the findings. Cluster ids are left
/// out (they are numbered afresh by a merge); floating-point statistics are rounded, as their
/// sums may run in another order.
fn normal_form(a: &Result<Analysed, logsift::error::Error>) -> String {
    let a = match a {
        Ok(a) => a,
        // A window that does not fit the data is refused the same way.
        Err(e) => return format!("error: {e}"),
    };
    let m = &a.mined;
    let name = |id: u32| {
        m.miner
            .cluster(logsift::mine::ClusterId(u64::from(id)))
            .map_or_else(|| "<evicted>".to_owned(), |c| c.template())
    };
    let mut templates: Vec<(String, u64)> = m
        .miner
        .clusters()
        .iter()
        .map(|c| (c.template(), c.count()))
        .collect();
    templates.sort();
    let mut counts: Vec<TemplateCounts> = m
        .counts
        .cluster_ids()
        .into_iter()
        .map(|id| {
            (
                name(id),
                m.counts.timeline(Group::Target).counts(id),
                m.counts.cluster_levels(id),
            )
        })
        .collect();
    counts.sort();
    let inputs: Vec<String> = m
        .read
        .inputs
        .iter()
        .map(|i| {
            format!(
                "{} {} {:?} {:?} {:?} {} {}",
                i.name,
                i.format_name(),
                i.first_ts,
                i.last_ts,
                i.levels,
                i.stats.lines,
                i.stats.events
            )
        })
        .collect();
    let flagged: Vec<String> = a
        .analysis
        .flagged
        .iter()
        .map(|f| {
            format!(
                "{:?} {} {} {} {:.6} {:?} {:?}",
                f.kind,
                f.template,
                f.baseline_count,
                f.incident_count,
                f.score,
                f.slot,
                f.values_after
            )
        })
        .collect();
    let w = &a.analysis.window;
    format!(
        "templates {templates:?}\ncounts {counts:?}\ninputs {inputs:?}\nwindow {:?} {:?}\nflagged {flagged:#?}",
        w.baseline, w.incident
    )
}

fn whole(dir: &Path, lines: &[String]) -> Result<Analysed, logsift::error::Error> {
    let log = write_log(dir, "whole.log", lines);
    let read = ReadConfig::new(vec![InputSpec::Path(log)]);
    let mut a = app::analyse(&read, &analyse_cfg())?;
    // The pieces are named after the whole file; the path differs only by directory.
    for i in &mut a.mined.read.inputs {
        i.name = "whole.log".into();
    }
    Ok(a)
}

fn analyse_state(s: StateFile) -> Result<Analysed, logsift::error::Error> {
    app::analyse_state(s, &Default::default(), &analyse_cfg())
}

fn merge(a: StateFile, b: StateFile) -> StateFile {
    app::merge_state_files(a, b).unwrap()
}

/// Mines `lines` cut at `cuts` (sorted positions) into one state per piece.
fn pieces(dir: &Path, lines: &[String], cuts: &[usize]) -> Vec<StateFile> {
    let sample = write_log(dir, "sample.log", &lines[..lines.len().min(200)]);
    let mut bounds = vec![0];
    bounds.extend(cuts.iter().map(|&c| c.min(lines.len())));
    bounds.push(lines.len());
    bounds.sort_unstable();
    bounds
        .windows(2)
        .enumerate()
        .map(|(k, w)| mine_piece(dir, &lines[w[0]..w[1]], k as u64, &sample))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// mine(A ++ B), analysed, equals merge(mine(A), mine(B)), analysed, for any cut.
    #[test]
    fn a_split_log_analyses_like_the_whole(
        specs in prop::collection::vec(line_spec(), 20..160),
        cut in 0usize..160,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let lines = render(&specs);
        let expected = normal_form(&whole(dir.path(), &lines));
        let mut p = pieces(dir.path(), &lines, &[cut]);
        let b = p.pop().unwrap();
        let a = p.pop().unwrap();
        prop_assert_eq!(normal_form(&analyse_state(merge(a, b))), expected);
    }

    /// Any grouping and order of the merges gives the same analysis as the whole log.
    #[test]
    fn merging_is_associative_and_commutative(
        specs in prop::collection::vec(line_spec(), 20..160),
        c1 in 0usize..160,
        c2 in 0usize..160,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let lines = render(&specs);
        let expected = normal_form(&whole(dir.path(), &lines));
        let mine3 = || {
            let mut p = pieces(dir.path(), &lines, &[c1, c2]);
            let c = p.pop().unwrap();
            let b = p.pop().unwrap();
            let a = p.pop().unwrap();
            (a, b, c)
        };
        let (a, b, c) = mine3();
        let left = normal_form(&analyse_state(merge(merge(a, b), c)));
        let (a, b, c) = mine3();
        let right = normal_form(&analyse_state(merge(a, merge(b, c))));
        let (a, b, c) = mine3();
        let swapped = normal_form(&analyse_state(merge(c, merge(b, a))));
        let (a, b, c) = mine3();
        let outer = normal_form(&analyse_state(merge(merge(a, c), b)));
        prop_assert_eq!(&left, &right);
        prop_assert_eq!(&left, &swapped);
        prop_assert_eq!(&left, &outer);
        prop_assert_eq!(&left, &expected);
    }
}

#[test]
fn a_state_round_trips_and_old_states_still_load() {
    let dir = tempfile::tempdir().unwrap();
    let specs: Vec<Spec> = (0..60u8)
        .map(|i| {
            (
                1,
                usize::from(i % 6),
                usize::from(i % 3),
                i % 8,
                i % 6,
                i % 4,
            )
        })
        .collect();
    let lines = render(&specs);
    let sample = write_log(dir.path(), "sample.log", &lines);
    let s = mine_piece(dir.path(), &lines, 0, &sample);
    assert!(s.analysis.is_some());
    // A miner-only state (as --save-state writes) loads with no analysis section, and the
    // analysis says how to get one.
    let old = dir.path().join("old.state");
    app::save_state(&s.miner, &s.history, &old).unwrap();
    let loaded = app::read_state(&old).unwrap();
    assert!(loaded.analysis.is_none());
    let err = app::analyse_state(loaded, &Default::default(), &analyse_cfg()).unwrap_err();
    assert!(err.to_string().contains("logsift mine"), "{err}");
}

#[test]
fn a_damaged_analysis_section_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let lines = render(&[(1, 0, 0, 1, 1, 1), (1, 1, 1, 2, 2, 2)]);
    let sample = write_log(dir.path(), "sample.log", &lines);
    mine_piece(dir.path(), &lines, 0, &sample);
    let path = dir.path().join("piece0.state");
    let bytes = std::fs::read(&path).unwrap();
    let at = bytes
        .windows(22)
        .position(|w| w == b"LOGSIFT-ANALYSIS-STATE")
        .unwrap();
    for cut in [at + 30, at + 80, bytes.len() - 10] {
        let p = dir.path().join("cut.state");
        std::fs::write(&p, &bytes[..cut]).unwrap();
        let err = app::read_state(&p).unwrap_err().to_string();
        assert!(err.contains("truncated or corrupt"), "{err}");
    }
    // A checksum-valid body with an impossible bucket width is refused too.
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let bad = text.replacen("\"base_bucket_ms\":1000", "\"base_bucket_ms\":0", 1);
    let header_start = at + "LOGSIFT-ANALYSIS-STATE\n".len();
    let body_start = bad[header_start..].find('\n').unwrap() + header_start + 1;
    let body_end = bad[body_start..].find('\n').unwrap() + body_start;
    let body = &bad.as_bytes()[body_start..body_end];
    let header = format!("version=1 bytes={} fnv1a={:016x}", body.len(), fnv1a(body));
    let rebuilt = format!("{}{}\n{}", &bad[..header_start], header, &bad[body_start..]);
    let p = dir.path().join("bad.state");
    std::fs::write(&p, rebuilt).unwrap();
    let err = app::read_state(&p).unwrap_err().to_string();
    assert!(err.contains("bucket width"), "{err}");
}

fn fnv1a(b: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &c in b {
        h ^= u64::from(c);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The commands end to end on the demo log (a stack trace, an incident): `mine` three
/// pieces cut at header lines, `merge-state`, then `--load-state` gives the report of one run.
#[test]
fn mine_merge_and_load_state_report_like_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/demo/checkout.log"
    ))
    .unwrap();
    std::fs::write(dir.path().join("checkout.log"), &text).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    // Cut before header lines (a piece never starts inside a stack trace).
    let cut_near = |at: usize| {
        (at..lines.len())
            .find(|&i| lines[i].starts_with("2026-"))
            .unwrap()
    };
    let cuts = [
        0,
        cut_near(lines.len() / 3),
        cut_near(2 * lines.len() / 3),
        lines.len(),
    ];
    let logsift = || {
        let mut c = assert_cmd::Command::cargo_bin("logsift").unwrap();
        c.current_dir(dir.path())
            .env_remove("OPENAI_API_KEY")
            .env_remove("OPENAI_BASE_URL");
        c
    };
    let mut states = Vec::new();
    for (k, w) in cuts.windows(2).enumerate() {
        let piece = lines[w[0]..w[1]].join("\n") + "\n";
        let out = logsift()
            .args(["mine", "--emit-state", "-", "--input-name", "checkout.log"])
            .args(["--shard", &k.to_string(), "--format-sample", "checkout.log"])
            .write_stdin(piece)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let name = format!("p{k}.state");
        std::fs::write(dir.path().join(&name), &out.stdout).unwrap();
        states.push(name);
    }
    // Merge in another order than the pieces came: the shard numbers keep the line order.
    logsift()
        .args([
            "merge-state",
            "-q",
            &states[2],
            &states[0],
            &states[1],
            "-o",
            "all.state",
        ])
        .assert()
        .success();
    let report = |args: &[&str]| -> serde_json::Value {
        let out = logsift()
            .args(args)
            .args([
                "--format",
                "json",
                "--llm",
                "off",
                "--incident-start",
                "2026-11-27 14:00:00,000",
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let one = report(&["checkout.log"]);
    let merged = report(&["--load-state", "all.state"]);
    let key = |r: &serde_json::Value| {
        let flagged: Vec<String> = r["flagged"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                format!(
                    "{} {} {} {} {}",
                    f["kind"],
                    f["template"],
                    f["baseline_count"],
                    f["incident_count"],
                    f["component"]
                )
            })
            .collect();
        (
            r["totals"].clone(),
            r["inputs"].clone(),
            r["window"]["incident"].clone(),
            flagged,
        )
    };
    assert!(!one["flagged"].as_array().unwrap().is_empty());
    assert_eq!(key(&merged), key(&one));
}

/// The id maps of a miner merge send every input cluster to the merged cluster that holds its
/// lines: per merged cluster, the counts of the inputs mapped to it add up to its count.
#[test]
fn merge_id_maps_account_for_every_line() {
    use logsift::mine::{ClusterId, Miner, MinerConfig};
    use std::collections::HashMap;
    let lines_a = [
        "Receiving block blk_1 src 10.0.0.1",
        "Receiving block blk_2 src 10.0.0.2",
        "Served block blk_3 to host alpha",
        "Deleting block blk_4 file one",
    ];
    let lines_b = [
        "Served block blk_5 to host beta",
        "Served block blk_6 to host gamma",
        "Deleting block blk_7 file two",
        "Verification succeeded for blk_8",
    ];
    let mine = |lines: &[&str]| {
        let mut m = Miner::new(MinerConfig::default());
        for l in lines {
            m.observe(l.as_bytes(), None);
        }
        m
    };
    let (a, b) = (mine(&lines_a), mine(&lines_b));
    let (merged, [map_a, map_b]) = Miner::merge_mapped(&a, &b).unwrap();
    let mut sums: HashMap<u64, u64> = HashMap::new();
    for (m, map) in [(&a, &map_a), (&b, &map_b)] {
        for c in m.clusters() {
            let to = map[&c.id().0].expect("nothing is evicted below max_clusters");
            *sums.entry(to).or_default() += c.count();
        }
    }
    assert_eq!(sums.len(), merged.len());
    for (id, n) in sums {
        assert_eq!(merged.cluster(ClusterId(id)).unwrap().count(), n);
    }
}

/// Renaming ids at once may swap them (a relabel applied move by move would add the two
/// clusters together), and ids that land on one id add up.
#[test]
fn remap_swaps_and_joins_ids() {
    use logsift::record::Timestamp;
    use logsift::window::{WindowConfig, WindowCounts};
    let mut w = WindowCounts::new(WindowConfig::default()).unwrap();
    for (id, n) in [(1u32, 3), (2, 5), (3, 7)] {
        for k in 0..n {
            w.observe(Group::Target, Some(Timestamp(1_000 * k)), id, None, &[]);
        }
    }
    w.remap(|id| match id {
        1 => 2,
        2 => 1,
        _ => 2,
    });
    let totals = w.cluster_totals(Group::Target);
    assert_eq!(totals.get(&1), Some(&5));
    assert_eq!(totals.get(&2), Some(&10));
    assert_eq!(totals.get(&3), None);
}

/// `--since/--until` filter lines, which a state does not hold: asking for both is refused
/// with what to use instead, and `templates --load-state` lists the state's templates.
#[test]
fn a_state_refuses_since_and_lists_its_templates() {
    let dir = tempfile::tempdir().unwrap();
    let demo = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/demo/checkout.log");
    let state = dir.path().join("demo.state");
    let logsift = || assert_cmd::Command::cargo_bin("logsift").unwrap();
    logsift()
        .arg("mine")
        .arg(demo)
        .arg("--emit-state")
        .arg(&state)
        .assert()
        .success();
    let out = logsift()
        .arg("--load-state")
        .arg(&state)
        .args(["--since", "2026-11-27T13:30:00Z", "--llm", "off"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--incident-start"));
    let listed = logsift()
        .args(["templates", "--load-state"])
        .arg(&state)
        .output()
        .unwrap();
    let direct = logsift().args(["templates", demo]).output().unwrap();
    assert!(listed.status.success());
    assert_eq!(
        String::from_utf8_lossy(&listed.stdout).lines().next(),
        String::from_utf8_lossy(&direct.stdout).lines().next()
    );
}
