//! Progress on long runs: a line on stderr that says how far reading has got, for a person
//! watching a terminal.
//!
//! Owns a process-wide count of lines read (the reading loop adds to it in batches, so the
//! hot path pays one relaxed atomic add per few thousand lines) and [`Reporter`], a thread
//! that redraws one stderr line once a second after the first two seconds, and erases it when
//! dropped. It does not decide whether to show progress: the caller enables it only when
//! stderr is a terminal and `--quiet` is not given, so pipes, files and CI logs never see it.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Lines read so far by every reading loop of the process.
static LINES: AtomicU64 = AtomicU64::new(0);

/// Lines a reading loop counts locally before adding them to the shared count: a few
/// milliseconds of reading, so the display stays current and the atomic stays cold.
pub const BATCH_LINES: u64 = 16_384;
/// Runs shorter than this print nothing: most runs are over before a person would look.
const QUIET_START: Duration = Duration::from_secs(2);
/// How often the line is redrawn.
const REDRAW: Duration = Duration::from_secs(1);
/// How often the thread checks whether it should stop (bounds the wait when dropped).
const TICK: Duration = Duration::from_millis(100);

/// Adds `lines` to the count of lines read.
pub fn add_lines(lines: u64) {
    LINES.fetch_add(lines, Ordering::Relaxed);
}

/// Draws the progress line while it lives; see the module docs.
pub struct Reporter {
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

impl Reporter {
    /// Starts drawing when `enabled`; otherwise a reporter that does nothing.
    pub fn start(enabled: bool) -> Reporter {
        let stop = Arc::new(AtomicBool::new(false));
        if !enabled {
            return Reporter { stop, handle: None };
        }
        let flag = Arc::clone(&stop);
        let handle = std::thread::Builder::new()
            .name("logsift-progress".into())
            .spawn(move || draw(&flag))
            .ok();
        Reporter { stop, handle }
    }
}

impl Drop for Reporter {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            // A panic in the drawing thread must not become one here.
            let _ = h.join();
        }
    }
}

fn draw(stop: &AtomicBool) {
    let started = Instant::now();
    let base = LINES.load(Ordering::Relaxed);
    let mut next = started + QUIET_START;
    let mut drawn = false;
    let mut last = (started, 0u64);
    while !stop.load(Ordering::Relaxed) {
        std::thread::sleep(TICK);
        let now = Instant::now();
        if now < next {
            continue;
        }
        next = now + REDRAW;
        let lines = LINES.load(Ordering::Relaxed).saturating_sub(base);
        let secs = now.duration_since(last.0).as_secs_f64().max(1e-3);
        let rate = (lines.saturating_sub(last.1) as f64 / secs) as u64;
        last = (now, lines);
        let line = if rate == 0 && lines > 0 {
            format!(
                "\rlogsift: {} lines read; analysing\x1b[K",
                human_count(lines)
            )
        } else {
            format!(
                "\rlogsift: {} lines read ({}/s)\x1b[K",
                human_count(lines),
                human_count(rate)
            )
        };
        let mut err = std::io::stderr().lock();
        // Progress is a courtesy: a stderr that cannot be written changes nothing.
        let _ = err.write_all(line.as_bytes()).and_then(|()| err.flush());
        drawn = true;
    }
    if drawn {
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(b"\r\x1b[K").and_then(|()| err.flush());
    }
}

/// `1234567` as `1.2M`.
fn human_count(n: u64) -> String {
    match n {
        0..1_000 => n.to_string(),
        1_000..1_000_000 => format!("{:.1}k", n as f64 / 1e3),
        1_000_000..1_000_000_000 => format!("{:.1}M", n as f64 / 1e6),
        _ => format!("{:.1}G", n as f64 / 1e9),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_as_people_write_them() {
        assert_eq!(human_count(999), "999");
        assert_eq!(human_count(12_345), "12.3k");
        assert_eq!(human_count(4_200_000), "4.2M");
        assert_eq!(human_count(3_000_000_000), "3.0G");
    }

    #[test]
    fn a_disabled_reporter_starts_no_thread_and_drops_at_once() {
        let r = Reporter::start(false);
        assert!(r.handle.is_none());
        drop(r);
        let before = LINES.load(Ordering::Relaxed);
        add_lines(5);
        assert!(LINES.load(Ordering::Relaxed) >= before + 5);
    }
}
