//! The command-line front end: clap definitions (their doc comments are the `--help` text) and
//! their resolution into the library's configuration types.
//!
//! Owns flag parsing, defaults that depend on the environment (`NO_COLOR`, a terminal on
//! stdout) and the mapping of outcomes to exit codes. It does no analysis itself: every
//! command calls a function of [`crate::app`], the same ones the server calls.

use std::ffi::OsString;
use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::app::{self, AnalyseConfig, MineConfig, PerLine, ReadConfig, WindowRequest};
use crate::deliver::{self, DeliverConfig, PostFormat};
use crate::error::{EXIT_ANOMALY, EXIT_INPUT, EXIT_OK, Error};
use crate::input::{InputSpec, SplitConfig};
use crate::llm::{self, LlmConfig};
use crate::mine::MinerConfig;
use crate::record::{DetectOptions, Timestamp};
use crate::redact::RedactConfig;
use crate::report::{self, Report, TextOptions};
use crate::runbook::Runbooks;
use crate::score::ScoreConfig;
use crate::timefilter::{self, TimeWindow};

const EXAMPLES: &str = "\
Examples:
  kubectl logs deploy/api --since=1h | logsift      what changed? (window found automatically)
  logsift app.log --incident-start '2026-11-27 14:02:00,000'
                                                    the incident began then; the rest is baseline
  logsift app.log --last 30m                        the last 30 minutes against what came before
  logsift --baseline yesterday.log.gz today.log     a known-good run against today
  logsift app.log --format json | jq '.flagged[0]'  machine-readable findings
  logsift templates app.log                         the templates, most frequent first
  logsift --since yesterday --until today app.log --post \"$SLACK_WEBHOOK\"
                                                    yesterday's review, posted to Slack
  logsift serve --config logsift.toml               HTTP API, Slack command, schedules

Times: relative to the end of the data (-30m), RFC 3339, or copied from the log in its own
format ('Dec 10 07:55:46', '081109 213615', '2015-10-18 19:01:47,000', '1117842170').

Exit codes: 0 the run worked; 1 something was flagged and --fail-on-anomaly was given;
2 bad input or usage (the other inputs are still read). A failed --post is reported on
stderr and does not change the exit code: the report is still written.";

/// Turns millions of log lines into a short, trustworthy account of what changed.
///
/// logsift reads logs (files, or stdin when no file or `-` is given; gzip and zstd are
/// recognised by their first bytes), finds each line's header (timestamp, level, component),
/// mines the messages into templates, counts each template over time, and reports what
/// changed between a baseline and the incident window: new templates, spikes, drops, trends,
/// and shifts in the values of a template's variables.
#[derive(Debug, Parser)]
#[command(
    name = "logsift",
    version,
    about,
    long_about,
    after_help = EXAMPLES,
    args_conflicts_with_subcommands = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,

    #[command(flatten)]
    summarize: SummarizeArgs,

    #[command(flatten)]
    global: GlobalArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List the templates mined from the logs, most frequent first.
    ///
    /// Each template is a log message with its variable parts written as `<*>`, the
    /// convention of the Loghub benchmark.
    Templates(TemplatesArgs),
    /// Mine logs into a state file for a later merge or analysis, without analysing.
    ///
    /// The state holds the templates and everything the analysis needs (counts per time
    /// bucket, value summaries, what was read), so pieces of a log mined apart (on several
    /// machines, or as the partitions of a Spark job) merge with `merge-state` and analyse
    /// with `logsift --load-state STATE` as if the whole log had been read at once.
    Mine(MineCmdArgs),
    /// Merge states saved from different shards into one.
    ///
    /// Equal templates, or one generalising the other, become one; counts and times add up.
    /// States written by `mine --emit-state` keep their time-bucket counts through the merge.
    MergeState(MergeArgs),
    /// Serve summaries over HTTP (POST /v1/summarize), answer Slack slash commands and post
    /// scheduled reviews, as configured in a TOML file (see docs/server.md).
    Serve(ServeArgs),
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// The server's configuration: listen address, tokens, sources, schedules.
    #[arg(long, value_name = "FILE")]
    config: PathBuf,

    /// Check the configuration and exit without serving.
    #[arg(long)]
    check: bool,
}

