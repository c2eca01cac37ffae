//! Text encodings of legacy exports: UTF-8 with or without a byte order mark and Windows-1252 are
//! decoded; UTF-16, DOS code pages and text that was UTF-8 read as Windows-1252 and saved again are
//! refused with the line and column where they show.

use super::source::{Encoding, EncodingChoice, SourceError};

const UTF8_BOM: &[u8] = &[0xEF, 0xBB, 0xBF];

/// Windows-1252 for 0x80–0x9F; `None` for the five bytes it leaves undefined. 0xA0–0xFF are Latin-1.
const WINDOWS_1252_HIGH: [Option<char>; 32] = [
    Some('\u{20AC}'), // 0x80 €
    None,             // 0x81
    Some('\u{201A}'), // ‚
    Some('\u{0192}'), // ƒ
    Some('\u{201E}'), // „
    Some('\u{2026}'), // …
    Some('\u{2020}'), // †
    Some('\u{2021}'), // ‡
    Some('\u{02C6}'), // ˆ
    Some('\u{2030}'), // ‰
    Some('\u{0160}'), // Š
    Some('\u{2039}'), // ‹
    Some('\u{0152}'), // Œ
    None,             // 0x8D
    Some('\u{017D}'), // Ž
    None,             // 0x8F
    None,             // 0x90
    Some('\u{2018}'), // ‘
    Some('\u{2019}'), // ’
    Some('\u{201C}'), // “
    Some('\u{201D}'), // ”
    Some('\u{2022}'), // •
    Some('\u{2013}'), // –
    Some('\u{2014}'), // —
    Some('\u{02DC}'), // ˜
    Some('\u{2122}'), // ™
    Some('\u{0161}'), // š
    Some('\u{203A}'), // ›
    Some('\u{0153}'), // œ
    None,             // 0x9D
    Some('\u{017E}'), // ž
    Some('\u{0178}'), // 0x9F Ÿ
];

/// What CP850/CP437 letters (ä ö ô é å ç ë ï ø ê ÿ ò Ö) become when read as Windows-1252.
const DOS_LETTERS_AS_1252: &[char] = &[
    '\u{201E}', '\u{201D}', '\u{201C}', '\u{201A}', '\u{2020}', '\u{2021}', '\u{2030}', '\u{2039}', '\u{203A}',
    '\u{02C6}', '\u{02DC}', '\u{2022}', '\u{2122}',
];

/// Takes the bytes by value so that UTF-8, the common case, becomes the text without a copy.
pub(crate) fn decode(
    file: &str,
    mut bytes: Vec<u8>,
    choice: EncodingChoice,
) -> Result<(String, Encoding), SourceError> {
    let utf16 = |reason| SourceError::Utf16 {
        file: file.to_owned(),
        reason,
    };
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(utf16("it starts with a UTF-16 byte order mark"));
    }
    // Text in any 8-bit encoding has no NUL; UTF-16 without a byte order mark has one in every
    // ASCII character.
    if bytes[..bytes.len().min(4096)].contains(&0) {
        return Err(utf16("it has NUL bytes"));
    }

    let (text, encoding) = if bytes.starts_with(UTF8_BOM) {
        if choice == EncodingChoice::Windows1252 {
            return Err(SourceError::Utf8BomNotWindows1252 { file: file.to_owned() });
        }
        bytes.drain(..UTF8_BOM.len());
        let text = utf8(file, bytes, "the file starts with a UTF-8 byte order mark")?;
        (text, Encoding::Utf8WithBom)
    } else {
        match choice {
            EncodingChoice::Utf8 => (utf8(file, bytes, "UTF-8 was asked for")?, Encoding::Utf8),
            EncodingChoice::Windows1252 => {
                let text = windows_1252(&bytes).map_err(|at| {
                    let (line, column) = byte_position(&bytes, at, Columns::Bytes);
                    SourceError::NotWindows1252 {
                        file: file.to_owned(),
                        line,
                        column,
                        byte: bytes[at],
                    }
                })?;
                check_dos_code_page(file, &text)?;
                (text, Encoding::Windows1252)
            }
            EncodingChoice::Auto => match String::from_utf8(bytes) {
                Ok(text) => (text, Encoding::Utf8),
                Err(error) => {
                    let invalid = error.utf8_error().valid_up_to();
                    let bytes = error.as_bytes();
                    let text = windows_1252(bytes).map_err(|undefined| {
                        let (line, column) = byte_position(bytes, invalid, Columns::Utf8Chars);
                        let (undefined_line, undefined_column) = byte_position(bytes, undefined, Columns::Bytes);
                        SourceError::UnknownEncoding {
                            file: file.to_owned(),
                            line,
                            column,
                            byte: bytes[invalid],
                            undefined_line,
                            undefined_column,
                            undefined_byte: bytes[undefined],
                        }
                    })?;
                    check_dos_code_page(file, &text)?;
                    (text, Encoding::Windows1252)
                }
            },
        }
    };
    check_double_encoding(file, &text)?;
    Ok((text, encoding))
}

/// `why` says why the file had to be UTF-8.
fn utf8(file: &str, bytes: Vec<u8>, why: &'static str) -> Result<String, SourceError> {
    String::from_utf8(bytes).map_err(|error| {
        let at = error.utf8_error().valid_up_to();
        let bytes = error.as_bytes();
        let (line, column) = byte_position(bytes, at, Columns::Utf8Chars);
        SourceError::NotUtf8 {
            file: file.to_owned(),
            line,
            column,
            byte: bytes[at],
            why,
        }
    })
}

