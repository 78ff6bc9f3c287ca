//! Public Telegram channels through their web preview (`t.me/s/CHANNEL`): an HTML page of the
//! newest posts, paged backwards with `?before=POST_NUMBER`. Each post also names the public
//! channels it forwards from or links to ([`mentions`]), for Telegram discovery.

pub mod mentions;

use super::{excerpt, ItemContext, Page, ParseError};
use crate::encoding::{decode, DocKind};
use crate::html::{html_to_text, nesting_estimate, safe_url, MAX_NESTING};
use scraper::{ElementRef, Html, Selector};
use serde_json::json;
use std::sync::LazyLock;
use url::Url;

struct Selectors {
    message: Selector,
    text: Selector,
    time: Selector,
    date_link: Selector,
    signature: Selector,
    views: Selector,
    channel: Selector,
}

static SELECTORS: LazyLock<Selectors> = LazyLock::new(|| {
    let s = |css: &str| Selector::parse(css).expect("constant selector parses");
    Selectors {
        message: s(".tgme_widget_message[data-post]"),
        // The post's own text, not the quoted text of a post it replies to.
        text: s(".tgme_widget_message_bubble > .tgme_widget_message_text"),
        time: s("time[datetime]"),
        date_link: s("a.tgme_widget_message_date"),
        signature: s(".tgme_widget_message_from_author"),
        views: s(".tgme_widget_message_views"),
        channel: s(".tgme_channel_info, .tgme_channel_history"),
    }
});

/// Parse one preview page of `channel`. `page_url` resolves relative links.
/// `Page::next` is the `before` value of the next older page.
pub fn parse_preview(
    body: &[u8],
    content_type: Option<&str>,
    channel: &str,
    page_url: &Url,
    ctx: &ItemContext,
) -> Result<Page, ParseError> {
    let decoded = decode(body, content_type, DocKind::Html);
    let mut page = Page::default();
    if decoded.had_errors {
        page.warnings.push(format!(
            "bytes invalid in {} were replaced",
            decoded.encoding
        ));
    }
    if decoded.text.trim().is_empty() {
        return Err(ParseError::new("empty body"));
    }
    // Building the tree costs time quadratic in nesting depth; real preview pages nest a few
    // dozen levels, hostile ones could nest a million.
    if nesting_estimate(&decoded.text) > MAX_NESTING {
        return Err(ParseError::new(format!(
            "page nests elements deeper than {MAX_NESTING} levels"
        )));
    }
    let doc = Html::parse_document(&decoded.text);
    let sel = &*SELECTORS;
    let mut lowest: Option<u64> = None;
    for message in doc.select(&sel.message) {
        let post = message.value().attr("data-post").unwrap_or_default();
        // `data-post` is `channel/123`; posts forwarded into the page from elsewhere keep theirs.
        let Some(number) = post
            .rsplit_once('/')
            .and_then(|(_, n)| n.parse::<u64>().ok())
        else {
            page.warnings.push(format!(
                "a post with unreadable data-post `{}` was skipped",
                excerpt(post)
            ));
            continue;
        };
        lowest = Some(lowest.map_or(number, |l| l.min(number)));
        page.platform_ids.push(number.to_string());
        let item = message_item(message, post, page_url, channel, ctx);
        page.mentions.extend(mentions::post_mentions(
            message,
            &item.links,
            page_url,
            channel,
            &item.id,
        ));
        page.items.push(item);
    }
    if page.items.is_empty() && doc.select(&sel.channel).next().is_none() {
        return Err(ParseError::new(format!(
            "not a public channel preview page (private, renamed or missing channel?): {}",
            excerpt(&decoded.text)
        )));
    }
    page.next = lowest.filter(|n| *n > 1).map(|n| n.to_string());
    Ok(page)
}

