//! `kind = "html"` against a forum served by the local test server, generated here: threads
//! read page by page, robots.txt honoured, a second round starting where the first left each
//! thread, failures kept to the page that failed.

mod common;

use common::*;
use std::sync::{Arc, Mutex};
use websense_collect::{Cursor, SourceStatus};

/// A forum: threads of posts, `PER_PAGE` posts a thread page, two threads a listing page.
#[derive(Default)]
struct Forum {
    /// Per thread: its posts' texts.
    threads: Vec<Vec<String>>,
    /// Thread links on the listing that lead nowhere we may go.
    extra_links: Vec<String>,
}

const PER_PAGE: usize = 3;

fn page_of(query: &str) -> usize {
    query
        .split('&')
        .find_map(|kv| kv.strip_prefix("page="))
        .and_then(|p| p.parse().ok())
        .unwrap_or(1)
}

fn listing_html(forum: &Forum, page: usize) -> String {
    let mut html = String::from("<html><body><h1>Gemeente</h1><ul>");
    let ids: Vec<usize> = (0..forum.threads.len()).collect();
    let chunk = ids.chunks(2).nth(page - 1).unwrap_or(&[]);
    for t in chunk {
        html += &format!("<li><a class=\"topic\" href=\"/t/{t}#unread\">Draad {t}</a></li>");
    }
    if page == 1 {
        for l in &forum.extra_links {
            html += &format!("<li><a class=\"topic\" href=\"{l}\">x</a></li>");
        }
    }
    html += "</ul>";
    if page * 2 < forum.threads.len() {
        html += &format!("<a rel=\"next\" href=\"?page={}\">volgende</a>", page + 1);
    }
    html + "</body></html>"
}

fn thread_html(forum: &Forum, t: usize, page: usize) -> Option<String> {
    let posts = forum.threads.get(t)?;
    let pages = posts.len().div_ceil(PER_PAGE).max(1);
    if page > pages {
        return None;
    }
    let mut html = format!("<html><body><h1>Draad {t}</h1>");
    for (i, text) in posts
        .iter()
        .enumerate()
        .skip((page - 1) * PER_PAGE)
        .take(PER_PAGE)
    {
        html += &format!(
            "<article class=\"post\" id=\"post-{i}\"><span class=\"author\">lid{}</span>\
             <time datetime=\"2026-12-0{}T1{}:00:00Z\"></time><div class=\"body\"><p>{text}</p>\
             <script>verborgen()</script></div></article>",
            i % 2,
            1 + t,
            i % 10
        );
    }
    if page < pages {
        html += &format!(
            "<a rel=\"next\" href=\"/t/{t}?page={}\">volgende</a>",
            page + 1
        );
    }
    Some(html + "</body></html>")
}

fn serve_forum(server: &TestServer, forum: Arc<Mutex<Forum>>, threads: usize) {
    let f = forum.clone();
    server.route("/c/gemeente", move |hit, _| {
        let forum = f.lock().unwrap();
        Reply::ok(
            listing_html(&forum, page_of(&hit.query)),
            "text/html; charset=utf-8",
        )
    });
    for t in 0..threads {
        let f = forum.clone();
        server.route(&format!("/t/{t}"), move |hit, _| {
            match thread_html(&f.lock().unwrap(), t, page_of(&hit.query)) {
                Some(html) => Reply::ok(html, "text/html"),
                None => Reply::status(404),
            }
        });
    }
}

fn forum_source(base: &str, extra: &str) -> String {
    source(
        "forum",
        "html",
        &format!(
            "url = \"{base}/c/gemeente\"\n{extra}\n[sources.selectors]\nthread_link = \"a.topic\"\n\
             post = \"article.post\"\ntext = \".body\"\nauthor = \".author\"\ntime = \"time\"\n\
             title = \"h1\"\nnext_page = \"a[rel=next]\""
        ),
    )
}

fn status_of(dir: &std::path::Path, id: &str) -> SourceStatus {
    let all: Vec<SourceStatus> =
        serde_json::from_slice(&std::fs::read(dir.join("state/status.json")).unwrap()).unwrap();
    all.into_iter().find(|s| s.id.as_str() == id).unwrap()
}

fn cursor_of(dir: &std::path::Path, id: &str) -> Cursor {
    serde_json::from_slice(&std::fs::read(dir.join(format!("state/cursors/{id}.json"))).unwrap())
        .unwrap()
}

fn posts(thread: usize, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| format!("Draad {thread} bericht {i}"))
        .collect()
}

