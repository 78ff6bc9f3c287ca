//! HTML to plain text, keeping the links.
//!
//! Feed content, Mastodon statuses and Telegram posts arrive as HTML written by anyone. It is
//! read by `html5ever`'s tokenizer, which follows the HTML standard's rules for broken markup
//! and character references (`&eacute;`, `&#233;`, `&amp` without its semicolon). Only the
//! tokenizer, not the tree builder: text extraction needs no tree, and the tokenizer runs in
//! time linear in the input, where tree building can go quadratic on hostile nesting.
//! Scripts, styles and similar raw-text elements are dropped with their content; block
//! elements become line breaks; runs of whitespace collapse to one space.

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, Tag, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};
use std::cell::RefCell;
use url::Url;

/// Text and the http(s) links found in a piece of HTML.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct PlainText {
    pub text: String,
    pub links: Vec<String>,
}

/// Convert an HTML fragment to plain text. Relative links resolve against `base`.
pub fn html_to_text(html: &str, base: Option<&Url>) -> PlainText {
    // Most titles and many descriptions hold no markup at all; skip the tokenizer for them.
    if !html.contains(['<', '&']) {
        let mut w = TextWriter::default();
        w.push_text(html);
        return PlainText {
            text: w.finish(),
            links: Vec::new(),
        };
    }
    let sink = TextSink {
        base,
        state: RefCell::new(SinkState::default()),
    };
    let tokenizer = Tokenizer::new(sink, TokenizerOpts::default());
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(html));
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    let state = tokenizer.sink.state.into_inner();
    PlainText {
        text: state.writer.finish(),
        links: state.links.0,
    }
}

struct TextSink<'a> {
    base: Option<&'a Url>,
    state: RefCell<SinkState>,
}

#[derive(Default)]
struct SinkState {
    writer: TextWriter,
    links: Links,
    /// Inside a raw-text element whose content is not text to read (a script): its name.
    skipping: Option<String>,
}

impl TokenSink for TextSink<'_> {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        let mut st = self.state.borrow_mut();
        match token {
            Token::CharacterTokens(text) if st.skipping.is_none() => st.writer.push_text(&text),
            Token::TagToken(tag) => return self.tag(&mut st, tag),
            _ => {}
        }
        TokenSinkResult::Continue
    }
}

impl TextSink<'_> {
    fn tag(&self, st: &mut SinkState, tag: Tag) -> TokenSinkResult<()> {
        let name: &str = &tag.name;
        if let Some(skipped) = &st.skipping {
            if tag.kind == TagKind::EndTag && skipped == name {
                st.skipping = None;
            }
            return TokenSinkResult::Continue;
        }
        if tag.kind == TagKind::StartTag {
            let raw = match name {
                "script" => Some(RawKind::ScriptData),
                "style" | "noscript" | "iframe" | "noembed" | "noframes" | "xmp" => {
                    Some(RawKind::Rawtext)
                }
                "title" | "textarea" => Some(RawKind::Rcdata),
                _ => None,
            };
            if let Some(kind) = raw {
                st.skipping = Some(name.to_string());
                return TokenSinkResult::RawData(kind);
            }
            if name == "a" {
                if let Some(href) = tag.attrs.iter().find(|a| &*a.name.local == "href") {
                    st.links.add(&href.value, self.base);
                }
            }
        }
        if PARAGRAPHS.contains(&name) {
            st.writer.line_break(2);
        } else if name == "br" {
            st.writer.newlines = (st.writer.newlines + 1).min(2);
        } else if LINES.contains(&name) {
            st.writer.line_break(1);
        }
        TokenSinkResult::Continue
    }
}

/// Elements that stand apart as paragraphs (a blank line around them).
const PARAGRAPHS: &[&str] = &[
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "pre",
    "ul",
    "ol",
    "dl",
    "table",
    "hr",
    "section",
    "article",
    "figure",
    "header",
    "footer",
    "aside",
    "main",
    "nav",
    "address",
    "details",
];

/// Elements that start a new line.
const LINES: &[&str] = &[
    "div",
    "li",
    "tr",
    "dt",
    "dd",
    "figcaption",
    "summary",
    "caption",
];

#[derive(Default)]
struct Links(Vec<String>);

impl Links {
    fn add(&mut self, href: &str, base: Option<&Url>) {
        if let Some(s) = safe_url(href, base) {
            if !self.0.contains(&s) {
                self.0.push(s);
            }
        }
    }
}

/// A link as websense hands it on: an absolute `http`/`https` URL, or nothing. The input is
/// trimmed, its scheme case-folded (`JavaScript:` is `javascript:`), and a relative reference
/// resolved against `base` (the document it came from). Anything else (`javascript:`, `data:`,
/// `mailto:`, junk) is dropped with a debug log: consumers of the output take `url` and `links`
/// for web pages.
pub fn safe_url(href: &str, base: Option<&Url>) -> Option<String> {
    let href = href.trim();
    if href.is_empty() {
        return None;
    }
    let url = match base {
        Some(b) => b.join(href),
        None => Url::parse(href),
    };
    match url {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {
            Some(String::from(url))
        }
        Ok(url) => {
            tracing::debug!(scheme = url.scheme(), "dropped a link that is not http(s)");
            None
        }
        Err(e) => {
            tracing::debug!(error = %e, "dropped a link that is not a URL");
            None
        }
    }
}

/// Plain text (an Atom `type="text"` construct, a Markdown rendering) with whitespace
/// collapsed as [`html_to_text`] does, but nothing in it read as markup.
pub fn plain_text(text: &str) -> String {
    let mut w = TextWriter::default();
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            w.line_break(1);
        }
        w.push_text(line);
    }
    w.finish()
}

