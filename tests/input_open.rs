//! Opening and reading inputs through the public API: plain, gzip and zstd files, streams,
//! FIFOs, and the errors a user sees.

use std::io::{self, Read, Write};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use flate2::Compression as GzLevel;
use flate2::write::GzEncoder;
use logsift::input::{
    Access, Compression, Event, Input, InputError, InputSpec, READ_CHUNK_BYTES, SplitConfig,
    SplitStats,
};

/// An owned event: (source, line_no, lines, head, tail, truncated).
type Ev = (u32, u64, u32, Vec<u8>, Vec<u8>, bool);

fn own(e: &Event<'_>) -> Ev {
    (
        e.source,
        e.line_no,
        e.lines,
        e.head.to_vec(),
        e.tail.to_vec(),
        e.truncated,
    )
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/input")
        .join(name)
}

fn read_fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixture(name)).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

fn open(path: &Path) -> Result<Input, InputError> {
    Input::open(&InputSpec::Path(path.to_path_buf()))
}

fn collect(input: &mut Input, source: u32) -> (Vec<Ev>, Result<SplitStats, InputError>) {
    let mut out = Vec::new();
    let result = input.for_each_event(source, &SplitConfig::default(), |e| {
        out.push(own(e));
        ControlFlow::Continue(())
    });
    (out, result)
}

fn events_of(input: &mut Input) -> (Vec<Ev>, SplitStats) {
    let (events, result) = collect(input, 0);
    match result {
        Ok(stats) => (events, stats),
        Err(e) => panic!("reading {} failed: {e}", input.name()),
    }
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), GzLevel::default());
    enc.write_all(data).unwrap_or_else(|e| panic!("gzip: {e}"));
    enc.finish().unwrap_or_else(|e| panic!("gzip: {e}"))
}

fn zstd(data: &[u8]) -> Vec<u8> {
    zstd::encode_all(data, 3).unwrap_or_else(|e| panic!("zstd: {e}"))
}

fn temp_file(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap_or_else(|e| panic!("write {name}: {e}"));
    path
}

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"))
}

/// Many numbered lines with a stack trace every 50, large enough to span several reads.
fn big_log(lines: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for i in 0..lines {
        if i % 50 == 49 {
            out.extend_from_slice(b"\tat com.example.Worker.run(Worker.java:42)\n");
        } else {
            out.extend_from_slice(
                format!(
                    "2024-03-01 12:00:{:02} INFO request {i} served in {} ms\n",
                    i % 60,
                    i % 977
                )
                .as_bytes(),
            );
        }
    }
    out
}

