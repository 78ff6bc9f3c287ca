//! A forgiving XML reader for feeds: the document as a small tree of elements, names without
//! their namespace prefix and lower-cased, read with `quick-xml` with its strictness turned
//! off (mismatched end tags, unknown entities, a missing end are not errors).
//!
//! It exists for the feeds `feed-rs` refuses or reads as empty (see [`super::tolerant`]); it
//! keeps what a document holds rather than judging it. Depth and element count are bounded,
//! and it runs in time linear in the input.

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

/// Deeper elements are skipped: no feed nests this deep, hostile input might.
const MAX_DEPTH: usize = 64;
/// Elements past this many are skipped (a capped body holds far fewer real ones).
const MAX_ELEMENTS: usize = 500_000;

/// One element: local name (lower case), attributes (local names, lower case), its own text
/// (character data and CDATA, entities resolved where XML defines them), and children.
#[derive(Debug, Default, Clone)]
pub(crate) struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub text: String,
    pub children: Vec<Element>,
    /// The document ended before this element did.
    pub unclosed: bool,
}

impl Element {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The element's content as XHTML markup again (for `type="xhtml"` content), with its
    /// text escaped so that it is read as text.
    pub fn inner_markup(&self) -> String {
        let mut out = escape(&self.text);
        for c in &self.children {
            c.write_markup(&mut out, 0);
        }
        out
    }

    fn write_markup(&self, out: &mut String, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        out.push('<');
        out.push_str(&self.name);
        if let Some(href) = self.attr("href") {
            out.push_str(" href=\"");
            out.push_str(&escape(href));
            out.push('"');
        }
        out.push('>');
        out.push_str(&escape(&self.text));
        for c in &self.children {
            c.write_markup(out, depth + 1);
        }
        out.push_str("</");
        out.push_str(&self.name);
        out.push('>');
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The parsed document: a synthetic root (`#document`) whose children are the top-level
/// elements, and the error that stopped reading early, if one did.
pub(crate) struct Tree {
    pub root: Element,
    pub error: Option<String>,
    /// The document ended with elements still open (a body cut off mid-transfer).
    pub truncated: bool,
}

pub(crate) fn parse(text: &str) -> Tree {
    let mut reader = Reader::from_str(text);
    {
        let config = reader.config_mut();
        config.check_end_names = false;
        config.allow_unmatched_ends = true;
        config.allow_dangling_amp = true;
        config.expand_empty_elements = false;
        config.trim_text(false);
    }
    let mut stack: Vec<Element> = vec![Element {
        name: "#document".into(),
        ..Element::default()
    }];
    // Elements opened past the depth bound: their end tags must not close a kept element.
    let mut skipped_depth = 0usize;
    let mut count = 0usize;
    let mut error = None;
    loop {
        let event = match reader.read_event() {
            Ok(e) => e,
            Err(e) => {
                error = Some(format!(
                    "XML error at byte {}: {e}",
                    reader.error_position()
                ));
                break;
            }
        };
        match event {
            Event::Start(start) => {
                if skipped_depth > 0 || stack.len() > MAX_DEPTH || count >= MAX_ELEMENTS {
                    skipped_depth += 1;
                    continue;
                }
                count += 1;
                stack.push(element(&start));
            }
            Event::Empty(start) => {
                if skipped_depth > 0 || stack.len() > MAX_DEPTH || count >= MAX_ELEMENTS {
                    continue;
                }
                count += 1;
                let el = element(&start);
                stack.last_mut().expect("root").children.push(el);
            }
            Event::End(end) => {
                if skipped_depth > 0 {
                    skipped_depth -= 1;
                    continue;
                }
                let name = local_name(end.name().as_ref());
                // Close up to the matching open element; an end tag that matches nothing open
                // is ignored.
                if let Some(pos) = stack.iter().rposition(|e| e.name == name) {
                    if pos == 0 {
                        continue;
                    }
                    while stack.len() > pos {
                        let el = stack.pop().expect("non-empty");
                        stack.last_mut().expect("root").children.push(el);
                    }
                }
            }
            Event::Text(t) if skipped_depth == 0 => {
                let raw = t.decode().unwrap_or_default();
                stack.last_mut().expect("root").text.push_str(&raw);
            }
            Event::CData(t) if skipped_depth == 0 => {
                let raw = t.decode().unwrap_or_default();
                stack.last_mut().expect("root").text.push_str(&raw);
            }
            Event::GeneralRef(r) if skipped_depth == 0 => {
                let text = &mut stack.last_mut().expect("root").text;
                match r.resolve_char_ref() {
                    Ok(Some(c)) => text.push(c),
                    _ => {
                        let name = r.decode().unwrap_or_default();
                        match quick_xml::escape::resolve_predefined_entity(&name) {
                            Some(s) => text.push_str(s),
                            // An HTML entity in XML: kept as written, for the HTML reader.
                            None => {
                                text.push('&');
                                text.push_str(&name);
                                text.push(';');
                            }
                        }
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let truncated = stack.len() > 1;
    while stack.len() > 1 {
        let mut el = stack.pop().expect("non-empty");
        el.unclosed = true;
        stack.last_mut().expect("root").children.push(el);
    }
    Tree {
        root: stack.pop().expect("root"),
        error,
        truncated,
    }
}

fn local_name(qname: &[u8]) -> String {
    let local = match qname.iter().rposition(|b| *b == b':') {
        Some(i) => &qname[i + 1..],
        None => qname,
    };
    String::from_utf8_lossy(local).to_lowercase()
}

fn element(start: &BytesStart) -> Element {
    let mut attrs = Vec::new();
    for attr in start.attributes().with_checks(false).flatten() {
        let name = local_name(attr.key.as_ref());
        let value = attr
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map(|v| v.into_owned())
            .unwrap_or_else(|_| String::from_utf8_lossy(&attr.value).into_owned());
        attrs.push((name, value));
    }
    Element {
        name: local_name(start.name().as_ref()),
        attrs,
        ..Element::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_prefixes_and_case_and_entities_resolve() {
        let tree = parse(
            r#"<RDF:rdf xmlns:RDF="x"><Item RDF:about="https://a.example/1"><dc:date>2024</dc:date>
            <title>A &amp; B &#233; &nbsp;<![CDATA[<b>c</b>]]></title></Item></RDF:rdf>"#,
        );
        assert!(tree.error.is_none() && !tree.truncated);
        let rdf = &tree.root.children[0];
        assert_eq!(rdf.name, "rdf");
        let item = rdf.child("item").unwrap();
        assert_eq!(item.attr("about"), Some("https://a.example/1"));
        assert_eq!(item.child("date").unwrap().text, "2024");
        assert_eq!(item.child("title").unwrap().text, "A & B é &nbsp;<b>c</b>");
    }

    #[test]
    fn cut_off_and_mismatched_documents_keep_what_they_have() {
        let tree = parse("<rss><channel><item><title>a</title></wrong></item><item><title>b");
        assert!(tree.truncated);
        let channel = tree.root.child("rss").unwrap().child("channel").unwrap();
        let items: Vec<_> = channel.children_named("item").collect();
        assert_eq!(items.len(), 2);
        assert!(!items[0].unclosed && items[1].unclosed);
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let doc = "<a>".repeat(10_000) + "x" + &"</a>".repeat(10_000);
        let tree = parse(&doc);
        let mut depth = 0;
        let mut el = &tree.root;
        while let Some(c) = el.children.first() {
            depth += 1;
            el = c;
        }
        assert!(depth <= MAX_DEPTH + 1, "{depth}");
    }
}
