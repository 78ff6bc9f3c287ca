//! Bytes to UTF-8, whatever the server claims.
//!
//! Feeds in the wild are ISO-8859-1 or Windows-1252 with or without saying so, UTF-16 or
//! UTF-32 with or without a BOM, Shift_JIS or KOI8-R sent without any charset, or labelled
//! UTF-8 while they are not. The order of evidence, strongest first:
//!
//! 1. a byte order mark (UTF-32 ones before UTF-16: `FF FE 00 00` starts both);
//! 2. the bytes of `<` in UTF-32 or `<?` in UTF-16 without a BOM;
//! 3. the charset in the HTTP `Content-Type`, then the one inside the document (the XML
//!    prolog's `encoding=`, or an HTML `<meta charset>`; JSON has only the header); a
//!    declaration is passed over when the bytes contradict it: "UTF-8" that is not valid
//!    UTF-8, or a single-byte charset over bytes that are valid UTF-8 with non-ASCII in them
//!    (a mislabelled UTF-8 feed);
//! 4. otherwise UTF-8 when the bytes are valid UTF-8, else a guess by `chardetng` (the
//!    detector Firefox uses for unlabelled pages), which the result marks as guessed so the
//!    collector can say so.
//!
//! Decoding never fails: bytes invalid in the chosen encoding become U+FFFD, and the result
//! says so, so a collector can log it rather than lose the item. Text that was decoded wrongly
//! before it reached us (double-encoded UTF-8 such as `â€¦`, or Windows-1252 punctuation left
//! as C1 controls such as U+0092) is repaired by [`repair_text`].

use chardetng::{EncodingDetector, Iso2022JpDetection, Utf8Detection};
use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8, WINDOWS_1252};

/// A body decoded to UTF-8.
#[derive(Debug)]
pub struct Decoded {
    pub text: String,
    /// The encoding's name (`UTF-8`, `Shift_JIS`, `UTF-32LE`, ...).
    pub encoding: &'static str,
    /// Nothing declared it and the bytes were not UTF-8: `encoding` is `chardetng`'s guess.
    pub guessed: bool,
    /// Some bytes were invalid in `encoding` and were replaced by U+FFFD.
    pub had_errors: bool,
}

/// What kind of document the bytes are, which says where an in-document declaration is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocKind {
    Xml,
    Html,
    /// JSON is UTF-8 (RFC 8259), but servers that say `charset=iso-8859-1` mostly mean it.
    Json,
}

