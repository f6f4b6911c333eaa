//! Configuration a user writes: the server's TOML ([`ServerConfig::from_toml`]), runbook files
//! ([`Runbooks::parse`]), durations ([`parse_duration`]), `--since`/`--until` bounds
//! ([`TimeWindow`]) and cron expressions ([`Cron::parse`]).
//!
//! The whole input is read as a server config and as a runbook file (so the fixtures are
//! seeds as they are), and each of its lines as a duration, a time bound and a cron
//! expression. Nothing may panic; what is accepted must hold together: durations are
//! positive, sources named by schedules exist, a cron expression's next firing time is later
//! than the time asked about, on a whole minute, and matches.

#![no_main]

use libfuzzer_sys::fuzz_target;
use logsift::app::parse_duration;
use logsift::record::{DetectOptions, Timestamp};
use logsift::runbook::{Runbooks, Subject, fingerprint};
use logsift::server::ServerConfig;
use logsift::server::cron::Cron;
use logsift::timefilter::{TimeBound, TimeWindow};

/// The clock of the run: 2026-11-27T14:20:00Z.
const NOW: Timestamp = Timestamp(1_795_789_200_000);

/// Lines of one input read as durations, bounds and cron expressions.
const MAX_LINES: usize = 32;

/// An environment in which every variable a config names is set, except those whose name
/// starts with `UNSET`.
fn env(name: &str) -> Option<String> {
    (!name.starts_with("UNSET")).then(|| format!("value-of-{name}-0123456789abcdef"))
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);

    if let Ok(cfg) = ServerConfig::from_toml(&text, &env) {
        let names = cfg.source_names();
        for (i, a) in names.iter().enumerate() {
            assert!(!names[..i].contains(a), "two sources called {a:?}");
        }
        for s in &cfg.schedules {
            assert!(
                names.contains(&s.source.as_str()),
                "schedule of unknown source"
            );
            assert!(s.window_ms > 0);
            assert!(s.cron.next_after(NOW).is_some());
        }
    }

    if let Ok(rb) = Runbooks::parse(&text, "fuzz.toml") {
        let samples: Vec<String> = text.lines().take(4).map(str::to_owned).collect();
        for line in text.lines().take(MAX_LINES) {
            let fp = fingerprint(line);
            let s = Subject {
                template: line,
                samples: &samples,
                fingerprint: &fp,
                level: Some("ERROR"),
                component: Some(line),
            };
            if let Some(r) = rb.find(&s) {
                assert!(r.matches(&s));
                let _ = r.link();
            }
        }
    }

    let detect = DetectOptions::builder()
        .reference(NOW)
        .build()
        .expect("default detection options");
    let lines: Vec<&str> = text.lines().take(MAX_LINES).collect();
    for (i, line) in lines.iter().enumerate() {
        if let Ok(ms) = parse_duration(line) {
            assert!(ms > 0, "{line:?} read as {ms} ms");
        }
        if let Ok(b) = TimeBound::parse(line) {
            let _ = b.to_string();
        }
        let until = lines.get(i + 1).copied();
        if let Ok(w) = TimeWindow::parse(Some(line), until) {
            let _ = w.to_string();
            let _ = w.check(&detect, NOW);
            if let Ok(f) = w.resolve(None, &detect, NOW)
                && let (Some(s), Some(u)) = (f.since(), f.until())
            {
                assert!(s < u, "an empty window was accepted");
            }
        }
        if let Ok(c) = Cron::parse(line) {
            let _ = c.to_string();
            for t in [NOW, Timestamp(0), Timestamp(-1), Timestamp(NOW.0 + 59_999)] {
                let next = c.next_after(t).expect("a valid expression fires");
                assert!(next > t);
                assert_eq!(next.0.rem_euclid(60_000), 0);
                assert!(c.matches(next), "{c} does not match its own next time");
            }
        }
    }
});
