//! Hand-written byte scanners for the variable types the masker recognises.
//!
//! Each scanner looks at the start of a byte slice and returns how many bytes form a value of
//! its type (0 when none). They never allocate, never look past the slice, and never panic:
//! they are called on every word of every line, so they are written as plain loops over bytes
//! instead of regexes. Deciding what to do with a match (which mask, which masked form) is the
//! caller's job (`super`).

/// Byte class bits, looked up once per byte in [`CLASS`].
pub(crate) const WS: u8 = 1;
pub(crate) const DIGIT: u8 = 2;
pub(crate) const ALPHA: u8 = 4;
pub(crate) const HEXL: u8 = 8;
pub(crate) const UNDERSCORE: u8 = 16;
/// Bytes that may appear inside a "word" made of letters, digits, `_` and non-ASCII bytes.
pub(crate) const WORD: u8 = DIGIT | ALPHA | UNDERSCORE;

/// Class table: whitespace, digits, ASCII letters (with hex letters marked), `_`, and
/// non-ASCII bytes counted as letters so that UTF-8 words stay whole.
pub(crate) static CLASS: [u8; 256] = build_class();

const fn build_class() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        let mut c = 0;
        if b == b' ' || b == b'\t' || b == b'\n' || b == b'\r' || b == 0x0b || b == 0x0c {
            c |= WS;
        }
        if b.is_ascii_digit() {
            c |= DIGIT | HEXL;
        }
        if b.is_ascii_alphabetic() || b >= 0x80 {
            c |= ALPHA;
        }
        if matches!(b, b'a'..=b'f' | b'A'..=b'F') {
            c |= HEXL;
        }
        if b == b'_' {
            c |= UNDERSCORE;
        }
        t[i] = c;
        i += 1;
    }
    t
}

/// Feature bits of a word, collected in one pass so that each scanner runs only on words
/// that hold the characters it needs.
pub(crate) const F_DIGIT: u16 = 1;
pub(crate) const F_HEXALPHA: u16 = 2;
pub(crate) const F_ALPHA: u16 = 4;
pub(crate) const F_DOT: u16 = 8;
pub(crate) const F_COLON: u16 = 16;
pub(crate) const F_DASH: u16 = 32;
pub(crate) const F_SLASH: u16 = 64;
pub(crate) const F_AT: u16 = 128;
pub(crate) const F_EQ: u16 = 256;
pub(crate) const F_UNDER: u16 = 512;
/// Letters other than a-f (so the word cannot be hex).
pub(crate) const F_NONHEX: u16 = 1024;
/// Punctuation other than `. : - / @ = _`.
pub(crate) const F_OTHER: u16 = 2048;
/// Whitespace (ends a word).
pub(crate) const F_WS: u16 = 4096;
/// The placeholder byte.
pub(crate) const F_PH: u16 = 8192;
/// A backslash (Windows paths).
pub(crate) const F_BSLASH: u16 = 16384;

pub(crate) static FEATURE: [u16; 256] = build_features();

const fn build_features() -> [u16; 256] {
    let mut t = [0u16; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] = if b == b' ' || b == b'\t' || b == b'\n' || b == b'\r' || b == 0x0b || b == 0x0c {
            F_WS
        } else if b == super::PH {
            F_PH | F_OTHER
        } else if b == b'\\' {
            F_BSLASH | F_OTHER
        } else if b.is_ascii_digit() {
            F_DIGIT
        } else if matches!(b, b'a'..=b'f' | b'A'..=b'F') {
            F_ALPHA | F_HEXALPHA
        } else if b.is_ascii_alphabetic() || b >= 0x80 {
            F_ALPHA | F_NONHEX
        } else {
            match b {
                b'.' => F_DOT,
                b':' => F_COLON,
                b'-' => F_DASH,
                b'/' => F_SLASH,
                b'@' => F_AT,
                b'=' => F_EQ,
                b'_' => F_UNDER,
                _ => F_OTHER,
            }
        };
        i += 1;
    }
    t
}

