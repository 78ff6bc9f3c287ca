//! One round of a web page or forum source (`kind = "html"`): which pages to fetch, in what
//! order, how far, and where the next round starts.
//!
//! * With `selectors.thread_link`: the listing (at most `max_pages` pages, following
//!   `next_page`) names the threads; at most `max_threads` of them are read, in listing order,
//!   each at most `max_pages` pages. A forum thread grows at its end, so a thread is read from
//!   the last page the previous round reached ([`ThreadMark`]), not from page one: a re-run
//!   fetches the listing and one page per thread.
//! * Without it, the listing pages hold the posts, newest first (a comment page, a guest
//!   book): page one on, until a page brings nothing new.
//!
//! Every page is checked against the site's robots.txt first; a disallowed page is skipped
//! with a warning. The first listing page failing fails the round (as any source's first page
//! does); a later page or a thread failing is a warning, and what came before is kept.

use super::{Harvest, RoundError, ACCEPT_HTML};
use crate::config::{HtmlSelectors, Source};
use crate::cursor::{Cursor, SeenIds, ThreadMark};
use crate::http::{FetchErrorKind, Fetched, Fetcher, Response};
use crate::parse::html_page::{parse_page, HtmlPage, PageRole};
use crate::parse::ItemContext;
use crate::robots::Verdict;
use std::collections::{HashMap, HashSet};
use url::Url;

/// Threads a cursor remembers; beyond, the ones longest off the listing are forgotten (and
/// read from page one should they come back).
const MAX_THREAD_MARKS: usize = 1000;

/// A page that could not be read, and whether it is gone for good (404, 410).
struct PageFailure {
    error: RoundError,
    gone: bool,
}

/// Run one round of an `html` source.
#[allow(clippy::too_many_arguments)]
pub(super) async fn harvest(
    source: &Source,
    fetcher: &Fetcher,
    cursor: &Cursor,
    seen: &SeenIds,
    ctx: &ItemContext,
    listing: &Url,
    selectors: &HtmlSelectors,
    max_threads: u32,
) -> Result<Harvest, RoundError> {
    let mut out = Harvest::default();
    let marks: HashMap<&str, &ThreadMark> = cursor
        .threads
        .iter()
        .map(|m| (m.thread.as_str(), m))
        .collect();
    let with_threads = selectors.thread_link.is_some();
    let role = if with_threads {
        PageRole::Listing
    } else {
        PageRole::Posts { thread: listing }
    };
    let newest_before = marks.get(listing.as_str()).and_then(|m| m.newest);
    let mut threads: Vec<Url> = Vec::new();
    let mut newest = newest_before;
    let mut visited = HashSet::new();
    let mut url = listing.clone();
    for n in 0..source.max_pages {
        if !visited.insert(url.clone()) || !allowed(fetcher, &url, &mut out).await {
            break;
        }
        let page = match read(fetcher, &url, selectors, role, ctx).await {
            Ok(page) => page,
            Err(f) if n == 0 => return Err(f.error),
            Err(f) => {
                out.warnings.push(format!(
                    "listing page {} failed ({}); the pages before it were kept",
                    f.error.url, f.error.message
                ));
                break;
            }
        };
        let next = page.next.clone();
        if with_threads {
            for t in &page.threads {
                if !threads.contains(t) && threads.len() < max_threads as usize {
                    threads.push(t.clone());
                }
            }
            take(&mut out, page, &mut newest);
            if threads.len() >= max_threads as usize {
                break;
            }
        } else {
            // Newest first: a page of posts all handed on before (or no newer than the newest
            // handed on) means the rest is older still.
            let nothing_new = page.items.iter().all(|i| {
                seen.contains(&i.id)
                    || i.published_at
                        .zip(newest_before)
                        .is_some_and(|(t, n)| t <= n)
            });
            take(&mut out, page, &mut newest);
            if nothing_new {
                break;
            }
        }
        let Some(next) = next else { break };
        url = next;
    }
    let mut new_marks: Vec<ThreadMark> = Vec::new();
    if with_threads {
        for thread in &threads {
            let mark = read_thread(
                &mut out,
                source,
                fetcher,
                ctx,
                selectors,
                thread,
                marks.get(thread.as_str()).copied(),
            )
            .await;
            new_marks.push(mark);
        }
    } else {
        new_marks.push(ThreadMark {
            thread: listing.to_string(),
            page: listing.to_string(),
            newest,
        });
    }
    // The threads of this round first, then the ones remembered from before, up to the bound.
    let fresh: HashSet<String> = new_marks.iter().map(|m| m.thread.clone()).collect();
    new_marks.extend(
        cursor
            .threads
            .iter()
            .filter(|m| !fresh.contains(&m.thread))
            .cloned(),
    );
    new_marks.truncate(MAX_THREAD_MARKS);
    out.threads = Some(new_marks);
    Ok(out)
}

