//! UTF-16 text with a byte-order mark, read as UTF-8.
//!
//! Owns [`Utf16Sniffer`], a reader that looks at the first two bytes of a stream: after a
//! UTF-16 byte-order mark (what Windows tools such as PowerShell's `>` write) it decodes the
//! rest to UTF-8, so that headers, templates and reports see text rather than a NUL after
//! every ASCII byte; anything else passes through untouched. Without a mark UTF-16 is not
//! guessed: bytes are bytes, as everywhere else in the pipeline. It does not split lines or
//! decompress; `source` puts it above the decompressor, so a gzipped UTF-16 log is read too.

use std::io::{self, Read};

/// UTF-16 little-endian byte-order mark (U+FEFF as FF FE; Unicode 15.0, section 23.8).
pub const UTF16LE_BOM: [u8; 2] = [0xff, 0xfe];

/// UTF-16 big-endian byte-order mark (U+FEFF as FE FF).
pub const UTF16BE_BOM: [u8; 2] = [0xfe, 0xff];

/// Raw bytes decoded per read: enough to amortise the call, small next to the caller's buffer.
const DECODE_CHUNK_BYTES: usize = 64 * 1024;

/// Whether `magic` starts with a UTF-16 byte-order mark.
pub fn has_utf16_bom(magic: &[u8]) -> bool {
    magic.starts_with(&UTF16LE_BOM) || magic.starts_with(&UTF16BE_BOM)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// The first bytes have not been read yet.
    Unknown,
    /// No byte-order mark: bytes pass through.
    Plain,
    /// UTF-16, little-endian.
    Le,
    /// UTF-16, big-endian.
    Be,
}

/// A reader that decodes UTF-16 with a byte-order mark to UTF-8 and passes anything else
/// through. Unpaired surrogates and an odd last byte become U+FFFD, as lossy UTF-8
/// decoding does elsewhere; read errors of the inner reader are passed on unchanged.
pub struct Utf16Sniffer<R> {
    inner: R,
    mode: Mode,
    /// Bytes ready to be returned: the sniffed prefix in plain mode, decoded UTF-8 otherwise.
    out: Vec<u8>,
    pos: usize,
    raw: Vec<u8>,
    /// The first byte of a code unit split across reads.
    odd: Option<u8>,
    /// A high surrogate waiting for its low half.
    high: Option<u16>,
}

impl<R: Read> Utf16Sniffer<R> {
    /// Wraps `inner`; nothing is read until the first `read`.
    pub fn new(inner: R) -> Utf16Sniffer<R> {
        Utf16Sniffer {
            inner,
            mode: Mode::Unknown,
            out: Vec::new(),
            pos: 0,
            raw: Vec::new(),
            odd: None,
            high: None,
        }
    }

    /// Reads the first two bytes (fewer at the end of the input) and picks the mode.
    fn sniff(&mut self) -> io::Result<()> {
        let mut magic = [0u8; 2];
        let mut got = 0;
        while got < magic.len() {
            match self.inner.read(&mut magic[got..]) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    // Keep what was read: it is plain text before the error.
                    self.mode = Mode::Plain;
                    self.out.extend_from_slice(&magic[..got]);
                    return Err(e);
                }
            }
        }
        let magic = &magic[..got];
        self.mode = if magic == UTF16LE_BOM {
            Mode::Le
        } else if magic == UTF16BE_BOM {
            Mode::Be
        } else {
            self.out.extend_from_slice(magic);
            Mode::Plain
        };
        Ok(())
    }

    fn push_char(&mut self, c: char) {
        let mut buf = [0u8; 4];
        self.out
            .extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
    }

    fn push_unit(&mut self, unit: u16) {
        if let Some(high) = self.high.take() {
            if (0xdc00..=0xdfff).contains(&unit) {
                let c = 0x1_0000 + ((u32::from(high) - 0xd800) << 10) + (u32::from(unit) - 0xdc00);
                self.push_char(char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER));
                return;
            }
            self.push_char(char::REPLACEMENT_CHARACTER);
        }
        match unit {
            0xd800..=0xdbff => self.high = Some(unit),
            0xdc00..=0xdfff => self.push_char(char::REPLACEMENT_CHARACTER),
            u => {
                self.push_char(char::from_u32(u32::from(u)).unwrap_or(char::REPLACEMENT_CHARACTER))
            }
        }
    }

    /// Decodes the next raw chunk into `out`; `false` at the end of the input.
    fn decode_more(&mut self) -> io::Result<bool> {
        self.raw.resize(DECODE_CHUNK_BYTES, 0);
        let n = loop {
            match self.inner.read(&mut self.raw) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        };
        self.out.clear();
        self.pos = 0;
        if n == 0 {
            if self.odd.take().is_some() || self.high.take().is_some() {
                self.push_char(char::REPLACEMENT_CHARACTER);
            }
            return Ok(!self.out.is_empty());
        }
        let raw = std::mem::take(&mut self.raw);
        let mut bytes = &raw[..n];
        if let Some(first) = self.odd.take() {
            let pair = [first, bytes[0]];
            self.push_unit(self.unit(pair));
            bytes = &bytes[1..];
        }
        let mut pairs = bytes.chunks_exact(2);
        for pair in &mut pairs {
            self.push_unit(self.unit([pair[0], pair[1]]));
        }
        self.odd = pairs.remainder().first().copied();
        self.raw = raw;
        Ok(true)
    }

    fn unit(&self, pair: [u8; 2]) -> u16 {
        match self.mode {
            Mode::Be => u16::from_be_bytes(pair),
            _ => u16::from_le_bytes(pair),
        }
    }
}

