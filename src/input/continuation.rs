//! The multi-line rule: which lines continue the event before them.
//!
//! Owns [`is_continuation`], a pure function of one line, so that the splitter, the chunker
//! for parallel work and the tests all agree. It does not join anything itself and never
//! looks at the line before: a rule that depended on context would make cutting a buffer
//! into independently split chunks give different events than splitting it whole.

/// Longest first token [`is_continuation`] scans when it looks for an exception class name
/// or a Go stack frame. Fully qualified Java class names and Go function names are far
/// shorter; the bound keeps the check cheap on lines that start with a long word.
const MAX_TOKEN_SCAN: usize = 256;

/// Whether `line` continues the event started by an earlier line (a stack trace, an
/// indented sub-line) rather than starting an event of its own.
///
/// `line` is one physical line without its terminator (`\n` or `\r\n`), as capped by the
/// line limit. The rules, in the order they are checked:
///
/// * An empty line continues: blank lines inside pretty-printed blocks and between chained
///   Python tracebacks keep the block together. (A blank line between ordinary log lines
///   joins the line before it; its count is kept in [`Event::lines`](super::Event::lines).)
/// * A line starting with a space or a tab continues (Java `\tat ...`, `\t... 5 more`,
///   Python `  File "..."`, Go `\t/src/main.go:12 +0x1d`, indented sub-lines), except
///   one space followed by `INFO ` or `WARN `: log4j's `%5p` pads the 4-letter levels to
///   five characters, so such lines are headers, not continuations.
/// * Java: `at `, `Caused by:`, `Suppressed:`, `... N more`, and a line whose first word is
///   an exception class name (`java.io.IOException: msg`, `ValueError: msg`, see below).
/// * Python: `Traceback (most recent call last):`, `During handling of the above
///   exception`, `The above exception was the direct cause`.
/// * Go: `goroutine N [`, `created by `, and a stack frame line such as `main.main()` or
///   `net/http.(*conn).serve(0xc000...)`: no blank before the first `(`, a `.` before it,
///   starts with a letter and ends with `)`.
///
/// An exception class name is a first word made of letters, digits, `_`, `.` and `$` that
/// starts with a letter, ends in `Exception`, `Error` or `Throwable` with something before
/// that suffix (a bare `Error: disk full` is an ordinary message), and is followed by `:`,
/// `(` (Hadoop's `RemoteException(java.io.IOException)`) or the end of the line.
///
/// Every other line starts an event, in particular every line that starts with a digit,
/// `[` or `-` (timestamps, bracketed levels), which is what almost all log headers do.
/// The first line of an input always starts an event, whatever this function says.
///
/// Only the first word and the last byte of the line are looked at, so the check costs a
/// few comparisons per line.
#[inline]
pub fn is_continuation(line: &[u8]) -> bool {
    // The common cases (indented frames, headers starting with a digit or a bracket) are
    // decided here, inlined into the splitter's loop; words go to the out-of-line rest.
    match line.first() {
        None => true,
        Some(b' ' | b'\t') => !is_padded_level(line),
        Some(b'0'..=b'9' | b'[' | b'-' | b'<' | b'{' | b'(') => false,
        Some(_) => starts_with_continuation_word(line),
    }
}

/// [`is_continuation`] for lines that start with something other than a blank, a digit
/// or an opening bracket.
#[inline(never)]
fn starts_with_continuation_word(line: &[u8]) -> bool {
    let Some(&first) = line.first() else {
        return true;
    };
    match first {
        b'.' => is_more_marker(line),
        b'a' if line.starts_with(b"at ") => true,
        b'C' if line.starts_with(b"Caused by:") => true,
        b'S' if line.starts_with(b"Suppressed:") => true,
        b'T' if line.starts_with(b"Traceback (most recent call last):")
            || line.starts_with(b"The above exception was the direct cause") =>
        {
            true
        }
        b'D' if line.starts_with(b"During handling of the above exception") => true,
        b'g' if is_goroutine_header(line) => true,
        b'c' if line.starts_with(b"created by ") => true,
        b'a'..=b'z' | b'A'..=b'Z' => is_exception_line(line) || is_go_frame(line),
        _ => false,
    }
}

/// ` INFO ` / ` WARN `: a header whose level log4j padded to five characters with `%5p`.
fn is_padded_level(line: &[u8]) -> bool {
    line.starts_with(b" INFO ") || line.starts_with(b" WARN ")
}

/// `... 12 more`, the elision marker at the end of a Java cause's frames, unindented.
fn is_more_marker(line: &[u8]) -> bool {
    line.strip_prefix(b"... ")
        .and_then(|rest| rest.first())
        .is_some_and(u8::is_ascii_digit)
}

/// `goroutine 7 [running]:` in a Go panic or a goroutine dump.
fn is_goroutine_header(line: &[u8]) -> bool {
    line.strip_prefix(b"goroutine ")
        .and_then(|rest| rest.first())
        .is_some_and(u8::is_ascii_digit)
}

/// `java.lang.IllegalStateException: boom`, `ValueError: bad`, `pkg.Outer$InnerError`.
fn is_exception_line(line: &[u8]) -> bool {
    let scan = &line[..line.len().min(MAX_TOKEN_SCAN)];
    let end = scan
        .iter()
        .position(|&b| !(b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'$'))
        .unwrap_or(scan.len());
    if end == scan.len() && end < line.len() {
        // The word runs past the scan bound: not a class name.
        return false;
    }
    match line.get(end) {
        None | Some(b':') | Some(b'(') => {}
        Some(_) => return false,
    }
    let word = &line[..end];
    [&b"Exception"[..], b"Error", b"Throwable"]
        .iter()
        .any(|suffix| word.len() > suffix.len() && word.ends_with(suffix))
}