enum Chosen {
    Known(&'static Encoding, usize),
    Guessed(&'static Encoding),
    Utf32 { big_endian: bool, skip: usize },
}

/// Decode `bytes` to UTF-8. `content_type` is the HTTP header, if any.
pub fn decode(bytes: &[u8], content_type: Option<&str>, kind: DocKind) -> Decoded {
    match detect(bytes, content_type, kind) {
        Chosen::Known(encoding, skip) => {
            let (text, had_errors) = encoding.decode_without_bom_handling(&bytes[skip..]);
            Decoded {
                text: text.into_owned(),
                encoding: encoding.name(),
                guessed: false,
                had_errors,
            }
        }
        Chosen::Guessed(encoding) => {
            let (text, had_errors) = encoding.decode_without_bom_handling(bytes);
            Decoded {
                text: text.into_owned(),
                encoding: encoding.name(),
                guessed: true,
                had_errors,
            }
        }
        Chosen::Utf32 { big_endian, skip } => {
            let (text, had_errors) = decode_utf32(&bytes[skip..], big_endian);
            Decoded {
                text,
                encoding: if big_endian { "UTF-32BE" } else { "UTF-32LE" },
                guessed: false,
                had_errors,
            }
        }
    }
}

/// UTF-32 (which `encoding_rs`, following the WHATWG standard, does not decode).
fn decode_utf32(bytes: &[u8], big_endian: bool) -> (String, bool) {
    let mut had_errors = !bytes.len().is_multiple_of(4);
    let text = bytes
        .chunks_exact(4)
        .map(|c| {
            let quad = [c[0], c[1], c[2], c[3]];
            let n = if big_endian {
                u32::from_be_bytes(quad)
            } else {
                u32::from_le_bytes(quad)
            };
            char::from_u32(n).unwrap_or_else(|| {
                had_errors = true;
                '\u{FFFD}'
            })
        })
        .collect();
    (text, had_errors)
}

fn detect(bytes: &[u8], content_type: Option<&str>, kind: DocKind) -> Chosen {
    if bytes.starts_with(&[0xFF, 0xFE, 0, 0]) {
        return Chosen::Utf32 {
            big_endian: false,
            skip: 4,
        };
    }
    if bytes.starts_with(&[0, 0, 0xFE, 0xFF]) {
        return Chosen::Utf32 {
            big_endian: true,
            skip: 4,
        };
    }
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        return Chosen::Known(enc, bom_len);
    }
    if bytes.starts_with(b"<\0\0\0") || bytes.starts_with(b"{\0\0\0") {
        return Chosen::Utf32 {
            big_endian: false,
            skip: 0,
        };
    }
    if bytes.starts_with(b"\0\0\0<") || bytes.starts_with(b"\0\0\0{") {
        return Chosen::Utf32 {
            big_endian: true,
            skip: 0,
        };
    }
    if kind == DocKind::Xml {
        if bytes.starts_with(b"<\0?\0") {
            return Chosen::Known(UTF_16LE, 0);
        }
        if bytes.starts_with(b"\0<\0?") {
            return Chosen::Known(UTF_16BE, 0);
        }
    }
    let utf8_valid = std::str::from_utf8(bytes).is_ok();
    let non_ascii = !bytes.is_ascii();
    let header = content_type
        .and_then(charset_param)
        .and_then(|l| Encoding::for_label(l.as_bytes()));
    let in_doc = match kind {
        DocKind::Xml => xml_declared_encoding(bytes),
        DocKind::Html => html_declared_encoding(bytes),
        DocKind::Json => None,
    };
    for declared in [header, in_doc].into_iter().flatten() {
        let plausible = if declared == UTF_8 {
            utf8_valid
        } else if declared == UTF_16LE || declared == UTF_16BE {
            // We are reading the declaration as ASCII, so the body cannot be UTF-16.
            false
        } else if declared.is_single_byte() {
            !(utf8_valid && non_ascii)
        } else {
            // A multi-byte legacy charset over valid UTF-8 with non-ASCII is mislabelled
            // UTF-8 far more often than the rare text valid in both.
            !(utf8_valid && non_ascii)
        };
        if plausible {
            return Chosen::Known(declared, 0);
        }
    }
    if utf8_valid {
        return Chosen::Known(UTF_8, 0);
    }
    let mut detector = EncodingDetector::new(Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    // Unlabelled feeds of the Dutch web are mostly Windows-1252; the hint decides short,
    // ambiguous bodies and does not overrule clear evidence of another script.
    let guess = detector.guess(Some(b"nl"), Utf8Detection::Deny);
    Chosen::Guessed(if guess == UTF_8 { WINDOWS_1252 } else { guess })
}

/// The `charset` parameter of a media type: `text/xml; charset="ISO-8859-1"`.
pub fn charset_param(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches(['"', '\'']).to_string())
    })
}

/// The `encoding` of an XML declaration at the start of the document.
fn xml_declared_encoding(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(512)];
    let start = head.iter().position(|b| !b.is_ascii_whitespace())?;
    let head = &head[start..];
    if !head.starts_with(b"<?xml") {
        return None;
    }
    let end = head.windows(2).position(|w| w == b"?>")?;
    let decl = std::str::from_utf8(&head[..end]).ok()?;
    let at = decl.find("encoding")?;
    let rest = decl[at + "encoding".len()..]
        .trim_start()
        .strip_prefix('=')?
        .trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = rest[1..].split(quote).next()?;
    Encoding::for_label(value.trim().as_bytes())
}

/// The charset of an HTML `<meta charset=...>` or `<meta http-equiv content="...charset=...">`
/// within the first KiBs, as browsers look for it.
fn html_declared_encoding(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]).to_ascii_lowercase();
    let mut rest = head.as_str();
    while let Some(pos) = rest.find("<meta") {
        let tag_end = rest[pos..].find('>').map(|e| pos + e).unwrap_or(rest.len());
        let tag = &rest[pos..tag_end];
        if let Some(at) = tag.find("charset=") {
            let value = tag[at + "charset=".len()..].trim_start_matches(['"', '\'']);
            let value: String = value
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.'))
                .collect();
            if let Some(enc) = Encoding::for_label(value.as_bytes()) {
                return Some(enc);
            }
        }
        rest = &rest[tag_end..];
    }
    None
}

/// Remove an XML declaration from decoded text: the text is UTF-8 now, whatever the
/// declaration said, and an XML parser must not decode it a second time.
pub fn strip_xml_declaration(text: &str) -> &str {
    let trimmed = text.trim_start();
    if trimmed.starts_with("<?xml") {
        if let Some(end) = trimmed.find("?>") {
            return &trimmed[end + 2..];
        }
    }
    trimmed
}

