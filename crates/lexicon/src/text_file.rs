//! Reading the text of curators' files: line breaks of every platform, and the encodings
//! that lists exported from spreadsheets and older tools arrive in.
//!
//! `.lex` files and `categories.toml` are websense's own formats and must be UTF-8: a line
//! that is not is reported and skipped ([`decode_utf8_lines`]), so one bad byte costs one
//! line. Files to import are whatever a curator has ([`decode_import`]): a byte order mark
//! (UTF-8, UTF-16) is obeyed, UTF-8 is read as it is, and anything else is converted from
//! the encoding the curator names (`--encoding`) or, failing that, the one `chardetng`
//! guesses, with a warning naming it, so a windows-1252 list keeps its `é` instead of
//! losing the line. Bare CR line endings (classic Mac OS) are read as line breaks in both,
//! with a warning, instead of making the whole file one line.

use crate::{Problem, ProblemKind};
use encoding_rs::Encoding;
use std::borrow::Cow;
use std::path::Path;

/// `input` with CRLF and bare CR line breaks as LF, and the number of bare CRs.
pub(crate) fn unify_line_break_bytes(input: &[u8]) -> (Cow<'_, [u8]>, usize) {
    if !input.contains(&b'\r') {
        return (Cow::Borrowed(input), 0);
    }
    let mut unified = Vec::with_capacity(input.len());
    let mut bare = 0;
    for (i, &b) in input.iter().enumerate() {
        match b {
            b'\r' if input.get(i + 1) == Some(&b'\n') => {}
            b'\r' => {
                bare += 1;
                unified.push(b'\n');
            }
            _ => unified.push(b),
        }
    }
    (Cow::Owned(unified), bare)
}

/// [`unify_line_break_bytes`] for text (only ASCII CRs become ASCII LFs, so it stays UTF-8).
pub(crate) fn unify_line_breaks(input: &str) -> (Cow<'_, str>, usize) {
    match unify_line_break_bytes(input.as_bytes()) {
        (Cow::Borrowed(_), _) => (Cow::Borrowed(input), 0),
        (Cow::Owned(bytes), bare) => (
            Cow::Owned(String::from_utf8(bytes).unwrap_or_else(|_| input.to_string())),
            bare,
        ),
    }
}

pub(crate) fn bare_cr_warning(source: &Path, bare_cr: usize) -> Problem {
    Problem::warning(
        ProblemKind::Suspicious,
        source,
        0,
        format!(
            "{bare_cr} line(s) end in a bare CR (classic Mac OS line endings); read as line \
             breaks, and counted so in the line numbers"
        ),
    )
}

/// Text of one of websense's own files, line numbers kept: bare CRs are line breaks (with a
/// warning), and a line that is not UTF-8 is reported and read as empty.
pub(crate) fn decode_utf8_lines(file: &Path, bytes: &[u8], problems: &mut Vec<Problem>) -> String {
    let (bytes, bare_cr) = unify_line_break_bytes(bytes);
    if bare_cr > 0 {
        problems.push(bare_cr_warning(file, bare_cr));
    }
    if let Ok(text) = std::str::from_utf8(&bytes) {
        return text.to_string();
    }
    let mut text = String::with_capacity(bytes.len());
    for (index, line) in bytes.split(|&b| b == b'\n').enumerate() {
        if index > 0 {
            text.push('\n');
        }
        match std::str::from_utf8(line) {
            Ok(line) => text.push_str(line),
            Err(_) => problems.push(Problem::error(
                ProblemKind::NotUtf8,
                file,
                index + 1,
                "line is not UTF-8 (save the file as UTF-8); skipped",
            )),
        }
    }
    text
}

/// The encoding of an encoding label (`windows-1252`, `latin1`, `utf-16le`, `shift_jis`, ...),
/// as the WHATWG Encoding Standard names them.
pub fn encoding_for_label(label: &str) -> Option<&'static Encoding> {
    Encoding::for_label(label.trim().as_bytes())
}

