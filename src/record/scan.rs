//! Byte-level helpers shared by the header parsers: whitespace, tokens, digits, stripping.
//!
//! Everything here works on `&[u8]` and never panics: positions past the end simply mean
//! "nothing there". It knows nothing about headers.

/// Bit `c` is set for each whitespace byte `c` (all of them are below 64).
const WS_MASK: u64 =
    (1 << b' ') | (1 << b'\t') | (1 << b'\r') | (1 << b'\n') | (1 << 0x0b) | (1 << 0x0c);

/// Whitespace between header columns: ASCII space, tab, CR, LF, VT and FF.
#[inline]
pub(crate) fn is_ws(c: u8) -> bool {
    c <= b' ' && (WS_MASK >> c) & 1 == 1
}

/// Eight copies of a byte, for word-at-a-time scanning.
const fn splat(c: u8) -> u64 {
    u64::from_ne_bytes([c; 8])
}

/// Position of the first non-whitespace byte at or after `p` (or `b.len()`).
#[inline]
pub(crate) fn skip_ws(b: &[u8], mut p: usize) -> usize {
    while p < b.len() && is_ws(b[p]) {
        p += 1;
    }
    p
}

/// Position of the first whitespace byte at or after `p` (or `b.len()`). Scans eight bytes at
/// a time for any byte <= 0x20 (every whitespace byte is), then checks that byte exactly.
#[inline]
pub(crate) fn token_end(b: &[u8], mut p: usize) -> usize {
    while let Some(chunk) = b.get(p..p + 8) {
        let mut w = [0u8; 8];
        w.copy_from_slice(chunk);
        let x = u64::from_le_bytes(w);
        // High bit set in each byte of `x` that is below 0x21 (valid as all bytes < 0x80
        // are compared exactly; bytes >= 0x80 never set it).
        let low = x.wrapping_sub(splat(0x21)) & !x & splat(0x80);
        if low == 0 {
            p += 8;
            continue;
        }
        let i = p + (low.trailing_zeros() / 8) as usize;
        if is_ws(b[i]) {
            return i;
        }
        p = i + 1;
    }
    while p < b.len() && !is_ws(b[p]) {
        p += 1;
    }
    p
}

/// Start of the `n`-th (0-based) whitespace-separated token at or after `start`, if any.
#[inline]
pub(crate) fn nth_token(b: &[u8], start: usize, n: usize) -> Option<usize> {
    let mut p = skip_ws(b, start);
    for _ in 0..n {
        p = skip_ws(b, token_end(b, p));
    }
    (p < b.len()).then_some(p)
}

/// Whether `p` is the end of `b` or holds whitespace.
#[inline]
pub(crate) fn at_break(b: &[u8], p: usize) -> bool {
    b.get(p).is_none_or(|&c| is_ws(c))
}

/// Reads up to `max` (at most 19) ASCII digits at `p`: their value and how many there were.
#[inline]
pub(crate) fn digits(b: &[u8], p: usize, max: usize) -> (u64, usize) {
    let max = max.min(19);
    let mut v = 0u64;
    let mut n = 0;
    while n < max {
        match b.get(p + n) {
            Some(&c) if c.is_ascii_digit() => {
                v = v * 10 + u64::from(c - b'0');
                n += 1;
            }
            _ => break,
        }
    }
    (v, n)
}

/// Whether the byte at `p` is an ASCII digit.
#[inline]
pub(crate) fn digit_at(b: &[u8], p: usize) -> bool {
    b.get(p).is_some_and(u8::is_ascii_digit)
}

/// Whether `c` counts as whitespace for Python's `str.strip()`, which the Loghub tools apply to
/// every line before matching: ASCII whitespace plus the separators 0x1c..=0x1f.
#[inline]
fn is_py_ascii_ws(c: u8) -> bool {
    is_ws(c) || (0x1c..=0x1f).contains(&c)
}

