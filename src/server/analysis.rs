//! One analysis for the server: a source (or the caller's own logs) and a window in, a
//! [`Report`] out, through the same `app` functions as the command line.
//!
//! Owns the mapping of a request onto [`ReadConfig`] and [`AnalyseConfig`]: a file source
//! becomes its expanded paths, a command source its spilled output, raw logs a temporary
//! file; `last` becomes the incident window (`--last`), `since`/`until` a time filter
//! (`--since`/`--until`). Everything here is synchronous and runs inside `spawn_blocking`;
//! it does not know about HTTP.

use std::io::Write;

use crate::app::{self, AnalyseConfig, ReadConfig, WindowRequest};
use crate::input::InputSpec;
use crate::record::{DetectOptions, Timestamp};
use crate::report::Report;
use crate::timefilter::{self, TimeWindow};

use super::config::{ServerConfig, Source, SourceKind};
use super::metrics::Metrics;
use super::sources::{self, SourceError};

/// What to analyse.
#[derive(Debug, Clone)]
pub enum JobInput {
    /// A configured source, by name.
    Source(String),
    /// Logs the caller sent.
    Logs(Vec<u8>),
}

/// Which part of the data, and how to split it into baseline and incident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobWindow {
    /// Everything; the incident window is found by the change-point search.
    Auto,
    /// The incident is the last this-many ms of the data; what comes before is the baseline
    /// (`--last`).
    Last(i64),
    /// Only the events inside the window are read; the incident window is found inside it
    /// (`--since`/`--until`).
    Range(TimeWindow),
}

/// One analysis to run.
#[derive(Debug, Clone)]
pub struct Job {
    /// What to read.
    pub input: JobInput,
    /// Which part of it.
    pub window: JobWindow,
    /// The clock's time, for relative bounds.
    pub now: Timestamp,
}

/// Why an analysis produced no report.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// No source has that name.
    #[error("unknown source {0:?}")]
    UnknownSource(String),
    /// The source gave no input.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// The request cannot be analysed as asked (a bad time, an empty window, no lines).
    #[error("{0}")]
    Unprocessable(String),
    /// Something on the server's side failed (a temporary file, ...).
    #[error("{0}")]
    Internal(String),
}

/// A finished analysis.
#[derive(Debug)]
pub struct JobOutput {
    /// The report, with its summary.
    pub report: Report,
    /// Lines read.
    pub lines: u64,
}

/// Runs `job` to a report with a summary; counts lines and model use in `metrics`.
pub fn run(cfg: &ServerConfig, job: &Job, metrics: &Metrics) -> Result<JobOutput, JobError> {
    let result = run_inner(cfg, job, metrics);
    if result.is_err() {
        metrics.analysis(false, 0);
    }
    result
}

