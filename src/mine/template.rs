//! Templates: sequences of template words, and the operations the miner needs on them.
//!
//! A template word is a literal masked form (which may itself hold placeholders, such as
//! `uid=␚`), a *glob* (a constant prefix and suffix around a variable middle, such as
//! `environment:<*>`, made when two literals differ), or a *gap* that stands for zero or more
//! whole words (how a template absorbs a variable that spans several words). A template has at
//! most one gap. Everything here is pure: matching a masked line, Drain similarity, the least
//! general template covering two templates (`lub`), whether two templates can match a common
//! line (`overlaps`), and aligning a line of another length around a variable run.

use crate::mask::{Masked, PH};

/// One word of a template.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Word {
    /// Matches exactly this masked form.
    Lit(Box<[u8]>),
    /// Matches any masked form starting with `pre` and ending with `suf` (not overlapping).
    Glob { pre: Box<[u8]>, suf: Box<[u8]> },
    /// Matches zero or more whole words.
    Gap,
}

impl Word {
    pub(crate) fn matches(&self, m: &[u8]) -> bool {
        match self {
            Word::Lit(l) => **l == *m,
            Word::Glob { pre, suf } => {
                m.len() >= pre.len() + suf.len() && m.starts_with(pre) && m.ends_with(suf)
            }
            Word::Gap => true,
        }
    }

    /// Whether the word has a variable part (and so a parameter slot).
    pub(crate) fn is_var(&self) -> bool {
        match self {
            Word::Lit(l) => l.contains(&PH),
            _ => true,
        }
    }

    /// Whether the word stands for a whole word of any content (a bare placeholder, an empty
    /// glob or a gap): only such words may widen into a gap.
    pub(crate) fn is_whole_var(&self) -> bool {
        match self {
            Word::Lit(l) => **l == [PH],
            Word::Glob { pre, suf } => pre.is_empty() && suf.is_empty(),
            Word::Gap => true,
        }
    }

    /// Lengths of the constant text before the first and after the last variable part: the
    /// parameter value of a matching word is what lies between.
    pub(crate) fn literal_ends(&self) -> (usize, usize) {
        fn lead(b: &[u8]) -> usize {
            b.iter().position(|&c| c == PH).unwrap_or(b.len())
        }
        fn trail(b: &[u8]) -> usize {
            b.iter().rev().position(|&c| c == PH).unwrap_or(b.len())
        }
        match self {
            Word::Lit(l) => {
                if l.contains(&PH) {
                    (lead(l), trail(l))
                } else {
                    (l.len(), 0)
                }
            }
            Word::Glob { pre, suf } => (lead(pre), trail(suf)),
            Word::Gap => (0, 0),
        }
    }
}

/// Whether `b` ends a constant run at which a glob may be cut: punctuation that separates a
/// key from its value or a value from its brackets, so that `uid=5`/`uid=7` keep `uid=` and
/// `ee0`/`alt0` keep nothing. `.`, `-` and `+` join the parts of one name (`a-b.example.com`),
/// so a glob does not keep half of a name.
fn is_delim(b: u8) -> bool {
    !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b'+' | PH) || b >= 0x80)
}

/// Longest common prefix of `a` and `b` that ends right after a delimiter.
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let mut n = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    while n > 0 && !is_delim(a[n - 1]) {
        n -= 1;
    }
    n
}

/// Longest common suffix of `a` and `b` that starts with a delimiter.
fn common_suffix(a: &[u8], b: &[u8]) -> usize {
    let mut n = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    while n > 0 && !is_delim(a[a.len() - n]) {
        n -= 1;
    }
    n
}

/// A glob covering the words `a` and `b` (each a literal or the ends of a glob), with at most
/// `room` bytes of constant text so that it still matches the shorter of the two.
fn glob(pa: &[u8], sa: &[u8], pb: &[u8], sb: &[u8], room: usize) -> Word {
    let p = common_prefix(pa, pb);
    let mut s = common_suffix(sa, sb);
    if p + s > room {
        s = 0;
    }
    Word::Glob {
        pre: pa[..p].into(),
        suf: sa[sa.len() - s..].into(),
    }
}

