//! When to try a request again, and how long to wait first.
//!
//! Owns the backoff (exponential, with jitter), the reading of `Retry-After` (seconds or an
//! HTTP date), and which outcomes are worth a retry (429, 5xx, 408, timeouts, connection
//! errors). It does not send requests.

use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use super::config::MAX_BACKOFF;

/// Whether an HTTP status is worth another attempt: rate limits, timeouts reported by the
/// server or a proxy, and server errors.
pub fn retryable_status(status: u16) -> bool {
    status == 429 || status == 408 || (500..=599).contains(&status)
}

/// The wait a `Retry-After` header value asks for: a number of seconds, or an HTTP date
/// (a date in the past means now). `None` when the value is neither.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let v = value.trim();
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        // More than a day is as good as "not within any deadline".
        let secs = v.parse::<u64>().unwrap_or(u64::MAX).min(86_400);
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(v).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// The wait before retry number `retry` (0 for the first): `base * 2^retry`, capped at
/// [`MAX_BACKOFF`], of which a random half is taken off ("equal jitter"), so that clients
/// that failed together do not retry together while each still waits at least half the
/// step. `unit` is a number in `[0, 1)`.
pub fn backoff(base: Duration, retry: u32, unit: f64) -> Duration {
    let step = base
        .saturating_mul(2u32.saturating_pow(retry.min(16)))
        .min(MAX_BACKOFF);
    let half = step / 2;
    half + half.mul_f64(unit.clamp(0.0, 1.0))
}

/// A number in `[0, 1)` that differs from call to call and process to process. Jitter
/// needs no more than that, so no random-number crate is pulled in.
pub fn jitter_unit() -> f64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let h = RandomState::new().hash_one(n);
    (h >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_in_seconds_and_as_a_date() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_480);
        assert_eq!(parse_retry_after("2", now), Some(Duration::from_secs(2)));
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        // 1445412480 is Wed, 21 Oct 2015 07:28:00 GMT.
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-1", now), None);
        assert_eq!(
            parse_retry_after("99999999999999999999999", now),
            Some(Duration::from_secs(86_400))
        );
    }

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        let b = Duration::from_millis(500);
        assert_eq!(backoff(b, 0, 0.0), Duration::from_millis(250));
        assert_eq!(backoff(b, 0, 1.0), Duration::from_millis(500));
        assert_eq!(backoff(b, 2, 0.0), Duration::from_millis(1_000));
        assert_eq!(backoff(b, 30, 1.0), MAX_BACKOFF);
        for _ in 0..100 {
            let u = jitter_unit();
            assert!((0.0..1.0).contains(&u));
        }
    }

    #[test]
    fn statuses() {
        for s in [429, 408, 500, 502, 503, 504] {
            assert!(retryable_status(s), "{s}");
        }
        for s in [200, 400, 401, 403, 404, 422] {
            assert!(!retryable_status(s), "{s}");
        }
    }
}
