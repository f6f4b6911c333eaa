//! Runbook files and the review history: every way an entry matches (template regex, sample
//! regex, fingerprint, level+component), the first match winning, invalid files rejected with
//! a message that says what to fix, the titles reaching the summarizer, and a history that
//! stays bounded and merges in any order.

mod report_support;

use logsift::history::{REVIEWS_KEPT, ReviewHistory};
use logsift::llm::{self, LlmConfig, LlmMode};
use logsift::runbook::{Runbooks, Subject, fingerprint};
use logsift::score::{Analysis, Flag, Kind};
use proptest::prelude::*;
use report_support::{DEMO, DEMO_RUNBOOKS, analyse, components, path};

fn subject<'a>(
    template: &'a str,
    samples: &'a [String],
    fp: &'a str,
    level: Option<&'a str>,
    component: Option<&'a str>,
) -> Subject<'a> {
    Subject {
        template,
        samples,
        fingerprint: fp,
        level,
        component,
    }
}

fn parse(toml: &str) -> Runbooks {
    Runbooks::parse(toml, "test.toml").unwrap_or_else(|e| panic!("{e}"))
}

fn error(toml: &str) -> String {
    match Runbooks::parse(toml, "test.toml") {
        Ok(_) => panic!("accepted:\n{toml}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn an_entry_matches_by_template_regex() {
    let rb = parse("[[runbook]]\ntitle = \"Pool\"\ntemplate = '(?i)connection is NOT available'\n");
    let t = "HikariPool-<*> - Connection is not available, request timed out after <*>.";
    let fp = fingerprint(t);
    assert_eq!(
        rb.find(&subject(t, &[], &fp, None, None)).map(|r| r.index),
        Some(1)
    );
    assert!(
        rb.find(&subject("other", &[], "000000000000", None, None))
            .is_none()
    );
}

#[test]
fn an_entry_matches_by_sample_regex() {
    let rb = parse("[[runbook]]\ntitle = \"Retries\"\nsample = 'attempt \\d of 3'\n");
    let samples = vec!["noise".to_owned(), "Retrying (attempt 2 of 3)".to_owned()];
    assert!(
        rb.find(&subject(
            "Retrying (attempt <*> of <*>)",
            &samples,
            "x",
            None,
            None
        ))
        .is_some()
    );
    let none = vec!["Retrying (attempt 2 of 5)".to_owned()];
    assert!(
        rb.find(&subject(
            "Retrying (attempt <*> of <*>)",
            &none,
            "x",
            None,
            None
        ))
        .is_none()
    );
}

#[test]
fn an_entry_matches_by_fingerprint() {
    let t = "Checkout failed for order <*>";
    let fp = fingerprint(t);
    let rb = parse(&format!(
        "[[runbook]]\ntitle = \"Checkout\"\nfingerprints = [\"000000000000\", \"{}\"]\n",
        fp.to_uppercase()
    ));
    assert!(rb.find(&subject(t, &[], &fp, None, None)).is_some());
    let other = fingerprint("Checkout failed for order <*>.");
    assert!(rb.find(&subject("x", &[], &other, None, None)).is_none());
}

#[test]
fn an_entry_matches_by_level_and_component() {
    let rb = parse(
        "[[runbook]]\ntitle = \"Breaker\"\nlevel = \"ERROR\"\ncomponent = 'CircuitBreaker$'\n",
    );
    let c = Some("shop.checkout.payment.CircuitBreaker");
    assert!(rb.find(&subject("t", &[], "x", Some("error"), c)).is_some());
    assert!(
        rb.find(&subject("t", &[], "x", Some("warn"), c)).is_none(),
        "wrong level"
    );
    assert!(
        rb.find(&subject("t", &[], "x", Some("error"), Some("web")))
            .is_none()
    );
    assert!(
        rb.find(&subject("t", &[], "x", Some("error"), None))
            .is_none(),
        "unknown component"
    );
}

#[test]
fn all_conditions_must_hold_and_the_first_entry_wins() {
    let rb = parse(
        "[[runbook]]\ntitle = \"Both\"\ntemplate = 'pool'\nlevel = \"warn\"\n\
         [[runbook]]\ntitle = \"Any pool\"\ntemplate = 'pool'\n",
    );
    assert_eq!(
        rb.find(&subject("pool", &[], "x", Some("warn"), None))
            .map(|r| r.index),
        Some(1)
    );
    assert_eq!(
        rb.find(&subject("pool", &[], "x", Some("info"), None))
            .map(|r| r.index),
        Some(2)
    );
}

#[test]
fn the_demo_runbooks_cover_the_connection_pool_errors() {
    let a = analyse(DEMO);
    let rb = Runbooks::load(&path(DEMO_RUNBOOKS)).expect("loads");
    let tally = components(DEMO, &a);
    let title = |needle: &str| {
        let f = a
            .analysis
            .flagged
            .iter()
            .find(|f| f.template.contains(needle))
            .unwrap_or_else(|| panic!("a finding with {needle:?}"));
        rb.for_flag(f, tally.get(f.cluster_id))
            .map(|r| r.title.clone())
    };
    let pool = Some("Checkout database connection pool exhausted".to_owned());
    assert_eq!(title("could not acquire database connection"), pool);
    assert_eq!(title("Connection is not available"), pool);
    assert_eq!(
        title("Retrying payment capture"),
        Some("Payment capture retries".into())
    );
    assert_eq!(
        title("Circuit breaker"),
        Some("Circuit breaker open".into())
    );
    assert_eq!(title("Payment authorized"), None);
}

#[test]
fn the_summarizer_receives_the_runbook_titles() {
    let a = analyse(DEMO);
    let rb = Runbooks::load(&path(DEMO_RUNBOOKS)).expect("loads");
    let tally = components(DEMO, &a);
    let cfg = LlmConfig::builder()
        .mode(LlmMode::Off)
        .build()
        .expect("valid");
    let lookup = tally.lookup();
    let prepared = llm::prepare_with_runbooks(&a.analysis, &cfg, rb.title_lookup(&lookup));
    let titles: Vec<Option<String>> = prepared
        .evidence()
        .get()
        .findings
        .iter()
        .map(|f| f.runbook.clone())
        .collect();
    assert!(titles.contains(&Some("Checkout database connection pool exhausted".into())));
    assert!(titles.contains(&Some("Circuit breaker open".into())));
    let summary = llm::OfflineSummarizer.write(&prepared);
    assert!(
        summary.next_steps.iter().any(|s| s.contains("runbook")),
        "{:?}",
        summary.next_steps
    );
}

#[test]
fn invalid_runbook_files_say_what_to_fix() {
    let e = error(
        "[[runbook]]\ntitle = \"A\"\ntemplate = 'a'\n[[runbook]]\ntitle = \"B\"\ntemplate = 'timed out (after'\n",
    );
    assert!(e.contains("runbook entry 2 (\"B\")"), "{e}");
    assert!(
        e.contains("`template` is not a valid regular expression"),
        "{e}"
    );
    assert!(e.contains("escape the characters"), "{e}");

    let e = error("[[runbook]]\ntitle = \"A\"\nsample = '['\n");
    assert!(e.contains("entry 1") && e.contains("`sample`"), "{e}");

    let e = error("[[runbook]]\ntitel = \"A\"\ntemplate = 'a'\n");
    assert!(e.contains("titel"), "unknown keys are named: {e}");

    let e = error("[[runbook]]\ntitle = \"A\"\ntemplate = 'a'\nurl = \"javascript:alert(1)\"\n");
    assert!(e.contains("https://"), "{e}");

    let e = error("[[runbook]]\ntitle = \"A\"\n");
    assert!(e.contains("no condition"), "{e}");

    let e = error("[[runbook]]\ntitle = \"A\"\nfingerprints = [\"xyz\"]\n");
    assert!(e.contains("12 hex digits"), "{e}");

    let e = error("[[runbook]]\ntitle = \"A\"\nlevel = \"loud\"\n");
    assert!(e.contains("not one of"), "{e}");

    let e = error("version = 2\n");
    assert!(e.contains("version = 2"), "{e}");

    let e = error("[[runbook]]\ntitle = \"A\"\ntemplate = ''\n");
    assert!(e.contains("empty"), "{e}");

    let e = error("[[runbooks]]\ntitle = \"A\"\n");
    assert!(e.contains("runbooks"), "{e}");

    let missing = Runbooks::load(&path("fixtures/runbooks/missing.toml"));
    assert!(missing.is_err_and(|e| e.to_string().contains("--runbooks")));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn no_runbook_file_panics(text in "\\PC{0,200}") {
        let _ = Runbooks::parse(&text, "fuzz.toml");
    }
}

// ---------------------------------------------------------------------------------------
// History

fn flag(id: u32, template: &str, kind: Kind) -> Flag {
    let mut f = analyse_demo_flag();
    f.cluster_id = id;
    f.template = template.to_owned();
    f.kind = kind;
    f
}

fn analyse_demo_flag() -> Flag {
    static DEMO_FLAG: std::sync::OnceLock<Flag> = std::sync::OnceLock::new();
    DEMO_FLAG
        .get_or_init(|| analyse(DEMO).analysis.flagged[0].clone())
        .clone()
}

fn analysis_of(flags: Vec<Flag>) -> Analysis {
    let mut a = analyse_demo_analysis();
    a.flagged = flags;
    a
}

fn analyse_demo_analysis() -> Analysis {
    static DEMO_ANALYSIS: std::sync::OnceLock<Analysis> = std::sync::OnceLock::new();
    DEMO_ANALYSIS.get_or_init(|| analyse(DEMO).analysis).clone()
}

#[test]
fn recurring_findings_without_a_runbook_are_listed() {
    let rb = Runbooks::load(&path(DEMO_RUNBOOKS)).expect("loads");
    let mut h = ReviewHistory::new();
    let pool = flag(
        1,
        "Checkout failed for order <*>: could not acquire database connection",
        Kind::New,
    );
    let cart = flag(2, "Cart for user <*> has <*> items: <*>", Kind::Drop);
    let once = flag(3, "Shown once", Kind::Spike);
    h.record(
        &analysis_of(vec![pool.clone(), cart.clone()]),
        1_000,
        &|_| None,
    );
    h.record(&analysis_of(vec![pool, cart.clone(), once]), 2_000, &|_| {
        None
    });
    // The same review again counts once.
    h.record(&analysis_of(vec![cart]), 2_000, &|_| None);
    let list = h.recurring_without(2, Some(&rb));
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0].template, "Cart for user <*> has <*> items: <*>");
    assert_eq!(list[0].times_flagged, 2);
    assert_eq!(
        list[0].fingerprint,
        fingerprint("Cart for user <*> has <*> items: <*>")
    );
    assert_eq!(
        h.recurring_without(2, None).len(),
        2,
        "without runbooks both recur"
    );
}