#[test]
fn plain_file_is_mapped_and_split() {
    let mut input = open(&fixture("java_trace.log")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(input.access(), Access::Mmap);
    assert_eq!(input.compression(), Compression::None);
    assert!(input.peek().starts_with(b"2024-03-01 12:00:00,101 INFO"));
    assert!(input.mapped().is_some());
    let (events, stats) = events_of(&mut input);
    assert_eq!(stats.lines, 20);
    assert_eq!(events.len(), 4);
    assert_eq!(events[1].1, 2);
    assert_eq!(events[1].2, 17);
    assert!(events[1].4.ends_with(b"\t... 12 more"));
    assert_eq!(events[2].1, 19);
    // Consumed: a second pass delivers nothing.
    let (again, stats) = events_of(&mut input);
    assert!(again.is_empty());
    assert_eq!(stats.lines, 0);
}

#[test]
fn fixtures_have_the_documented_shape() {
    for (name, lines, events) in [
        ("java_trace.log", 20, 4),
        ("python_traceback.log", 14, 3),
        ("go_panic.log", 15, 3),
        ("mixed_bytes.log", 6, 5),
    ] {
        let mut input = open(&fixture(name)).unwrap_or_else(|e| panic!("{e}"));
        let (got, stats) = events_of(&mut input);
        assert_eq!((stats.lines, got.len()), (lines, events), "{name}");
    }
}

#[test]
fn mixed_bytes_survive_as_bytes() {
    let mut input = open(&fixture("mixed_bytes.log")).unwrap_or_else(|e| panic!("{e}"));
    let (events, _) = events_of(&mut input);
    let heads: Vec<&[u8]> = events.iter().map(|e| e.3.as_slice()).collect();
    assert_eq!(
        heads,
        [
            &b"first line"[..],
            b"second\0line with NUL",
            b"\xff\xfe not utf-8",
            b"ERROR boom",
            b"last line without newline",
        ]
    );
    assert_eq!(events[3].4, b"\tat a.B.c(B.java:1)");
}

#[test]
fn source_index_is_passed_through() {
    let mut input = open(&fixture("go_panic.log")).unwrap_or_else(|e| panic!("{e}"));
    let (events, _) = collect(&mut input, 3);
    assert!(!events.is_empty());
    assert!(events.iter().all(|e| e.0 == 3));
}

#[test]
fn gzip_file_is_streamed_by_magic_not_name() {
    let data = big_log(40_000);
    let dir = tempdir();
    // A misleading name: detection goes by content.
    let path = temp_file(&dir, "app.log", &gzip(&data));
    let mut input = open(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(input.compression(), Compression::Gzip);
    assert_eq!(input.access(), Access::Stream);
    assert!(
        input
            .peek()
            .starts_with(b"2024-03-01 12:00:00 INFO request 0 ")
    );
    let (events, stats) = events_of(&mut input);

    let plain = temp_file(&dir, "app.txt.gz", &data);
    let mut plain = open(&plain).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(plain.compression(), Compression::None);
    let (expected, expected_stats) = events_of(&mut plain);
    assert_eq!(stats, expected_stats);
    assert_eq!(events, expected);
    assert_eq!(stats.bytes, data.len() as u64);
    assert!(stats.bytes > READ_CHUNK_BYTES as u64);
}

#[test]
fn zstd_file_is_streamed() {
    let data = big_log(40_000);
    let dir = tempdir();
    let path = temp_file(&dir, "app.log.zst", &zstd(&data));
    let mut input = open(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(input.compression(), Compression::Zstd);
    let (events, stats) = events_of(&mut input);
    assert_eq!(stats.lines, 40_000);
    assert_eq!(events.len(), 40_000 - 40_000 / 50);
}

/// UTF-16 with a byte-order mark, as PowerShell's `>` and many Windows tools write logs.
fn utf16(text: &[u8], big_endian: bool) -> Vec<u8> {
    let text = String::from_utf8_lossy(text);
    let mut out: Vec<u8> = if big_endian {
        vec![0xfe, 0xff]
    } else {
        vec![0xff, 0xfe]
    };
    for u in text.encode_utf16() {
        out.extend_from_slice(&if big_endian {
            u.to_be_bytes()
        } else {
            u.to_le_bytes()
        });
    }
    out
}

#[test]
fn a_utf16_log_with_a_byte_order_mark_is_read_as_its_text() {
    // Read as bytes, every ASCII character was followed by a NUL: no header was found and
    // every template was garbage.
    let data = big_log(40_000);
    let dir = tempdir();
    let plain = temp_file(&dir, "app.log", &data);
    let (expected, expected_stats) = events_of(&mut open(&plain).unwrap_or_else(|e| panic!("{e}")));
    for (name, bytes) in [
        ("le.log", utf16(&data, false)),
        ("be.log", utf16(&data, true)),
        ("le.log.gz", gzip(&utf16(&data, false))),
    ] {
        let path = temp_file(&dir, name, &bytes);
        let mut input = open(&path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(input.access(), Access::Stream, "{name}");
        assert!(
            input
                .peek()
                .starts_with(b"2024-03-01 12:00:00 INFO request 0 "),
            "{name}"
        );
        let (events, stats) = events_of(&mut input);
        assert_eq!(events, expected, "{name}");
        assert_eq!(stats, expected_stats, "{name}");
    }
    // From a pipe too.
    let mut piped = Input::from_reader("<stdin>", io::Cursor::new(utf16(&data, false)))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(events_of(&mut piped).0, expected);
    // A file that only starts like a mark is not UTF-16 when the mark is not whole.
    let odd = temp_file(&dir, "odd.log", b"\xffnot a mark\n");
    let mut odd = open(&odd).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(odd.access(), Access::Mmap);
    assert_eq!(events_of(&mut odd).0[0].3, b"\xffnot a mark");
}

#[test]
fn concatenated_gzip_members_and_zstd_frames_are_all_read() {
    let a = read_fixture("java_trace.log");
    let b = read_fixture("python_traceback.log");
    let mut joined = a.clone();
    joined.extend_from_slice(&b);
    let dir = tempdir();
    for (name, bytes) in [
        ("two.gz", [gzip(&a), gzip(&b)].concat()),
        ("two.zst", [zstd(&a), zstd(&b)].concat()),
    ] {
        let mut input = open(&temp_file(&dir, name, &bytes)).unwrap_or_else(|e| panic!("{e}"));
        let (events, stats) = events_of(&mut input);
        assert_eq!(stats.lines, 34, "{name}");
        assert_eq!(stats.bytes, joined.len() as u64, "{name}");
        assert_eq!(events.len(), 7, "{name}");
    }
}

/// Reads a compressed file cut in half: the events before the cut arrive, then a clear
/// error naming the file.
fn assert_truncated_is_reported(name: &str, compressed: Vec<u8>, format: Compression) {
    let data = big_log(40_000);
    let dir = tempdir();
    let cut = &compressed[..compressed.len() / 2];
    let path = temp_file(&dir, name, cut);
    let mut input = open(&path).unwrap_or_else(|e| panic!("{e}"));
    let (events, result) = collect(&mut input, 0);
    let err = match result {
        Ok(stats) => panic!("{name}: truncated data read as complete: {stats:?}"),
        Err(e) => e,
    };
    let message = err.to_string();
    match &err {
        InputError::Corrupt {
            format: f,
            lines,
            compressed_bytes,
            ..
        } => {
            assert_eq!(*f, format);
            assert!(*lines > 1000, "{name}: only {lines} lines before the cut");
            assert!(*compressed_bytes > 0);
        }
        other => panic!("{name}: expected a corrupt-data error, got {other:?}"),
    }
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert!(message.contains("truncated or corrupt"), "{message}");
    assert!(message.contains(format.name()), "{message}");

    // What was delivered is the original, line for line, up to the cut.
    let mut original =
        Input::from_reader("original", io::Cursor::new(data)).unwrap_or_else(|e| panic!("{e}"));
    let (expected, _) = events_of(&mut original);
    assert!(events.len() > 500);
    let whole = events.len() - 1; // the last one may be cut mid-line
    assert_eq!(events[..whole], expected[..whole]);
}

#[test]
fn truncated_gzip_delivers_events_then_errors() {
    assert_truncated_is_reported("cut.gz", gzip(&big_log(40_000)), Compression::Gzip);
}

#[test]
fn truncated_zstd_delivers_events_then_errors() {
    assert_truncated_is_reported("cut.zst", zstd(&big_log(40_000)), Compression::Zstd);
}

#[test]
fn damaged_gzip_is_reported_as_corrupt() {
    let mut bytes = gzip(&big_log(10_000));
    let mid = bytes.len() / 2;
    for b in &mut bytes[mid..mid + 64] {
        *b ^= 0x5a;
    }
    let dir = tempdir();
    let mut input = open(&temp_file(&dir, "bad.gz", &bytes)).unwrap_or_else(|e| panic!("{e}"));
    let (_, result) = collect(&mut input, 0);
    assert!(
        matches!(result, Err(InputError::Corrupt { .. })),
        "{result:?}"
    );
}

#[test]
fn directory_is_refused_with_advice() {
    let dir = tempdir();
    let err = open(dir.path()).err();
    match err {
        Some(InputError::IsDirectory { ref name }) => {
            assert_eq!(name, &dir.path().display().to_string());
        }
        other => panic!("expected IsDirectory, got {other:?}"),
    }
    let message = err.map(|e| e.to_string()).unwrap_or_default();
    assert!(message.contains("is a directory"), "{message}");
    assert!(message.contains("*.log"), "{message}");
}

#[test]
fn missing_file_is_named() {
    let dir = tempdir();
    let path = dir.path().join("nope.log");
    match open(&path) {
        Err(e @ InputError::NotFound { .. }) => {
            assert_eq!(e.name(), path.display().to_string());
            assert!(e.to_string().contains("no such file"));
        }
        other => panic!("expected NotFound, got {other:?}"),
    }
}

#[cfg(unix)]
#[test]
fn unreadable_file_is_permission_denied() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempdir();
    let path = temp_file(&dir, "secret.log", b"x\n");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000))
        .unwrap_or_else(|e| panic!("chmod: {e}"));
    if std::fs::File::open(&path).is_ok() {
        // Running with privileges that ignore file modes (root): nothing to check.
        return;
    }
    assert!(matches!(
        open(&path),
        Err(InputError::PermissionDenied { .. })
    ));
}

#[test]
fn empty_file_has_no_events() {
    let dir = tempdir();
    let mut input = open(&temp_file(&dir, "empty.log", b"")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(input.access(), Access::Stream);
    assert!(input.peek().is_empty());
    let (events, stats) = events_of(&mut input);
    assert!(events.is_empty());
    assert_eq!(stats, SplitStats::default());
}

#[cfg(target_os = "linux")]
#[test]
fn proc_files_and_devices_are_streamed() {
    let mut input = open(Path::new("/proc/self/status")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(input.access(), Access::Stream);
    let (_, stats) = events_of(&mut input);
    assert!(stats.lines > 5, "{stats:?}");

    let mut null = open(Path::new("/dev/null")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(null.access(), Access::Stream);
    assert_eq!(events_of(&mut null).1.lines, 0);
}

#[cfg(unix)]
#[test]
fn fifo_is_streamed() {
    let dir = tempdir();
    let path = dir.path().join("pipe");
    let status = std::process::Command::new("mkfifo")
        .arg(&path)
        .status()
        .unwrap_or_else(|e| panic!("mkfifo: {e}"));
    assert!(status.success());
    let data = gzip(&big_log(20_000));
    let writer_path = path.clone();
    let writer = std::thread::spawn(move || {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .open(&writer_path)
            .unwrap_or_else(|e| panic!("open fifo for writing: {e}"));
        f.write_all(&data)
            .unwrap_or_else(|e| panic!("write fifo: {e}"));
    });
    let mut input = open(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(input.access(), Access::Stream);
    assert_eq!(input.compression(), Compression::Gzip);
    let (_, stats) = events_of(&mut input);
    assert!(writer.join().is_ok());
    assert_eq!(stats.lines, 20_000);
}

/// Hands out at most `step` bytes per read, like a slow pipe.
struct Trickle {
    data: Vec<u8>,
    pos: usize,
    step: usize,
}

impl Read for Trickle {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.step.min(buf.len()).min(self.data.len() - self.pos);
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        self.step = self.step % 7 + 1;
        Ok(n)
    }
}

#[test]
fn any_reader_streams_like_a_mapped_file() {
    let mut data = read_fixture("java_trace.log");
    data.extend_from_slice(&read_fixture("mixed_bytes.log"));
    let dir = tempdir();
    let mut mapped = open(&temp_file(&dir, "x.log", &data)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(mapped.access(), Access::Mmap);
    let expected = events_of(&mut mapped);

    let reader = Trickle {
        data,
        pos: 0,
        step: 1,
    };
    let mut streamed = Input::from_reader("<stdin>", reader).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(streamed.name(), "<stdin>");
    assert_eq!(streamed.access(), Access::Stream);
    assert!(streamed.peek().starts_with(b"2024-03-01"));
    assert_eq!(events_of(&mut streamed), expected);
}

#[test]
fn compressed_stream_from_a_reader() {
    let data = read_fixture("go_panic.log");
    let reader = Trickle {
        data: zstd(&data),
        pos: 0,
        step: 3,
    };
    let mut input = Input::from_reader("-", reader).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(input.compression(), Compression::Zstd);
    assert!(input.peek().starts_with(b"2024/03/01"));
    let (events, stats) = events_of(&mut input);
    assert_eq!(events.len(), 3);
    assert_eq!(stats.bytes, data.len() as u64);
}

/// Gives some data, then fails like a dying disk.
struct Failing {
    data: io::Cursor<Vec<u8>>,
}

impl Read for Failing {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.data.read(buf)? {
            0 => Err(io::Error::other("input/output error")),
            n => Ok(n),
        }
    }
}

#[test]
fn read_failure_delivers_events_then_errors() {
    let reader = Failing {
        data: io::Cursor::new(b"one\ntwo\nthr".to_vec()),
    };
    let mut input = Input::from_reader("disk.log", reader).unwrap_or_else(|e| panic!("{e}"));
    let (events, result) = collect(&mut input, 0);
    assert_eq!(events.len(), 3);
    match result {
        Err(InputError::Read { name, lines, .. }) => {
            assert_eq!(name, "disk.log");
            assert_eq!(lines, 3);
        }
        other => panic!("expected a read error, got {other:?}"),
    }
}

#[test]
fn stopping_early_reads_no_further() {
    let data = big_log(100_000);
    let mut input =
        Input::from_reader("big", io::Cursor::new(data)).unwrap_or_else(|e| panic!("{e}"));
    let mut seen = 0;
    let stats = input
        .for_each_event(0, &SplitConfig::default(), |_| {
            seen += 1;
            if seen == 10 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(seen, 10);
    // At most the first read (the magic bytes, then one chunk) was split.
    assert!(stats.bytes <= READ_CHUNK_BYTES as u64 + 4, "{stats:?}");
}

#[test]
fn long_lines_are_capped_when_streamed() {
    let mut data = vec![b'y'; 3 * READ_CHUNK_BYTES];
    data.extend_from_slice(b"\nshort\n");
    let cfg = SplitConfig::builder()
        .max_line_bytes(100)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let mut input =
        Input::from_reader("long", io::Cursor::new(data)).unwrap_or_else(|e| panic!("{e}"));
    let mut heads = Vec::new();
    let stats = input
        .for_each_event(0, &cfg, |e| {
            heads.push((e.head.len(), e.truncated));
            ControlFlow::Continue(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(heads, [(100, true), (5, false)]);
    assert_eq!(stats.truncated_lines, 1);
}

#[test]
fn several_inputs_are_read_in_order_past_failures() {
    let dir = tempdir();
    let specs = [
        InputSpec::Path(fixture("go_panic.log")),
        InputSpec::Path(dir.path().join("missing.log")),
        InputSpec::Path(temp_file(&dir, "b.log.gz", &gzip(b"x\ny\n"))),
    ];
    let mut seen = Vec::new();
    let results = logsift::input::for_each_event_in(&specs, &SplitConfig::default(), |e| {
        seen.push((e.source, e.line_no));
        ControlFlow::Continue(())
    });
    assert_eq!(results.len(), 3);
    assert!(matches!(results[0], Ok(SplitStats { lines: 15, .. })));
    assert!(matches!(results[1], Err(InputError::NotFound { .. })));
    assert!(matches!(results[2], Ok(SplitStats { lines: 2, .. })));
    assert_eq!(seen, [(0, 1), (0, 2), (0, 15), (2, 1), (2, 2)]);

    // Stopping in the first input leaves the others unopened.
    let results = logsift::input::for_each_event_in(&specs, &SplitConfig::default(), |_| {
        ControlFlow::Break(())
    });
    assert_eq!(results.len(), 1);
}

#[test]
fn inputs_can_move_to_other_threads() {
    fn assert_send<T: Send>() {}
    assert_send::<Input>();
    assert_send::<InputError>();
}
