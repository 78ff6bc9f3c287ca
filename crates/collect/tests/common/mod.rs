//! A local HTTP server for the collector tests: serves the fixture files and scripted
//! behaviour (status sequences, delays, headers) on 127.0.0.1, and records every request.
//! Stands in for the internet; the tests never leave this machine.
#![allow(dead_code)]

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use websense_collect::{Config, FileCursorStore, JsonlSink};
use websense_model::{read_jsonl, Item};

/// What the server answers.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub delay: Duration,
}

impl Reply {
    pub fn ok(body: impl Into<Vec<u8>>, content_type: &str) -> Reply {
        Reply {
            status: 200,
            headers: vec![("content-type".into(), content_type.into())],
            body: body.into(),
            delay: Duration::ZERO,
        }
    }
    pub fn status(status: u16) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            delay: Duration::ZERO,
        }
    }
    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.into(), value.into()));
        self
    }
    pub fn delay(mut self, d: Duration) -> Reply {
        self.delay = d;
        self
    }
    pub fn redirect(status: u16, location: &str) -> Reply {
        Reply::status(status).header("location", location)
    }
}

/// A request as the server saw it.
#[derive(Clone, Debug)]
pub struct Hit {
    pub path: String,
    pub query: String,
    pub headers: HeaderMap,
    pub at: Instant,
}

impl Hit {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

type Handler = Arc<dyn Fn(&Hit, usize) -> Reply + Send + Sync>;

#[derive(Default)]
struct Shared {
    routes: Mutex<HashMap<String, Handler>>,
    hits: Mutex<Vec<Hit>>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
}

pub struct TestServer {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
}

impl TestServer {
    pub async fn start() -> TestServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let shared = Arc::new(Shared::default());
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(shared.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        TestServer { addr, shared }
    }

    /// `http://127.0.0.1:PORT/path`
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// `http://localhost:PORT/path`: the same server under a host name.
    pub fn localhost_url(&self, path: &str) -> String {
        format!("http://localhost:{}{}", self.addr.port(), path)
    }

    /// Answer requests for `path` (query ignored) with `f(request, n)`, n counting from 0.
    pub fn route(&self, path: &str, f: impl Fn(&Hit, usize) -> Reply + Send + Sync + 'static) {
        self.shared
            .routes
            .lock()
            .unwrap()
            .insert(path.to_string(), Arc::new(f));
    }

    /// Always the same reply.
    pub fn fixed(&self, path: &str, reply: Reply) {
        self.route(path, move |_, _| reply.clone());
    }

    /// A fixture file, with an ETag and conditional GET.
    pub fn fixture(&self, path: &str, name: &str, content_type: &str) {
        self.conditional(path, fixture(name), content_type);
    }

    /// A body with an ETag and Last-Modified that answers 304 when they are sent back.
    pub fn conditional(&self, path: &str, body: Vec<u8>, content_type: &str) {
        let etag = format!(
            "\"{:x}\"",
            body.len() * 31 + body.iter().map(|b| *b as usize).sum::<usize>()
        );
        let ct = content_type.to_string();
        self.route(path, move |hit, _| {
            if hit.header("if-none-match") == Some(etag.as_str()) {
                return Reply::status(304).header("etag", &etag);
            }
            Reply::ok(body.clone(), &ct)
                .header("etag", &etag)
                .header("last-modified", "Tue, 12 Mar 2024 10:00:00 GMT")
        });
    }

    pub fn hits(&self, path: &str) -> Vec<Hit> {
        self.shared
            .hits
            .lock()
            .unwrap()
            .iter()
            .filter(|h| h.path == path)
            .cloned()
            .collect()
    }

    pub fn all_hits(&self) -> Vec<Hit> {
        self.shared.hits.lock().unwrap().clone()
    }

