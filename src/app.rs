//! Wires the pipeline stages together for the front ends (`cli`, and the server).
//!
//! Owns the order of work: open each input, detect its header format from a sample of its first
//! lines, split it into events, parse each event's header, mine the message, count it per time
//! bucket, and finally analyse, summarise and build the report. Every command of the front ends
//! is one function here, so the command line and the server cannot drift apart. It parses no
//! flags and renders nothing itself: `cli` builds the configuration, `report` renders.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::Error;
use crate::history::ReviewHistory;
use crate::input::{
    Access, Compression, Event, Input, InputSpec, PEEK_BYTES, SplitConfig, SplitStats, split_all,
};
use crate::mine::{ClusterId, Miner, MinerConfig};
use crate::record::{self, DetectOptions, HeaderFormat, Level, Record, Timestamp};
use crate::runbook::{ComponentTally, Runbooks};
use crate::score::{self, Analysis, ClusterInfo, ScoreConfig, TimeRef, WindowSpec};
use crate::window::{Group, WindowConfig, WindowCounts};
use serde::{Deserialize, Serialize};

mod engine;

/// How to read the inputs of a run.
#[derive(Debug, Clone)]
pub struct ReadConfig {
    /// Inputs in order; `InputSpec::Stdin` for `-`.
    pub inputs: Vec<InputSpec>,
    /// Inputs that form the baseline (`--baseline FILE...`), read before `inputs`.
    pub baseline: Vec<InputSpec>,
    /// Line and event caps, multi-line joining.
    pub split: SplitConfig,
    /// Header detection options (a given `--log-format`, the reference time for year-less logs).
    pub detect: DetectOptions,
    /// Lines to detect every input's header format from, instead of each input's own first
    /// lines: the pieces of one log mined apart (a partition of a file) then all read their
    /// headers the same way, wherever they start.
    pub format_sample: Option<Vec<u8>>,
}

impl ReadConfig {
    /// Reads stdin (or the given inputs) with default caps and auto-detection.
    pub fn new(inputs: Vec<InputSpec>) -> ReadConfig {
        ReadConfig {
            inputs,
            baseline: Vec::new(),
            split: SplitConfig::default(),
            detect: DetectOptions::default(),
            format_sample: None,
        }
    }
}

/// What reading one input found.
#[derive(Debug, Clone)]
pub struct InputInfo {
    /// The name the user gave (`-` shows as `<stdin>`).
    pub name: String,
    /// Whether the input is part of the baseline.
    pub group: Group,
    /// Mapped or streamed; `None` when the input could not be opened.
    pub access: Option<Access>,
    /// Compression found by magic bytes.
    pub compression: Option<Compression>,
    /// The detected (or given) header format.
    pub header: Option<HeaderFormat>,
    /// Lines, events, caps hit.
    pub stats: SplitStats,
    /// Earliest header timestamp.
    pub first_ts: Option<Timestamp>,
    /// Latest header timestamp.
    pub last_ts: Option<Timestamp>,
    /// Events with a timestamp.
    pub events_with_time: u64,
    /// Events per level, in [`LEVELS`] order; events without a level are not counted.
    pub levels: [u64; 6],
    /// Why the input could not be read (completely or from some point on).
    pub error: Option<String>,
    /// The event heads the header format was detected from, kept so that a saved state can
    /// detect the same format again when it is analysed.
    pub sample: Vec<Vec<u8>>,
}

impl InputInfo {
    fn new(name: String, group: Group) -> InputInfo {
        InputInfo {
            name,
            group,
            access: None,
            compression: None,
            header: None,
            stats: SplitStats::default(),
            first_ts: None,
            last_ts: None,
            events_with_time: 0,
            levels: [0; 6],
            error: None,
            sample: Vec::new(),
        }
    }

    fn note(&mut self, rec: &Record<'_>) {
        if let Some(t) = rec.ts {
            self.events_with_time += 1;
            self.first_ts = Some(self.first_ts.map_or(t, |f| f.min(t)));
            self.last_ts = Some(self.last_ts.map_or(t, |l| l.max(t)));
        }
        if let Some(l) = rec.level {
            self.levels[level_index(l)] += 1;
        }
    }

    /// Adds the record notes (times, levels) of a later part of the same input.
    fn absorb_notes(&mut self, later: &InputInfo) {
        self.events_with_time = self.events_with_time.saturating_add(later.events_with_time);
        self.first_ts = either_or_both(self.first_ts, later.first_ts, Ord::min);
        self.last_ts = either_or_both(self.last_ts, later.last_ts, Ord::max);
        for (a, b) in self.levels.iter_mut().zip(later.levels) {
            *a = a.saturating_add(b);
        }
    }

    /// The header format's name, or `-` when the input was not read.
    pub fn format_name(&self) -> &str {
        self.header.as_ref().map_or("-", |h| h.name())
    }
}

/// Levels in severity order, as counted in [`InputInfo::levels`].
pub const LEVELS: [Level; 6] = [
    Level::Trace,
    Level::Debug,
    Level::Info,
    Level::Warn,
    Level::Error,
    Level::Fatal,
];

fn level_index(l: Level) -> usize {
    LEVELS.iter().position(|x| *x == l).unwrap_or(0)
}

/// What reading all inputs found.
#[derive(Debug, Clone, Default)]
pub struct ReadSummary {
    /// One entry per input, baseline inputs first, in order.
    pub inputs: Vec<InputInfo>,
}

impl ReadSummary {
    /// Inputs that could not be read completely.
    pub fn errors(&self) -> usize {
        self.inputs.iter().filter(|i| i.error.is_some()).count()
    }

    /// Totals over all inputs.
    pub fn totals(&self) -> SplitStats {
        let mut t = SplitStats::default();
        for i in &self.inputs {
            t.add(&i.stats);
        }
        t
    }

    /// Warnings worth one line on stderr each: caps that were hit and inputs that failed.
    pub fn warnings(&self, split: &SplitConfig) -> Vec<String> {
        let t = self.totals();
        let mut w = Vec::new();
        for i in &self.inputs {
            if let Some(e) = &i.error {
                w.push(e.clone());
            }
        }
        if t.truncated_lines > 0 {
            w.push(format!(
                "{} line(s) longer than {} bytes were cut (raise --max-line-bytes to keep more)",
                t.truncated_lines,
                split.max_line_bytes()
            ));
        }
        if t.dropped_continuation_lines > 0 {
            w.push(format!(
                "{} continuation line(s) past the {} byte event limit were left out of their events",
                t.dropped_continuation_lines,
                split.max_event_bytes()
            ));
        }
        w
    }