/// Least general word matching everything `a` or the masked form `m` matches.
pub(crate) fn lub_word_line(a: &Word, m: &[u8]) -> Word {
    lub_word(a, &Word::Lit(m.into()))
}

/// Least general word matching everything `a` or `b` matches (a gap absorbs anything).
pub(crate) fn lub_word(a: &Word, b: &Word) -> Word {
    match (a, b) {
        (Word::Gap, _) | (_, Word::Gap) => Word::Gap,
        (Word::Lit(x), Word::Lit(y)) if x == y => a.clone(),
        (Word::Lit(x), Word::Lit(y)) => glob(x, x, y, y, x.len().min(y.len())),
        (Word::Lit(x), Word::Glob { pre, suf }) | (Word::Glob { pre, suf }, Word::Lit(x)) => {
            glob(pre, suf, x, x, x.len().min(pre.len() + suf.len()))
        }
        (Word::Glob { pre: p1, suf: s1 }, Word::Glob { pre: p2, suf: s2 }) => glob(
            p1,
            s1,
            p2,
            s2,
            (p1.len() + s1.len()).min(p2.len() + s2.len()),
        ),
    }
}

/// Whether some masked word matches both `a` and `b`.
pub(crate) fn words_overlap(a: &Word, b: &Word) -> bool {
    match (a, b) {
        (Word::Gap, _) | (_, Word::Gap) => true,
        (Word::Lit(x), w) | (w, Word::Lit(x)) => w.matches(x),
        (Word::Glob { pre: p1, suf: s1 }, Word::Glob { pre: p2, suf: s2 }) => {
            (p1.starts_with(p2) || p2.starts_with(p1)) && (s1.ends_with(s2) || s2.ends_with(s1))
        }
    }
}

/// Byte-string equality, with the short strings of masked words compared by a few word
/// loads instead of a call to `memcmp` (whose call overhead dominates at these lengths).
#[inline]
pub(crate) fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if n >= 8 {
        if n > 16 {
            return a == b;
        }
        return load8(a, 0) == load8(b, 0) && load8(a, n - 8) == load8(b, n - 8);
    }
    if n >= 4 {
        return load4(a, 0) == load4(b, 0) && load4(a, n - 4) == load4(b, n - 4);
    }
    a.iter().zip(b).all(|(x, y)| x == y)
}

/// Eight bytes of `s` from `i` (the caller checks the length) as one number.
#[inline(always)]
fn load8(s: &[u8], i: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&s[i..i + 8]);
    u64::from_le_bytes(w)
}

/// Four bytes of `s` from `i` (the caller checks the length) as one number.
#[inline(always)]
fn load4(s: &[u8], i: usize) -> u32 {
    let mut w = [0u8; 4];
    w.copy_from_slice(&s[i..i + 4]);
    u32::from_le_bytes(w)
}

/// A template: its words, the index of its gap if any, and, when all its words are literals,
/// the masked line of the lines it matches, so that the common test of a line against a
/// template is one comparison of byte strings. The masked line and the words' literal ends are
/// derived from the words ([`Template::rehash`]), so they never make two templates differ.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Template {
    pub(crate) words: Vec<Word>,
    pub(crate) gap: Option<usize>,
    /// The masked line of the lines this template matches when all its words are literals
    /// without a space (each followed by a space, as [`Masked::joined`] writes it): then a
    /// line matches exactly when its masked line equals this.
    joined: Option<Box<[u8]>>,
    /// [`Word::literal_ends`] of every word, read for each parameter of each line.
    ends: Vec<(u32, u32)>,
}

