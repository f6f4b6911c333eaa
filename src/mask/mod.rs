//! Tokenisation and typed masking of variables.
//!
//! Owns the step from a message body (`&[u8]`, header already removed, any bytes) to a
//! [`MaskedLine`]: the line's words, and for each word a *masked form* in which the parts that
//! are obviously variable (numbers, hex, ids, IP addresses, paths, times, ...) are replaced by
//! the placeholder byte [`PH`]. The miner (`crate::mine`) compares masked forms; it never sees a
//! variable's bytes unless it asks for them. This module does not decide templates, keep state
//! or allocate per line: [`Masker::mask`] refills a caller-owned [`MaskedLine`].
//!
//! # Tokens
//! A token is a whitespace-separated word. Punctuation stays inside the word's masked form, so
//! `key=value`, `host:port`, `(id)`, `[x]` and a trailing `,` `.` `;` keep their constant part
//! while the variable part becomes [`PH`] (`uid=0` → `uid=␚`, `(TID` stays, `0)` → `␚)`).
//! Two multi-word values are joined into one token: a number followed by a byte-size unit
//! (`5.2 KB`), and a written-out date with a time of day (`Fri Jun 17 07:07:00 2005`).
//! At most `max_tokens` tokens are produced: the rest of a longer line becomes one trailing
//! token of kind [`VarKind::Tail`], whose masked form is a single placeholder.
//!
//! # Masked forms
//! A variable's masked form is one [`PH`], except that a time of day keeps its colons
//! (`07:07:00` → `␚:␚:␚`) and an address with a port keeps the colon (`10.0.0.1:80` → `␚:␚`),
//! because templates are written that way by convention. A word that already contains the
//! placeholder byte is masked whole, so a raw byte can never pose as a placeholder.

mod blocks;
pub(crate) mod scan;

use scan::{
    CLASS, F_AT, F_BSLASH, F_COLON, F_DASH, F_DIGIT, F_DOT, F_EQ, F_NONHEX, F_OTHER, F_PH, F_SLASH,
    F_UNDER, WS,
};

/// The placeholder byte that stands for a variable part in a masked form. It is the ASCII
/// "substitute" control character, which text logs practically never contain (and a word that
/// does contain it is masked whole).
pub const PH: u8 = 0x1A;

/// The byte after each token's masked form in a masked line. No masked form holds it: words
/// end at whitespace, and the masks of joined values (`␚ KB`, dates) are written without it.
const SEP: u8 = b' ';

/// Default cap on tokens per line: long enough for any message a person reads, short enough
/// that a pathological line (a dump of ten thousand ids) cannot slow the miner down.
pub const DEFAULT_MAX_TOKENS: usize = 512;

/// What kind of variable a token holds (its first variable part), or [`VarKind::Const`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum VarKind {
    /// No variable part: the word is constant text.
    Const,
    /// Decimal integer, possibly signed.
    Num,
    /// Decimal number with a fraction, or a dotted version (`1.4.1`).
    Float,
    /// Hexadecimal value (`0x1f`, or a bare run of at least six hex digits with a digit and a letter).
    Hex,
    /// UUID (8-4-4-4-12 hex digits).
    Uuid,
    /// IPv4 address, optionally with `:port`, or a `host:port` pair.
    Ip,
    /// Host name carrying a number, or `host/address` (Java's socket address).
    Host,
    /// IPv6 address.
    Ipv6,
    /// MAC-style hardware address.
    Mac,
    /// URL (`scheme://...`).
    Url,
    /// File system path.
    Path,
    /// E-mail address.
    Email,
    /// Number with a time unit (`12ms`, `3s`).
    Duration,
    /// Number with a size unit (`3.2MB`, `5.2 KB`).
    Size,
    /// Calendar date.
    Date,
    /// Time of day, or a date with a time.
    Time,
    /// Identifier mixing letters and digits (`blk_-1234`, `attempt_1445144423722_0020_m_000001_0`).
    Id,
    /// The rest of a line cut at `max_tokens`.
    Tail,
    /// Any other variable (a word containing the placeholder byte).
    Other,
}

impl VarKind {
    /// The typed mask name, for displays that want `<IP>` instead of `<*>`.
    pub fn name(self) -> &'static str {
        match self {
            VarKind::Const => "CONST",
            VarKind::Num => "NUM",
            VarKind::Float => "FLOAT",
            VarKind::Hex => "HEX",
            VarKind::Uuid => "UUID",
            VarKind::Ip => "IP",
            VarKind::Host => "HOST",
            VarKind::Ipv6 => "IPV6",
            VarKind::Mac => "MAC",
            VarKind::Url => "URL",
            VarKind::Path => "PATH",
            VarKind::Email => "EMAIL",
            VarKind::Duration => "DURATION",
            VarKind::Size => "SIZE",
            VarKind::Date => "DATE",
            VarKind::Time => "TIME",
            VarKind::Id => "ID",
            VarKind::Tail => "TAIL",
            VarKind::Other => "VAR",
        }
    }
}