    /// The header format to read user-given times with: the first input (incident side
    /// preferred) whose lines carried timestamps.
    pub fn time_format(&self) -> Option<&HeaderFormat> {
        let timed = |g: Group| {
            self.inputs
                .iter()
                .filter(move |i| i.group == g && i.events_with_time > 0)
                .find_map(|i| i.header.as_ref())
        };
        timed(Group::Target).or_else(|| timed(Group::Baseline))
    }
}

/// Reads every input in order (baseline inputs first) and calls `f` with each event, its
/// parsed header and its group.
///
/// Each input gets its own header format, detected from its first lines (or the given
/// `--log-format`). An input that cannot be opened or fails part way is recorded in the
/// summary with its error; the other inputs are still read.
pub fn read_records<F>(cfg: &ReadConfig, mut f: F) -> ReadSummary
where
    F: FnMut(Group, &Event<'_>, &Record<'_>),
{
    read_events(cfg, |input, ev, info| {
        let rec = input.format.parse(ev.head);
        info.note(&rec);
        f(input.group, ev, &rec);
        ControlFlow::Continue(())
    })
}

/// `pick(a, b)` when both are known, else whichever is.
fn either_or_both<T: Copy>(a: Option<T>, b: Option<T>, pick: fn(T, T) -> T) -> Option<T> {
    match (a, b) {
        (Some(a), Some(b)) => Some(pick(a, b)),
        (a, b) => a.or(b),
    }
}

/// The input an event comes from, as [`read_events`] hands it out.
pub(crate) struct Reading<'a> {
    /// Position of the input in the run (baseline inputs first).
    pub run: usize,
    /// Baseline or target.
    pub group: Group,
    /// How its headers read.
    pub format: &'a Arc<HeaderFormat>,
}

/// Opens every input in order (baseline inputs first), detects its header format and calls
/// `f` with each of its events and its entry of the summary. An input that cannot be opened
/// or fails part way is recorded with its error and the next one is read; `f` returning
/// `Break` stops the reading.
pub(crate) fn read_events<F>(cfg: &ReadConfig, mut f: F) -> ReadSummary
where
    F: FnMut(&Reading<'_>, &Event<'_>, &mut InputInfo) -> ControlFlow<()>,
{
    let mut summary = ReadSummary::default();
    let all = cfg
        .baseline
        .iter()
        .map(|s| (Group::Baseline, s))
        .chain(cfg.inputs.iter().map(|s| (Group::Target, s)));
    let mut stopped = false;
    for (idx, (group, spec)) in all.enumerate() {
        if stopped {
            break;
        }
        let source = u32::try_from(idx).unwrap_or(u32::MAX);
        let mut info = InputInfo::new(spec.display_name(), group);
        let mut input = match Input::open(spec) {
            Ok(i) => i,
            Err(e) => {
                info.error = Some(e.to_string());
                summary.inputs.push(info);
                continue;
            }
        };
        info.access = Some(input.access());
        info.compression = Some(input.compression());
        let (format, sample) = detect_format(&mut input, cfg);
        let format = Arc::new(format);
        info.sample = sample;
        let reading = Reading {
            run: summary.inputs.len(),
            group,
            format: &format,
        };
        let mut unreported = 0u64;
        let result = input.for_each_event(source, &cfg.split, |ev| {
            // Kept up to date here so that an input that fails part way still reports the
            // lines it delivered; a complete read replaces these with the splitter's stats.
            info.stats.events += 1;
            info.stats.lines += u64::from(ev.lines);
            unreported += u64::from(ev.lines);
            if unreported >= crate::progress::BATCH_LINES {
                crate::progress::add_lines(unreported);
                unreported = 0;
            }
            let flow = f(&reading, ev, &mut info);
            stopped = flow.is_break();
            flow
        });
        crate::progress::add_lines(unreported);
        info.header = Some(Arc::unwrap_or_clone(format));
        match result {
            Ok(stats) => info.stats = stats,
            Err(e) => info.error = Some(e.to_string()),
        }
        summary.inputs.push(info);
    }
    summary
}

/// Detects an input's header format from the event heads in its first bytes (or in the
/// configured sample); returns the format and the heads it was detected from.
pub(crate) fn detect_format(input: &mut Input, cfg: &ReadConfig) -> (HeaderFormat, Vec<Vec<u8>>) {
    let peek = match &cfg.format_sample {
        Some(s) => s.as_slice(),
        None => input.peek(),
    };
    // Leave out a last line that the peek window may have cut.
    let whole = match memchr::memrchr(b'\n', peek) {
        Some(i) if peek.len() >= PEEK_BYTES => &peek[..=i],
        _ => peek,
    };
    // The splitter lends each head only for the callback; it is a slice of `whole`
    // (zero-copy), so keep its position and take the slice again afterwards.
    let base = whole.as_ptr() as usize;
    let mut ranges: Vec<(usize, usize)> = Vec::with_capacity(record::SAMPLE_LINES);
    split_all(whole, 0, &cfg.split, |ev| {
        let start = (ev.head.as_ptr() as usize).wrapping_sub(base);
        ranges.push((start, start.saturating_add(ev.head.len())));
        if ranges.len() < record::SAMPLE_LINES {
            ControlFlow::Continue(())
        } else {
            ControlFlow::Break(())
        }
    });
    let heads: Vec<&[u8]> = ranges
        .iter()
        .filter_map(|&(a, b)| whole.get(a..b))
        .collect();
    (
        record::detect(&heads, &cfg.detect),
        heads.iter().map(|h| h.to_vec()).collect(),
    )
}

/// The result of a command, for the exit code and stderr.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Inputs that could not be read completely (exit code 2).
    pub input_errors: usize,
    /// Findings flagged by the analysis (exit code 1 with `--fail-on-anomaly`).
    pub flagged: usize,
    /// One-line warnings for stderr.
    pub warnings: Vec<String>,
}

// ---------------------------------------------------------------------------------------------
// Mining

/// How to mine: the miner and the time-bucket accumulator, and a state to start from.
#[derive(Debug, Clone)]
pub struct MineConfig {
    /// Template miner settings.
    pub miner: MinerConfig,
    /// Time bucket settings.
    pub window: WindowConfig,
    /// A saved miner state to continue from (`--load-state`).
    pub load_state: Option<PathBuf>,
    /// Threads that read, parse and mask while one mines (1: all in the calling thread).
    /// Every thread count gives the same result: the miner sees the lines in the same order.
    pub threads: usize,
    /// Whether the miner keeps the frequent values of each parameter slot. Only a saved state
    /// reads them (reports take values from the time buckets), so runs that save no state turn
    /// it off and skip its cost.
    pub track_values: bool,
}

