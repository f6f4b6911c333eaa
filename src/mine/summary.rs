//! Bounded per-cluster summaries: parameter values per slot, and sample lines.
//!
//! Both are small, deterministic and mergeable. A slot keeps at most `k` distinct values with
//! counts (Misra-Gries: when a new value arrives at a full table every count drops by one, so
//! any value seen in more than 1/(k+1) of the lines survives) and counts the rest as "other".
//! Samples are the `k` distinct lines with the smallest hash (a bottom-k sketch): the choice
//! does not depend on input order, and the samples of a merge are the samples of the union.

use crate::mask::fmix;
pub(crate) use crate::mask::value_hash;

/// A full slot table admits a new value on one in this many lines (see
/// [`SlotSummary::add_hashed`]): a cost cut for slots of ever-new values, small enough that a
/// value that becomes frequent enters within a handful of its lines.
const ADMIT_ONE_IN: u64 = 8;

/// One tracked value: its hash, count (0 = free entry) and place in the arena.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Entry {
    hash: u64,
    count: u64,
    off: u32,
    len: u32,
}

/// Values of one parameter slot, stored compactly: the values' bytes live in one arena and
/// the entries in one array, so a slot costs two small allocations however often its values
/// change. An entry with count 0 is free and is reused first.
///
/// Most lines of a slot of ever-new values (block ids, ports) carry a value the table does not
/// hold; a 128-bit filter of the held values' hashes says so without a scan, and a list of the
/// free entries finds a place without one.
#[derive(Debug, Clone, Default)]
pub(crate) struct SlotSummary {
    entries: Vec<Entry>,
    arena: Vec<u8>,
    /// Bytes of the arena that belong to entries (the rest is garbage from replaced values).
    live: usize,
    /// Lines whose value is not counted in an entry.
    pub(crate) other: u64,
    /// Bit `hash % 128` is set for every entry with a count (and maybe for some free ones):
    /// a clear bit proves the value is not held.
    filter: u128,
    /// Indexes of the entries with count 0.
    free: Vec<u32>,
}

impl PartialEq for SlotSummary {
    /// Equal values with equal counts, whatever the layout.
    fn eq(&self, other: &Self) -> bool {
        self.other == other.other && self.sorted() == other.sorted()
    }
}

impl Eq for SlotSummary {}

/// The filter bit of a value hash.
#[inline]
fn filter_bit(h: u64) -> u128 {
    1u128 << (h >> 57)
}

impl SlotSummary {
    /// A summary holding exactly these `(value, count)` pairs (counts > 0, values distinct).
    pub(crate) fn from_values(values: &[(Vec<u8>, u64)], other: u64) -> Self {
        let mut s = SlotSummary {
            other,
            ..SlotSummary::default()
        };
        for (v, c) in values {
            s.push(v, value_hash(v), *c);
        }
        s
    }

    /// A summary of `other` lines whose values are unknown.
    pub(crate) fn unknown(other: u64) -> Self {
        SlotSummary {
            other,
            ..SlotSummary::default()
        }
    }

    fn value(&self, i: usize) -> &[u8] {
        let e = self.entries[i];
        &self.arena[e.off as usize..(e.off + e.len) as usize]
    }

    fn push(&mut self, v: &[u8], h: u64, n: u64) {
        self.entries.push(Entry {
            hash: h,
            count: n,
            off: self.arena.len() as u32,
            len: v.len() as u32,
        });
        self.arena.extend_from_slice(v);
        self.live += v.len();
        self.filter |= filter_bit(h);
    }

