//! `HeaderFormat::parse_time`: a timestamp copied from a log, in the log's own shape, reads as
//! the same time as the line it was copied from (same inferred year), and RFC 3339 always works.

use logsift::record::{DetectOptions, HeaderFormat, Timestamp, detect};

/// 2026-11-27T12:00:00Z
const REF: i64 = 1_795_780_800_000;

fn opts() -> DetectOptions {
    DetectOptions::builder()
        .reference(Timestamp(REF))
        .build()
        .unwrap()
}

fn detect_str(lines: &[&str]) -> HeaderFormat {
    let sample: Vec<&[u8]> = lines.iter().map(|l| l.as_bytes()).collect();
    detect(&sample, &opts())
}

/// For each (sample, timestamp text copied from the first line): parse_time(text) equals the
/// first line's timestamp.
fn round_trip(lines: &[&str], copied: &str) {
    let hf = detect_str(lines);
    let line_ts = hf.parse(lines[0].as_bytes()).ts;
    assert!(line_ts.is_some(), "{}: no timestamp", lines[0]);
    assert_eq!(
        hf.parse_time(copied, &opts()),
        line_ts,
        "{copied:?} in {}",
        hf.name()
    );
}

#[test]
fn copied_timestamps_read_like_their_lines() {
    round_trip(
        &[
            "081109 213615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 terminating",
            "081109 213616 149 INFO dfs.DataNode$PacketResponder: PacketResponder 2 terminating",
        ],
        "081109 213615",
    );
    round_trip(
        &[
            "2015-10-18 19:01:47,000 INFO [main] org.apache.hadoop.MRAppMaster: Created MRAppMaster",
            "2015-10-18 19:01:48,963 INFO [main] org.apache.hadoop.MRAppMaster: Executing with tokens:",
        ],
        "2015-10-18 19:01:47,000",
    );
    round_trip(
        &["17/06/09 20:10:40 INFO spark.SecurityManager: Changing view acls to: yarn,curi"],
        "17/06/09 20:10:40",
    );
    round_trip(
        &[
            "2015-07-29 17:41:44,747 - INFO  [QuorumPeer[myid=1]/0:2181:FastLeaderElection@774] - Notification time out: 3200",
        ],
        "2015-07-29 17:41:44,747",
    );
    // Year-less: December lies ahead of the reference by more than a day, so 2025 for both.
    round_trip(
        &["Dec 10 07:55:46 LabSZ sshd[24200]: Invalid user webmaster from 173.234.31.186"],
        "Dec 10 07:55:46",
    );
    round_trip(
        &["Jun  4 15:16:01 combo sshd(pam_unix)[19939]: check pass; user unknown"],
        "Jun 4 15:16:01",
    );
    round_trip(
        &["[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok"],
        "Sun Dec 04 04:47:44 2005",
    );
    round_trip(
        &["[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok"],
        "[Sun Dec 04 04:47:44 2005]",
    );
    round_trip(
        &["134681 node-246 unix.hw state_change.unavailable 1077804742 1 Component State Change"],
        "1077804742",
    );
    round_trip(
        &[
            "I1127 14:02:01.123456   12345 file.go:123] msg",
            "W1127 14:02:02.123456   12345 file.go:9] msg",
        ],
        "I1127 14:02:01.123456",
    );
    round_trip(
        &[r#"127.0.0.1 - - [27/Nov/2026:14:02:01 +0000] "GET / HTTP/1.1" 200 512"#],
        "27/Nov/2026:14:02:01 +0000",
    );
    round_trip(
        &[r#"{"time":"2026-11-27T14:02:01.123Z","level":"info","msg":"x"}"#],
        "2026-11-27T14:02:01.123Z",
    );
    round_trip(&["ts=1795788121 level=info msg=x"], "1795788121");
    round_trip(
        &["<34>1 2026-11-27T14:02:01.003Z host app 1 ID - msg"],
        "2026-11-27T15:02:01.003+01:00",
    );
}

#[test]
fn local_time_column_is_shifted_by_the_learned_offset() {
    // Epoch seconds (UTC) and the site's local time (UTC-7) on the same line.
    let lines = [
        "- 1117842170 2005.06.03 R02-M1-N0-C:J12-U11 2005-06-03-16.42.50.675872 R02-M1-N0-C:J12-U11 RAS KERNEL INFO instruction cache parity error corrected",
        "- 1117842173 2005.06.03 R02-M1-N0-C:J12-U11 2005-06-03-16.42.53.276129 R02-M1-N0-C:J12-U11 RAS KERNEL INFO instruction cache parity error corrected",
    ];
    let hf = detect_str(&lines);
    let line_ts = hf.parse(lines[0].as_bytes()).ts.unwrap();
    assert_eq!(hf.parse_time("1117842170", &opts()), Some(line_ts));
    let local = hf
        .parse_time("2005-06-03-16.42.50.675872", &opts())
        .unwrap();
    assert_eq!(
        local.0 - line_ts.0,
        675,
        "local time maps onto the epoch column"
    );
}

#[test]
fn rfc3339_always_reads() {
    let hf = detect_str(&["Dec 10 07:55:46 LabSZ sshd[24200]: x"]);
    assert_eq!(
        hf.parse_time("2026-11-27T14:02:01.123Z", &opts()),
        Some(Timestamp(1_795_788_121_123))
    );
    assert_eq!(
        hf.parse_time("2026-11-27T15:02:01.123+01:00", &opts()),
        Some(Timestamp(1_795_788_121_123))
    );
    assert_eq!(hf.parse_time("not a time", &opts()), None);
    assert_eq!(hf.parse_time("", &opts()), None);
}

#[test]
fn user_format_timestamps_round_trip() {
    let o = DetectOptions::builder()
        .reference(Timestamp(REF))
        .log_format(r"<Date> <Day> <Time> <Component> sshd\[<Pid>\]: <Content>")
        .build()
        .unwrap();
    let line = "Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster from 173.234.31.186";
    let hf = detect(&[line.as_bytes()], &o);
    let ts = hf.parse(line.as_bytes()).ts;
    assert!(ts.is_some());
    assert_eq!(hf.parse_time("Dec 10 06:55:46", &o), ts);
}