impl Default for MineConfig {
    fn default() -> Self {
        MineConfig {
            miner: MinerConfig::default(),
            window: WindowConfig::default(),
            load_state: None,
            threads: 1,
            track_values: true,
        }
    }
}

pub use crate::window::EVICTED_CLUSTER;

/// The window accumulator keys clusters by `u32`; ids past that range (more than four billion
/// clusters created in one run) share the last id below the catch-all.
fn window_id(id: ClusterId) -> u32 {
    u32::try_from(id.0)
        .unwrap_or(EVICTED_CLUSTER - 1)
        .min(EVICTED_CLUSTER - 1)
}

/// Most slots passed to the accumulator per event (the accumulator's own `max_slots` applies
/// after this).
const MAX_EVENT_PARAMS: usize = 64;

/// What mining the inputs produced.
pub struct Mined {
    /// The miner with every cluster.
    pub miner: Miner,
    /// Per-template counts over time (filled by [`analyse`]; empty after [`mine`]).
    pub counts: WindowCounts,
    /// What was read.
    pub read: ReadSummary,
    /// Final templates of evicted clusters, by id (kept only when per-line output asks).
    pub evicted: HashMap<u64, String>,
    /// The emitting component of each cluster's events, for runbooks and reports.
    pub components: ComponentTally,
    /// Findings of earlier reviews, from the loaded state (empty without one).
    pub history: ReviewHistory,
}

impl std::fmt::Debug for Mined {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mined")
            .field("clusters", &self.miner.len())
            .field("read", &self.read)
            .finish_non_exhaustive()
    }
}

/// Per-line output: one cluster id per event, spilled to a temporary file so memory stays
/// bounded on any input; the final templates are only known at the end.
pub struct PerLine {
    file: BufWriter<File>,
    events: u64,
}

impl PerLine {
    /// A spill file in the system's temporary directory.
    pub fn new() -> std::io::Result<PerLine> {
        Ok(PerLine {
            file: BufWriter::new(tempfile::tempfile()?),
            events: 0,
        })
    }

    fn push(&mut self, id: ClusterId, lines: u32) -> std::io::Result<()> {
        self.events += 1;
        self.file.write_all(&id.0.to_le_bytes())?;
        self.file.write_all(&lines.to_le_bytes())
    }

    /// Writes one JSON object per input line: `{"line_no", "cluster_id", "template"}` with the
    /// final template of the line's cluster.
    pub fn write_jsonl(self, mined: &Mined, out: &mut dyn Write) -> Result<(), Error> {
        let mut file = self
            .file
            .into_inner()
            .map_err(|e| Error::Output(e.into_error()))?;
        file.seek(SeekFrom::Start(0)).map_err(Error::Output)?;
        let mut r = BufReader::new(file);
        let mut cache: HashMap<u64, (u64, String)> = HashMap::new();
        let mut line_no: u64 = 0;
        let mut rec = [0u8; 12];
        for _ in 0..self.events {
            r.read_exact(&mut rec).map_err(Error::Output)?;
            let id = u64::from_le_bytes(rec[..8].try_into().unwrap_or_default());
            let lines = u32::from_le_bytes(rec[8..].try_into().unwrap_or_default());
            let (cid, template) = cache.entry(id).or_insert_with(|| {
                match mined
                    .miner
                    .resolve(ClusterId(id))
                    .and_then(|r| mined.miner.cluster(r))
                {
                    Some(c) => (c.id().0, c.template()),
                    None => (
                        id,
                        mined
                            .evicted
                            .get(&id)
                            .cloned()
                            .unwrap_or_else(|| "<*>".to_owned()),
                    ),
                }
            });
            let template = serde_json::to_string(template).unwrap_or_default();
            for _ in 0..lines.max(1) {
                line_no += 1;
                writeln!(
                    out,
                    "{{\"line_no\":{line_no},\"cluster_id\":{cid},\"template\":{template}}}"
                )
                .map_err(Error::output)?;
            }
        }
        Ok(())
    }
}

/// Reads and mines every input: the miner learns templates and counts them. The time-bucket
/// accumulator in [`Mined::counts`] stays empty: listing templates does not need it, and
/// [`analyse`] (which does) fills it.
pub fn mine(
    read: &ReadConfig,
    cfg: &MineConfig,
    per_line: Option<&mut PerLine>,
) -> Result<Mined, Error> {
    mine_with(read, cfg, per_line, false, 0)
}

/// [`mine`], and with `windows` the accumulator counts each event under its cluster, time
/// bucket and group, with its parameter values. `shard` orders the accumulator among the
/// pieces of a split input when states are merged (0 for a whole input).
fn mine_with(
    read: &ReadConfig,
    cfg: &MineConfig,
    per_line: Option<&mut PerLine>,
    windows: bool,
    shard: u64,
) -> Result<Mined, Error> {
    let (mut miner, history) = match &cfg.load_state {
        Some(path) => load_state(path)?,
        None => (Miner::new(cfg.miner.clone()), ReviewHistory::new()),
    };
    miner.set_value_tracking(cfg.track_values);
    let counts = WindowCounts::new_shard(cfg.window, shard)
        .map_err(|e| Error::Usage(format!("time buckets: {e}")))?;
    let mut sink = Sink::new(miner, counts, windows, per_line);
    let summary = if cfg.threads > 1 {
        engine::run(read, &mut sink, cfg.threads)
    } else {
        read_records(read, |group, ev, rec| {
            sink.event(group, ev.lines, rec, None);
        })
    };
    sink.finish(summary, history)
}

/// Where mined events go: the miner, the time-bucket counts, the component tally and the
/// per-line spill, kept consistent as clusters merge and are evicted.
struct Sink<'p> {
    miner: Miner,
    counts: WindowCounts,
    components: ComponentTally,
    windows: bool,
    per_line: Option<&'p mut PerLine>,
    evicted: HashMap<u64, String>,
    seen_evictions: u64,
    spill_error: Option<std::io::Error>,
}

