//! Header detection: splits an event's first line into timestamp, level and message body.

/// A point in time: milliseconds since the Unix epoch. Times written without a zone are read
/// as UTC, consistently, so comparisons within one log hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

/// A normalised severity level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
    Fatal,
}