impl Template {
    /// A template of these words (`gap` must point at the gap word, if any).
    pub(crate) fn new(words: Vec<Word>, gap: Option<usize>) -> Self {
        let mut t = Template {
            words,
            gap,
            joined: None,
            ends: Vec::new(),
        };
        t.rehash();
        t
    }

    /// Recompute the masked line and the literal ends after the words changed.
    pub(crate) fn rehash(&mut self) {
        self.joined = self.joined_form();
        self.ends = self
            .words
            .iter()
            .map(|w| {
                let (a, b) = w.literal_ends();
                (
                    u32::try_from(a).unwrap_or(u32::MAX),
                    u32::try_from(b).unwrap_or(u32::MAX),
                )
            })
            .collect();
    }

    /// See [`Template::joined`].
    fn joined_form(&self) -> Option<Box<[u8]>> {
        if self.gap.is_some() {
            return None;
        }
        let mut j = Vec::new();
        for w in &self.words {
            match w {
                Word::Lit(l) if !l.contains(&b' ') => {
                    j.extend_from_slice(l);
                    j.push(b' ');
                }
                _ => return None,
            }
        }
        Some(j.into())
    }

    /// [`Word::literal_ends`] of word `j`, as computed when the words last changed.
    #[inline]
    pub(crate) fn literal_ends(&self, j: usize) -> (usize, usize) {
        let (a, b) = self.ends[j];
        (a as usize, b as usize)
    }

    /// Whether word `i` matches the line's token `t`.
    #[inline]
    fn word_matches(&self, i: usize, ml: Masked<'_>, t: usize) -> bool {
        match &self.words[i] {
            Word::Lit(l) => same_bytes(l, ml.masked(t)),
            w => w.matches(ml.masked(t)),
        }
    }

    /// The template of a line: its masked forms as literals.
    pub(crate) fn from_line(ml: Masked<'_>) -> Self {
        Template::new(
            (0..ml.len())
                .map(|i| Word::Lit(ml.masked(i).into()))
                .collect(),
            None,
        )
    }

    /// Checks the structural rules (at most one gap, `gap` pointing at it); used on load.
    pub(crate) fn is_well_formed(&self) -> bool {
        let gaps: Vec<usize> = self
            .words
            .iter()
            .enumerate()
            .filter(|(_, w)| matches!(w, Word::Gap))
            .map(|(i, _)| i)
            .collect();
        match (gaps.as_slice(), self.gap) {
            ([], None) => true,
            ([g], Some(h)) => *g == h,
            _ => false,
        }
    }

    /// Index of the line word aligned with template word `j` for a line of `n` words (after
    /// the gap, words are aligned from the end).
    #[inline]
    pub(crate) fn line_index(&self, j: usize, n: usize) -> usize {
        match self.gap {
            Some(g) if j > g => n - (self.words.len() - j),
            _ => j,
        }
    }

    /// Range of line words covered by the gap for a line of `n` words.
    pub(crate) fn gap_span(&self, n: usize) -> Option<(usize, usize)> {
        self.gap.map(|g| (g, n + 1 - self.words.len() + g))
    }

    /// Whether the masked line matches the template.
    pub(crate) fn matches(&self, ml: Masked<'_>) -> bool {
        let n = ml.len();
        let m = self.words.len();
        if let Some(j) = &self.joined {
            return **j == *ml.joined();
        }
        match self.gap {
            None => {
                n == m
                    && self.words.iter().zip(ml.tokens()).all(|(w, t)| match w {
                        Word::Lit(l) => same_bytes(l, ml.masked_form(t)),
                        w => w.matches(ml.masked_form(t)),
                    })
            }
            Some(g) => {
                n + 1 >= m
                    && (0..g).all(|i| self.word_matches(i, ml, i))
                    && (g + 1..m).all(|j| self.word_matches(j, ml, n - (m - j)))
            }
        }
    }

