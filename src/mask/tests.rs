use super::*;

fn m(line: &str) -> String {
    let mut out = MaskedLine::new();
    Masker::default().mask(line.as_bytes(), &mut out);
    out.display()
}

fn kinds(line: &str) -> Vec<VarKind> {
    let mut out = MaskedLine::new();
    Masker::default().mask(line.as_bytes(), &mut out);
    out.tokens().iter().map(|t| t.kind()).collect()
}

#[test]
fn integers_and_floats() {
    assert_eq!(m("took 160 ms"), "took <*> ms");
    assert_eq!(m("value -42, ratio 0.5;"), "value <*>, ratio <*>;");
    assert_eq!(kinds("1 2.5"), vec![VarKind::Num, VarKind::Float]);
}

#[test]
fn hex_values() {
    assert_eq!(m("iar 003a90fc dear 0x00b360e8"), "iar <*> dear <*>");
    assert_eq!(kinds("0x1f 33557fe4"), vec![VarKind::Hex, VarKind::Hex]);
    assert_eq!(m("deadbeef cafe"), "deadbeef cafe");
}

#[test]
fn uuids_ips_macs() {
    assert_eq!(
        kinds("70293f72-844a-4b39-9ad6-fb0ad7e364e4"),
        vec![VarKind::Uuid]
    );
    assert_eq!(
        m("from 10.251.42.84 to 10.251.42.85:50010"),
        "from <*> to <*>:<*>"
    );
    assert_eq!(m("src: /10.251.30.6:33145"), "src: /<*>:<*>");
    assert_eq!(m("addr fe80::1ff:fe23:4567:890a"), "addr <*>");
    assert_eq!(kinds("fe80::1"), vec![VarKind::Ipv6]);
    assert_eq!(
        m("chip FF:F2:9F:16:E2:23:00:0D:60:E9:1D:DC ip=10.0.0.151"),
        "chip <*> ip=<*>"
    );
    assert_eq!(kinds("00:1a:2b:3c:4d:5e"), vec![VarKind::Mac]);
}

#[test]
fn urls_paths_emails() {
    assert_eq!(
        m("split: hdfs://10.10.34.11:9000/pjhe/logs/2kSOSP.log:21876+7292"),
        "split: hdfs://<*>"
    );
    assert_eq!(m("Deleting /mnt/data/blk_1 now"), "Deleting <*> now");
    assert_eq!(m("loading /home/u/prog: invalid"), "loading <*>: invalid");
    assert_eq!(
        m("allocate /user/x/part-00590. blk_-17"),
        "allocate <*> <*>"
    );
    assert_eq!(
        kinds("mail bob@example.com"),
        vec![VarKind::Const, VarKind::Email]
    );
    assert_eq!(kinds("C:\\Users\\x"), vec![VarKind::Path]);
}

#[test]
fn durations_and_sizes() {
    assert_eq!(
        kinds("12ms 3.2MB 10000ms"),
        vec![VarKind::Duration, VarKind::Size, VarKind::Duration]
    );
    assert_eq!(
        m("(estimated size 5.2 KB, free 317.1 KB)"),
        "(estimated size <*>, free <*>)"
    );
    assert_eq!(m("capacity 17.7 GB"), "capacity <*>");
    assert_eq!(m("2703 bytes result"), "<*> bytes result");
}

#[test]
fn dates_and_times() {
    assert_eq!(m("at Fri Jun 17 07:07:00 2005"), "at <*>:<*>:<*>");
    assert_eq!(
        m("#1 Sat May 8 09:04:50 EDT 2004"),
        "#<*> <*>:<*>:<*> EDT <*>"
    );
    assert_eq!(m("at 07:07"), "at <*>:<*>");
    assert_eq!(m("on 2005-06-17 ok"), "on <*> ok");
    assert_eq!(m("t=2005-06-17T07:07:00Z"), "t=<*>:<*>:<*>");
    assert_eq!(m("in June we"), "in June we");
}

#[test]
fn long_ids() {
    assert_eq!(
        m("block blk_-1234 and blk_38865049064139660"),
        "block <*> and <*>"
    );
    assert_eq!(m("attempt_1445144423722_0020_m_000001_0 done"), "<*> done");
    assert_eq!(m("container_1445144423722_0020_01_000002"), "<*>");
    assert_eq!(m("domain storage234 and bglio559"), "domain <*> and <*>");
    assert_eq!(m("via ssh2 on eth0 and U11"), "via ssh2 on eth0 and U11");
}

#[test]
fn punctuation_bound_variables() {
    assert_eq!(
        m("uid=0 euid=0 tty=ssh ruser= rhost=1.2.3.4"),
        "uid=<*> euid=<*> tty=ssh ruser= rhost=<*>"
    );
    assert_eq!(m("(TID 12). done"), "(TID <*>). done");
    assert_eq!(m("[client 1.2.3.4] ok"), "[client <*>] ok");
    assert_eq!(
        m("PendingReds:1 vCores:-17>"),
        "PendingReds:<*> vCores:<*>>"
    );
    assert_eq!(m("node node-129 core.2275"), "node node-<*> core.<*>");
    assert_eq!(m("*** info [mice.c(1766)]:"), "*** info [mice.c(<*>)]:");
    assert_eq!(m("to msra-sa-41:9000."), "to <*>:<*>.");
    assert_eq!(m("version jetty-6.1.26"), "version jetty-<*>");
}

#[test]
fn tokenisation_edge_cases() {
    assert_eq!(m(""), "");
    assert_eq!(m("   \t "), "");
    assert_eq!(m("... --- !!"), "... --- !!");
    assert_eq!(m("a  b\tc"), "a b c");
    let long = "x".repeat(100_000);
    assert_eq!(m(&long), long);
    let mut out = MaskedLine::new();
    Masker::default().mask(b"bad \xff\xfe utf8 \x00 nul", &mut out);
    assert_eq!(out.len(), 5);
    assert_eq!(out.masked(1), b"\xff\xfe");
    assert_eq!(out.masked(3), b"\x00");
    Masker::default().mask(b"fake \x1a placeholder", &mut out);
    assert_eq!(out.tokens()[1].kind(), VarKind::Other);
}

#[test]
fn token_cap_makes_a_tail() {
    let line = (0..20)
        .map(|i| format!("w{i}"))
        .collect::<Vec<_>>()
        .join(" ");
    let mut out = MaskedLine::new();
    Masker::new(5).mask(line.as_bytes(), &mut out);
    assert_eq!(out.len(), 5);
    assert!(out.truncated());
    assert_eq!(out.tokens()[4].kind(), VarKind::Tail);
    assert_eq!(out.raw(line.as_bytes(), 4), &line.as_bytes()[12..]);
}

#[test]
fn skeleton_hash_ignores_variable_values() {
    let mut a = MaskedLine::new();
    let mut b = MaskedLine::new();
    Masker::default().mask(b"took 12 ms from 1.2.3.4", &mut a);
    Masker::default().mask(b"took 99 ms from 5.6.7.8", &mut b);
    assert_eq!(a.skeleton_hash(), b.skeleton_hash());
    Masker::default().mask(b"took 99 ms from host", &mut b);
    assert_ne!(a.skeleton_hash(), b.skeleton_hash());
}