impl<'p> Sink<'p> {
    fn new(
        miner: Miner,
        counts: WindowCounts,
        windows: bool,
        per_line: Option<&'p mut PerLine>,
    ) -> Sink<'p> {
        let seen_evictions = miner.stats().evicted;
        Sink {
            miner,
            counts,
            components: ComponentTally::new(),
            windows,
            per_line,
            evicted: HashMap::new(),
            seen_evictions,
            spill_error: None,
        }
    }

    /// Mines one event (its parsed header `rec`) of `lines` physical lines; `masked` is its
    /// message already masked with the miner's masker, when another thread did that.
    fn event(
        &mut self,
        group: Group,
        lines: u32,
        rec: &Record<'_>,
        masked: Option<crate::mask::Masked<'_>>,
    ) {
        let obs = match masked {
            Some(ml) => self.miner.observe_masked(&rec.message, ml, rec.ts),
            None => self.miner.observe(&rec.message, rec.ts),
        };
        let cluster = obs.cluster;
        if self.windows {
            let params = obs
                .params_hashed()
                .take(MAX_EVENT_PARAMS)
                .map(|(slot, value, h)| (u16::try_from(slot).unwrap_or(u16::MAX), value, h));
            self.counts
                .observe_iter(group, rec.ts, window_id(cluster), rec.level, params);
            if let Some(c) = rec.component {
                self.components.observe(window_id(cluster), c);
            }
        }
        if let Some(p) = self.per_line.as_deref_mut()
            && self.spill_error.is_none()
            && let Err(e) = p.push(cluster, lines)
        {
            self.spill_error = Some(e);
        }
        let ev_count = self.miner.stats().evicted;
        if ev_count != self.seen_evictions {
            self.seen_evictions = ev_count;
            let keep_evicted = self.per_line.is_some();
            let gone = self.miner.take_evicted();
            let mut moves = Vec::with_capacity(gone.len() * 2);
            for g in gone {
                for id in std::iter::once(g.id).chain(g.merged.iter().copied()) {
                    moves.push((window_id(id), EVICTED_CLUSTER));
                    if keep_evicted {
                        self.evicted.insert(id.0, g.template.clone());
                    }
                }
            }
            self.counts.relabel(&moves);
            self.components.relabel(&moves);
        }
    }

    fn finish(mut self, summary: ReadSummary, history: ReviewHistory) -> Result<Mined, Error> {
        if let Some(e) = self.spill_error {
            return Err(Error::Output(e));
        }
        // Clusters merged into others: their counts belong to the surviving cluster.
        let moves: Vec<(u32, u32)> = self
            .counts
            .cluster_ids()
            .into_iter()
            .filter(|&id| id != EVICTED_CLUSTER)
            .filter_map(|id| {
                let to = match self.miner.resolve(ClusterId(u64::from(id))) {
                    Some(r) => window_id(r),
                    None => EVICTED_CLUSTER,
                };
                (to != id).then_some((id, to))
            })
            .collect();
        self.counts.relabel(&moves);
        self.components.relabel(&moves);
        Ok(Mined {
            miner: self.miner,
            counts: self.counts,
            read: summary,
            evicted: self.evicted,
            components: self.components,
            history,
        })
    }
}

/// Marks the review-history section that follows the miner in a state file.
const HISTORY_MAGIC: &[u8] = b"LOGSIFT-REVIEW-HISTORY\n";
/// Marks the analysis section (time-bucket counts, components, what was read) that follows
/// the miner in a state written by `logsift mine --emit-state`.
const ANALYSIS_MAGIC: &[u8] = b"LOGSIFT-ANALYSIS-STATE\n";
/// Version of the analysis section's body layout written by this build.
pub const ANALYSIS_VERSION: u32 = 1;
/// Largest part of a state file read after the miner (analysis and history sections): the
/// counts are bounded by the window budgets (a few million entries, well under 1 GiB as JSON)
/// and the history by its entry cap, and a damaged file cannot ask for more memory.
const MAX_SECTIONS_BYTES: u64 = 2 << 30;

/// What a state needs beyond the miner for the analysis to run from the state alone, exactly
/// as it would on the raw lines: the time-bucket counts with their value summaries, the
/// components of each cluster, and what was read (per input: lines, times, levels, and the
/// heads its header format was detected from). Keyed by the miner's cluster ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnalysisState {
    /// Per-template counts per time bucket and per-slot value summaries.
    pub window: WindowCounts,
    /// The emitting components of each cluster.
    pub components: ComponentTally,
    /// What was read, one entry per input (pieces of one input merged under its name).
    pub inputs: Vec<SavedInput>,
}

/// One input as a state remembers it: [`InputInfo`] without what only a live read knows
/// (how the file was opened), with its detection sample.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedInput {
    /// The input's name.
    pub name: String,
    /// Baseline or target.
    pub group: Group,
    /// Bytes read.
    pub bytes: u64,
    /// Physical lines.
    pub lines: u64,
    /// Events.
    pub events: u64,
    /// Lines cut at the line cap.
    pub truncated_lines: u64,
    /// Continuation lines joined to events.
    pub joined_lines: u64,
    /// Continuation lines left out of their event by a cap.
    pub dropped_continuation_lines: u64,
    /// Earliest header timestamp (ms since the epoch).
    pub first_ts: Option<i64>,
    /// Latest header timestamp.
    pub last_ts: Option<i64>,
    /// Events with a timestamp.
    pub events_with_time: u64,
    /// Events per level, in [`LEVELS`] order.
    pub levels: [u64; 6],
    /// Why the input could not be read completely.
    pub error: Option<String>,
    /// Event heads the header format is detected from (byte strings, one character per byte
    /// as in the miner state).
    pub sample: Vec<String>,
}

impl SavedInput {
    fn from_info(i: &InputInfo) -> SavedInput {
        SavedInput {
            name: i.name.clone(),
            group: i.group,
            bytes: i.stats.bytes,
            lines: i.stats.lines,
            events: i.stats.events,
            truncated_lines: i.stats.truncated_lines,
            joined_lines: i.stats.joined_lines,
            dropped_continuation_lines: i.stats.dropped_continuation_lines,
            first_ts: i.first_ts.map(|t| t.0),
            last_ts: i.last_ts.map(|t| t.0),
            events_with_time: i.events_with_time,
            levels: i.levels,
            error: i.error.clone(),
            sample: i
                .sample
                .iter()
                .map(|h| h.iter().map(|&c| c as char).collect())
                .collect(),
        }
    }