#[tokio::test]
async fn a_forum_is_read_thread_by_thread_and_a_rerun_starts_where_each_thread_was_left() {
    let server = TestServer::start().await;
    let base = server.url("");
    let forum = Arc::new(Mutex::new(Forum {
        threads: vec![posts(0, 7), posts(1, 2), posts(2, 4)],
        extra_links: vec!["/prive/geheim".into(), "https://elders.example/t/9".into()],
    }));
    serve_forum(&server, forum.clone(), 3);
    // Our own group allows all but /prive/; everyone else is kept out entirely, so reading
    // anything at all shows the group for our product token was the one applied.
    server.fixed(
        "/robots.txt",
        Reply::ok(
            "User-agent: *\nDisallow: /\n\nUser-agent: websense-test\nDisallow: /prive/\n",
            "text/plain",
        ),
    );
    server.fixed("/prive/geheim", Reply::ok("<p>geheim</p>", "text/html"));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("items.jsonl");
    let config = config_text(
        &dir.path().join("state"),
        "",
        &forum_source(&base, "max_pages = 5"),
    );

    let summary = collect_once(&config, &out).await;
    assert_eq!(summary.sources_failed, 0, "{:?}", summary.failures);
    let items = read_items(&out);
    let mut texts: Vec<&str> = items.iter().map(|i| i.text.as_str()).collect();
    texts.sort();
    let mut want: Vec<String> = [posts(0, 7), posts(1, 2), posts(2, 4)].concat();
    want.sort();
    assert_eq!(texts, want, "every post of every thread, scripts left out");
    let first = items
        .iter()
        .find(|i| i.text == "Draad 0 bericht 0")
        .unwrap();
    assert_eq!(
        first.url.as_deref(),
        Some(format!("{base}/t/0#post-0").as_str())
    );
    assert_eq!(first.title.as_deref(), Some("Draad 0"));
    assert_eq!(
        first.published_at.unwrap().to_rfc3339(),
        "2026-12-01T10:00:00+00:00"
    );
    assert!(first.author.as_ref().unwrap().handle.is_none());
    assert!(
        server.hits("/prive/geheim").is_empty(),
        "robots.txt disallows it"
    );
    assert_eq!(
        server.hits("/robots.txt").len(),
        1,
        "robots.txt once per site and run"
    );
    let status = status_of(dir.path(), "forum");
    assert!(
        status
            .warnings
            .iter()
            .any(|w| w.contains("/prive/geheim skipped") && w.contains("robots.txt")),
        "{:?}",
        status.warnings
    );
    assert!(status
        .warnings
        .iter()
        .any(|w| w.contains("1 thread links to other sites")));
    let cursor = cursor_of(dir.path(), "forum");
    let mark = cursor
        .threads
        .iter()
        .find(|m| m.thread == format!("{base}/t/0"))
        .unwrap();
    assert_eq!(
        mark.page,
        format!("{base}/t/0?page=3"),
        "left on its last page"
    );

    // Thread 0 grows by three posts (page 3 fills up, page 4 begins); the others are quiet.
    forum.lock().unwrap().threads[0] = posts(0, 10);
    let before = server.hits("/t/0").len();
    let summary = collect_once(&config, &out).await;
    assert_eq!(summary.sources_failed, 0, "{:?}", summary.failures);
    let items = read_items(&out);
    let new: Vec<&str> = items[want.len()..]
        .iter()
        .map(|i| i.text.as_str())
        .collect();
    assert_eq!(
        new,
        vec![
            "Draad 0 bericht 7",
            "Draad 0 bericht 8",
            "Draad 0 bericht 9"
        ],
        "only the new posts"
    );
    let pages: Vec<String> = server.hits("/t/0")[before..]
        .iter()
        .map(|h| h.query.clone())
        .collect();
    assert_eq!(pages, vec!["page=3", "page=4"], "not from page one again");
    assert_eq!(
        server.hits("/t/1").len(),
        2,
        "a one-page thread is read once per round"
    );
    let mark = cursor_of(dir.path(), "forum")
        .threads
        .into_iter()
        .find(|m| m.thread == format!("{base}/t/0"))
        .unwrap();
    assert_eq!(mark.page, format!("{base}/t/0?page=4"));
}

#[tokio::test]
async fn failing_and_vanished_thread_pages_cost_only_themselves() {
    let server = TestServer::start().await;
    let base = server.url("");
    let forum = Arc::new(Mutex::new(Forum {
        threads: vec![posts(0, 7), posts(1, 2)],
        extra_links: vec![],
    }));
    serve_forum(&server, forum.clone(), 2);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("items.jsonl");
    let config = config_text(
        &dir.path().join("state"),
        "max_retries = 1",
        &forum_source(&base, ""),
    );
    // No robots.txt at all (404): everything is allowed.
    let summary = collect_once(&config, &out).await;
    assert_eq!(summary.sources_failed, 0, "{:?}", summary.failures);
    assert_eq!(read_items(&out).len(), 9);

    // Thread 0 loses posts: the page it was left on (3) is gone. Thread 1 fails.
    forum.lock().unwrap().threads[0] = posts(0, 4);
    server.fixed("/t/1", Reply::status(500));
    let summary = collect_once(&config, &out).await;
    assert_eq!(summary.sources_failed, 0, "{:?}", summary.failures);
    let status = status_of(dir.path(), "forum");
    assert!(
        status
            .warnings
            .iter()
            .any(|w| w.contains("/t/0?page=3 is gone")),
        "{:?}",
        status.warnings
    );
    assert!(status
        .warnings
        .iter()
        .any(|w| w.contains("/t/1") && w.contains("tried again next round")));
    let marks = cursor_of(dir.path(), "forum").threads;
    let page_of_thread = |t: usize| {
        marks
            .iter()
            .find(|m| m.thread == format!("{base}/t/{t}"))
            .map(|m| m.page.clone())
    };
    assert_eq!(
        page_of_thread(0),
        Some(format!("{base}/t/0")),
        "read from page one next"
    );
    assert_eq!(
        page_of_thread(1),
        Some(format!("{base}/t/1")),
        "kept for next round"
    );
    // Next round: thread 0 from page one (nothing new in it), no post handed on twice.
    let summary = collect_once(&config, &out).await;
    assert_eq!(summary.sources_failed, 0);
    assert_eq!(read_items(&out).len(), 9, "no repeats");
}