/// Read one thread from where the last round left it (or its first page), at most
/// `max_pages` pages; the mark says where the next round starts.
async fn read_thread(
    out: &mut Harvest,
    source: &Source,
    fetcher: &Fetcher,
    ctx: &ItemContext,
    selectors: &HtmlSelectors,
    thread: &Url,
    mark: Option<&ThreadMark>,
) -> ThreadMark {
    let mut new_mark = mark.cloned().unwrap_or_else(|| ThreadMark {
        thread: thread.to_string(),
        page: thread.to_string(),
        newest: None,
    });
    let start = mark
        .and_then(|m| Url::parse(&m.page).ok())
        .unwrap_or_else(|| thread.clone());
    let mut url = start.clone();
    let mut visited = HashSet::new();
    for _ in 0..source.max_pages {
        if !visited.insert(url.clone()) || !allowed(fetcher, &url, out).await {
            break;
        }
        let page = match read(fetcher, &url, selectors, PageRole::Posts { thread }, ctx).await {
            Ok(page) => page,
            Err(f) => {
                if f.gone && url == start && start != *thread {
                    // The page this thread was left on is gone (posts deleted, the thread
                    // split): start over from page one next round; the ids already handed on
                    // keep repeats out.
                    new_mark.page = thread.to_string();
                    out.warnings.push(format!(
                        "thread page {} is gone ({}); the thread is read from its first page next round",
                        f.error.url, f.error.message
                    ));
                } else {
                    out.warnings.push(format!(
                        "thread page {} failed ({}); tried again next round",
                        f.error.url, f.error.message
                    ));
                }
                break;
            }
        };
        new_mark.page = url.to_string();
        let next = page.next.clone();
        take(out, page, &mut new_mark.newest);
        let Some(next) = next else { break };
        url = next;
    }
    new_mark
}

/// Add a page to the harvest, keeping track of the newest post time.
fn take(out: &mut Harvest, page: HtmlPage, newest: &mut Option<chrono::DateTime<chrono::Utc>>) {
    if let Some(t) = page.items.iter().filter_map(|i| i.published_at).max() {
        *newest = Some(newest.map_or(t, |n| n.max(t)));
    }
    out.warnings.extend(page.warnings);
    if page.encoding_guess.is_some() {
        out.encoding_guess = page.encoding_guess;
    }
    out.items.extend(page.items);
}

/// Whether robots.txt allows `url`; a disallowed page is a warning, not a failure. When the
/// site asks for a `Crawl-delay`, wait until that long after this round's previous request.
async fn allowed(fetcher: &Fetcher, url: &Url, out: &mut Harvest) -> bool {
    match fetcher.robots_verdict(url).await {
        Verdict::Allowed { crawl_delay } => {
            if let (Some(delay), Some(last)) = (crawl_delay, out.last_request) {
                tokio::time::sleep_until(last + delay).await;
            }
            out.last_request = Some(tokio::time::Instant::now());
            true
        }
        Verdict::Disallowed(why) => {
            out.warnings.push(format!("{url} skipped: {why}"));
            false
        }
    }
}

/// Fetch and parse one page.
async fn read(
    fetcher: &Fetcher,
    url: &Url,
    selectors: &HtmlSelectors,
    role: PageRole<'_>,
    ctx: &ItemContext,
) -> Result<HtmlPage, PageFailure> {
    let resp: Response = match fetcher.get(url, None, ACCEPT_HTML).await {
        Ok(Fetched::Fresh(resp)) => resp,
        Ok(Fetched::NotModified) => {
            return Err(PageFailure {
                error: RoundError {
                    url: url.to_string(),
                    message: "HTTP 304 to an unconditional request".into(),
                    retry_after: None,
                },
                gone: false,
            })
        }
        Err(e) => {
            let gone = matches!(e.kind, FetchErrorKind::Status(404 | 410));
            return Err(PageFailure {
                error: e.into(),
                gone,
            });
        }
    };
    parse_page(
        &resp.body,
        resp.content_type.as_deref(),
        &resp.url,
        selectors,
        role,
        ctx,
    )
    .map_err(|e| PageFailure {
        error: super::parse_error(&resp.url, e),
        gone: false,
    })
}
