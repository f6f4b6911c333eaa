use super::*;

fn obs(m: &mut Miner, line: &str) -> ClusterId {
    m.observe(line.as_bytes(), None).cluster
}

fn tpl(m: &Miner, id: ClusterId) -> String {
    m.cluster(id).map(|c| c.template()).unwrap_or_default()
}

#[test]
fn same_skeleton_same_cluster_and_template() {
    let mut m = Miner::default();
    let a = obs(
        &mut m,
        "Receiving block blk_-123 src: /10.0.0.1:5000 dest: /10.0.0.2:50010",
    );
    let b = obs(
        &mut m,
        "Receiving block blk_456 src: /10.0.0.3:5001 dest: /10.0.0.4:50010",
    );
    assert_eq!(a, b);
    assert_eq!(tpl(&m, a), "Receiving block <*> src: <*>:<*> dest: <*>:<*>");
    assert_eq!(m.cluster(a).map(|c| c.count()), Some(2));
}

#[test]
fn template_generalises_in_place_and_keeps_its_id() {
    let mut m = Miner::default();
    let users = ["alice", "bob", "carol", "dave", "erin"];
    let ids: Vec<ClusterId> = users
        .iter()
        .map(|u| obs(&mut m, &format!("session closed for user {u}")))
        .collect();
    let last = *ids.last().unwrap_or(&ClusterId(0));
    assert_eq!(tpl(&m, last), "session closed for user <*>");
    for (u, id) in users.iter().zip(&ids) {
        assert_eq!(m.resolve(*id), Some(last));
        assert_eq!(
            m.lookup(format!("session closed for user {u}").as_bytes()),
            Some(last)
        );
    }
    assert_eq!(m.len(), 1);
    assert_eq!(m.cluster(last).map(|c| c.count()), Some(5));
}

#[test]
fn few_distinct_words_stay_separate_events() {
    let mut m = Miner::default();
    for _ in 0..3 {
        obs(&mut m, "cupsd startup succeeded");
        obs(&mut m, "cupsd shutdown succeeded");
    }
    let t: Vec<String> = m.table().iter().map(|c| c.template()).collect();
    assert_eq!(
        t,
        vec!["cupsd startup succeeded", "cupsd shutdown succeeded"]
    );
}

#[test]
fn multi_word_variable_joins_its_template() {
    let mut m = Miner::default();
    let a = obs(&mut m, "Invalid user admin from 1.2.3.4");
    for u in ["bob", "carol", "dave", "erin"] {
        obs(&mut m, &format!("Invalid user {u} from 1.2.3.5"));
    }
    let b = obs(&mut m, "Invalid user test user from 1.2.3.6");
    let c = obs(&mut m, "Invalid user  from 1.2.3.7");
    assert_eq!(m.resolve(a), m.resolve(b));
    assert_eq!(m.resolve(a), m.resolve(c));
    assert_eq!(tpl(&m, b), "Invalid user <*> from <*>");
    assert_eq!(m.lookup(b"Invalid user a b c from 9.9.9.9"), m.resolve(a));
    let p: Vec<(usize, Vec<u8>)> = m
        .observe(b"Invalid user x y from 1.1.1.1", None)
        .params()
        .map(|(s, v)| (s, v.to_vec()))
        .collect();
    assert_eq!(p, vec![(2, b"x y".to_vec()), (4, b"1.1.1.1".to_vec())]);
}

#[test]
fn long_id_lists_join_one_template() {
    let mut m = Miner::default();
    let a = obs(&mut m, "BLOCK* ask 10.0.0.1:50010 to delete  blk_1");
    let b = obs(
        &mut m,
        "BLOCK* ask 10.0.0.2:50010 to delete  blk_2 blk_3 blk_4 blk_5 blk_6 blk_7",
    );
    assert_eq!(m.resolve(a), m.resolve(b));
    assert_eq!(tpl(&m, b), "BLOCK* ask <*>:<*> to delete <*>");
}

#[test]
fn params_and_slot_values() {
    let mut m = Miner::default();
    for s in ["200", "200", "200", "503"] {
        let line = format!("GET /index status={s} took 12ms");
        let o = m.observe(line.as_bytes(), Some(Timestamp(1000)));
        let p: Vec<(usize, &[u8])> = o.params().collect();
        assert_eq!(
            p,
            vec![(1, &b"/index"[..]), (2, s.as_bytes()), (4, &b"12ms"[..])]
        );
    }
    let c = m.table()[0];
    let slot = c.slots().find(|s| s.slot() == 2).map(|s| s.values());
    assert_eq!(slot, Some(vec![(&b"200"[..], 3), (&b"503"[..], 1)]));
    assert_eq!(c.first_seen(), Some(Timestamp(1000)));
    assert_eq!(c.samples().count(), 2);
}

