//! `websense run --once` with a `kind = "html"` source, as a real process: a forum written
//! here (a listing, threads of two pages, a robots.txt) served from a local HTTP server ->
//! collect -> bus -> score -> store, compared with counts computed from the posts. A thread
//! robots.txt disallows never reaches the store.

mod pipeline_common;

use pipeline_common::*;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;
use websense_store::SqliteStore;

/// A thread page of `posts`, linking to `next`.
fn thread_page(title: &str, posts: &[Post], next: Option<&str>) -> String {
    let mut html = format!("<html><body><h1>{title}</h1>");
    for p in posts {
        let _ = write!(
            html,
            "<div class=\"bericht\" id=\"{}\"><b class=\"naam\">bewoner{}</b>\
             <time datetime=\"{}\">{}</time><div class=\"inhoud\"><p>{}</p>\
             <script>document.write('oproer rellen')</script></div></div>",
            p.guid.replace(':', "-"),
            p.guid.len() % 3,
            p.published.to_rfc3339(),
            p.published.format("%d-%m-%Y %H:%M"),
            p.text
        );
    }
    if let Some(next) = next {
        let _ = write!(html, "<a class=\"volgende\" href=\"{next}\">volgende</a>");
    }
    html + "</body></html>"
}

/// The forum in `dir`: `threads` threads of two pages of `per_page` posts, a listing, a
/// private thread and a robots.txt keeping crawlers out of it. Returns the public posts.
fn write_forum(dir: &Path, threads: usize, per_page: usize) -> Vec<Post> {
    std::fs::create_dir_all(dir).unwrap();
    let mut listing = String::from("<html><body><ul>");
    let mut all = Vec::new();
    for t in 0..threads {
        let first: Vec<Post> = (0..per_page)
            .map(|k| post(t * 2 * per_page + k, epoch()))
            .collect();
        let second: Vec<Post> = (per_page..2 * per_page)
            .map(|k| post(t * 2 * per_page + k, epoch()))
            .collect();
        let page2 = format!("thread-{t}-2.html");
        std::fs::write(
            dir.join(format!("thread-{t}.html")),
            thread_page(&format!("Draad {t}"), &first, Some(&page2)),
        )
        .unwrap();
        std::fs::write(
            dir.join(&page2),
            thread_page(&format!("Draad {t}"), &second, None),
        )
        .unwrap();
        let _ = write!(
            listing,
            "<li><a class=\"draad\" href=\"thread-{t}.html\">Draad {t}</a></li>"
        );
        all.extend(first);
        all.extend(second);
    }
    let private: Vec<Post> = (0..per_page).map(|k| post(10_000 + k, epoch())).collect();
    std::fs::write(
        dir.join("private.html"),
        thread_page("Besloten", &private, None),
    )
    .unwrap();
    listing += "<li><a class=\"draad\" href=\"/private.html\">Besloten</a></li></ul></body></html>";
    std::fs::write(dir.join("forum.html"), listing).unwrap();
    std::fs::write(
        dir.join("robots.txt"),
        "User-agent: *\nDisallow: /private.html\n",
    )
    .unwrap();
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forum_reaches_the_store_through_websense_run() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let posts = write_forum(&dir.join("site"), 4, 5);
    write_lexicons(&dir.join("lexicons"), "");
    let server = FeedServer::start(&dir.join("site"), Duration::ZERO);
    let config = format!(
        r#"
[collect]
allow_private_hosts = ["127.0.0.1"]
per_host_rate = 50.0
per_host_burst = 10
state_dir = "state"
default_interval = "1h"

[store]
backend = "embedded"
path = "data/websense.db"

[matcher]
lexicons = "lexicons"

[[sources]]
id = "forum"
kind = "html"
url = "http://{}/forum.html"
[sources.selectors]
thread_link = "a.draad"
post = "div.bericht"
text = ".inhoud"
author = ".naam"
time = "time"
title = "h1"
next_page = "a.volgende"
"#,
        server.addr
    );
    std::fs::write(dir.join("websense.toml"), config).unwrap();

    let mut run = Proc::websense("run", dir, &["run", "--config", "websense.toml", "--once"]);
    let status = run.wait_exit(Duration::from_secs(120)).await;
    assert!(status.success(), "websense run failed\n{}", run.output());
    let store = SqliteStore::open(dir.join("data/websense.db"))
        .await
        .unwrap();
    // Every public post once, in the hour it was written, scored from its text alone (the
    // script's terms are not text); the private thread's posts nowhere.
    assert_exact(&store, &posts).await;
    // listing + robots.txt + two pages per thread; the private thread never asked for.
    assert_eq!(server.served(), 2 + 2 * 4, "{}", run.output());

    // Run again: nothing new on the forum, nothing stored twice, and each thread is read
    // from the page the first run left it on.
    let mut again = Proc::websense("run", dir, &["run", "--config", "websense.toml", "--once"]);
    let status = again.wait_exit(Duration::from_secs(120)).await;
    assert!(status.success(), "second run failed\n{}", again.output());
    assert_exact(
        &SqliteStore::open(dir.join("data/websense.db"))
            .await
            .unwrap(),
        &posts,
    )
    .await;
    assert_eq!(server.served(), 2 + 2 * 4 + 2 + 4, "{}", again.output());
}