#[tokio::test]
async fn robots_txt_unreachable_means_nothing_is_fetched_but_the_source_lives() {
    let server = TestServer::start().await;
    let base = server.url("");
    let forum = Arc::new(Mutex::new(Forum {
        threads: vec![posts(0, 2)],
        extra_links: vec![],
    }));
    serve_forum(&server, forum, 1);
    server.fixed("/robots.txt", Reply::status(503));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("items.jsonl");
    let config = config_text(
        &dir.path().join("state"),
        "max_retries = 1",
        &forum_source(&base, ""),
    );
    let summary = collect_once(&config, &out).await;
    assert_eq!(summary.sources_failed, 0, "{:?}", summary.failures);
    assert!(read_items(&out).is_empty());
    assert!(server.hits("/c/gemeente").is_empty() && server.hits("/t/0").is_empty());
    let status = status_of(dir.path(), "forum");
    assert!(
        status
            .warnings
            .iter()
            .any(|w| w.contains("robots.txt could not be fetched")),
        "{:?}",
        status.warnings
    );
}

#[tokio::test]
async fn a_listing_of_posts_newest_first_stops_at_what_it_handed_on() {
    let server = TestServer::start().await;
    let base = server.url("");
    // A comment page: newest first, two comments a page.
    let comments = Arc::new(Mutex::new(vec![
        "reactie 3".to_string(),
        "reactie 2".into(),
        "reactie 1".into(),
        "reactie 0".into(),
    ]));
    let c = comments.clone();
    server.route("/artikel/reacties", move |hit, _| {
        let all = c.lock().unwrap();
        let page = page_of(&hit.query);
        let mut html = String::from("<html><body>");
        for text in all.iter().skip((page - 1) * 2).take(2) {
            let n = text.trim_start_matches("reactie ");
            html += &format!("<div class=\"c\" id=\"c{n}\"><p>{text}</p></div>");
        }
        if page * 2 < all.len() {
            html += &format!("<a class=\"older\" href=\"?page={}\">ouder</a>", page + 1);
        }
        Reply::ok(html + "</body></html>", "text/html")
    });
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("items.jsonl");
    let config = config_text(
        &dir.path().join("state"),
        "",
        &source(
            "reacties",
            "html",
            &format!(
                "url = \"{base}/artikel/reacties\"\n[sources.selectors]\npost = \"div.c\"\n\
                 text = \"p\"\nnext_page = \"a.older\""
            ),
        ),
    );
    collect_once(&config, &out).await;
    assert_eq!(read_items(&out).len(), 4);
    assert_eq!(server.hits("/artikel/reacties").len(), 2);
    comments.lock().unwrap().insert(0, "reactie 4".into());
    collect_once(&config, &out).await;
    let items = read_items(&out);
    assert_eq!(items.len(), 5);
    assert_eq!(items[4].text, "reactie 4");
    // Page one brings the new one and an old one; page two only old ones: there it stops.
    assert_eq!(server.hits("/artikel/reacties").len(), 4);
}

#[tokio::test]
async fn crawl_delay_spaces_the_pages_of_a_round() {
    let server = TestServer::start().await;
    let base = server.url("");
    let forum = Arc::new(Mutex::new(Forum {
        threads: vec![posts(0, 1), posts(1, 1)],
        extra_links: vec![],
    }));
    serve_forum(&server, forum, 2);
    server.fixed(
        "/robots.txt",
        Reply::ok("User-agent: *\nCrawl-delay: 0.3\n", "text/plain"),
    );
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("items.jsonl");
    let config = config_text(&dir.path().join("state"), "", &forum_source(&base, ""));
    collect_once(&config, &out).await;
    assert_eq!(read_items(&out).len(), 2);
    let mut pages: Vec<std::time::Instant> = server
        .all_hits()
        .iter()
        .filter(|h| h.path != "/robots.txt")
        .map(|h| h.at)
        .collect();
    pages.sort();
    assert_eq!(pages.len(), 3, "listing and two threads");
    for pair in pages.windows(2) {
        let gap = pair[1] - pair[0];
        // The per-host rate alone (1000 a second here) would allow a millisecond.
        assert!(gap >= std::time::Duration::from_millis(280), "{gap:?}");
    }
}