/// Collapses whitespace the way a browser renders it, with block breaks as newlines.
#[derive(Default)]
struct TextWriter {
    out: String,
    space: bool,
    newlines: u8,
}

impl TextWriter {
    fn push_text(&mut self, text: &str) {
        for (i, word) in text.split(char::is_whitespace).enumerate() {
            if i > 0 {
                self.space = true;
            }
            if word.is_empty() {
                continue;
            }
            if !self.out.is_empty() {
                if self.newlines > 0 {
                    self.out
                        .push_str(if self.newlines > 1 { "\n\n" } else { "\n" });
                } else if self.space {
                    self.out.push(' ');
                }
            }
            self.newlines = 0;
            self.space = false;
            self.out.push_str(word);
        }
    }

    fn line_break(&mut self, lines: u8) {
        self.newlines = self.newlines.max(lines);
    }

    fn finish(self) -> String {
        self.out
    }
}

/// Find http(s) URLs in plain text (posts from APIs that send text, not HTML).
pub fn links_in_text(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut rest = text;
    while let Some(pos) = rest.find("http") {
        let candidate = &rest[pos..];
        if candidate.starts_with("http://") || candidate.starts_with("https://") {
            let end = candidate
                .find(|c: char| {
                    c.is_whitespace() || matches!(c, '<' | '>' | '"' | '\'' | ')' | ']' | '}')
                })
                .unwrap_or(candidate.len());
            let raw = candidate[..end].trim_end_matches(['.', ',', ';', ':', '!', '?']);
            if let Ok(url) = Url::parse(raw) {
                let s = String::from(url);
                if !out.contains(&s) {
                    out.push(s);
                }
            }
            rest = &candidate[end.max(1)..];
        } else {
            rest = &candidate[4..];
        }
    }
    out
}

/// The deepest nesting of elements a page may have before a parser builds its tree: building
/// the tree costs time quadratic in nesting depth; real pages nest a few dozen levels, hostile
/// ones could nest a million.
pub(crate) const MAX_NESTING: usize = 512;

/// Rough nesting depth of HTML: start tags minus end tags, void elements not counted.
pub(crate) fn nesting_estimate(html: &str) -> usize {
    const VOID: &[&str] = &[
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr",
    ];
    let (mut depth, mut max) = (0usize, 0usize);
    let bytes = html.as_bytes();
    let mut i = 0;
    while let Some(off) = bytes[i..].iter().position(|b| *b == b'<') {
        i += off + 1;
        match bytes.get(i) {
            Some(b'/') => depth = depth.saturating_sub(1),
            Some(b) if b.is_ascii_alphabetic() => {
                let name_end = bytes[i..]
                    .iter()
                    .position(|b| !b.is_ascii_alphanumeric())
                    .map_or(bytes.len(), |e| i + e);
                let name = html[i..name_end].to_ascii_lowercase();
                let self_closing = bytes[name_end..]
                    .iter()
                    .position(|b| *b == b'>')
                    .is_some_and(|e| e > 0 && bytes[name_end + e - 1] == b'/');
                if !VOID.contains(&name.as_str()) && !self_closing {
                    depth += 1;
                    max = max.max(depth);
                }
            }
            _ => {}
        }
    }
    max
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_markup_keeps_links_and_decodes_entities() {
        let base = Url::parse("https://nieuws.example/artikel/").unwrap();
        let out = html_to_text(
            "<p>De gemeente&nbsp;<b>Utrecht</b> &amp; de provincie.</p><p>Zie <a href=\"/plan\">het plan</a> \
             en <a href='https://x.example/a'>dit</a>.<script>alert(1)</script><style>p{}</style></p>\
             <a href=\"javascript:alert(1)\">x</a> <a href=\"mailto:a@b\">m</a>",
            Some(&base),
        );
        assert_eq!(
            out.text,
            "De gemeente Utrecht & de provincie.\n\nZie het plan en dit.\n\nx m"
        );
        assert_eq!(
            out.links,
            vec!["https://nieuws.example/plan", "https://x.example/a"]
        );
    }

    #[test]
    fn plain_text_passes_and_whitespace_collapses() {
        assert_eq!(
            html_to_text("  Gewoon   tekst\n zonder  opmaak ", None).text,
            "Gewoon tekst zonder opmaak"
        );
        assert_eq!(html_to_text("a<br>b<br/><br>c", None).text, "a\nb\n\nc");
        assert_eq!(
            html_to_text("<ul><li>een</li><li>twee</li></ul>na", None).text,
            "een\ntwee\n\nna"
        );
        assert_eq!(
            html_to_text("caf&eacute; &#233; &lt;tag&gt;", None).text,
            "café é <tag>"
        );
        assert_eq!(html_to_text("", None).text, "");
    }

    #[test]
    fn broken_and_deep_markup_does_not_break_it() {
        let deep = "<div>".repeat(100_000) + "diep";
        assert_eq!(html_to_text(&deep, None).text, "diep");
        assert_eq!(
            html_to_text("<p>open <b>nooit <i>dicht", None).text,
            "open nooit dicht"
        );
        assert_eq!(html_to_text("<<<>>>&&&;", None).text, "<<<>>>&&&;");
        assert_eq!(
            html_to_text(
                "x<script>if (a<b) { document.write('<p>') }</script>y<style>b{}</style>z",
                None
            )
            .text,
            "xyz"
        );
        assert_eq!(html_to_text("<script>nooit dicht", None).text, "");
    }

    #[test]
    fn finds_links_in_plain_text() {
        assert_eq!(
            links_in_text("Lees https://a.example/x, en (http://b.example/y). httpfoo https://"),
            vec!["https://a.example/x", "http://b.example/y"]
        );
    }
}
