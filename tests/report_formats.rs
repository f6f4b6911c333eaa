//! The reports as people and programs read them: snapshots of the demo in text, Markdown and
//! JSON; the HTML page's structure (one chart line per top template, the incident window,
//! no script, nothing fetched); the JSON schema document listing every emitted field;
//! hostile log text neutralised in every format; `--redact-output` removing every secret.

mod report_support;

use std::collections::BTreeSet;

use logsift::report::{Format, Report};
use report_support::{
    DEMO, DEMO_RUNBOOKS, ESCAPES, FULL, Options, PLAIN, SECRETS, path, rendered, report,
};
use serde_json::Value;

const ALL: [Format; 4] = [Format::Text, Format::Markdown, Format::Json, Format::Html];

// ---------------------------------------------------------------------------------------
// Snapshots

#[test]
fn demo_text_report() {
    let r = report(DEMO, &FULL);
    insta::assert_snapshot!("demo_text", rendered(&r, Format::Text, false));
}

#[test]
fn demo_markdown_report() {
    let r = report(DEMO, &FULL);
    insta::assert_snapshot!("demo_markdown", rendered(&r, Format::Markdown, false));
}

#[test]
fn demo_json_report() {
    let r = report(DEMO, &FULL);
    insta::assert_snapshot!("demo_json", rendered(&r, Format::Json, false));
}

#[test]
fn demo_text_report_as_the_command_prints_it() {
    let r = report(DEMO, &PLAIN);
    insta::assert_snapshot!("demo_text_plain", rendered(&r, Format::Text, false));
}

#[test]
fn reports_are_deterministic() {
    for f in ALL {
        assert_eq!(
            rendered(&report(DEMO, &FULL), f, false),
            rendered(&report(DEMO, &FULL), f, false),
            "{f:?}"
        );
    }
}

#[test]
fn the_demo_text_is_polished() {
    let t = rendered(&report(DEMO, &FULL), Format::Text, false);
    let summary = t.find("Summary").expect("a summary");
    let findings = t.find("What changed").expect("findings");
    assert!(summary < findings, "the summary comes first");
    assert!(t.contains("(14m 54s, 805 events)"), "human durations");
    assert!(!t.contains("894s"));
    assert!(t.contains("2026-11-27 (UTC)") && t.contains("first seen 14:00:48"));
    assert!(!t.contains("T14:00:48"), "short times on a one-day report");
    assert!(
        t.contains("NEW    ERROR  Checkout failed"),
        "upper-case levels"
    );
    assert!(t.contains("fp 14f7995b446b"), "fingerprints shown");
    assert!(
        t.contains("runbook: Circuit breaker open"),
        "level+component runbook"
    );
    assert!(t.contains("No runbook yet"));
}

// ---------------------------------------------------------------------------------------
// HTML

/// Every tag of an HTML page: (name, [(attribute, value)]). Only the page's own markup
/// contains `<`, since every piece of text is escaped.
fn tags(html: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        rest = &rest[i + 1..];
        let Some(end) = rest.find('>') else { break };
        let inner = &rest[..end];
        rest = &rest[end + 1..];
        if inner.starts_with('!') || inner.starts_with('/') {
            continue;
        }
        let name: String = inner
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        let mut attrs = Vec::new();
        let mut a = &inner[name.len()..];
        loop {
            a = a.trim_start_matches([' ', '/', '\n']);
            let Some(eq) = a.find('=') else { break };
            let key = a[..eq].trim().to_ascii_lowercase();
            let after = &a[eq + 1..];
            let Some(stripped) = after.strip_prefix('"') else {
                panic!("unquoted attribute {key} in <{inner}>")
            };
            let close = stripped.find('"').expect("closing quote");
            attrs.push((key, stripped[..close].to_owned()));
            a = &stripped[close + 1..];
        }
        out.push((name.to_ascii_lowercase(), attrs));
    }
    out
}

fn runbook_urls() -> Vec<String> {
    let text = std::fs::read_to_string(path(DEMO_RUNBOOKS)).expect("runbooks");
    text.lines()
        .filter_map(|l| l.strip_prefix("url = \""))
        .map(|u| u.trim_end_matches('"').to_owned())
        .collect()
}