    /// Put `v` into the free entry `i`, reusing its bytes in place when they fit.
    fn set(&mut self, i: usize, v: &[u8], h: u64, n: u64) {
        let e = self.entries[i];
        let off = if v.len() as u32 <= e.len {
            self.arena[e.off as usize..e.off as usize + v.len()].copy_from_slice(v);
            e.off
        } else {
            let off = self.arena.len() as u32;
            self.arena.extend_from_slice(v);
            off
        };
        self.entries[i] = Entry {
            hash: h,
            count: n,
            off,
            len: v.len() as u32,
        };
        self.filter |= filter_bit(h);
        self.live = self.live + v.len() - e.len as usize;
        // Replaced values leave garbage behind; rewrite the arena when it dominates.
        let live = self.live;
        if self.arena.len() > 2 * live + 512 {
            let mut arena = Vec::with_capacity(live);
            for e in &mut self.entries {
                let start = e.off as usize;
                e.off = arena.len() as u32;
                arena.extend_from_slice(&self.arena[start..start + e.len as usize]);
            }
            self.arena = arena;
        }
    }

    /// Count `n` lines with `value` (already cut to the byte cap).
    pub(crate) fn add(&mut self, value: &[u8], n: u64, k: usize) {
        self.add_hashed(value, value_hash(value), n, k);
    }

    /// [`SlotSummary::add`] with the value's hash ([`value_hash`]) already known.
    #[inline]
    pub(crate) fn add_hashed(&mut self, value: &[u8], h: u64, n: u64, k: usize) {
        if self.filter & filter_bit(h) != 0 {
            for i in 0..self.entries.len() {
                let e = self.entries[i];
                if e.hash == h && e.count > 0 && self.value(i) == value {
                    self.entries[i].count += n;
                    return;
                }
            }
        }
        self.add_new(value, h, n, k);
    }

    /// Counts a value the table does not hold.
    fn add_new(&mut self, value: &[u8], h: u64, n: u64, k: usize) {
        if let Some(i) = self.free.pop() {
            self.set(i as usize, value, h, n);
            return;
        }
        if self.entries.len() < k {
            self.push(value, h, n);
            return;
        }
        // A full table and a value it does not hold. For single lines, only one in
        // `ADMIT_ONE_IN` such lines (chosen by hash, deterministically) runs the Misra-Gries
        // step; the others just count as "other". Slots of ever-new values (block ids, ports)
        // then stop rewriting their table on every line, while a value that turns frequent
        // still gets in after a few more occurrences.
        if n == 1 && fmix(h ^ self.other) % ADMIT_ONE_IN != 0 {
            self.other += 1;
            return;
        }
        // Misra-Gries: the new value and as many counts of every tracked value go to "other".
        let min = self.entries.iter().map(|e| e.count).min().unwrap_or(0);
        let dec = min.min(n);
        self.filter = 0;
        for (i, e) in self.entries.iter_mut().enumerate() {
            e.count -= dec;
            if e.count == 0 {
                self.free.push(i as u32);
            } else {
                self.filter |= filter_bit(e.hash);
            }
        }
        // Free entries are reused lowest index first.
        self.free.reverse();
        self.other += dec * self.entries.len() as u64 + dec;
        let left = n - dec;
        if left > 0 {
            // Only in bulk adds: the value outweighs the smallest entry, which is now free.
            match self.free.pop() {
                Some(i) => self.set(i as usize, value, h, left),
                None => self.other += left,
            }
        }
    }

    /// Fold another summary into this one, in a canonical order (largest counts first, ties
    /// by value) so that the result does not depend on which side was which.
    pub(crate) fn merge(&mut self, other: &SlotSummary, k: usize) {
        let mut all: Vec<(Vec<u8>, u64)> = Vec::new();
        for (v, c) in self.sorted().into_iter().chain(other.sorted()) {
            match all.iter_mut().find(|(w, _)| w.as_slice() == v) {
                Some(e) => e.1 += c,
                None => all.push((v.to_vec(), c)),
            }
        }
        all.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let mut extra = self.other + other.other;
        if all.len() > k {
            for (_, c) in all.drain(k..) {
                extra += c;
            }
        }
        *self = SlotSummary::from_values(&all, extra);
    }

    /// Values with counts, sorted by count (descending), then by value; free entries skipped.
    pub(crate) fn sorted(&self) -> Vec<(&[u8], u64)> {
        let mut v: Vec<(&[u8], u64)> = (0..self.entries.len())
            .filter(|&i| self.entries[i].count > 0)
            .map(|i| (self.value(i), self.entries[i].count))
            .collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        v
    }

