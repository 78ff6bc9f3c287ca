//! Reddit listings (`/r/NAME/new.json`, `/r/NAME/comments.json`):
//! `{"kind":"Listing","data":{"after":..,"children":[..]}}`, paged with `?after=FULLNAME`.
//! Children of kind `t3` are posts (title and Markdown `selftext`), `t1` comments (Markdown
//! `body`); other kinds are reported and skipped. Markdown becomes plain text
//! ([`crate::markdown`]).

use super::{json_body, str_field, ItemContext, Page, ParseError};
use crate::html::safe_url;
use crate::markdown::markdown_to_text;
use serde_json::{json, Value};
use url::Url;

/// Parse one listing page. `base` makes permalinks absolute.
pub fn parse_listing(
    body: &[u8],
    content_type: Option<&str>,
    base: &Url,
    ctx: &ItemContext,
) -> Result<Page, ParseError> {
    let mut page = Page::default();
    let value = json_body(body, content_type, &mut page.warnings)?;
    let data = value
        .get("data")
        .filter(|_| value.get("kind").and_then(Value::as_str) == Some("Listing"))
        .ok_or_else(|| {
            ParseError::new("expected a Reddit listing (`kind: Listing` with `data`)")
        })?;
    let children = data
        .get("children")
        .and_then(Value::as_array)
        .ok_or_else(|| ParseError::new("listing has no `children` array"))?;
    for (i, child) in children.iter().enumerate() {
        let kind = child.get("kind").and_then(Value::as_str).unwrap_or("");
        if kind != "t3" && kind != "t1" {
            page.warnings.push(format!(
                "listing entry {} of kind `{}` skipped (not a post or a comment)",
                i + 1,
                super::excerpt(kind)
            ));
            continue;
        }
        let Some(post) = child.get("data") else {
            page.warnings
                .push(format!("listing entry {} without `data` skipped", i + 1));
            continue;
        };
        let Some(name) = str_field(post, "name") else {
            page.warnings
                .push(format!("listing entry {} without `name` skipped", i + 1));
            continue;
        };
        page.platform_ids.push(name.to_string());
        let mut item = ctx.item(&name);
        // A post has a title and Markdown `selftext`; a comment (t1) has Markdown `body`.
        let markdown_field = if kind == "t3" { "selftext" } else { "body" };
        item.title = str_field(post, "title")
            .map(|t| unescape(&t))
            .filter(|t| !t.is_empty());
        let body = str_field(post, markdown_field)
            .map(|t| markdown_to_text(&unescape(&t)))
            .unwrap_or_default();
        let mut links = Vec::new();
        if kind == "t3" && post.get("is_self").and_then(Value::as_bool) == Some(false) {
            if let Some(u) = str_field(post, "url").and_then(|u| safe_url(&unescape(&u), None)) {
                links.push(u);
            }
        }
        for l in body.links {
            if !links.contains(&l) {
                links.push(l);
            }
        }
        item.text = body.text;
        item.links = links;
        item.url = str_field(post, "permalink").and_then(|p| safe_url(&p, Some(base)));
        item.published_at = post
            .get("created_utc")
            .and_then(Value::as_f64)
            .and_then(super::time::unix_time);
        item.author = str_field(post, "author")
            .filter(|a| a != "[deleted]" && a != "[removed]")
            .and_then(|a| ctx.author("reddit", &a));
        item.raw = json!({
            "kind": kind,
            "subreddit": post.get("subreddit"),
            "score": post.get("score"),
            "num_comments": post.get("num_comments"),
            "over_18": post.get("over_18"),
            "flair": post.get("link_flair_text"),
            "link_id": post.get("link_id"),
            "parent_id": post.get("parent_id"),
        });
        page.items.push(ctx.finish(item));
    }
    page.next = str_field(data, "after")
        .map(|a| a.into_owned())
        .filter(|a| !a.is_empty());
    Ok(page)
}