fn message_item(
    message: ElementRef<'_>,
    post: &str,
    page_url: &Url,
    channel: &str,
    ctx: &ItemContext,
) -> websense_model::Item {
    let sel = &*SELECTORS;
    let mut item = ctx.item(post);
    if let Some(text) = message.select(&sel.text).next() {
        let plain = html_to_text(&text.inner_html(), Some(page_url));
        item.text = plain.text;
        item.links = plain.links;
    }
    item.url = message
        .select(&sel.date_link)
        .next()
        .and_then(|a| a.value().attr("href"))
        .and_then(|h| safe_url(h, Some(page_url)));
    item.published_at = message
        .select(&sel.time)
        .next()
        .and_then(|t| t.value().attr("datetime"))
        .and_then(super::parse_time);
    let signature: Option<String> = message
        .select(&sel.signature)
        .next()
        .map(|s| s.text().collect::<String>())
        .filter(|s| !s.trim().is_empty());
    // Posts without a signature speak for the channel.
    let author = signature.unwrap_or_else(|| channel.to_string());
    item.author = ctx.author(&format!("telegram:{}", channel.to_lowercase()), &author);
    let views: Option<String> = message
        .select(&sel.views)
        .next()
        .map(|v| v.text().collect());
    item.raw = json!({ "post": post, "views": views });
    ctx.finish(item)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::testing::ctx;
    use websense_model::SourceKind;

    #[test]
    fn posts_and_paging() {
        let html = br#"<html><body><section class="tgme_channel_history">
        <div class="tgme_widget_message" data-post="kanaal/12"><div class="tgme_widget_message_bubble">
          <div class="tgme_widget_message_reply"><div class="tgme_widget_message_text">geciteerd</div></div>
          <div class="tgme_widget_message_text">Eerste <b>post</b><br>met <a href="https://x.example/1">link</a></div>
          <span class="tgme_widget_message_views">1.2K</span>
          <a class="tgme_widget_message_date" href="https://t.me/kanaal/12"><time datetime="2024-03-01T10:00:00+00:00">10:00</time></a>
        </div></div>
        <div class="tgme_widget_message" data-post="kanaal/13"><div class="tgme_widget_message_bubble">
          <span class="tgme_widget_message_from_author">Piet</span>
        </div></div></section></body></html>"#;
        let url = Url::parse("https://t.me/s/kanaal").unwrap();
        let c = ctx(SourceKind::Telegram);
        let page = parse_preview(html, None, "kanaal", &url, &c).unwrap();
        assert_eq!(page.platform_ids, vec!["12", "13"]);
        assert_eq!(page.next.as_deref(), Some("12"));
        let a = &page.items[0];
        assert_eq!(a.text, "Eerste post\nmet link");
        assert_eq!(a.links, vec!["https://x.example/1"]);
        assert_eq!(a.url.as_deref(), Some("https://t.me/kanaal/12"));
        assert_eq!(a.raw["views"], "1.2K");
        assert_eq!(page.items[1].text, "");
        assert_eq!(
            page.items[1].author.as_ref().unwrap().pseudonym,
            c.key.pseudonymise("telegram:kanaal", "Piet")
        );
    }

    /// (post number, channel, forward) of a page's mentions.
    fn mentions_of(page: &Page) -> Vec<(String, String, bool)> {
        page.mentions
            .iter()
            .map(|m| {
                let i = page.items.iter().position(|i| i.id == m.item).unwrap();
                (page.platform_ids[i].clone(), m.channel.clone(), m.forward)
            })
            .collect()
    }

    #[test]
    fn forwards_and_channel_links_are_mentions() {
        let html = include_bytes!("../../tests/fixtures/telegram_mentions.html");
        let url = Url::parse("https://t.me/s/kanaal_een").unwrap();
        let page =
            parse_preview(html, None, "Kanaal_Een", &url, &ctx(SourceKind::Telegram)).unwrap();
        assert_eq!(page.items.len(), 4);
        let m = |post: &str, channel: &str, forward| (post.into(), channel.into(), forward);
        assert_eq!(
            mentions_of(&page),
            [
                // A forward, a channel preview link; not the invite links, not the
                // `javascript:` URL that names a channel, not the channel's own post.
                m("101", "BronKanaal", true),
                m("101", "andere_bron", false),
                // A hidden forward (no link) names nothing; bots, names too short, sticker
                // sets, private message links and `tg:` links are not channels.
                m("102", "bronkanaal", false),
                // A `javascript:` forward header is dropped; two message links of one
                // channel are one mention; a name with markup in it, a look-alike host are
                // not channels.
                m("103", "andere_bron", false),
                m("103", "Derde_Kanaal", false),
                m("103", "vierde_kanaal", false),
                // A link in the quoted post of a reply is the quoted post's, not this one's.
            ]
        );
    }

    #[test]
    fn mentions_are_bounded_per_post_and_fast_on_a_huge_page() {
        let mut html = String::from("<html><body><section class=\"tgme_channel_history\">");
        let posts = 2000;
        for n in 1..=posts {
            html.push_str(&format!(
                "<div class=\"tgme_widget_message\" data-post=\"groot/{n}\">\
                 <div class=\"tgme_widget_message_bubble\">\
                 <div class=\"tgme_widget_message_forwarded_from\"><a class=\"tgme_widget_message_forwarded_from_name\" href=\"https://t.me/bron{n}x\">b</a></div>\
                 <div class=\"tgme_widget_message_text\">"
            ));
            for k in 0..40 {
                html.push_str(&format!("<a href=\"https://t.me/kanaal{k}x\">k</a> "));
            }
            html.push_str("</div></div></div>");
        }
        html.push_str("</section></body></html>");
        let url = Url::parse("https://t.me/s/groot").unwrap();
        let started = std::time::Instant::now();
        let page = parse_preview(
            html.as_bytes(),
            None,
            "groot",
            &url,
            &ctx(SourceKind::Telegram),
        )
        .unwrap();
        let took = started.elapsed();
        assert_eq!(page.items.len(), posts);
        assert_eq!(
            page.mentions.len(),
            posts * mentions::MAX_MENTIONS_PER_POST,
            "the forward and 19 links per post"
        );
        assert!(page.mentions[0].forward && page.mentions[0].channel == "bron1x");
        assert!(
            took < std::time::Duration::from_secs(30),
            "{} KiB took {took:?}",
            html.len() / 1024
        );
    }

    #[test]
    fn deep_nesting_is_refused_quickly() {
        let url = Url::parse("https://t.me/s/x").unwrap();
        let deep = "<div>".repeat(200_000);
        let e = parse_preview(deep.as_bytes(), None, "x", &url, &ctx(SourceKind::Telegram))
            .unwrap_err();
        assert!(e.0.contains("deeper"), "{e}");
        assert_eq!(nesting_estimate("<div><br><img/><p>a</p><p>b</p></div>"), 2);
    }

    #[test]
    fn other_pages_are_errors() {
        let url = Url::parse("https://t.me/s/x").unwrap();
        let e = parse_preview(
            b"<html><body>Log in</body></html>",
            None,
            "x",
            &url,
            &ctx(SourceKind::Telegram),
        )
        .unwrap_err();
        assert!(e.0.contains("not a public channel"), "{e}");
    }
}