/// Decodes Windows-1252; `Err` holds the index of the first undefined byte.
fn windows_1252(bytes: &[u8]) -> Result<String, usize> {
    let mut text = String::with_capacity(bytes.len() + bytes.len() / 8);
    for (i, &b) in bytes.iter().enumerate() {
        let c = match b {
            0x80..=0x9F => WINDOWS_1252_HIGH[usize::from(b - 0x80)].ok_or(i)?,
            _ => char::from(b),
        };
        text.push(c);
    }
    Ok(text)
}

/// The Windows-1252 byte of a character, if it has one.
pub fn windows_1252_byte(c: char) -> Option<u8> {
    match u32::from(c) {
        0x00..=0x7F | 0xA0..=0xFF => u8::try_from(u32::from(c)).ok(),
        _ => WINDOWS_1252_HIGH
            .iter()
            .position(|&h| h == Some(c))
            .and_then(|i| u8::try_from(0x80 + i).ok()),
    }
}

#[derive(Clone, Copy)]
enum Columns {
    /// Characters of the line before the byte, which are valid UTF-8 (the byte is the first invalid one).
    Utf8Chars,
    /// Bytes, for Windows-1252 where each byte is a character.
    Bytes,
}

/// 1-based line and column of byte `at` in undecoded `bytes`.
fn byte_position(bytes: &[u8], at: usize, columns: Columns) -> (u64, u64) {
    let before = &bytes[..at];
    let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
    let prefix = &before[line_start..];
    let column = match (columns, std::str::from_utf8(prefix)) {
        (Columns::Utf8Chars, Ok(prefix)) => prefix.chars().count(),
        _ => prefix.len(),
    };
    (line as u64, column as u64 + 1)
}

/// 1-based line and column, in characters, of byte index `at` in decoded `text`.
fn text_position(text: &str, at: usize) -> (u64, u64) {
    let before = &text[..at];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = 1 + before.bytes().filter(|&b| b == b'\n').count();
    (line as u64, before[line_start..].chars().count() as u64 + 1)
}

/// Refuses Windows-1252 text in which a DOS letter read as Windows-1252 punctuation stands between
/// two letters: real punctuation hardly ever does.
fn check_dos_code_page(file: &str, text: &str) -> Result<(), SourceError> {
    let mut previous: [Option<(usize, char)>; 2] = [None, None];
    for (i, c) in text.char_indices() {
        if let [Some((_, before)), Some((at, found))] = previous
            && before.is_alphabetic()
            && c.is_alphabetic()
            && DOS_LETTERS_AS_1252.contains(&found)
        {
            let (line, column) = text_position(text, at);
            return Err(SourceError::DosCodePage {
                file: file.to_owned(),
                line,
                column,
                found,
                word: word_around(text, at),
            });
        }
        previous = [previous[1], Some((i, c))];
    }
    Ok(())
}

/// The run of letters (and DOS letters read as punctuation) around byte index `at`, for messages.
fn word_around(text: &str, at: usize) -> String {
    let part_of_word = |c: char| c.is_alphanumeric() || DOS_LETTERS_AS_1252.contains(&c);
    let start = text[..at]
        .char_indices()
        .rev()
        .find(|&(_, c)| !part_of_word(c))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let end = text[at..]
        .char_indices()
        .find(|&(_, c)| !part_of_word(c))
        .map_or(text.len(), |(i, _)| at + i);
    text[start..end].chars().take(40).collect()
}

/// Refuses `Ã` or `Â` followed by what a UTF-8 continuation byte reads as in Windows-1252 (or
/// Latin-1): that is UTF-8 decoded as Windows-1252 and saved again, "Ã¤" for "ä".
fn check_double_encoding(file: &str, text: &str) -> Result<(), SourceError> {
    match find_double_encoding(text) {
        None => Ok(()),
        Some((at, lead, next)) => {
            let (line, column) = text_position(text, at);
            Err(double_encoded(file, line, column, lead, next))
        }
    }
}

/// The byte index and the two characters of the first double-encoded pair.
pub(crate) fn find_double_encoding(text: &str) -> Option<(usize, char, char)> {
    let mut previous: Option<(usize, char)> = None;
    for (i, c) in text.char_indices() {
        if let Some((at, lead @ ('Ã' | 'Â'))) = previous
            && (('\u{80}'..='\u{BF}').contains(&c) || WINDOWS_1252_HIGH.contains(&Some(c)))
        {
            return Some((at, lead, c));
        }
        previous = Some((i, c));
    }
    None
}

pub(crate) fn double_encoded(file: &str, line: u64, column: u64, lead: char, next: char) -> SourceError {
    // The two characters' Windows-1252 bytes are the UTF-8 of the character meant.
    let meant = match (windows_1252_byte(lead), windows_1252_byte(next)) {
        (Some(a), Some(b)) => std::str::from_utf8(&[a, b]).map_or(String::new(), |s| format!(" (meant \"{s}\")")),
        _ => String::new(),
    };
    SourceError::DoubleEncoded {
        file: file.to_owned(),
        line,
        column,
        found: [lead, next].iter().collect(),
        meant,
    }
}
