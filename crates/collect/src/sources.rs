//! One round of one source: which URLs to fetch, in what order, and when to stop paging.
//!
//! A round fetches at most `max_pages` pages, newest first, and stops early at the first
//! page whose posts were all handed on before (or, for services with ordered ids, at the
//! page that reaches the cursor's last id). What it returns is not yet de-duplicated or
//! handed on; the collector does both.

use crate::config::{MastodonTimeline, Source, SourceSpec};
use crate::cursor::{Cursor, SeenIds};
use crate::http::{FetchError, Fetched, Fetcher, Response, Validators};
use crate::parse::{self, ItemContext, Page, ParseError};
use std::cmp::Ordering;
use std::time::Duration;
use url::Url;
use websense_model::Item;

const ACCEPT_FEED: &str =
    "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5";
const ACCEPT_JSON: &str = "application/json, */*;q=0.5";
const ACCEPT_HTML: &str = "text/html, */*;q=0.5";

/// What one round brought in.
#[derive(Debug, Default)]
pub(crate) struct Harvest {
    pub items: Vec<Item>,
    /// New cache validators (sources fetched conditionally).
    pub validators: Option<Validators>,
    /// New newest platform id, for services that page by id.
    pub last_id: Option<String>,
    pub not_modified: bool,
    pub warnings: Vec<String>,
}

/// Why a round failed: where, and what was wrong.
#[derive(Clone, Debug)]
pub struct RoundError {
    pub url: String,
    pub message: String,
    /// The server asked for a pause this long.
    pub retry_after: Option<Duration>,
}

impl From<FetchError> for RoundError {
    fn from(e: FetchError) -> Self {
        RoundError {
            url: e.url,
            message: e.message,
            retry_after: e.retry_after,
        }
    }
}

fn parse_error(url: &Url, e: ParseError) -> RoundError {
    RoundError {
        url: url.to_string(),
        message: e.0,
        retry_after: None,
    }
}