/// Repair text that was decoded wrongly before it reached us: UTF-8 read as Windows-1252 or
/// Latin-1 (`CafÃ©`, `â€¦`), and Windows-1252 punctuation left as C1 control characters
/// (`don\u{92}t`, from a `&#146;` or a Latin-1 decoder). A run is only rewritten when its
/// bytes form valid UTF-8 of the right length, which ordinary text in any language almost
/// never does by chance.
pub fn repair_text(text: &str) -> std::borrow::Cow<'_, str> {
    if !text
        .chars()
        .any(|c| cp1252_byte(c).is_some_and(|b| b >= 0x80))
    {
        return std::borrow::Cow::Borrowed(text);
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if let Some(repaired) = double_encoded_at(&chars[i..]) {
            out.push(repaired.0);
            i += repaired.1;
            continue;
        }
        let c = chars[i];
        match c as u32 {
            0x80..=0x9F => {
                let byte = [c as u8];
                let (fixed, _) = WINDOWS_1252.decode_without_bom_handling(&byte);
                out.push_str(&fixed);
            }
            _ => out.push(c),
        }
        i += 1;
    }
    std::borrow::Cow::Owned(out)
}

/// The character that `chars` starts with when it is one UTF-8 sequence read byte by byte as
/// Windows-1252, and how many characters it spans.
fn double_encoded_at(chars: &[char]) -> Option<(char, usize)> {
    let lead = cp1252_byte(*chars.first()?)?;
    let len = match lead {
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => return None,
    };
    let mut bytes = [lead, 0, 0, 0];
    for (slot, c) in bytes[1..len].iter_mut().zip(chars.get(1..len)?) {
        let b = cp1252_byte(*c)?;
        if !(0x80..=0xBF).contains(&b) {
            return None;
        }
        *slot = b;
    }
    let s = std::str::from_utf8(&bytes[..len]).ok()?;
    Some((s.chars().next()?, len))
}