/// One token of a masked line: where its raw bytes are in the line, where its masked form is
/// in the [`MaskedLine`]'s buffer and its kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    raw_start: u32,
    raw_end: u32,
    m_start: u32,
    m_end: u32,
    kind: VarKind,
}

impl Token {
    /// Byte range of the token in the line.
    pub fn raw_range(&self) -> std::ops::Range<usize> {
        self.raw_start as usize..self.raw_end as usize
    }
    /// Kind of the token's first variable part, or [`VarKind::Const`].
    pub fn kind(&self) -> VarKind {
        self.kind
    }
    /// Whether the masked form holds a placeholder.
    pub fn has_var(&self) -> bool {
        self.kind != VarKind::Const
    }
}

/// A line split into tokens with their masked forms. Reused across lines: [`Masker::mask`]
/// clears and refills it, so steady-state masking does not allocate.
#[derive(Debug, Default, Clone)]
pub struct MaskedLine {
    tokens: Vec<Token>,
    /// The masked forms of the tokens in line order, each followed by one [`SEP`]: the whole
    /// masked line, which equal lines share byte for byte.
    masked: Vec<u8>,
    truncated: bool,
    /// Scratch: the byte classes of the line.
    blocks: blocks::Blocks,
}

impl MaskedLine {
    /// An empty buffer.
    pub const fn new() -> Self {
        MaskedLine {
            tokens: Vec::new(),
            masked: Vec::new(),
            truncated: false,
            blocks: blocks::Blocks::new(),
        }
    }
    /// The line as the miner reads it.
    pub fn view(&self) -> Masked<'_> {
        Masked {
            tokens: &self.tokens,
            masked: &self.masked,
            truncated: self.truncated,
        }
    }
    /// The tokens, in line order.
    pub fn tokens(&self) -> &[Token] {
        &self.tokens
    }
    /// Number of tokens.
    pub fn len(&self) -> usize {
        self.tokens.len()
    }
    /// Whether the line had no token (empty or only whitespace).
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }
    /// Masked form of token `i`.
    pub fn masked(&self, i: usize) -> &[u8] {
        let t = &self.tokens[i];
        &self.masked[t.m_start as usize..t.m_end as usize]
    }
    /// Masked form of a token of this line (one of [`MaskedLine::tokens`]).
    #[inline]
    pub fn masked_form(&self, t: &Token) -> &[u8] {
        self.masked
            .get(t.m_start as usize..t.m_end as usize)
            .unwrap_or_default()
    }
    /// Raw bytes of token `i` in `line` (the line that was masked into this buffer).
    pub fn raw<'l>(&self, line: &'l [u8], i: usize) -> &'l [u8] {
        line.get(self.tokens[i].raw_range()).unwrap_or_default()
    }
    /// Heap bytes held by the buffers (their capacity, which a long line leaves behind).
    pub fn heap_bytes(&self) -> usize {
        self.tokens.capacity() * std::mem::size_of::<Token>()
            + self.masked.capacity()
            + self.blocks.heap_bytes()
    }

    /// Whether the line was cut at the token cap (its last token is a [`VarKind::Tail`]).
    pub fn truncated(&self) -> bool {
        self.truncated
    }
    /// Hash of the whole masked line (every masked form, in order).
    pub fn skeleton_hash(&self) -> u64 {
        self.view().skeleton_hash()
    }
    /// The masked line as text, placeholders written as `<*>` (for tests and debugging).
    pub fn display(&self) -> String {
        let mut s = String::new();
        for i in 0..self.len() {
            if i > 0 {
                s.push(' ');
            }
            for chunk in self.masked(i).split(|&b| b == PH).enumerate() {
                if chunk.0 > 0 {
                    s.push_str("<*>");
                }
                s.push_str(&String::from_utf8_lossy(chunk.1));
            }
        }
        s
    }
}

/// A masked line borrowed from where it is stored (a [`MaskedLine`], or one line of a
/// [`MaskedBatch`]): what the miner reads. `Copy`, so it is passed by value.
#[derive(Debug, Clone, Copy)]
pub struct Masked<'a> {
    tokens: &'a [Token],
    masked: &'a [u8],
    truncated: bool,
}

