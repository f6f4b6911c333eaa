//! Redaction (placeholder; owned elsewhere).