    /// The input as the analysis sees it, its header format detected again from the sample.
    fn to_info(&self, detect: &DetectOptions) -> InputInfo {
        let sample: Vec<Vec<u8>> = self
            .sample
            .iter()
            .map(|h| {
                h.chars()
                    .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
                    .collect()
            })
            .collect();
        let heads: Vec<&[u8]> = sample.iter().map(Vec::as_slice).collect();
        let mut info = InputInfo::new(self.name.clone(), self.group);
        info.header = Some(record::detect(&heads, detect));
        info.stats = SplitStats {
            bytes: self.bytes,
            lines: self.lines,
            events: self.events,
            truncated_lines: self.truncated_lines,
            joined_lines: self.joined_lines,
            dropped_continuation_lines: self.dropped_continuation_lines,
        };
        info.first_ts = self.first_ts.map(Timestamp);
        info.last_ts = self.last_ts.map(Timestamp);
        info.events_with_time = self.events_with_time;
        info.levels = self.levels;
        info.error = self.error.clone();
        info.sample = sample;
        info
    }

    /// Adds a later piece of the same input.
    fn absorb(&mut self, later: &SavedInput) {
        self.bytes = self.bytes.saturating_add(later.bytes);
        self.lines = self.lines.saturating_add(later.lines);
        self.events = self.events.saturating_add(later.events);
        self.truncated_lines = self.truncated_lines.saturating_add(later.truncated_lines);
        self.joined_lines = self.joined_lines.saturating_add(later.joined_lines);
        self.dropped_continuation_lines = self
            .dropped_continuation_lines
            .saturating_add(later.dropped_continuation_lines);
        self.first_ts = either_or_both(self.first_ts, later.first_ts, Ord::min);
        self.last_ts = either_or_both(self.last_ts, later.last_ts, Ord::max);
        self.events_with_time = self.events_with_time.saturating_add(later.events_with_time);
        for (a, b) in self.levels.iter_mut().zip(later.levels) {
            *a = a.saturating_add(b);
        }
        if self.error.is_none() {
            self.error.clone_from(&later.error);
        }
        if self.sample.is_empty() {
            self.sample.clone_from(&later.sample);
        }
    }
}

impl AnalysisState {
    /// The analysis section of what mining produced.
    pub fn of(mined: &Mined) -> AnalysisState {
        AnalysisState {
            window: mined.counts.clone(),
            components: mined.components.clone(),
            inputs: mined
                .read
                .inputs
                .iter()
                .map(SavedInput::from_info)
                .collect(),
        }
    }

    /// Renames the cluster ids through a miner merge's id map: ids the merge evicted (or
    /// that the map does not know) move to [`EVICTED_CLUSTER`], as during mining.
    fn remap(&mut self, map: &crate::mine::state::IdMap) {
        let f = |id: u32| {
            if id == EVICTED_CLUSTER {
                return EVICTED_CLUSTER;
            }
            match map.get(&u64::from(id)) {
                Some(Some(new)) => window_id(ClusterId(*new)),
                _ => EVICTED_CLUSTER,
            }
        };
        self.window.remap(f);
        self.components.remap(f);
    }

    /// Merges two analysis sections whose ids already agree. The one whose input comes first
    /// (lower shard number) is taken first whatever the argument order, so merging commutes.
    fn merge(a: AnalysisState, b: AnalysisState) -> Result<AnalysisState, Error> {
        let (mut early, late) = if a.window.precedes(&b.window) {
            (a, b)
        } else {
            (b, a)
        };
        early.window.merge_from(late.window).map_err(|e| {
            Error::Usage(format!(
                "{e} (all pieces must be mined with the same logsift version and options)"
            ))
        })?;
        early.components.merge_from(late.components);
        for l in late.inputs {
            match early
                .inputs
                .iter_mut()
                .find(|e| e.name == l.name && e.group == l.group)
            {
                Some(e) => e.absorb(&l),
                None => early.inputs.push(l),
            }
        }
        Ok(early)
    }
}

/// Everything a state file holds.
#[derive(Debug)]
pub struct StateFile {
    /// The template miner.
    pub miner: Miner,
    /// Findings of earlier reviews (empty when the file has none).
    pub history: ReviewHistory,
    /// The counts the analysis runs on, when the state was written by `logsift mine`.
    pub analysis: Option<AnalysisState>,
}

/// Loads a saved state: the miner, then the review history that follows it (a state written
/// without one, such as a merged miner state, has an empty history). Errors name the file.
pub fn load_state(path: &Path) -> Result<(Miner, ReviewHistory), Error> {
    let s = read_state(path)?;
    Ok((s.miner, s.history))
}

/// Loads every section of a state file. Errors name the file and say what to do.
pub fn read_state(path: &Path) -> Result<StateFile, Error> {
    let file = File::open(path).map_err(|e| {
        Error::Usage(format!(
            "cannot open the state file {}: {e}; check the --load-state path",
            path.display()
        ))
    })?;
    read_state_from(BufReader::new(file), path)
}

/// [`read_state`] from any reader (the bytes of a state file); `path` only names the file in
/// messages. Damaged or foreign data gives an error, never a panic.
pub fn read_state_from(mut r: impl Read, path: &Path) -> Result<StateFile, Error> {
    let miner =
        Miner::load(&mut r).map_err(|e| Error::Usage(format!("{}: {e}", path.display())))?;
    let mut rest = Vec::new();
    r.take(MAX_SECTIONS_BYTES + 1)
        .read_to_end(&mut rest)
        .map_err(|e| {
            Error::Usage(format!(
                "cannot read the state file {}: {e}",
                path.display()
            ))
        })?;
    let corrupt = |what: &str, why: String| {
        Error::Usage(format!(
            "{}: the {what} after the miner state is truncated or corrupt ({why}); \
             write the state again",
            path.display()
        ))
    };
    if rest.len() as u64 > MAX_SECTIONS_BYTES {
        return Err(corrupt("data", "larger than 2 GiB".into()));
    }
    let mut rest = rest.strip_prefix(b"\n").unwrap_or(&rest);
    let mut analysis = None;
    if let Some(after) = rest.strip_prefix(ANALYSIS_MAGIC) {
        let (a, tail) = parse_analysis(after).map_err(|why| corrupt("analysis section", why))?;
        analysis = Some(a);
        rest = tail.strip_prefix(b"\n").unwrap_or(tail);
    }
    if rest.is_empty() {
        return Ok(StateFile {
            miner,
            history: ReviewHistory::new(),
            analysis,
        });
    }
    let Some(json) = rest.strip_prefix(HISTORY_MAGIC) else {
        return Err(corrupt(
            "review history",
            "unexpected data after the miner".into(),
        ));
    };
    let history: ReviewHistory =
        serde_json::from_slice(json).map_err(|e| corrupt("review history", e.to_string()))?;
    Ok(StateFile {
        miner,
        history,
        analysis,
    })
}

