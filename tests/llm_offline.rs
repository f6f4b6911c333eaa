//! The offline summarizer: deterministic text for a hand-built analysis, every number and
//! time in it taken from the analysis, sensible wording when nothing changed or there are no
//! timestamps; and the answer checks never panic on anything a model could send.

mod llm_support;

use llm_support::{checkout_analysis, flag};
use logsift::llm::{self, Answer, Grounding, LlmConfig, OfflineSummarizer, Producer, parse_answer};
use logsift::score::Kind;
use logsift::window::TimeBasis;
use proptest::prelude::*;

fn offline_text(a: &logsift::score::Analysis) -> (llm::Summary, String) {
    let cfg = LlmConfig::builder().build().expect("valid");
    let p = llm::prepare(a, &cfg);
    let s = OfflineSummarizer.write(&p);
    let mut out = Vec::new();
    s.write_text(&mut out).expect("write to a Vec");
    (s, String::from_utf8(out).expect("UTF-8"))
}

fn answer_of(s: &llm::Summary) -> Answer {
    Answer {
        headline: s.headline.clone(),
        findings: s.findings.clone(),
        likely_cause: s.likely_cause.clone(),
        next_steps: s.next_steps.clone(),
    }
}

#[test]
fn offline_summary_of_the_checkout_incident() {
    let (s, text) = offline_text(&checkout_analysis());
    assert_eq!(s.producer, Producer::Offline);
    assert_eq!(s.attempts, 0);
    insta::assert_snapshot!("checkout_offline", text);
}

#[test]
fn offline_summary_is_deterministic() {
    let (a, ta) = offline_text(&checkout_analysis());
    let (b, tb) = offline_text(&checkout_analysis());
    assert_eq!(a, b);
    assert_eq!(ta, tb);
}

/// The offline text passes the same grounding check as a model's answer: every cluster,
/// number and time in it is in the evidence.
#[test]
fn offline_numbers_all_come_from_the_analysis() {
    let cfg = LlmConfig::builder().build().expect("valid");
    let p = llm::prepare(&checkout_analysis(), &cfg);
    let s = OfflineSummarizer.write(&p);
    let g = Grounding::new(p.evidence().get());
    assert_eq!(g.check(&answer_of(&s)), Ok(()));
    // And the check has teeth: change one number and it fails.
    let mut bad = answer_of(&s);
    bad.findings[0].what = bad.findings[0].what.replace("1,234", "1,243");
    assert!(g.check(&bad).is_err());
    // Counts as they appear in the analysis.
    assert!(s.findings[0].what.contains("1,234 events"));
    assert!(s.likely_cause.starts_with("The earliest anomaly was"));
}

#[test]
fn the_earliest_new_template_leads_even_when_it_ranks_lower() {
    let mut a = checkout_analysis();
    // Cluster 2 (a pool restart at 13:20:30.350) is new and earlier than cluster 7.
    let (s, _) = offline_text(&a);
    assert!(s.likely_cause.contains("cluster 2"), "{}", s.likely_cause);
    assert!(s.next_steps[0].contains("cluster 2"));
    // Without it, cluster 7 is the earliest.
    a.flagged.retain(|f| f.cluster_id != 2);
    let (s, _) = offline_text(&a);
    assert!(s.likely_cause.contains("cluster 7"), "{}", s.likely_cause);
    assert!(
        s.likely_cause.contains("before cluster 9"),
        "{}",
        s.likely_cause
    );
}

#[test]
fn nothing_changed() {
    let mut a = checkout_analysis();
    a.flagged.clear();
    a.totals.findings = 0;
    let (s, text) = offline_text(&a);
    assert!(s.headline.starts_with("No significant change"));
    assert!(s.findings.is_empty());
    assert!(!text.contains("Findings"));
}

#[test]
fn without_timestamps_times_are_positions() {
    let mut a = checkout_analysis();
    a.window.time_basis = TimeBasis::Positions;
    a.window.incident.start = "event 30151".into();
    a.window.incident.end = "event 44971".into();
    for f in &mut a.flagged {
        f.first_seen = f.first_seen.map(|_| 30_200_000);
        f.last_seen = None;
    }
    let (s, text) = offline_text(&a);
    assert!(text.contains("event 30151"), "{text}");
    assert!(text.contains("per 60 events"), "{text}");
    let cfg = LlmConfig::builder().build().expect("valid");
    let p = llm::prepare(&a, &cfg);
    assert_eq!(
        Grounding::new(p.evidence().get()).check(&answer_of(&s)),
        Ok(())
    );
}

#[test]
fn every_kind_has_words() {
    let mut a = checkout_analysis();
    let mut trend = flag(40, Kind::Trend, "queue depth <*>", 10, 400, 1.0);
    trend.level = Some("error");
    let mut drop = flag(41, Kind::Drop, "heartbeat from <*>", 600, 100, 0.5);
    drop.vanished = false;
    a.flagged.extend([trend, drop]);
    let cfg = LlmConfig::builder().build().expect("valid");
    let p = llm::prepare(&a, &cfg);
    let s = OfflineSummarizer.write(&p);
    assert_eq!(s.findings.len(), 6, "capped at six");
    let g = Grounding::new(p.evidence().get());
    assert_eq!(g.check(&answer_of(&s)), Ok(()));
}

/// The grounding of the checkout evidence, built once: preparing evidence redacts and
/// counts tokens, too slow to repeat for every generated case in a debug build.
static GROUNDING: std::sync::LazyLock<Grounding> = std::sync::LazyLock::new(|| {
    let cfg = LlmConfig::builder().build().expect("valid");
    let p = llm::prepare(&checkout_analysis(), &cfg);
    Grounding::new(p.evidence().get())
});

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Whatever a model sends, reading and checking it does not panic.
    #[test]
    fn answer_checks_never_panic(content in ".{0,400}") {
        if let Ok(a) = parse_answer(&content) {
            let _ = GROUNDING.check(&a);
        }
    }

    /// Free text in every field, including digits, times, separators and placeholders.
    #[test]
    fn grounding_never_panics_on_text(
        text in "[0-9a-zA-Z:,.%x×<>_ \\-]{0,200}",
        ids in proptest::collection::vec(any::<u32>(), 1..4),
    ) {
        let a = Answer {
            headline: text.clone(),
            findings: vec![llm::SummaryFinding {
                clusters: ids,
                what: text.clone(),
                why_it_matters: text.clone(),
            }],
            likely_cause: text.clone(),
            next_steps: vec![text],
        };
        let _ = GROUNDING.check(&a);
    }
}
