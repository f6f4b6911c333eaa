//! The JSON report: the [`Report`] serialised as one pretty-printed object, stable field
//! names, for `jq` and other programs. Control characters in strings are escaped by JSON
//! itself.

use std::io::{self, Write};

use super::Report;

/// Writes the report as JSON followed by a newline.
pub fn render_json(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report).map_err(io::Error::other)?;
    writeln!(out)
}
