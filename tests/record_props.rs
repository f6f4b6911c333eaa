//! No input makes header detection or parsing panic: arbitrary bytes, mutated real lines,
//! random `--log-format` strings.

use logsift::record::{DetectOptions, Record, Timestamp, detect};
use proptest::prelude::*;

/// One realistic line per header shape, used as seeds for mutation.
const SEEDS: &[&str] = &[
    "081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 terminating",
    "2015-10-18 18:01:47,978 INFO [main] org.apache.hadoop.MRAppMaster: Created MRAppMaster",
    "17/06/09 20:10:40 INFO executor.CoarseGrainedExecutorBackend: Registered signal handlers",
    "2015-07-29 17:41:44,747 - INFO  [QuorumPeer[myid=1]/0:0:0:2181:FastLeaderElection@774] - Notification",
    "- 1117838570 2005.06.03 R02-M1-N0-C:J12-U11 2005-06-03-15.42.50.675872 R02-M1-N0-C:J12-U11 RAS KERNEL INFO x",
    "134681 node-246 unix.hw state_change.unavailable 1077804742 1 Component State Change",
    "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; logname= uid=0 ",
    "[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok /etc/httpd/conf/workers2.properties",
    "<34>1 2026-11-27T14:02:01.003Z host app 1234 ID47 [x a=\"]\\\"\"] msg",
    "<13>Nov 27 14:02:01 host prog[1]: msg",
    "127.0.0.1 - - [27/Nov/2026:14:02:01 +0000] \"GET / HTTP/1.1\" 200 512 \"-\" \"curl\"",
    "I1127 14:02:01.123456   12345 file.go:123] msg",
    "{\"time\":\"2026-11-27T14:02:01Z\",\"level\":\"info\",\"msg\":\"a\\u00e9\\ud83d\\ude00\",\"n\":{\"a\":[1,2]}}",
    "{\"log\":\"x\\n\",\"stream\":\"stdout\",\"time\":\"2026-11-27T14:02:01.123456789Z\"}",
    "2026-11-27T14:02:01.123456789Z stdout F 2026-11-27 14:02:01,000 INFO [main] a.B: c",
    "ts=2026-11-27T14:02:01Z level=info msg=\"a \\\"b\\\"\" k=v",
    "1795788121.5 hello",
    "03-17 16:13:38.811  1702  2395 D WindowManager: x",
    "11/27/2026 2:02:01 PM WARN x",
];

fn opts() -> DetectOptions {
    DetectOptions::builder()
        .reference(Timestamp(1_795_780_800_000))
        .build()
        .unwrap()
}

/// Touches every field so that lazily built values are built.
fn consume(r: &Record<'_>) -> usize {
    r.message.len()
        + r.component.map_or(0, <[u8]>::len)
        + usize::from(r.ts.is_some())
        + usize::from(r.level.is_some())
}

/// A seed line with random byte edits.
fn mutated() -> impl Strategy<Value = Vec<u8>> {
    (
        0..SEEDS.len(),
        prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0..3u8), 0..6),
    )
        .prop_map(|(i, edits)| {
            let mut line = SEEDS[i].as_bytes().to_vec();
            for (at, byte, op) in edits {
                let pos = at.index(line.len() + 1);
                match op {
                    0 => line.insert(pos, byte),
                    1 if pos < line.len() => {
                        line.remove(pos);
                    }
                    _ if pos < line.len() => line[pos] = byte,
                    _ => line.push(byte),
                }
            }
            line
        })
}

/// Lines mixing header-ish fragments.
fn headerish() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop::sample::select(vec![
            "2026-11-27",
            "14:02:01",
            ",123",
            ".5",
            "Z",
            "+01:00",
            " ",
            "  ",
            "\t",
            "[",
            "]",
            "INFO",
            "warn",
            "E",
            "-",
            ":",
            "Nov",
            "27",
            "Sun",
            "{",
            "}",
            "\"",
            "msg",
            "=",
            "level",
            "\\",
            "<34>",
            "1",
            "stdout",
            "F",
            "1795788121",
            "x",
            "\u{e9}",
            "\u{a0}",
        ]),
        0..24,
    )
    .prop_map(|parts| parts.concat().into_bytes())
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(
        sample in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..120), 0..20),
        lines in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..200), 0..20),
    ) {
        let s: Vec<&[u8]> = sample.iter().map(Vec::as_slice).collect();
        let hf = detect(&s, &opts());
        for l in lines.iter().chain(&sample) {
            consume(&hf.parse(l));
        }
    }

    #[test]
    fn mutated_lines_never_panic(
        sample in prop::collection::vec(mutated(), 1..30),
        lines in prop::collection::vec(mutated(), 0..30),
    ) {
        let s: Vec<&[u8]> = sample.iter().map(Vec::as_slice).collect();
        let hf = detect(&s, &opts());
        for l in lines.iter().chain(&sample) {
            consume(&hf.parse(l));
        }
    }

    #[test]
    fn headerish_lines_never_panic(
        sample in prop::collection::vec(headerish(), 1..30),
        lines in prop::collection::vec(headerish(), 0..30),
    ) {
        let s: Vec<&[u8]> = sample.iter().map(Vec::as_slice).collect();
        let hf = detect(&s, &opts());
        for l in lines.iter().chain(&sample) {
            consume(&hf.parse(l));
        }
        for l in &lines {
            let _ = hf.parse_time(&String::from_utf8_lossy(l), &opts());
        }
    }

    #[test]
    fn user_formats_never_panic(
        parts in prop::collection::vec(
            prop::sample::select(vec![
                "<Date>", "<Time>", "<Level>", "<Component>", "<Pid>", "<Content>", " ", "  ", ":",
                "\\[", "\\]", "(", ")?", ")", "[", "]", ".", "*", "+", "?", "\\", "<", ">", "<>",
                "-", "|", "\\d+", "{2}", "(?P<x>a)", "\u{e9}",
            ]),
            0..12,
        ),
        lines in prop::collection::vec(prop_oneof![mutated(), headerish()], 0..20),
    ) {
        let format = parts.concat();
        let built = DetectOptions::builder().log_format(format).build();
        if let Ok(o) = built {
            let s: Vec<&[u8]> = lines.iter().map(Vec::as_slice).collect();
            let hf = detect(&s, &o);
            for l in &lines {
                consume(&hf.parse(l));
            }
        }
    }

    #[test]
    fn parse_time_never_panics(text in "\\PC{0,40}") {
        let hf = detect(&[SEEDS[1].as_bytes(), SEEDS[6].as_bytes()], &opts());
        let _ = hf.parse_time(&text, &opts());
    }
}

#[test]
fn bad_format_strings_are_errors_not_panics() {
    for f in [
        "",
        "<Content",
        "<Date> <Date> <Content>",
        "<Date> [<Content>",
        "(<Content>",
        "<9> <Content>",
    ] {
        let e = DetectOptions::builder().log_format(f).build();
        assert!(e.is_err(), "{f:?} was accepted");
        let msg = e.unwrap_err().to_string();
        assert!(msg.contains("--log-format"), "{msg}");
    }
}

#[test]
fn huge_format_strings_do_not_exhaust_the_stack() {
    let format = format!("{}<Content>", "a ".repeat(50_000));
    if let Ok(o) = DetectOptions::builder().log_format(format).build() {
        let line = "a ".repeat(50_000) + "x";
        let hf = detect(&[line.as_bytes()], &o);
        assert_eq!(&*hf.parse(line.as_bytes()).message, b"x");
    }
}

#[test]
fn header_format_can_be_shared_between_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<logsift::record::HeaderFormat>();
    shareable::<DetectOptions>();
}