/// Text of a file to import, as UTF-8 with LF line breaks (see the module documentation).
/// `declared`: the encoding the curator named, used unless a byte order mark says otherwise.
pub(crate) fn decode_import(
    file: &Path,
    bytes: &[u8],
    declared: Option<&'static Encoding>,
    problems: &mut Vec<Problem>,
) -> String {
    let (encoding, how) = match Encoding::for_bom(bytes) {
        Some((encoding, _)) => (encoding, "its byte order mark"),
        None => match (declared, std::str::from_utf8(bytes)) {
            (Some(encoding), _) => (encoding, "--encoding"),
            (None, Ok(_)) => (encoding_rs::UTF_8, ""),
            (None, Err(_)) => {
                use chardetng::{EncodingDetector, Iso2022JpDetection, Utf8Detection};
                let mut detector = EncodingDetector::new(Iso2022JpDetection::Deny);
                detector.feed(bytes, true);
                // Most curators' lists are Dutch: the hint breaks ties between Western
                // single-byte encodings without ruling out others.
                (detector.guess(Some(b"nl"), Utf8Detection::Deny), "a guess")
            }
        },
    };
    // decode() strips the byte order mark and replaces bytes the encoding lacks.
    let (text, _, malformed) = encoding.decode(bytes);
    if encoding != encoding_rs::UTF_8 || how == "--encoding" {
        problems.push(Problem::warning(
            ProblemKind::Suspicious,
            file,
            0,
            format!(
                "read as {} ({how}){}; check the accents in what is written, or name the \
                 encoding with --encoding",
                encoding.name(),
                if malformed {
                    ", with bytes it does not define replaced by U+FFFD"
                } else {
                    ""
                }
            ),
        ));
    } else if malformed {
        problems.push(Problem::warning(
            ProblemKind::NotUtf8,
            file,
            0,
            "bytes that are not UTF-8 were replaced by U+FFFD",
        ));
    }
    let (text, bare_cr) = unify_line_breaks(&text);
    if bare_cr > 0 {
        problems.push(bare_cr_warning(file, bare_cr));
    }
    text.into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn import(bytes: &[u8], declared: Option<&str>) -> (String, Vec<Problem>) {
        let mut problems = Vec::new();
        let declared = declared.map(|l| encoding_for_label(l).unwrap());
        let text = decode_import(Path::new("in.txt"), bytes, declared, &mut problems);
        (text, problems)
    }

    #[test]
    fn utf8_is_read_as_it_is_without_a_warning() {
        let (text, problems) = import("volksverrader\nlügenpresse\n".as_bytes(), None);
        assert_eq!(text, "volksverrader\nlügenpresse\n");
        assert!(problems.is_empty(), "{problems:?}");
    }

    #[test]
    fn windows_1252_is_guessed_converted_and_named() {
        let bytes = b"l\xfcgenpresse\ncollaborat\xe9ur\nna\xefef\nge\xebxecuteerd\r\n\
                      d\xe9j\xe0 vu\n\x93tussen aanhalingstekens\x94\n";
        let (text, problems) = import(bytes, None);
        assert!(
            text.contains("lügenpresse\ncollaboratéur\nnaïef\ngeëxecuteerd\ndéjà vu\n"),
            "{text}"
        );
        assert!(
            text.contains("\u{201c}tussen aanhalingstekens\u{201d}"),
            "{text}"
        );
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].message.contains("windows-1252 (a guess)"),
            "{}",
            problems[0].message
        );
    }

    #[test]
    fn utf16_with_a_byte_order_mark_is_read() {
        let mut bytes = vec![0xFF, 0xFE];
        for unit in "ongedierte\r\nöüë\r\n".encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        let (text, problems) = import(&bytes, None);
        assert_eq!(text, "ongedierte\nöüë\n");
        assert!(
            problems[0]
                .message
                .contains("UTF-16LE (its byte order mark)"),
            "{problems:?}"
        );
    }

    #[test]
    fn a_declared_encoding_wins_over_the_guess_and_is_named() {
        // KOI8-R bytes that also decode (wrongly) in other single-byte encodings.
        let (text, problems) = import(b"\xd7\xd2\xc1\xc7\n", Some("koi8-r"));
        assert_eq!(text, "враг\n");
        assert!(
            problems[0].message.contains("KOI8-R (--encoding)"),
            "{problems:?}"
        );
    }

    #[test]
    fn bare_cr_lines_are_lines_in_own_files_too() {
        let mut problems = Vec::new();
        let text = decode_utf8_lines(Path::new("a.lex"), b"name: a\r[x]\rterm\r", &mut problems);
        assert_eq!(text.lines().collect::<Vec<_>>(), ["name: a", "[x]", "term"]);
        assert_eq!(problems.len(), 1);
        let text = decode_utf8_lines(Path::new("b.lex"), b"ok\n\xff\xfe\nok\n", &mut problems);
        assert_eq!(text, "ok\n\nok\n");
        assert_eq!(problems[1].location.line, 2);
    }
}