/// No script, no event handler, nothing loaded: links only to anchors and runbooks.
fn assert_inert(html: &str) {
    let lower = html.to_ascii_lowercase();
    assert!(!lower.contains("<script"), "no script element");
    assert!(!lower.contains("url("), "no CSS url()");
    assert!(!lower.contains("@import"));
    let urls = runbook_urls();
    for (name, attrs) in tags(html) {
        assert!(
            !matches!(
                name.as_str(),
                "script"
                    | "img"
                    | "iframe"
                    | "object"
                    | "embed"
                    | "link"
                    | "image"
                    | "use"
                    | "foreignobject"
                    | "form"
                    | "base"
            ),
            "<{name}> must not appear"
        );
        for (k, v) in attrs {
            assert!(!k.starts_with("on"), "event handler {k}={v:?} on <{name}>");
            assert!(
                !matches!(
                    k.as_str(),
                    "src" | "srcset" | "xlink:href" | "action" | "formaction"
                ),
                "{k} on <{name}>"
            );
            if k == "href" {
                assert!(
                    v.starts_with('#') || urls.contains(&v),
                    "href {v:?} is neither an anchor nor a runbook"
                );
            }
            if v.contains("http") {
                assert!(
                    k == "href" || (k == "xmlns" && v == "http://www.w3.org/2000/svg"),
                    "{k}={v:?} would fetch something"
                );
            }
        }
    }
}

fn timeline_svg(html: &str) -> &str {
    let start = html
        .find("<svg class=\"timeline\"")
        .expect("a timeline chart");
    let end = html[start..].find("</svg>").expect("closed") + start;
    &html[start..end]
}

#[test]
fn html_has_one_chart_line_per_top_template_and_the_incident_window() {
    let r = report(DEMO, &FULL);
    let html = rendered(&r, Format::Html, false);
    let svg = timeline_svg(&html);
    let mut clusters = Vec::new();
    for f in &r.flagged {
        if !clusters.contains(&f.flag.cluster_id) {
            clusters.push(f.flag.cluster_id);
        }
    }
    let top: Vec<u32> = clusters.into_iter().take(5).collect();
    assert_eq!(svg.matches("class=\"series\"").count(), top.len());
    for id in &top {
        assert!(
            svg.contains(&format!("data-cluster=\"{id}\"")),
            "cluster {id} drawn"
        );
    }
    assert_eq!(svg.matches("class=\"incident-window\"").count(), 1);
    assert!(
        svg.contains("class=\"first-seen\""),
        "first occurrences marked"
    );
    assert!(
        svg.contains(">14:00<") && svg.contains(">13:00<"),
        "time axis labels"
    );
    // The legend names every drawn template.
    let legend = &html[html.find("class=\"legend\"").expect("a legend")..];
    for f in r
        .flagged
        .iter()
        .filter(|f| top.contains(&f.flag.cluster_id))
    {
        assert!(legend.contains("<code>"), "{}", f.flag.template);
    }
    assert_inert(&html);
}

#[test]
fn html_shows_every_part_of_a_review() {
    let html = rendered(&report(DEMO, &FULL), Format::Html, false);
    for needle in [
        "<h2>Summary</h2>",
        "Likely cause",
        "Next steps",
        "Written by logsift",
        "<details><summary>3 samples</summary>",
        "value of slot 2",
        "Checkout database connection pool exhausted",
        "No runbook yet",
        "Window and method",
        "@media print",
        "Content-Security-Policy",
    ] {
        assert!(html.contains(needle), "{needle}");
    }
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.trim_end().ends_with("</html>"));
}

// ---------------------------------------------------------------------------------------
// JSON schema document

/// Paths of every field in a JSON value: objects as `a.b`, arrays of objects as `a[].b`;
/// the keys of the maps named in `maps` become the given placeholder.
fn json_paths(v: &Value, prefix: &str, out: &mut BTreeSet<String>) {
    const MAPS: [(&str, &str); 4] = [
        ("inputs[].levels", "<level>"),
        ("summary.redaction.audit.redactions", "<kind>"),
        ("summary.redaction.in_prompt", "<label>"),
        ("output_redaction.redactions", "<kind>"),
    ];
    match v {
        Value::Object(m) => {
            let placeholder = MAPS.iter().find(|(p, _)| *p == prefix).map(|(_, k)| *k);
            for (k, child) in m {
                let key = placeholder.unwrap_or(k);
                let p = if prefix.is_empty() {
                    key.to_owned()
                } else {
                    format!("{prefix}.{key}")
                };
                out.insert(p.clone());
                json_paths(child, &p, out);
            }
        }
        Value::Array(items) => {
            for item in items {
                if item.is_object() {
                    json_paths(item, &format!("{prefix}[]"), out);
                }
            }
        }
        _ => {}
    }
}