fn run_inner(cfg: &ServerConfig, job: &Job, metrics: &Metrics) -> Result<JobOutput, JobError> {
    let (log_format, since_hint) = match &job.input {
        JobInput::Source(name) => {
            let src = cfg
                .source(name)
                .ok_or_else(|| JobError::UnknownSource(name.clone()))?;
            (src.log_format.clone(), since_hint(&job.window, job.now))
        }
        JobInput::Logs(_) => (None, None),
    };
    let mut detect = DetectOptions::builder().reference(job.now);
    if let Some(f) = log_format {
        detect = detect.log_format(f);
    }
    let detect = detect
        .build()
        .map_err(|e| JobError::Unprocessable(e.to_string()))?;

    // Keep the temporary inputs alive until the analysis is done.
    let mut _spill: Option<tempfile::NamedTempFile> = None;
    let mut notes = Vec::new();
    let inputs: Vec<InputSpec> = match &job.input {
        JobInput::Source(name) => {
            let src = cfg
                .source(name)
                .ok_or_else(|| JobError::UnknownSource(name.clone()))?;
            match source_inputs(src, since_hint)? {
                SourceInputs::Paths(p) => p.into_iter().map(InputSpec::Path).collect(),
                SourceInputs::Spilled(out) => {
                    if out.truncated {
                        notes.push(format!(
                            "the command's output was cut at {} bytes (max_command_bytes)",
                            out.bytes
                        ));
                    }
                    let spec = InputSpec::Path(out.file.path().to_owned());
                    _spill = Some(out.file);
                    vec![spec]
                }
            }
        }
        JobInput::Logs(bytes) => {
            let mut f = tempfile::Builder::new()
                .prefix("logsift-request")
                .tempfile()
                .map_err(|e| JobError::Internal(format!("temporary file: {e}")))?;
            f.write_all(bytes)
                .and_then(|()| f.flush())
                .map_err(|e| JobError::Internal(format!("temporary file: {e}")))?;
            let spec = InputSpec::Path(f.path().to_owned());
            _spill = Some(f);
            vec![spec]
        }
    };
    let mut read = ReadConfig::new(inputs);
    read.detect = detect;

    let (window_req, range) = match &job.window {
        JobWindow::Auto => (WindowRequest::Auto, None),
        JobWindow::Last(ms) => (WindowRequest::Last(*ms), None),
        JobWindow::Range(w) => (WindowRequest::Auto, Some(w)),
    };
    let prefiltered = match range {
        Some(w) if !w.is_unbounded() => Some(
            timefilter::prefilter(&read, w, job.now)
                .map_err(|e| JobError::Unprocessable(e.to_string()))?,
        ),
        _ => None,
    };
    let read = prefiltered.as_ref().map_or(&read, |p| &p.read);
    let acfg = AnalyseConfig {
        window: window_req,
        // A job saves no state, the only reader of the miner's slot values.
        mine: app::MineConfig {
            track_values: false,
            ..app::MineConfig::default()
        },
        ..AnalyseConfig::default()
    };
    let mut analysed = app::analyse(read, &acfg).map_err(|e| match e {
        crate::error::Error::Usage(m) => JobError::Unprocessable(m),
        other => JobError::Unprocessable(other.to_string()),
    })?;
    if let Some(p) = &prefiltered {
        p.restore_names(&mut analysed.mined.read);
    }
    let lines = analysed.mined.read.totals().lines;
    let summary = app::summarize(&analysed, &cfg.llm, None);
    metrics.analysis(true, lines);
    metrics.llm(
        summary.attempts,
        summary.attempts > 0 && summary.fallback.is_some(),
        summary.tokens_in,
        summary.tokens_out,
    );
    let mut report = Report::new(&analysed);
    report.summary = Some(summary);
    report.set_components(&analysed.mined.components.lookup());
    if let Some(w) = prefiltered.as_ref().and_then(|p| p.warning()) {
        report.notes.push(w);
    }
    report.notes.extend(notes);
    if let JobInput::Logs(_) = &job.input {
        for i in &mut report.inputs {
            i.name = "<request>".to_owned();
        }
    }
    Ok(JobOutput { report, lines })
}

/// The earliest time a window can reach back to, when it can be known before reading (to
/// skip rotated files written before it).
fn since_hint(w: &JobWindow, now: Timestamp) -> Option<Timestamp> {
    match w {
        JobWindow::Range(tw) => tw
            .resolve(None, &DetectOptions::default(), now)
            .ok()
            .and_then(|f| f.since()),
        _ => None,
    }
}

enum SourceInputs {
    Paths(Vec<std::path::PathBuf>),
    Spilled(sources::CommandOutput),
}

fn source_inputs(src: &Source, since: Option<Timestamp>) -> Result<SourceInputs, SourceError> {
    match &src.kind {
        SourceKind::Files { globs, max_rotated } => Ok(SourceInputs::Paths(sources::expand_files(
            &src.name,
            globs,
            *max_rotated,
            since,
        )?)),
        SourceKind::Command {
            argv,
            timeout,
            max_bytes,
        } => Ok(SourceInputs::Spilled(sources::run_command(
            &src.name, argv, *timeout, *max_bytes,
        )?)),
    }
}