impl<'a> Masked<'a> {
    /// The tokens, in line order.
    pub fn tokens(&self) -> &'a [Token] {
        self.tokens
    }
    /// Number of tokens.
    pub fn len(&self) -> usize {
        self.tokens.len()
    }
    /// Whether the line had no token (empty or only whitespace).
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }
    /// Masked form of token `i` (empty when there is no such token).
    #[inline]
    pub fn masked(&self, i: usize) -> &'a [u8] {
        match self.tokens.get(i) {
            Some(t) => self
                .masked
                .get(t.m_start as usize..t.m_end as usize)
                .unwrap_or_default(),
            None => &[],
        }
    }
    /// Masked form of a token of this line (one of [`Masked::tokens`]).
    #[inline]
    pub fn masked_form(&self, t: &Token) -> &'a [u8] {
        self.masked
            .get(t.m_start as usize..t.m_end as usize)
            .unwrap_or_default()
    }
    /// Raw bytes of token `i` in `line` (the line that was masked).
    pub fn raw<'l>(&self, line: &'l [u8], i: usize) -> &'l [u8] {
        match self.tokens.get(i) {
            Some(t) => line.get(t.raw_range()).unwrap_or_default(),
            None => &[],
        }
    }
    /// Whether the line was cut at the token cap (its last token is a [`VarKind::Tail`]).
    pub fn truncated(&self) -> bool {
        self.truncated
    }
    /// Hash of the whole masked line (every masked form, in order).
    #[inline]
    pub fn skeleton_hash(&self) -> u64 {
        fmix(hash_bytes(self.masked))
    }
    /// The masked line: every token's masked form followed by one space. Two lines have the
    /// same masked line exactly when they have the same masked forms.
    #[inline]
    pub fn joined(&self) -> &'a [u8] {
        self.masked
    }
    /// Hash of the masked form of token `t` (stable across runs and platforms; not
    /// avalanched, so mix it before using it as a table key on its own).
    #[inline]
    pub fn token_hash(&self, t: &Token) -> u64 {
        hash_bytes(self.masked_form(t))
    }
}

/// Many masked lines stored back to back, for masking on one thread and mining on another:
/// [`MaskedBatch::push`] keeps a copy of a [`MaskedLine`], [`MaskedBatch::get`] lends it out
/// in place, exactly as it was masked.
#[derive(Debug, Default)]
pub struct MaskedBatch {
    tokens: Vec<Token>,
    masked: Vec<u8>,
    /// Per line: end of its tokens, end of its masked bytes, whether it was truncated.
    lines: Vec<(u32, u32, bool)>,
}

impl MaskedBatch {
    /// An empty batch.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of lines stored.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// Whether no line is stored.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Bytes held (for memory budgets).
    pub fn heap_bytes(&self) -> usize {
        self.tokens.capacity() * std::mem::size_of::<Token>()
            + self.masked.capacity()
            + self.lines.capacity() * std::mem::size_of::<(u32, u32, bool)>()
    }

    /// Forgets every line, keeping the buffers.
    pub fn clear(&mut self) {
        self.tokens.clear();
        self.masked.clear();
        self.lines.clear();
    }

    /// Stores a copy of `ml` as the next line. A batch holds at most 4 GiB of masked bytes and
    /// 2^32 tokens; callers keep batches far smaller.
    pub fn push(&mut self, ml: &MaskedLine) {
        self.tokens.extend_from_slice(&ml.tokens);
        self.masked.extend_from_slice(&ml.masked);
        self.lines.push((
            u32::try_from(self.tokens.len()).unwrap_or(u32::MAX),
            u32::try_from(self.masked.len()).unwrap_or(u32::MAX),
            ml.truncated,
        ));
    }

    /// Line `i`, borrowed in place.
    pub fn get(&self, i: usize) -> Option<Masked<'_>> {
        let &(t_end, m_end, truncated) = self.lines.get(i)?;
        let (t_start, m_start) = match i.checked_sub(1).and_then(|p| self.lines.get(p)) {
            Some(&(t, m, _)) => (t as usize, m as usize),
            None => (0, 0),
        };
        Some(Masked {
            tokens: self.tokens.get(t_start..t_end as usize)?,
            masked: self.masked.get(m_start..m_end as usize)?,
            truncated,
        })
    }
}

/// Splits lines into tokens and masks obvious variables. Cheap to create and `Copy`.
#[derive(Debug, Clone, Copy)]
pub struct Masker {
    max_tokens: usize,
}

impl Default for Masker {
    fn default() -> Self {
        Masker {
            max_tokens: DEFAULT_MAX_TOKENS,
        }
    }
}

impl Masker {
    /// A masker producing at most `max_tokens` tokens per line (at least 1).
    pub fn new(max_tokens: usize) -> Self {
        Masker {
            max_tokens: max_tokens.max(1),
        }
    }