impl<R: Read> Read for Utf16Sniffer<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.mode == Mode::Unknown {
            self.sniff()?;
        }
        loop {
            if self.pos < self.out.len() {
                let n = buf.len().min(self.out.len() - self.pos);
                buf[..n].copy_from_slice(&self.out[self.pos..self.pos + n]);
                self.pos += n;
                return Ok(n);
            }
            match self.mode {
                Mode::Unknown | Mode::Plain => return self.inner.read(buf),
                Mode::Le | Mode::Be => {
                    if !self.decode_more()? {
                        return Ok(0);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(bytes: &[u8], chunk: usize) -> Vec<u8> {
        /// Hands out at most `chunk` bytes per read, to split code units and pairs.
        struct Dribble<'a>(&'a [u8], usize);
        impl Read for Dribble<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let n = self.0.len().min(self.1).min(buf.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut out = Vec::new();
        Utf16Sniffer::new(Dribble(bytes, chunk))
            .read_to_end(&mut out)
            .unwrap_or_else(|e| panic!("read: {e}"));
        out
    }

    fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
        let mut v = if big_endian {
            UTF16BE_BOM.to_vec()
        } else {
            UTF16LE_BOM.to_vec()
        };
        for u in text.encode_utf16() {
            v.extend_from_slice(&if big_endian {
                u.to_be_bytes()
            } else {
                u.to_le_bytes()
            });
        }
        v
    }

    #[test]
    fn both_byte_orders_decode_to_utf8_whatever_the_read_sizes() {
        let text = "2026-11-27 13:00:00 ERROR café 🚀 done\r\nnext line\n";
        for big_endian in [false, true] {
            for chunk in [1, 3, 4, 7, 1 << 20] {
                assert_eq!(
                    read_all(&utf16(text, big_endian), chunk),
                    text.as_bytes(),
                    "big_endian={big_endian} chunk={chunk}"
                );
            }
        }
    }

    #[test]
    fn without_a_mark_bytes_pass_through() {
        let inputs: [&[u8]; 5] = [
            b"",
            b"a",
            b"ab",
            b"plain\0text\xff\n",
            b"\xff\xfdnot a mark",
        ];
        for input in inputs {
            assert_eq!(read_all(input, 1), input);
            assert_eq!(read_all(input, 4096), input);
        }
    }

    #[test]
    fn broken_utf16_becomes_replacement_characters() {
        let mut v = UTF16LE_BOM.to_vec();
        v.extend_from_slice(&0xd83du16.to_le_bytes()); // a high surrogate alone
        v.extend_from_slice(&u16::from(b'a').to_le_bytes());
        v.extend_from_slice(&0xde80u16.to_le_bytes()); // a low surrogate alone
        v.push(b'b'); // half a code unit
        assert_eq!(
            String::from_utf8(read_all(&v, 3)).ok().as_deref(),
            Some("\u{fffd}a\u{fffd}\u{fffd}")
        );
    }
}