/// Run one round of `source`.
pub(crate) async fn harvest(
    source: &Source,
    fetcher: &Fetcher,
    cursor: &Cursor,
    seen: &SeenIds,
    ctx: &ItemContext,
) -> Result<Harvest, RoundError> {
    match &source.spec {
        SourceSpec::Feed { url } => {
            let Some(resp) = fetch(fetcher, url, Some(&cursor.validators), ACCEPT_FEED).await?
            else {
                return Ok(Harvest {
                    not_modified: true,
                    ..Harvest::default()
                });
            };
            let page = parse::feed::parse_feed(
                &resp.body,
                resp.content_type.as_deref(),
                Some(&resp.url),
                ctx,
            )
            .map_err(|e| parse_error(&resp.url, e))?;
            Ok(Harvest {
                items: page.items,
                validators: Some(resp.validators),
                warnings: page.warnings,
                ..Harvest::default()
            })
        }
        SourceSpec::JsonApi {
            url,
            items_path,
            next_path,
            fields,
        } => {
            let mut out = Harvest::default();
            let mut next = Some(url.clone());
            for n in 0..source.max_pages {
                let Some(page_url) = next.take() else { break };
                // Only the first page is fetched conditionally: its validators are the ones kept.
                let validators = (n == 0).then_some(&cursor.validators);
                let Some(resp) = fetch(fetcher, &page_url, validators, ACCEPT_JSON).await? else {
                    out.not_modified = n == 0;
                    break;
                };
                let page = parse::json_api::parse_json_api(
                    &resp.body,
                    resp.content_type.as_deref(),
                    items_path,
                    next_path.as_deref(),
                    fields,
                    &resp.url,
                    ctx,
                )
                .map_err(|e| parse_error(&resp.url, e))?;
                if n == 0 {
                    out.validators = Some(resp.validators.clone());
                }
                next = page.next.as_deref().and_then(|u| Url::parse(u).ok());
                if take_page(&mut out, page, seen) {
                    break;
                }
            }
            Ok(out)
        }
        SourceSpec::Mastodon { instance, timeline } => {
            let mut first = match timeline {
                MastodonTimeline::Hashtag(tag) => {
                    join(instance, &format!("api/v1/timelines/tag/{tag}"))?
                }
                _ => join(instance, "api/v1/timelines/public")?,
            };
            {
                let mut q = first.query_pairs_mut();
                q.append_pair("limit", "40");
                if *timeline == MastodonTimeline::Local {
                    q.append_pair("local", "true");
                }
                if let Some(since) = &cursor.last_id {
                    q.append_pair("since_id", since);
                }
            }
            paged_by_url(source, fetcher, cursor, seen, first, ACCEPT_JSON, |resp| {
                parse::mastodon::parse_statuses(
                    &resp.body,
                    resp.content_type.as_deref(),
                    resp.link.as_deref(),
                    ctx,
                )
            })
            .await
        }
        SourceSpec::Telegram { base, channel } => {
            let first = join(base, &format!("s/{channel}"))?;
            let make_next = |before: &str| {
                let mut u = first.clone();
                u.query_pairs_mut().append_pair("before", before);
                u
            };
            let mut out = Harvest::default();
            let mut url = Some(first.clone());
            for _ in 0..source.max_pages {
                let Some(page_url) = url.take() else { break };
                let Some(resp) = fetch(fetcher, &page_url, None, ACCEPT_HTML).await? else {
                    break;
                };
                let page = parse::telegram::parse_preview(
                    &resp.body,
                    resp.content_type.as_deref(),
                    channel,
                    &resp.url,
                    ctx,
                )
                .map_err(|e| parse_error(&resp.url, e))?;
                url = page.next.as_deref().map(make_next);
                let reached_cursor = reaches(&page, cursor);
                if take_page(&mut out, page, seen) || reached_cursor {
                    break;
                }
            }
            Ok(out)
        }
        SourceSpec::Reddit { base, subreddit } => {
            let first = join(base, &format!("r/{subreddit}/new.json"))?;
            let page_url = |after: Option<&str>| {
                let mut u = first.clone();
                let mut q = u.query_pairs_mut();
                q.append_pair("limit", "100");
                if let Some(a) = after {
                    q.append_pair("after", a);
                }
                drop(q);
                u
            };
            paged_by_token(source, fetcher, seen, page_url, ACCEPT_JSON, |resp| {
                parse::reddit::parse_listing(&resp.body, resp.content_type.as_deref(), base, ctx)
            })
            .await
        }
        SourceSpec::Bluesky { base, query, lang } => {
            let first = join(base, "xrpc/app.bsky.feed.searchPosts")?;
            let page_url = |cursor: Option<&str>| {
                let mut u = first.clone();
                let mut q = u.query_pairs_mut();
                q.append_pair("q", query)
                    .append_pair("sort", "latest")
                    .append_pair("limit", "100");
                if let Some(l) = lang {
                    q.append_pair("lang", l);
                }
                if let Some(c) = cursor {
                    q.append_pair("cursor", c);
                }
                drop(q);
                u
            };
            paged_by_token(source, fetcher, seen, page_url, ACCEPT_JSON, |resp| {
                parse::bluesky::parse_search(&resp.body, resp.content_type.as_deref(), ctx)
            })
            .await
        }
    }
}

/// Services whose next page is a URL the response names (Mastodon's `Link` header).
async fn paged_by_url(
    source: &Source,
    fetcher: &Fetcher,
    cursor: &Cursor,
    seen: &SeenIds,
    first: Url,
    accept: &str,
    parse: impl Fn(&Response) -> Result<Page, ParseError>,
) -> Result<Harvest, RoundError> {
    let mut out = Harvest::default();
    let mut url = Some(first);
    for _ in 0..source.max_pages {
        let Some(page_url) = url.take() else { break };
        let Some(resp) = fetch(fetcher, &page_url, None, accept).await? else {
            break;
        };
        let page = parse(&resp).map_err(|e| parse_error(&resp.url, e))?;
        url = page.next.as_deref().and_then(|u| Url::parse(u).ok());
        let reached_cursor = reaches(&page, cursor);
        if take_page(&mut out, page, seen) || reached_cursor {
            break;
        }
    }
    Ok(out)
}