/// `main.main()`, `net/http.(*conn).serve(0xc000124000)`: a Go stack frame's function line.
fn is_go_frame(line: &[u8]) -> bool {
    if line.last() != Some(&b')') {
        return false;
    }
    let scan = &line[..line.len().min(MAX_TOKEN_SCAN)];
    let Some(paren) = scan
        .iter()
        .position(|&b| b == b'(' || b == b' ' || b == b'\t')
    else {
        return false;
    };
    scan[paren] == b'(' && scan[..paren].contains(&b'.')
}

#[cfg(test)]
mod tests {
    use super::is_continuation;

    fn cont(line: &str) -> bool {
        is_continuation(line.as_bytes())
    }

    #[test]
    fn blank_and_indented_lines_continue() {
        assert!(cont(""));
        assert!(cont(" "));
        assert!(cont("\tat com.example.Foo.bar(Foo.java:10)"));
        assert!(cont("    at com.example.Foo.bar(Foo.java:10)"));
        assert!(cont("\t... 12 more"));
        assert!(cont("  File \"/app/main.py\", line 3, in <module>"));
        assert!(cont("\t/usr/local/go/src/net/http/server.go:1995 +0x1d"));
    }

    #[test]
    fn log4j_padded_levels_start_events() {
        assert!(!cont(" INFO 2024-01-01 12:00:00 Server started"));
        assert!(!cont(" WARN [main] low disk"));
        // Two spaces or another word is ordinary indentation.
        assert!(cont("  INFO nested"));
        assert!(cont(" INFORMATION follows"));
    }

    #[test]
    fn java_shapes_continue() {
        assert!(cont("at com.example.Foo.bar(Foo.java:10)"));
        assert!(cont("Caused by: java.io.IOException: broken pipe"));
        assert!(cont("Suppressed: java.lang.IllegalStateException"));
        assert!(cont("... 5 more"));
        assert!(cont("java.lang.NullPointerException"));
        assert!(cont("java.lang.IllegalStateException: closed"));
        assert!(cont("org.example.Outer$InnerException: x"));
        assert!(cont("java.lang.OutOfMemoryError: Java heap space"));
        assert!(cont("java.lang.Throwable"));
        assert!(cont(
            "org.apache.hadoop.ipc.RemoteException(java.io.IOException): File does not exist"
        ));
    }

    #[test]
    fn python_shapes_continue() {
        assert!(cont("Traceback (most recent call last):"));
        assert!(cont(
            "ValueError: invalid literal for int() with base 10: 'x'"
        ));
        assert!(cont("requests.exceptions.ConnectionError: refused"));
        assert!(cont(
            "During handling of the above exception, another exception occurred:"
        ));
        assert!(cont(
            "The above exception was the direct cause of the following exception:"
        ));
    }

    #[test]
    fn go_shapes_continue() {
        assert!(cont("goroutine 1 [running]:"));
        assert!(cont("goroutine 42 [chan receive, 3 minutes]:"));
        assert!(cont("main.main()"));
        assert!(cont("main.handler(0x1, 0xc000010000)"));
        assert!(cont(
            "net/http.(*conn).serve(0xc0000a6000, {0x6f0c38, 0xc0000b2000})"
        ));
        assert!(cont("created by net/http.(*Server).Serve in goroutine 1"));
    }

    #[test]
    fn headers_start_events() {
        for line in [
            "2015-07-29 17:41:44,747 - INFO  [QuorumPeer[myid=1]] - Notification time out",
            "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure",
            "081109 203518 143 INFO dfs.DataNode$DataXceiver: Receiving block",
            "[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok",
            "- 1117838570 2005.06.03 R02-M1-N0-C:J12-U11 RAS KERNEL INFO",
            "APPREAD 1117869872 2005.06.04 R33-M0-N1 RAS APP FATAL ciod: failed",
            "Error: disk full",
            "Exception in thread \"main\" java.lang.IllegalStateException: boom",
            "panic: runtime error: index out of range [5] with length 3",
            "ERROR something failed (code 3)",
            "goroutine leak detected",
            "... and then it stopped",
            "attempt 3 failed",
            "Caused",
            "main.go:12: listening (port 80)",
            "{\"level\":\"info\"}",
            "exit status 2",
            "ERROR:root:job failed (code 3)",
            "WARNING:urllib3.connectionpool:Retrying (Retry(total=2))",
            "kernel: usb 1-1: new device (high-speed)",
            "systemd[1]: Started Session 5 of user root (uid=0)",
        ] {
            assert!(!cont(line), "{line:?} should start an event");
        }
    }

    #[test]
    fn long_first_words_are_not_class_names() {
        let mut word = "a.".repeat(200);
        word.push_str("FooException: x");
        assert!(!is_continuation(word.as_bytes()));
        let mut frame = "a.".repeat(200);
        frame.push_str("f()");
        assert!(!is_continuation(frame.as_bytes()));
    }

    #[test]
    fn odd_bytes_do_not_panic() {
        assert!(!is_continuation(b"\0\0\0"));
        assert!(!is_continuation(b"\xff\xfe at"));
        assert!(!is_continuation(b"\r"));
        assert!(is_continuation(b"\t\0"));
        assert!(!is_continuation(b"E"));
        assert!(!is_continuation(b"a"));
        assert!(!is_continuation(b")"));
    }
}