    pub fn max_in_flight(&self) -> usize {
        self.shared.max_in_flight.load(Ordering::SeqCst)
    }
}

async fn handle(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    let hit = Hit {
        path: req.uri().path().to_string(),
        query: req.uri().query().unwrap_or_default().to_string(),
        headers: req.headers().clone(),
        at: Instant::now(),
    };
    let n = {
        let mut hits = shared.hits.lock().unwrap();
        let n = hits.iter().filter(|h| h.path == hit.path).count();
        hits.push(hit.clone());
        n
    };
    let handler = shared.routes.lock().unwrap().get(&hit.path).cloned();
    let reply = match handler {
        Some(h) => h(&hit, n),
        None => Reply::status(404),
    };
    let now = shared.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    shared.max_in_flight.fetch_max(now, Ordering::SeqCst);
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    shared.in_flight.fetch_sub(1, Ordering::SeqCst);
    let mut resp = Response::new(Body::from(reply.body));
    *resp.status_mut() = StatusCode::from_u16(reply.status).unwrap();
    for (k, v) in reply.headers {
        resp.headers_mut().insert(
            axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
            HeaderValue::from_str(&v).unwrap(),
        );
    }
    resp
}

pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

pub fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixtures_dir().join(name)).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

/// Feeds in legacy and odd encodings, generated here rather than committed as binary files:
/// (name, body, Content-Type header, a phrase the decoded items must contain).
pub fn encoded_feeds() -> Vec<(&'static str, Vec<u8>, &'static str, &'static str)> {
    let rss = |decl: &str, title: &str| {
        format!(
            "{decl}<rss version=\"2.0\"><channel><title>Codering</title><item><title>{title}</title><guid>enc-1</guid>\
             <description>Tekst over {title}.</description></item></channel></rss>"
        )
    };
    let win1252 = |s: &str| encoding_rs::WINDOWS_1252.encode(s).0.into_owned();
    let utf16 = |s: &str, le: bool| {
        let mut out = if le {
            vec![0xFF, 0xFE]
        } else {
            vec![0xFE, 0xFF]
        };
        for u in s.encode_utf16() {
            out.extend(if le { u.to_le_bytes() } else { u.to_be_bytes() });
        }
        out
    };
    vec![
        (
            "iso-8859-1 in prolog",
            win1252(&rss(
                "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>",
                "Caf\u{e9} Ren\u{e9}",
            )),
            "application/rss+xml",
            "Café René",
        ),
        (
            "windows-1252 in header only",
            win1252(&rss("", "\u{201c}Prijs\u{201d} \u{20ac}5")),
            "text/xml; charset=windows-1252",
            "“Prijs” €5",
        ),
        (
            "utf-16le with BOM",
            utf16(
                &rss(
                    "<?xml version=\"1.0\" encoding=\"UTF-16\"?>",
                    "Zo\u{eb} en Chlo\u{eb}",
                ),
                true,
            ),
            "application/xml",
            "Zoë en Chloë",
        ),
        (
            "utf-16be with BOM",
            utf16(
                &rss(
                    "<?xml version=\"1.0\" encoding=\"UTF-16\"?>",
                    "Gro\u{df}e Stra\u{df}e",
                ),
                false,
            ),
            "application/xml",
            "Große Straße",
        ),
        (
            "undeclared latin-1",
            win1252(&rss("", "Na\u{ef}ef co\u{f6}peratief")),
            "application/xml",
            "Naïef coöperatief",
        ),
        (
            "utf-8 labelled latin-1",
            rss("", "Cr\u{e8}me br\u{fb}l\u{e9}e").into_bytes(),
            "application/rss+xml; charset=iso-8859-1",
            "Crème brûlée",
        ),
        (
            "latin-1 labelled utf-8",
            win1252(&rss(
                "<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>",
                "H\u{e9}t pl\u{e9}in",
            )),
            "text/xml; charset=UTF-8",
            "Hét pléin",
        ),
        (
            "utf-8 with BOM",
            [
                b"\xEF\xBB\xBF".as_slice(),
                rss("<?xml version=\"1.0\"?>", "\u{20ac}uro \u{2013} streepje").as_bytes(),
            ]
            .concat(),
            "application/rss+xml",
            "€uro – streepje",
        ),
    ]
}

