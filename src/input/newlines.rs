//! Finding every newline in a buffer, 64 bytes at a time.
//!
//! Owns [`Newlines`], the iterator the splitter's hot loop runs on. Log lines are short
//! (about 120 bytes in the Loghub samples), so one `memchr` call per line spends most of
//! its time starting up; a 64-bit mask of the newlines in each 64-byte block, consumed bit
//! by bit, finds the next newline with a `trailing_zeros`. It does not know what a line
//! means; `memchr` stays the tool for one-off searches.

/// Bytes looked at per mask: one bit per byte of a `u64`.
const BLOCK: usize = 64;

/// Positions of the `\n` bytes in `data[start..]`, in increasing order.
pub(crate) struct Newlines<'a> {
    data: &'a [u8],
    /// Start of the block `mask` describes.
    block: usize,
    /// Newlines of the block not yet returned: bit `i` is `data[block + i]`.
    mask: u64,
}

impl<'a> Newlines<'a> {
    pub(crate) fn new(data: &'a [u8], start: usize) -> Newlines<'a> {
        Newlines {
            data,
            block: start,
            mask: block_mask(data, start),
        }
    }
}

impl Iterator for Newlines<'_> {
    type Item = usize;

    #[inline]
    fn next(&mut self) -> Option<usize> {
        while self.mask == 0 {
            self.block += BLOCK;
            if self.block >= self.data.len() {
                return None;
            }
            self.mask = block_mask(self.data, self.block);
        }
        let i = self.mask.trailing_zeros() as usize;
        self.mask &= self.mask - 1;
        Some(self.block + i)
    }
}

/// The newline mask of `data[at..at + 64]`, or of the shorter rest of `data`.
#[inline]
fn block_mask(data: &[u8], at: usize) -> u64 {
    match data.get(at..at + BLOCK) {
        Some(block) => full_block_mask(block),
        None => data
            .get(at..)
            .unwrap_or_default()
            .iter()
            .enumerate()
            .fold(0, |m, (i, &b)| m | (u64::from(b == b'\n') << i)),
    }
}

/// The newline mask of a 64-byte block with SSE2, which every x86-64 CPU has.
#[cfg(target_arch = "x86_64")]
#[inline]
fn full_block_mask(block: &[u8]) -> u64 {
    use std::arch::x86_64::{_mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_set1_epi8};
    debug_assert_eq!(block.len(), BLOCK);
    let mut mask = 0u64;
    // SAFETY: SSE2 is part of the x86-64 baseline, so the intrinsics are available on every
    // CPU this code can run on; each load reads 16 bytes of a `chunks_exact(16)` chunk,
    // and `loadu` accepts any alignment.
    unsafe {
        let newline = _mm_set1_epi8(b'\n' as i8);
        for (k, part) in block.chunks_exact(16).enumerate() {
            let bytes = _mm_loadu_si128(part.as_ptr().cast());
            let bits = _mm_movemask_epi8(_mm_cmpeq_epi8(bytes, newline)) as u16;
            mask |= u64::from(bits) << (16 * k);
        }
    }
    mask
}

#[cfg(not(target_arch = "x86_64"))]
#[inline]
fn full_block_mask(block: &[u8]) -> u64 {
    swar_block_mask(block)
}

/// Portable newline mask: per 8-byte word, flag the bytes equal to `\n` exactly (no false
/// positives, unlike the shorter has-zero-byte test) and gather the flags into 8 bits.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn swar_block_mask(block: &[u8]) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    /// Multiplier that moves bit 0 of byte `i` to bit `56 + i`.
    const GATHER: u64 = 0x0102_0408_1020_4080;
    let mut mask = 0u64;
    for (k, word) in block.chunks_exact(8).enumerate() {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(word);
        let x = u64::from_le_bytes(bytes) ^ 0x0a0a_0a0a_0a0a_0a0a;
        let zero = !(((x & LOW7) + LOW7) | x | LOW7);
        mask |= ((zero >> 7).wrapping_mul(GATHER) >> 56) << (8 * k);
    }
    mask
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn expected(data: &[u8], start: usize) -> Vec<usize> {
        memchr::memchr_iter(b'\n', &data[start..])
            .map(|i| start + i)
            .collect()
    }

    #[test]
    fn finds_newlines_across_blocks_and_in_the_tail() {
        let mut data = vec![b'x'; 200];
        for i in [0, 63, 64, 65, 127, 128, 199] {
            data[i] = b'\n';
        }
        assert_eq!(
            Newlines::new(&data, 0).collect::<Vec<_>>(),
            expected(&data, 0)
        );
        assert_eq!(
            Newlines::new(&data, 64).collect::<Vec<_>>(),
            [64, 65, 127, 128, 199]
        );
        assert_eq!(Newlines::new(&data, 200).count(), 0);
        assert_eq!(Newlines::new(b"", 0).count(), 0);
    }

    #[test]
    fn swar_matches_a_plain_loop() {
        let block: Vec<u8> = (0..64u8).map(|i| i.wrapping_mul(37) ^ 0x0a).collect();
        let plain = block
            .iter()
            .enumerate()
            .fold(0u64, |m, (i, &b)| m | (u64::from(b == b'\n') << i));
        assert_eq!(swar_block_mask(&block), plain);
        assert_eq!(swar_block_mask(&[b'\n'; 64]), u64::MAX);
        assert_eq!(swar_block_mask(&[0x8a; 64]), 0);
    }

    /// Random bytes where about a third are `\n` or its look-alikes `0x8a` and `0x0b`.
    fn dense_newlines(len: std::ops::Range<usize>) -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(any::<u8>(), len).prop_map(|v| {
            v.into_iter()
                .map(|b| match b % 9 {
                    0 => b'\n',
                    1 => 0x8a,
                    2 => 0x0b,
                    _ => b,
                })
                .collect()
        })
    }

    proptest! {
        #[test]
        fn matches_memchr(data in dense_newlines(0..400), start in 0usize..400) {
            let start = start.min(data.len());
            prop_assert_eq!(Newlines::new(&data, start).collect::<Vec<_>>(), expected(&data, start));
        }

        #[test]
        fn swar_matches_full_block_mask(block in dense_newlines(64..65)) {
            prop_assert_eq!(swar_block_mask(&block), full_block_mask(&block));
        }
    }
}
