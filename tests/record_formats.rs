//! Header detection per format, with realistic lines: what is detected, and how each line
//! splits into timestamp, level, component and message.

use logsift::record::{DetectOptions, HeaderFormat, Level, Timestamp, detect};

/// 2026-11-27T12:00:00Z: the reference time for year inference in these tests.
const REF: i64 = 1_795_780_800_000;

/// 2026-11-27T14:02:01.123Z
const T: i64 = 1_795_788_121_123;

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

/// A line's parts as owned strings, for comparisons.
#[derive(Debug, PartialEq)]
struct Split {
    ts: Option<i64>,
    level: Option<Level>,
    component: Option<String>,
    message: String,
}

fn split(hf: &HeaderFormat, line: &str) -> Split {
    let r = hf.parse(line.as_bytes());
    Split {
        ts: r.ts.map(|t| t.0),
        level: r.level,
        component: r.component.map(|c| String::from_utf8_lossy(c).into_owned()),
        message: String::from_utf8_lossy(&r.message).into_owned(),
    }
}

fn s(ts: Option<i64>, level: Option<Level>, component: Option<&str>, message: &str) -> Split {
    Split {
        ts,
        level,
        component: component.map(str::to_owned),
        message: message.to_owned(),
    }
}

#[test]
fn rfc3339_and_iso8601_variants() {
    let lines = [
        "2026-11-27T14:02:01.123Z INFO server started",
        "2026-11-27T15:02:01.123+01:00 WARN disk almost full",
        "2026-11-27 15:02:01.123456+0100 ERROR request failed",
        "2026-11-27T14:02:01.123456789Z DEBUG tick",
    ];
    let hf = detect_str(&lines);
    // `T` and space separators are two layouts: a primary format and a secondary one.
    assert_eq!(hf.name(), "<datetime> <level> <message> (+1 more)");
    assert_eq!(
        split(&hf, lines[0]),
        s(Some(T), Some(Level::Info), None, "server started")
    );
    assert_eq!(
        split(&hf, lines[1]),
        s(Some(T), Some(Level::Warn), None, "disk almost full")
    );
    assert_eq!(
        split(&hf, lines[2]),
        s(Some(T), Some(Level::Error), None, "request failed")
    );
    assert_eq!(split(&hf, lines[3]).ts, Some(T));
}

#[test]
fn log4j_with_thread_and_logger() {
    let lines = [
        "2015-10-18 18:01:47,978 INFO [main] org.apache.hadoop.mapreduce.v2.app.MRAppMaster: Created MRAppMaster for application appattempt_1445144423722_0020_000001",
        "2015-10-18 18:01:48,963 WARN [IPC Server handler 5 on 62270] org.apache.hadoop.ipc.Server: Slow RPC: took 1200 ms",
        "2015-10-18 18:01:49,001 ERROR [RMCommunicator Allocator] org.apache.hadoop.mapreduce.v2.app.rm.RMContainerAllocator: ERROR IN CONTACTING RM.",
    ];
    let hf = detect_str(&lines);
    assert_eq!(hf.name(), "<datetime> <level> [<*>] <component>: <message>");
    assert_eq!(
        split(&hf, lines[0]),
        s(
            Some(1_445_191_307_978),
            Some(Level::Info),
            Some("org.apache.hadoop.mapreduce.v2.app.MRAppMaster"),
            "Created MRAppMaster for application appattempt_1445144423722_0020_000001"
        )
    );
    assert_eq!(split(&hf, lines[1]).message, "Slow RPC: took 1200 ms");
    assert_eq!(split(&hf, lines[2]).message, "ERROR IN CONTACTING RM.");
}

#[test]
fn zookeeper_style_dash_level_bracket_dash() {
    let lines = [
        "2015-07-29 17:41:44,747 - INFO  [QuorumPeer[myid=1]/0:0:0:0:0:0:0:0:2181:FastLeaderElection@774] - Notification time out: 3200",
        "2015-07-29 19:04:29,071 - WARN  [SendWorker:188978561024:QuorumCnxManager$SendWorker@688] - Send worker leaving thread",
    ];
    let hf = detect_str(&lines);
    let r = split(&hf, lines[0]);
    assert_eq!(r.ts, Some(1_438_191_704_747));
    assert_eq!(r.level, Some(Level::Info));
    assert_eq!(r.message, "Notification time out: 3200");
    assert_eq!(split(&hf, lines[1]).message, "Send worker leaving thread");
    assert_eq!(split(&hf, lines[1]).level, Some(Level::Warn));
}

