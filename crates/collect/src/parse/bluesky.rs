//! Bluesky's public search API (`app.bsky.feed.searchPosts`): `{"cursor":..,"posts":[..]}`.

use super::{json_body, str_field, ItemContext, Page, ParseError};
use crate::html::{links_in_text, safe_url};
use serde_json::{json, Value};

/// Parse one page of search results.
pub fn parse_search(
    body: &[u8],
    content_type: Option<&str>,
    ctx: &ItemContext,
) -> Result<Page, ParseError> {
    let mut page = Page::default();
    let value = json_body(body, content_type, &mut page.warnings)?;
    let posts = value
        .get("posts")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            let msg = value.get("message").and_then(Value::as_str).unwrap_or("");
            ParseError::new(format!(
                "expected `posts` in a searchPosts response{}",
                if msg.is_empty() {
                    String::new()
                } else {
                    format!(", server said: {msg}")
                }
            ))
        })?;
    for post in posts {
        let (Some(uri), Some(record)) = (str_field(post, "uri"), post.get("record")) else {
            page.warnings
                .push("a post without `uri` or `record` was skipped".into());
            continue;
        };
        page.platform_ids.push(uri.to_string());
        let text = str_field(record, "text").unwrap_or_default().into_owned();
        let mut item = ctx.item(&uri);
        let author = post.get("author");
        let did = author.and_then(|a| str_field(a, "did")).unwrap_or_default();
        let handle = author
            .and_then(|a| str_field(a, "handle"))
            .unwrap_or_default();
        item.author = ctx.author_with_identity("bluesky", &did, &handle);
        // at://DID/app.bsky.feed.post/RKEY -> https://bsky.app/profile/DID/post/RKEY
        let mut parts = uri.trim_start_matches("at://").split('/');
        if let (Some(repo), Some("app.bsky.feed.post"), Some(rkey)) =
            (parts.next(), parts.next(), parts.next())
        {
            item.url = Some(post_url(repo, rkey));
        }
        item.links = record_links(record, &text);
        item.text = text;
        item.published_at = str_field(record, "createdAt").and_then(|t| super::parse_time(&t));
        item.raw = json!({
            "cid": post.get("cid"),
            "indexed_at": post.get("indexedAt"),
            "like_count": post.get("likeCount"),
            "repost_count": post.get("repostCount"),
            "reply_count": post.get("replyCount"),
            "langs": record.get("langs"),
            "reply": record.get("reply").is_some(),
        });
        page.items.push(ctx.finish(item));
    }
    page.next = str_field(&value, "cursor")
        .map(|c| c.into_owned())
        .filter(|c| !c.is_empty());
    Ok(page)
}

/// The web address of a post.
pub(crate) fn post_url(did: &str, rkey: &str) -> String {
    format!("https://bsky.app/profile/{did}/post/{rkey}")
}

/// The links of a post record: its link facets, its external embed, then links in its text;
/// http(s) only, each once.
pub(crate) fn record_links(record: &Value, text: &str) -> Vec<String> {
    let mut links = Vec::new();
    let facet_links = record
        .get("facets")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .flat_map(|f| {
            f.get("features")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
        })
        .filter_map(|f| f.get("uri").and_then(Value::as_str));
    let embed_link = record
        .get("embed")
        .and_then(|e| e.get("external"))
        .and_then(|x| x.get("uri"))
        .and_then(Value::as_str);
    for l in facet_links
        .chain(embed_link)
        .filter_map(|l| safe_url(l, None))
        .chain(links_in_text(text))
    {
        if !links.contains(&l) {
            links.push(l);
        }
    }
    links
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::testing::ctx;
    use websense_model::SourceKind;

    #[test]
    fn search_results() {
        let body = br#"{"cursor":"25","hitsTotal":2,"posts":[{"uri":"at://did:plc:abc/app.bsky.feed.post/3kx","cid":"c1",
          "author":{"did":"did:plc:abc","handle":"jan.bsky.social"},
          "record":{"$type":"app.bsky.feed.post","text":"Raad besluit vandaag","createdAt":"2024-03-01T10:00:00.000Z","langs":["nl"],
            "facets":[{"features":[{"$type":"app.bsky.richtext.facet#link","uri":"https://raad.example/b"}]}]},
          "indexedAt":"2024-03-01T10:00:01.000Z","likeCount":3}]}"#;
        let c = ctx(SourceKind::Bluesky);
        let page = parse_search(body, None, &c).unwrap();
        assert_eq!(page.next.as_deref(), Some("25"));
        let p = &page.items[0];
        assert_eq!(
            p.url.as_deref(),
            Some("https://bsky.app/profile/did:plc:abc/post/3kx")
        );
        assert_eq!(p.links, vec!["https://raad.example/b"]);
        assert_eq!(
            p.author.as_ref().unwrap().pseudonym,
            c.key.pseudonymise("bluesky", "did:plc:abc")
        );
    }
}
