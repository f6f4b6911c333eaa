//! Byte classes of a whole line, 64 bytes at a time, as bit masks.
//!
//! Owns [`Blocks`]: for every byte of a line, one bit that says "whitespace" and one that says
//! "may start a variable" (a digit, `/`, `@`, `\` or the placeholder byte). The tokeniser walks
//! these masks with `trailing_zeros` instead of looking at every byte, and sends only the words
//! that have a special bit to the variable scanners; a word without one is constant text
//! (see [`super::Masker::mask`]). It does not decide what a word means.

use super::PH;

/// Bytes per mask word: one bit per byte of a `u64`.
const BLOCK: usize = 64;

/// The whitespace and special-byte masks of one line, reused across lines.
#[derive(Debug, Default, Clone)]
pub(crate) struct Blocks {
    /// Bit `i % 64` of word `i / 64` is set when byte `i` is whitespace; bits past the end of
    /// the line are set, so every word ends there.
    ws: Vec<u64>,
    /// Bit set when byte `i` is a digit, `/`, `@`, `\` or [`PH`].
    special: Vec<u64>,
}

impl Blocks {
    /// No line classified yet.
    pub(crate) const fn new() -> Self {
        Blocks {
            ws: Vec::new(),
            special: Vec::new(),
        }
    }

    /// Heap bytes held.
    pub(crate) fn heap_bytes(&self) -> usize {
        (self.ws.capacity() + self.special.capacity()) * std::mem::size_of::<u64>()
    }

    /// Classifies `line`.
    pub(crate) fn fill(&mut self, line: &[u8]) {
        let words = line.len() / BLOCK + 1;
        self.ws.clear();
        self.special.clear();
        self.ws.reserve(words);
        self.special.reserve(words);
        let mut chunks = line.chunks_exact(BLOCK);
        for block in &mut chunks {
            let (w, s) = full_block(block);
            self.ws.push(w);
            self.special.push(s);
        }
        let rest = chunks.remainder();
        // The last part goes through the same block code, from a copy padded with blanks.
        let mut padded = [b' '; BLOCK];
        padded[..rest.len()].copy_from_slice(rest);
        // Only the 16-byte parts that hold line bytes are classified; the others stay 0
        // (blank padding is neither special nor, past the end, anything but whitespace below).
        let (mut w, s) = part_block(&padded, rest.len().div_ceil(16));
        // Everything past the end reads as whitespace: a word always ends at the line's end.
        w |= u64::MAX.checked_shl(rest.len() as u32).unwrap_or(0);
        self.ws.push(w);
        self.special.push(s);
    }

    /// First position at or after `from` that is not whitespace (`>= len` at the end).
    #[inline]
    pub(crate) fn next_word(&self, from: usize) -> usize {
        let mut k = from / BLOCK;
        let Some(&first) = self.ws.get(k) else {
            return from;
        };
        let mut m = !first & (u64::MAX << (from % BLOCK));
        loop {
            if m != 0 {
                return k * BLOCK + m.trailing_zeros() as usize;
            }
            k += 1;
            match self.ws.get(k) {
                Some(&w) => m = !w,
                None => return k * BLOCK,
            }
        }
    }

    /// First whitespace position at or after `from` (the end of the word there).
    #[inline]
    pub(crate) fn word_end(&self, from: usize) -> usize {
        let mut k = from / BLOCK;
        let Some(&first) = self.ws.get(k) else {
            return from;
        };
        let mut m = first & (u64::MAX << (from % BLOCK));
        loop {
            if m != 0 {
                return k * BLOCK + m.trailing_zeros() as usize;
            }
            k += 1;
            match self.ws.get(k) {
                Some(&w) => m = w,
                None => return k * BLOCK,
            }
        }
    }

    /// Whether any byte in `start..end` is special.
    #[inline]
    pub(crate) fn any_special(&self, start: usize, end: usize) -> bool {
        if start >= end {
            return false;
        }
        let (a, b) = (start / BLOCK, (end - 1) / BLOCK);
        let lo = u64::MAX << (start % BLOCK);
        let hi = u64::MAX >> (BLOCK - 1 - (end - 1) % BLOCK);
        if a == b {
            return self.special.get(a).is_some_and(|&s| s & lo & hi != 0);
        }
        if self.special.get(a).is_some_and(|&s| s & lo != 0) {
            return true;
        }
        if self
            .special
            .get(a + 1..b)
            .is_some_and(|m| m.iter().any(|&s| s != 0))
        {
            return true;
        }
        self.special.get(b).is_some_and(|&s| s & hi != 0)
    }
}

/// Whitespace as the tokeniser sees it: space, `\t`, `\n`, vertical tab, form feed, `\r`.
#[inline]
fn is_ws(b: u8) -> bool {
    b == b' ' || (0x09..=0x0d).contains(&b)
}

/// Bytes that may make a word variable.
#[inline]
fn is_special(b: u8) -> bool {
    b.is_ascii_digit() || matches!(b, b'/' | b'@' | b'\\' | PH)
}

/// Both masks of a 64-byte block.
#[inline]
fn full_block(block: &[u8]) -> (u64, u64) {
    part_block(block, BLOCK / 16)
}