/// Union of the feature bits of the bytes of `s`.
#[inline]
pub(crate) fn features(s: &[u8]) -> u16 {
    // Four bytes a step into two accumulators: a quarter of the loop's counting and
    // branching, and two independent chains of lookups.
    let mut chunks = s.chunks_exact(4);
    let (mut f, mut g) = (0, 0);
    for c in &mut chunks {
        f |= FEATURE[c[0] as usize] | FEATURE[c[1] as usize];
        g |= FEATURE[c[2] as usize] | FEATURE[c[3] as usize];
    }
    for &b in chunks.remainder() {
        f |= FEATURE[b as usize];
    }
    f | g
}

#[inline]
pub(crate) fn is_digit(b: u8) -> bool {
    b.is_ascii_digit()
}

#[inline]
pub(crate) fn is_hex(b: u8) -> bool {
    CLASS[b as usize] & HEXL != 0
}

#[inline]
pub(crate) fn is_word(b: u8) -> bool {
    CLASS[b as usize] & WORD != 0
}

/// Run of ASCII digits at the start of `s`.
#[inline]
pub(crate) fn digits(s: &[u8]) -> usize {
    s.iter().take_while(|b| b.is_ascii_digit()).count()
}

/// Run of hex digits at the start of `s`.
#[inline]
fn hex_digits(s: &[u8]) -> usize {
    s.iter().take_while(|&&b| is_hex(b)).count()
}

/// A decimal number: optional sign, digits, optional fraction(s) (`1.4.1` versions count as
/// one number), optional exponent. Returns 0 unless at least one digit was read.
pub(crate) fn number(s: &[u8]) -> usize {
    let mut i = 0;
    if matches!(s.first(), Some(b'-' | b'+')) {
        i = 1;
    }
    let d = digits(&s[i..]);
    if d == 0 {
        return 0;
    }
    i += d;
    // Fractions and dotted versions: `.` followed by at least one digit.
    while i + 1 < s.len() && s[i] == b'.' && is_digit(s[i + 1]) {
        i += 1;
        i += digits(&s[i..]);
    }
    // Exponent: e/E, optional sign, digits.
    if i < s.len() && (s[i] == b'e' || s[i] == b'E') {
        let mut j = i + 1;
        if j < s.len() && (s[j] == b'-' || s[j] == b'+') {
            j += 1;
        }
        let e = digits(&s[j.min(s.len())..]);
        if e > 0 && !(j + e < s.len() && is_word(s[j + e])) {
            i = j + e;
        }
    }
    i
}

/// `0x` followed by hex digits.
pub(crate) fn hex_prefixed(s: &[u8]) -> usize {
    if s.len() > 2 && s[0] == b'0' && (s[1] == b'x' || s[1] == b'X') {
        let h = hex_digits(&s[2..]);
        if h > 0 {
            return 2 + h;
        }
    }
    0
}

/// Minimum length of a bare hex string (no `0x`) to be taken as a hex value. Shorter runs of
/// hex letters and digits are too often words (`add`, `c0de`, `e820`); 6 still catches 32-bit
/// values written without leading zeros in most logs (`33557fe4`).
pub(crate) const MIN_BARE_HEX: usize = 6;

/// A bare hex string of at least [`MIN_BARE_HEX`] hex digits holding at least one decimal
/// digit and one hex letter (all-digit strings are numbers, all-letter ones are words).
pub(crate) fn hex_bare(s: &[u8]) -> usize {
    let h = hex_digits(s);
    if h < MIN_BARE_HEX {
        return 0;
    }
    let run = &s[..h];
    let has_digit = run.iter().any(|b| b.is_ascii_digit());
    let has_letter = run.iter().any(|b| b.is_ascii_alphabetic());
    if has_digit && has_letter { h } else { 0 }
}

