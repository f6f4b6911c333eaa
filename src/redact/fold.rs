//! A folded view of a string for the suspicious-content check.
//!
//! Attackers hide instructions from simple matching with look-alike letters (Cyrillic `о`,
//! fullwidth `ｉ`, mathematical bold `𝐢`), invisible characters between letters, Unicode tag
//! characters (invisible ASCII) and escapes (`%20`, `\u0069`, `&#105;`, `&lt;`). Folding maps
//! these back to plain ASCII so that the phrase rules see what a model would read. Each byte
//! of the folded text remembers where its source starts in the original, so a match found
//! in the folded text can be placed in the original.
//!
//! This module only builds the view; deciding what is suspicious is `inject`'s job.

/// The folded text and, for each of its bytes, the byte offset in the original at which the
/// source of that byte starts.
pub(crate) struct Folded {
    pub text: String,
    pub origin: Vec<usize>,
}

impl Folded {
    /// Original byte offset of folded byte `i` (the original's length past the end).
    pub fn origin_of(&self, i: usize, original_len: usize) -> usize {
        self.origin.get(i).copied().unwrap_or(original_len)
    }
}

/// Whether `c` is invisible or reorders text: zero-width and joiner characters, bidi
/// controls, the byte order mark, tag characters, variation selectors 17-256 and a few
/// fillers that render as nothing. Variation selectors 1-16 are left out: emoji use them.
pub(crate) fn is_invisible(c: char) -> bool {
    matches!(c as u32,
        0x00AD
        | 0x034F
        | 0x061C
        | 0x115F | 0x1160
        | 0x17B4 | 0x17B5
        | 0x180B..=0x180F
        | 0x200B..=0x200F
        | 0x202A..=0x202E
        | 0x2060..=0x2064
        | 0x2066..=0x206F
        | 0x3164
        | 0xFEFF
        | 0xFFA0
        | 0xFFF9..=0xFFFB
        | 0x1D173..=0x1D17A
        | 0xE0000..=0xE007F
        | 0xE0100..=0xE01EF)
}

/// Latin look-alikes from other scripts: the letters used in homoglyph attacks.
fn confusable(c: char) -> Option<char> {
    Some(match c {
        'а' => 'a',
        'в' => 'b',
        'е' => 'e',
        'к' => 'k',
        'м' => 'm',
        'н' => 'h',
        'о' => 'o',
        'р' => 'p',
        'с' => 'c',
        'т' => 't',
        'у' => 'y',
        'х' => 'x',
        'і' => 'i',
        'ј' => 'j',
        'ѕ' => 's',
        'ԁ' => 'd',
        'ӏ' => 'l',
        'ԛ' => 'q',
        'ԝ' => 'w',
        'ɡ' => 'g',
        'һ' => 'h',
        'А' => 'A',
        'В' => 'B',
        'Е' => 'E',
        'К' => 'K',
        'М' => 'M',
        'Н' => 'H',
        'О' => 'O',
        'Р' => 'P',
        'С' => 'C',
        'Т' => 'T',
        'У' => 'Y',
        'Х' => 'X',
        'І' => 'I',
        'Ј' => 'J',
        'Ѕ' => 'S',
        'α' => 'a',
        'ε' => 'e',
        'ι' => 'i',
        'κ' => 'k',
        'ν' => 'v',
        'ο' => 'o',
        'ρ' => 'p',
        'τ' => 't',
        'υ' => 'u',
        'χ' => 'x',
        'Α' => 'A',
        'Β' => 'B',
        'Ε' => 'E',
        'Η' => 'H',
        'Ι' => 'I',
        'Κ' => 'K',
        'Μ' => 'M',
        'Ν' => 'N',
        'Ο' => 'O',
        'Ρ' => 'P',
        'Τ' => 'T',
        'Υ' => 'Y',
        'Χ' => 'X',
        'Ζ' => 'Z',
        'ı' => 'i',
        'ȷ' => 'j',
        'ℓ' => 'l',
        'ℯ' => 'e',
        'ℊ' => 'g',
        'ℎ' => 'h',
        'ℴ' => 'o',
        '\u{3000}' | '\u{00A0}' | '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{205F}' => ' ',
        _ => return None,
    })
}

/// Plain ASCII for a wide or styled letter: fullwidth forms, mathematical alphanumerics,
/// circled and parenthesised letters, and look-alikes.
fn fold_char(c: char) -> Option<char> {
    let u = c as u32;
    match u {
        // Fullwidth ASCII.
        0xFF01..=0xFF5E => char::from_u32(u - 0xFEE0),
        // Tag characters spell ASCII invisibly.
        0xE0020..=0xE007E => char::from_u32(u - 0xE0000),
        // Mathematical alphanumeric letters come in blocks of 52 (A-Z then a-z) per style.
        // The few holes in the blocks are unassigned, so the arithmetic is safe.
        0x1D400..=0x1D6A3 => {
            let i = (u - 0x1D400) % 52;
            let base = if i < 26 { b'A' } else { b'a' };
            Some(char::from(base + (i % 26) as u8))
        }
        // Mathematical digits: five styles of 0-9.
        0x1D7CE..=0x1D7FF => Some(char::from(b'0' + ((u - 0x1D7CE) % 10) as u8)),
        // Circled letters.
        0x24B6..=0x24CF => char::from_u32(u - 0x24B6 + u32::from(b'A')),
        0x24D0..=0x24E9 => char::from_u32(u - 0x24D0 + u32::from(b'a')),
        // Parenthesised small letters.
        0x249C..=0x24B5 => char::from_u32(u - 0x249C + u32::from(b'a')),
        _ => confusable(c),
    }
}

