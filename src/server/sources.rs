//! Turning a configured source into inputs: files from globs with their rotated siblings, or
//! a command's standard output.
//!
//! Owns glob expansion and the choice of rotated files ([`expand_files`]), and running a
//! command source without a shell, with a timeout and an output cap ([`run_command`]). It does
//! not read log lines: the paths and the spilled output go to the ordinary input layer, which
//! recognises gzip and zstd by their first bytes.
//!
//! Rotated files are the siblings of a matched file whose names continue it with a rotation
//! suffix, as logrotate and most loggers write them: `app.log.1`, `app.log.2.gz`,
//! `app.log-20261127`, `app.log-20261127.gz`, `app.log.2026-11-27.zst`. The newest
//! `max_rotated` of them (by modification time) are read, oldest first, before the live file,
//! so that the baseline before a window has data; a rotated file last written before the
//! start of a `since` window cannot hold events in it and is skipped.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use crate::record::Timestamp;

/// Most files one source may expand to: more is a glob that matched far more than meant
/// (`/var/log/**`), and each file costs an open and a map.
pub const MAX_FILES: usize = 1_000;
/// Bytes of a failing command's stderr quoted in the error.
const STDERR_EXCERPT: usize = 400;
/// How often a running command is checked for exit.
const POLL: Duration = Duration::from_millis(10);

/// Why a source gave no input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SourceError {
    /// The globs matched no file.
    #[error("source {name:?} has no files now: {globs} matched nothing")]
    NoFiles {
        /// The source.
        name: String,
        /// The globs, joined.
        globs: String,
    },
    /// The globs matched too many files.
    #[error("source {name:?} matches more than {MAX_FILES} files; narrow its globs")]
    TooManyFiles {
        /// The source.
        name: String,
    },
    /// A glob could not be read (checked at load; kept for completeness).
    #[error("source {name:?}: {why}")]
    Glob {
        /// The source.
        name: String,
        /// The error.
        why: String,
    },
    /// The command failed to start, timed out or exited with an error.
    #[error("source {name:?}: {why}")]
    Command {
        /// The source.
        name: String,
        /// What happened, with the start of its stderr.
        why: String,
    },
}

fn modified(p: &Path) -> Option<SystemTime> {
    std::fs::metadata(p).and_then(|m| m.modified()).ok()
}

fn to_timestamp(t: SystemTime) -> Timestamp {
    match t.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => Timestamp(i64::try_from(d.as_millis()).unwrap_or(i64::MAX)),
        Err(_) => Timestamp(0),
    }
}

/// Whether `name` is `base` followed by a rotation suffix (see the module docs).
pub fn is_rotation_of(name: &str, base: &str) -> bool {
    let Some(rest) = name.strip_prefix(base) else {
        return false;
    };
    let mut rest = rest;
    for ext in [".gz", ".zst"] {
        if let Some(r) = rest.strip_suffix(ext) {
            rest = r;
            break;
        }
    }
    let Some(suffix) = rest.strip_prefix('.').or_else(|| rest.strip_prefix('-')) else {
        return false;
    };
    // A generation number or a date (digits with '-', '_' or '.' between them).
    !suffix.is_empty()
        && suffix.bytes().next().is_some_and(|b| b.is_ascii_digit())
        && suffix
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.'))
}

/// The files of a file source, oldest first: every regular file the globs match, plus the
/// newest `max_rotated` rotated siblings of each (skipping those last written before
/// `since`). Fails when nothing matches or more than [`MAX_FILES`] would be read.
pub fn expand_files(
    source: &str,
    globs: &[String],
    max_rotated: usize,
    since: Option<Timestamp>,
) -> Result<Vec<PathBuf>, SourceError> {
    let mut matched: BTreeSet<PathBuf> = BTreeSet::new();
    for g in globs {
        let paths = glob::glob(g).map_err(|e| SourceError::Glob {
            name: source.to_owned(),
            why: format!("{g:?}: {e}"),
        })?;
        for p in paths.flatten() {
            if p.is_file() {
                matched.insert(p);
            }
            if matched.len() > MAX_FILES {
                return Err(SourceError::TooManyFiles {
                    name: source.to_owned(),
                });
            }
        }
    }
    if matched.is_empty() {
        return Err(SourceError::NoFiles {
            name: source.to_owned(),
            globs: globs.join(", "),
        });
    }
    let mut all: BTreeSet<PathBuf> = matched.clone();
    if max_rotated > 0 {
        for live in &matched {
            let (Some(dir), Some(base)) =
                (live.parent(), live.file_name().and_then(|n| n.to_str()))
            else {
                continue;
            };
            let dir = if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            };
            let Ok(entries) = std::fs::read_dir(dir) else {
                continue;
            };
            let mut rotated: Vec<(SystemTime, PathBuf)> = entries
                .flatten()
                .filter(|e| {
                    e.file_name()
                        .to_str()
                        .is_some_and(|n| is_rotation_of(n, base))
                })
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .filter_map(|p| modified(&p).map(|t| (t, p)))
                .filter(|(t, _)| since.is_none_or(|s| to_timestamp(*t) >= s))
                .collect();
            rotated.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
            all.extend(rotated.into_iter().take(max_rotated).map(|(_, p)| p));
            if all.len() > MAX_FILES {
                return Err(SourceError::TooManyFiles {
                    name: source.to_owned(),
                });
            }
        }
    }
    // Oldest first, so that the read order follows time (untimed lines inherit within a
    // file only, but the report lists inputs in this order).
    let mut files: Vec<(SystemTime, PathBuf)> = all
        .into_iter()
        .map(|p| (modified(&p).unwrap_or(SystemTime::UNIX_EPOCH), p))
        .collect();
    files.sort();
    Ok(files.into_iter().map(|(_, p)| p).collect())
}

