//! `websense collect --once --report` through the real binary, against feeds served on
//! loopback by a minimal HTTP server in this test.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::Command;

/// Serve `routes` (path, content type, body) until the test ends.
fn serve(routes: Vec<(&'static str, &'static str, Vec<u8>)>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            let _ = reader.read_line(&mut request_line);
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let path = request_line.split_whitespace().nth(1).unwrap_or("/");
            let reply = match routes.iter().find(|(p, _, _)| *p == path) {
                Some((_, ct, body)) => {
                    let mut r = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: {ct}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                        body.len()
                    )
                    .into_bytes();
                    r.extend_from_slice(body);
                    r
                }
                None => b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                    .to_vec(),
            };
            let _ = stream.write_all(&reply);
        }
    });
    format!("http://{addr}")
}

#[test]
fn once_report_names_items_skipped_entries_guessed_encodings_and_warnings() {
    let koi8 = encoding_rs::KOI8_R
        .encode("<rss version=\"2.0\"><channel><item><guid>k1</guid><title>Городской совет обсудил бюджет</title></item></channel></rss>")
        .0
        .into_owned();
    let base = serve(vec![
        (
            "/atom03",
            "application/xml",
            br#"<feed version="0.3" xmlns="http://purl.org/atom/ns#"><entry><id>a1</id><title>Een</title></entry>
            <entry><id>a2</id><title>Twee</title></entry><entry></entry></feed>"#
                .to_vec(),
        ),
        ("/koi8", "text/xml", koi8),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("websense.toml");
    std::fs::write(
        &config,
        format!(
            r#"[collect]
state_dir = "{state}"
user_agent = "websense-test/1 (+mailto:test@example.org)"
allow_private_networks = true
max_retries = 0

[[sources]]
id = "atom03"
kind = "feed"
url = "{base}/atom03"

[[sources]]
id = "koi8"
kind = "feed"
url = "{base}/koi8"

[[sources]]
id = "missing"
kind = "feed"
url = "{base}/missing"
"#,
            state = dir.path().join("state").display()
        ),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_websense"))
        .args(["collect", "--once", "--report", "--output"])
        .arg(dir.path().join("items.jsonl"))
        .arg("--config")
        .arg(&config)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let report = &stderr[stderr.find("report:").expect(&stderr)..];
    for want in [
        "atom03 (feed, ",
        ": 2 items",
        "skipped: 1",
        "entry 3 skipped: it is empty",
        "koi8 (feed, ",
        ": 1 items",
        "encoding: KOI8-",
        "(guessed: no charset declared)",
        "missing (feed, ",
        "FAILED",
        "HTTP 404",
    ] {
        assert!(report.contains(want), "{want:?} not in\n{report}");
    }
}
