//! Markdown (Reddit's selftext and comments) to plain text, keeping the links.
//!
//! Read by `pulldown-cmark`, a CommonMark parser that runs in linear time and never fails:
//! emphasis, headings, quotes and list markers go, their text stays; link targets are kept
//! as links (http/https only, see [`crate::html::safe_url`]), as are bare URLs in the text.
//! Raw HTML in Markdown is dropped: Reddit escapes it anyway.

use crate::html::{links_in_text, plain_text, safe_url, PlainText};
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

/// Convert Markdown to plain text and its links.
pub fn markdown_to_text(markdown: &str) -> PlainText {
    let mut text = String::with_capacity(markdown.len());
    let mut links: Vec<String> = Vec::new();
    let options = Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES;
    for event in Parser::new_ext(markdown, options) {
        match event {
            Event::Text(t) | Event::Code(t) => text.push_str(&t),
            Event::SoftBreak => text.push(' '),
            Event::HardBreak => text.push('\n'),
            Event::Start(Tag::Link { dest_url, .. }) => {
                if let Some(l) = safe_url(&dest_url, None) {
                    if !links.contains(&l) {
                        links.push(l);
                    }
                }
            }
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::CodeBlock
                | TagEnd::Item
                | TagEnd::TableRow
                | TagEnd::TableHead,
            ) => text.push('\n'),
            Event::End(TagEnd::TableCell) => text.push(' '),
            _ => {}
        }
    }
    let text = plain_text(&text);
    for l in links_in_text(&text) {
        if !links.contains(&l) {
            links.push(l);
        }
    }
    PlainText { text, links }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_goes_text_and_links_stay() {
        let out = markdown_to_text(
            "# Kop\n\nDit is **vet** en *schuin*, zie [het plan](https://gemeente.example/plan) \
             en [dit](javascript:alert(1)).\n\n> citaat\n\n* een\n* twee\n\nKaal: https://x.example/a.",
        );
        assert_eq!(
            out.text,
            "Kop\nDit is vet en schuin, zie het plan en dit.\ncitaat\neen\ntwee\nKaal: https://x.example/a."
        );
        assert_eq!(
            out.links,
            vec!["https://gemeente.example/plan", "https://x.example/a"]
        );
    }
}
