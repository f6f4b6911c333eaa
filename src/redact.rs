//! Redaction of secrets and suspicious content before anything leaves the process.
