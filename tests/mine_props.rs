//! Properties of the miner that must hold for any input.

use logsift::mine::{Miner, MinerConfig, TemplateStyle};
use logsift::record::Timestamp;
use proptest::prelude::*;

/// Words that make templates form (verbs, nouns, states) plus values of many kinds.
fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(vec![
            "Accepted", "Invalid", "Failed", "session", "user", "from", "port", "for", "to", "block",
            "startup", "shutdown", "ok", "error", "state=", "(id", "x)", "[a]", "k:v", "-", "...",
        ])
        .prop_map(str::to_string),
        2 => (0u32..5000).prop_map(|n| n.to_string()),
        1 => (0u8..255, 0u8..255).prop_map(|(a, b)| format!("10.0.{a}.{b}")),
        1 => (0u32..100).prop_map(|n| format!("blk_-{n}")),
        1 => "[a-z]{1,6}",
        1 => (0u32..99).prop_map(|n| format!("uid={n}")),
    ]
}

fn line() -> impl Strategy<Value = String> {
    prop::collection::vec(word(), 0..9).prop_map(|w| w.join(" "))
}

/// `<*>` matches any text (also empty, also spaces); other text must match byte for byte
/// with whitespace runs equal to one space.
fn wildcard_match(template: &str, line: &str) -> bool {
    let t: Vec<&str> = template.split("<*>").collect();
    let norm = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let line = norm(line);
    // Greedy-safe matching of literal pieces in order with backtracking via DP.
    let pieces: Vec<String> = t.iter().map(|p| p.to_string()).collect();
    fn go(pieces: &[String], line: &str, first: bool) -> bool {
        let Some((p, rest)) = pieces.split_first() else {
            return line.is_empty();
        };
        if first {
            return line.starts_with(p.as_str()) && go(rest, &line[p.len()..], false);
        }
        if rest.is_empty() {
            return line.ends_with(p.as_str());
        }
        let mut from = 0;
        while let Some(i) = line[from..].find(p.as_str()) {
            if go(rest, &line[from + i + p.len()..], false) {
                return true;
            }
            from += i + 1;
            while !line.is_char_boundary(from) {
                from += 1;
            }
        }
        false
    }
    // Spaces around a wildcard may be absent when the variable was empty.
    let loose: Vec<String> = pieces.iter().map(|p| p.trim().to_string()).collect();
    go(&pieces, &line, true) || go(&loose, &line.replace(' ', ""), true) || {
        let squeezed: Vec<String> = loose.iter().map(|p| p.replace(' ', "")).collect();
        go(&squeezed, &line.replace(' ', ""), true)
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn observed_lines_look_up_to_their_cluster(lines in prop::collection::vec(line(), 1..80)) {
        let mut m = Miner::default();
        let ids: Vec<_> = lines.iter().map(|l| m.observe(l.as_bytes(), None).cluster).collect();
        for (l, id) in lines.iter().zip(&ids) {
            let now = m.resolve(*id);
            prop_assert!(now.is_some(), "cluster of {:?} vanished", l);
            prop_assert_eq!(m.lookup(l.as_bytes()), now, "line {:?}", l);
            let t = m.cluster(*id).map(|c| c.template_with(TemplateStyle::Plain)).unwrap_or_default();
            prop_assert!(wildcard_match(&t, l), "template {:?} does not match {:?}", t, l);
        }
        let total: u64 = m.table().iter().map(|c| c.count()).sum();
        prop_assert_eq!(total, lines.len() as u64);
        prop_assert_eq!(m.stats().lines, lines.len() as u64);
    }

    #[test]
    fn save_load_round_trips_exactly(lines in prop::collection::vec(line(), 0..60)) {
        let mut m = Miner::default();
        for (i, l) in lines.iter().enumerate() {
            m.observe(l.as_bytes(), Some(Timestamp(i as i64 * 1000)));
        }
        let mut a = Vec::new();
        m.save(&mut a).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let l = Miner::load(a.as_slice()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let mut b = Vec::new();
        l.save(&mut b).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(a, b);
        for line in &lines {
            prop_assert_eq!(m.lookup(line.as_bytes()), l.lookup(line.as_bytes()));
        }
    }

    #[test]
    fn merge_is_commutative(x in prop::collection::vec(line(), 0..40), y in prop::collection::vec(line(), 0..40)) {
        let mine = |ls: &[String]| { let mut m = Miner::default(); for l in ls { m.observe(l.as_bytes(), None); } m };
        let (a, b) = (mine(&x), mine(&y));
        let ab = Miner::merge(&a, &b).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let ba = Miner::merge(&b, &a).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let (mut sa, mut sb) = (Vec::new(), Vec::new());
        ab.save(&mut sa).map_err(|e| TestCaseError::fail(e.to_string()))?;
        ba.save(&mut sb).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(sa, sb);
        let total: u64 = ab.table().iter().map(|c| c.count()).sum();
        prop_assert_eq!(total, (x.len() + y.len()) as u64);
        for l in x.iter().chain(&y) {
            prop_assert!(ab.lookup(l.as_bytes()).is_some(), "merged state lost {:?}", l);
        }
    }

    #[test]
    fn no_byte_input_panics(lines in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..200), 1..40)) {
        let cfg = MinerConfig::builder().max_clusters(8).max_tokens(16).build().map_err(|e| TestCaseError::fail(e.to_string()))?;
        let mut m = Miner::new(cfg);
        for l in &lines {
            let o = m.observe(l, None);
            let _ = o.params().count();
        }
        for l in &lines {
            let _ = m.lookup(l);
        }
        for c in m.table() {
            let _ = c.template();
        }
        let _ = m.take_evicted();
    }

    #[test]
    fn corrupt_state_gives_an_error_not_a_panic(
        lines in prop::collection::vec(line(), 1..20),
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut m = Miner::default();
        for l in &lines {
            m.observe(l.as_bytes(), None);
        }
        let mut buf = Vec::new();
        m.save(&mut buf).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let mut bad = buf.clone();
        for (i, b) in &flips {
            let at = i.index(bad.len());
            bad[at] = *b;
        }
        let _ = Miner::load(bad.as_slice());
        let _ = Miner::load(&buf[..cut.index(buf.len())]);
    }
}

#[test]
fn wildcard_matcher_works() {
    assert!(wildcard_match("a <*> b", "a x y b"));
    assert!(wildcard_match("a <*> b", "a  b"));
    assert!(!wildcard_match("a <*> b", "a x c"));
    assert!(wildcard_match("<*>:<*>", "1.2.3.4:80"));
}
