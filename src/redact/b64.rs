//! Base64 decoding, standard and URL-safe alphabets, padding optional.
//!
//! Used to look inside JWT headers, `Basic` credentials and blobs that might hide
//! instructions. Not a general-purpose codec: it rejects mixed alphabets and anything
//! that is not base64, and never panics.

/// Decode `s` as base64 (`+/` or `-_`, with or without `=` padding).
///
/// Returns `None` for characters outside the alphabet, for a mix of both alphabets and for
/// a length no encoder produces.
pub(crate) fn decode(s: &str) -> Option<Vec<u8>> {
    let body = s.trim_end_matches('=');
    if s.len() - body.len() > 2 || body.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(body.len() / 4 * 3 + 2);
    let (mut std_alpha, mut url_alpha) = (false, false);
    let mut acc: u32 = 0;
    let mut bits: u32 = 0;
    for b in body.bytes() {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' | b'/' => {
                std_alpha = true;
                if b == b'+' { 62 } else { 63 }
            }
            b'-' | b'_' => {
                url_alpha = true;
                if b == b'-' { 62 } else { 63 }
            }
            _ => return None,
        };
        if std_alpha && url_alpha {
            return None;
        }
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::decode;

    #[test]
    fn decodes_both_alphabets_with_and_without_padding() {
        assert_eq!(decode("aGVsbG8=").as_deref(), Some(&b"hello"[..]));
        assert_eq!(decode("aGVsbG8").as_deref(), Some(&b"hello"[..]));
        assert_eq!(decode("-_-_").as_deref(), Some(&[0xfb, 0xff, 0xbf][..]));
        assert_eq!(decode("+/+/").as_deref(), Some(&[0xfb, 0xff, 0xbf][..]));
    }

    #[test]
    fn rejects_what_no_encoder_writes() {
        assert_eq!(decode("a"), None);
        assert_eq!(decode("ab+_"), None);
        assert_eq!(decode("ab.c"), None);
        assert_eq!(decode("ab==="), None);
    }
}
