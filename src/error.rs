//! Errors that reach the user, and the exit codes they map to.
//!
//! Each stage has its own error type next to its code; this module only collects them
//! for the front ends.

/// Exit code for a run that worked (whatever it found, unless `--fail-on-anomaly`).
pub const EXIT_OK: i32 = 0;
/// Exit code for bad input or bad usage: a missing file, a corrupt archive, an invalid flag.
pub const EXIT_INPUT: i32 = 2;
