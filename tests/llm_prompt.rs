//! What would leave the machine: the prompt's size stays within its budget whatever the
//! input, no secret of the secrets corpus survives into it, injection attempts appear only
//! as placeholders and are listed in the audit, and the prompt for the sample incident is
//! what a person would expect to see with `--show-prompt`.

mod llm_support;

use llm_support::{
    checkout_analysis, corpus_analysis, find_leak, huge_analysis, lines, tsv_values,
};
use logsift::llm::{self, LlmConfig, SYSTEM_PROMPT, tokens};
use logsift::redact::Kind as RedactKind;
use serde_json::Value;

fn cfg() -> LlmConfig {
    LlmConfig::builder().build().expect("defaults are valid")
}

/// Tokens of the rendered request, counted independently of the packer: the contents of
/// its messages with the chat format's overhead.
fn tokens_of_rendered(rendered: &str) -> usize {
    let body: Value = serde_json::from_str(rendered).expect("the prompt is JSON");
    let contents: Vec<String> = body["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| m["content"].as_str().unwrap_or("").to_owned())
        .collect();
    tokens::count_messages(contents.iter().map(String::as_str))
}

#[test]
fn the_prompt_stays_within_budget_for_10_and_10000_findings() {
    let cfg = cfg();
    for n in [10, 10_000] {
        let a = huge_analysis(n);
        let p = llm::prepare(&a, &cfg);
        let rendered = llm::render_prompt(p.evidence(), &cfg);
        let counted = tokens_of_rendered(&rendered);
        let pk = p.packing();
        println!(
            "{n} findings: {} considered, {} included, {} tokens (recounted {counted}) of {}",
            pk.findings_considered, pk.findings_included, pk.prompt_tokens, pk.budget
        );
        assert_eq!(pk.findings_total, n);
        assert_eq!(pk.findings_considered, n.min(llm::DEFAULT_MAX_FINDINGS));
        assert!(pk.findings_included >= 1);
        assert!(pk.prompt_tokens <= cfg.max_prompt_tokens());
        assert_eq!(counted, pk.prompt_tokens);
        assert!(rendered.len() < 40_000, "{} bytes", rendered.len());
    }
}

#[test]
fn the_highest_scores_are_packed_first() {
    let cfg = cfg();
    let p = llm::prepare(&huge_analysis(10_000), &cfg);
    let ids: Vec<u32> = p
        .evidence()
        .get()
        .findings
        .iter()
        .map(|f| f.cluster)
        .collect();
    // Scores fall with the index, so the first clusters are the best.
    assert_eq!(ids[0], 1_000);
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
}

#[test]
fn a_small_budget_still_holds() {
    for budget in [llm::MIN_PROMPT_TOKENS, 1_500, 2_000, 5_000] {
        let cfg = LlmConfig::builder()
            .max_prompt_tokens(budget)
            .build()
            .expect("valid");
        for a in [checkout_analysis(), huge_analysis(50)] {
            let p = llm::prepare(&a, &cfg);
            let counted = tokens_of_rendered(&llm::render_prompt(p.evidence(), &cfg));
            assert!(counted <= budget, "{counted} > {budget}");
            assert_eq!(counted, p.packing().prompt_tokens);
        }
    }
}

#[test]
fn strings_are_cut_and_samples_capped() {
    let p = llm::prepare(&huge_analysis(3), &cfg());
    for f in &p.evidence().get().findings {
        assert!(f.template.chars().count() <= llm::MAX_TEMPLATE_CHARS + 1);
        assert!(f.template.ends_with('…'));
        assert_eq!(f.samples.len(), 3);
        assert!(
            f.samples
                .iter()
                .all(|s| s.chars().count() <= llm::MAX_SAMPLE_CHARS + 1)
        );
    }
}

/// All secrets of the corpus as samples, templates and parameter values, everything
/// included: none may be in the prompt.
#[test]
fn no_secret_of_the_corpus_reaches_the_prompt() {
    let secret_lines = lines("fixtures/secrets/secrets.log");
    let secrets = tsv_values("fixtures/secrets/secrets.tsv");
    assert_eq!(secrets.len(), 140);
    let a = corpus_analysis(&secret_lines, &secrets);
    let cfg = LlmConfig::builder()
        .max_prompt_tokens(200_000)
        .max_findings(100)
        .build()
        .expect("valid");
    let p = llm::prepare(&a, &cfg);
    assert_eq!(p.packing().findings_included, a.flagged.len());
    let rendered = llm::render_prompt(p.evidence(), &cfg);
    let body: Value = serde_json::from_str(&rendered).expect("JSON");
    assert_eq!(find_leak(&rendered, &body, &secrets), None);
    // Sanity: the corpus did reach the prompt, as placeholders.
    let audit = &p.redaction().audit;
    assert!(audit.total() >= 140, "{}", audit.total());
    assert!(p.redaction().in_prompt["SECRET"] > 0);
    assert!(rendered.contains("password=<SECRET_"));
}

#[test]
fn injection_attempts_are_quarantined_and_listed() {
    let attempts = lines("fixtures/injection/injection.log");
    let payloads = tsv_values("fixtures/injection/injection.tsv");
    let a = corpus_analysis(&attempts, &[]);
    let cfg = LlmConfig::builder()
        .max_prompt_tokens(200_000)
        .max_findings(100)
        .build()
        .expect("valid");
    let p = llm::prepare(&a, &cfg);
    assert_eq!(p.packing().findings_included, a.flagged.len());
    let rendered = llm::render_prompt(p.evidence(), &cfg);
    let body: Value = serde_json::from_str(&rendered).expect("JSON");
    assert_eq!(find_leak(&rendered, &body, &payloads), None);
    let r = p.redaction();
    assert!(r.audit.count(RedactKind::Suspicious) >= attempts.len() as u64);
    assert!(r.suspicious_in_prompt.len() >= attempts.len() / 2);
    for s in &r.suspicious_in_prompt {
        assert!(rendered.contains(&s.placeholder), "{}", s.placeholder);
    }
    // The offline summary tells the reader about it.
    let s = llm::OfflineSummarizer.write(&p);
    assert!(
        s.next_steps.iter().any(|x| x.contains("quarantined")),
        "{:?}",
        s.next_steps
    );
    let mut text = Vec::new();
    s.write_text(&mut text).expect("write");
    let text = String::from_utf8(text).expect("UTF-8");
    assert!(text.contains("Suspicious content quarantined"));
    assert!(text.contains("instruction_override"));
}

#[test]
fn log_text_is_only_ever_json_data() {
    let cfg = cfg();
    let p = llm::prepare(&checkout_analysis(), &cfg);
    let body: Value = serde_json::from_str(&llm::render_prompt(p.evidence(), &cfg)).expect("JSON");
    let messages = body["messages"].as_array().expect("messages");
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[0]["role"], "system");
    assert_eq!(messages[0]["content"], SYSTEM_PROMPT);
    assert!(SYSTEM_PROMPT.contains("untrusted"));
    let user = messages[1]["content"].as_str().expect("user content");
    let (preamble, json) = user.split_once('\n').expect("preamble and data");
    assert_eq!(preamble, llm::EVIDENCE_PREAMBLE);
    // The rest is exactly one JSON document: no log text outside its strings.
    let evidence: Value = serde_json::from_str(json).expect("one JSON document");
    assert_eq!(evidence["findings"][0]["cluster"], 7);
    // The database password of the sample is gone.
    assert!(!user.contains("Wint3r-Sun-42"));
    assert!(user.contains("checkout_app:<SECRET_1>@db-primary.internal"));
}

#[test]
fn the_sample_prompt_is_what_show_prompt_prints() {
    let cfg = cfg();
    let p = llm::prepare(&checkout_analysis(), &cfg);
    let rendered = llm::render_prompt(p.evidence(), &cfg);
    println!(
        "prompt tokens: {} of {} ({} findings)",
        p.packing().prompt_tokens,
        p.packing().budget,
        p.packing().findings_included
    );
    // The evidence, pretty-printed in the order it is sent, is what a person reviews.
    insta::assert_snapshot!(
        "sample_evidence",
        serde_json::to_string_pretty(p.evidence().get()).expect("JSON")
    );
    insta::assert_snapshot!("sample_request", rendered);
}