    /// Drain similarity to a line of the same length: literal words equal to the line's
    /// masked word, over the length. Variable words do not count, so a template that has
    /// generalised a lot attracts less.
    pub(crate) fn similarity(&self, ml: Masked<'_>) -> f64 {
        let m = self.words.len();
        if m == 0 || ml.len() != m || self.gap.is_some() {
            return if m == 0 && ml.is_empty() { 1.0 } else { 0.0 };
        }
        let same = (0..m)
            .filter(|&i| matches!(&self.words[i], Word::Lit(l) if same_bytes(l, ml.masked(i))))
            .count();
        same as f64 / m as f64
    }

    /// Generalise in place so that the line (same length, no gap) matches. Returns the
    /// positions that changed from constant to variable.
    pub(crate) fn generalise(&mut self, ml: Masked<'_>, newly_var: &mut Vec<(usize, Box<[u8]>)>) {
        newly_var.clear();
        for (i, w) in self.words.iter_mut().enumerate() {
            let m = ml.masked(i);
            if !w.matches(m) {
                let old = std::mem::replace(w, Word::Gap);
                *w = lub_word_line(&old, m);
                if let Word::Lit(l) = old {
                    if !l.contains(&PH) {
                        newly_var.push((i, l));
                    }
                }
            }
        }
        self.rehash();
    }

    /// Whether some line matches both templates. Exact for templates without gaps and for a
    /// gap against a fixed template; for two gapped templates it compares the aligned ends,
    /// which can only say "overlap" too often (merging more), never too rarely.
    pub(crate) fn overlaps(&self, other: &Template) -> bool {
        let (a, b) = (self, other);
        match (a.gap, b.gap) {
            (None, None) => {
                a.words.len() == b.words.len()
                    && a.words
                        .iter()
                        .zip(&b.words)
                        .all(|(x, y)| words_overlap(x, y))
            }
            (None, Some(_)) => b.overlaps_fixed(a),
            (Some(_), None) => a.overlaps_fixed(b),
            (Some(ga), Some(gb)) => {
                let pre = ga.min(gb);
                let suf = (a.words.len() - ga - 1).min(b.words.len() - gb - 1);
                (0..pre).all(|i| words_overlap(&a.words[i], &b.words[i]))
                    && (1..=suf).all(|k| {
                        words_overlap(&a.words[a.words.len() - k], &b.words[b.words.len() - k])
                    })
            }
        }
    }

    /// `self` has a gap, `f` has none.
    fn overlaps_fixed(&self, f: &Template) -> bool {
        let n = f.words.len();
        if n + 1 < self.words.len() {
            return false;
        }
        self.words.iter().enumerate().all(|(j, w)| {
            if matches!(w, Word::Gap) {
                return true;
            }
            words_overlap(w, &f.words[self.line_index(j, n)])
        })
    }

    /// Least general template matching every line either template matches. For two gapped
    /// templates, or a gapped and a fixed one, the gap starts at the earlier of the two
    /// positions and keeps the shorter aligned tail. Returns the new template and, for each
    /// word of `self` and of `other`, the index of the word it went into.
    pub(crate) fn lub(&self, other: &Template) -> (Template, Vec<usize>, Vec<usize>) {
        let (a, b) = (self, other);
        if a.gap.is_none() && b.gap.is_none() && a.words.len() == b.words.len() {
            let words: Vec<Word> = a
                .words
                .iter()
                .zip(&b.words)
                .map(|(x, y)| lub_word(x, y))
                .collect();
            let id: Vec<usize> = (0..words.len()).collect();
            return (Template::new(words, None), id.clone(), id);
        }
        let ga = a.gap.unwrap_or(a.words.len());
        let gb = b.gap.unwrap_or(b.words.len());
        let sa = a.gap.map_or(0, |g| a.words.len() - g - 1);
        let sb = b.gap.map_or(0, |g| b.words.len() - g - 1);
        let mut pre = ga.min(gb).min(a.words.len()).min(b.words.len());
        let mut suf = sa.min(sb);
        // Fixed templates of different lengths: keep as much aligned head and tail as fits.
        if a.gap.is_none() || b.gap.is_none() {
            let short = a.words.len().min(b.words.len());
            if pre + suf >= short {
                suf = short.saturating_sub(pre + 1);
                if pre >= short {
                    pre = short.saturating_sub(1);
                }
            }
        }
        let mut words = Vec::with_capacity(pre + 1 + suf);
        for i in 0..pre {
            words.push(lub_word(&a.words[i], &b.words[i]));
        }
        words.push(Word::Gap);
        for k in (1..=suf).rev() {
            words.push(lub_word(
                &a.words[a.words.len() - k],
                &b.words[b.words.len() - k],
            ));
        }
        let map = |t: &Template| -> Vec<usize> {
            let m = t.words.len();
            (0..m)
                .map(|j| {
                    if j < pre {
                        j
                    } else if m - j <= suf {
                        pre + 1 + suf - (m - j)
                    } else {
                        pre
                    }
                })
                .collect()
        };
        let (ma, mb) = (map(a), map(b));
        (Template::new(words, Some(pre)), ma, mb)
    }