/// Dotted-quad IPv4 address (each part 1-3 digits, value <= 255).
pub(crate) fn ipv4(s: &[u8]) -> usize {
    // The first IPV4_READ bytes, zero-padded (a zero is neither a digit nor a dot), are all
    // that decide.
    let mut w = [0u8; IPV4_WINDOW];
    if let Some(head) = s.get(..IPV4_READ) {
        w[..IPV4_READ].copy_from_slice(head);
    } else {
        w[..s.len()].copy_from_slice(s);
    }
    // Offsets stay below IPV4_READ; the mask only lets the compiler see that.
    let digit = |i: usize| u32::from(w[i % IPV4_WINDOW].wrapping_sub(b'0'));
    let mut i = 0;
    for part in 0..4 {
        if part > 0 {
            if w[i % IPV4_WINDOW] != b'.' {
                return 0;
            }
            i += 1;
        }
        // The digits are read one by one at fixed offsets: a part is 1-3 digits, and a
        // fourth digit rules it out.
        let a = digit(i);
        if a > 9 {
            return 0;
        }
        let b = digit(i + 1);
        let v = if b > 9 {
            i += 1;
            a
        } else {
            let c = digit(i + 2);
            if c > 9 {
                i += 2;
                a * 10 + b
            } else {
                if digit(i + 3) <= 9 {
                    return 0;
                }
                i += 3;
                a * 100 + b * 10 + c
            }
        };
        if v > 255 {
            return 0;
        }
    }
    // A fifth dotted number means this is not an address (e.g. a version 1.2.3.4.5).
    if w[i % IPV4_WINDOW] == b'.' && digit(i + 1) <= 9 {
        return 0;
    }
    i
}

/// Bytes [`ipv4`] may read: an address is at most 15 bytes, and the checks look two past it.
const IPV4_READ: usize = 17;

/// Bytes of the window [`ipv4`] reads into (a power of two above [`IPV4_READ`]).
const IPV4_WINDOW: usize = 32;

/// IPv6 address: hex groups of 1-4 digits separated by `:`, with either 7 separators or a
/// `::` abbreviation, and at least one hex letter or `::` so that times (`07:07:00`) and
/// `host:port` pairs are not taken for addresses.
pub(crate) fn ipv6(s: &[u8]) -> usize {
    let mut i = 0;
    let mut colons = 0;
    let mut double = false;
    let mut groups = 0;
    let mut letters = false;
    loop {
        let h = hex_digits(&s[i..]);
        if h > 4 {
            return 0;
        }
        if h > 0 {
            groups += 1;
            letters |= s[i..i + h].iter().any(|b| b.is_ascii_alphabetic());
            i += h;
        }
        if i < s.len() && s[i] == b':' {
            if i + 1 < s.len() && s[i + 1] == b':' {
                if double {
                    return 0;
                }
                double = true;
                colons += 2;
                i += 2;
                continue;
            }
            if h == 0 && !(i >= 2 && s[i - 1] == b':') {
                return 0;
            }
            colons += 1;
            i += 1;
            continue;
        }
        break;
    }
    if i > 0 && s[i - 1] == b':' && !(i >= 2 && s[i - 2] == b':') {
        return 0;
    }
    let ok = (colons == 7 && groups == 8) || (double && groups <= 7 && colons >= 2);
    if ok && (letters || double) { i } else { 0 }
}

/// MAC-style address: at least 6 groups of exactly two hex digits joined by `:` or `-`
/// (longer chains such as 12-group hardware ids are accepted too).
pub(crate) fn mac(s: &[u8]) -> usize {
    let mut i = 0;
    let mut end = 0;
    let mut groups = 0;
    let mut sep = 0u8;
    loop {
        if i + 2 <= s.len() && is_hex(s[i]) && is_hex(s[i + 1]) {
            i += 2;
            groups += 1;
            end = i;
        } else {
            break;
        }
        if i < s.len() && (s[i] == b':' || s[i] == b'-') && (sep == 0 || s[i] == sep) {
            sep = s[i];
            i += 1;
        } else {
            break;
        }
    }
    if groups >= 6 && !(end < s.len() && is_hex(s[end])) {
        end
    } else {
        0
    }
}

/// UUID: 8-4-4-4-12 hex digits.
pub(crate) fn uuid(s: &[u8]) -> usize {
    const GROUPS: [usize; 5] = [8, 4, 4, 4, 12];
    let mut i = 0;
    for (g, &n) in GROUPS.iter().enumerate() {
        if g > 0 {
            if i >= s.len() || s[i] != b'-' {
                return 0;
            }
            i += 1;
        }
        if hex_digits(&s[i..]) != n {
            return 0;
        }
        i += n;
    }
    i
}