/// Options of the main job (summarize).
#[derive(Debug, Args)]
struct SummarizeArgs {
    #[command(flatten)]
    input: InputArgs,

    #[command(flatten)]
    mine: MineArgs,

    /// Known-good logs to compare against (repeat for several); the FILE arguments are then
    /// the incident.
    #[arg(long, value_name = "FILE", help_heading = "Window")]
    baseline: Vec<OsString>,

    /// Start of the incident: -30m (before the end of the data), RFC 3339, or a timestamp
    /// copied from the log. Everything before it is the baseline.
    #[arg(
        long,
        value_name = "TIME",
        allow_hyphen_values = true,
        help_heading = "Window"
    )]
    incident_start: Option<String>,

    /// End of the incident (default: the end of the data).
    #[arg(
        long,
        value_name = "TIME",
        allow_hyphen_values = true,
        requires = "incident_start",
        help_heading = "Window"
    )]
    incident_end: Option<String>,

    /// The incident is the last DURATION of the data (e.g. 30m, 2h).
    #[arg(
        long,
        value_name = "DURATION",
        conflicts_with = "incident_start",
        help_heading = "Window"
    )]
    last: Option<String>,

    /// Read only events at or after TIME: RFC 3339, a timestamp copied from the log,
    /// -24h (before now), now, today or yesterday (UTC days).
    #[arg(
        long,
        value_name = "TIME",
        allow_hyphen_values = true,
        help_heading = "Window"
    )]
    since: Option<String>,

    /// Read only events before TIME (same forms as --since). Events without a timestamp
    /// take the time of the event before them.
    #[arg(
        long,
        value_name = "TIME",
        allow_hyphen_values = true,
        help_heading = "Window"
    )]
    until: Option<String>,

    /// Width of a chart bucket (e.g. 1m); chosen from the time span by default.
    #[arg(long, value_name = "DURATION", help_heading = "Window")]
    bucket: Option<String>,

    /// Report format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text, help_heading = "Output")]
    format: ReportFormat,

    /// Write the report to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE", help_heading = "Output")]
    output: Option<PathBuf>,

    /// Findings shown in full in the text and Markdown reports.
    #[arg(long, value_name = "N", default_value_t = 10, help_heading = "Output")]
    top: usize,

    /// Runbook file (TOML, see docs/runbooks.md): links findings that match an entry to its
    /// title, URL and first steps.
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    runbooks: Option<PathBuf>,

    /// Redact every log-derived string in the report itself (templates, samples, values,
    /// the summary), as is always done for what is sent to a model; with --redact-hosts,
    /// IP addresses and host names too.
    #[arg(long, help_heading = "Output")]
    redact_output: bool,

    /// Exit with code 1 when anything is flagged (for CI and cron).
    #[arg(long, help_heading = "Output")]
    fail_on_anomaly: bool,

    /// After writing the report, post it to this webhook: a Slack message for Slack URLs
    /// (hooks.slack.com), the JSON report otherwise. Retried on 429 and 5xx; a failure is
    /// reported on stderr and does not change the exit code.
    #[arg(
        long,
        value_name = "URL",
        env = "LOGSIFT_POST_URL",
        hide_env_values = true,
        help_heading = "Output"
    )]
    post: Option<String>,

    /// What --post sends (default: by URL).
    #[arg(
        long,
        value_enum,
        value_name = "FORMAT",
        requires = "post",
        help_heading = "Output"
    )]
    post_format: Option<PostFormatArg>,

    /// Where the full report (-o) will be read, e.g. the URL it is published at; the Slack
    /// message of --post links to it.
    #[arg(long, value_name = "URL", requires = "post", help_heading = "Output")]
    report_url: Option<String>,

    #[command(flatten)]
    llm: LlmArgs,
}

/// How the summary is written.
#[derive(Debug, Args)]
struct LlmArgs {
    /// Summarizer: `auto` asks an OpenAI-compatible model when OPENAI_API_KEY or
    /// OPENAI_BASE_URL (or --llm-base-url) is set and writes the offline summary otherwise;
    /// `off` never calls a model; `openai` requires one. Only redacted outlier templates,
    /// counts and a few redacted samples are sent, never the logs.
    #[arg(long, value_enum, default_value_t = LlmMode::Auto, help_heading = "Summary")]
    llm: LlmMode,