    /// Try to align a line of a different length with this gap-free template by turning a run
    /// of whole-word variables `[a, b)` (with `a >= min_start`) into a gap. The words before
    /// the run must match the line's head and the words after it the line's tail. Returns the
    /// run and the number of literal words that matched.
    pub(crate) fn align_gap(
        &self,
        ml: Masked<'_>,
        min_start: usize,
    ) -> Option<(usize, usize, usize)> {
        if self.gap.is_some() {
            return None;
        }
        let m = self.words.len();
        let n = ml.len();
        if m == n || m == 0 {
            return None;
        }
        let lim = m.min(n);
        let pre = (0..lim)
            .take_while(|&i| self.words[i].matches(ml.masked(i)))
            .count();
        let suf = (1..=lim)
            .take_while(|&k| self.words[m - k].matches(ml.masked(n - k)))
            .count();
        for a in min_start..m.min(pre + 1) {
            if !self.words[a].is_whole_var() {
                continue;
            }
            let mut b = a + 1;
            loop {
                let tail = m - b;
                if tail <= suf && n >= a + tail {
                    let lits = (0..a)
                        .chain(b..m)
                        .filter(|&j| matches!(self.words[j], Word::Lit(ref l) if !l.contains(&PH)))
                        .count();
                    return Some((a, b, lits));
                }
                if b >= m || !self.words[b].is_whole_var() {
                    break;
                }
                b += 1;
            }
        }
        None
    }

    /// Replace the words `[a, b)` by one gap. Returns, for each old word, its new index.
    pub(crate) fn make_gap(&mut self, a: usize, b: usize) -> Vec<usize> {
        let old = self.words.len();
        self.words.splice(a..b, std::iter::once(Word::Gap));
        self.gap = Some(a);
        self.rehash();
        (0..old)
            .map(|j| {
                if j < a {
                    j
                } else if j < b {
                    a
                } else {
                    j - (b - a) + 1
                }
            })
            .collect()
    }

    /// Render with placeholders and globs written as `<*>`, words joined by single spaces.
    pub(crate) fn render_plain(&self) -> String {
        let mut out: Vec<u8> = Vec::new();
        for (i, w) in self.words.iter().enumerate() {
            if i > 0 {
                out.push(b' ');
            }
            match w {
                Word::Lit(l) => push_masked(&mut out, l),
                Word::Glob { pre, suf } => {
                    push_masked(&mut out, pre);
                    out.extend_from_slice(b"<*>");
                    push_masked(&mut out, suf);
                }
                Word::Gap => out.extend_from_slice(b"<*>"),
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    }
}

fn push_masked(out: &mut Vec<u8>, b: &[u8]) {
    for &c in b {
        if c == PH {
            out.extend_from_slice(b"<*>");
        } else {
            out.push(c);
        }
    }
}