/// Reads the analysis section after its magic line: a header line
/// `version=1 bytes=N fnv1a=HEX`, then N bytes of JSON. Returns the section and what follows.
fn parse_analysis(data: &[u8]) -> Result<(AnalysisState, &[u8]), String> {
    let nl = memchr::memchr(b'\n', data).ok_or("no header line")?;
    let header = String::from_utf8_lossy(&data[..nl]);
    let (mut version, mut bytes, mut sum) = (None, None, None);
    for field in header.split(' ') {
        match field.split_once('=') {
            Some(("version", v)) => version = Some(v.to_owned()),
            Some(("bytes", v)) => bytes = v.parse::<usize>().ok(),
            Some(("fnv1a", v)) => sum = u64::from_str_radix(v, 16).ok(),
            _ => {}
        }
    }
    let version = version.ok_or("no version in the header line")?;
    if version != ANALYSIS_VERSION.to_string() {
        return Err(format!(
            "section version {version} is not supported, this build reads version \
             {ANALYSIS_VERSION}; use the logsift version that wrote it"
        ));
    }
    let (Some(bytes), Some(sum)) = (bytes, sum) else {
        return Err("header line lacks the body length or checksum".into());
    };
    let body = &data[nl + 1..];
    let Some(json) = body.get(..bytes) else {
        return Err(format!("body has {} of {bytes} bytes", body.len()));
    };
    if crate::mine::state::fnv1a(json) != sum {
        return Err("checksum mismatch".into());
    }
    let mut a: AnalysisState = serde_json::from_slice(json).map_err(|e| e.to_string())?;
    a.window.check_loaded().map_err(|e| e.to_string())?;
    Ok((a, &body[bytes..]))
}

/// Writes a state: the miner, the analysis section when given, the review history when not
/// empty (see docs/state-format.md).
pub fn write_state(
    w: &mut dyn Write,
    miner: &Miner,
    analysis: Option<&AnalysisState>,
    history: &ReviewHistory,
) -> Result<(), String> {
    miner.save(&mut *w).map_err(|e| e.to_string())?;
    if let Some(a) = analysis {
        let json = serde_json::to_vec(a).map_err(|e| e.to_string())?;
        w.write_all(ANALYSIS_MAGIC).map_err(|e| e.to_string())?;
        writeln!(
            w,
            "version={ANALYSIS_VERSION} bytes={} fnv1a={:016x}",
            json.len(),
            crate::mine::state::fnv1a(&json)
        )
        .map_err(|e| e.to_string())?;
        w.write_all(&json).map_err(|e| e.to_string())?;
        w.write_all(b"\n").map_err(|e| e.to_string())?;
    }
    if !history.is_empty() {
        w.write_all(HISTORY_MAGIC).map_err(|e| e.to_string())?;
        serde_json::to_writer(&mut *w, history).map_err(|e| e.to_string())?;
        w.write_all(b"\n").map_err(|e| e.to_string())?;
    }
    w.flush().map_err(|e| e.to_string())
}

/// Saves the miner and the review history to `path` (written to a temporary file beside it,
/// then renamed, so a failed write never leaves a half-written state where a good one was).
pub fn save_state(miner: &Miner, history: &ReviewHistory, path: &Path) -> Result<(), Error> {
    save_state_with(miner, None, history, path)
}

/// [`save_state`] with an analysis section. `-` writes to stdout.
pub fn save_state_with(
    miner: &Miner,
    analysis: Option<&AnalysisState>,
    history: &ReviewHistory,
    path: &Path,
) -> Result<(), Error> {
    let fail = |e: &dyn std::fmt::Display| {
        Error::Usage(format!(
            "cannot write the state file {}: {e}",
            path.display()
        ))
    };
    if path == Path::new("-") {
        let stdout = std::io::stdout();
        let mut w = BufWriter::new(stdout.lock());
        return write_state(&mut w, miner, analysis, history).map_err(|e| {
            if e.contains("Broken pipe") {
                Error::BrokenPipe
            } else {
                fail(&e)
            }
        });
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| fail(&e))?;
    {
        let mut w = BufWriter::new(tmp.as_file_mut());
        write_state(&mut w, miner, analysis, history).map_err(|e| fail(&e))?;
    }
    tmp.persist(path).map_err(|e| fail(&e.error))?;
    Ok(())
}

/// Mines the inputs into a state for a later merge or analysis (`logsift mine --emit-state`):
/// the miner and the analysis section. `shard` is the piece's position in a split input
/// (pieces merge in shard order); `name` renames the inputs (a piece of a file read from
/// stdin keeps the file's name, so that its pieces merge into one input).
pub fn emit_state(
    read: &ReadConfig,
    cfg: &MineConfig,
    shard: u64,
    name: Option<&str>,
    out: &Path,
) -> Result<Mined, Error> {
    let mut mined = mine_with(read, cfg, None, true, shard)?;
    if let Some(n) = name {
        for i in &mut mined.read.inputs {
            n.clone_into(&mut i.name);
        }
    }
    let analysis = AnalysisState::of(&mined);
    save_state_with(&mined.miner, Some(&analysis), &mined.history, out)?;
    Ok(mined)
}

/// Merges two loaded states: the miners (relabelling each side's counts to the merged ids),
/// the analysis sections and the review histories. Commutative; associative for the miner,
/// the counts and the history (see docs/scale-out.md for the two approximate parts).
pub fn merge_state_files(a: StateFile, b: StateFile) -> Result<StateFile, Error> {
    let (miner, [map_a, map_b]) =
        Miner::merge_mapped(&a.miner, &b.miner).map_err(|e| Error::Usage(e.to_string()))?;
    let analysis = match (a.analysis, b.analysis) {
        (Some(mut x), Some(mut y)) => {
            x.remap(&map_a);
            y.remap(&map_b);
            Some(AnalysisState::merge(x, y)?)
        }
        (None, None) => None,
        _ => {
            return Err(Error::Usage(
                "one state holds time-bucket counts and the other does not; merge only \
                 states written by `logsift mine --emit-state`, or only miner states"
                    .into(),
            ));
        }
    };
    Ok(StateFile {
        miner,
        history: a.history.merge(&b.history),
        analysis,
    })
}

