//! One round of one source: which URLs to fetch, in what order, and when to stop paging.
//!
//! A round fetches at most `max_pages` pages, newest first, and stops early at the first
//! page whose posts were all handed on before (or, for services with ordered ids, at the
//! page that reaches the cursor's last id). When a later page fails, the pages before it are
//! kept and the failed page becomes a gap in the cursor ([`Resume`]) that the next rounds
//! walk on from, after the newest pages. What it returns is not yet de-duplicated or handed
//! on; the collector does both. Web pages and forums walk listings and threads their own way
//! (`html_site`); Bluesky live listens to a websocket for a while (`jetstream`).

mod html_site;
mod jetstream;

use crate::config::{MastodonTimeline, Source, SourceSpec};
use crate::cursor::{Cursor, Resume, SeenIds};
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
    /// Older pages still to fetch (replaces the cursor's).
    pub resume: Vec<Resume>,
    /// The encoding `chardetng` guessed for a body that declared none.
    pub encoding_guess: Option<String>,
    /// `html` sources: where each thread was left (replaces the cursor's).
    pub threads: Option<Vec<crate::cursor::ThreadMark>>,
    /// `html` sources: when this round last asked for a page (for `Crawl-delay`).
    pub last_request: Option<tokio::time::Instant>,
    /// `telegram` sources: other channels the posts forward from or link to.
    pub mentions: Vec<crate::parse::telegram::mentions::Mention>,
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
                encoding_guess: page.encoding_guess,
                ..Harvest::default()
            })
        }
        SourceSpec::JsonApi {
            url,
            items_path,
            next_path,
            fields,
        } => {
            let paging = Paging {
                first: url.clone(),
                next_url: &|next| Url::parse(next).ok(),
                accept: ACCEPT_JSON,
                ordered_ids: false,
                // Only the first page is fetched conditionally: its validators are the ones kept.
                conditional: true,
            };
            walk(source, fetcher, cursor, seen, paging, |resp| {
                parse::json_api::parse_json_api(
                    &resp.body,
                    resp.content_type.as_deref(),
                    items_path,
                    next_path.as_deref(),
                    fields,
                    &resp.url,
                    ctx,
                )
            })
            .await
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
            let paging = Paging {
                first,
                next_url: &|next| Url::parse(next).ok(),
                accept: ACCEPT_JSON,
                ordered_ids: true,
                conditional: false,
            };
            walk(source, fetcher, cursor, seen, paging, |resp| {
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
                Some(u)
            };
            let paging = Paging {
                first: first.clone(),
                next_url: &make_next,
                accept: ACCEPT_HTML,
                ordered_ids: true,
                conditional: false,
            };
            walk(source, fetcher, cursor, seen, paging, |resp| {
                parse::telegram::parse_preview(
                    &resp.body,
                    resp.content_type.as_deref(),
                    channel,
                    &resp.url,
                    ctx,
                )
            })
            .await
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
            let paging = Paging {
                first: page_url(None),
                next_url: &|token| Some(page_url(Some(token))),
                accept: ACCEPT_JSON,
                ordered_ids: false,
                conditional: false,
            };
            walk(source, fetcher, cursor, seen, paging, |resp| {
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
            let paging = Paging {
                first: page_url(None),
                next_url: &|token| Some(page_url(Some(token))),
                accept: ACCEPT_JSON,
                ordered_ids: false,
                conditional: false,
            };
            walk(source, fetcher, cursor, seen, paging, |resp| {
                parse::bluesky::parse_search(&resp.body, resp.content_type.as_deref(), ctx)
            })
            .await
        }
        SourceSpec::Html {
            url,
            selectors,
            max_threads,
        } => {
            html_site::harvest(
                source,
                fetcher,
                cursor,
                seen,
                ctx,
                url,
                selectors,
                *max_threads,
            )
            .await
        }
        SourceSpec::Jetstream(spec) => {
            jetstream::harvest(source, fetcher, cursor, seen, ctx, spec).await
        }
    }
}

/// How the pages of a paged source follow one another.
struct Paging<'a> {
    /// The newest page.
    first: Url,
    /// The URL of the page a [`Page::next`] names (a URL, or a token that goes into one).
    next_url: &'a (dyn Fn(&str) -> Option<Url> + Sync),
    accept: &'static str,
    /// Ids order by age (Mastodon, Telegram): a walk stops at the page that reaches the
    /// newest id handed on before.
    ordered_ids: bool,
    /// The first page is fetched with the cursor's cache validators.
    conditional: bool,
}

/// The most gaps a source keeps to come back to; an older one beyond is given up, loudly.
const MAX_GAPS: usize = 8;

/// How a walk through pages ended.
enum WalkEnd {
    Done,
    /// A page after the first failed: what came before is kept, this page is a gap.
    Broken {
        next: String,
        error: RoundError,
    },
}

