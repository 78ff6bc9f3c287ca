//! Telegram discovery, the parser's part: which public channels a post forwards from (the
//! "Forwarded from" header of the preview page) or links to (`t.me/NAME` in its text).
//!
//! Only public channel names are taken: `t.me/NAME`, `t.me/s/NAME`, `NAME.t.me` and the same
//! on `telegram.me` and `telegram.dog`, over http(s); of a message link (`t.me/NAME/123`) the
//! name only. Invite links (`t.me/+...`, `t.me/joinchat/...`), private message links
//! (`t.me/c/...`), bots, Telegram's own pages (`addstickers`, `share`, `proxy`, ...) and
//! anything that breaks Telegram's username rules ([`websense_model::telegram::is_channel_name`])
//! are not.

use crate::html::safe_url;
use scraper::{ElementRef, Selector};
use std::sync::LazyLock;
use url::Url;
use websense_model::telegram::{channel_key, is_channel_name};
use websense_model::ItemId;

/// The most channels one post can mention; a post with more (a list of links) gives its first.
pub const MAX_MENTIONS_PER_POST: usize = 20;

/// One post's mention of another channel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mention {
    /// The post that mentions it.
    pub item: ItemId,
    /// The channel's name as written.
    pub channel: String,
    /// Forwarded from it (`true`) or linking to it (`false`).
    pub forward: bool,
}

static FORWARDED: LazyLock<Selector> = LazyLock::new(|| {
    Selector::parse("a.tgme_widget_message_forwarded_from_name[href]")
        .expect("constant selector parses")
});

/// The public channel a URL names, if it is a `t.me` link to one.
pub fn channel_of_url(url: &str) -> Option<String> {
    let url = Url::parse(url.trim()).ok()?;
    if !matches!(url.scheme(), "http" | "https") || url.password().is_some() {
        return None;
    }
    let host = url.host_str()?.to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host);
    let mut segments = url.path_segments()?.filter(|s| !s.is_empty());
    let name = if matches!(host, "t.me" | "telegram.me" | "telegram.dog") {
        match segments.next()? {
            "s" => segments.next()?,
            first => first,
        }
    } else {
        // `NAME.t.me`: the channel's own subdomain.
        let name = host.strip_suffix(".t.me")?;
        if name.contains('.') {
            return None;
        }
        name
    };
    is_channel_name(name).then(|| name.to_string())
}

/// The channels `message` (one `.tgme_widget_message`) forwards from or its text links to
/// (`links`: the post's links, already made absolute), other than `own` channel, each once per
/// kind, at most [`MAX_MENTIONS_PER_POST`].
pub fn post_mentions(
    message: ElementRef<'_>,
    links: &[String],
    page_url: &Url,
    own: &str,
    item: &ItemId,
) -> Vec<Mention> {
    let own = channel_key(own);
    let mut out: Vec<Mention> = Vec::new();
    let mut add = |channel: String, forward: bool| {
        let key = channel_key(&channel);
        if key == own
            || out.len() >= MAX_MENTIONS_PER_POST
            || out
                .iter()
                .any(|m| m.forward == forward && channel_key(&m.channel) == key)
        {
            return;
        }
        out.push(Mention {
            item: item.clone(),
            channel,
            forward,
        });
    };
    if let Some(channel) = message
        .select(&FORWARDED)
        .next()
        .and_then(|a| a.value().attr("href"))
        .and_then(|href| safe_url(href, Some(page_url)))
        .and_then(|url| channel_of_url(&url))
    {
        add(channel, true);
    }
    for link in links {
        if let Some(channel) = channel_of_url(link) {
            add(channel, false);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_channel_links_only() {
        for (url, name) in [
            ("https://t.me/Kanaal_Een", Some("Kanaal_Een")),
            ("https://t.me/s/kanaaltwee", Some("kanaaltwee")),
            ("http://t.me/kanaaltwee/1234?single", Some("kanaaltwee")),
            ("https://t.me/s/kanaaltwee/99", Some("kanaaltwee")),
            ("https://www.t.me/kanaaldrie", Some("kanaaldrie")),
            ("https://telegram.me/kanaalvier", Some("kanaalvier")),
            ("https://T.ME/kanaalvijf", Some("kanaalvijf")),
            ("https://kanaalzes.t.me/", Some("kanaalzes")),
            ("https://t.me/+AbCdEfGhIjK", None),
            ("https://t.me/joinchat/AAAAAEkk", None),
            ("https://t.me/c/1234567/89", None),
            ("https://t.me/addstickers/Kikker", None),
            ("https://t.me/share/url?url=x", None),
            ("https://t.me/proxy?server=1.2.3.4", None),
            ("https://t.me/NieuwsBot?start=x", None),
            ("https://t.me/", None),
            ("https://t.me/s/", None),
            ("https://t.me/ab", None),
            ("https://t.me/1kanaal", None),
            ("https://t.me/kan%20aal", None),
            ("https://t.me/kanaal__x", None),
            ("https://t.me.evil.example/kanaaleen", None),
            ("https://nott.me/kanaaleen", None),
            ("https://a.b.t.me/", None),
            ("javascript:alert('t.me/kanaaleen')", None),
            ("tg://resolve?domain=kanaaleen", None),
            ("data:text/html,t.me/kanaaleen", None),
            ("https://x.example/t.me/kanaaleen", None),
            ("nonsense", None),
        ] {
            assert_eq!(channel_of_url(url).as_deref(), name, "{url}");
        }
    }
}
