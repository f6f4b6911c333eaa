//! Shared pieces of the summary-stage tests: a hand-built analysis of a checkout service
//! whose database pool ran out, analyses filled from the secrets and injection corpora, and
//! helpers that take a request body apart down to every string the model would read.

#![allow(dead_code)]

use logsift::score::{
    Analysis, ChangePoint, Flag, Kind, Span, Totals, ValueShare, WindowMethod, WindowReport,
};
use logsift::window::{Group, TimeBasis};
use serde_json::Value;

/// 2026-11-27T12:30:00Z.
pub const T_BASE: i64 = 1_795_782_600_000;
/// 2026-11-27T13:20:00Z: the incident starts.
pub const T_INC: i64 = T_BASE + 50 * 60_000;
/// 2026-11-27T13:40:00Z: the end of the data.
pub const T_END: i64 = T_INC + 20 * 60_000;

pub fn read(rel: &str) -> String {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn span(group: Group, start: i64, end: i64, events: u64) -> Span {
    Span {
        group,
        start_ms: start,
        end_ms: end,
        start: logsift::score::format_iso(start),
        end: logsift::score::format_iso(end),
        duration_ms: end - start,
        events,
    }
}

pub fn window() -> WindowReport {
    WindowReport {
        method: WindowMethod::ChangePoint,
        time_basis: TimeBasis::Timestamps,
        baseline: span(Group::Target, T_BASE, T_INC, 30_150),
        incident: span(Group::Target, T_INC, T_END, 14_820),
        bucket_ms: 1_000,
        param_bucket_ms: 10_000,
        display_bucket_ms: 60_000,
        rate_center_log2: 0.0,
        change_point: Some(ChangePoint {
            statistic: 5321.5,
            templates: 14,
            candidates: 4_000,
            bucket_ms: 1_000,
            runner_up_ms: None,
            runner_up_statistic: None,
            runner_up: None,
        }),
        reason: "the split where the template mix changes most".into(),
        notes: Vec::new(),
    }
}

/// A flag with the given counts; rates follow from the 50 and 20 minute windows.
pub fn flag(cluster_id: u32, kind: Kind, template: &str, b: u64, i: u64, score: f64) -> Flag {
    let baseline_rate = b as f64 / 50.0;
    let incident_rate = i as f64 / 20.0;
    Flag {
        cluster_id,
        members: vec![cluster_id],
        template: template.into(),
        kind,
        score,
        p_value: 1e-30,
        q_value: 1e-28,
        log10_p: -30.0,
        baseline_count: b,
        incident_count: i,
        baseline_rate,
        incident_rate,
        fold_change: (incident_rate + 0.01) / (baseline_rate + 0.01),
        vanished: kind == Kind::Drop && i == 0,
        first_seen: None,
        last_seen: None,
        level: Some("info"),
        slot: None,
        other_slots: Vec::new(),
        values_before: Vec::new(),
        values_after: Vec::new(),
        samples: Vec::new(),
    }
}

fn share(value: &str, count: u64, share: f64) -> ValueShare {
    ValueShare {
        value: value.into(),
        count,
        share,
        possibly_more: 0,
    }
}

/// The checkout service at 13:20: the database pool runs dry, checkouts fail with 503,
/// payments stop. Sample lines are in the style of `fixtures/demo/checkout.log`.
pub fn checkout_analysis() -> Analysis {
    let mut f1 = flag(
        7,
        Kind::New,
        "HikariPool-1 - Connection is not available, request timed out after <*>ms.",
        0,
        1_234,
        48.2,
    );
    f1.level = Some("error");
    f1.first_seen = Some(T_INC + 67_250);
    f1.last_seen = Some(T_END - 1_000);
    f1.samples = vec![
        "2026-11-27 13:21:07,250 ERROR [http-nio-8080-exec-4] com.zaxxer.hikari.pool.HikariPool: HikariPool-1 - Connection is not available, request timed out after 30000ms.".into(),
        "2026-11-27 13:21:09,004 ERROR [http-nio-8080-exec-9] com.zaxxer.hikari.pool.HikariPool: HikariPool-1 - Connection is not available, request timed out after 30001ms.".into(),
    ];
    let mut f2 = flag(
        9,
        Kind::New,
        "Checkout failed for order <*>: could not acquire a database connection",
        0,
        806,
        40.7,
    );
    f2.level = Some("error");
    f2.first_seen = Some(T_INC + 69_100);
    f2.last_seen = Some(T_END - 2_000);
    f2.samples = vec![
        "2026-11-27 13:21:09,100 ERROR [http-nio-8080-exec-9] shop.checkout.service.CheckoutService: Checkout failed for order ord_7f3a1c22: could not acquire a database connection".into(),
    ];
    let mut f3 = flag(
        3,
        Kind::Spike,
        "pool=HikariPool-1 active=<*> idle=<*> waiting=<*> max=<*>",
        300,
        2_400,
        22.5,
    );
    f3.level = Some("warn");
    f3.first_seen = Some(T_BASE);
    f3.last_seen = Some(T_END - 500);
    f3.samples = vec![
        "2026-11-27 13:20:31,049 WARN  [pool-monitor] shop.checkout.db.PoolMonitor: pool=HikariPool-1 active=20 idle=0 waiting=37 max=20".into(),
    ];
    let mut f4 = flag(
        12,
        Kind::ParamShift,
        "POST /api/checkout status=<*> duration=<*>ms user=<*>",
        5_100,
        2_050,
        18.9,
    );
    f4.slot = Some(0);
    f4.values_before = vec![share("201", 5_008, 0.982), share("400", 92, 0.018)];
    f4.values_after = vec![share("503", 1_251, 0.61), share("201", 799, 0.39)];
    f4.first_seen = Some(T_BASE);
    f4.last_seen = Some(T_END - 300);
    f4.samples = vec![
        "2026-11-27 13:22:40,734 INFO  [http-nio-8080-exec-7] shop.checkout.web.AccessLog: POST /api/checkout status=503 duration=30012ms user=walter".into(),
    ];
    let mut f5 = flag(
        5,
        Kind::Drop,
        "Payment authorized for order <*> amount=<*> EUR provider=<*>",
        4_800,
        0,
        15.1,
    );
    f5.first_seen = Some(T_BASE);
    f5.last_seen = Some(T_INC + 41_000);
    f5.samples = vec![
        "2026-11-27 13:20:41,000 INFO  [http-nio-8080-exec-2] shop.checkout.payment.PaymentClient: Payment authorized for order ord_b0c4312d amount=209.50 EUR provider=stripe".into(),
    ];
    let mut f6 = flag(
        14,
        Kind::Trend,
        "Slow query on orders took <*> ms",
        40,
        620,
        9.3,
    );
    f6.level = Some("warn");
    f6.first_seen = Some(T_BASE + 600_000);
    f6.last_seen = Some(T_END - 100);
    f6.samples = vec![
        "2026-11-27 13:35:02,310 WARN  [http-nio-8080-exec-3] shop.checkout.db.OrderRepository: Slow query on orders took 2840 ms".into(),
    ];
    let mut f7 = flag(
        2,
        Kind::New,
        "HikariPool-1 - Starting with jdbcUrl=<*>",
        0,
        3,
        4.0,
    );
    f7.first_seen = Some(T_INC + 30_350);
    f7.last_seen = Some(T_INC + 30_350);
    f7.samples = vec![
        "2026-11-27 13:20:30,350 INFO  [main] com.zaxxer.hikari.HikariDataSource: HikariPool-1 - Starting with jdbcUrl=postgresql://checkout_app:Wint3r-Sun-42@db-primary.internal:5432/orders".into(),
    ];
    let flagged = vec![f1, f2, f3, f4, f5, f6, f7];
    Analysis {
        window: window(),
        totals: Totals {
            baseline_events: 30_150,
            incident_events: 14_820,
            templates_seen: 41,
            templates_baseline: 37,
            templates_incident: 33,
            rate_tests: 29,
            param_tests: 12,
            families: 0,
            family_tests: 0,
            findings: flagged.len(),
        },
        flagged,
    }
}

/// An analysis of `n` findings whose templates and samples are long: the prompt must not
/// grow with it.
pub fn huge_analysis(n: usize) -> Analysis {
    let mut a = checkout_analysis();
    let long = "x".repeat(2_000);
    a.flagged = (0..n)
        .map(|k| {
            let mut f = flag(
                1_000 + k as u32,
                if k % 2 == 0 { Kind::Spike } else { Kind::New },
                &format!("worker <*> finished job {k} with payload {long}"),
                (k % 50) as u64,
                1_000 + k as u64,
                1_000_000.0 / (k as f64 + 1.0),
            );
            f.samples = (0..5)
                .map(|s| format!("2026-11-27 13:3{s}:00,000 INFO line {k}/{s} {long}"))
                .collect();
            f.first_seen = Some(T_INC + k as i64);
            f
        })
        .collect();
    a.totals.findings = n;
    a
}

/// Lines of a corpus file, without empty ones.
pub fn lines(rel: &str) -> Vec<String> {
    read(rel)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect()
}

/// Third column of a `line<TAB>kind<TAB>value` corpus index.
pub fn tsv_values(rel: &str) -> Vec<String> {
    read(rel)
        .lines()
        .skip(1)
        .filter_map(|l| l.splitn(3, '\t').nth(2).map(str::to_owned))
        .filter(|v| !v.is_empty())
        .collect()
}

/// An analysis whose templates, samples and parameter values come from `lines`: three
/// samples per finding, the first line of each group also as its template, and, for
/// parameter shifts, the `values` as values of a `password=<*>` slot.
pub fn corpus_analysis(lines: &[String], values: &[String]) -> Analysis {
    let mut a = checkout_analysis();
    let mut flagged = Vec::new();
    for (k, group) in lines.chunks(3).enumerate() {
        let mut f = flag(
            100 + k as u32,
            Kind::New,
            &group[0],
            0,
            10 + k as u64,
            100.0 - k as f64 * 0.5,
        );
        f.samples = group.to_vec();
        f.first_seen = Some(T_INC + 1_000 * k as i64);
        flagged.push(f);
    }
    for (k, chunk) in values.chunks(3).enumerate() {
        let mut f = flag(
            500 + k as u32,
            Kind::ParamShift,
            "db login user=<*> password=<*> ok",
            100,
            100,
            50.0 - k as f64 * 0.1,
        );
        f.slot = Some(1);
        f.values_before = chunk.iter().map(|v| share(v, 10, 0.3)).collect();
        f.values_after = chunk.iter().rev().map(|v| share(v, 10, 0.3)).collect();
        flagged.push(f);
    }
    a.totals.findings = flagged.len();
    a.flagged = flagged;
    a
}

/// Every string a model would read in a chat-completion request body: the message
/// contents, and every string inside the evidence JSON of the user message, fully
/// unescaped.
pub fn strings_in_body(body: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let messages = body["messages"].as_array().cloned().unwrap_or_default();
    for m in messages {
        let Some(content) = m["content"].as_str() else {
            continue;
        };
        out.push(content.to_owned());
        if let Some((_, json)) = content.split_once('\n')
            && let Ok(v) = serde_json::from_str::<Value>(json)
        {
            collect_strings(&v, &mut out);
        }
    }
    out
}

fn collect_strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| collect_strings(x, out)),
        Value::Object(o) => o.iter().for_each(|(k, x)| {
            out.push(k.clone());
            collect_strings(x, out)
        }),
        _ => {}
    }
}

/// The first of `needles` found in the raw body text or in any of its unescaped strings.
pub fn find_leak<'a>(raw: &str, body: &Value, needles: &'a [String]) -> Option<&'a str> {
    let strings = strings_in_body(body);
    needles
        .iter()
        .find(|n| raw.contains(n.as_str()) || strings.iter().any(|s| s.contains(n.as_str())))
        .map(String::as_str)
}
