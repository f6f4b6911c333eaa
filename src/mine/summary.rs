//! Bounded per-cluster summaries: parameter values per slot, and sample lines.
//!
//! Both are small, deterministic and mergeable. A slot keeps at most `k` distinct values with
//! counts (Misra-Gries: when a new value arrives at a full table every count drops by one, so
//! any value seen in more than 1/(k+1) of the lines survives) and counts the rest as "other".
//! Samples are the `k` distinct lines with the smallest hash (a bottom-k sketch): the choice
//! does not depend on input order, and the samples of a merge are the samples of the union.

use crate::mask::{fmix, hash_bytes};
use serde::{Deserialize, Serialize};

/// Hash of a parameter value, as the slot summaries index it.
#[inline]
pub(crate) fn value_hash(v: &[u8]) -> u64 {
    fmix(hash_bytes(v))
}

/// Values of one parameter slot.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SlotSummary {
    /// `(value, count)`, at most `k` entries, no duplicates.
    pub(crate) values: Vec<(Vec<u8>, u64)>,
    /// Lines whose value is not counted in `values`.
    pub(crate) other: u64,
    #[serde(skip)]
    pub(crate) hashes: Vec<u64>,
}

impl SlotSummary {
    /// Rebuild the hash index (after load).
    pub(crate) fn reindex(&mut self) {
        self.hashes = self
            .values
            .iter()
            .map(|(v, _)| fmix(hash_bytes(v)))
            .collect();
    }

    /// Count `n` lines with `value` (already cut to the byte cap). Entries whose count fell
    /// to zero stay allocated as free buffers, so a slot of ever-new values (block ids)
    /// reuses its `k` buffers instead of allocating per line.
    pub(crate) fn add(&mut self, value: &[u8], n: u64, k: usize) {
        self.add_hashed(value, value_hash(value), n, k);
    }

    /// [`SlotSummary::add`] with the value's hash ([`value_hash`]) already known.
    pub(crate) fn add_hashed(&mut self, value: &[u8], h: u64, n: u64, k: usize) {
        let mut free = None;
        for (i, &x) in self.hashes.iter().enumerate() {
            let c = self.values[i].1;
            if x == h && c > 0 && self.values[i].0 == value {
                self.values[i].1 += n;
                return;
            }
            if c == 0 && free.is_none() {
                free = Some(i);
            }
        }
        if let Some(i) = free {
            let e = &mut self.values[i];
            e.0.clear();
            e.0.extend_from_slice(value);
            e.1 = n;
            self.hashes[i] = h;
            return;
        }
        if self.values.len() < k {
            self.values.push((value.to_vec(), n));
            self.hashes.push(h);
            return;
        }
        // Misra-Gries: the new value and as many counts of every tracked value go to "other".
        let min = self.values.iter().map(|v| v.1).min().unwrap_or(0);
        let dec = min.min(n);
        for v in &mut self.values {
            v.1 -= dec;
        }
        self.other += dec * self.values.len() as u64 + dec;
        let left = n - dec;
        if left > 0 {
            // Only in bulk adds: the value outweighs the smallest entry, which is now free.
            if let Some(i) = self.values.iter().position(|v| v.1 == 0) {
                let e = &mut self.values[i];
                e.0.clear();
                e.0.extend_from_slice(value);
                e.1 = left;
                self.hashes[i] = h;
            } else {
                self.other += left;
            }
        }
    }

    /// Drop free entries.
    #[cfg(test)]
    pub(crate) fn compact(&mut self) {
        let mut i = 0;
        while i < self.values.len() {
            if self.values[i].1 == 0 {
                self.values.swap_remove(i);
                self.hashes.swap_remove(i);
            } else {
                i += 1;
            }
        }
    }

    /// Fold another summary into this one, in a canonical order (largest counts first, ties
    /// by value) so that the result does not depend on which side was which.
    pub(crate) fn merge(&mut self, other: &SlotSummary, k: usize) {
        let mut all: Vec<(Vec<u8>, u64)> =
            Vec::with_capacity(self.values.len() + other.values.len());
        for (v, c) in self.values.iter().chain(&other.values).filter(|e| e.1 > 0) {
            match all.iter_mut().find(|(w, _)| w == v) {
                Some(e) => e.1 += c,
                None => all.push((v.clone(), *c)),
            }
        }
        all.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let mut extra = self.other + other.other;
        if all.len() > k {
            for (_, c) in all.drain(k..) {
                extra += c;
            }
        }
        self.values = all;
        self.other = extra;
        self.reindex();
    }

    /// Values sorted by count (descending), then by value.
    pub(crate) fn sorted(&self) -> Vec<(&[u8], u64)> {
        let mut v: Vec<(&[u8], u64)> = self
            .values
            .iter()
            .filter(|e| e.1 > 0)
            .map(|(a, c)| (a.as_slice(), *c))
            .collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        v
    }
}

/// Bottom-k sample of distinct lines.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
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
                self.lines
                    .insert(pos, (h, line[..line.len().min(max_bytes)].to_vec()));
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
        let tracked: u64 = s.values.iter().map(|v| v.1).sum();
        assert_eq!(tracked + s.other, 2000);
        s.compact();
        assert!(s.values.iter().all(|v| v.1 > 0));
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
            a.offer(fmix(hash_bytes(l)), l, 3, 100);
        }
        for l in lines.iter().rev() {
            b.offer(fmix(hash_bytes(l)), l, 3, 100);
        }
        assert_eq!(a, b);
        assert_eq!(a.lines.len(), 3);
    }
}