/// A config with the test server allowed and fast retries; `overrides` (`key = value` lines)
/// replace those defaults or add settings. Tests of the SSRF guard override
/// `allow_private_networks`.
pub fn config_text(state_dir: &Path, overrides: &str, sources: &str) -> String {
    let defaults = [
        (
            "user_agent",
            "\"websense-test/1 (+mailto:test@example.org)\"",
        ),
        ("allow_private_networks", "true"),
        ("per_host_rate", "1000.0"),
        ("per_host_burst", "100"),
        ("per_host_concurrency", "8"),
        ("retry_base_delay", "\"20ms\""),
        ("retry_max_delay", "\"3s\""),
        ("request_timeout", "\"5s\""),
    ];
    let overridden: Vec<&str> = overrides
        .lines()
        .filter_map(|l| l.split('=').next())
        .map(str::trim)
        .collect();
    let mut text = format!("[collect]\nstate_dir = \"{}\"\n", state_dir.display());
    for (k, v) in defaults {
        if !overridden.contains(&k) {
            text += &format!("{k} = {v}\n");
        }
    }
    // The key outside the state directory, as the collector requires by default; tests that
    // configure [privacy] themselves say where theirs is.
    if !sources.contains("[privacy]") {
        text += &format!(
            "{overrides}\n[privacy]\npseudonym_key_file = \"{}\"\n",
            key_file(state_dir).display()
        );
        return format!("{text}{sources}");
    }
    format!("{text}{overrides}\n{sources}")
}

/// Where [`config_text`] puts the pseudonym key: `keys/pseudonym.key` beside the state
/// directory.
pub fn key_file(state_dir: &Path) -> std::path::PathBuf {
    state_dir.with_file_name("keys").join("pseudonym.key")
}

/// A `[[sources]]` entry.
pub fn source(id: &str, kind: &str, fields: &str) -> String {
    format!("[[sources]]\nid = \"{id}\"\nkind = \"{kind}\"\n{fields}\n")
}

/// Collect once into `out` and return the summary.
pub async fn collect_once(config: &str, out: &Path) -> websense_collect::Summary {
    let config = Config::from_toml(config).unwrap();
    let sink = Arc::new(JsonlSink::append_to(out).unwrap());
    let cursors = Arc::new(FileCursorStore::new(&config.collect.state_dir).unwrap());
    let collector = websense_collect::Collector::new(&config, sink, cursors).unwrap();
    collector.run_once().await
}

pub fn read_items(path: &Path) -> Vec<Item> {
    let Ok(file) = std::fs::File::open(path) else {
        return Vec::new();
    };
    read_jsonl::<Item, _>(std::io::BufReader::new(file))
        .map(|r| r.expect("output lines are items").1)
        .collect()
}

pub fn items_of<'a>(items: &'a [Item], source: &str) -> Vec<&'a Item> {
    items
        .iter()
        .filter(|i| i.source.id.as_str() == source)
        .collect()
}

/// Routes for every source kind, with their paging, on `server`:
///
/// * feeds: `/rss20.xml` (3 items), `/rss091.xml` (2), `/rss092.xml` (1), `/rss10.rdf` (2),
///   `/atom.xml` (2), `/youtube.xml` (2), `/feed.json` (2);
/// * Mastodon `/api/v1/timelines/public` and `/api/v1/timelines/tag/gemeenteraad`: 3 + 2 statuses
///   over two pages linked by `Link`;
/// * Reddit `/r/voorbeeldstad/new.json`: 2 + 2 posts, paged by `after`;
/// * Bluesky `/xrpc/app.bsky.feed.searchPosts`: 2 + 1 posts, paged by `cursor`;
/// * Telegram `/s/voorbeeldkanaal`: posts 101-103, then (`before=101`) 99-100, then none;
/// * JSON API `/api/meldingen`: 2 + 1 records, next page named in the body.
pub fn serve_all_kinds(server: &TestServer) {
    for (path, name, ct) in [
        (
            "/rss20.xml",
            "rss20.xml",
            "application/rss+xml; charset=utf-8",
        ),
        ("/rss091.xml", "rss091.xml", "application/rss+xml"),
        ("/rss092.xml", "rss092.xml", "text/xml"),
        ("/rss10.rdf", "rss10.rdf", "application/rdf+xml"),
        ("/atom.xml", "atom.xml", "application/atom+xml"),
        ("/youtube.xml", "youtube.xml", "text/xml; charset=UTF-8"),
        ("/feed.json", "feed.json", "application/feed+json"),
    ] {
        server.fixture(path, name, ct);
    }
    let base = server.url("");
    for path in [
        "/api/v1/timelines/public",
        "/api/v1/timelines/tag/gemeenteraad",
    ] {
        let next = format!("<{base}{path}?max_id=110001>; rel=\"next\", <{base}{path}?min_id=110003>; rel=\"prev\"");
        server.route(path, move |hit, _| {
            if hit.query.contains("max_id=110001") {
                Reply::ok(fixture("mastodon_page2.json"), "application/json")
            } else {
                Reply::ok(fixture("mastodon_page1.json"), "application/json").header("link", &next)
            }
        });
    }
    server.route("/r/voorbeeldstad/new.json", |hit, _| {
        let page = if hit.query.contains("after=t3_r0002") {
            "reddit_page2.json"
        } else {
            "reddit_page1.json"
        };
        Reply::ok(fixture(page), "application/json; charset=UTF-8")
    });
    server.route("/xrpc/app.bsky.feed.searchPosts", |hit, _| {
        let page = if hit.query.contains("cursor=2") {
            "bluesky_page2.json"
        } else {
            "bluesky_page1.json"
        };
        Reply::ok(fixture(page), "application/json")
    });
    server.route("/s/voorbeeldkanaal", |hit, _| {
        let page = if hit.query.contains("before=101") {
            "telegram_page2.html"
        } else if hit.query.contains("before=") {
            "telegram_empty.html"
        } else {
            "telegram_page1.html"
        };
        Reply::ok(fixture(page), "text/html; charset=utf-8")
    });
    server.route("/api/meldingen", |hit, _| {
        let page = if hit.query.contains("page=2") {
            "json_api_page2.json"
        } else {
            "json_api_page1.json"
        };
        Reply::ok(fixture(page), "application/json")
    });
}