/// A command's output, spilled to a temporary file that lives as long as this value.
#[derive(Debug)]
pub struct CommandOutput {
    /// The spilled standard output.
    pub file: tempfile::NamedTempFile,
    /// Whether the output was cut at the byte cap.
    pub truncated: bool,
    /// Bytes kept.
    pub bytes: u64,
}

/// Runs `argv` (no shell: the program and its arguments as given), with stdin closed,
/// copying its standard output to a temporary file, at most `max_bytes` of it. The command
/// is killed after `timeout`. A command that exits with an error status fails with the start
/// of its stderr; one that was cut at `max_bytes` is stopped there and its output kept.
pub fn run_command(
    source: &str,
    argv: &[String],
    timeout: Duration,
    max_bytes: u64,
) -> Result<CommandOutput, SourceError> {
    let fail = |why: String| SourceError::Command {
        name: source.to_owned(),
        why,
    };
    let (program, args) = argv
        .split_first()
        .ok_or_else(|| fail("the command is empty".into()))?;
    let mut out = tempfile::Builder::new()
        .prefix("logsift-source")
        .tempfile()
        .map_err(|e| fail(format!("cannot create a temporary file: {e}; set TMPDIR")))?;
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            fail(format!(
                "cannot start {program:?}: {e}; check the path and PATH"
            ))
        })?;
    let mut stdout = child
        .stdout
        .take()
        .ok_or_else(|| fail("no stdout pipe".into()))?;
    let mut stderr = child
        .stderr
        .take()
        .ok_or_else(|| fail("no stderr pipe".into()))?;
    let mut sink = out
        .as_file()
        .try_clone()
        .map_err(|e| fail(format!("temporary file: {e}")))?;
    let copier = std::thread::spawn(move || -> std::io::Result<(u64, bool)> {
        let copied = std::io::copy(&mut (&mut stdout).take(max_bytes), &mut sink)?;
        // One more byte means the output went on past the cap.
        let mut probe = [0u8; 1];
        let more = stdout.read(&mut probe).map(|n| n > 0).unwrap_or(false);
        Ok((copied, more))
    });
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = (&mut stderr)
            .take(STDERR_EXCERPT as u64 * 4)
            .read_to_end(&mut buf);
        // Drain the rest so the command never blocks on a full stderr pipe.
        let _ = std::io::copy(&mut stderr, &mut std::io::sink());
        buf
    });
    let started = Instant::now();
    let mut timed_out = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break Some(s),
            Ok(None) if started.elapsed() >= timeout => {
                timed_out = true;
                let _ = child.kill();
                break child.wait().ok();
            }
            Ok(None) => {
                // Output past the cap: stop the command rather than let it run on.
                if copier.is_finished() {
                    let _ = child.kill();
                    break child.wait().ok();
                }
                std::thread::sleep(POLL);
            }
            Err(e) => return Err(fail(format!("waiting for the command: {e}"))),
        }
    };
    if timed_out {
        // Not joined: a process the command left behind may still hold the pipe open.
        return Err(fail(format!(
            "the command did not finish within {} and was stopped; raise command_timeout or \
             ask for less output",
            crate::score::human_ms(i64::try_from(timeout.as_millis()).unwrap_or(i64::MAX))
        )));
    }
    let (bytes, truncated) = copier
        .join()
        .map_err(|_| fail("the output copier failed".into()))?
        .map_err(|e| fail(format!("reading its output: {e}")))?;
    // The command has exited; its stderr pipe closes unless something it started holds it.
    let mut waited = Duration::ZERO;
    while !err_reader.is_finished() && waited < Duration::from_millis(500) {
        std::thread::sleep(POLL);
        waited += POLL;
    }
    let err = if err_reader.is_finished() {
        err_reader.join().unwrap_or_default()
    } else {
        Vec::new()
    };
    let excerpt = {
        let s = String::from_utf8_lossy(&err);
        let one: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
        let cut: String = one.chars().take(STDERR_EXCERPT).collect();
        if cut.is_empty() {
            String::new()
        } else {
            format!(": {cut}")
        }
    };
    if !truncated
        && let Some(s) = status
        && !s.success()
    {
        return Err(fail(format!("the command failed ({s}){excerpt}")));
    }
    use std::io::Seek;
    out.as_file_mut()
        .rewind()
        .map_err(|e| fail(format!("temporary file: {e}")))?;
    Ok(CommandOutput {
        file: out,
        truncated,
        bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_suffixes() {
        for yes in [
            "app.log.1",
            "app.log.2.gz",
            "app.log-20261127",
            "app.log-20261127.gz",
            "app.log.2026-11-27.zst",
            "app.log.10",
        ] {
            assert!(is_rotation_of(yes, "app.log"), "{yes}");
        }
        for no in [
            "app.log",
            "app.log.gz.bak",
            "app.logger",
            "app.log.old",
            "app.log.",
            "other.log.1",
            "app.log.1.bz2",
        ] {
            assert!(!is_rotation_of(no, "app.log"), "{no}");
        }
    }

    #[test]
    fn globs_expand_with_the_newest_rotated_files_oldest_first() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let now = SystemTime::now();
        let write = |name: &str, age_h: u64| {
            let p = d.join(name);
            std::fs::write(&p, b"x\n").unwrap();
            let f = std::fs::File::options().write(true).open(&p).unwrap();
            f.set_modified(now - Duration::from_secs(age_h * 3600))
                .unwrap();
        };
        write("app.log", 0);
        write("app.log.1", 24);
        write("app.log.2.gz", 48);
        write("app.log.3.gz", 72);
        write("other.txt", 0);
        let g = vec![format!("{}/*.log", d.display())];
        let names = |v: Vec<PathBuf>| -> Vec<String> {
            v.iter()
                .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
                .collect()
        };
        let files = expand_files("s", &g, 2, None).unwrap();
        assert_eq!(names(files), ["app.log.2.gz", "app.log.1", "app.log"]);
        let since = to_timestamp(now - Duration::from_secs(30 * 3600));
        let files = expand_files("s", &g, 5, Some(since)).unwrap();
        assert_eq!(names(files), ["app.log.1", "app.log"]);
        let none = expand_files("s", &[format!("{}/*.nope", d.display())], 2, None);
        assert!(matches!(none, Err(SourceError::NoFiles { .. })));
    }

    #[test]
    fn commands_run_without_a_shell_with_a_cap_and_a_timeout() {
        let argv = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let out = run_command(
            "s",
            &argv(&["printf", "a\\nb\\n"]),
            Duration::from_secs(10),
            1 << 20,
        )
        .unwrap();
        assert_eq!(std::fs::read(out.file.path()).unwrap(), b"a\nb\n");
        assert!(!out.truncated);
        // No shell: the ';' is an argument, not a command separator.
        let out = run_command(
            "s",
            &argv(&["echo", "x;", "rm", "-rf", "/nope"]),
            Duration::from_secs(10),
            1 << 20,
        )
        .unwrap();
        assert_eq!(
            std::fs::read(out.file.path()).unwrap(),
            b"x; rm -rf /nope\n"
        );
        let cut = run_command("s", &argv(&["yes"]), Duration::from_secs(10), 1000).unwrap();
        assert!(cut.truncated);
        assert_eq!(cut.bytes, 1000);
        let slow = run_command("s", &argv(&["sleep", "5"]), Duration::from_millis(50), 1000);
        assert!(slow.unwrap_err().to_string().contains("did not finish"));
        let failing = run_command(
            "s",
            &argv(&["sh", "-c", "echo boom >&2; exit 3"]),
            Duration::from_secs(10),
            1000,
        );
        let e = failing.unwrap_err().to_string();
        assert!(e.contains("boom") && e.contains('3'), "{e}");
        let missing = run_command(
            "s",
            &argv(&["/no/such/program"]),
            Duration::from_secs(1),
            10,
        );
        assert!(missing.unwrap_err().to_string().contains("cannot start"));
    }
}
