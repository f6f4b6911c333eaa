//! Token counting for the prompt budget.
//!
//! Owns the one tokenizer used to measure prompts: OpenAI's `cl100k_base` byte-pair encoding
//! through the `tiktoken-rs` crate, and the per-message overhead of the chat format. It does
//! not build prompts; it only measures them.
//!
//! Why `cl100k_base`: a budget has to be counted in some model's tokens, and the server's
//! model is not known in advance. `cl100k_base` (GPT-4, GPT-3.5) has a 100k vocabulary; the
//! newer `o200k_base` (GPT-4o and later) and Llama 3's 128k vocabulary encode the same text
//! in fewer or about as many tokens, so the count is a safe bound for them. Models with
//! smaller vocabularies (SmolLM2's 49k, Mistral's 32k) need more tokens for the same text:
//! the end-to-end test reports the server's own prompt count next to this one.

use std::panic::{AssertUnwindSafe, catch_unwind};

/// Tokens added per chat message by the chat format (role and separators), and tokens that
/// prime the reply, from OpenAI's "How to count tokens with tiktoken" cookbook for the
/// GPT-3.5/GPT-4 chat format.
pub const TOKENS_PER_MESSAGE: usize = 4;
/// Tokens that prime the assistant's reply.
pub const TOKENS_REPLY_PRIMING: usize = 3;

/// Tokens of `text` in `cl100k_base`.
///
/// The tokenizer's pre-splitting pattern runs in a backtracking engine that reports an error
/// (and the crate then panics) only past a backtracking limit far beyond the bounded strings
/// logsift sends; should it ever happen, the byte length is returned instead, which is never
/// less than the token count of a byte-level encoding.
pub fn count(text: &str) -> usize {
    if text.is_empty() {
        return 0;
    }
    let bpe = tiktoken_rs::cl100k_base_singleton();
    catch_unwind(AssertUnwindSafe(|| bpe.encode_ordinary(text).len())).unwrap_or(text.len())
}

/// Builds the tokenizer's tables now rather than on first use (about a tenth of a second),
/// so that a caller can do it on another thread while it reads logs.
pub fn warm_up() {
    let _ = tiktoken_rs::cl100k_base_singleton();
}

/// Tokens of a chat request made of `messages` (their text contents), with the chat format's
/// per-message overhead and the reply priming.
pub fn count_messages<'a>(messages: impl IntoIterator<Item = &'a str>) -> usize {
    messages
        .into_iter()
        .map(|m| count(m) + TOKENS_PER_MESSAGE)
        .sum::<usize>()
        + TOKENS_REPLY_PRIMING
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_known_strings() {
        assert_eq!(count(""), 0);
        // "hello world" is two tokens in cl100k_base.
        assert_eq!(count("hello world"), 2);
        // Never more tokens than bytes for a byte-level encoding.
        let s = "ERROR [pool-3] HikariPool-1 - Connection is not available, request timed out";
        assert!(count(s) <= s.len());
    }

    #[test]
    fn messages_add_their_overhead() {
        let n = count_messages(["hello world", "hello world"]);
        assert_eq!(n, 2 * (2 + TOKENS_PER_MESSAGE) + TOKENS_REPLY_PRIMING);
    }
}
