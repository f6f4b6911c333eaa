//! The template miner (`logsift::mine`): [`Miner::observe`], then [`Miner::lookup`].
//!
//! The first four bytes choose the settings, with few clusters (1 to 8) so that eviction
//! runs, few tokens, few samples and values; the rest is split into lines that are observed
//! in order. The module's invariants are checked as the lines go: a line looks up to the
//! cluster it was just placed in, the miner never holds more than `max_clusters`, an evicted
//! cluster no longer resolves. At the end the templates are rendered in every style, and the
//! miner is saved, loaded and saved again (same bytes, same lookups) and merged.

#![no_main]

use libfuzzer_sys::fuzz_target;
use logsift::mine::{Miner, MinerConfig, TemplateStyle, loghub_correct};
use logsift::record::Timestamp;

/// Lines observed per input: enough to fill, evict and merge clusters many times over.
const MAX_LINES: usize = 256;

fn config(b: [u8; 4]) -> Option<MinerConfig> {
    const SIM: [f64; 5] = [0.1, 0.3, 0.5, 0.7, 1.0];
    MinerConfig::builder()
        .max_clusters(usize::from(b[0] % 8) + 1)
        .prefix_words(usize::from(b[0] >> 3) % 3)
        .sim_threshold(SIM[usize::from(b[1]) % SIM.len()])
        .distinct_values(usize::from(b[1] >> 3) % 4 + 1)
        .max_tokens(if b[2] == 0xff {
            logsift::mask::DEFAULT_MAX_TOKENS
        } else {
            usize::from(b[2] % 16) + 2
        })
        .samples(usize::from(b[2] >> 4) % 4)
        .values_per_slot(usize::from(b[3]) % 5)
        .max_gap_words(usize::from(b[3] >> 3) % 5)
        .cache_entries(usize::from(b[3] >> 6) * 3 + 1)
        .max_value_bytes(8)
        .max_sample_bytes(32)
        .build()
        .ok()
}

fn inside(part: &[u8], whole: &[u8]) -> bool {
    let (p, w) = (part.as_ptr() as usize, whole.as_ptr() as usize);
    part.is_empty() || (p >= w && p + part.len() <= w + whole.len())
}

fuzz_target!(|input: &[u8]| {
    let [b0, b1, b2, b3, data @ ..] = input else {
        return;
    };
    let Some(cfg) = config([*b0, *b1, *b2, *b3]) else {
        return;
    };
    let max = cfg.max_clusters();
    let mut miner = Miner::new(cfg.clone());
    let lines: Vec<&[u8]> = data.split(|&c| c == b'\n').take(MAX_LINES).collect();

    for (i, line) in lines.iter().enumerate() {
        // Every third line has no time, as lines without a header do.
        let ts = (i % 3 != 2).then(|| Timestamp(i as i64 * 1_000));
        let obs = miner.observe(line, ts);
        let id = obs.cluster;
        for (_, value) in obs.params() {
            assert!(inside(value, line), "a parameter value outside its line");
        }
        assert!(
            miner.len() <= max,
            "{} clusters over max_clusters {max}",
            miner.len()
        );
        assert_eq!(miner.resolve(id), Some(id), "the line's cluster is live");
        assert_eq!(
            miner.lookup(line),
            Some(id),
            "line {i} does not look up to its cluster"
        );
        if i % 16 == 15 {
            for ev in miner.take_evicted() {
                assert_eq!(
                    miner.resolve(ev.id),
                    None,
                    "evicted cluster {} resolves",
                    ev.id
                );
            }
        }
    }
    let stats = miner.stats();
    assert_eq!(stats.lines, lines.len() as u64);
    assert_eq!(stats.clusters, miner.len());

    let mut counted = 0u64;
    for c in miner.table() {
        assert!(c.count() >= 1);
        counted += c.count();
        assert!(c.samples().count() <= cfg.samples());
        for s in c.slots() {
            assert!(s.values().len() <= cfg.values_per_slot());
        }
        let t = c.template();
        let _ = c.template_with(TemplateStyle::Plain);
        let _ = c.template_with(TemplateStyle::Spaced);
        assert_eq!(miner.cluster(c.id()).map(|v| v.id()), Some(c.id()));
        let _ = loghub_correct(&t);
    }
    assert!(counted <= stats.lines);
    let _ = loghub_correct(&String::from_utf8_lossy(data));

    // A saved miner loads back to one that saves the same bytes and answers the same.
    let mut saved = Vec::new();
    miner.save(&mut saved).expect("saving to memory");
    let loaded = Miner::load(saved.as_slice()).expect("a saved miner loads");
    let mut again = Vec::new();
    loaded.save(&mut again).expect("saving to memory");
    assert!(saved == again, "save, load, save changed the state");
    for line in &lines {
        assert_eq!(loaded.lookup(line), miner.lookup(line));
    }
    let merged = Miner::merge(&miner, &loaded).expect("same settings merge");
    assert!(merged.len() <= max);
});