/// Reddit escapes `&`, `<` and `>` in titles and selftext.
fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::testing::ctx;
    use websense_model::SourceKind;

    #[test]
    fn listing_posts_and_after() {
        let body = br#"{"kind":"Listing","data":{"after":"t3_b","children":[
          {"kind":"t3","data":{"name":"t3_a","title":"Fiets &amp; trein","selftext":"Zie https://ov.example/x.","author":"kees",
           "created_utc":1709287200.0,"permalink":"/r/nl/comments/a/fiets/","is_self":true,"subreddit":"nl","score":5}},
          {"kind":"t3","data":{"name":"t3_b","title":"Link","selftext":"","author":"[deleted]","is_self":false,"url":"https://news.example/1","permalink":"/r/nl/comments/b/link/"}}]}}"#;
        let page = parse_listing(
            body,
            None,
            &Url::parse("https://www.reddit.com").unwrap(),
            &ctx(SourceKind::Reddit),
        )
        .unwrap();
        assert_eq!(page.next.as_deref(), Some("t3_b"));
        assert_eq!(page.platform_ids, vec!["t3_a", "t3_b"]);
        let a = &page.items[0];
        assert_eq!(a.title.as_deref(), Some("Fiets & trein"));
        assert_eq!(a.links, vec!["https://ov.example/x"]);
        assert_eq!(
            a.url.as_deref(),
            Some("https://www.reddit.com/r/nl/comments/a/fiets/")
        );
        assert_eq!(
            a.published_at.unwrap().to_rfc3339(),
            "2024-03-01T10:00:00+00:00"
        );
        assert!(page.items[1].author.is_none());
        assert_eq!(page.items[1].links, vec!["https://news.example/1"]);
    }

    #[test]
    fn not_a_listing() {
        assert!(parse_listing(
            br#"{"message":"Forbidden","error":403}"#,
            None,
            &Url::parse("https://r.example").unwrap(),
            &ctx(SourceKind::Reddit)
        )
        .is_err());
    }

    #[test]
    fn link_posts_keep_only_http_urls() {
        let body = br#"{"kind":"Listing","data":{"children":[
          {"kind":"t3","data":{"name":"t3_x","title":"x","is_self":false,"url":"javascript:alert(1)","permalink":"/r/nl/x/"}},
          {"kind":"t3","data":{"name":"t3_y","title":"y","is_self":false,"url":"https://news.example/a?b=1&amp;c=2","permalink":"/r/nl/y/"}}]}}"#;
        let page = parse_listing(
            body,
            None,
            &Url::parse("https://www.reddit.com").unwrap(),
            &ctx(SourceKind::Reddit),
        )
        .unwrap();
        assert!(page.items[0].links.is_empty());
        assert_eq!(page.items[1].links, vec!["https://news.example/a?b=1&c=2"]);
    }

    #[test]
    fn markdown_comments_and_kinds() {
        let body = br#"{"kind":"Listing","data":{"children":[
          {"kind":"t3","data":{"name":"t3_m","title":"Md","selftext":"Dit is **vet** &amp; [een link](https://raad.example/x)","is_self":true,"permalink":"/r/nl/m/"}},
          {"kind":"t1","data":{"name":"t1_c","body":"&gt; geciteerd\n\nIk ben *het* oneens","link_id":"t3_m","permalink":"/r/nl/m/c/"}},
          {"kind":"more","data":{"name":"t1_more","children":["a"]}}]}}"#;
        let page = parse_listing(
            body,
            None,
            &Url::parse("https://www.reddit.com").unwrap(),
            &ctx(SourceKind::Reddit),
        )
        .unwrap();
        assert_eq!(page.items.len(), 2);
        assert_eq!(page.items[0].text, "Dit is vet & een link");
        assert_eq!(page.items[0].links, vec!["https://raad.example/x"]);
        assert_eq!(page.items[1].text, "geciteerd\nIk ben het oneens");
        assert!(page.items[1].title.is_none());
        assert_eq!(page.items[1].raw["kind"], "t1");
        assert!(
            page.warnings.len() == 1 && page.warnings[0].contains("entry 3 of kind `more`"),
            "{:?}",
            page.warnings
        );
    }
}