    /// Base URL of the OpenAI-compatible API (OpenAI, Azure, Ollama, vLLM, llama.cpp, ...).
    #[arg(
        long,
        value_name = "URL",
        env = "OPENAI_BASE_URL",
        help_heading = "Summary"
    )]
    llm_base_url: Option<String>,

    /// Model name to ask for.
    #[arg(long, value_name = "NAME", help_heading = "Summary")]
    llm_model: Option<String>,

    /// Timeout of one request to the model (e.g. 60s).
    #[arg(long, value_name = "DURATION", help_heading = "Summary")]
    llm_timeout: Option<String>,

    /// Hard budget of the prompt in tokens; the top findings are packed by score until it
    /// is full.
    #[arg(long, value_name = "N", help_heading = "Summary")]
    max_prompt_tokens: Option<usize>,

    /// Print exactly what would be sent to the model, and send nothing.
    #[arg(long, help_heading = "Summary")]
    show_prompt: bool,

    /// Also replace IP addresses and host names in what is sent.
    #[arg(long, help_heading = "Summary")]
    redact_hosts: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ReportFormat {
    /// For terminals and plain-text mail.
    Text,
    /// For chat, tickets and wikis.
    Markdown,
    /// Stable JSON for programs (docs/json-schema.md).
    Json,
    /// One self-contained page for a review meeting.
    Html,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum PostFormatArg {
    /// A Slack incoming-webhook message.
    Slack,
    /// The JSON report.
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum LlmMode {
    /// A model when one is configured, else the offline summary.
    Auto,
    /// No model: the offline summary.
    Off,
    /// Always a model (an API key or a base URL is required).
    Openai,
}

fn llm_config(args: &LlmArgs) -> Result<LlmConfig, Error> {
    let mode = match args.llm {
        LlmMode::Auto => llm::LlmMode::Auto,
        LlmMode::Off => llm::LlmMode::Off,
        LlmMode::Openai => llm::LlmMode::Openai,
    };
    let mut b = LlmConfig::builder()
        .from_env()
        .mode(mode)
        .redact_hosts(args.redact_hosts);
    if let Some(u) = &args.llm_base_url {
        b = b.base_url(u.clone());
    }
    if let Some(m) = &args.llm_model {
        b = b.model(m.clone());
    }
    if let Some(t) = &args.llm_timeout {
        let ms = app::parse_duration(t).map_err(|e| Error::Usage(format!("--llm-timeout: {e}")))?;
        b = b.timeout(std::time::Duration::from_millis(
            u64::try_from(ms).unwrap_or(u64::MAX),
        ));
    }
    if let Some(n) = args.max_prompt_tokens {
        b = b.max_prompt_tokens(n);
    }
    b.build().map_err(|e| Error::Usage(e.to_string()))
}

/// How inputs are read.
#[derive(Debug, Args)]
struct InputArgs {
    /// Log files to read, in order. `-` or nothing reads stdin.
    #[arg(value_name = "FILE")]
    files: Vec<OsString>,

    /// Header format in the Loghub notation, instead of auto-detection: fields are `<Name>`,
    /// the last one `<Content>`; the text between fields is a regex (escape brackets as `\[`).
    /// Fields named like Date, Time, Timestamp or Month hold the time; Level the severity.
    #[arg(long, value_name = "FORMAT", help_heading = "Input")]
    log_format: Option<String>,

    /// Lines longer than this many bytes are cut; the cut lines are counted and reported.
    #[arg(long, value_name = "BYTES", default_value_t = 64 * 1024, help_heading = "Input")]
    max_line_bytes: usize,

    /// Do not join continuation lines (stack traces, indented lines) to the event before them.
    #[arg(long, help_heading = "Input")]
    no_multiline: bool,
}

/// How templates are mined.
#[derive(Debug, Args)]
struct MineArgs {
    /// Most templates kept, each taking about 2 KB of memory; beyond it the least recently
    /// seen is evicted (and counted).
    #[arg(
        long,
        value_name = "N",
        default_value_t = 100_000,
        help_heading = "Mining"
    )]
    max_clusters: usize,

    /// Continue from a state saved by --save-state (templates and the review history). When
    /// FILE is also the --save-state file and does not exist yet, the run starts a new one.
    /// Without log files, a state written by `logsift mine --emit-state` (or merged from such
    /// states) is analysed alone: no log is read (pass `-` to continue mining stdin instead).
    #[arg(long, value_name = "FILE", help_heading = "Mining")]
    load_state: Option<PathBuf>,

    /// Save the miner state after reading (a versioned file, see docs/state-format.md).
    #[arg(long, value_name = "FILE", help_heading = "Mining")]
    save_state: Option<PathBuf>,

    /// Threads to work with (0: one per CPU core): all parse and mask lines, and one of them
    /// also mines them in input order, so every thread count gives the same result.
    #[arg(long, value_name = "N", default_value_t = 0, help_heading = "Mining")]
    threads: usize,
}

