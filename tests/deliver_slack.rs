//! The Slack message: the demo's as a person sees it (snapshot), Slack's limits on a report
//! far larger than a message can hold, and log text that tries to mention or link.

use logsift::app::{self, AnalyseConfig, ReadConfig};
use logsift::deliver::{
    SLACK_MAX_BLOCKS, SLACK_MAX_HEADER_CHARS, SLACK_MAX_SECTION_CHARS, SlackOptions, slack_message,
};
use logsift::input::InputSpec;
use logsift::llm::{LlmConfig, LlmMode};
use logsift::report::Report;
use serde_json::Value;

fn report_of(path: &std::path::Path) -> Report {
    let read = ReadConfig::new(vec![InputSpec::Path(path.to_owned())]);
    let analysed = app::analyse(&read, &AnalyseConfig::default()).expect("analyses");
    let llm = LlmConfig::builder()
        .mode(LlmMode::Off)
        .build()
        .expect("offline config");
    let mut r = Report::new(&analysed);
    r.summary = Some(app::summarize(&analysed, &llm, None));
    r
}

/// Every text object in a message, with its type.
fn texts(v: &Value, out: &mut Vec<(String, String, Option<bool>)>) {
    match v {
        Value::Object(m) => {
            if let (Some(Value::String(t)), Some(Value::String(text))) =
                (m.get("type"), m.get("text"))
            {
                out.push((
                    t.clone(),
                    text.clone(),
                    m.get("verbatim").and_then(Value::as_bool),
                ));
            }
            for x in m.values() {
                texts(x, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| texts(x, out)),
        _ => {}
    }
}

fn check_limits(msg: &Value) {
    let blocks = msg["blocks"].as_array().expect("blocks");
    assert!(blocks.len() <= SLACK_MAX_BLOCKS, "{} blocks", blocks.len());
    let mut all = Vec::new();
    texts(msg, &mut all);
    assert!(!all.is_empty());
    for (kind, text, verbatim) in &all {
        let n = text.chars().count();
        assert!(
            (1..=SLACK_MAX_SECTION_CHARS).contains(&n),
            "{kind} text of {n} chars"
        );
        if kind == "mrkdwn" {
            assert_eq!(*verbatim, Some(true), "mrkdwn must be verbatim: {text}");
        }
    }
    let header = &blocks[0]["text"]["text"];
    assert!(
        header
            .as_str()
            .is_some_and(|h| h.chars().count() <= SLACK_MAX_HEADER_CHARS)
    );
}

#[test]
fn the_demo_message() {
    let r = report_of("fixtures/demo/checkout.log".as_ref());
    let msg = slack_message(
        &r,
        &SlackOptions {
            title: Some("checkout".into()),
            report_url: Some("https://reports.example.com/checkout/2026-11-27.html".into()),
            ..SlackOptions::default()
        },
    );
    check_limits(&msg);
    let mut text = serde_json::to_string_pretty(&msg).expect("json");
    // The version changes with releases; the layout is what is pinned.
    text = text.replace(env!("CARGO_PKG_VERSION"), "<version>");
    insta::assert_snapshot!("demo_slack_message", text);
}

#[test]
fn the_report_link_is_given_only_when_it_cannot_break_out() {
    let r = report_of("fixtures/demo/checkout.log".as_ref());
    let link = |url: &str| {
        let msg = slack_message(
            &r,
            &SlackOptions {
                report_url: Some(url.into()),
                ..SlackOptions::default()
            },
        );
        msg.to_string().contains("Full report")
    };
    assert!(link("https://reports.example.com/r.html"));
    assert!(!link("https://x.example/a|<!channel>"));
    assert!(!link("javascript:alert(1)"));
    assert!(!link("https://x.example/a b"));
    assert!(
        logsift::deliver::DeliverConfig::builder("https://hooks.slack.com/services/T/B/x")
            .report_url(Some("https://x.example/<a>".into()))
            .build()
            .is_err()
    );
}

#[test]
fn log_text_cannot_mention_link_or_leave_its_code_span() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("evil.log");
    let mut log = String::new();
    for i in 0..600 {
        let m = i % 60;
        log.push_str(&format!(
            "2026-11-27 10:{m:02}:{:02},000 INFO [main] app.Worker: job {i} done in 12ms\n",
            i % 60
        ));
    }
    for i in 0..200 {
        let s = i % 60;
        log.push_str(&format!(
            "2026-11-27 11:00:{s:02},000 ERROR [main] app.Worker: <!channel> <@U024BE7LH> see <https://evil.example/login|the fix> & `rm -rf` ```x``` job {i}\n"
        ));
    }
    std::fs::write(&p, log).expect("write");
    let r = report_of(&p);
    assert!(
        r.flagged
            .iter()
            .any(|f| f.flag.template.contains("<!channel>")),
        "the analysis keeps the raw text: {:?}",
        r.flagged
            .iter()
            .map(|f| &f.flag.template)
            .collect::<Vec<_>>()
    );
    let msg = slack_message(&r, &SlackOptions::default());
    check_limits(&msg);
    let json = serde_json::to_string(&msg).expect("json");
    for forbidden in [
        "<!channel>",
        "<@U024BE7LH>",
        "<https://evil.example",
        "`rm -rf`",
    ] {
        assert!(!json.contains(forbidden), "{forbidden} survived: {json}");
    }
    assert!(json.contains("&lt;!channel&gt;"), "{json}");
    assert!(json.contains("&lt;@"), "{json}");
    assert!(json.contains("&amp;"), "{json}");
    // Templates sit in one code block each: three backticks open and close it, nothing else.
    let mut all = Vec::new();
    texts(&msg, &mut all);
    for (_, t, _) in all.iter().filter(|(_, t, _)| t.contains("```")) {
        assert_eq!(t.matches("```").count(), 2, "{t}");
        assert_eq!(t.matches('`').count(), 6, "{t}");
    }
}

#[test]
fn a_report_larger_than_a_message_stays_within_slacks_limits() {
    let mut r = report_of("fixtures/demo/checkout.log".as_ref());
    let first = r.flagged[0].clone();
    r.flagged = (0..120)
        .map(|i| {
            let mut f = first.clone();
            f.flag.template = format!("{i} {}", "<&>".repeat(4000));
            f
        })
        .collect();
    if let Some(s) = r.summary.as_mut() {
        s.headline = "h".repeat(10_000);
        s.next_steps = (0..400).map(|i| format!("step {i} & more")).collect();
    }
    let msg = slack_message(
        &r,
        &SlackOptions {
            title: Some("t".repeat(500)),
            max_findings: 1_000,
            report_url: Some("https://reports.example.com/full.html".into()),
        },
    );
    check_limits(&msg);
    let blocks = msg["blocks"].as_array().expect("blocks");
    assert_eq!(blocks.len(), SLACK_MAX_BLOCKS);
    let json = serde_json::to_string(&msg).expect("json");
    assert!(
        json.contains("more finding(s) in the full report"),
        "the cut is said"
    );
    // No entity was cut in half.
    let mut all = Vec::new();
    texts(&msg, &mut all);
    for (_, t, _) in &all {
        for (i, _) in t.match_indices('&') {
            let rest = &t[i..];
            assert!(
                rest.starts_with("&amp;") || rest.starts_with("&lt;") || rest.starts_with("&gt;"),
                "a broken entity at {i}: {}",
                &rest[..rest.len().min(10)]
            );
        }
    }
}
