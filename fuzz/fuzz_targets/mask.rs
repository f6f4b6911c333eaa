//! Tokenisation and masking (`logsift::mask`, [`Masker::mask`]).
//!
//! The first byte chooses the token cap (small caps often, so the tail token is reached);
//! the rest is one message body. The tokens must be bounded (by the cap and by the line:
//! every token is at least one byte and tokens are apart), lie in the line in order, and have
//! masked forms that agree with their kind; masking again, into a used buffer or through a
//! [`MaskedBatch`], must give the same tokens.

#![no_main]

use std::collections::HashMap;

use libfuzzer_sys::fuzz_target;
use logsift::mask::{DEFAULT_MAX_TOKENS, MaskedBatch, MaskedLine, Masker, PH, VarKind};

fuzz_target!(|input: &[u8]| {
    let [cap, line @ ..] = input else {
        return;
    };
    let max_tokens = match cap {
        0xff => DEFAULT_MAX_TOKENS,
        c => usize::from(c % 32),
    };
    let masker = Masker::new(max_tokens);
    let mut ml = MaskedLine::new();
    masker.mask(line, &mut ml);

    let n = ml.len();
    assert!(
        n <= max_tokens.max(1),
        "{n} tokens over the cap of {max_tokens}"
    );
    assert!(
        n <= line.len().div_ceil(2),
        "{n} tokens in {} bytes",
        line.len()
    );
    assert_eq!(ml.is_empty(), n == 0);

    let mut last_end = 0;
    let mut by_form: HashMap<&[u8], u64> = HashMap::new();
    for (i, t) in ml.tokens().iter().enumerate() {
        let r = t.raw_range();
        assert!(r.start < r.end && r.end <= line.len(), "token {i} at {r:?}");
        assert!(
            i == 0 || r.start > last_end,
            "token {i} overlaps or touches the one before"
        );
        last_end = r.end;
        let raw = ml.raw(line, i);
        let form = ml.masked(i);
        assert_eq!(form, ml.masked_form(t));
        match t.kind() {
            VarKind::Const => {
                assert!(!t.has_var());
                assert_eq!(form, raw, "a constant word is its own masked form");
                assert!(!form.contains(&PH));
            }
            _ => {
                assert!(t.has_var());
                assert!(
                    form.contains(&PH),
                    "variable token {i} without a placeholder"
                );
            }
        }
        let truncated_tail = t.kind() == VarKind::Tail;
        assert_eq!(
            truncated_tail,
            ml.truncated() && i + 1 == n,
            "tail only at the end"
        );
        // The masked line puts a space after each form, so no form may hold one.
        assert!(!form.contains(&b' '), "token {i}'s masked form holds a space");
        // Equal masked forms hash alike (the miner's families key on the hashes).
        let h = *by_form.entry(form).or_insert(ml.view().token_hash(t));
        assert_eq!(h, ml.view().token_hash(t));
    }
    // The masked line is the forms in order, each followed by a space, and at most one byte
    // longer than the line.
    let mut joined = Vec::new();
    for i in 0..n {
        joined.extend_from_slice(ml.masked(i));
        joined.push(b' ');
    }
    assert_eq!(ml.view().joined(), joined.as_slice());
    assert!(joined.len() <= line.len() + 1);

    // The borrowed view reads the same line.
    let view = ml.view();
    assert_eq!(view.len(), n);
    assert_eq!(view.skeleton_hash(), ml.skeleton_hash());
    assert_eq!(view.truncated(), ml.truncated());
    for i in 0..n {
        assert_eq!(view.masked(i), ml.masked(i));
        assert_eq!(view.raw(line, i), ml.raw(line, i));
    }
    assert!(view.masked(n).is_empty());
    let _ = ml.display();

    // Masking into a buffer that held another line gives the same result.
    let mut reused = MaskedLine::new();
    masker.mask(
        b"x 1 10.0.0.1:80 Fri Jun 17 07:07:00 2005 5.2 KB",
        &mut reused,
    );
    masker.mask(line, &mut reused);
    assert_eq!(reused.tokens(), ml.tokens());
    assert_eq!(reused.skeleton_hash(), ml.skeleton_hash());

    // A batch lends the same line back.
    let mut batch = MaskedBatch::new();
    batch.push(&reused);
    batch.push(&ml);
    for k in 0..2 {
        let b = batch.get(k).expect("stored line");
        assert_eq!(b.tokens(), ml.tokens());
        assert_eq!(b.skeleton_hash(), ml.skeleton_hash());
        assert_eq!(b.joined(), ml.view().joined());
        for i in 0..n {
            assert_eq!(b.masked(i), ml.masked(i));
        }
    }
    assert!(batch.get(2).is_none());
});