    /// Tokenise and mask `line` into `out` (cleared first). Bytes past 1 GiB are ignored
    /// (offsets are 32-bit and the masked line is at most one byte longer; the input stage
    /// caps lines far below that).
    ///
    /// `out` receives the masked line: each token's masked form followed by one space (see
    /// [`Masked::joined`]). A constant word is copied as it stands; only words that may be
    /// variable go to the scanners. Which words may be variable comes from the `blocks` masks,
    /// so constant words cost no byte-by-byte work.
    pub fn mask(&self, line: &[u8], out: &mut MaskedLine) {
        let line = &line[..line.len().min(MAX_MASK_BYTES)];
        out.tokens.clear();
        out.masked.clear();
        out.truncated = false;
        out.masked.reserve(line.len() + 1 + COPY_CHUNK);
        out.blocks.fill(line);
        let n = line.len();
        let mut i = 0;
        loop {
            i = out.blocks.next_word(i);
            if i >= n {
                break;
            }
            let start = i;
            if out.tokens.len() + 1 >= self.max_tokens {
                let mut end = n;
                while end > start && CLASS[line[end - 1] as usize] & WS != 0 {
                    end -= 1;
                }
                let m_start = out.masked.len();
                out.masked.push(PH);
                push(out, start, end, m_start, VarKind::Tail);
                out.masked.push(SEP);
                out.truncated = true;
                break;
            }
            let end = out.blocks.word_end(start);
            i = end;
            let first = line[start];
            if (3..=9).contains(&(end - start))
                && first.is_ascii_alphabetic()
                && scan::may_start_datetime(&line[start..end])
            {
                if let Some((pend, parts, trail)) = datetime_phrase(line, start, end) {
                    let m_start = out.masked.len();
                    write_time_mask(&mut out.masked, parts);
                    out.masked.extend_from_slice(&line[pend - trail..pend]);
                    push(out, start, pend, m_start, VarKind::Time);
                    out.masked.push(SEP);
                    i = pend;
                    continue;
                }
            }
            if !out.blocks.any_special(start, end) {
                // Constant text: its masked form is the word.
                let m_start = out.masked.len();
                copy_word(&mut out.masked, line, start, end);
                push(out, start, end, m_start, VarKind::Const);
                out.masked.push(SEP);
                continue;
            }
            let word = &line[start..end];
            let m_start = out.masked.len();
            if first.is_ascii_digit() {
                if let Some((pend, trail)) = spaced_size(line, word, end, &out.blocks) {
                    out.masked.push(PH);
                    out.masked.extend_from_slice(&line[pend - trail..pend]);
                    push(out, start, pend, m_start, VarKind::Size);
                    out.masked.push(SEP);
                    i = pend;
                    continue;
                }
            }
            let kind = mask_word(word, scan::features(word), &mut out.masked);
            let m_end = out.masked.len();
            push_at(out, start, end, m_start, m_end, kind);
            out.masked.push(SEP);
        }
    }
}

/// Longest line [`Masker::mask`] reads: the masked line is at most one byte longer than the
/// line (masked forms are never longer than their words, and each space that follows one
/// stands for at least one byte of whitespace, or the line's end), so offsets stay below 2^31.
const MAX_MASK_BYTES: usize = 1 << 30;

/// Bytes [`copy_word`] moves in one fixed-size step.
const COPY_CHUNK: usize = 16;

/// Appends `line[start..end]` to `out`. A word of up to [`COPY_CHUNK`] bytes with that many
/// bytes of line from its start is copied as one fixed-size block and the excess cut off,
/// cheaper than a copy of variable length for the short words lines are made of.
#[inline]
fn copy_word(out: &mut Vec<u8>, line: &[u8], start: usize, end: usize) {
    match line.get(start..start + COPY_CHUNK) {
        Some(chunk) if end - start <= COPY_CHUNK => {
            let at = out.len();
            let mut block = [0u8; COPY_CHUNK];
            block.copy_from_slice(chunk);
            out.extend_from_slice(&block);
            out.truncate(at + (end - start));
        }
        _ => out.extend_from_slice(&line[start..end]),
    }
}

/// Adds a token whose masked form is `out.masked[m_start..]`.
fn push(out: &mut MaskedLine, start: usize, end: usize, m_start: usize, kind: VarKind) {
    let m_end = if kind == VarKind::Const {
        m_start + (end - start)
    } else {
        out.masked.len()
    };
    push_at(out, start, end, m_start, m_end, kind);
}

/// Adds a token whose masked form is `out.masked[m_start..m_end]`.
#[inline]
fn push_at(
    out: &mut MaskedLine,
    start: usize,
    end: usize,
    m_start: usize,
    m_end: usize,
    kind: VarKind,
) {
    out.tokens.push(Token {
        raw_start: start as u32,
        raw_end: end as u32,
        m_start: m_start as u32,
        m_end: m_end as u32,
        kind,
    });
}

fn write_time_mask(out: &mut Vec<u8>, parts: usize) {
    out.push(PH);
    for _ in 1..parts {
        out.push(b':');
        out.push(PH);
    }
}

/// Bytes that open a bracketed or quoted word; kept as constant text.
fn is_opener(b: u8) -> bool {
    matches!(b, b'(' | b'[' | b'{' | b'<' | b'\'' | b'"' | b'`')
}

/// Bytes that close a word or end a clause; kept as constant text.
fn is_closer(b: u8) -> bool {
    matches!(
        b,
        b')' | b']' | b'}' | b'>' | b'\'' | b'"' | b'`' | b',' | b';' | b':' | b'.' | b'!' | b'?'
    )
}