    /// Lines counted in entries plus "other".
    #[cfg(test)]
    pub(crate) fn total(&self) -> u64 {
        self.entries.iter().map(|e| e.count).sum::<u64>() + self.other
    }
}

/// Bottom-k sample of distinct lines.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Samples {
    /// `(hash, line)` sorted by hash, distinct hashes.
    pub(crate) lines: Vec<(u64, Vec<u8>)>,
}

impl Samples {
    /// Offer a line with its hash; keeps it if it is among the `k` smallest.
    #[inline]
    pub(crate) fn offer(&mut self, h: u64, line: &[u8], k: usize, max_bytes: usize) {
        if k == 0 {
            return;
        }
        if self.lines.len() >= k && self.lines.last().is_some_and(|l| l.0 <= h) {
            return;
        }
        match self.lines.binary_search_by(|l| l.0.cmp(&h)) {
            Ok(_) => {}
            Err(pos) => {
                let line = &line[..line.len().min(max_bytes)];
                // The same bytes under another hash (a sample loaded from a state file whose
                // line hashes were computed another way) are not taken twice.
                if self.lines.iter().any(|(_, l)| l.as_slice() == line) {
                    return;
                }
                self.lines.insert(pos, (h, line.to_vec()));
                self.lines.truncate(k);
            }
        }
    }

    pub(crate) fn merge(&mut self, other: &Samples, k: usize) {
        for (h, l) in &other.lines {
            self.offer(*h, l, k, usize::MAX);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slot_counts_exactly_below_capacity() {
        let mut s = SlotSummary::default();
        for v in [b"200", b"200", b"503", b"200"] {
            s.add(v, 1, 4);
        }
        assert_eq!(s.sorted(), vec![(&b"200"[..], 3), (&b"503"[..], 1)]);
        assert_eq!(s.other, 0);
    }

    #[test]
    fn slot_keeps_heavy_hitters_when_full() {
        let mut s = SlotSummary::default();
        for i in 0..1000u32 {
            s.add(b"hot", 1, 2);
            s.add(i.to_string().as_bytes(), 1, 2);
        }
        let top = s.sorted();
        assert_eq!(top[0].0, b"hot");
        assert_eq!(s.total(), 2000);
        assert!(
            s.arena.len() < 4096,
            "arena stays compact: {}",
            s.arena.len()
        );
    }

    #[test]
    fn slot_merge_is_symmetric() {
        let (mut a, mut b) = (SlotSummary::default(), SlotSummary::default());
        for v in [&b"x"[..], b"y", b"y", b"z"] {
            a.add(v, 1, 2);
        }
        for v in [&b"z"[..], b"z", b"w"] {
            b.add(v, 1, 2);
        }
        let mut ab = a.clone();
        ab.merge(&b, 2);
        let mut ba = b.clone();
        ba.merge(&a, 2);
        assert_eq!(ab.sorted(), ba.sorted());
        assert_eq!(ab.other, ba.other);
    }

    #[test]
    fn samples_are_order_independent() {
        let lines: Vec<Vec<u8>> = (0..50).map(|i| format!("line {i}").into_bytes()).collect();
        let mut a = Samples::default();
        let mut b = Samples::default();
        for l in &lines {
            a.offer(value_hash(l), l, 3, 100);
        }
        for l in lines.iter().rev() {
            b.offer(value_hash(l), l, 3, 100);
        }
        assert_eq!(a, b);
        assert_eq!(a.lines.len(), 3);
    }

    #[test]
    fn a_line_is_one_sample_whatever_its_hash() {
        let mut s = Samples::default();
        s.offer(10, b"same line", 3, 100);
        s.offer(5, b"same line", 3, 100);
        s.offer(7, b"other line", 3, 100);
        let kept: Vec<&[u8]> = s.lines.iter().map(|(_, l)| l.as_slice()).collect();
        assert_eq!(kept, [b"other line".as_slice(), b"same line"]);
    }
}
