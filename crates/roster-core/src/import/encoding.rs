//! Telling what a file that is not UTF-8 text probably is, so the message can say
//! which encoding to convert from (or that it is not text at all).

use std::fmt;

/// What the bytes of a file look like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-16, little-endian (Excel's "Unicode text", Windows tools).
    Utf16Le,
    /// UTF-16, big-endian.
    Utf16Be,
    /// Windows-1252 (Western European Windows): uses bytes 0x80-0x9F for € ’ “ ” –.
    Windows1252,
    /// ISO-8859-1 (Latin-1): accented letters as single bytes 0xA0-0xFF.
    Latin1,
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Utf16Le => "UTF-16 (little-endian)",
            Self::Utf16Be => "UTF-16 (big-endian)",
            Self::Windows1252 => "Windows-1252",
            Self::Latin1 => "Latin-1 (ISO-8859-1)",
        })
    }
}

/// What the start of a file says about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sniffed {
    /// Nothing at all.
    Empty,
    /// UTF-8 with a byte order mark of this many bytes (3), or plain (0).
    Text { bom: usize },
    /// UTF-16 (with or without a byte order mark).
    Utf16(Encoding),
    /// Not text: NUL bytes, or many control bytes.
    Binary,
}

/// Looks at the first bytes of a file.
pub(crate) fn sniff(head: &[u8]) -> Sniffed {
    if head.is_empty() {
        return Sniffed::Empty;
    }
    if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return Sniffed::Text { bom: 3 };
    }
    if head.starts_with(&[0xFF, 0xFE]) {
        return Sniffed::Utf16(Encoding::Utf16Le);
    }
    if head.starts_with(&[0xFE, 0xFF]) {
        return Sniffed::Utf16(Encoding::Utf16Be);
    }
    let sample = &head[..head.len().min(4096)];
    let nuls_even = sample.iter().step_by(2).filter(|&&b| b == 0).count();
    let nuls_odd = sample
        .iter()
        .skip(1)
        .step_by(2)
        .filter(|&&b| b == 0)
        .count();
    let half = sample.len() / 2;
    // ASCII text in UTF-16 has a NUL in every other byte.
    if half > 0 && nuls_odd * 10 >= half * 8 && nuls_even * 10 < half {
        return Sniffed::Utf16(Encoding::Utf16Le);
    }
    if half > 0 && nuls_even * 10 >= half * 8 && nuls_odd * 10 < half {
        return Sniffed::Utf16(Encoding::Utf16Be);
    }
    let controls = sample
        .iter()
        .filter(|&&b| b == 0 || (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C)))
        .count();
    if nuls_even + nuls_odd > 0 || controls * 20 > sample.len() {
        return Sniffed::Binary;
    }
    Sniffed::Text { bom: 0 }
}

/// The likely single-byte encoding of text that is not valid UTF-8.
pub(crate) fn guess_single_byte(bytes: &[u8]) -> Encoding {
    // 0x80-0x9F are control codes in Latin-1 that no one types; Windows-1252 puts
    // its curly quotes, dashes and the euro sign there.
    if bytes.iter().any(|b| (0x80..=0x9F).contains(b)) {
        Encoding::Windows1252
    } else {
        Encoding::Latin1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_text_utf16_and_binary_apart() {
        assert_eq!(sniff(b""), Sniffed::Empty);
        assert_eq!(sniff(b"email\n"), Sniffed::Text { bom: 0 });
        assert_eq!(sniff(b"\xEF\xBB\xBFemail"), Sniffed::Text { bom: 3 });
        assert_eq!(sniff(b"\xFF\xFEe\0m\0"), Sniffed::Utf16(Encoding::Utf16Le));
        assert_eq!(sniff(b"e\0m\0a\0i\0l\0"), Sniffed::Utf16(Encoding::Utf16Le));
        assert_eq!(sniff(b"\0e\0m\0a\0i\0l"), Sniffed::Utf16(Encoding::Utf16Be));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Sniffed::Binary);
        assert_eq!(guess_single_byte(b"Fran\xe7ois"), Encoding::Latin1);
        assert_eq!(guess_single_byte(b"\x93quoted\x94"), Encoding::Windows1252);
    }
}