/// A round of a paged source: the newest pages, then the gaps earlier rounds left (pages
/// that failed after the pages before them were handed on). A failing first page fails the
/// round; a failing later page ends the walk with what it had, and becomes a gap that later
/// rounds go on from.
async fn walk(
    source: &Source,
    fetcher: &Fetcher,
    cursor: &Cursor,
    seen: &SeenIds,
    paging: Paging<'_>,
    parse: impl Fn(&Response) -> Result<Page, ParseError>,
) -> Result<Harvest, RoundError> {
    let mut out = Harvest::default();
    let newest_until = cursor.last_id.clone().filter(|_| paging.ordered_ids);
    let mut gaps = Vec::new();
    let start = (paging.first.clone(), None);
    let end = pages(
        &mut out,
        source,
        fetcher,
        cursor,
        seen,
        &paging,
        &parse,
        start,
        newest_until.as_deref(),
    )
    .await?;
    if let WalkEnd::Broken { next, error } = end {
        out.warnings.push(format!(
            "page {} failed ({}); the pages before it were kept, the next rounds go on from it",
            error.url, error.message
        ));
        gaps.push(Resume {
            next,
            until_id: cursor.last_id.clone(),
        });
    }
    for gap in &cursor.resume {
        let Some(url) = (paging.next_url)(&gap.next) else {
            continue;
        };
        let until = gap.until_id.as_deref().filter(|_| paging.ordered_ids);
        let start = (url, Some(gap.next.clone()));
        match pages(
            &mut out, source, fetcher, cursor, seen, &paging, &parse, start, until,
        )
        .await?
        {
            WalkEnd::Done => {}
            WalkEnd::Broken { next, error } => {
                out.warnings.push(format!(
                    "older page {} still fails ({}); tried again next round",
                    error.url, error.message
                ));
                gaps.push(Resume {
                    next,
                    until_id: gap.until_id.clone(),
                });
            }
        }
    }
    if gaps.len() > MAX_GAPS {
        let lost = gaps.split_off(MAX_GAPS);
        out.warnings.push(format!(
            "{} older gaps given up (more than {MAX_GAPS}): {}",
            lost.len(),
            lost.iter()
                .map(|g| g.next.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    out.resume = gaps;
    Ok(out)
}

/// Fetch pages from `start` (its URL, and how the service named it; `None` for the newest
/// page) on, at most `max_pages`, into `out`, until a page reaches `until`, brings nothing
/// new, or names no next page.
#[allow(clippy::too_many_arguments)]
async fn pages(
    out: &mut Harvest,
    source: &Source,
    fetcher: &Fetcher,
    cursor: &Cursor,
    seen: &SeenIds,
    paging: &Paging<'_>,
    parse: &impl Fn(&Response) -> Result<Page, ParseError>,
    start: (Url, Option<String>),
    until: Option<&str>,
) -> Result<WalkEnd, RoundError> {
    let (mut url, mut named) = start;
    let newest = named.is_none();
    let broken = |named: &Option<String>, error: RoundError| match named {
        Some(next) => Ok(WalkEnd::Broken {
            next: next.clone(),
            error,
        }),
        None => Err(error),
    };
    for n in 0..source.max_pages {
        let conditional = newest && n == 0 && paging.conditional;
        let validators = conditional.then_some(&cursor.validators);
        let resp = match fetch(fetcher, &url, validators, paging.accept).await {
            Ok(Some(resp)) => resp,
            Ok(None) => {
                out.not_modified = conditional;
                return Ok(WalkEnd::Done);
            }
            Err(e) => return broken(&named, e),
        };
        let page = match parse(&resp) {
            Ok(page) => page,
            Err(e) => return broken(&named, parse_error(&resp.url, e)),
        };
        if conditional {
            out.validators = Some(resp.validators.clone());
        }
        let next = page.next.clone();
        let reached = until.is_some_and(|u| {
            page.platform_ids
                .iter()
                .any(|id| cmp_ids(id, u) != Ordering::Greater)
        });
        if take_page(out, page, seen) || reached {
            return Ok(WalkEnd::Done);
        }
        let Some(next) = next else {
            return Ok(WalkEnd::Done);
        };
        let Some(next_url) = (paging.next_url)(&next) else {
            return Ok(WalkEnd::Done);
        };
        url = next_url;
        named = Some(next);
    }
    Ok(WalkEnd::Done)
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
    out.mentions.extend(page.mentions);
    if page.encoding_guess.is_some() {
        out.encoding_guess = page.encoding_guess;
    }
    out.items.extend(page.items);
    nothing_new
}

/// Compare numeric ids as numbers (longer is larger), others as text.
pub(crate) fn cmp_ids(a: &str, b: &str) -> Ordering {
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
