//! logsift turns millions of log lines into a short, trustworthy account of what changed.
//!
//! The pipeline flows one way; each stage knows only its input and output types:
//!
//! ```text
//! &[u8] (mmap / stdin buffer)
//!  -> Event<'a>           input/    split lines, decompress, join multi-line events, cap long lines
//!  -> Record<'a>          record    timestamp, level, message body (header detection)
//!  -> tokens              mask      tokenize; mark variables (numbers, ids, ips, ...)
//!  -> ClusterId           mine/     template miner
//! ```
//!
//! `app` wires the stages; `cli` is the command-line front end over `app`.

pub mod app;
pub mod cli;
pub mod deliver;
pub mod error;
pub mod history;
pub mod input;
pub mod llm;
pub mod mask;
pub mod mine;
pub mod progress;
pub mod record;
pub mod redact;
pub mod report;
pub mod runbook;
pub mod score;
pub mod server;
pub mod timefilter;
pub mod window;