/// The line without surrounding whitespace, as Python's `str.strip()` sees it on UTF-8 text
/// (ASCII whitespace, 0x1c..=0x1f and Unicode `White_Space` characters). Invalid UTF-8 at an
/// end is kept.
pub(crate) fn strip(b: &[u8]) -> &[u8] {
    match (b.first(), b.last()) {
        (Some(&f), Some(&l)) if f > b' ' && f < 0x80 && l > b' ' && l < 0x80 => return b,
        (None, _) => return b,
        _ => {}
    }
    let mut s = 0;
    let mut e = b.len();
    while s < e {
        let c = b[s];
        if c < 0x80 {
            if !is_py_ascii_ws(c) {
                break;
            }
            s += 1;
        } else {
            match unicode_ws_len_fwd(&b[s..e]) {
                Some(n) => s += n,
                None => break,
            }
        }
    }
    while e > s {
        let c = b[e - 1];
        if c < 0x80 {
            if !is_py_ascii_ws(c) {
                break;
            }
            e -= 1;
        } else {
            match unicode_ws_len_back(&b[s..e]) {
                Some(n) => e -= n,
                None => break,
            }
        }
    }
    &b[s..e]
}

/// Byte length of a Unicode whitespace character at the start of `b`, if one is there.
fn unicode_ws_len_fwd(b: &[u8]) -> Option<usize> {
    let n = match b.first()? {
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf7 => 4,
        _ => return None,
    };
    let ch = std::str::from_utf8(b.get(..n)?).ok()?.chars().next()?;
    ch.is_whitespace().then_some(n)
}

/// Byte length of a Unicode whitespace character at the end of `b`, if one is there.
fn unicode_ws_len_back(b: &[u8]) -> Option<usize> {
    let max = b.len().min(4);
    for n in 2..=max {
        let tail = &b[b.len() - n..];
        if tail[0] & 0xc0 != 0x80 {
            let ch = std::str::from_utf8(tail).ok()?.chars().next()?;
            return ch.is_whitespace().then_some(n);
        }
    }
    None
}

/// End (exclusive) of the balanced `[...]` group opening at `p`, looking at most `limit` bytes.
pub(crate) fn bracket_end(b: &[u8], p: usize, limit: usize) -> Option<usize> {
    if b.get(p) != Some(&b'[') {
        return None;
    }
    let mut depth = 0usize;
    let end = b.len().min(p.saturating_add(limit));
    let mut i = p;
    while let Some(off) = memchr::memchr2(b'[', b']', &b[i..end]) {
        i += off;
        if b[i] == b'[' {
            depth += 1;
        } else {
            depth -= 1;
            if depth == 0 {
                return Some(i + 1);
            }
        }
        i += 1;
    }
    None
}

/// Whether two byte strings are equal ignoring ASCII case.
#[inline]
pub(crate) fn eq_ci(a: &[u8], b: &[u8]) -> bool {
    a.eq_ignore_ascii_case(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strip_matches_python_on_ascii_and_unicode_space() {
        assert_eq!(strip(b"  a b \t"), b"a b");
        assert_eq!(strip(b"\x1fa\x1c"), b"a");
        assert_eq!(strip("\u{a0}x\u{3000}".as_bytes()), b"x");
        assert_eq!(strip(b"\xffx\xfe"), b"\xffx\xfe");
        assert_eq!(strip(b"   "), b"");
    }

    #[test]
    fn tokens_and_brackets() {
        assert_eq!(nth_token(b"a  bb c", 0, 2), Some(6));
        assert_eq!(nth_token(b"a b", 0, 2), None);
        assert_eq!(bracket_end(b"[a[b]c] x", 0, 100), Some(7));
        assert_eq!(bracket_end(b"[a[b]c x", 0, 100), None);
        assert_eq!(digits(b"0123x", 0, 10), (123, 4));
        assert_eq!(token_end(b"abcdefghijklmnop qr", 0), 16);
        assert_eq!(token_end(b"abcdefgh\x01ijklmnop\tqr", 0), 17);
        assert_eq!(token_end("abcd\u{e9}fghijklmnopq".as_bytes(), 2), 18);
        assert_eq!(token_end(b"ab", 0), 2);
    }
}
