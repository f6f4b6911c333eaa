//! Reading a model's answer (`logsift::llm`): the chat completion response as the
//! OpenAI-compatible client parses it, [`parse_answer`] on its content, and
//! [`Grounding::check`] against fixed evidence.
//!
//! The input is a response body; when it is not one, the whole input is taken as the answer's
//! content. An answer that parses must keep to its documented shape and survive being written
//! out and read again unchanged; an answer the grounding accepts cites only clusters of the
//! evidence.

#![no_main]

use std::sync::LazyLock;

use async_openai::types::chat::CreateChatCompletionResponse;
use libfuzzer_sys::fuzz_target;
use logsift::llm::{
    Evidence, EvidenceFinding, Grounding, SideEvidence, ValueEvidence, WindowEvidence, parse_answer,
};
use logsift::score::{Kind, WindowMethod};
use logsift::window::TimeBasis;

/// Most findings and next steps an answer may hold (`validate.rs`).
const MAX_ITEMS: usize = 8;

fn side(start: &str, end: &str, events: u64) -> SideEvidence {
    SideEvidence {
        start: start.into(),
        end: end.into(),
        duration: "30m".into(),
        events,
    }
}

/// Evidence of the shape `prepare` builds: a spike and a parameter shift, with numbers,
/// times, a placeholder and a runbook.
fn evidence() -> Evidence {
    let spike = EvidenceFinding {
        cluster: 7,
        rank: 1,
        kind: Kind::Spike,
        level: Some("error"),
        template: "HikariPool-<*> - Connection is not available, request timed out after <*>ms."
            .into(),
        baseline_count: 12,
        incident_count: 1_234,
        baseline_rate: 0.4,
        incident_rate: 41.13,
        fold_change: 102.8,
        vanished: false,
        first_seen: Some("2026-11-27T13:21:07Z".into()),
        last_seen: None,
        slot: None,
        values_before: Vec::new(),
        values_after: Vec::new(),
        samples: vec![
            "2026-11-27 13:21:07,118 ERROR [pool] HikariPool-1 - Connection is not available, \
             request timed out after 30000ms. password=<SECRET_1>"
                .into(),
        ],
        runbook: Some("Database pool exhausted".into()),
    };
    let shift = EvidenceFinding {
        cluster: 14,
        rank: 2,
        kind: Kind::ParamShift,
        level: Some("warn"),
        template: "slow query on <*> took <*> ms".into(),
        baseline_count: 300,
        incident_count: 806,
        baseline_rate: 10.0,
        incident_rate: 26.9,
        fold_change: 2.69,
        vanished: false,
        first_seen: None,
        last_seen: Some("2026-11-27T14:19:59Z".into()),
        slot: Some(0),
        values_before: vec![ValueEvidence {
            value: "orders".into(),
            count: 270,
            share_pct: 90.0,
        }],
        values_after: vec![ValueEvidence {
            value: "payments".into(),
            count: 725,
            share_pct: 89.9,
        }],
        samples: Vec::new(),
        runbook: None,
    };
    Evidence {
        window: WindowEvidence {
            method: WindowMethod::ChangePoint,
            time_basis: TimeBasis::Timestamps,
            rate_unit: "minute",
            baseline: side("2026-11-27T12:50:00Z", "2026-11-27T13:20:00Z", 4_800),
            incident: side("2026-11-27T13:20:00Z", "2026-11-27T13:50:00Z", 9_021),
        },
        findings_total: 5,
        findings: vec![spike, shift],
    }
}

static GROUNDING: LazyLock<Grounding> = LazyLock::new(|| Grounding::new(&evidence()));

fuzz_target!(|data: &[u8]| {
    let content = match serde_json::from_slice::<CreateChatCompletionResponse>(data) {
        Ok(r) => r
            .choices
            .first()
            .and_then(|c| {
                c.message
                    .content
                    .clone()
                    .or_else(|| c.message.refusal.clone())
            })
            .unwrap_or_default(),
        Err(_) => String::from_utf8_lossy(data).into_owned(),
    };
    let Ok(answer) = parse_answer(&content) else {
        return;
    };

    let texts = std::iter::once(&answer.headline)
        .chain([&answer.likely_cause])
        .chain(
            answer
                .findings
                .iter()
                .flat_map(|f| [&f.what, &f.why_it_matters]),
        )
        .chain(&answer.next_steps);
    for t in texts {
        assert!(
            !t.is_empty() && t.trim() == t,
            "field {t:?} is empty or untrimmed"
        );
        assert!(t.chars().count() <= 1_000);
    }
    assert!(answer.headline.chars().count() <= 300);
    assert!((1..=MAX_ITEMS).contains(&answer.findings.len()));
    assert!((1..=MAX_ITEMS).contains(&answer.next_steps.len()));
    assert!(answer.findings.iter().all(|f| !f.clusters.is_empty()));

    // Written out and read again: the same answer.
    let json = serde_json::to_string(&answer).expect("serialising an answer");
    assert_eq!(
        parse_answer(&json).as_ref(),
        Ok(&answer),
        "answer changed on a round trip"
    );

    let grounding = &*GROUNDING;
    if grounding.check(&answer).is_ok() {
        for f in &answer.findings {
            for id in &f.clusters {
                assert!(grounding.clusters().contains(id), "cluster {id} accepted");
            }
        }
    }
});