/// Number of trailing closer bytes of `w`, not counting `.` when `keep_dot` (paths may end in
/// a dot that belongs to a file name).
fn trailing_closers(w: &[u8], keep_dot: bool) -> usize {
    let mut t = 0;
    while t < w.len() {
        let b = w[w.len() - 1 - t];
        if !is_closer(b) || (keep_dot && b == b'.') {
            break;
        }
        t += 1;
    }
    t
}

/// Next word after position `i` (skipping whitespace): its start and end.
fn next_word(line: &[u8], mut i: usize) -> Option<(usize, usize)> {
    let n = line.len();
    while i < n && CLASS[line[i] as usize] & WS != 0 {
        i += 1;
    }
    if i >= n {
        return None;
    }
    let s = i;
    while i < n && CLASS[line[i] as usize] & WS == 0 {
        i += 1;
    }
    Some((s, i))
}

/// A number word ending at `end` followed by a byte-size unit word (`5.2 KB,`): the end of
/// the pair and the length of the trailing punctuation after the unit. `blocks` holds the
/// line's byte classes, so the next word is found without reading it.
fn spaced_size(
    line: &[u8],
    word: &[u8],
    end: usize,
    blocks: &blocks::Blocks,
) -> Option<(usize, usize)> {
    if word.is_empty() || !word[0].is_ascii_digit() {
        return None;
    }
    let s = blocks.next_word(end);
    // Every unit starts with one of these letters: most numbers are not followed by a unit,
    // and this settles them before the number or the unit's end is read.
    if !matches!(line.get(s)?, b'B' | b'K' | b'M' | b'G' | b'T' | b'P' | b'k') {
        return None;
    }
    if scan::number(word) != word.len() {
        return None;
    }
    let e = blocks.word_end(s);
    let w = &line[s..e];
    let t = trailing_closers(w, false);
    if scan::is_spaced_size_unit(&w[..w.len() - t]) {
        Some((e, t))
    } else {
        None
    }
}

/// A written-out date with a time: `[Day] Mon DD hh:mm[:ss] [YYYY]`, starting at the word
/// `first_start..first_end`. Returns the end of the phrase, the number of time parts and the
/// length of trailing punctuation kept as text.
fn datetime_phrase(
    line: &[u8],
    first_start: usize,
    first_end: usize,
) -> Option<(usize, usize, usize)> {
    let first = &line[first_start..first_end];
    let b0 = *first.first()?;
    if !b0.is_ascii_alphabetic() {
        return None;
    }
    let (mut ws, mut we) = (first_start, first_end);
    if scan::is_day(first) {
        let (s, e) = next_word(line, we)?;
        ws = s;
        we = e;
    }
    if !scan::is_month(&line[ws..we]) {
        return None;
    }
    let (ds, de) = next_word(line, we)?;
    let day = &line[ds..de];
    if day.is_empty() || day.len() > 2 || !day.iter().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (ts, te) = next_word(line, de)?;
    let tw = &line[ts..te];
    let t = trailing_closers(tw, false);
    let (tl, parts) = scan::time(tw);
    if tl == 0 || tl != tw.len() - t {
        return None;
    }
    let mut end = te;
    let mut trail = t;
    if t == 0 {
        if let Some((ys, ye)) = next_word(line, te) {
            let yw = &line[ys..ye];
            let yt = trailing_closers(yw, false);
            if yw.len() - yt == 4 && yw[..4].iter().all(|b| b.is_ascii_digit()) {
                end = ye;
                trail = yt;
            }
        }
    }
    Some((end, parts, trail))
}

/// Mask one whitespace-free word with feature bits `f` into `out`; returns the kind of its
/// first variable part.
fn mask_word(w: &[u8], f: u16, out: &mut Vec<u8>) -> VarKind {
    if f & (F_DIGIT | F_SLASH | F_AT | F_BSLASH | F_PH) == 0 {
        out.extend_from_slice(w);
        return VarKind::Const;
    }
    if f & F_PH != 0 {
        out.push(PH);
        return VarKind::Other;
    }
    if let (Some(&a), Some(&z)) = (w.first(), w.last()) {
        if !is_opener(a) && !is_closer(z) {
            // Nothing to strip at either end (most words): the word is its own core.
            return mask_core_f(w, f, out);
        }
    }
    let mut s = 0;
    while s < w.len() && is_opener(w[s]) {
        s += 1;
    }
    out.extend_from_slice(&w[..s]);
    let rest = &w[s..];
    let is_pathish = scan::path_start(rest)
        || (f & F_COLON != 0 && f & F_SLASH != 0 && scan::url_scheme(rest) > 0);
    let t = trailing_closers(rest, is_pathish);
    let core = &rest[..rest.len() - t];
    let cf = if s == 0 && t == 0 {
        f
    } else {
        scan::features(core)
    };
    let kind = mask_core_f(core, cf, out);
    out.extend_from_slice(&rest[rest.len() - t..]);
    kind
}

/// Mask a word stripped of leading openers and trailing closers.
fn mask_core(core: &[u8], out: &mut Vec<u8>) -> VarKind {
    mask_core_f(core, scan::features(core), out)
}

