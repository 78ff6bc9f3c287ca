//! A JSON API declared in configuration: where the items are and which fields mean what.

use super::{json_body, parse_time, ItemContext, Page, ParseError};
use crate::config::JsonFields;
use crate::html::{html_to_text, safe_url};
use serde_json::{json, Value};
use url::Url;

/// Follow a dot path (`data.items`, `links.0.href`); the empty path is the value itself.
pub fn get_path<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.')
        .filter(|s| !s.is_empty())
        .try_fold(value, |v, seg| match v {
            Value::Object(m) => m.get(seg),
            Value::Array(a) => a.get(seg.parse::<usize>().ok()?),
            _ => None,
        })
}

fn text_at(v: &Value, path: &str) -> Option<String> {
    match get_path(v, path)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Parse one response. `base` resolves relative links and the next page's URL.
pub fn parse_json_api(
    body: &[u8],
    content_type: Option<&str>,
    items_path: &str,
    next_path: Option<&str>,
    fields: &JsonFields,
    base: &Url,
    ctx: &ItemContext,
) -> Result<Page, ParseError> {
    let mut page = Page::default();
    let value = json_body(body, content_type, &mut page.warnings)?;
    let records = get_path(&value, items_path)
        .and_then(Value::as_array)
        .ok_or_else(|| ParseError::new(format!("no array of items at `{items_path}`")))?;
    let (mut no_id, mut no_text) = (0, 0);
    for record in records {
        let Some(id) = text_at(record, &fields.id).filter(|s| !s.trim().is_empty()) else {
            no_id += 1;
            continue;
        };
        page.platform_ids.push(id.clone());
        let mut item = ctx.item(&id);
        let body = match text_at(record, &fields.text) {
            Some(t) => html_to_text(&t, Some(base)),
            None => {
                no_text += 1;
                Default::default()
            }
        };
        item.text = body.text;
        item.links = body.links;
        item.title = fields
            .title
            .as_deref()
            .and_then(|p| text_at(record, p))
            .map(|t| html_to_text(&t, None).text);
        item.author = fields
            .author
            .as_deref()
            .and_then(|p| text_at(record, p))
            .and_then(|a| ctx.author(ctx.source.id.as_str(), &a));
        item.published_at = fields
            .time
            .as_deref()
            .and_then(|p| match get_path(record, p)? {
                Value::Number(n) => super::time::unix_time(n.as_f64()?),
                Value::String(s) => parse_time(s),
                _ => None,
            });
        item.url = fields
            .url
            .as_deref()
            .and_then(|p| text_at(record, p))
            .and_then(|u| safe_url(&u, Some(base)));
        if let Some(u) = &item.url {
            if !item.links.contains(u) {
                item.links.insert(0, u.clone());
            }
        }
        item.raw = json!({ "id": id });
        page.items.push(ctx.finish(item));
    }
    if no_id > 0 {
        page.warnings.push(format!(
            "{no_id} records without `{}` were skipped",
            fields.id
        ));
    }
    if no_text > 0 {
        page.warnings.push(format!(
            "{no_text} records without `{}` got empty text",
            fields.text
        ));
    }
    page.next = next_path
        .and_then(|p| text_at(&value, p))
        .filter(|n| !n.is_empty())
        .and_then(|n| base.join(&n).ok())
        .map(String::from);
    Ok(page)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::testing::ctx;
    use websense_model::SourceKind;

    #[test]
    fn mapped_fields() {
        let fields = JsonFields {
            id: "id".into(),
            text: "body".into(),
            title: Some("title".into()),
            author: Some("user.name".into()),
            time: Some("ts".into()),
            url: Some("links.0".into()),
        };
        let body = br#"{"data":{"items":[{"id":7,"body":"<p>Melding</p>","title":"Titel","user":{"name":"ans"},"ts":1709287200,"links":["/m/7"]},
            {"body":"zonder id"}, {"id":"8","ts":"2024-03-01T10:00:00Z"}],"next":"/api?page=2"}}"#;
        let base = Url::parse("https://api.example/api?page=1").unwrap();
        let page = parse_json_api(
            body,
            None,
            "data.items",
            Some("data.next"),
            &fields,
            &base,
            &ctx(SourceKind::JsonApi),
        )
        .unwrap();
        assert_eq!(page.items.len(), 2);
        assert_eq!(page.platform_ids, vec!["7", "8"]);
        let a = &page.items[0];
        assert_eq!(a.text, "Melding");
        assert_eq!(a.url.as_deref(), Some("https://api.example/m/7"));
        assert_eq!(a.published_at, page.items[1].published_at);
        assert_eq!(page.next.as_deref(), Some("https://api.example/api?page=2"));
        assert_eq!(page.warnings.len(), 2, "{:?}", page.warnings);
        let e = parse_json_api(
            b"[]",
            None,
            "data.items",
            None,
            &fields,
            &base,
            &ctx(SourceKind::JsonApi),
        )
        .unwrap_err();
        assert!(e.0.contains("data.items"));
    }
}
