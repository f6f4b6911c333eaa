//! The Slack message: the demo's as a person sees it (snapshot), Slack's limits on a report
//! far larger than a message can hold, log text that tries to mention, link, format or reach
//! a terminal, and `--redact-output` keeping secrets out of the message.

mod report_support;

use logsift::deliver::{
    SLACK_MAX_BLOCKS, SLACK_MAX_HEADER_CHARS, SLACK_MAX_SECTION_CHARS, SlackOptions, slack_message,
};
use serde_json::Value;

use report_support::offline_report as report_of;

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

/// Every string in a message, with where it sits (`text`, `blocks/3/text/text`, ...).
fn strings(v: &Value, at: &str, out: &mut Vec<(String, String)>) {
    match v {
        Value::String(t) => out.push((at.to_owned(), t.clone())),
        Value::Object(m) => m
            .iter()
            .for_each(|(k, x)| strings(x, &format!("{at}/{k}"), out)),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .for_each(|(i, x)| strings(x, &format!("{at}/{i}"), out)),
        _ => {}
    }
}

/// A mrkdwn text without its code blocks (```...```) and code spans (`...`), which Slack
/// shows literally. Every span must be closed: log text cannot add a backtick.
fn prose(text: &str) -> String {
    let outside_blocks: Vec<&str> = text.split("```").step_by(2).collect();
    let mut out = String::new();
    for part in outside_blocks {
        assert_eq!(
            part.matches('`').count() % 2,
            0,
            "an unclosed code span: {text}"
        );
        out.extend(part.split('`').step_by(2).flat_map(|p| [p, " CODE "]));
    }
    out
}

/// Nothing in `msg` can mention, link, format or move a terminal's cursor.
fn assert_inert(msg: &Value) {
    let mut all = Vec::new();
    strings(msg, "", &mut all);
    for (at, t) in &all {
        assert!(
            !t.chars().any(|c| c.is_control() && c != '\n'),
            "{at}: a control character in {t:?}"
        );
    }
    let json = msg.to_string();
    for forbidden in [
        "<!channel>",
        "<!here>",
        "<@U024BE7LH>",
        "<http://evil.example",
        "<script>",
        "<img",
    ] {
        assert!(!json.contains(forbidden), "{forbidden} survived: {json}");
    }
    let mut texts_of = Vec::new();
    texts(msg, &mut texts_of);
    let mut prose_all: Vec<String> = texts_of
        .iter()
        .filter(|(kind, _, _)| kind == "mrkdwn")
        .map(|(_, t, _)| prose(t))
        .collect();
    prose_all.push(msg["text"].as_str().unwrap_or_default().to_owned());
    for p in &prose_all {
        // Escaped: no raw angle bracket can open a link or mention.
        assert!(!p.contains('<') && !p.contains('>'), "{p}");
        // Log text does not format: its markers were replaced by look-alikes.
        for live in ["*URGENT*", "_all_", "~hands~", "*bold*"] {
            assert!(!p.contains(live), "{live} is live in {p}");
        }
    }
}

#[test]
fn hostile_log_text_is_inert_in_every_part_of_the_message() {
    for fixture in [
        "fixtures/reports/escapes.log",
        "fixtures/reports/slack_markup.log",
    ] {
        let r = report_of(fixture.as_ref());
        assert!(
            !r.flagged.is_empty(),
            "{fixture}: the hostile lines are flagged"
        );
        let msg = slack_message(
            &r,
            &SlackOptions {
                // A title (a file or source name) is plain_text: shown as it is, but never
                // with control characters.
                title: Some("evil\u{1b}[2J\rname".into()),
                ..SlackOptions::default()
            },
        );
        check_limits(&msg);
        assert_inert(&msg);
    }
    // The hostile text reached prose (the summary quotes the earliest new template), where
    // its markers are look-alikes, and code blocks, where Slack shows them as they are.
    let r = report_of("fixtures/reports/slack_markup.log".as_ref());
    let json = slack_message(&r, &SlackOptions::default()).to_string();
    assert!(json.contains("\u{2217}URGENT\u{2217}"), "{json}");
    assert!(json.contains("&lt;!channel&gt;"), "{json}");
    assert!(
        json.contains(r"\\x1b["),
        "escapes are shown, made visible: {json}"
    );
}

#[test]
fn redact_output_keeps_every_secret_out_of_the_message() {
    // A credential logged as a sign-in's last word stays part of the new template when
    // masking sees no variable in it, and the message shows templates.
    let secrets: Vec<String> = std::fs::read_to_string("fixtures/secrets/secrets.tsv")
        .expect("secrets.tsv")
        .lines()
        .skip(1)
        .filter_map(|l| l.split('\t').nth(2).map(str::to_owned))
        .take(40)
        .collect();
    // A name of letters only (masking keeps it), different for each secret.
    let name = |k: usize| {
        let (mut n, mut s) = (k + 26, String::new());
        while n > 0 {
            s.insert(0, char::from(b'a' + (n % 26) as u8));
            n /= 26;
        }
        s
    };
    let mut lines = Vec::new();
    for i in 0..600 {
        lines.push(format!(
            "2026-11-27 10:{:02}:{:02},000 INFO [main] app.Worker: job {i} done in 12ms",
            i / 10,
            (i % 10) * 6
        ));
    }
    for (k, secret) in secrets.iter().enumerate() {
        for j in 0..10 {
            lines.push(format!(
                "2026-11-27 10:{:02}:{:02},000 INFO [main] app.Client: {} signed in with credential anonymous",
                j * 6,
                k % 60,
                name(k)
            ));
            lines.push(format!(
                "2026-11-27 11:00:{:02},000 INFO [main] app.Client: {} signed in with credential {secret}",
                j * 5,
                name(k)
            ));
        }
    }
    lines.sort();
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("leaky.log");
    std::fs::write(&p, lines.join("\n") + "\n").expect("write");
    let opts = SlackOptions {
        max_findings: 50,
        ..SlackOptions::default()
    };
    let mut r = report_of(&p);
    let plain = slack_message(&r, &opts).to_string();
    let shown = secrets
        .iter()
        .filter(|s| plain.contains(s.as_str()))
        .count();
    assert!(shown > 0, "without the flag, the message shows secrets");
    r.redact_output(
        logsift::redact::RedactConfig::builder()
            .build()
            .expect("the default redaction"),
    );
    let msg = slack_message(&r, &opts);
    check_limits(&msg);
    let json = msg.to_string();
    for s in &secrets {
        assert!(
            !json.contains(s.as_str()),
            "the message shows the secret {s:?}"
        );
    }
}