#[test]
fn spark_and_hdfs_shapes() {
    let spark = [
        "17/06/09 20:10:40 INFO executor.CoarseGrainedExecutorBackend: Registered signal handlers for [TERM, HUP, INT]",
        "17/06/09 20:10:41 INFO spark.SecurityManager: Changing view acls to: yarn,curi",
    ];
    let hf = detect_str(&spark);
    assert_eq!(
        split(&hf, spark[0]),
        s(
            Some(1_497_039_040_000),
            Some(Level::Info),
            Some("executor.CoarseGrainedExecutorBackend"),
            "Registered signal handlers for [TERM, HUP, INT]"
        )
    );
    let hdfs = [
        "081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for block blk_38865049064139660 terminating",
        "081109 204005 35 INFO dfs.FSNamesystem: BLOCK* NameSystem.addStoredBlock: blockMap updated: 10.251.73.220:50010 is added to blk_7128370237687728475 size 67108864",
    ];
    let hf = detect_str(&hdfs);
    assert_eq!(hf.name(), "<datetime> <*> <level> <component>: <message>");
    let r = split(&hf, hdfs[0]);
    assert_eq!(r.ts, Some(1_226_262_975_000));
    assert_eq!(r.component.as_deref(), Some("dfs.DataNode$PacketResponder"));
    assert_eq!(
        split(&hf, hdfs[1]).message,
        "BLOCK* NameSystem.addStoredBlock: blockMap updated: 10.251.73.220:50010 is added to blk_7128370237687728475 size 67108864"
    );
}

#[test]
fn syslog_rfc3164_tags_with_and_without_pid() {
    let lines = [
        "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=218.188.2.4 ",
        "Jun 19 04:09:11 combo syslogd 1.4.1: restart.",
        "Jul  7 08:06:15 combo  -- root[2421]: ROOT LOGIN ON tty2",
        "Jul 10 04:04:46 combo kernel: Linux version 2.6.5-1.358",
        "Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster from 173.234.31.186",
    ];
    let hf = detect_str(&lines);
    assert_eq!(hf.name(), "<syslog-time> <host> <tag>: <message>");
    let r = split(&hf, lines[0]);
    // Jun 14 is before the reference (Nov 27, 2026), so 2026.
    assert_eq!(r.ts, Some(1_781_450_161_000));
    assert_eq!(r.component.as_deref(), Some("sshd(pam_unix)"));
    assert_eq!(
        r.message,
        "authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=218.188.2.4"
    );
    assert_eq!(split(&hf, lines[1]).message, "restart.");
    assert_eq!(split(&hf, lines[2]).message, "ROOT LOGIN ON tty2");
    assert_eq!(split(&hf, lines[3]).component.as_deref(), Some("kernel"));
    // Dec 10 is more than a day after the reference, so the previous year.
    let r = split(&hf, lines[4]);
    assert_eq!(r.ts, Some(1_765_349_746_000));
    assert_eq!(r.message, "Invalid user webmaster from 173.234.31.186");
}

#[test]
fn syslog_priority_prefix_gives_the_level() {
    let lines = [
        "<34>Nov 27 14:02:01 mymachine su: 'su root' failed for lonvick on /dev/pts/8",
        "<13>Nov 27 14:02:02 mymachine app[7]: hello",
    ];
    let hf = detect_str(&lines);
    let r = split(&hf, lines[0]);
    assert_eq!(r.ts, Some(T - 123));
    assert_eq!(r.level, Some(Level::Fatal));
    assert_eq!(r.component.as_deref(), Some("su"));
    assert_eq!(r.message, "'su root' failed for lonvick on /dev/pts/8");
    assert_eq!(split(&hf, lines[1]).level, Some(Level::Info));
}

#[test]
fn syslog_rfc5424() {
    let lines = [
        "<34>1 2026-11-27T14:02:01.123Z mymachine.example.com su - ID47 - 'su root' failed for lonvick on /dev/pts/8",
        "<165>1 2026-11-27T14:02:01.123Z host evntslog 1234 ID47 [exampleSDID@32473 iut=\"3\" eventSource=\"Application\"] An application event log entry",
    ];
    let hf = detect_str(&lines);
    assert_eq!(hf.name(), "rfc5424");
    assert_eq!(
        split(&hf, lines[0]),
        s(
            Some(T),
            Some(Level::Fatal),
            Some("su"),
            "'su root' failed for lonvick on /dev/pts/8"
        )
    );
    assert_eq!(
        split(&hf, lines[1]),
        s(
            Some(T),
            Some(Level::Info),
            Some("evntslog"),
            "An application event log entry"
        )
    );
}