/// Time of day: `h:mm`, `hh:mm:ss`, optional fraction `.123` or `,123`. Returns the length
/// and the number of `:`-separated parts.
pub(crate) fn time(s: &[u8]) -> (usize, usize) {
    let d = digits(s);
    if d == 0 || d > 2 {
        return (0, 0);
    }
    let mut i = d;
    let mut parts = 1;
    while parts < 3 && i + 2 < s.len() + 1 && i < s.len() && s[i] == b':' {
        let d2 = digits(&s[i + 1..]);
        if d2 != 2 {
            break;
        }
        i += 1 + d2;
        parts += 1;
    }
    if parts < 2 {
        return (0, 0);
    }
    if i + 1 < s.len() && (s[i] == b'.' || s[i] == b',') && is_digit(s[i + 1]) {
        i += 1 + digits(&s[i + 1..]);
    }
    (i, parts)
}

/// Calendar date: `yyyy-mm-dd`, `yyyy/mm/dd` or `yyyy.mm.dd`.
pub(crate) fn date(s: &[u8]) -> usize {
    if digits(s) != 4 || s.len() < 8 {
        return 0;
    }
    let sep = s[4];
    if !matches!(sep, b'-' | b'/' | b'.') {
        return 0;
    }
    let m = digits(&s[5..]);
    if m == 0 || m > 2 {
        return 0;
    }
    let i = 5 + m;
    if i >= s.len() || s[i] != sep {
        return 0;
    }
    let dd = digits(&s[i + 1..]);
    if dd == 0 || dd > 2 {
        return 0;
    }
    i + 1 + dd
}

/// Length of a URL scheme followed by `://` at the start of `s` (the scheme and the `://`).
pub(crate) fn url_scheme(s: &[u8]) -> usize {
    if !s.first().is_some_and(|b| b.is_ascii_alphabetic()) {
        return 0;
    }
    let mut i = 1;
    while i < s.len() && (s[i].is_ascii_alphanumeric() || matches!(s[i], b'+' | b'.' | b'-')) {
        i += 1;
    }
    if s[i..].starts_with(b"://") { i + 3 } else { 0 }
}

/// Whether `s` starts like a file system path: `/x`, `./x`, `../x`, `~/x`, `C:\x` or `\\x`.
pub(crate) fn path_start(s: &[u8]) -> bool {
    match s {
        [b'/', b, ..] => *b != b'/' || s.len() > 2,
        [b'.', b'/', _, ..] | [b'~', b'/', ..] => true,
        [b'.', b'.', b'/', ..] => true,
        [d, b':', b'\\', ..] => d.is_ascii_alphabetic(),
        [b'\\', b'\\', _, ..] => true,
        _ => false,
    }
}

/// `local@domain.tld` with a dotted domain of letters, digits and `-`.
pub(crate) fn email(s: &[u8]) -> usize {
    let at = match s.iter().position(|&b| b == b'@') {
        Some(p) if p > 0 => p,
        _ => return 0,
    };
    if !s[..at]
        .iter()
        .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'+'))
    {
        return 0;
    }
    let mut i = at + 1;
    let mut dots = 0;
    let mut label = 0;
    while i < s.len() && (s[i].is_ascii_alphanumeric() || s[i] == b'-' || s[i] == b'.') {
        if s[i] == b'.' {
            if label == 0 {
                return 0;
            }
            dots += 1;
            label = 0;
        } else {
            label += 1;
        }
        i += 1;
    }
    if dots >= 1 && label >= 2 && s[i - label..i].iter().all(|b| b.is_ascii_alphabetic()) {
        i
    } else {
        0
    }
}

