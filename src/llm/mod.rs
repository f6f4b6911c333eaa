//! The summary stage: turns the ranked outliers of an [`Analysis`](crate::score::Analysis)
//! into a short account a tired on-call engineer can trust.
//!
//! Owns the [`Summarizer`] trait and its two implementations, the deterministic
//! [`OfflineSummarizer`] and the [`OpenAiSummarizer`] for any OpenAI-compatible server; the
//! [`Summary`] they produce; the choice between them ([`summarize`], [`summarize_blocking`])
//! with the fallback to the offline summary on any failure; and the evidence sent
//! ([`prepare`]), which is redacted and sealed before anything can leave the process. It
//! does not analyse logs and does not render reports (it offers a plain-text rendering,
//! [`Summary::write_text`], for the terminal).
//!
//! ```no_run
//! # fn demo(analysis: &logsift::score::Analysis, show_prompt: bool)
//! #     -> Result<(), Box<dyn std::error::Error>> {
//! use logsift::llm::{self, LlmConfig, LlmMode};
//! let cfg = LlmConfig::builder().from_env().mode(LlmMode::Auto).build()?;
//! let prepared = llm::prepare(analysis, &cfg);            // redacted, packed, sealed
//! if show_prompt {
//!     print!("{}", llm::render_prompt(prepared.evidence(), &cfg)); // sends nothing
//!     return Ok(());
//! }
//! let summary = llm::summarize_blocking(&prepared, &cfg); // never fails
//! summary.write_text(&mut std::io::stdout())?;
//! # Ok(()) }
//! ```
//!
//! Only the LLM call is asynchronous. [`summarize_blocking`] runs it on a current-thread
//! runtime of its own, on a short-lived thread, so it works from the synchronous pipeline
//! and from a server's `spawn_blocking`; async callers use [`summarize`].

mod config;
mod evidence;
mod offline;
mod openai;
mod prompt;
mod retry;
pub mod tokens;
mod validate;

use std::future::Future;
use std::io::{self, Write};

use serde::Serialize;

pub use config::{
    DEFAULT_DEADLINE, DEFAULT_MAX_ANSWER_TOKENS, DEFAULT_MAX_FINDINGS, DEFAULT_MAX_PROMPT_TOKENS,
    DEFAULT_MAX_RETRIES, DEFAULT_MAX_SAMPLES, DEFAULT_MODEL, DEFAULT_RETRY_BASE, DEFAULT_TIMEOUT,
    LlmConfig, LlmConfigBuilder, LlmConfigError, LlmMode, MAX_BACKOFF, MAX_PROMPT_TOKENS,
    MAX_RETRIES, MAX_SAMPLES, MIN_PROMPT_TOKENS, OPENAI_BASE_URL, TokenLimitField,
};
pub use evidence::{
    Evidence, EvidenceFinding, MAX_SAMPLE_CHARS, MAX_TEMPLATE_CHARS, MAX_VALUE_CHARS, Packing,
    Prepared, RedactionReport, SideEvidence, ValueEvidence, WindowEvidence, prepare,
    prepare_with_runbooks,
};
pub use openai::{Attempt, MAX_RESPONSE_BYTES, OpenAiSummarizer, SetupError};
pub use prompt::{EVIDENCE_PREAMBLE, SYSTEM_PROMPT, render_prompt};
pub use validate::{Answer, Grounding, MAX_FREE_INTEGER, Rejection, SummaryFinding, parse_answer};

/// Which summarizer wrote a summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Producer {
    /// The deterministic offline summarizer.
    Offline,
    /// An OpenAI-compatible model, whose answer passed validation.
    Openai,
}

/// A summary, with the record of how it was made. Serialised with stable `snake_case`
/// names for `--format json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Which summarizer wrote the text.
    pub producer: Producer,
    /// The model asked, when one was (also when its answer was not used).
    pub model: Option<String>,
    /// One sentence: the most important change.
    pub headline: String,
    /// The findings, most important first; each cites cluster ids.
    pub findings: Vec<SummaryFinding>,
    /// What the evidence suggests, carefully worded.
    pub likely_cause: String,
    /// What to do next.
    pub next_steps: Vec<String>,
    /// Why the offline summary was used although a model was configured (one line).
    pub fallback: Option<String>,
    /// HTTP requests sent to the model (0 when none was called).
    pub attempts: u32,
    /// What each request came to.
    pub attempt_log: Vec<Attempt>,
    /// Prompt tokens reported by the server's `usage`, summed over the responses.
    pub tokens_in: Option<u64>,
    /// Answer tokens reported likewise.
    pub tokens_out: Option<u64>,
    /// Wall time of the LLM part in ms, when a model was called.
    pub latency_ms: Option<u64>,
    /// How the evidence was packed into the prompt.
    pub evidence: Packing,
    /// What was redacted, what is in the prompt, and the suspicious content found.
    pub redaction: RedactionReport,
}