/// Merges saved states (`logsift merge-state A B... -o C`): the miners, the analysis sections
/// (when the states have them) and the review histories. `-` as output writes to stdout.
pub fn merge_states(inputs: &[PathBuf], output: &Path) -> Result<Miner, Error> {
    let mut iter = inputs.iter();
    let first = iter
        .next()
        .ok_or_else(|| Error::Usage("merge-state needs at least one state file".into()))?;
    let mut acc = read_state(first)?;
    for p in iter {
        let next = read_state(p)?;
        acc = merge_state_files(acc, next)
            .map_err(|e| Error::Usage(format!("merging {}: {e}", p.display())))?;
    }
    save_state_with(&acc.miner, acc.analysis.as_ref(), &acc.history, output)?;
    Ok(acc.miner)
}

// ---------------------------------------------------------------------------------------------
// Analysis

/// How the incident window is asked for, before times are resolved against the log.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum WindowRequest {
    /// Nothing given: baseline inputs if any, else a change-point search.
    #[default]
    Auto,
    /// `--incident-start TIME [--incident-end TIME]`, as the user wrote them.
    IncidentStart {
        /// Start of the incident.
        start: String,
        /// End of the incident.
        end: Option<String>,
    },
    /// `--last DURATION`, in milliseconds.
    Last(i64),
}

/// Everything the main job needs.
#[derive(Debug, Clone, Default)]
pub struct AnalyseConfig {
    /// Mining settings.
    pub mine: MineConfig,
    /// The window the user asked for.
    pub window: WindowRequest,
    /// Statistics settings.
    pub score: ScoreConfig,
    /// Save the miner state here after mining (`--save-state`).
    pub save_state: Option<PathBuf>,
}

/// A finished analysis with what it was computed from.
#[derive(Debug)]
pub struct Analysed {
    /// The mined templates and counts.
    pub mined: Mined,
    /// The findings.
    pub analysis: Analysis,
}

/// Reads, mines and analyses: the main job up to the findings.
pub fn analyse(read: &ReadConfig, cfg: &AnalyseConfig) -> Result<Analysed, Error> {
    warm_up_summary();
    let mined = mine_with(read, &cfg.mine, None, true, 0)?;
    if mined.read.inputs.iter().all(|i| i.access.is_none()) {
        // Nothing could be opened: the input errors say why; there is nothing to analyse.
        return Err(Error::Usage(
            mined
                .read
                .inputs
                .iter()
                .filter_map(|i| i.error.clone())
                .next()
                .unwrap_or_else(|| "no input could be read".into()),
        ));
    }
    finish_analysis(mined, !read.baseline.is_empty(), &read.detect, cfg)
}

/// Starts building, on a thread of its own, what the summary step needs once reading is done
/// (the tokenizer that measures the evidence, the redaction patterns), so that this fixed cost
/// overlaps with reading instead of following it. The thread is not waited for: whoever needs
/// these first simply waits for the build already under way.
fn warm_up_summary() {
    let spawned = std::thread::Builder::new()
        .name("logsift-warm-up".into())
        .spawn(|| {
            crate::llm::tokens::warm_up();
            crate::redact::warm_up();
        });
    // Without a thread the same work happens on first use, as it would anyway.
    drop(spawned);
}

/// Analyses a state written by `logsift mine --emit-state` (or merged from such states)
/// without reading any log: the same findings as [`analyse`] on the lines that were mined.
/// `detect` reads user-given times (a given `--log-format`); `cfg.mine` is not used.
pub fn analyse_state(
    state: StateFile,
    detect: &DetectOptions,
    cfg: &AnalyseConfig,
) -> Result<Analysed, Error> {
    let mined = mined_from_state(state, detect)?;
    let has_baseline = mined.read.inputs.iter().any(|i| i.group == Group::Baseline);
    finish_analysis(mined, has_baseline, detect, cfg)
}

/// What mining produced, rebuilt from a state with an analysis section (header formats
/// detected again from the saved samples with `detect`).
pub fn mined_from_state(state: StateFile, detect: &DetectOptions) -> Result<Mined, Error> {
    let Some(a) = state.analysis else {
        return Err(Error::Usage(
            "the state holds no time-bucket counts (it was saved by --save-state or merged \
             from such states); write one with `logsift mine FILE... --emit-state OUT`, or \
             give the log files to continue mining"
                .into(),
        ));
    };
    let inputs: Vec<InputInfo> = a.inputs.iter().map(|i| i.to_info(detect)).collect();
    Ok(Mined {
        miner: state.miner,
        counts: a.window,
        read: ReadSummary { inputs },
        evicted: HashMap::new(),
        components: a.components,
        history: state.history,
    })
}

/// Scores what was mined, records the review in the history and saves the state when asked.
fn finish_analysis(
    mut mined: Mined,
    has_baseline: bool,
    detect: &DetectOptions,
    cfg: &AnalyseConfig,
) -> Result<Analysed, Error> {
    let spec = resolve_window(&cfg.window, has_baseline, &mined.read, detect)?;
    let clusters = cluster_infos(&mined);
    let analysis = match score::analyse(&mined.counts, &clusters, &spec, &cfg.score) {
        Ok(a) => a,
        Err(score::ScoreError::NoEvents) => {
            return Err(Error::Usage(
                "there are no log lines to analyse: check that the inputs are not empty and, when \
                 --since/--until are given, that the window covers the times in them"
                    .into(),
            ));
        }
        Err(e) => {
            if let Some(p) = &cfg.save_state {
                save_state(&mined.miner, &mined.history, p)?;
            }
            return Err(Error::Usage(e.to_string()));
        }
    };
    // This review joins the history; the end of the incident window names it, so that
    // analysing the same logs twice counts as one review. Logs without timestamps have only
    // positions, so their reviews are named by the clock.
    let review_ms = match analysis.window.time_basis {
        crate::window::TimeBasis::Timestamps => analysis.window.incident.end_ms,
        crate::window::TimeBasis::Positions => Timestamp::now().0,
    };
    let components = &mined.components;
    mined
        .history
        .record(&analysis, review_ms, &components.lookup());
    if let Some(p) = &cfg.save_state {
        save_state(&mined.miner, &mined.history, p)?;
    }
    Ok(Analysed { mined, analysis })
}