/// [`mask_core`] with the feature bits of `core` already known.
fn mask_core_f(core: &[u8], f: u16, out: &mut Vec<u8>) -> VarKind {
    let len = core.len();
    if len == 0 {
        return VarKind::Const;
    }
    if f & (F_DIGIT | F_SLASH | F_AT | F_BSLASH) == 0 {
        out.extend_from_slice(core);
        return VarKind::Const;
    }
    if f == F_DIGIT {
        // Only digits: a number, whatever the checks below would try first.
        out.push(PH);
        return VarKind::Num;
    }
    let first = core[0];
    let digit_first = first.is_ascii_digit();
    let sch = if f & F_COLON != 0 && f & F_SLASH != 0 {
        scan::url_scheme(core)
    } else {
        0
    };
    if sch > 0 {
        out.extend_from_slice(&core[..sch]);
        if sch < len {
            // `scheme://host:port` keeps its port apart, as an address does.
            let rest = &core[sch..];
            if let Some(c) = rest.iter().rposition(|&b| b == b':') {
                let port = &rest[c + 1..];
                if c > 0
                    && !port.is_empty()
                    && scan::digits(port) == port.len()
                    && rest[..c]
                        .iter()
                        .all(|&b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
                {
                    out.extend_from_slice(&[PH, b':', PH]);
                    return VarKind::Url;
                }
            }
            out.push(PH);
            return VarKind::Url;
        }
        return VarKind::Const;
    }
    if scan::path_start(core) {
        // `/10.0.0.1:80` is an address written after a slash, not a path.
        if core[0] == b'/' {
            let ip = scan::ipv4(&core[1..]);
            if ip > 0 && (1 + ip == len || core[1 + ip] == b':') {
                out.push(b'/');
                // What `mask_core` makes of the address, without scanning it again: an
                // address alone, or with a numeric port.
                if 1 + ip == len {
                    out.push(PH);
                    return VarKind::Ip;
                }
                let port = &core[2 + ip..];
                if !port.is_empty() && scan::digits(port) == port.len() {
                    out.extend_from_slice(&[PH, b':', PH]);
                    return VarKind::Ip;
                }
                return mask_core(&core[1..], out);
            }
        }
        out.push(PH);
        return VarKind::Path;
    }
    if len == 36 && f & F_DASH != 0 && scan::uuid(core) == len {
        out.push(PH);
        return VarKind::Uuid;
    }
    if len >= 17 && f & (F_COLON | F_DASH) != 0 && f & F_NONHEX == 0 && scan::mac(core) == len {
        out.push(PH);
        return VarKind::Mac;
    }
    let ip = if digit_first && f & F_DOT != 0 {
        scan::ipv4(core)
    } else {
        0
    };
    if ip > 0 {
        if ip == len {
            out.push(PH);
            return VarKind::Ip;
        }
        if core[ip] == b':' && ip + 1 < len && scan::digits(&core[ip + 1..]) == len - ip - 1 {
            out.extend_from_slice(&[PH, b':', PH]);
            return VarKind::Ip;
        }
    }
    if f & F_COLON != 0 && f & (F_NONHEX | F_DOT | F_OTHER) == 0 && scan::ipv6(core) == len {
        out.push(PH);
        return VarKind::Ipv6;
    }
    let d = if digit_first && f & (F_DASH | F_SLASH | F_DOT) != 0 {
        scan::date(core)
    } else {
        0
    };
    if d > 0 {
        if d == len {
            out.push(PH);
            return VarKind::Date;
        }
        if matches!(core[d], b'T' | b'-' | b'_') {
            let (tl, parts) = scan::time(&core[d + 1..]);
            let rest = len - d - 1;
            if tl > 0 && (tl == rest || (tl + 1 == rest && core[len - 1] == b'Z')) {
                write_time_mask(out, parts);
                return VarKind::Time;
            }
        }
    }
    let (tl, parts) = if digit_first && f & F_COLON != 0 {
        scan::time(core)
    } else {
        (0, 0)
    };
    if tl == len {
        write_time_mask(out, parts);
        return VarKind::Time;
    }
    if first == b'0' && scan::hex_prefixed(core) == len {
        out.push(PH);
        return VarKind::Hex;
    }
    let num = if digit_first || first == b'-' || first == b'+' {
        scan::number(core)
    } else {
        0
    };
    if num == len {
        out.push(PH);
        return if core.contains(&b'.') || core.contains(&b'e') {
            VarKind::Float
        } else {
            VarKind::Num
        };
    }
    if num > 0 && core[num..].iter().all(|b| b.is_ascii_alphabetic()) {
        out.push(PH);
        return scan::unit_kind(&core[num..]).unwrap_or(VarKind::Id);
    }
    if len >= scan::MIN_BARE_HEX
        && f & (F_NONHEX | F_OTHER | F_DOT | F_COLON | F_DASH | F_SLASH | F_AT | F_EQ | F_UNDER)
            == 0
        && scan::hex_bare(core) == len
    {
        out.push(PH);
        return VarKind::Hex;
    }
    if f & F_AT != 0 && scan::email(core) == len {
        out.push(PH);
        return VarKind::Email;
    }
    if (first == b'v' || first == b'V')
        && len > 3
        && scan::number(&core[1..]) == len - 1
        && core.contains(&b'.')
    {
        out.push(PH);
        return VarKind::Float;
    }
    if f & F_DOT != 0
        && f & F_DIGIT != 0
        && f & (F_OTHER | F_SLASH | F_AT | F_EQ | F_UNDER | F_COLON) == 0
        && is_numbered_host(core)
    {
        out.push(PH);
        return VarKind::Host;
    }
    // `host/10.0.0.1:80`, the way Java prints a socket address.
    if let Some(sl) = if f & F_SLASH != 0 && f & F_DOT != 0 {
        core.iter().position(|&b| b == b'/')
    } else {
        None
    } {
        let rest = &core[sl + 1..];
        let ip = scan::ipv4(rest);
        if ip > 0 && is_hostish(&core[..sl]) {
            if ip == rest.len() {
                out.extend_from_slice(&[PH, b'/', PH]);
                return VarKind::Host;
            }
            if rest[ip] == b':'
                && ip + 1 < rest.len()
                && scan::digits(&rest[ip + 1..]) == rest.len() - ip - 1
            {
                out.extend_from_slice(&[PH, b'/', PH, b':', PH]);
                return VarKind::Host;
            }
        }
    }
    if let Some(eq) = if f & F_EQ != 0 {
        core.iter().position(|&b| b == b'=')
    } else {
        None
    } {
        if eq > 0 {
            out.extend_from_slice(&core[..=eq]);
            return mask_value(&core[eq + 1..], out);
        }
    }
    if let Some(c) = if f & F_COLON != 0 {
        core.iter().position(|&b| b == b':')
    } else {
        None
    } {
        let key = &core[..c];
        if c > 0
            && key
                .iter()
                .all(|&b| b.is_ascii_alphabetic() || matches!(b, b'_' | b'.' | b'-'))
        {
            out.extend_from_slice(&core[..=c]);
            return mask_value(&core[c + 1..], out);
        }
        // host:port where the host is a dotted or dashed name.
        let port = &core[c + 1..];
        if c > 0
            && !port.is_empty()
            && scan::digits(port) == port.len()
            && key
                .iter()
                .all(|&b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
            && key.iter().any(|&b| b == b'.' || b == b'-')
        {
            out.extend_from_slice(&[PH, b':', PH]);
            return VarKind::Ip;
        }
    }
    if f & F_UNDER != 0
        && f & F_DIGIT != 0
        && f & (F_OTHER | F_DOT | F_COLON | F_SLASH | F_AT | F_EQ) == 0
    {
        out.push(PH);
        return VarKind::Id;
    }
    mask_compound(core, out)
}

/// Mask the value part of `key=value` / `key:value` (may be empty, may hold closers).
fn mask_value(v: &[u8], out: &mut Vec<u8>) -> VarKind {
    if v.is_empty() {
        return VarKind::Const;
    }
    let mut s = 0;
    while s < v.len() && is_opener(v[s]) {
        s += 1;
    }
    out.extend_from_slice(&v[..s]);
    let rest = &v[s..];
    let is_pathish = scan::path_start(rest) || scan::url_scheme(rest) > 0;
    let t = trailing_closers(rest, is_pathish);
    let kind = mask_core(&rest[..rest.len() - t], out);
    out.extend_from_slice(&rest[rest.len() - t..]);
    kind
}

/// Whether a segment of letters and digits is a variable: numbers, long hex, a digit followed
/// by letters (`0T00`, `2kSOSP`), or a name carrying three or more digits (`bglio559`), while
/// names with a short number (`ssh2`, `eth0`, `U11`) are kept as text.
fn segment_is_var(seg: &[u8]) -> bool {
    let first = seg[0];
    if first.is_ascii_digit() || first == b'-' {
        return true;
    }
    if scan::hex_bare(seg) == seg.len() {
        return true;
    }
    let digits = seg.iter().filter(|b| b.is_ascii_digit()).count();
    let letters = seg.len() - digits;
    digits >= 5 || (digits >= 3 && letters >= 2)
}

/// A host name carrying a number: at least three dot-separated labels of letters, digits and
/// `-`, a digit somewhere, and a last label of 2-6 lowercase letters like a top-level domain
/// (`MSRA-SA-39.fareast.corp.example.com`, `5.36.59.76.dynamic-dsl.example.net`). Dotted names
/// without digits are left alone: they are mostly class or property names.
fn is_numbered_host(core: &[u8]) -> bool {
    let mut labels = 0;
    let mut digit = false;
    for label in core.split(|&b| b == b'.') {
        if label.is_empty()
            || !label
                .iter()
                .all(|&b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return false;
        }
        digit |= label.iter().any(|b| b.is_ascii_digit());
        labels += 1;
    }
    let last = core.rsplit(|&b| b == b'.').next().unwrap_or_default();
    labels >= 3
        && digit
        && (2..=6).contains(&last.len())
        && last.iter().all(|b| b.is_ascii_lowercase())
}

/// A host name: letters, digits, `.` and `-`, with at least one letter.
fn is_hostish(b: &[u8]) -> bool {
    !b.is_empty()
        && b.iter()
            .all(|&c| c.is_ascii_alphanumeric() || c == b'.' || c == b'-')
        && b.iter().any(|c| c.is_ascii_alphabetic())
}

/// Mask a word made of several segments joined by punctuation (`node-129`, `core.2275`,
/// `mice.c(1766`): variable segments become placeholders, and `␚.␚` / `␚␚` collapse to one.
fn mask_compound(core: &[u8], out: &mut Vec<u8>) -> VarKind {
    let start = out.len();
    let mut kind = VarKind::Const;
    let mut i = 0;
    let n = core.len();
    while i < n {
        let b = core[i];
        let neg = b == b'-'
            && i + 1 < n
            && core[i + 1].is_ascii_digit()
            && (i == 0 || !scan::is_word(core[i - 1]) || core[i - 1] == b'_');
        if scan::is_word(b) || neg {
            let s = i;
            i += 1;
            while i < n && scan::is_word(core[i]) {
                i += 1;
            }
            let seg = &core[s..i];
            if segment_is_var(seg) {
                if kind == VarKind::Const {
                    kind = if seg.iter().all(|b| b.is_ascii_digit() || *b == b'-') {
                        VarKind::Num
                    } else {
                        VarKind::Id
                    };
                }
                out.push(PH);
            } else {
                out.extend_from_slice(seg);
            }
        } else {
            out.push(b);
            i += 1;
        }
    }
    if kind != VarKind::Const {
        collapse_placeholders(out, start);
    }
    kind
}

/// Collapse `␚.␚` and `␚␚` runs in `buf[start..]` into a single placeholder.
fn collapse_placeholders(buf: &mut Vec<u8>, start: usize) {
    let mut w = start;
    let mut r = start;
    while r < buf.len() {
        let b = buf[r];
        if b == PH && w > start && buf[w - 1] == PH {
            r += 1;
            continue;
        }
        if b == b'.' && w > start && buf[w - 1] == PH && r + 1 < buf.len() && buf[r + 1] == PH {
            r += 2;
            continue;
        }
        buf[w] = b;
        w += 1;
        r += 1;
    }
    buf.truncate(w);
}

/// Multiplier of the Fx hash (the 64-bit constant used by rustc's FxHasher).
const FX_K: u64 = 0x517c_c1b7_2722_0a95;

/// One Fx hashing step.
#[inline]
pub(crate) fn fx_add(h: u64, w: u64) -> u64 {
    (h.rotate_left(5) ^ w).wrapping_mul(FX_K)
}

/// Fx hash of a byte string, eight bytes at a time; the length is mixed in last.
#[inline]
pub(crate) fn hash_bytes(b: &[u8]) -> u64 {
    let mut h = 0u64;
    let mut chunks = b.chunks_exact(8);
    for c in &mut chunks {
        let mut a = [0u8; 8];
        a.copy_from_slice(c);
        h = fx_add(h, u64::from_le_bytes(a));
    }
    let r = chunks.remainder();
    if !r.is_empty() {
        h = fx_add(h, load_tail(r));
    }
    fx_add(h, b.len() as u64)
}

/// Hash of a parameter value, as the miner's slot summaries and the time buckets index it: the
/// masker's byte-string hash, avalanched so that every bit depends on every input bit.
#[inline]
pub fn value_hash(v: &[u8]) -> u64 {
    fmix(hash_bytes(v))
}

/// The last 1-7 bytes of a string as one number without a byte-by-byte copy: two
/// overlapping 4-byte reads cover 4-7 bytes, and first, middle and last byte cover 1-3
/// (the length, mixed in separately, tells the cases apart).
#[inline]
fn load_tail(r: &[u8]) -> u64 {
    let n = r.len();
    if n >= 4 {
        let lo = u32::from_le_bytes([r[0], r[1], r[2], r[3]]);
        let hi = u32::from_le_bytes([r[n - 4], r[n - 3], r[n - 2], r[n - 1]]);
        u64::from(lo) | (u64::from(hi) << 32)
    } else {
        u64::from(r[0]) | (u64::from(r[n / 2]) << 8) | (u64::from(r[n - 1]) << 16)
    }
}

/// Final avalanche (MurmurHash3's fmix64) so that every bit of a hash depends on every input
/// bit; the Fx steps alone leave the low bits weak, and hash tables index by low bits.
#[inline]
pub(crate) fn fmix(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

#[cfg(test)]
mod tests;
