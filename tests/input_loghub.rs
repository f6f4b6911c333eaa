//! The splitter on real logs (the Loghub 2k samples): no line of these single-line formats
//! may be mistaken for a continuation, and every way of reading gives the same events.

use std::io;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use logsift::input::{
    Event, Input, InputSpec, SplitConfig, Splitter, chunk_boundaries, count_lines, is_continuation,
};

type Ev = (u64, u32, Vec<u8>, Vec<u8>, bool);

fn own(e: &Event<'_>) -> Ev {
    (
        e.line_no,
        e.lines,
        e.head.to_vec(),
        e.tail.to_vec(),
        e.truncated,
    )
}

fn loghub_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/loghub-2k");
    let mut files = Vec::new();
    let dirs = std::fs::read_dir(&root).unwrap_or_else(|e| panic!("{}: {e}", root.display()));
    for dir in dirs.flatten() {
        let name = dir.file_name().to_string_lossy().into_owned();
        let log = dir.path().join(format!("{name}_2k.log"));
        if log.is_file() {
            files.push(log);
        }
    }
    files.sort();
    assert!(
        files.len() >= 9,
        "expected the Loghub samples, found {files:?}"
    );
    files
}

fn events(input: &mut Input) -> Vec<Ev> {
    let mut out = Vec::new();
    let result = input.for_each_event(0, &SplitConfig::default(), |e| {
        out.push(own(e));
        ControlFlow::Continue(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    out
}

#[test]
fn loghub_lines_are_never_continuations() {
    for path in loghub_files() {
        let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for (i, line) in data.split(|&b| b == b'\n').enumerate() {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.is_empty() {
                continue; // the end of the file
            }
            assert!(
                !is_continuation(line),
                "{}:{}: {:?}",
                path.display(),
                i + 1,
                String::from_utf8_lossy(line)
            );
        }
        let mut input =
            Input::open(&InputSpec::Path(path.clone())).unwrap_or_else(|e| panic!("{e}"));
        let got = events(&mut input);
        assert_eq!(got.len(), 2000, "{}", path.display());
        assert!(got.iter().all(|e| e.1 == 1 && e.3.is_empty()));
    }
}

#[test]
fn mapped_streamed_and_chunked_agree_on_loghub() {
    let cfg = SplitConfig::default();
    for path in loghub_files() {
        let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));

        let mut mapped =
            Input::open(&InputSpec::Path(path.clone())).unwrap_or_else(|e| panic!("{e}"));
        let expected = events(&mut mapped);

        let mut streamed = Input::from_reader("stream", io::Cursor::new(data.clone()))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(events(&mut streamed), expected, "{}", path.display());

        let cuts = chunk_boundaries(&data, 16 * 1024, &cfg);
        assert!(
            cuts.len() > 2,
            "{} should give several chunks",
            path.display()
        );
        let mut chunked = Vec::new();
        for w in cuts.windows(2) {
            let mut splitter = Splitter::new(cfg.clone(), 0, 1 + count_lines(&data[..w[0]]));
            let mut f = |e: &Event<'_>| {
                chunked.push(own(e));
                ControlFlow::Continue(())
            };
            let _ = splitter.feed(&data[w[0]..w[1]], &mut f);
            let _ = splitter.finish(&mut f);
        }
        assert_eq!(chunked, expected, "{}", path.display());
    }
}