#[test]
fn the_json_schema_document_lists_every_field() {
    let doc = std::fs::read_to_string(path("docs/json-schema.md")).expect("docs/json-schema.md");
    let mut paths = BTreeSet::new();
    let redacted = Options {
        redact: true,
        ..FULL
    };
    for (rel, o) in [(DEMO, &FULL), (ESCAPES, &redacted), (SECRETS, &redacted)] {
        let v: Value =
            serde_json::from_str(&rendered(&report(rel, o), Format::Json, false)).expect("JSON");
        json_paths(&v, "", &mut paths);
    }
    let missing: Vec<&String> = paths
        .iter()
        .filter(|p| !doc.contains(&format!("`{p}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/json-schema.md does not describe these fields of the JSON report:\n{}",
        missing
            .iter()
            .map(|p| format!("  {p}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(doc.contains(&format!(
        "schema version is {}",
        logsift::report::SCHEMA_VERSION
    )));
}

// ---------------------------------------------------------------------------------------
// Hostile log text

const HOSTILE: [&str; 5] = [
    "<img src=x onerror=alert(1)>",
    "[click here](javascript:alert(document.cookie))",
    "<script>",
    "\u{1b}[2J",
    "\r",
];

/// Removes CommonMark code spans (a run of N backticks up to the next run of exactly N).
fn without_code_spans(md: &str) -> String {
    let b = md.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 1 < b.len() {
            out.push_str(&md[i..i + 2]);
            i += 2;
            continue;
        }
        if b[i] == b'`' {
            let n = b[i..].iter().take_while(|&&c| c == b'`').count();
            let mut j = i + n;
            let mut closed = None;
            while j < b.len() {
                if b[j] == b'`' {
                    let m = b[j..].iter().take_while(|&&c| c == b'`').count();
                    if m == n {
                        closed = Some(j + m);
                        break;
                    }
                    j += m;
                } else {
                    j += 1;
                }
            }
            match closed {
                Some(end) => {
                    out.push_str("CODE");
                    i = end;
                }
                None => panic!("an unclosed code span at byte {i}"),
            }
            continue;
        }
        let c = md[i..].chars().next().unwrap_or(' ');
        out.push(c);
        i += c.len_utf8();
    }
    out
}

#[test]
fn escape_sequences_never_reach_the_terminal() {
    let r = report(ESCAPES, &PLAIN);
    let raw: Vec<&String> = r.flagged.iter().flat_map(|f| &f.flag.samples).collect();
    assert!(
        raw.iter().any(|s| s.contains('\u{1b}')),
        "the fixture's samples hold raw escapes"
    );
    for color in [false, true] {
        let t = rendered(&r, Format::Text, color);
        assert!(!t.contains('\r'), "no carriage return");
        assert!(t.contains("\\x1b[2J"), "the escape is shown, made visible");
        // The only escape sequences are the report's own colours: ESC [ digits m.
        for (i, _) in t.match_indices('\u{1b}') {
            let rest = &t[i + 1..];
            let ok = rest.starts_with('[')
                && rest[1..]
                    .find('m')
                    .is_some_and(|m| m > 0 && rest[1..1 + m].bytes().all(|c| c.is_ascii_digit()));
            assert!(
                ok && color,
                "a raw escape at byte {i}: {:?}",
                &t[i..t.len().min(i + 12)]
            );
        }
        assert!(
            !t.chars()
                .any(|c| c.is_control() && !matches!(c, '\n' | '\u{1b}'))
        );
    }
}

#[test]
fn markup_in_log_text_is_inert_in_markdown_and_html() {
    let r = report(ESCAPES, &PLAIN);
    let all_text: String = r
        .flagged
        .iter()
        .flat_map(|f| std::iter::once(&f.flag.template).chain(&f.flag.samples))
        .cloned()
        .collect();
    for h in HOSTILE {
        assert!(all_text.contains(h) || h == "\r", "the fixture holds {h:?}");
    }

    let md = rendered(&r, Format::Markdown, false);
    assert!(!md.contains('\u{1b}') && !md.contains('\r'));
    let outside = without_code_spans(&md);
    for (i, c) in outside.char_indices() {
        if matches!(c, '<' | '[' | ']' | '&' | '`') {
            assert!(
                outside[..i].ends_with('\\'),
                "unescaped {c:?} outside code spans: {:?}",
                &outside[i.saturating_sub(40)..outside.len().min(i + 40)]
            );
        }
    }
    assert!(!outside.contains("](javascript"));
    // Table rows keep their eight columns although log text holds pipes.
    for row in md
        .lines()
        .filter(|l| l.starts_with("| ") && l.contains(" NEW "))
    {
        let cells = without_code_spans(row)
            .replace("\\|", "")
            .matches('|')
            .count();
        assert_eq!(cells, 9, "{row}");
    }

    let html = rendered(&r, Format::Html, false);
    assert!(!html.contains('\u{1b}') && !html.contains('\r'));
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(html.contains("\\x1b[2J"));
    assert_inert(&html);

    let json = rendered(&r, Format::Json, false);
    assert!(!json.contains('\u{1b}') && !json.contains('\r'));
    let v: Value = serde_json::from_str(&json).expect("JSON");
    assert!(
        v.to_string().contains("onerror"),
        "JSON keeps the text, escaped"
    );
}

#[test]
fn slack_markup_and_forged_lines_are_inert_in_every_report_format() {
    let r = report("fixtures/reports/slack_markup.log", &PLAIN);
    let raw: String = r
        .flagged
        .iter()
        .flat_map(|f| std::iter::once(&f.flag.template).chain(&f.flag.samples))
        .cloned()
        .collect();
    assert!(
        raw.contains("<!channel>") && raw.contains('\r') && raw.contains('\u{1b}'),
        "the fixture's findings hold the hostile text: {raw:?}"
    );
    for f in ALL {
        let out = rendered(&r, f, false);
        assert!(
            !out.chars().any(|c| c.is_control() && c != '\n'),
            "{f:?}: a raw control character"
        );
        match f {
            Format::Text => assert!(out.contains("\\x0d") && out.contains("\\x1b[2J")),
            Format::Markdown => {
                let outside = without_code_spans(&out);
                assert!(!outside.contains("<!channel>") && !outside.contains("<script>"));
                for (i, c) in outside.char_indices() {
                    if matches!(c, '<' | '&' | '`') {
                        assert!(outside[..i].ends_with('\\'), "unescaped {c:?} at {i}");
                    }
                }
            }
            Format::Html => {
                assert!(!out.contains("<!channel>") && out.contains("&lt;!channel&gt;"));
                assert_inert(&out);
            }
            Format::Json => {
                let v: Value = serde_json::from_str(&out).expect("JSON");
                assert!(v.to_string().contains("<!channel>"), "JSON keeps the text");
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// --redact-output

fn secrets() -> Vec<String> {
    std::fs::read_to_string(path("fixtures/secrets/secrets.tsv"))
        .expect("secrets.tsv")
        .lines()
        .skip(1)
        .filter_map(|l| l.split('\t').nth(2).map(str::to_owned))
        .collect()
}

#[test]
fn redact_output_removes_every_secret_from_every_format() {
    let secrets = secrets();
    let plain = report(SECRETS, &PLAIN);
    let shown: String = ALL.iter().map(|f| rendered(&plain, *f, false)).collect();
    let leaked_without = secrets
        .iter()
        .filter(|s| shown.contains(s.as_str()))
        .count();
    assert!(
        leaked_without > 0,
        "without the flag, the report shows secrets"
    );

    let r = report(
        SECRETS,
        &Options {
            redact: true,
            ..PLAIN
        },
    );
    let audit = r.output_redaction.as_ref().expect("an audit");
    assert!(audit.total() > 0);
    for f in ALL {
        let out = rendered(&r, f, false);
        for s in &secrets {
            assert!(!out.contains(s.as_str()), "{f:?} shows the secret {s:?}");
        }
        if f == Format::Json {
            let v: Value = serde_json::from_str(&out).expect("JSON");
            assert!(v["output_redaction"]["strings_changed"].as_u64() > Some(0));
        }
    }
    // A redacted template's fingerprint is not that of its secret-bearing text.
    for (a, b) in plain.flagged.iter().zip(&r.flagged) {
        if a.flag.template != b.flag.template {
            assert_ne!(a.fingerprint, b.fingerprint);
        }
    }
}

#[test]
fn redact_output_applies_to_the_no_runbook_list_too() {
    let r: Report = report(
        SECRETS,
        &Options {
            redact: true,
            history: true,
            ..PLAIN
        },
    );
    let listed: String = r
        .no_runbook_yet
        .iter()
        .map(|n| n.recurring.template.clone())
        .collect();
    for s in secrets() {
        assert!(!listed.contains(&s), "{s}");
    }
}