#[derive(Debug, Args)]
struct TemplatesArgs {
    #[command(flatten)]
    input: InputArgs,

    #[command(flatten)]
    mine: MineArgs,

    /// Output format: an aligned table, a JSON array, or one JSON object per template.
    #[arg(long, value_enum, default_value_t = TemplatesFormat::Table)]
    format: TemplatesFormat,

    /// Also write one JSON object per input line, in input order, to FILE:
    /// {"line_no", "cluster_id", "template"} with the final template of the line's cluster.
    #[arg(long, value_name = "FILE")]
    per_line: Option<PathBuf>,

    /// Write the template list to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum TemplatesFormat {
    /// Count, id and template, most frequent first.
    Table,
    /// One JSON array.
    Json,
    /// One JSON object per line.
    Jsonl,
}

#[derive(Debug, Args)]
struct MineCmdArgs {
    #[command(flatten)]
    input: InputArgs,

    /// Most templates kept, each taking about 2 KB of memory; beyond it the least recently
    /// seen is evicted (and counted).
    #[arg(long, value_name = "N", default_value_t = 100_000)]
    max_clusters: usize,

    /// Threads to work with (0: one per CPU core): all parse and mask lines, and one of them
    /// also mines them in input order; every thread count gives the same state.
    #[arg(long, value_name = "N", default_value_t = 0)]
    threads: usize,

    /// Write the state to OUT (`-`: stdout).
    #[arg(long, value_name = "OUT")]
    emit_state: PathBuf,

    /// Position of this piece in a log split into contiguous pieces (0, 1, ...): merged
    /// states put lower numbers first, as the lines came.
    #[arg(long, value_name = "N", default_value_t = 0)]
    shard: u64,

    /// Name of the inputs in the state and the report (a piece read from stdin takes the
    /// name of the file it came from, so that the pieces merge into one input).
    #[arg(long, value_name = "NAME")]
    input_name: Option<String>,

    /// Detect the header format from the first lines of FILE instead of each input's own
    /// first lines, so that every piece of a log reads its headers the same way.
    #[arg(long, value_name = "FILE")]
    format_sample: Option<PathBuf>,

    /// The inputs are baseline (known-good) logs, as with `--baseline` of the main job.
    #[arg(long)]
    baseline: bool,
}

#[derive(Debug, Args)]
struct MergeArgs {
    /// State files to merge (written by --save-state).
    #[arg(value_name = "STATE", required = true, num_args = 1..)]
    states: Vec<PathBuf>,

    /// Where to write the merged state (`-`: stdout).
    #[arg(short, long, value_name = "FILE")]
    output: PathBuf,
}

/// Options that apply to every command.
#[derive(Debug, Args)]
struct GlobalArgs {
    /// When to colour the output. `auto` colours a terminal unless NO_COLOR is set.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    color: ColorChoice,

    /// Print no warnings on stderr, only errors.
    #[arg(short, long, global = true)]
    quiet: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Resolves `auto` against the environment: colour only on a terminal and without NO_COLOR
    /// (<https://no-color.org>: any non-empty value disables colour).
    fn resolve(self, to_terminal: bool) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
                !no_color && to_terminal
            }
        }
    }
}