/// What the analysis needs to know about each cluster that has counts.
fn cluster_infos(mined: &Mined) -> Vec<ClusterInfo> {
    let mut out = Vec::new();
    for id in mined.counts.cluster_ids() {
        if id == EVICTED_CLUSTER {
            out.push(ClusterInfo {
                id,
                template: "<clusters evicted at --max-clusters>".into(),
                level: None,
                first_seen: None,
                last_seen: None,
                samples: Vec::new(),
            });
            continue;
        }
        let Some(c) = mined.miner.cluster(ClusterId(u64::from(id))) else {
            continue;
        };
        out.push(ClusterInfo {
            id,
            template: c.template(),
            level: None,
            first_seen: c.first_seen(),
            last_seen: c.last_seen(),
            samples: c
                .samples()
                .map(|s| String::from_utf8_lossy(s).into_owned())
                .collect(),
        });
    }
    out
}

/// Turns the user's window request into the analysis' terms, reading absolute times the way
/// the log's own timestamps are read.
pub fn resolve_window(
    req: &WindowRequest,
    has_baseline: bool,
    read: &ReadSummary,
    detect: &DetectOptions,
) -> Result<WindowSpec, Error> {
    Ok(match req {
        WindowRequest::Auto if has_baseline => WindowSpec::BaselineInputs,
        WindowRequest::Auto => WindowSpec::Auto,
        WindowRequest::Last(ms) => WindowSpec::Last { ms: *ms },
        WindowRequest::IncidentStart { start, end } => WindowSpec::IncidentStart {
            start: resolve_time("--incident-start", start, read, detect)?,
            end: end
                .as_deref()
                .map(|e| resolve_time("--incident-end", e, read, detect))
                .transpose()?,
        },
    })
}

/// Reads a TIME argument: `-30m` (before the end of the data), RFC 3339, or a timestamp copied
/// from the log in the log's own format.
pub fn resolve_time(
    flag: &str,
    text: &str,
    read: &ReadSummary,
    detect: &DetectOptions,
) -> Result<TimeRef, Error> {
    let t = text.trim();
    if let Some(rel) = t.strip_prefix('-')
        && let Ok(ms) = parse_duration(rel)
    {
        return Ok(TimeRef::BeforeEnd(ms));
    }
    let parsed = match read.time_format() {
        Some(f) => f.parse_time(t, detect),
        None => HeaderFormat::none().parse_time(t, detect),
    };
    parsed.map(TimeRef::At).ok_or_else(|| {
        let example = read
            .inputs
            .iter()
            .find_map(|i| i.first_ts)
            .map(|ts| format!(" (the log starts at {ts})"))
            .unwrap_or_default();
        Error::Usage(format!(
            "cannot read {flag} {text:?} as a time: give a time relative to the end of the \
             data (-30m), RFC 3339 (2026-11-27T14:02:00Z), or a timestamp copied from the log \
             in its own format{example}"
        ))
    })
}

/// Parses a duration: a number and a unit (`ms`, `s`, `m`, `h`, `d`, `w`), possibly several
/// (`1h30m`). A bare number is seconds.
pub fn parse_duration(text: &str) -> Result<i64, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("empty duration; write e.g. 30m, 2h or 1h30m".into());
    }
    if let Ok(secs) = t.parse::<u64>() {
        return match i64::try_from(secs).ok().and_then(|s| s.checked_mul(1_000)) {
            None => Err(format!("duration {t:?} is too long")),
            Some(0) => Err(format!("duration {t:?} must be longer than zero")),
            Some(ms) => Ok(ms),
        };
    }
    let b = t.as_bytes();
    let mut i = 0;
    let mut total: i64 = 0;
    while i < b.len() {
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if start == i {
            return Err(format!(
                "cannot read duration {t:?}: write e.g. 30m, 2h or 1h30m"
            ));
        }
        let n: i64 = t[start..i]
            .parse()
            .map_err(|_| format!("duration {t:?} is too long"))?;
        let ustart = i;
        while i < b.len() && b[i].is_ascii_alphabetic() {
            i += 1;
        }
        let unit = match &t[ustart..i] {
            "ms" => 1,
            "s" | "sec" | "secs" => 1_000,
            "m" | "min" | "mins" => 60_000,
            "h" | "hr" | "hrs" => 3_600_000,
            "d" | "day" | "days" => 86_400_000,
            "w" | "week" | "weeks" => 604_800_000,
            u => {
                return Err(format!(
                    "unknown unit {u:?} in duration {t:?}: use ms, s, m, h, d or w"
                ));
            }
        };
        total = n
            .checked_mul(unit)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(|| format!("duration {t:?} is too long"))?;
    }
    if total <= 0 {
        return Err(format!("duration {t:?} must be longer than zero"));
    }
    Ok(total)
}

// ---------------------------------------------------------------------------------------------
// Summary

/// Writes the summary of an analysis: the offline summary, or a model's when `llm` says so,
/// falling back to the offline one on any failure. Only redacted evidence leaves the process.
pub fn summarize(
    analysed: &Analysed,
    llm: &crate::llm::LlmConfig,
    runbooks: Option<&Runbooks>,
) -> crate::llm::Summary {
    let prepared = prepare_evidence(analysed, llm, runbooks);
    crate::llm::summarize_blocking(&prepared, llm)
}

/// Exactly what would be sent to the model (`--show-prompt`); sends nothing.
pub fn prompt_text(
    analysed: &Analysed,
    llm: &crate::llm::LlmConfig,
    runbooks: Option<&Runbooks>,
) -> String {
    let prepared = prepare_evidence(analysed, llm, runbooks);
    crate::llm::render_prompt(prepared.evidence(), llm)
}

/// The redacted evidence for the summary, naming each finding's runbook when one matches.
fn prepare_evidence(
    analysed: &Analysed,
    llm: &crate::llm::LlmConfig,
    runbooks: Option<&Runbooks>,
) -> crate::llm::Prepared {
    match runbooks {
        Some(rb) => {
            let component = analysed.mined.components.lookup();
            crate::llm::prepare_with_runbooks(&analysed.analysis, llm, rb.title_lookup(&component))
        }
        None => crate::llm::prepare(&analysed.analysis, llm),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_in_every_unit() {
        assert_eq!(parse_duration("30m"), Ok(1_800_000));
        assert_eq!(parse_duration("1h30m"), Ok(5_400_000));
        assert_eq!(parse_duration("90"), Ok(90_000));
        assert_eq!(parse_duration("250ms"), Ok(250));
        assert_eq!(parse_duration("2d"), Ok(172_800_000));
        assert!(parse_duration("").is_err());
        assert!(parse_duration("5x").is_err());
        assert!(parse_duration("m").is_err());
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("99999999999999999999d").is_err());
    }
}