#[test]
fn the_history_is_bounded_and_drops_the_least_recently_flagged() {
    let mut h = ReviewHistory::with_max_entries(3).expect("valid");
    for i in 0..10u32 {
        h.record(
            &analysis_of(vec![flag(i, &format!("template {i}"), Kind::New)]),
            i64::from(i),
            &|_| None,
        );
    }
    assert_eq!(h.len(), 3);
    assert!(h.get(&fingerprint("template 9")).is_some());
    assert!(h.get(&fingerprint("template 0")).is_none());
    assert!(ReviewHistory::with_max_entries(0).is_err());
}

#[test]
fn a_saved_history_loads_and_a_damaged_one_is_refused() {
    let mut h = ReviewHistory::new();
    h.record(&analyse_demo_analysis(), 5_000, &|_| Some("web".into()));
    let json = serde_json::to_string(&h).expect("serialises");
    let back: ReviewHistory = serde_json::from_str(&json).expect("loads");
    assert_eq!(back, h);
    let damaged = json.replacen("\"times_flagged\":1", "\"times_flagged\":0", 1);
    assert!(serde_json::from_str::<ReviewHistory>(&damaged).is_err());
    let unknown = json.replacen("\"version\":1", "\"version\":1,\"extra\":2", 1);
    assert!(serde_json::from_str::<ReviewHistory>(&unknown).is_err());
}

fn history_strategy() -> impl Strategy<Value = ReviewHistory> {
    proptest::collection::vec((0u32..6, 0i64..40, 0usize..5), 0..30).prop_map(|events| {
        let kinds = [
            Kind::New,
            Kind::Spike,
            Kind::Drop,
            Kind::Trend,
            Kind::ParamShift,
        ];
        let mut h = ReviewHistory::with_max_entries(4).expect("valid");
        for (t, review, k) in events {
            let f = flag(t, &format!("template {t}"), kinds[k]);
            h.record(&analysis_of(vec![f]), review, &|_| None);
        }
        h
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn merging_histories_is_commutative_and_idempotent(a in history_strategy(), b in history_strategy()) {
        prop_assert_eq!(a.merge(&b), b.merge(&a));
        prop_assert_eq!(a.merge(&a), a.clone());
        let m = a.merge(&b);
        prop_assert!(m.len() <= m.max_entries());
        for (_, e) in m.iter() {
            prop_assert!(e.recent_reviews.len() <= REVIEWS_KEPT);
            prop_assert!(e.times_flagged >= e.recent_reviews.len() as u64);
        }
    }
}