/// Parses the process arguments, runs the command and returns the exit code.
pub fn main() -> i32 {
    let cli = Cli::parse();
    let quiet = cli.global.quiet;
    match run(cli) {
        Ok(outcome) => {
            warn(&outcome.warnings, quiet);
            outcome.code
        }
        Err(Error::BrokenPipe) => EXIT_OK,
        Err(e) => {
            eprintln!("logsift: error: {e}");
            e.exit_code()
        }
    }
}

struct CliOutcome {
    code: i32,
    warnings: Vec<String>,
}

fn warn(warnings: &[String], quiet: bool) {
    if quiet {
        return;
    }
    for w in warnings {
        eprintln!("logsift: warning: {w}");
    }
}

fn run(cli: Cli) -> Result<CliOutcome, Error> {
    // A line on stderr while reading, for a person at a terminal; never in pipes or logs.
    let _progress = crate::progress::Reporter::start(
        !cli.global.quiet
            && !matches!(cli.command, Some(Command::Serve(_)))
            && std::io::IsTerminal::is_terminal(&std::io::stderr()),
    );
    match cli.command {
        None => summarize(cli.summarize, &cli.global),
        Some(Command::Templates(t)) => templates(t, &cli.global),
        Some(Command::Mine(m)) => mine(m),
        Some(Command::Serve(s)) => {
            crate::server::main(&s.config, s.check)?;
            Ok(CliOutcome {
                code: EXIT_OK,
                warnings: Vec::new(),
            })
        }
        Some(Command::MergeState(m)) => {
            let merged = app::merge_states(&m.states, &m.output)?;
            let s = merged.stats();
            Ok(CliOutcome {
                code: EXIT_OK,
                warnings: if cli.global.quiet {
                    Vec::new()
                } else {
                    vec![format!(
                        "merged {} state(s) into {}: {} templates, {} lines",
                        m.states.len(),
                        m.output.display(),
                        s.clusters,
                        s.lines
                    )]
                },
            })
        }
    }
}

/// Opens the report destination: the file given with `-o`, else stdout.
fn open_output(path: Option<&PathBuf>) -> Result<(Box<dyn Write>, bool), Error> {
    match path {
        Some(p) => {
            let f = File::create(p).map_err(|e| {
                Error::Usage(format!(
                    "cannot write {}: {e}; check the -o path",
                    p.display()
                ))
            })?;
            Ok((Box::new(BufWriter::new(f)), false))
        }
        None => {
            let stdout = std::io::stdout();
            let tty = stdout.is_terminal();
            Ok((Box::new(BufWriter::new(stdout.lock())), tty))
        }
    }
}

