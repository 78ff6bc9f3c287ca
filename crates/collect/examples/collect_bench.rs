//! Benchmark: collect N local feeds of M items each, once, and print items/s and peak memory.
//!
//!     cargo run --release -p websense-collect --example collect_bench -- [FEEDS] [ITEMS] [file|null] [tiny]
//!
//! Defaults: 1000 feeds of 50 items into a JSON Lines file (fsynced per feed, as in
//! production). `null` hands items to a sink that only counts them, to separate collecting
//! from writing. The feeds are generated per request by an HTTP server in this same process
//! (on 127.0.0.1), so the figures include serving them, on the same cores; the peak memory
//! (VmHWM) includes the server too. `tiny` writes items of one short sentence (about 200 bytes
//! of XML each) and lifts `max_body_bytes` to 256 MiB: one feed of 10,000 to 140,000 such
//! items shows whether the time per item stays flat as a feed grows.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;
use websense_collect::{Collector, Config, FileCursorStore, JsonlSink};
use websense_model::{BoxFuture, Item, ItemSink, SinkError};

struct CountingSink(AtomicU64);

impl ItemSink for CountingSink {
    fn send(&self, items: Vec<Item>) -> BoxFuture<'_, Result<(), SinkError>> {
        self.0.fetch_add(items.len() as u64, Ordering::Relaxed);
        Box::pin(async { Ok(()) })
    }
}

fn feed_xml(feed: usize, items: usize, tiny: bool) -> String {
    let mut xml = String::with_capacity(items * 700);
    xml += &format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>Gemeente {feed}</title>\
         <link>https://gemeente{feed}.example/</link><description>Nieuws</description>"
    );
    for i in 0..items {
        if tiny {
            xml += &format!(
                "<item><guid>g{feed}-{i}</guid><pubDate>Fri, 01 Mar 2024 10:{:02}:00 +0100</pubDate>\
                 <description>Raad besluit {i} over de wijk.</description></item>",
                i % 60
            );
            continue;
        }
        xml += &format!(
            "<item><title>Bericht {i} van gemeente {feed}: raad besluit over woningbouw</title>\
             <link>https://gemeente{feed}.example/nieuws/{i}</link><guid>g{feed}-{i}</guid>\
             <pubDate>Fri, 01 Mar 2024 10:{:02}:00 +0100</pubDate>\
             <description><![CDATA[<p>De gemeenteraad van gemeente {feed} heeft gisteravond gesproken over \
             het <a href=\"/plannen/{i}\">woningbouwplan</a> voor de wijk. Bewoners konden inspreken over \
             parkeren, groen en de komst van nieuwe voorzieningen.</p><p>Het besluit volgt in april.</p>]]>\
             </description></item>",
            i % 60
        );
    }
    xml += "</channel></rss>";
    xml
}

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let feeds: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(1000);
    let items: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(50);
    let sink_kind = args.get(3).map(String::as_str).unwrap_or("file");
    let tiny = args.get(4).map(String::as_str) == Some("tiny");

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().route(
        "/feed/{n}",
        axum::routing::get(
            move |axum::extract::Path(n): axum::extract::Path<usize>| async move {
                (
                    [("content-type", "application/rss+xml")],
                    feed_xml(n, items, tiny),
                )
            },
        ),
    );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let dir = tempfile::tempdir().unwrap();
    let mut config = format!(
        "[collect]\nuser_agent = \"websense-bench\"\nstate_dir = \"{}\"\nallow_private_networks = true\n\
         per_host_rate = 100000.0\nper_host_burst = 1000\nper_host_concurrency = 32\nmax_concurrent_sources = 32\n\
         max_body_bytes = {}\n[privacy]\npseudonym_key_file = \"{}\"\n",
        dir.path().join("state").display(),
        if tiny { 256 << 20 } else { 10 << 20 },
        dir.path().join("keys/pseudonym.key").display()
    );
    for n in 0..feeds {
        config += &format!(
            "[[sources]]\nid = \"feed-{n}\"\nkind = \"feed\"\nurl = \"http://{addr}/feed/{n}\"\n"
        );
    }
    let config = Config::from_toml(&config).unwrap();
    let counting = Arc::new(CountingSink(AtomicU64::new(0)));
    let sink: Arc<dyn ItemSink> = match sink_kind {
        "null" => counting.clone(),
        _ => Arc::new(JsonlSink::append_to(&dir.path().join("items.jsonl")).unwrap()),
    };
    let cursors = Arc::new(FileCursorStore::new(&config.collect.state_dir).unwrap());
    let collector = Collector::new(&config, sink, cursors).unwrap();

    let started = Instant::now();
    let summary = collector.run_once().await;
    let secs = started.elapsed().as_secs_f64();
    assert_eq!(summary.sources_failed, 0, "{:?}", summary.failures.first());
    let out_bytes = std::fs::metadata(dir.path().join("items.jsonl"))
        .map(|m| m.len())
        .unwrap_or(0);
    println!("collect_bench: {feeds} feeds x {items} items, sink {sink_kind}");
    println!("  items        {}", summary.items);
    println!("  wall         {secs:.2} s");
    println!("  items/s      {:.0}", summary.items as f64 / secs);
    println!("  feeds/s      {:.0}", feeds as f64 / secs);
    println!(
        "  output       {:.1} MiB",
        out_bytes as f64 / (1024.0 * 1024.0)
    );
    println!(
        "  peak RSS     {} MiB (VmHWM, server included)",
        peak_rss_kib().unwrap_or(0) / 1024
    );
}
