//! `websense user add` and `websense serve` read the same configuration file as `websense run`:
//! an account made with the one logs in to the other, over real HTTP.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use websense_testkit::services::free_port;

const PASSWORD: &str = "een lang genoeg wachtwoord";

/// Kills the server when the test ends, however it ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One HTTP/1.1 request on its own connection; the status code and the body.
fn http(port: u16, method: &str, path: &str, token: Option<&str>, body: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let auth = token
        .map(|t| format!("authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n{auth}\
         content-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP response: {response:?}"));
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

fn wait_for_port(port: u16, server: &mut Server) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Some(status) = server.0.try_wait().unwrap() {
            panic!("websense serve exited early: {status}");
        }
        assert!(Instant::now() < deadline, "websense serve did not listen");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn an_account_added_with_the_file_logs_in_to_the_server_of_the_same_file() {
    let dir = tempfile::tempdir().unwrap();
    let lexicons = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../lexicons");
    let port = free_port();
    let config = dir.path().join("websense.toml");
    std::fs::write(
        &config,
        format!(
            "[collect]\nstate_dir = \"state\"\n\
             [store]\nbackend = \"embedded\"\npath = \"data/websense.db\"\n\
             [matcher]\nlexicons = {lexicons:?}\n\
             [privacy]\nraw_text_retention_days = 14\n\
             [room]\nlisten = \"127.0.0.1:{port}\"\ndatabase = \"data/room.db\"\n\
             cookie_secure = false\n\
             [room.password_hash]\nmemory_kib = 1024\niterations = 1\nparallelism = 1\n"
        ),
    )
    .unwrap();
    let websense = env!("CARGO_BIN_EXE_websense");

    let added = Command::new(websense)
        .args(["user", "add", "analist", "--role", "analyst", "--config"])
        .arg(&config)
        .env("WEBSENSE_PASSWORD", PASSWORD)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    // The old spelling of the retention still works, with a warning saying what to write.
    let stderr = String::from_utf8_lossy(&added.stderr);
    assert!(
        stderr.contains("warning")
            && stderr.contains("`raw_text_retention_days = 14` is deprecated")
            && stderr.contains("write `raw_text_retention = \"14d\"`"),
        "{stderr}"
    );
    assert!(
        dir.path().join("data/room.db").is_file(),
        "room.database is relative to the file"
    );

    let mut server = Server(
        Command::new(websense)
            .args(["serve", "--config"])
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap(),
    );
    wait_for_port(port, &mut server);

    let (status, body) = http(
        port,
        "POST",
        "/api/login",
        None,
        &format!(r#"{{"user": "analist", "password": "{PASSWORD}"}}"#),
    );
    assert_eq!(status, 200, "{body}");
    let login: serde_json::Value = serde_json::from_str(&body).unwrap();
    let token = login["token"].as_str().expect("a token").to_string();

    let (status, body) = http(port, "GET", "/api/totals", Some(&token), "");
    assert_eq!(status, 200, "{body}");
    let (status, _) = http(port, "GET", "/api/totals", None, "");
    assert_eq!(status, 401);
    let (status, _) = http(port, "GET", "/api/totals", Some("not-a-token"), "");
    assert_eq!(status, 401);

    let (status, body) = http(
        port,
        "POST",
        "/api/login",
        None,
        r#"{"user": "analist", "password": "a wrong password here"}"#,
    );
    assert_eq!(status, 401, "{body}");
}

/// The shipped demo configuration, with its ports moved to free ones and its data to a
/// temporary directory: `websense run` serves the Room with the demo's history (a spike to
/// show) and its accounts, as the README tells a newcomer.
#[test]
fn the_demo_run_serves_the_room_with_history_a_spike_and_demo_accounts() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = tempfile::tempdir().unwrap();
    let (room, feeds, metrics) = (free_port(), free_port(), free_port());
    let demo = std::fs::read_to_string(root.join("config/demo.toml")).unwrap();
    let abs = |p: &str| root.join(p).display().to_string();
    let config = demo
        .replace("127.0.0.1:8080", &format!("127.0.0.1:{room}"))
        .replace("127.0.0.1:18790", &format!("127.0.0.1:{feeds}"))
        .replace("127.0.0.1:9898", &format!("127.0.0.1:{metrics}"))
        .replace("\"../samples/", &format!("\"{}/", abs("samples")))
        .replace("\"../lexicons\"", &format!("{:?}", abs("lexicons")))
        .replace("\"../data/", "\"data/");
    assert!(config.contains("serve_with_run = true") && config.contains("room_password"));
    std::fs::write(dir.path().join("demo.toml"), config).unwrap();
    let mut server = Server(
        Command::new(env!("CARGO_BIN_EXE_websense"))
            .args(["run", "--config", "demo.toml"])
            .current_dir(dir.path())
            // A fresh user: the pseudonym key is generated in their config directory.
            .env("XDG_CONFIG_HOME", dir.path().join("config-home"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_for_port(room, &mut server);
    let (status, body) = http(
        room,
        "POST",
        "/api/login",
        None,
        "{\"user\": \"analist\", \"password\": \"websense-demo\"}",
    );
    assert_eq!(status, 200, "{body}");
    let token = body
        .split("\"token\":\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    // The overview of the demo: four weeks of history and the rising category's spike.
    let (status, overview) = http(room, "GET", "/api/overview", Some(token), "");
    assert_eq!(status, 200, "{overview}");
    let overview: serde_json::Value = serde_json::from_str(&overview).unwrap();
    assert!(
        overview["totals"]["items"].as_u64().unwrap() > 100,
        "{overview}"
    );
    let spikes = overview["spikes"].as_array().unwrap();
    assert!(
        spikes.iter().any(|s| s["term"].is_null()),
        "a category spike in the demo: {spikes:?}"
    );
    // The local picture: Noord-Holland, at least three municipalities with posts, one rising.
    let (status, map) = http(room, "GET", "/api/municipalities", Some(token), "");
    assert_eq!(status, 200, "{map}");
    let map: serde_json::Value = serde_json::from_str(&map).unwrap();
    assert_eq!(map["region"], "Noord-Holland");
    let places = map["municipalities"].as_array().unwrap();
    let with_posts = places.iter().filter(|m| m["items"].as_u64().unwrap() > 0);
    assert!(with_posts.count() >= 3, "{places:?}");
    let rising: Vec<&serde_json::Value> = places
        .iter()
        .filter(|m| m["rise"] == "rising")
        .map(|m| &m["name"])
        .collect();
    assert_eq!(rising, ["Zaanstad"], "{places:?}");
    let (status, page) = http(room, "GET", "/login", None, "");
    assert_eq!(status, 200);
    assert!(page.contains("Web Sense Room") && page.contains("/static/login.js"));
    // The key away from the data, and nothing readable by others.
    let key = dir.path().join("config-home/websense/pseudonym.key");
    assert!(key.is_file(), "the key is in the user's config directory");
    assert!(!dir.path().join("data/state/pseudonym.key").exists());
    #[cfg(unix)]
    for file in [
        key,
        dir.path().join("data/room.db"),
        dir.path().join("data/websense.db"),
        dir.path().join("data/websense.db-wal"),
    ] {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", file.display());
    }
}
