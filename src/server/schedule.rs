//! The scheduler of `[[schedule]]` entries: at each cron time it reviews the entry's source
//! over the window before that time and posts the report to the entry's webhook, through the
//! same delivery code as `--post`.
//!
//! Owns the [`Clock`] abstraction (the system clock, and a [`ManualClock`] tests move by
//! hand), the loop that sleeps until the next firing time ([`run`]) and one run of an entry
//! ([`fire`]). A firing time missed while the process was busy or asleep runs once when it
//! wakes, not once per missed minute; times before the server started are not run. It does
//! not parse cron expressions ([`super::cron`]) or analyse anything ([`super::analysis`]).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use super::analysis::{Job, JobInput, JobWindow};
use super::{AppState, Wait, run_job};
use crate::deliver::{self, DeliverConfig};
use crate::record::Timestamp;
use crate::timefilter::TimeWindow;

/// Longest single sleep of the system clock: a wall-clock jump (NTP, a suspended VM) is
/// noticed within this long.
const MAX_SLEEP: Duration = Duration::from_secs(60);

/// A source of the current time that can also wait for a time.
pub trait Clock: Send + Sync + 'static {
    /// The current time.
    fn now(&self) -> Timestamp;
    /// Completes at or after `t` (it may complete early; the caller checks [`Clock::now`]).
    fn sleep_until(&self, t: Timestamp) -> Pin<Box<dyn Future<Output = ()> + Send + '_>>;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }

    fn sleep_until(&self, t: Timestamp) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        let ms = t.0.saturating_sub(Timestamp::now().0).max(0);
        let d = Duration::from_millis(u64::try_from(ms).unwrap_or(0)).min(MAX_SLEEP);
        Box::pin(tokio::time::sleep(d))
    }
}

/// A clock that moves only when told to ([`ManualClock::set`]); sleepers wake when it
/// reaches their time.
#[derive(Debug)]
pub struct ManualClock {
    now: watch::Sender<Timestamp>,
}

impl ManualClock {
    /// A clock standing at `t`.
    pub fn new(t: Timestamp) -> Arc<ManualClock> {
        Arc::new(ManualClock {
            now: watch::Sender::new(t),
        })
    }

    /// Moves the clock to `t` and wakes the sleepers whose time has come.
    pub fn set(&self, t: Timestamp) {
        self.now.send_replace(t);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self.now.borrow()
    }

    fn sleep_until(&self, t: Timestamp) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        let mut rx = self.now.subscribe();
        Box::pin(async move {
            let _ = rx.wait_for(|now| *now >= t).await;
        })
    }
}

/// Runs the schedules of `state` until `stop` turns true. Each due entry runs as background
/// work of its own (so a slow source never delays another entry), tracked for shutdown.
pub async fn run(state: Arc<AppState>, mut stop: watch::Receiver<bool>) {
    if state.config.schedules.is_empty() {
        return;
    }
    let clock = Arc::clone(&state.clock);
    let mut last = state.started;
    loop {
        let next = state
            .config
            .schedules
            .iter()
            .filter_map(|s| s.cron.next_after(last))
            .min();
        let Some(next) = next else {
            return;
        };
        tokio::select! {
            _ = stop.wait_for(|s| *s) => return,
            () = clock.sleep_until(next) => {}
        }
        let now = clock.now();
        if now < next {
            continue;
        }
        for (i, s) in state.config.schedules.iter().enumerate() {
            // Due if it had a firing time in (last, now]; several missed ones run once.
            if s.cron.next_after(last).is_some_and(|t| t <= now) {
                let st = Arc::clone(&state);
                state.tasks.spawn(async move {
                    fire(&st, i, now).await;
                });
            }
        }
        last = now;
    }
}

/// Runs schedule `index` as of `at`: reviews its source over `[at - window, at)`, posts the
/// report, and counts the run. Returns whether it was delivered.
pub async fn fire(state: &Arc<AppState>, index: usize, at: Timestamp) -> bool {
    let Some(s) = state.config.schedules.get(index) else {
        return false;
    };
    let job = Job {
        input: JobInput::Source(s.source.clone()),
        window: JobWindow::Range(TimeWindow::last(s.window_ms)),
        now: at,
    };
    let result = match run_job(state, job, Wait::Unbounded).await {
        Ok(out) => {
            let cfg = DeliverConfig::builder(s.post.clone())
                .format(s.post_format)
                .title(format!(
                    "{} review, last {}",
                    s.source,
                    crate::score::human_ms(s.window_ms)
                ))
                .build();
            match cfg {
                Ok(cfg) => {
                    let sent = deliver::post(&cfg, &out.report).await;
                    state.metrics.delivery(sent.is_ok());
                    sent.map(|_| ()).map_err(|e| e.to_string())
                }
                Err(e) => Err(e.to_string()),
            }
        }
        Err(e) => Err(e.message().to_owned()),
    };
    state.metrics.schedule_run(&s.name, result.is_ok());
    match &result {
        Ok(()) => eprintln!(
            "logsift serve: schedule {:?} ran for {at} and was posted",
            s.name
        ),
        Err(e) => eprintln!("logsift serve: schedule {:?} failed for {at}: {e}", s.name),
    }
    result.is_ok()
}
