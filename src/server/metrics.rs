//! The server's own metrics, exposed at `GET /metrics` in the Prometheus text format
//! (version 0.0.4).
//!
//! Owns the counters and the latency histogram and their exposition: every family has its
//! `# HELP` and `# TYPE` lines, histogram buckets are cumulative and end in `+Inf`, and
//! `_sum` / `_count` follow them. Label values are a fixed set (route names, status codes,
//! schedule names from the config), so the number of series stays bounded whatever the
//! clients send. It does not decide what to count: the handlers call it.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds: from a health check (milliseconds) to a
/// large analysis with a slow model (a minute).
pub const LATENCY_BUCKETS: [f64; 14] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0,
];

#[derive(Debug, Default, Clone)]
struct Histogram {
    /// Observations per bucket (not cumulative; summed when rendered), plus one for +Inf.
    counts: [u64; LATENCY_BUCKETS.len() + 1],
    sum: f64,
    count: u64,
}

impl Histogram {
    fn observe(&mut self, secs: f64) {
        let i = LATENCY_BUCKETS
            .iter()
            .position(|b| secs <= *b)
            .unwrap_or(LATENCY_BUCKETS.len());
        self.counts[i] += 1;
        self.sum += secs;
        self.count += 1;
    }
}

/// Counters of one server.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(&'static str, u16), u64>>,
    latency: Mutex<BTreeMap<&'static str, Histogram>>,
    lines: AtomicU64,
    analyses_ok: AtomicU64,
    analyses_failed: AtomicU64,
    llm_calls: AtomicU64,
    llm_failures: AtomicU64,
    llm_tokens_in: AtomicU64,
    llm_tokens_out: AtomicU64,
    schedule_runs: Mutex<BTreeMap<(String, &'static str), u64>>,
    deliveries: Mutex<BTreeMap<&'static str, u64>>,
    in_flight: AtomicI64,
    queued: AtomicI64,
    rejected: AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding a counter lock leaves counts that are still valid numbers.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Metrics {
    /// Counts one finished HTTP request.
    pub fn request(&self, route: &'static str, status: u16, took: Duration) {
        *lock(&self.requests).entry((route, status)).or_default() += 1;
        lock(&self.latency)
            .entry(route)
            .or_default()
            .observe(took.as_secs_f64());
    }

    /// Counts one analysis and the lines it read.
    pub fn analysis(&self, ok: bool, lines: u64) {
        self.lines.fetch_add(lines, Ordering::Relaxed);
        if ok {
            self.analyses_ok.fetch_add(1, Ordering::Relaxed);
        } else {
            self.analyses_failed.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Counts what a summary cost: requests sent to the model, whether the model's answer
    /// was not used although one was asked, and the tokens the server reported.
    pub fn llm(&self, calls: u32, failed: bool, tokens_in: Option<u64>, tokens_out: Option<u64>) {
        self.llm_calls
            .fetch_add(u64::from(calls), Ordering::Relaxed);
        if failed {
            self.llm_failures.fetch_add(1, Ordering::Relaxed);
        }
        self.llm_tokens_in
            .fetch_add(tokens_in.unwrap_or(0), Ordering::Relaxed);
        self.llm_tokens_out
            .fetch_add(tokens_out.unwrap_or(0), Ordering::Relaxed);
    }

    /// Counts one scheduled run of `schedule` (`ok` or `error`).
    pub fn schedule_run(&self, schedule: &str, ok: bool) {
        let result = if ok { "ok" } else { "error" };
        *lock(&self.schedule_runs)
            .entry((schedule.to_owned(), result))
            .or_default() += 1;
    }

    /// Counts one webhook delivery (`ok` or `error`).
    pub fn delivery(&self, ok: bool) {
        *lock(&self.deliveries)
            .entry(if ok { "ok" } else { "error" })
            .or_default() += 1;
    }

    /// Analyses running now: +1 when one starts, -1 when it ends.
    pub fn in_flight(&self, delta: i64) {
        self.in_flight.fetch_add(delta, Ordering::Relaxed);
    }

    /// Requests waiting for an analysis slot: +1 / -1.
    pub fn queued(&self, delta: i64) {
        self.queued.fetch_add(delta, Ordering::Relaxed);
    }

    /// Counts a request turned away because the queue was full.
    pub fn rejected(&self) {
        self.rejected.fetch_add(1, Ordering::Relaxed);
    }

    /// Lines analysed so far (for tests and logs).
    pub fn lines_analysed(&self) -> u64 {
        self.lines.load(Ordering::Relaxed)
    }

    /// The exposition in the Prometheus text format.
    pub fn render(&self) -> String {
        let mut o = String::with_capacity(4096);
        let _ = self.render_into(&mut o);
        o
    }

    fn render_into(&self, o: &mut String) -> std::fmt::Result {
        family(
            o,
            "logsift_http_requests_total",
            "counter",
            "HTTP requests answered, by route and status code.",
        )?;
        for ((route, status), n) in lock(&self.requests).iter() {
            writeln!(
                o,
                "logsift_http_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}"
            )?;
        }
        family(
            o,
            "logsift_http_request_duration_seconds",
            "histogram",
            "Time from a request's arrival to its answer, by route.",
        )?;
        for (route, h) in lock(&self.latency).iter() {
            let mut cumulative = 0u64;
            for (i, b) in LATENCY_BUCKETS.iter().enumerate() {
                cumulative += h.counts[i];
                writeln!(
                    o,
                    "logsift_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{b}\"}} {cumulative}"
                )?;
            }
            cumulative += h.counts[LATENCY_BUCKETS.len()];
            writeln!(
                o,
                "logsift_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {cumulative}"
            )?;
            writeln!(
                o,
                "logsift_http_request_duration_seconds_sum{{route=\"{route}\"}} {}",
                h.sum
            )?;
            writeln!(
                o,
                "logsift_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                h.count
            )?;
        }
        let simple: [(&str, &str, &str, u64); 5] = [
            (
                "logsift_lines_analysed_total",
                "counter",
                "Log lines read by analyses.",
                self.lines.load(Ordering::Relaxed),
            ),
            (
                "logsift_llm_requests_total",
                "counter",
                "Requests sent to the language model, retries included.",
                self.llm_calls.load(Ordering::Relaxed),
            ),
            (
                "logsift_llm_failures_total",
                "counter",
                "Summaries where a model was asked but the offline summary was used.",
                self.llm_failures.load(Ordering::Relaxed),
            ),
            (
                "logsift_analysis_rejected_total",
                "counter",
                "Requests turned away because every analysis slot and the queue were full.",
                self.rejected.load(Ordering::Relaxed),
            ),
            (
                "logsift_analysis_in_flight",
                "gauge",
                "Analyses running now.",
                u64::try_from(self.in_flight.load(Ordering::Relaxed)).unwrap_or(0),
            ),
        ];
        for (name, kind, help, v) in simple {
            family(o, name, kind, help)?;
            writeln!(o, "{name} {v}")?;
        }
        family(
            o,
            "logsift_analysis_queued",
            "gauge",
            "Requests waiting for an analysis slot.",
        )?;
        writeln!(
            o,
            "logsift_analysis_queued {}",
            self.queued.load(Ordering::Relaxed).max(0)
        )?;
        family(
            o,
            "logsift_analyses_total",
            "counter",
            "Analyses run, by result.",
        )?;
        writeln!(
            o,
            "logsift_analyses_total{{result=\"ok\"}} {}",
            self.analyses_ok.load(Ordering::Relaxed)
        )?;
        writeln!(
            o,
            "logsift_analyses_total{{result=\"error\"}} {}",
            self.analyses_failed.load(Ordering::Relaxed)
        )?;
        family(
            o,
            "logsift_llm_tokens_total",
            "counter",
            "Tokens reported by the language model, by direction.",
        )?;
        writeln!(
            o,
            "logsift_llm_tokens_total{{direction=\"in\"}} {}",
            self.llm_tokens_in.load(Ordering::Relaxed)
        )?;
        writeln!(
            o,
            "logsift_llm_tokens_total{{direction=\"out\"}} {}",
            self.llm_tokens_out.load(Ordering::Relaxed)
        )?;
        family(
            o,
            "logsift_schedule_runs_total",
            "counter",
            "Scheduled review runs, by schedule and result.",
        )?;
        for ((name, result), n) in lock(&self.schedule_runs).iter() {
            writeln!(
                o,
                "logsift_schedule_runs_total{{schedule=\"{}\",result=\"{result}\"}} {n}",
                label_value(name)
            )?;
        }
        family(
            o,
            "logsift_webhook_deliveries_total",
            "counter",
            "Reports posted to webhooks (schedules and Slack answers), by result.",
        )?;
        for (result, n) in lock(&self.deliveries).iter() {
            writeln!(
                o,
                "logsift_webhook_deliveries_total{{result=\"{result}\"}} {n}"
            )?;
        }
        Ok(())
    }
}

fn family(o: &mut String, name: &str, kind: &str, help: &str) -> std::fmt::Result {
    writeln!(o, "# HELP {name} {help}")?;
    writeln!(o, "# TYPE {name} {kind}")
}

/// Escapes a label value as the text format asks: backslash, double quote and newline.
fn label_value(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_cumulative_and_end_in_inf() {
        let m = Metrics::default();
        m.request("/healthz", 200, Duration::from_millis(1));
        m.request("/healthz", 200, Duration::from_millis(70));
        m.request("/healthz", 503, Duration::from_secs(500));
        let text = m.render();
        assert!(text.contains("logsift_http_requests_total{route=\"/healthz\",status=\"200\"} 2"));
        assert!(text.contains("logsift_http_requests_total{route=\"/healthz\",status=\"503\"} 1"));
        assert!(text.contains(
            "logsift_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.005\"} 1"
        ));
        assert!(text.contains(
            "logsift_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.1\"} 2"
        ));
        assert!(text.contains(
            "logsift_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"120\"} 2"
        ));
        assert!(text.contains(
            "logsift_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"+Inf\"} 3"
        ));
        assert!(text.contains("logsift_http_request_duration_seconds_count{route=\"/healthz\"} 3"));
        // Every sample line belongs to a family announced with HELP and TYPE before it.
        let mut announced = std::collections::HashSet::new();
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("# TYPE ") {
                announced.insert(rest.split(' ').next().unwrap_or("").to_owned());
            } else if !line.starts_with('#') {
                let name = line.split(['{', ' ']).next().unwrap_or("");
                let base = name
                    .strip_suffix("_bucket")
                    .or_else(|| name.strip_suffix("_sum"))
                    .or_else(|| name.strip_suffix("_count"))
                    .filter(|b| announced.contains(*b))
                    .unwrap_or(name);
                assert!(announced.contains(base), "{line}");
            }
        }
    }

    #[test]
    fn label_values_are_escaped() {
        let m = Metrics::default();
        m.schedule_run("a\"b\\c\nd", true);
        assert!(
            m.render()
                .contains("schedule=\"a\\\"b\\\\c\\nd\",result=\"ok\"} 1")
        );
    }
}