/// The Windows-1252 byte of a character (C1 controls map to themselves, as a Latin-1 decoder
/// leaves them).
fn cp1252_byte(c: char) -> Option<u8> {
    const HIGH: [(char, u8); 27] = [
        ('\u{20AC}', 0x80),
        ('\u{201A}', 0x82),
        ('\u{0192}', 0x83),
        ('\u{201E}', 0x84),
        ('\u{2026}', 0x85),
        ('\u{2020}', 0x86),
        ('\u{2021}', 0x87),
        ('\u{02C6}', 0x88),
        ('\u{2030}', 0x89),
        ('\u{0160}', 0x8A),
        ('\u{2039}', 0x8B),
        ('\u{0152}', 0x8C),
        ('\u{017D}', 0x8E),
        ('\u{2018}', 0x91),
        ('\u{2019}', 0x92),
        ('\u{201C}', 0x93),
        ('\u{201D}', 0x94),
        ('\u{2022}', 0x95),
        ('\u{2013}', 0x96),
        ('\u{2014}', 0x97),
        ('\u{02DC}', 0x98),
        ('\u{2122}', 0x99),
        ('\u{0161}', 0x9A),
        ('\u{203A}', 0x9B),
        ('\u{0153}', 0x9C),
        ('\u{017E}', 0x9E),
        ('\u{0178}', 0x9F),
    ];
    match c as u32 {
        0..=0xFF => Some(c as u8),
        _ => HIGH.iter().find(|(h, _)| *h == c).map(|(_, b)| *b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn latin1(s: &str) -> Vec<u8> {
        s.chars().map(|c| c as u32 as u8).collect()
    }

    #[test]
    fn declared_legacy_encodings_are_decoded() {
        let body = latin1("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss>Caf\u{e9}</rss>");
        let d = decode(&body, Some("text/xml"), DocKind::Xml);
        assert!(d.text.contains("Café"), "{}", d.text);
        // header wins over nothing in the prolog
        let body = latin1("<rss>\u{e9}</rss>");
        assert!(decode(
            &body,
            Some("application/rss+xml; charset=iso-8859-1"),
            DocKind::Xml
        )
        .text
        .contains('é'));
    }

    #[test]
    fn wrong_declarations_are_overruled_by_the_bytes() {
        // Labelled UTF-8 (header) but Latin-1 bytes, prolog says the truth.
        let body = latin1("<?xml version='1.0' encoding='windows-1252'?><rss>\u{e9}\u{80}</rss>");
        let d = decode(&body, Some("text/xml; charset=utf-8"), DocKind::Xml);
        assert!(d.text.contains("é€"), "{}", d.text);
        // Labelled Latin-1 but really UTF-8.
        let d = decode(
            "<rss>é</rss>".as_bytes(),
            Some("text/xml; charset=ISO-8859-1"),
            DocKind::Xml,
        );
        assert!(d.text.contains('é') && !d.had_errors, "{}", d.text);
        // Undeclared and not UTF-8.
        let d = decode(&latin1("<rss>na\u{ef}ef</rss>"), None, DocKind::Xml);
        assert!(d.text.contains("naïef"));
    }

    #[test]
    fn utf16_with_and_without_bom() {
        let s = "<?xml version=\"1.0\" encoding=\"UTF-16\"?><feed>Zoë</feed>";
        let mut le = vec![0xFF, 0xFE];
        le.extend(s.encode_utf16().flat_map(|u| u.to_le_bytes()));
        assert!(decode(&le, None, DocKind::Xml).text.contains("Zoë"));
        let be: Vec<u8> = s.encode_utf16().flat_map(|u| u.to_be_bytes()).collect();
        assert!(decode(&be, None, DocKind::Xml).text.contains("Zoë"));
    }

    #[test]
    fn html_meta_charset_and_json_and_garbage() {
        let body =
            latin1("<html><head><meta charset=\"iso-8859-1\"></head><body>\u{e9}</body></html>");
        assert!(decode(&body, None, DocKind::Html).text.contains('é'));
        let d = decode(
            b"{\"t\":\"\xff\"}",
            Some("application/json; charset=latin1"),
            DocKind::Json,
        );
        assert!(!d.had_errors && d.text.contains('\u{FF}'), "{}", d.text);
        let d = decode(&[0xC3, 0x28, 0xA0, 0xA1, 0, 1, 2], None, DocKind::Xml);
        assert!(!d.text.is_empty());
    }

    #[test]
    fn declaration_is_stripped() {
        assert_eq!(
            strip_xml_declaration("\n <?xml version=\"1.0\" encoding=\"latin1\"?><rss/>"),
            "<rss/>"
        );
        assert_eq!(strip_xml_declaration("<rss/>"), "<rss/>");
    }

    #[test]
    fn utf32_with_and_without_bom() {
        let s = "<?xml version=\"1.0\" encoding=\"UTF-32\"?><rss>Zoë 😀</rss>";
        let mut le = vec![0xFF, 0xFE, 0, 0];
        le.extend(s.chars().flat_map(|c| (c as u32).to_le_bytes()));
        let d = decode(&le, None, DocKind::Xml);
        assert_eq!((d.text.as_str(), d.encoding), (s, "UTF-32LE"));
        let be: Vec<u8> = s.chars().flat_map(|c| (c as u32).to_be_bytes()).collect();
        let d = decode(&be, None, DocKind::Xml);
        assert_eq!((d.text.as_str(), d.encoding), (s, "UTF-32BE"));
    }

    #[test]
    fn unlabelled_legacy_encodings_are_guessed() {
        for (label, text) in [
            ("Shift_JIS", "<rss><title>東京都の議会で新しい予算が承認されました。市民の声を聞く</title></rss>"),
            ("KOI8-R", "<rss><title>Городской совет обсудил новый бюджет и жалобы жителей</title></rss>"),
            ("windows-1255", "<rss><title>מועצת העיר דנה בתקציב החדש ובתלונות התושבים</title></rss>"),
            ("EUC-KR", "<rss><title>시의회가 새로운 예산과 주민들의 불만을 논의했습니다</title></rss>"),
        ] {
            let enc = Encoding::for_label(label.as_bytes()).unwrap();
            let (bytes, _, _) = enc.encode(text);
            let d = decode(&bytes, Some("text/xml"), DocKind::Xml);
            assert!(d.guessed, "{label}");
            // KOI8-U is a superset of KOI8-R: the text is what counts.
            assert_eq!(d.text, text, "{label} guessed as {}", d.encoding);
        }
        let d = decode("<rss>é</rss>".as_bytes(), None, DocKind::Xml);
        assert!(!d.guessed);
    }

    #[test]
    fn mojibake_and_c1_punctuation_are_repaired() {
        assert_eq!(repair_text("don\u{92}t \u{93}zo\u{94}"), "don’t “zo”");
        assert_eq!(
            repair_text("Caf\u{C3}\u{A9} \u{E2}\u{20AC}\u{A6}"),
            "Café …"
        );
        assert_eq!(repair_text("Ã‰Ã©n keer"), "Één keer");
        for fine in ["Café naïef één", "Straße €5 – “quote”", "東京 😀", "Â"] {
            assert_eq!(repair_text(fine), fine);
        }
    }
}
