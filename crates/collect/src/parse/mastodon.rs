//! Mastodon statuses (`GET /api/v1/timelines/public`, `/timelines/tag/NAME`): a JSON array of
//! statuses, paged through the `Link` header (`rel="next"` holds the older page).

use super::{json_body, str_field, ItemContext, Page, ParseError};
use crate::html::{html_to_text, safe_url};
use serde_json::{json, Value};
use url::Url;

/// Parse one page of statuses. `link_header` is the response's `Link` header.
pub fn parse_statuses(
    body: &[u8],
    content_type: Option<&str>,
    link_header: Option<&str>,
    ctx: &ItemContext,
) -> Result<Page, ParseError> {
    let mut page = Page::default();
    let value = json_body(body, content_type, &mut page.warnings)?;
    let Value::Array(statuses) = value else {
        let hint = value.get("error").and_then(Value::as_str).unwrap_or("");
        return Err(ParseError::new(format!(
            "expected an array of statuses{}",
            if hint.is_empty() {
                String::new()
            } else {
                format!(", server said: {hint}")
            }
        )));
    };
    for status in &statuses {
        let Some(id) = str_field(status, "id") else {
            page.warnings
                .push("a status without `id` was skipped".into());
            continue;
        };
        page.platform_ids.push(id.into_owned());
        match status_item(status, ctx) {
            Some(item) => page.items.push(item),
            None => page
                .warnings
                .push("a status without `uri`, `url` or `content` was skipped".into()),
        }
    }
    page.next = link_header.and_then(|h| link_rel(h, "next"));
    Ok(page)
}

fn status_item(outer: &Value, ctx: &ItemContext) -> Option<websense_model::Item> {
    // A boost shows the boosted status; it is that post, with that post's identity.
    let s = outer
        .get("reblog")
        .filter(|r| r.is_object())
        .unwrap_or(outer);
    let guid = str_field(s, "uri").or_else(|| str_field(s, "url"))?;
    let url = str_field(s, "url")
        .and_then(|u| safe_url(&u, None))
        .or_else(|| str_field(s, "uri").and_then(|u| safe_url(&u, None)));
    let base = url.as_deref().and_then(|u| Url::parse(u).ok());
    let body = html_to_text(s.get("content")?.as_str()?, base.as_ref());
    let mut item = ctx.item(&guid);
    item.text = body.text;
    item.links = body.links;
    item.title = str_field(s, "spoiler_text")
        .map(|t| t.into_owned())
        .filter(|t| !t.trim().is_empty());
    item.published_at = str_field(s, "created_at").and_then(|t| super::parse_time(&t));
    item.url = url;
    if let Some(account) = s.get("account") {
        item.author = account_handle(account).and_then(|h| ctx.author("mastodon", &h));
    }
    let tags: Vec<&str> = s
        .get("tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|t| t.get("name")?.as_str())
        .take(20)
        .collect();
    item.raw = json!({
        "id": str_field(s, "id"),
        "visibility": s.get("visibility"),
        "replies_count": s.get("replies_count"),
        "reblogs_count": s.get("reblogs_count"),
        "favourites_count": s.get("favourites_count"),
        "sensitive": s.get("sensitive"),
        "reply": s.get("in_reply_to_id").is_some_and(|v| !v.is_null()),
        "boosted": !std::ptr::eq(s, outer),
        "tags": tags,
        "language": s.get("language"),
    });
    Some(ctx.finish(item))
}

/// `user@instance` for every account, local ones included (their `acct` lacks the instance).
fn account_handle(account: &Value) -> Option<String> {
    let acct = str_field(account, "acct")?;
    if acct.contains('@') {
        return Some(acct.into_owned());
    }
    let host =
        str_field(account, "url").and_then(|u| Url::parse(&u).ok()?.host_str().map(str::to_string));
    Some(match host {
        Some(h) => format!("{acct}@{h}"),
        None => acct.into_owned(),
    })
}

/// The URL of relation `rel` in an RFC 8288 `Link` header.
pub fn link_rel(header: &str, rel: &str) -> Option<String> {
    header.split(',').find_map(|part| {
        let (target, params) = part.split_once(';')?;
        let target = target.trim().strip_prefix('<')?.strip_suffix('>')?;
        let matches = params.split(';').any(|p| {
            let Some((k, v)) = p.split_once('=') else {
                return false;
            };
            k.trim().eq_ignore_ascii_case("rel")
                && v.trim()
                    .trim_matches('"')
                    .split_whitespace()
                    .any(|r| r.eq_ignore_ascii_case(rel))
        });
        matches.then(|| target.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::testing::ctx;
    use websense_model::SourceKind;

    #[test]
    fn statuses_and_link_header() {
        let body = br#"[{"id":"1002","uri":"https://m.example/users/a/statuses/1002","url":"https://m.example/@a/1002",
            "created_at":"2024-03-01T10:00:00.000Z","content":"<p>Hallo <a href=\"https://x.example\">x</a></p>",
            "spoiler_text":"","visibility":"public","account":{"acct":"a","url":"https://m.example/@a"},
            "tags":[{"name":"gemeente"}],"reblog":null},
            {"id":"1001","uri":"https://m.example/users/b/statuses/1001","content":"tweede","account":{"acct":"b@o.example"}}]"#;
        let link = r#"<https://m.example/api/v1/timelines/public?max_id=1001>; rel="next", <https://m.example/api/v1/timelines/public?min_id=1002>; rel="prev""#;
        let c = ctx(SourceKind::Mastodon);
        let page = parse_statuses(body, None, Some(link), &c).unwrap();
        assert_eq!(page.platform_ids, vec!["1002", "1001"]);
        assert_eq!(
            page.next.as_deref(),
            Some("https://m.example/api/v1/timelines/public?max_id=1001")
        );
        let a = &page.items[0];
        assert_eq!(a.text, "Hallo x");
        assert_eq!(a.links, vec!["https://x.example/"]);
        assert_eq!(
            a.author.as_ref().unwrap().pseudonym,
            c.key.pseudonymise("mastodon", "a@m.example")
        );
        assert_eq!(a.raw["tags"][0], "gemeente");
        assert_eq!(
            page.items[1].author.as_ref().unwrap().pseudonym,
            c.key.pseudonymise("mastodon", "b@o.example")
        );
    }

    #[test]
    fn error_objects_are_errors() {
        let e = parse_statuses(
            br#"{"error":"This method requires an authenticated user"}"#,
            None,
            None,
            &ctx(SourceKind::Mastodon),
        )
        .unwrap_err();
        assert!(e.0.contains("authenticated"), "{e}");
    }

    #[test]
    fn only_http_urls_survive() {
        let body = br#"[{"id":"1","uri":"https://m.example/users/a/statuses/1","url":" JavaScript:alert(1)","content":"<p>a</p>"},
            {"id":"2","uri":"data:text/html,x","url":"data:text/html,x","content":"<p>b</p>"},
            {"id":"3","uri":"https://m.example/users/a/statuses/3","url":"HTTPS://m.example/@a/3","content":"<p>c</p>"}]"#;
        let page = parse_statuses(body, None, None, &ctx(SourceKind::Mastodon)).unwrap();
        let urls: Vec<_> = page.items.iter().map(|i| i.url.as_deref()).collect();
        assert_eq!(
            urls,
            vec![
                Some("https://m.example/users/a/statuses/1"),
                None,
                Some("https://m.example/@a/3")
            ]
        );
    }
}