fn summarize(args: SummarizeArgs, global: &GlobalArgs) -> Result<CliOutcome, Error> {
    let mut read = read_config(&args.input)?;
    read.baseline = args
        .baseline
        .iter()
        .map(|f| InputSpec::from_arg(f))
        .collect();
    let window = match (&args.incident_start, &args.last) {
        (Some(s), _) => WindowRequest::IncidentStart {
            start: s.clone(),
            end: args.incident_end.clone(),
        },
        (None, Some(l)) => WindowRequest::Last(
            app::parse_duration(l).map_err(|e| Error::Usage(format!("--last: {e}")))?,
        ),
        (None, None) => WindowRequest::Auto,
    };
    let display_bucket = args
        .bucket
        .as_deref()
        .map(|b| app::parse_duration(b).map_err(|e| Error::Usage(format!("--bucket: {e}"))))
        .transpose()?;
    let score = ScoreConfig::builder()
        .display_bucket_ms(display_bucket)
        .build()
        .map_err(|e| Error::Usage(e.to_string()))?;
    let cfg = AnalyseConfig {
        mine: mine_config(&args.mine)?,
        window,
        score,
        save_state: args.mine.save_state.clone(),
    };
    let llm_cfg = llm_config(&args.llm)?;
    let runbooks = args
        .runbooks
        .as_deref()
        .map(Runbooks::load)
        .transpose()
        .map_err(|e| Error::Usage(e.to_string()))?;
    let now = Timestamp::now();
    let time_window = TimeWindow::parse(args.since.as_deref(), args.until.as_deref())
        .map_err(|e| Error::Usage(format!("--since/--until: {e}")))?;
    time_window
        .check(&read.detect, now)
        .map_err(|e| Error::Usage(format!("--since/--until: {e}")))?;
    let post = match &args.post {
        Some(url) => Some(
            DeliverConfig::builder(url.clone())
                .format(args.post_format.map(|f| match f {
                    PostFormatArg::Slack => PostFormat::Slack,
                    PostFormatArg::Json => PostFormat::Json,
                }))
                .title(inputs_title(&read))
                .report_url(args.report_url.clone())
                .build()
                .map_err(|e| Error::Usage(format!("--post: {e}")))?,
        ),
        None => None,
    };
    // `--load-state STATE` without log files analyses the state alone when it holds counts
    // (written by `logsift mine`); a miner-only state continues mining stdin as before, and
    // a state file that does not exist yet is left to the mining step to report (or to
    // start, for a first scheduled run).
    let state = match &args.mine.load_state {
        Some(p) if args.input.files.is_empty() && args.baseline.is_empty() && p.exists() => {
            Some(app::read_state(p)?).filter(|s| s.analysis.is_some())
        }
        _ => None,
    };
    if state.is_some() && !time_window.is_unbounded() {
        return Err(Error::Usage(
            "--since/--until filter log lines, and a state holds no lines; give the window \
             with --incident-start/--incident-end or --last instead"
                .into(),
        ));
    }
    // The events inside --since/--until, copied aside; None when no bound is given.
    let prefiltered = if time_window.is_unbounded() {
        None
    } else {
        Some(timefilter::prefilter(&read, &time_window, now)?)
    };
    let mut analysed = match state {
        Some(state) => app::analyse_state(state, &read.detect, &cfg)?,
        None => app::analyse(prefiltered.as_ref().map_or(&read, |p| &p.read), &cfg)?,
    };
    let mut extra_warnings = Vec::new();
    if let Some(p) = &prefiltered {
        p.restore_names(&mut analysed.mined.read);
        extra_warnings.extend(p.warning());
    }
    if args.llm.show_prompt {
        let (mut out, _) = open_output(args.output.as_ref())?;
        out.write_all(app::prompt_text(&analysed, &llm_cfg, runbooks.as_ref()).as_bytes())
            .map_err(Error::output)?;
        out.flush().map_err(Error::output)?;
        return Ok(CliOutcome {
            code: if analysed.mined.read.errors() > 0 {
                EXIT_INPUT
            } else {
                EXIT_OK
            },
            warnings: analysed.mined.read.warnings(&read.split),
        });
    }
    let mut report = Report::new(&analysed);
    report.summary = Some(app::summarize(&analysed, &llm_cfg, runbooks.as_ref()));
    report.set_components(&analysed.mined.components.lookup());
    if let Some(rb) = &runbooks {
        report.attach_runbooks(rb);
    }
    if args.mine.load_state.is_some() {
        // Recurring findings need earlier reviews, which only a loaded state holds.
        report.attach_history(
            &analysed.mined.history,
            runbooks.as_ref(),
            crate::history::DEFAULT_MIN_REVIEWS,
        );
    }
    if args.redact_output {
        let cfg = RedactConfig::builder()
            .redact_hosts(args.llm.redact_hosts)
            .build()
            .map_err(|e| Error::Usage(e.to_string()))?;
        report.redact_output(cfg);
    }
    let (mut out, tty) = open_output(args.output.as_ref())?;
    let opts = TextOptions {
        color: global.color.resolve(tty),
        top: args.top.max(1),
    };
    let format = match args.format {
        ReportFormat::Text => report::Format::Text,
        ReportFormat::Markdown => report::Format::Markdown,
        ReportFormat::Json => report::Format::Json,
        ReportFormat::Html => report::Format::Html,
    };
    report::render(&report, format, &opts, &mut out).map_err(Error::output)?;
    out.flush().map_err(Error::output)?;
    drop(out);
    if let Some(p) = &post
        && let Err(e) = deliver::post_blocking(p, &report)
    {
        // Printed even with --quiet: the report was written, but nobody was told.
        eprintln!("logsift: error: could not post the report: {e} (the report itself was written)");
    }
    let read_summary = &analysed.mined.read;
    let code = if read_summary.errors() > 0 {
        EXIT_INPUT
    } else if args.fail_on_anomaly && !report.flagged.is_empty() {
        EXIT_ANOMALY
    } else {
        EXIT_OK
    };
    let mut warnings = read_summary.warnings(&read.split);
    warnings.extend(extra_warnings);
    Ok(CliOutcome { code, warnings })
}