#[test]
fn access_logs_common_and_combined() {
    let lines = [
        r#"127.0.0.1 - frank [27/Nov/2026:14:02:01 +0000] "GET /apache_pb.gif HTTP/1.0" 200 2326"#,
        r#"10.0.0.2 - - [27/Nov/2026:14:02:01 +0000] "POST /login HTTP/1.1" 401 12 "-" "curl/8.0""#,
        r#"10.0.0.3 - - [27/Nov/2026:15:02:01 +0100] "GET /x HTTP/1.1" 503 0 "https://example.com/" "Mozilla/5.0 (X11)""#,
    ];
    let hf = detect_str(&lines);
    let r = split(&hf, lines[0]);
    assert_eq!(r.ts, Some(T - 123));
    assert_eq!(r.level, Some(Level::Info));
    assert_eq!(r.message, r#""GET /apache_pb.gif HTTP/1.0" 200 2326"#);
    assert_eq!(split(&hf, lines[1]).level, Some(Level::Warn));
    let r = split(&hf, lines[2]);
    assert_eq!((r.ts, r.level), (Some(T - 123), Some(Level::Error)));
}

#[test]
fn apache_error_log() {
    let lines = [
        "[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok /etc/httpd/conf/workers2.properties",
        "[Sun Dec 04 04:47:44 2005] [error] mod_jk child workerEnv in error state 6",
        "[Sun Dec 04 04:51:18 2005] [error] [client 222.166.160.184] Directory index forbidden by rule: /var/www/html/",
    ];
    let hf = detect_str(&lines);
    assert_eq!(hf.name(), "[<asctime>] <level> <message>");
    assert_eq!(
        split(&hf, lines[0]),
        s(
            Some(1_133_671_664_000),
            Some(Level::Info),
            None,
            "workerEnv.init() ok /etc/httpd/conf/workers2.properties"
        )
    );
    assert_eq!(split(&hf, lines[1]).level, Some(Level::Error));
    // A bracket that only some lines have stays in the message.
    assert_eq!(
        split(&hf, lines[2]).message,
        "[client 222.166.160.184] Directory index forbidden by rule: /var/www/html/"
    );
}

#[test]
fn klog() {
    let lines = [
        "I1127 14:02:01.123456   12345 controller.go:123] Starting controller",
        "E1127 14:02:01.123456   12345 reflector.go:138] Failed to watch *v1.Pod: unknown",
    ];
    let hf = detect_str(&lines);
    assert_eq!(hf.name(), "klog");
    assert_eq!(
        split(&hf, lines[0]),
        s(
            Some(T),
            Some(Level::Info),
            Some("controller.go:123"),
            "Starting controller"
        )
    );
    assert_eq!(split(&hf, lines[1]).level, Some(Level::Error));
}

#[test]
fn epoch_seconds_and_milliseconds_at_line_start() {
    let hf = detect_str(&["1795788121 job started", "1795788122 job done"]);
    assert_eq!(hf.name(), "<epoch> <message>");
    assert_eq!(split(&hf, "1795788121 job started").ts, Some(T - 123));
    assert_eq!(split(&hf, "1795788121 job started").message, "job started");
    let hf = detect_str(&["1795788121123 ERROR boom", "1795788121124 INFO ok"]);
    let r = split(&hf, "1795788121123 ERROR boom");
    assert_eq!(
        (r.ts, r.level, r.message.as_str()),
        (Some(T), Some(Level::Error), "boom")
    );
    // Implausible numbers are not times.
    let hf = detect_str(&["123456 counter", "123457 counter"]);
    assert_eq!(hf.name(), "none");
    assert_eq!(split(&hf, "123456 counter").message, "123456 counter");
}

#[test]
fn timestamps_in_later_columns() {
    // A label and a node id before an epoch time, local time later on.
    let bgl = [
        "- 1117838570 2005.06.03 R02-M1-N0-C:J12-U11 2005-06-03-15.42.50.675872 R02-M1-N0-C:J12-U11 RAS KERNEL INFO instruction cache parity error corrected",
        "- 1117838573 2005.06.03 R02-M1-N0-C:J12-U11 2005-06-03-15.42.53.276129 R02-M1-N0-C:J12-U11 RAS KERNEL INFO instruction cache parity error corrected",
        "APPREAD 1117869872 2005.06.04 R04-M1-N4-I:J18-U11 2005-06-04-00.24.32.432192 R04-M1-N4-I:J18-U11 RAS APP FATAL ciod: failed to read message prefix on control stream",
    ];
    let hf = detect_str(&bgl);
    let r = split(&hf, bgl[0]);
    assert_eq!(r.ts, Some(1_117_838_570_000));
    assert_eq!(r.level, Some(Level::Info));
    assert_eq!(r.message, "instruction cache parity error corrected");
    assert_eq!(split(&hf, bgl[2]).level, Some(Level::Fatal));
    // An id, a node and two labels before an epoch time.
    let hpc = [
        "134681 node-246 unix.hw state_change.unavailable 1077804742 1 Component State Change: Component \\042alt0\\042 is in the unavailable state (HWID=1973)",
        "350766 node-109 unix.hw state_change.unavailable 1084680778 1 Component State Change: Component \\042alt0\\042 is in the unavailable state (HWID=3180)",
    ];
    let hf = detect_str(&hpc);
    assert_eq!(split(&hf, hpc[0]).ts, Some(1_077_804_742_000));
}

#[test]
fn json_lines() {
    let lines = [
        r#"{"time":"2026-11-27T14:02:01.123Z","level":"info","logger":"http","msg":"request done","status":200}"#,
        r#"{"ts":1795788121.123,"lvl":"warn","message":"slow \"query\"","extra":{"msg":"nested","list":[1,2,{"a":"]"}]}}"#,
        r#"{"@timestamp":"2026-11-27T14:02:01.123Z","severity":"ERROR","msg":"boom"}"#,
        r#"{"level":50,"time":1795788121123,"msg":"pino error"}"#,
    ];
    let hf = detect_str(&lines);
    assert_eq!(hf.name(), "json");
    assert_eq!(
        split(&hf, lines[0]),
        s(Some(T), Some(Level::Info), Some("http"), "request done")
    );
    assert_eq!(
        split(&hf, lines[1]),
        s(Some(T), Some(Level::Warn), None, "slow \"query\"")
    );
    assert_eq!(split(&hf, lines[2]).level, Some(Level::Error));
    assert_eq!(
        split(&hf, lines[3]),
        s(Some(T), Some(Level::Error), None, "pino error")
    );
}

#[test]
fn docker_json_file_lines() {
    let lines = [
        r#"{"log":"GET /health 200\n","stream":"stdout","time":"2026-11-27T14:02:01.123456789Z"}"#,
        r#"{"log":"panic: \"boom\"\n","stream":"stderr","time":"2026-11-27T14:02:01.123456789Z"}"#,
    ];
    let hf = detect_str(&lines);
    assert_eq!(split(&hf, lines[0]).message, "GET /health 200");
    assert_eq!(split(&hf, lines[0]).ts, Some(T));
    assert_eq!(split(&hf, lines[1]).message, "panic: \"boom\"");
}

#[test]
fn odd_json_is_all_message() {
    let hf = detect_str(&[r#"{"msg":"a"}"#, r#"{"msg":"b"}"#]);
    for line in [
        r#"{"msg":"unterminated"#,
        r#"{"msg":"x"} trailing"#,
        r#"{"no_known_key":1}"#,
        "[1, 2, 3]",
        r#"{"a":{"b":{"c":{"d":[[[[{}]]]]}}}}"#,
    ] {
        let r = split(&hf, line);
        assert_eq!(
            (r.ts, r.level, r.message.as_str()),
            (None, None, line),
            "{line}"
        );
    }
}

#[test]
fn kubernetes_cri_lines_with_their_own_format_inside() {
    let lines = [
        "2026-11-27T14:02:01.123456789Z stdout F 2026-11-27 14:02:01,000 INFO [main] com.example.App: started in 3.2s",
        "2026-11-27T14:02:01.223456789Z stderr F 2026-11-27 14:02:01,100 WARN [pool-1] com.example.Db: slow query",
        "2026-11-27T14:02:01.323456789Z stdout P 2026-11-27 14:02:01,200 INFO [main] com.example.App: partial",
    ];
    let hf = detect_str(&lines);
    let r = split(&hf, lines[1]);
    assert_eq!(r.ts, Some(T + 100));
    assert_eq!(r.level, Some(Level::Warn));
    assert_eq!(r.component.as_deref(), Some("com.example.Db"));
    assert_eq!(r.message, "slow query");
    // Plain container output: the message is what the container wrote.
    let hf = detect_str(&[
        "2026-11-27T14:02:01.123Z stdout F hello world",
        "2026-11-27T14:02:02.123Z stdout F second line",
    ]);
    assert!(hf.name().contains("<stream> <F|P>"), "{}", hf.name());
    assert_eq!(
        split(&hf, "2026-11-27T14:02:01.123Z stdout F hello world").message,
        "hello world"
    );
}

#[test]
fn logfmt_lines() {
    let lines = [
        r#"ts=2026-11-27T14:02:01.123Z level=info msg="request done" path=/api status=200"#,
        r#"time=2026-11-27T14:02:01.123Z level=error msg="db down: \"timeout\"" retry=3"#,
        "ts=2026-11-27T14:02:01.123Z level=warn component=cache evicted=120 size=4096",
    ];
    let hf = detect_str(&lines);
    assert_eq!(hf.name(), "logfmt");
    assert_eq!(
        split(&hf, lines[0]),
        s(Some(T), Some(Level::Info), None, "request done")
    );
    assert_eq!(split(&hf, lines[1]).message, "db down: \"timeout\"");
    let r = split(&hf, lines[2]);
    assert_eq!(r.component.as_deref(), Some("cache"));
    assert_eq!(r.message, "component=cache evicted=120 size=4096");
}

#[test]
fn other_common_shapes() {
    // nginx error log: date with slashes, bracketed level, pid#tid: as component.
    let nginx = [
        "2026/11/27 14:02:01 [error] 1234#5678: *9 open() \"/x\" failed (2: No such file or directory)",
        "2026/11/27 14:02:02 [warn] 1234#5678: *10 upstream response is buffered",
    ];
    let hf = detect_str(&nginx);
    let r = split(&hf, nginx[0]);
    assert_eq!((r.ts, r.level), (Some(T - 123), Some(Level::Error)));
    assert_eq!(
        r.message,
        "*9 open() \"/x\" failed (2: No such file or directory)"
    );
    // Python logging's default layout.
    let py = [
        "2026-11-27 14:02:01,123 - myapp.db - INFO - connected",
        "2026-11-27 14:02:02,123 - myapp.db - ERROR - lost connection",
    ];
    let hf = detect_str(&py);
    let r = split(&hf, py[1]);
    assert_eq!(
        (r.level, r.message.as_str()),
        (Some(Level::Error), "lost connection")
    );
    // Android logcat: year-less date, pid and tid, one-letter level, tag.
    let android = [
        "03-17 16:13:38.811  1702  2395 D WindowManager: printFreezingDisplayLogs opening app wtoken",
        "03-17 16:13:38.819  1702  8671 E PowerManagerService: acquire lock=233570404",
    ];
    let hf = detect_str(&android);
    let r = split(&hf, android[1]);
    assert_eq!(r.ts, Some(1_773_764_018_819));
    assert_eq!(r.level, Some(Level::Error));
    assert_eq!(r.component.as_deref(), Some("PowerManagerService"));
    assert_eq!(r.message, "acquire lock=233570404");
}

#[test]
fn lines_without_header_are_all_message() {
    let lines = ["just some text", "  indented text with trailing space  "];
    let hf = detect_str(&lines);
    assert_eq!(hf.name(), "none");
    assert_eq!(
        split(&hf, lines[1]),
        s(None, None, None, "indented text with trailing space")
    );
    assert_eq!(split(&hf, ""), s(None, None, None, ""));
}

#[test]
fn mixed_inputs_keep_a_format_per_system_and_fall_back_per_line() {
    let lines = [
        "081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 terminating",
        "Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster from 173.234.31.186",
        "17/06/09 20:10:40 INFO spark.SecurityManager: Changing view acls to: yarn,curi",
        "081109 203616 149 INFO dfs.DataNode$PacketResponder: PacketResponder 2 terminating",
        "Dec 10 06:55:47 LabSZ sshd[24201]: Connection closed by 1.2.3.4",
        "17/06/09 20:10:41 INFO spark.SecurityManager: Changing modify acls to: yarn,curi",
    ];
    let hf = detect_str(&lines);
    assert!(hf.name().contains("more"), "{}", hf.name());
    assert_eq!(
        split(&hf, lines[0]).message,
        "PacketResponder 1 terminating"
    );
    assert_eq!(
        split(&hf, lines[1]).message,
        "Invalid user webmaster from 173.234.31.186"
    );
    assert_eq!(
        split(&hf, lines[2]).message,
        "Changing view acls to: yarn,curi"
    );
    // A system the sample did not show still gets its header stripped, per line.
    let r = split(
        &hf,
        "2015-07-29 17:41:44,747 - INFO  [main:Foo@1] - hello there",
    );
    assert_eq!(
        (r.ts, r.message.as_str()),
        (Some(1_438_191_704_747), "hello there")
    );
    let r = split(&hf, r#"{"msg":"json too","level":"warn"}"#);
    assert_eq!(
        (r.level, r.message.as_str()),
        (Some(Level::Warn), "json too")
    );
    // Without the fallback, an unknown shape stays whole.
    let o = DetectOptions::builder()
        .reference(Timestamp(REF))
        .per_line_fallback(false)
        .build()
        .unwrap();
    let sample: Vec<&[u8]> = lines.iter().map(|l| l.as_bytes()).collect();
    let strict = detect(&sample, &o);
    let r = split(&strict, r#"{"msg":"json too","level":"warn"}"#);
    assert_eq!(r.message, r#"{"msg":"json too","level":"warn"}"#);
}

#[test]
fn user_log_format_replaces_detection() {
    let o = DetectOptions::builder()
        .reference(Timestamp(REF))
        .log_format(r"<Month> <Date> <Time> <Level> <Component>(\[<PID>\])?: <Content>")
        .build()
        .unwrap();
    let lines = [
        "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: check pass; user unknown",
        "Jun 19 04:09:11 combo syslogd 1.4.1: restart.",
    ];
    let sample: Vec<&[u8]> = lines.iter().map(|l| l.as_bytes()).collect();
    let hf = detect(&sample, &o);
    assert!(hf.name().starts_with("log-format"));
    let r = split(&hf, lines[0]);
    assert_eq!(r.ts, Some(1_781_450_161_000));
    assert_eq!(r.component.as_deref(), Some("sshd(pam_unix)"));
    assert_eq!(r.message, "check pass; user unknown");
    // `Level` holds a host name here: not a level, so none.
    assert_eq!(r.level, None);
    assert_eq!(split(&hf, lines[1]).message, "restart.");
    // A line the format does not match goes to the per-line fallback.
    let r = split(&hf, "2026-11-27T14:02:01.123Z ERROR something else");
    assert_eq!(
        (r.ts, r.level, r.message.as_str()),
        (Some(T), Some(Level::Error), "something else")
    );
}

#[test]
fn user_log_format_with_regex_syntax_beyond_the_fast_subset() {
    let o = DetectOptions::builder()
        .reference(Timestamp(REF))
        .log_format(r"<Date> <Time> \d+ <Level> <Content>")
        .build()
        .unwrap();
    let lines = ["2026-11-27 14:02:01.123 42 WARN low disk"];
    let sample: Vec<&[u8]> = lines.iter().map(|l| l.as_bytes()).collect();
    let hf = detect(&sample, &o);
    assert_eq!(
        split(&hf, lines[0]),
        s(Some(T), Some(Level::Warn), None, "low disk")
    );
}

#[test]
fn year_inference_uses_the_injected_reference() {
    let lines = [
        "Jan  2 00:30:00 host app: new year",
        "Dec 31 23:00:00 host app: old year",
    ];
    let at = |reference: i64| {
        let o = DetectOptions::builder()
            .reference(Timestamp(reference))
            .build()
            .unwrap();
        let sample: Vec<&[u8]> = lines.iter().map(|l| l.as_bytes()).collect();
        let hf = detect(&sample, &o);
        (
            hf.parse(lines[0].as_bytes()).ts.unwrap().to_string(),
            hf.parse(lines[1].as_bytes()).ts.unwrap().to_string(),
        )
    };
    // Reference 2027-01-01T01:00Z: Jan 2 00:30 is less than a day ahead -> 2027; Dec 31 -> 2026.
    assert_eq!(
        at(1_798_765_200_000),
        (
            "2027-01-02T00:30:00.000Z".to_owned(),
            "2026-12-31T23:00:00.000Z".to_owned()
        )
    );
    // Reference 2026-06-01: both dates lie ahead, so both are from the year before.
    assert_eq!(
        at(1_780_272_000_000),
        (
            "2026-01-02T00:30:00.000Z".to_owned(),
            "2025-12-31T23:00:00.000Z".to_owned()
        )
    );
}

#[test]
fn aligned_columns_padded_component() {
    let lines = [
        "2026-11-27 14:02:01, Info                  CBS    Loaded servicing stack v6.1 with core: C:\\cbscore.dll",
        "2026-11-27 14:02:02, Error                 CSI    0000001@2026/11/27:14:02:02.455 Initialize failed",
        "2026-11-27 14:02:03, Info                  CBS    Session initialized by client WindowsUpdate.",
    ];
    let hf = detect_str(&lines);
    assert_eq!(hf.name(), "<datetime> <level> <component> <message>");
    assert_eq!(
        split(&hf, lines[0]),
        s(
            Some(T - 123),
            Some(Level::Info),
            Some("CBS"),
            "Loaded servicing stack v6.1 with core: C:\\cbscore.dll"
        )
    );
    assert_eq!(
        split(&hf, lines[1]).message,
        "0000001@2026/11/27:14:02:02.455 Initialize failed"
    );
}

#[test]
fn pipe_delimited_header_fields() {
    let lines = [
        "20261127-14:02:01:123|StepCounter|30002312|onStepChanged 3579",
        "20261127-14:02:01:150|ScreenReceiver|30002312|onReceive action: SCREEN_ON | extra",
        "2026-11-27 14:02:01.123 | WARN | main | low memory",
    ];
    let hf = detect_str(&lines[..2]);
    let r = split(&hf, lines[0]);
    assert_eq!(r.ts, Some(T));
    assert_eq!(r.component.as_deref(), Some("StepCounter"));
    assert_eq!(r.message, "onStepChanged 3579");
    // A `|` inside the message stays there.
    assert_eq!(
        split(&hf, lines[1]).message,
        "onReceive action: SCREEN_ON | extra"
    );
    let hf = detect_str(&lines[2..]);
    let r = split(&hf, lines[2]);
    assert_eq!(
        (r.level, r.message.as_str()),
        (Some(Level::Warn), "low memory")
    );
}

#[test]
fn component_with_request_context() {
    let lines = [
        "2026-11-27 14:02:01.123 25746 INFO api.wsgi.server [req-38101a0b 113d3a99 - - -] 10.0.0.1 \"GET /v2/servers HTTP/1.1\" status: 200",
        "2026-11-27 14:02:01.223 2931 INFO compute.manager [req-3ea4052c - - - - -] [instance: b9000564] VM Started",
    ];
    let hf = detect_str(&lines);
    let r = split(&hf, lines[0]);
    assert_eq!(r.component.as_deref(), Some("api.wsgi.server"));
    assert_eq!(
        r.message,
        "10.0.0.1 \"GET /v2/servers HTTP/1.1\" status: 200"
    );
    // Only the first bracket group is context.
    assert_eq!(
        split(&hf, lines[1]).message,
        "[instance: b9000564] VM Started"
    );
}

#[test]
fn syslog_tag_with_a_parenthesised_detail() {
    let lines = [
        "Nov 27 14:02:01 laptop-10-105-160-95 kernel[0]: USB device attached - port = 11",
        "Nov 27 14:02:05 laptop-10-105-160-95 com.example.launchd[1] (com.example.launchd.domain.pid.WebContent.35704): Service exited with code: 1",
    ];
    let hf = detect_str(&lines);
    let r = split(&hf, lines[1]);
    assert_eq!(r.component.as_deref(), Some("com.example.launchd"));
    assert_eq!(r.message, "Service exited with code: 1");
}

#[test]
fn fallback_does_not_take_prose_before_a_time_for_a_header() {
    let hf = detect_str(&["plain text", "more plain text"]);
    for line in [
        "Backup finished at 2026-11-27 14:02:01 successfully",
        "I saw Nov 27 14:02:01 in the output",
    ] {
        assert_eq!(split(&hf, line), s(None, None, None, line));
    }
    // Label-like columns before a time are header.
    let r = split(&hf, "APPREAD 1795788121 node-7 FATAL ciod: failed");
    assert_eq!(r.ts, Some(T - 123));
}
