//! Loading a saved state (`--load-state`, `merge-state`, `analyse` of an emitted state):
//! [`app::read_state_from`], which reads the miner ([`Miner::load`]), the analysis section
//! and the review history ([`ReviewHistory`]).
//!
//! The first byte chooses whether the input is read as it is (any damage must give an error)
//! or with the length and checksum of each section's header line set to match the body that
//! follows, so that the fuzzer reaches the JSON bodies and their validation. The seeds are
//! state files written by logsift. Any bytes must load or give an error, never panic; a state
//! that loads must save to bytes that load to the same state and save the same again, must go
//! on mining, merge with itself, and (with an analysis section) analyse without the logs.

#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use logsift::app::{self, AnalyseConfig, StateFile};
use logsift::history::ReviewHistory;
use logsift::record::{DetectOptions, Timestamp};

const MINER_MAGIC: &[u8] = b"LOGSIFT-MINER-STATE\n";
const ANALYSIS_MAGIC: &[u8] = b"LOGSIFT-ANALYSIS-STATE\n";
const HISTORY_MAGIC: &[u8] = b"LOGSIFT-REVIEW-HISTORY\n";

/// FNV-1a, 64 bit, the checksum of the state format (docs/state-format.md).
fn fnv1a(b: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &c in b {
        h ^= u64::from(c);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

/// Rewrites the `bytes=` and `fnv1a=` of each checksummed section's header line to match
/// the body after it (up to the next section's magic line), keeping the header's version.
fn fix_checksums(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 64);
    let mut pos = 0;
    for magic in [MINER_MAGIC, ANALYSIS_MAGIC] {
        let Some(at) = find(data, magic, pos) else {
            continue;
        };
        let header_start = at + magic.len();
        let Some(nl) = find(data, b"\n", header_start) else {
            break;
        };
        let body_start = nl + 1;
        let next = [ANALYSIS_MAGIC, HISTORY_MAGIC]
            .iter()
            .filter_map(|m| find(data, m, body_start))
            .min()
            .unwrap_or(data.len());
        let body_end = if next > body_start && data[next - 1] == b'\n' {
            next - 1
        } else {
            next
        };
        let body = &data[body_start..body_end];
        let header = String::from_utf8_lossy(&data[header_start..nl]);
        let version = header
            .split(' ')
            .find_map(|f| f.strip_prefix("version="))
            .unwrap_or("1");
        out.extend_from_slice(&data[pos..header_start]);
        out.extend_from_slice(
            format!(
                "version={version} bytes={} fnv1a={:016x}\n",
                body.len(),
                fnv1a(body)
            )
            .as_bytes(),
        );
        out.extend_from_slice(body);
        pos = body_end;
    }
    out.extend_from_slice(&data[pos..]);
    out
}

fn load(bytes: &[u8]) -> Option<StateFile> {
    app::read_state_from(bytes, Path::new("fuzz.state")).ok()
}

fn save(s: &StateFile) -> Vec<u8> {
    let mut out = Vec::new();
    app::write_state(&mut out, &s.miner, s.analysis.as_ref(), &s.history)
        .expect("writing to memory");
    out
}

fuzz_target!(|input: &[u8]| {
    let [mode, data @ ..] = input else {
        return;
    };
    let fixed;
    let bytes = if mode & 1 == 1 {
        fixed = fix_checksums(data);
        fixed.as_slice()
    } else {
        data
    };

    // The history section's JSON on its own, as the state file holds it.
    if let Some(at) = find(bytes, HISTORY_MAGIC, 0)
        && let Ok(h) = serde_json::from_slice::<ReviewHistory>(&bytes[at + HISTORY_MAGIC.len()..])
    {
        assert!(h.len() <= h.max_entries());
        let json = serde_json::to_vec(&h).expect("serialising a history");
        let back: ReviewHistory = serde_json::from_slice(&json).expect("a saved history loads");
        assert_eq!(back, h);
    }

    let Some(mut state) = load(bytes) else {
        return;
    };

    // Saved and loaded again: the same state, the same bytes.
    let saved = save(&state);
    let again = load(&saved).expect("a state logsift wrote loads");
    assert_eq!(again.analysis, state.analysis);
    assert_eq!(again.history, state.history);
    assert!(save(&again) == saved, "save, load, save changed the state");

    // Merged with itself, as `merge-state` does with two shards.
    let twin = load(&saved).expect("a state logsift wrote loads");
    if let Ok(merged) = app::merge_state_files(again, twin) {
        let _ = save(&merged);
        if merged.analysis.is_some() {
            let detect = DetectOptions::builder()
                .reference(Timestamp(1_795_737_600_000))
                .build()
                .expect("default options");
            let _ = app::analyse_state(merged, &detect, &AnalyseConfig::default());
        }
    }

    // `--load-state` goes on mining from where the state left off.
    let samples: Vec<Vec<u8>> = state
        .miner
        .clusters()
        .iter()
        .flat_map(|c| c.samples().map(<[u8]>::to_vec).collect::<Vec<_>>())
        .take(16)
        .collect();
    for (i, s) in samples.iter().enumerate() {
        let _ = state.miner.observe(s, Some(Timestamp(i as i64)));
        let _ = state.miner.lookup(s);
    }
    for line in [
        &b"a brand new line 42"[..],
        b"another one",
        b"a brand new line 43",
    ] {
        let id = state.miner.observe(line, None).cluster;
        assert_eq!(state.miner.lookup(line), Some(id));
    }
});