/// `logsift mine`: mines the inputs into a state with counts.
fn mine(args: MineCmdArgs) -> Result<CliOutcome, Error> {
    let mut read = read_config(&args.input)?;
    if let Some(p) = &args.format_sample {
        let sample = std::fs::read(p).map_err(|e| {
            Error::Usage(format!(
                "cannot read the format sample {}: {e}; check the --format-sample path",
                p.display()
            ))
        })?;
        read.format_sample = Some(sample);
    }
    if args.baseline {
        read.baseline = std::mem::take(&mut read.inputs);
    }
    let miner = MinerConfig::builder()
        .max_clusters(args.max_clusters)
        .build()
        .map_err(|e| Error::Usage(format!("--max-clusters: {e}")))?;
    let cfg = MineConfig {
        miner,
        threads: thread_count(args.threads),
        ..MineConfig::default()
    };
    let mined = app::emit_state(
        &read,
        &cfg,
        args.shard,
        args.input_name.as_deref(),
        &args.emit_state,
    )?;
    let mut warnings = mined.read.warnings(&read.split);
    let stats = mined.miner.stats();
    if stats.evicted > 0 {
        warnings.push(format!(
            "{} template(s) were evicted at --max-clusters {}; raise it to keep more",
            stats.evicted,
            mined.miner.config().max_clusters()
        ));
    }
    Ok(CliOutcome {
        code: if mined.read.errors() > 0 {
            EXIT_INPUT
        } else {
            EXIT_OK
        },
        warnings,
    })
}

/// What the inputs are, for a Slack message's header: the first file's name and how many
/// more.
fn inputs_title(read: &ReadConfig) -> String {
    let first = read.inputs.first().map_or_else(
        || "<stdin>".to_owned(),
        |s| match s {
            InputSpec::Stdin => "<stdin>".to_owned(),
            InputSpec::Path(p) => p.file_name().map_or_else(
                || p.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            ),
        },
    );
    match read.inputs.len() {
        0 | 1 => first,
        n => format!("{first} and {} more", n - 1),
    }
}

fn templates(args: TemplatesArgs, _global: &GlobalArgs) -> Result<CliOutcome, Error> {
    let read = read_config(&args.input)?;
    let mine_cfg = mine_config(&args.mine)?;
    let mut per_line = match &args.per_line {
        Some(_) => Some(PerLine::new().map_err(|e| {
            Error::Usage(format!(
                "cannot create a temporary file for --per-line: {e}"
            ))
        })?),
        None => None,
    };
    // As in the main job, `--load-state` without files lists a state written by `mine`.
    let state = match &args.mine.load_state {
        Some(p) if args.input.files.is_empty() && per_line.is_none() && p.exists() => {
            Some(app::read_state(p)?).filter(|s| s.analysis.is_some())
        }
        _ => None,
    };
    let mined = match state {
        Some(s) => app::mined_from_state(s, &read.detect)?,
        None => app::mine(&read, &mine_cfg, per_line.as_mut())?,
    };
    if let Some(p) = &args.mine.save_state {
        app::save_state(&mined.miner, &mined.history, p)?;
    }
    if let (Some(path), Some(pl)) = (&args.per_line, per_line) {
        let f = File::create(path).map_err(|e| {
            Error::Usage(format!(
                "cannot write {}: {e}; check the --per-line path",
                path.display()
            ))
        })?;
        let mut w = BufWriter::new(f);
        pl.write_jsonl(&mined, &mut w)?;
        w.flush().map_err(Error::output)?;
    }
    let (mut out, _) = open_output(args.output.as_ref())?;
    write_templates(&mined, args.format, &mut out).map_err(Error::output)?;
    out.flush().map_err(Error::output)?;
    let mut warnings = mined.read.warnings(&read.split);
    let stats = mined.miner.stats();
    if stats.evicted > 0 {
        warnings.push(format!(
            "{} template(s) were evicted at --max-clusters {}; raise it to keep more",
            stats.evicted,
            mined.miner.config().max_clusters()
        ));
    }
    Ok(CliOutcome {
        code: if mined.read.errors() > 0 {
            EXIT_INPUT
        } else {
            EXIT_OK
        },
        warnings,
    })
}

