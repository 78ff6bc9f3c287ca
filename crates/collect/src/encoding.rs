//! Bytes to UTF-8, whatever the server claims.
//!
//! Feeds in the wild are ISO-8859-1 or Windows-1252 with or without saying so, UTF-16 with a
//! BOM, or labelled UTF-8 while they are not. The order of evidence, strongest first:
//!
//! 1. a byte order mark;
//! 2. the bytes of `<?xml` in UTF-16 without a BOM;
//! 3. the charset in the HTTP `Content-Type`, then the one inside the document (the XML
//!    prolog's `encoding=`, or an HTML `<meta charset>`); a declaration is passed over when the
//!    bytes contradict it: "UTF-8" that is not valid UTF-8, or a single-byte charset over bytes
//!    that are valid UTF-8 with non-ASCII in them (a mislabelled UTF-8 feed);
//! 4. otherwise UTF-8 when the bytes are valid UTF-8, else Windows-1252 (the superset of
//!    ISO-8859-1 that such undeclared feeds almost always are).
//!
//! Decoding never fails: bytes invalid in the chosen encoding become U+FFFD, and the result
//! says so, so a collector can log it rather than lose the item.

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8, WINDOWS_1252};

/// A body decoded to UTF-8.
#[derive(Debug)]
pub struct Decoded {
    pub text: String,
    pub encoding: &'static Encoding,
    /// Some bytes were invalid in `encoding` and were replaced by U+FFFD.
    pub had_errors: bool,
}

/// What kind of document the bytes are, which says where an in-document declaration is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocKind {
    Xml,
    Html,
    /// JSON is UTF-8 (RFC 8259); only a BOM can say otherwise.
    Json,
}

/// Decode `bytes` to UTF-8. `content_type` is the HTTP header, if any.
pub fn decode(bytes: &[u8], content_type: Option<&str>, kind: DocKind) -> Decoded {
    let (encoding, skip) = detect(bytes, content_type, kind);
    let (text, had_errors) = encoding.decode_without_bom_handling(&bytes[skip..]);
    Decoded {
        text: text.into_owned(),
        encoding,
        had_errors,
    }
}

fn detect(bytes: &[u8], content_type: Option<&str>, kind: DocKind) -> (&'static Encoding, usize) {
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        return (enc, bom_len);
    }
    if kind == DocKind::Xml {
        if bytes.starts_with(b"<\0?\0") {
            return (UTF_16LE, 0);
        }
        if bytes.starts_with(b"\0<\0?") {
            return (UTF_16BE, 0);
        }
    }
    let utf8_valid = std::str::from_utf8(bytes).is_ok();
    let non_ascii = !bytes.is_ascii();
    if kind != DocKind::Json {
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
                true
            };
            if plausible {
                return (declared, 0);
            }
        }
    }
    if utf8_valid || kind == DocKind::Json {
        (UTF_8, 0)
    } else {
        (WINDOWS_1252, 0)
    }
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
        assert!(d.had_errors && d.text.contains('\u{FFFD}'));
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
}