#[test]
fn slot_opened_by_generalisation_counts_earlier_lines() {
    let mut m = Miner::default();
    let users = ["alice", "bob", "carol", "dave"];
    for u in users {
        obs(&mut m, &format!("login ok for {u} now"));
    }
    let c = m.table()[0];
    let vals = c
        .slots()
        .find(|s| s.slot() == 3)
        .map(|s| s.values())
        .unwrap_or_default();
    let total: u64 = vals.iter().map(|v| v.1).sum();
    assert_eq!(total, 4);
}

#[test]
fn eviction_is_counted_and_recorded() {
    let cfg = MinerConfig::builder()
        .max_clusters(2)
        .build()
        .expect("valid config");
    let mut m = Miner::new(cfg);
    let a = obs(&mut m, "alpha one");
    obs(&mut m, "beta two");
    obs(&mut m, "alpha one");
    obs(&mut m, "gamma three");
    assert_eq!(m.len(), 2);
    assert_eq!(m.stats().evicted, 1);
    let ev = m.take_evicted();
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].template, "beta two");
    assert_eq!(m.resolve(a), Some(a));
    assert!(m.lookup(b"beta two").is_none());
}

#[test]
fn config_validation_errors_name_the_setting() {
    let e = MinerConfig::builder()
        .sim_threshold(1.5)
        .build()
        .expect_err("must fail");
    assert_eq!(e.field, "sim_threshold");
    assert!(MinerConfig::builder().max_clusters(0).build().is_err());
    assert!(MinerConfig::builder().max_tokens(1).build().is_err());
    assert!(MinerConfig::builder().distinct_values(0).build().is_err());
    assert!(
        MinerConfig::builder()
            .prefix_words(2)
            .samples(5)
            .build()
            .is_ok()
    );
}

#[test]
fn empty_and_odd_lines() {
    let mut m = Miner::default();
    let a = obs(&mut m, "");
    let b = obs(&mut m, "   ");
    assert_eq!(a, b);
    assert_eq!(tpl(&m, a), "");
    let c = m.observe(b"\xff\xfe bad \x00", None).cluster;
    assert_eq!(m.lookup(b"\xff\xfe bad \x00"), Some(c));
}

#[test]
fn token_cap_keeps_lines_together() {
    let cfg = MinerConfig::builder()
        .max_tokens(4)
        .build()
        .expect("valid config");
    let mut m = Miner::new(cfg);
    let a = obs(&mut m, "a b c d e f g");
    let b = obs(&mut m, "a b c x y");
    assert_eq!(a, b);
    assert_eq!(m.stats().truncated_lines, 2);
}

fn sample_miner(lines: &[&str]) -> Miner {
    let mut m = Miner::default();
    for (i, l) in lines.iter().enumerate() {
        m.observe(l.as_bytes(), Some(Timestamp(i as i64)));
    }
    m
}

const LINES: &[&str] = &[
    "Accepted password for alice from 1.2.3.4 port 22 ssh2",
    "Accepted password for bob from 1.2.3.5 port 23 ssh2",
    "Accepted password for carol from 1.2.3.6 port 24 ssh2",
    "Accepted password for dave from 1.2.3.7 port 25 ssh2",
    "Invalid user admin from 1.2.3.4",
    "Invalid user x y from 1.2.3.4",
    "Connection closed by 1.2.3.4 [preauth]",
    "odd \u{1a} bytes",
];

fn table(m: &Miner) -> Vec<(String, u64)> {
    let mut v: Vec<(String, u64)> = m
        .table()
        .iter()
        .map(|c| (c.template(), c.count()))
        .collect();
    v.sort();
    v
}

#[test]
fn save_load_round_trip() {
    let m = sample_miner(LINES);
    let mut buf = Vec::new();
    m.save(&mut buf).expect("save");
    let l = Miner::load(buf.as_slice()).expect("load");
    assert_eq!(table(&m), table(&l));
    let mut buf2 = Vec::new();
    l.save(&mut buf2).expect("save again");
    assert_eq!(buf, buf2);
    for line in LINES {
        assert_eq!(m.lookup(line.as_bytes()), l.lookup(line.as_bytes()));
    }
}

#[test]
fn load_rejects_bad_input_with_clear_errors() {
    let m = sample_miner(LINES);
    let mut buf = Vec::new();
    m.save(&mut buf).expect("save");
    assert!(matches!(
        Miner::load(&b"hello world\n"[..]),
        Err(StateError::NotAState)
    ));
    assert!(matches!(Miner::load(&b""[..]), Err(StateError::NotAState)));
    assert!(matches!(
        Miner::load(&buf[..buf.len() / 2]),
        Err(StateError::Corrupt(_))
    ));
    let mut flipped = buf.clone();
    let last = flipped.len() - 10;
    flipped[last] ^= 1;
    assert!(matches!(
        Miner::load(flipped.as_slice()),
        Err(StateError::Corrupt(_))
    ));
    let v2 = String::from_utf8_lossy(&buf).replacen("version=1", "version=9", 1);
    let e = Miner::load(v2.as_bytes()).expect_err("newer version");
    assert!(e.to_string().contains("version 9"));
}