/// Unit suffixes that turn a number into a duration.
const DURATION_UNITS: &[&[u8]] = &[
    b"ns",
    b"us",
    b"\xc2\xb5s",
    b"ms",
    b"s",
    b"sec",
    b"secs",
    b"m",
    b"min",
    b"mins",
    b"h",
    b"hr",
    b"hrs",
    b"d",
];
/// Unit suffixes that turn a number into a size (bytes, bits, and their multiples).
const SIZE_UNITS: &[&[u8]] = &[
    b"b", b"kb", b"mb", b"gb", b"tb", b"pb", b"kib", b"mib", b"gib", b"tib", b"k", b"g", b"t",
    b"bytes", b"kbps", b"mbps", b"gbps",
];

/// What a number glued to a unit is: a duration, a size, or neither.
pub(crate) fn unit_kind(unit: &[u8]) -> Option<super::VarKind> {
    if unit.is_empty() || unit.len() > 5 {
        return None;
    }
    let mut low = [0u8; 5];
    for (d, s) in low.iter_mut().zip(unit) {
        *d = s.to_ascii_lowercase();
    }
    let low = &low[..unit.len()];
    if DURATION_UNITS.contains(&low) {
        return Some(super::VarKind::Duration);
    }
    if SIZE_UNITS.contains(&low) {
        return Some(super::VarKind::Size);
    }
    None
}

/// Byte-size unit words that may follow a number after a space (`5.2 KB`): the pair is one
/// value. Spelled-out units such as `bytes` or `seconds` are left as words, since messages
/// usually mean them as part of the sentence ("2703 bytes result sent").
pub(crate) fn is_spaced_size_unit(w: &[u8]) -> bool {
    matches!(
        w,
        b"B" | b"KB" | b"MB" | b"GB" | b"TB" | b"PB" | b"kB" | b"KiB" | b"MiB" | b"GiB" | b"TiB"
    )
}

/// The first three letters of `w`, lowercased, as one number (0 if `w` is too short).
#[inline]
fn key3(w: &[u8]) -> u32 {
    if w.len() < 3 {
        return 0;
    }
    u32::from_le_bytes([w[0] | 0x20, w[1] | 0x20, w[2] | 0x20, 0])
}

const fn k(s: &[u8; 3]) -> u32 {
    u32::from_le_bytes([s[0], s[1], s[2], 0])
}

/// English month names (three letters or full, any case).
pub(crate) fn is_month(w: &[u8]) -> bool {
    const JAN: u32 = k(b"jan");
    const FEB: u32 = k(b"feb");
    const MAR: u32 = k(b"mar");
    const APR: u32 = k(b"apr");
    const MAY: u32 = k(b"may");
    const JUN: u32 = k(b"jun");
    const JUL: u32 = k(b"jul");
    const AUG: u32 = k(b"aug");
    const SEP: u32 = k(b"sep");
    const OCT: u32 = k(b"oct");
    const NOV: u32 = k(b"nov");
    const DEC: u32 = k(b"dec");
    w.len() <= 9
        && matches!(
            key3(w),
            JAN | FEB | MAR | APR | MAY | JUN | JUL | AUG | SEP | OCT | NOV | DEC
        )
        && w.iter().all(|b| b.is_ascii_alphabetic())
}

/// Whether `w`'s first three letters are those of a day or month name: the cheap test before
/// [`is_day`] and [`is_month`] are asked about a word that may open a written-out date. Most
/// words of a line go through it, so it is one multiply and one table read (a perfect hash of
/// the 19 keys) instead of a scan of the list.
#[inline]
pub(crate) fn may_start_datetime(w: &[u8]) -> bool {
    let key = key3(w);
    key != 0 && DATE_WORDS[date_slot(key)] == key
}

/// The day and month keys ([`key3`] of their names).
const DATE_KEYS: [u32; 19] = [
    k(b"jan"),
    k(b"feb"),
    k(b"mar"),
    k(b"apr"),
    k(b"may"),
    k(b"jun"),
    k(b"jul"),
    k(b"aug"),
    k(b"sep"),
    k(b"oct"),
    k(b"nov"),
    k(b"dec"),
    k(b"mon"),
    k(b"tue"),
    k(b"wed"),
    k(b"thu"),
    k(b"fri"),
    k(b"sat"),
    k(b"sun"),
];