/// Services whose next page is a token put into the next request (Reddit's `after`,
/// Bluesky's `cursor`).
async fn paged_by_token(
    source: &Source,
    fetcher: &Fetcher,
    seen: &SeenIds,
    page_url: impl Fn(Option<&str>) -> Url,
    accept: &str,
    parse: impl Fn(&Response) -> Result<Page, ParseError>,
) -> Result<Harvest, RoundError> {
    let mut out = Harvest::default();
    let mut token: Option<String> = None;
    for n in 0..source.max_pages {
        if n > 0 && token.is_none() {
            break;
        }
        let url = page_url(token.as_deref());
        let Some(resp) = fetch(fetcher, &url, None, accept).await? else {
            break;
        };
        let page = parse(&resp).map_err(|e| parse_error(&resp.url, e))?;
        token = page.next.clone();
        if take_page(&mut out, page, seen) {
            break;
        }
    }
    Ok(out)
}

/// Add a page to the harvest; `true` when paging should stop (empty page, or nothing new).
fn take_page(out: &mut Harvest, page: Page, seen: &SeenIds) -> bool {
    let nothing_new = page.items.iter().all(|i| seen.contains(&i.id));
    if let Some(newest) = page.platform_ids.iter().max_by(|a, b| cmp_ids(a, b)) {
        if out
            .last_id
            .as_deref()
            .is_none_or(|l| cmp_ids(newest, l) == Ordering::Greater)
        {
            out.last_id = Some(newest.clone());
        }
    }
    out.warnings.extend(page.warnings);
    out.items.extend(page.items);
    nothing_new
}

/// The page goes back as far as the cursor's last id (ids that order by number).
fn reaches(page: &Page, cursor: &Cursor) -> bool {
    let Some(last) = &cursor.last_id else {
        return false;
    };
    page.platform_ids
        .iter()
        .any(|id| cmp_ids(id, last) != Ordering::Greater)
}

/// Compare numeric ids as numbers (longer is larger), others as text.
fn cmp_ids(a: &str, b: &str) -> Ordering {
    if a.bytes().all(|c| c.is_ascii_digit()) && b.bytes().all(|c| c.is_ascii_digit()) {
        let (a, b) = (a.trim_start_matches('0'), b.trim_start_matches('0'));
        a.len().cmp(&b.len()).then_with(|| a.cmp(b))
    } else {
        a.cmp(b)
    }
}

fn join(base: &Url, path: &str) -> Result<Url, RoundError> {
    let mut base = base.clone();
    if !base.path().ends_with('/') {
        base.set_path(&format!("{}/", base.path()));
    }
    base.join(path).map_err(|e| RoundError {
        url: base.to_string(),
        message: format!("cannot build URL {path}: {e}"),
        retry_after: None,
    })
}

async fn fetch(
    fetcher: &Fetcher,
    url: &Url,
    validators: Option<&Validators>,
    accept: &str,
) -> Result<Option<Response>, RoundError> {
    let validators = validators.filter(|v| v.etag.is_some() || v.last_modified.is_some());
    match fetcher.get(url, validators, accept).await? {
        Fetched::NotModified => Ok(None),
        Fetched::Fresh(resp) if resp.body.iter().all(u8::is_ascii_whitespace) => Err(RoundError {
            url: resp.url.to_string(),
            message: "empty body".into(),
            retry_after: None,
        }),
        Fetched::Fresh(resp) => Ok(Some(resp)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_order_as_numbers() {
        assert_eq!(cmp_ids("100", "99"), Ordering::Greater);
        assert_eq!(cmp_ids("0099", "99"), Ordering::Equal);
        assert_eq!(cmp_ids("t3_b", "t3_a"), Ordering::Greater);
    }
}