/// Why a summarizer produced no summary, and what trying cost.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Failure {
    /// One line: why, and what to check.
    pub note: String,
    /// The model asked.
    pub model: Option<String>,
    /// The requests sent.
    pub attempts: Vec<Attempt>,
    /// Prompt tokens reported by the server.
    pub tokens_in: Option<u64>,
    /// Answer tokens reported by the server.
    pub tokens_out: Option<u64>,
    /// Wall time spent.
    pub latency_ms: Option<u64>,
}

impl Failure {
    fn note_only(note: impl Into<String>, model: Option<String>) -> Failure {
        Failure {
            note: note.into(),
            model,
            attempts: Vec::new(),
            tokens_in: None,
            tokens_out: None,
            latency_ms: None,
        }
    }
}

/// Something that writes a [`Summary`] of prepared evidence.
pub trait Summarizer {
    /// Which summarizer this is.
    fn producer(&self) -> Producer;

    /// Write a summary of `prepared`. An `Err` says why there is none; [`summarize`] then
    /// falls back to the offline summary and records the note.
    fn summarize(
        &self,
        prepared: &Prepared,
    ) -> impl Future<Output = Result<Summary, Failure>> + Send;
}

/// The deterministic summarizer: no network, same evidence, same text.
#[derive(Debug, Clone, Copy, Default)]
pub struct OfflineSummarizer;

impl OfflineSummarizer {
    /// The offline summary of `prepared`.
    pub fn write(&self, prepared: &Prepared) -> Summary {
        Summary::new(
            Producer::Offline,
            offline::write(prepared),
            prepared,
            None,
            Vec::new(),
            None,
            None,
            None,
            None,
        )
    }
}

impl Summarizer for OfflineSummarizer {
    fn producer(&self) -> Producer {
        Producer::Offline
    }

    fn summarize(
        &self,
        prepared: &Prepared,
    ) -> impl Future<Output = Result<Summary, Failure>> + Send {
        std::future::ready(Ok(self.write(prepared)))
    }
}

impl Summary {
    #[allow(clippy::too_many_arguments)]
    fn new(
        producer: Producer,
        answer: Answer,
        prepared: &Prepared,
        model: Option<String>,
        attempt_log: Vec<Attempt>,
        tokens_in: Option<u64>,
        tokens_out: Option<u64>,
        latency_ms: Option<u64>,
        fallback: Option<String>,
    ) -> Summary {
        let Answer {
            headline,
            findings,
            likely_cause,
            next_steps,
        } = answer;
        Summary {
            producer,
            model,
            headline,
            findings,
            likely_cause,
            next_steps,
            fallback,
            attempts: u32::try_from(attempt_log.len()).unwrap_or(u32::MAX),
            attempt_log,
            tokens_in,
            tokens_out,
            latency_ms,
            evidence: prepared.packing().clone(),
            redaction: prepared.redaction().clone(),
        }
    }

    /// The offline summary, recording why a model's summary was not used.
    fn fallback(prepared: &Prepared, failure: Failure) -> Summary {
        let Failure {
            note,
            model,
            attempts,
            tokens_in,
            tokens_out,
            latency_ms,
        } = failure;
        Summary::new(
            Producer::Offline,
            offline::write(prepared),
            prepared,
            model,
            attempts,
            tokens_in,
            tokens_out,
            latency_ms,
            Some(one_line(&format!("{note}; offline summary used"))),
        )
    }