/// Multiplier that sends the 19 [`DATE_KEYS`] to 19 different slots of 32 (found by a search;
/// the table's construction fails to compile if two keys ever shared a slot).
const DATE_MUL: u64 = 0x55c5_0e4b_ee47_21d7;

#[inline]
const fn date_slot(key: u32) -> usize {
    ((key as u64).wrapping_mul(DATE_MUL) >> 59) as usize
}

/// [`DATE_KEYS`] by [`date_slot`]; 0 (no key) in the free slots.
static DATE_WORDS: [u32; 32] = {
    let mut t = [0u32; 32];
    let mut i = 0;
    while i < DATE_KEYS.len() {
        let s = date_slot(DATE_KEYS[i]);
        assert!(t[s] == 0, "two date keys share a slot");
        t[s] = DATE_KEYS[i];
        i += 1;
    }
    t
};

/// English day names (three letters or full, any case).
pub(crate) fn is_day(w: &[u8]) -> bool {
    const MON: u32 = k(b"mon");
    const TUE: u32 = k(b"tue");
    const WED: u32 = k(b"wed");
    const THU: u32 = k(b"thu");
    const FRI: u32 = k(b"fri");
    const SAT: u32 = k(b"sat");
    const SUN: u32 = k(b"sun");
    w.len() <= 9
        && matches!(key3(w), MON | TUE | WED | THU | FRI | SAT | SUN)
        && w.iter().all(|b| b.is_ascii_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The plain loop [`ipv4`] must agree with.
    fn ipv4_reference(s: &[u8]) -> usize {
        let mut i = 0;
        for part in 0..4 {
            if part > 0 {
                if s.get(i) != Some(&b'.') {
                    return 0;
                }
                i += 1;
            }
            let start = i;
            let mut v = 0u32;
            while i < s.len() && i - start < 4 && is_digit(s[i]) {
                v = v * 10 + u32::from(s[i] - b'0');
                i += 1;
            }
            if i == start || i - start > 3 || v > 255 {
                return 0;
            }
        }
        if i + 1 < s.len() && s[i] == b'.' && is_digit(s[i + 1]) {
            return 0;
        }
        i
    }

    proptest! {
        #[test]
        fn ipv4_agrees_with_the_plain_loop(s in "[0-9.:x]{0,20}") {
            prop_assert_eq!(ipv4(s.as_bytes()), ipv4_reference(s.as_bytes()));
        }

        #[test]
        fn features_are_the_union_of_every_byte(s in proptest::collection::vec(any::<u8>(), 0..40)) {
            let plain = s.iter().fold(0, |f, &b| f | FEATURE[b as usize]);
            prop_assert_eq!(features(&s), plain);
        }

        #[test]
        fn ipv4_agrees_on_address_like_text(a in 0u32..1200, b in 0u32..300, c in 0u32..300, d in 0u32..3000, tail in "[.:0-9a]{0,3}") {
            let s = format!("{a}.{b}.{c}.{d}{tail}");
            prop_assert_eq!(ipv4(s.as_bytes()), ipv4_reference(s.as_bytes()));
        }
    }

    #[test]
    fn numbers() {
        assert_eq!(number(b"123"), 3);
        assert_eq!(number(b"-12.5,"), 5);
        assert_eq!(number(b"1.4.1"), 5);
        assert_eq!(number(b"1e10"), 4);
        assert_eq!(number(b"1ex"), 1);
        assert_eq!(number(b"x1"), 0);
        assert_eq!(number(b"-"), 0);
    }

    #[test]
    fn hexes() {
        assert_eq!(hex_prefixed(b"0x1f)"), 4);
        assert_eq!(hex_prefixed(b"0x"), 0);
        assert_eq!(hex_bare(b"003a90fc"), 8);
        assert_eq!(hex_bare(b"deadbeef"), 0);
        assert_eq!(hex_bare(b"12345678"), 0);
        assert_eq!(hex_bare(b"e820"), 0);
    }

    #[test]
    fn addresses() {
        assert_eq!(ipv4(b"10.251.42.84:50010"), 12);
        assert_eq!(ipv4(b"300.1.1.1"), 0);
        assert_eq!(ipv4(b"1.2.3"), 0);
        assert_eq!(ipv4(b"1.2.3.4.5"), 0);
        assert_eq!(ipv4(b"1.2.3.4."), 7);
        assert_eq!(ipv4(b"1.2.3.4.x"), 7);
        assert_eq!(ipv4(b"1.2.3.1234"), 0);
        assert_eq!(ipv4(b"1.2.3.256"), 0);
        assert_eq!(ipv4(b"255.255.255.255"), 15);
        assert_eq!(ipv4(b"01.2.3.4/8"), 8);
        assert_eq!(ipv4(b"1.2.3."), 0);
        assert_eq!(ipv4(b"1..3.4"), 0);
        assert_eq!(ipv6(b"fe80::1"), 7);
        assert_eq!(ipv6(b"2001:db8:0:0:0:0:2:1"), 20);
        assert_eq!(ipv6(b"07:07:00"), 0);
        assert_eq!(ipv6(b"a:b"), 0);
        assert_eq!(mac(b"00:1a:2b:3c:4d:5e"), 17);
        assert_eq!(mac(b"FF:F2:9F:16:E2:23:00:0D:60:E9:1D:DC"), 35);
        assert_eq!(mac(b"00:1a:2b"), 0);
        assert_eq!(uuid(b"70293f72-844a-4b39-9ad6-fb0ad7e364e4"), 36);
        assert_eq!(uuid(b"70293f72-844a-4b39-9ad6"), 0);
    }

    #[test]
    fn times_and_dates() {
        assert_eq!(time(b"07:07:00"), (8, 3));
        assert_eq!(time(b"07:07:00,123"), (12, 3));
        assert_eq!(time(b"7:07"), (4, 2));
        assert_eq!(time(b"123:45"), (0, 0));
        assert_eq!(date(b"2005-06-17"), 10);
        assert_eq!(date(b"2005.06.03-15.42.50"), 10);
        assert_eq!(date(b"200-06-17"), 0);
    }

    #[test]
    fn urls_paths_emails() {
        assert_eq!(url_scheme(b"hdfs://x"), 7);
        assert_eq!(url_scheme(b"akka.tcp://x"), 11);
        assert_eq!(url_scheme(b"://x"), 0);
        assert!(path_start(b"/var/log"));
        assert!(path_start(b"./run"));
        assert!(path_start(b"C:\\Users"));
        assert!(!path_start(b"/"));
        assert!(!path_start(b"a/b"));
        assert_eq!(email(b"bob@example.com"), 15);
        assert_eq!(email(b"QuorumPeer$QuorumServer@33557fe4"), 0);
        assert_eq!(email(b"@x.com"), 0);
    }

    #[test]
    fn units_and_names() {
        assert_eq!(unit_kind(b"ms"), Some(super::super::VarKind::Duration));
        assert_eq!(unit_kind(b"MB"), Some(super::super::VarKind::Size));
        assert_eq!(unit_kind(b"x"), None);
        assert!(is_spaced_size_unit(b"KB"));
        assert!(!is_spaced_size_unit(b"bytes"));
        assert!(is_month(b"Jun") && is_month(b"june") && !is_month(b"Junk1"));
        assert!(is_day(b"Fri") && !is_day(b"Fr"));
    }

    #[test]
    fn date_word_table_holds_every_key_and_nothing_else() {
        for key in DATE_KEYS {
            let w = key.to_le_bytes();
            assert!(may_start_datetime(&w[..3]));
            assert!(may_start_datetime(&[w[0] & !0x20, w[1], w[2], b'x']));
        }
        for w in [&b"jam"[..], b"Ju", b"sunk1", b"xyz", b"Ma", b"mob"] {
            assert_eq!(
                may_start_datetime(w),
                w.len() >= 3 && (is_day(&w[..3]) || is_month(&w[..3]))
            );
        }
        let listed = DATE_WORDS.iter().filter(|&&k| k != 0).count();
        assert_eq!(listed, DATE_KEYS.len());
    }
}