/// `[[sources]]` for everything [`serve_all_kinds`] serves, and how many items each yields.
pub fn all_kinds_sources(server: &TestServer, extra: &str) -> (String, Vec<(&'static str, usize)>) {
    let feed = |id: &str, path: &str| {
        source(
            id,
            "feed",
            &format!("url = \"{}\"\n{extra}", server.url(path)),
        )
    };
    let base = server.url("");
    let mut text = String::new();
    for (id, path) in [
        ("rss20", "/rss20.xml"),
        ("rss091", "/rss091.xml"),
        ("rss092", "/rss092.xml"),
        ("rss10", "/rss10.rdf"),
        ("atom", "/atom.xml"),
        ("youtube", "/youtube.xml"),
        ("jsonfeed", "/feed.json"),
    ] {
        text += &feed(id, path);
    }
    text += &source(
        "mastodon-local",
        "mastodon",
        &format!("instance = \"{base}\"\ntimeline = \"local\"\n{extra}"),
    );
    text += &source(
        "mastodon-tag",
        "mastodon",
        &format!(
            "instance = \"{base}\"\ntimeline = \"hashtag\"\nhashtag = \"gemeenteraad\"\n{extra}"
        ),
    );
    text += &source(
        "reddit",
        "reddit",
        &format!("subreddit = \"voorbeeldstad\"\nbase_url = \"{base}\"\n{extra}"),
    );
    text += &source(
        "bluesky",
        "bluesky",
        &format!("query = \"gemeenteraad\"\nlang = \"nl\"\nbase_url = \"{base}\"\n{extra}"),
    );
    text += &source(
        "telegram",
        "telegram",
        &format!("channel = \"voorbeeldkanaal\"\nbase_url = \"{base}\"\n{extra}"),
    );
    text += &source(
        "meldingen",
        "json_api",
        &format!(
            "url = \"{}\"\nitems_path = \"data.items\"\nnext_path = \"data.next\"\n{extra}\n\
             [sources.fields]\nid = \"id\"\ntext = \"body\"\ntitle = \"title\"\nauthor = \"user.name\"\ntime = \"created_at\"\nurl = \"links.self\"\n",
            server.url("/api/meldingen")
        ),
    );
    let counts = vec![
        ("rss20", 3),
        ("rss091", 2),
        ("rss092", 1),
        ("rss10", 2),
        ("atom", 2),
        ("youtube", 2),
        ("jsonfeed", 2),
        ("mastodon-local", 5),
        ("mastodon-tag", 5),
        ("reddit", 4),
        ("bluesky", 3),
        ("telegram", 5),
        ("meldingen", 3),
    ];
    (text, counts)
}