    /// The summary as plain text for a terminal: headline, findings, likely cause, next
    /// steps, then one line each on how it was made and what was redacted.
    pub fn write_text(&self, w: &mut impl Write) -> io::Result<()> {
        writeln!(w, "{}", self.headline)?;
        if !self.findings.is_empty() {
            writeln!(w, "\nFindings")?;
            for (i, f) in self.findings.iter().enumerate() {
                let ids: Vec<String> = f.clusters.iter().map(u32::to_string).collect();
                writeln!(w, "  {}. [cluster {}] {}", i + 1, ids.join(", "), f.what)?;
                writeln!(w, "     {}", f.why_it_matters)?;
            }
        }
        writeln!(w, "\nLikely cause\n  {}", self.likely_cause)?;
        writeln!(w, "\nNext steps")?;
        for (i, s) in self.next_steps.iter().enumerate() {
            writeln!(w, "  {}. {s}", i + 1)?;
        }
        writeln!(w)?;
        let by = match (&self.producer, &self.model) {
            (Producer::Openai, Some(m)) => format!("Written by {m}, checked against the evidence"),
            _ => "Written by logsift's offline summarizer".to_owned(),
        };
        let mut how = by;
        if let Some(f) = &self.fallback {
            how.push_str(&format!(" ({f})"));
        }
        if self.attempts > 0 {
            how.push_str(&format!(
                "; {} request{}",
                self.attempts,
                if self.attempts == 1 { "" } else { "s" }
            ));
            if let (Some(i), Some(o)) = (self.tokens_in, self.tokens_out) {
                how.push_str(&format!(", {i} tokens in, {o} out"));
            }
            if let Some(ms) = self.latency_ms {
                how.push_str(&format!(", {:.1} s", ms as f64 / 1000.0));
            }
        }
        writeln!(w, "{how}.")?;
        let p = &self.evidence;
        let what = if self.attempts > 0 {
            "Sent to the model"
        } else {
            "Evidence"
        };
        write!(
            w,
            "{what}: {} of {} findings, {} of {} prompt tokens",
            p.findings_included, p.findings_total, p.prompt_tokens, p.budget
        )?;
        let r = &self.redaction;
        if r.in_prompt.is_empty() {
            writeln!(w, "; nothing needed redacting.")?;
        } else {
            let parts: Vec<String> = r
                .in_prompt
                .iter()
                .map(|(label, n)| format!("{n} {label}"))
                .collect();
            writeln!(w, "; redacted first: {}.", parts.join(", "))?;
        }
        if !r.suspicious_in_prompt.is_empty() {
            writeln!(
                w,
                "Suspicious content quarantined (text that addresses an AI; not sent):"
            )?;
            for s in &r.suspicious_in_prompt {
                writeln!(
                    w,
                    "  {} {}: {} ({} chars)",
                    s.placeholder,
                    serde_json::to_value(s.kind)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default(),
                    s.description,
                    s.chars
                )?;
            }
        }
        Ok(())
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Summarise `prepared` as `cfg` says: the offline summary when no model is configured
/// (`--llm off`, or `auto` with no key and no base URL) or when there is nothing to send;
/// otherwise the model's, falling back to the offline summary, with a note, on any failure.
/// Never fails, so the caller's exit code depends only on the analysis.
pub async fn summarize(prepared: &Prepared, cfg: &LlmConfig) -> Summary {
    if !cfg.uses_llm() {
        return OfflineSummarizer.write(prepared);
    }
    let model = Some(cfg.model().to_owned());
    if prepared.evidence().get().findings.is_empty() {
        let note = if prepared.packing().findings_total == 0 {
            "the analysis found no changes, so the model was not called"
        } else {
            "no finding fits the prompt budget, so the model was not called; raise \
             --max-prompt-tokens"
        };
        return Summary::fallback(prepared, Failure::note_only(note, model));
    }
    if !prepared.packing().fits() {
        return Summary::fallback(
            prepared,
            Failure::note_only(
                "the prompt does not fit --max-prompt-tokens, so the model was not called",
                model,
            ),
        );
    }
    let summarizer = match OpenAiSummarizer::new(cfg) {
        Ok(s) => s,
        Err(e) => return Summary::fallback(prepared, Failure::note_only(e.to_string(), model)),
    };
    match summarizer.summarize(prepared).await {
        Ok(s) => s,
        Err(failure) => Summary::fallback(prepared, failure),
    }
}

/// [`summarize`] for synchronous callers. The model call runs on a current-thread runtime
/// built for it, on a short-lived thread of its own, so this works from plain code, from
/// a `spawn_blocking` thread and even from inside an async task (where it still blocks that
/// task's thread: prefer [`summarize`] there).
pub fn summarize_blocking(prepared: &Prepared, cfg: &LlmConfig) -> Summary {
    if !cfg.uses_llm() {
        return OfflineSummarizer.write(prepared);
    }
    let model = Some(cfg.model().to_owned());
    let result = std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build();
                match rt {
                    Ok(rt) => rt.block_on(summarize(prepared, cfg)),
                    Err(e) => Summary::fallback(
                        prepared,
                        Failure::note_only(
                            format!("could not start the async runtime for the LLM call ({e})"),
                            model.clone(),
                        ),
                    ),
                }
            })
            .join()
    });
    result.unwrap_or_else(|_| {
        Summary::fallback(
            prepared,
            Failure::note_only("the LLM call failed unexpectedly", model),
        )
    })
}