/// Both masks of the first `parts` 16-byte parts of a 64-byte block (bits of the other parts
/// are 0), with SSE2, which every x86-64 CPU has.
#[cfg(target_arch = "x86_64")]
#[inline]
fn part_block(block: &[u8], parts: usize) -> (u64, u64) {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128,
        _mm_set1_epi8, _mm_sub_epi8,
    };
    debug_assert_eq!(block.len(), BLOCK);
    let (mut ws, mut special) = (0u64, 0u64);
    // SAFETY: SSE2 is part of the x86-64 baseline, so the intrinsics are available on every
    // CPU this code can run on; each load reads the 16 bytes of one `chunks_exact(16)` chunk,
    // and `loadu` accepts any alignment.
    unsafe {
        // `x - lo <= span` (unsigned, wrapping) tests `lo <= x <= lo + span` in two steps.
        let in_range = |x: __m128i, lo: u8, span: u8| {
            let d = _mm_sub_epi8(x, _mm_set1_epi8(lo as i8));
            _mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(span as i8)), d)
        };
        let eq = |x: __m128i, c: u8| _mm_cmpeq_epi8(x, _mm_set1_epi8(c as i8));
        for (k, part) in block.chunks_exact(16).enumerate().take(parts) {
            let x = _mm_loadu_si128(part.as_ptr().cast());
            let w = _mm_or_si128(eq(x, b' '), in_range(x, 0x09, 4));
            let s = _mm_or_si128(
                _mm_or_si128(in_range(x, b'0', 9), eq(x, b'/')),
                _mm_or_si128(_mm_or_si128(eq(x, b'@'), eq(x, b'\\')), eq(x, PH)),
            );
            ws |= u64::from(_mm_movemask_epi8(w) as u16) << (16 * k);
            special |= u64::from(_mm_movemask_epi8(s) as u16) << (16 * k);
        }
    }
    (ws, special)
}

/// Both masks of the first `parts` 16-byte parts of a 64-byte block, one byte at a time.
#[cfg(not(target_arch = "x86_64"))]
#[inline]
fn part_block(block: &[u8], parts: usize) -> (u64, u64) {
    scalar_block(&block[..(16 * parts).min(block.len())])
}

/// The portable version of [`full_block`], also the reference it is tested against.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn scalar_block(block: &[u8]) -> (u64, u64) {
    let (mut w, mut s) = (0u64, 0u64);
    for (i, &b) in block.iter().enumerate() {
        w |= u64::from(is_ws(b)) << i;
        s |= u64::from(is_special(b)) << i;
    }
    (w, s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Words by a plain loop: (start, end) of each run of non-whitespace.
    fn plain_words(line: &[u8]) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < line.len() {
            while i < line.len() && is_ws(line[i]) {
                i += 1;
            }
            if i == line.len() {
                break;
            }
            let s = i;
            while i < line.len() && !is_ws(line[i]) {
                i += 1;
            }
            out.push((s, i));
        }
        out
    }

    fn block_words(line: &[u8]) -> Vec<(usize, usize)> {
        let mut b = Blocks::default();
        b.fill(line);
        let mut out = Vec::new();
        let mut i = 0;
        loop {
            i = b.next_word(i);
            if i >= line.len() {
                break;
            }
            let e = b.word_end(i);
            out.push((i, e));
            i = e;
        }
        out
    }

    /// Bytes where about half are whitespace or special.
    fn mixed(len: std::ops::Range<usize>) -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(any::<u8>(), len).prop_map(|v| {
            v.into_iter()
                .map(|b| match b % 11 {
                    0 => b' ',
                    1 => b'\t',
                    2 => 0x0d,
                    3 => b'7',
                    4 => PH,
                    5 => b'/',
                    _ => b,
                })
                .collect()
        })
    }

    #[test]
    fn words_end_at_the_line_end_and_across_blocks() {
        let mut line = vec![b'x'; 200];
        line[63] = b' ';
        line[64] = b' ';
        line[130] = b'\t';
        assert_eq!(block_words(&line), plain_words(&line));
        assert_eq!(block_words(b""), vec![]);
        assert_eq!(block_words(b"   "), vec![]);
        assert_eq!(block_words(&[b'a'; 64]), vec![(0, 64)]);
        assert_eq!(block_words(&[b'a'; 128]), vec![(0, 128)]);
    }

    proptest! {
        #[test]
        fn blocks_find_the_plain_words(line in mixed(0..300)) {
            prop_assert_eq!(block_words(&line), plain_words(&line));
        }

        #[test]
        fn special_ranges_match_a_plain_scan(line in mixed(1..300), a in 0usize..300, len in 0usize..150) {
            let mut b = Blocks::default();
            b.fill(&line);
            let start = a.min(line.len());
            let end = (start + len).min(line.len());
            let plain = line[start..end].iter().any(|&c| is_special(c));
            prop_assert_eq!(b.any_special(start, end), plain);
        }

        #[test]
        fn sse_block_matches_the_scalar_block(block in mixed(64..65)) {
            prop_assert_eq!(full_block(&block), scalar_block(&block));
        }
    }
}