#[test]
fn merge_combines_and_is_symmetric() {
    let a = sample_miner(&LINES[..4]);
    let b = sample_miner(&LINES[3..]);
    let ab = Miner::merge(&a, &b).expect("merge");
    let ba = Miner::merge(&b, &a).expect("merge");
    assert_eq!(table(&ab), table(&ba));
    let total: u64 = ab.table().iter().map(|c| c.count()).sum();
    assert_eq!(total, LINES.len() as u64 + 1);
    let mut x = Vec::new();
    let mut y = Vec::new();
    ab.save(&mut x).expect("save");
    ba.save(&mut y).expect("save");
    assert_eq!(x, y);
    let other = Miner::new(
        MinerConfig::builder()
            .sim_threshold(0.7)
            .build()
            .expect("valid"),
    );
    let e = Miner::merge(&a, &other).expect_err("config mismatch");
    assert!(e.to_string().contains("sim_threshold"));
}

#[test]
fn merge_unifies_general_and_specific_templates() {
    let a = sample_miner(&LINES[..4]);
    let b = sample_miner(&["Accepted password for zed from 9.9.9.9 port 1 ssh2"]);
    let ab = Miner::merge(&a, &b).expect("merge");
    assert_eq!(
        table(&ab),
        vec![(
            "Accepted password for <*> from <*> port <*> ssh2".to_string(),
            5
        )]
    );
}

#[test]
fn spaced_style_keeps_the_line_spacing() {
    let mut m = Miner::default();
    let id = obs(&mut m, "took  12 ms\tfor user=5");
    obs(&mut m, "took  13 ms\tfor user=6");
    let c = m.cluster(id).expect("live");
    assert_eq!(
        c.template_with(TemplateStyle::Spaced),
        "took  <*> ms\tfor user=<*>"
    );
    assert_eq!(
        c.template_with(TemplateStyle::Plain),
        "took <*> ms for user=<*>"
    );
}

#[test]
fn without_value_tracking_the_table_and_params_are_the_same_and_values_unknown() {
    let lines: Vec<String> = (0..200)
        .map(|i| match i % 4 {
            0 => format!("GET /index status={} took {}ms", [200, 503][i % 2], i),
            1 => format!("login ok for user{} from 10.0.0.{}", i % 7, i % 5),
            // A value longer than the miner keeps of it (128 bytes by default).
            2 => format!("stored object /data/{}/{i}.bin", "a1".repeat(100)),
            _ => format!(
                "PacketResponder {} for block blk_{} terminating",
                i % 3,
                i * 7919
            ),
        })
        .collect();
    let mut on = Miner::default();
    let mut off = Miner::default();
    off.set_value_tracking(false);
    for (i, l) in lines.iter().enumerate() {
        let ts = Some(Timestamp(1000 + i as i64));
        let a = on.observe(l.as_bytes(), ts);
        let (ca, pa): (ClusterId, Vec<(usize, Vec<u8>, u64)>) = (
            a.cluster,
            a.params_hashed()
                .map(|(s, v, h)| (s, v.to_vec(), h))
                .collect(),
        );
        let b = off.observe(l.as_bytes(), ts);
        let pb: Vec<(usize, Vec<u8>, u64)> = b
            .params_hashed()
            .map(|(s, v, h)| (s, v.to_vec(), h))
            .collect();
        assert_eq!((ca, &pa), (b.cluster, &pb), "line {i}: {l}");
        for (_, v, h) in &pa {
            assert_eq!(*h, crate::mask::value_hash(v), "the hash is the value's");
        }
    }
    let (ta, tb) = (on.table(), off.table());
    assert_eq!(ta.len(), tb.len());
    let mut tracked = 0;
    for (a, b) in ta.iter().zip(&tb) {
        assert_eq!((a.template(), a.count()), (b.template(), b.count()));
        assert!(
            a.samples().eq(b.samples()),
            "same samples for {}",
            a.template()
        );
        for (sa, sb) in a.slots().zip(b.slots()) {
            assert_eq!(sa.slot(), sb.slot());
            tracked += sa.values().len();
            // Off, a slot holds at most the values it had as a literal; the rest is "other".
            let known: u64 = sb.values().iter().map(|v| v.1).sum();
            assert_eq!(known + sb.other(), a.count(), "every line is counted");
            assert!(sb.other() > 0);
        }
    }
    assert!(tracked > 0, "tracking on keeps values");
}