fn write_templates(
    mined: &app::Mined,
    format: TemplatesFormat,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    #[derive(serde::Serialize)]
    struct Row {
        cluster_id: u64,
        count: u64,
        template: String,
        first_seen: Option<String>,
        last_seen: Option<String>,
        samples: Vec<String>,
    }
    let table = mined.miner.table();
    let rows = table.iter().map(|c| Row {
        cluster_id: c.id().0,
        count: c.count(),
        template: c.template(),
        first_seen: c.first_seen().map(|t| t.to_string()),
        last_seen: c.last_seen().map(|t| t.to_string()),
        samples: c
            .samples()
            .map(|s| String::from_utf8_lossy(s).into_owned())
            .collect(),
    });
    match format {
        TemplatesFormat::Json => {
            let all: Vec<Row> = rows.collect();
            serde_json::to_writer_pretty(&mut *out, &all).map_err(std::io::Error::other)?;
            writeln!(out)
        }
        TemplatesFormat::Jsonl => {
            for r in rows {
                serde_json::to_writer(&mut *out, &r).map_err(std::io::Error::other)?;
                writeln!(out)?;
            }
            Ok(())
        }
        TemplatesFormat::Table => {
            let total: u64 = table.iter().map(|c| c.count()).sum();
            writeln!(out, "{} templates from {} lines", table.len(), total)?;
            writeln!(out, "{:>9}  {:>6}  TEMPLATE", "COUNT", "ID")?;
            for r in rows {
                writeln!(
                    out,
                    "{:>9}  {:>6}  {}",
                    r.count,
                    r.cluster_id,
                    report::safe_text(&r.template)
                )?;
            }
            Ok(())
        }
    }
}

fn read_config(args: &InputArgs) -> Result<ReadConfig, Error> {
    let inputs: Vec<InputSpec> = if args.files.is_empty() {
        vec![InputSpec::Stdin]
    } else {
        args.files.iter().map(|f| InputSpec::from_arg(f)).collect()
    };
    let split = SplitConfig::builder()
        .max_line_bytes(args.max_line_bytes)
        .max_event_bytes(args.max_line_bytes.saturating_mul(4).max(256 * 1024))
        .multiline(!args.no_multiline)
        .build()
        .map_err(|e| Error::Usage(format!("--max-line-bytes: {e}")))?;
    let mut detect = DetectOptions::builder();
    if let Some(f) = &args.log_format {
        detect = detect.log_format(f.clone());
    }
    let detect = detect.build().map_err(|e| Error::Usage(e.to_string()))?;
    Ok(ReadConfig {
        inputs,
        baseline: Vec::new(),
        split,
        detect,
        format_sample: None,
    })
}

fn mine_config(args: &MineArgs) -> Result<MineConfig, Error> {
    let miner = MinerConfig::builder()
        .max_clusters(args.max_clusters)
        .build()
        .map_err(|e| Error::Usage(format!("--max-clusters: {e}")))?;
    // `--load-state F --save-state F` is how scheduled runs keep their state: the first run
    // has nothing to load yet.
    let first_run = matches!(
        (&args.load_state, &args.save_state),
        (Some(l), Some(s)) if l == s && !l.exists()
    );
    Ok(MineConfig {
        miner,
        load_state: if first_run {
            None
        } else {
            args.load_state.clone()
        },
        threads: thread_count(args.threads),
        // Slot values are read only from a saved state.
        track_values: args.save_state.is_some(),
        ..MineConfig::default()
    })
}

/// `--threads N`, with 0 meaning one per CPU core.
fn thread_count(n: usize) -> usize {
    if n > 0 {
        return n;
    }
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