fn hex_val(b: u8) -> Option<u32> {
    (b as char).to_digit(16)
}

/// Decode an escape starting at `s[i]`: `%XX`, `\uXXXX`, `\xXX`, `&#NN;`, `&#xHH;` and the
/// five XML entities. Returns the character and the escape's length.
fn escape_at(s: &[u8], i: usize) -> Option<(char, usize)> {
    let rest = &s[i..];
    let hex = |from: usize, n: usize| -> Option<u32> {
        let digits = rest.get(from..from + n)?;
        digits
            .iter()
            .try_fold(0u32, |acc, &b| Some(acc * 16 + hex_val(b)?))
    };
    match rest.first()? {
        b'%' => Some((char::from_u32(hex(1, 2)?)?, 3)),
        b'\\' => match rest.get(1)? {
            b'u' => Some((char::from_u32(hex(2, 4)?)?, 6)),
            b'x' => Some((char::from_u32(hex(2, 2)?)?, 4)),
            _ => None,
        },
        b'&' => {
            for (name, c) in [
                ("&lt;", '<'),
                ("&gt;", '>'),
                ("&quot;", '"'),
                ("&amp;", '&'),
                ("&apos;", '\''),
            ] {
                if rest.len() >= name.len()
                    && rest[..name.len()].eq_ignore_ascii_case(name.as_bytes())
                {
                    return Some((c, name.len()));
                }
            }
            if rest.get(1) != Some(&b'#') {
                return None;
            }
            let (radix, start) = match rest.get(2) {
                Some(b'x' | b'X') => (16, 3),
                _ => (10, 2),
            };
            let end = rest.iter().skip(start).take(8).position(|&b| b == b';')? + start;
            let num = std::str::from_utf8(&rest[start..end]).ok()?;
            let v = u32::from_str_radix(num, radix).ok()?;
            Some((char::from_u32(v)?, end + 1))
        }
        _ => None,
    }
}

/// Build the folded view, or `None` when folding would change nothing (the common case,
/// and the reason this returns early on ASCII text without escapes).
pub(crate) fn fold(s: &str) -> Option<Folded> {
    let bytes = s.as_bytes();
    let has_escape = memchr::memchr3(b'%', b'\\', b'&', bytes).is_some();
    if s.is_ascii() && !has_escape {
        return None;
    }
    let mut text = String::with_capacity(s.len());
    let mut origin = Vec::with_capacity(s.len());
    let mut changed = false;
    let mut i = 0;
    while i < s.len() {
        let Some(c) = s[i..].chars().next() else {
            break;
        };
        let (out, len) = if let Some((d, n)) = escape_at(bytes, i) {
            (Some(fold_char(d).unwrap_or(d)), n)
        } else if is_invisible(c) && !(0xE0020..=0xE007E).contains(&(c as u32)) {
            (None, c.len_utf8())
        } else {
            (fold_char(c).or(Some(c)), c.len_utf8())
        };
        match out {
            Some(o) => {
                if o != c || len != c.len_utf8() {
                    changed = true;
                }
                let before = text.len();
                text.push(o);
                origin.extend(std::iter::repeat_n(i, text.len() - before));
            }
            None => changed = true,
        }
        i += len;
    }
    changed.then_some(Folded { text, origin })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_lookalikes_escapes_and_hidden_characters() {
        let f = fold("ign\u{043E}re pr\u{200B}evious %69nstructions \\u0061nd &#105;").unwrap();
        assert_eq!(f.text, "ignore previous instructions and i");
        let f = fold("\u{FF49}\u{FF47}\u{FF4E}\u{1D428}\u{1D42B}\u{1D41E}").unwrap();
        assert_eq!(f.text, "ignore");
        let f = fold("\u{E0069}\u{E0067}").unwrap();
        assert_eq!(f.text, "ig");
    }

    #[test]
    fn origins_point_into_the_original() {
        let s = "a%41b";
        let f = fold(s).unwrap();
        assert_eq!(f.text, "aAb");
        assert_eq!(f.origin, vec![0, 1, 4]);
    }

    #[test]
    fn plain_ascii_needs_no_view() {
        assert!(fold("plain text with no escapes").is_none());
        assert!(fold("100% done").is_none());
    }
}
