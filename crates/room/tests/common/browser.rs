//! A real headless Chromium, driven through chromedriver (WebDriver), for the page tests.
//!
//! `scripts/services start` installs Debian's `chromium` and `chromium-driver` and axe-core, and
//! prints `WEBSENSE_CHROMEDRIVER`, `WEBSENSE_CHROMIUM` and `WEBSENSE_AXE_JS`. Each [`Browser`]
//! starts its own chromedriver on a free port with a fresh profile, and kills it and its browser
//! when dropped. There is no skipping: without a browser, a test that asks for one fails.
//!
//! Pages under test run a strict Content-Security-Policy. The harness's own scripts (WebDriver's
//! execute, axe-core) are compiled by the DevTools protocol, which CSP does not govern, so they run
//! on such pages unchanged; inline scripts of the page itself stay blocked, as they must.
//!
//! Every helper panics with what it was doing and what it saw: these are test helpers.

use fantoccini::elements::Element;
use fantoccini::wd::Capabilities;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde::Deserialize;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use websense_testkit::services::free_port;

/// How long the helpers wait for an element, a text or a download unless told otherwise.
/// Generous: the tests share two cores with builds.
pub const WAIT: Duration = Duration::from_secs(20);

/// The axe-core tags of WCAG 2.1 level A and AA.
pub const WCAG21_AA: &[&str] = &["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

/// What an XSS payload runs to show it ran; [`Browser::xss_fired`] looks for it.
pub const XSS_FLAG: &str = "window.__xss=1";

/// Classic payloads that set [`XSS_FLAG`] or open a dialog when they run: for text fields that
/// end up in a page (item texts, lexicon terms, names, search queries).
pub fn xss_payloads() -> Vec<String> {
    let f = XSS_FLAG;
    vec![
        format!("<script>{f}</script>"),
        format!("<img src=x onerror=\"{f}\">"),
        format!("<svg onload=\"{f}\">"),
        format!("\"><img src=x onerror={f}>"),
        format!("'><script>{f}</script>"),
        format!("javascript:{f}"),
        format!("</textarea><script>{f}</script>"),
        format!("<iframe srcdoc=\"<script>parent.__xss=1</script>\"></iframe>"),
        "<details open ontoggle=alert(1)>".to_string(),
    ]
}

/// One axe-core rule that failed, with the CSS selectors of the elements that fail it.
#[derive(Debug, Clone, Deserialize)]
pub struct Violation {
    pub id: String,
    pub impact: Option<String>,
    pub help: String,
    pub nodes: Vec<String>,
}

pub struct Browser {
    client: Client,
    driver: Child,
    /// chromedriver's address, for the commands fantoccini has no method for (DevTools, logs).
    base: String,
    session: String,
    http: reqwest::Client,
    /// The browser profile and chromedriver's log; removed on drop.
    profile: tempfile::TempDir,
}

impl Browser {
    /// Starts chromedriver and a headless Chromium whose downloads go to `download_dir` without
    /// asking.
    pub async fn start(download_dir: &Path) -> Browser {
        let chromedriver = tool(
            "WEBSENSE_CHROMEDRIVER",
            "/usr/bin/chromedriver",
            "chromedriver",
        );
        let chromium = tool("WEBSENSE_CHROMIUM", "/usr/bin/chromium", "chromium");
        std::fs::create_dir_all(download_dir).unwrap();
        let download_dir = download_dir.canonicalize().unwrap();
        let profile = tempfile::tempdir().unwrap();
        let log = profile.path().join("chromedriver.log");

        // A free port can be taken between our probe and chromedriver's bind: try again then.
        let mut attempt = 0;
        let (driver, base) = loop {
            attempt += 1;
            let port = free_port();
            let mut driver = spawn_driver(&chromedriver, port, &log);
            let base = format!("http://127.0.0.1:{port}");
            match wait_until_ready(&mut driver, &base).await {
                Ok(()) => break (driver, base),
                Err(why) if attempt < 3 => {
                    kill_group(&mut driver);
                    eprintln!("chromedriver on port {port}: {why}; trying again");
                }
                Err(why) => {
                    kill_group(&mut driver);
                    panic!("chromedriver did not start: {why}\n{}", read_log(&log));
                }
            }
        };

        let user_data_dir = profile.path().join("profile");
        let mut args: Vec<String> = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--window-size=1280,900",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        args.push(format!("--user-data-dir={}", user_data_dir.display()));
        let capabilities: Capabilities = serde_json::from_value(json!({
            "browserName": "chrome",
            // Leave dialogs open, so a test sees an alert() that a payload opened.
            "unhandledPromptBehavior": "ignore",
            "goog:loggingPrefs": { "browser": "ALL" },
            "goog:chromeOptions": {
                "binary": chromium,
                "args": args,
                "prefs": {
                    "download.default_directory": download_dir,
                    "download.prompt_for_download": false,
                    "download.directory_upgrade": true,
                    "safebrowsing.enabled": false,
                },
            },
        }))
        .unwrap();
        let mut driver = driver;
        let client = match ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&base)
            .await
        {
            Ok(c) => c,
            Err(e) => {
                kill_group(&mut driver);
                panic!(
                    "chromedriver could not start {chromium}: {e}\n{}",
                    read_log(&log)
                );
            }
        };
        let session = client.session_id().await.unwrap().unwrap();
        let browser = Browser {
            client,
            driver,
            base,
            session,
            http: reqwest::Client::new(),
            profile,
        };
        // The prefs above already suffice with chromium 156's new headless mode; this makes
        // downloads independent of how a chromedriver version maps prefs in headless mode.
        browser
            .cdp(
                "Browser.setDownloadBehavior",
                json!({ "behavior": "allow", "downloadPath": download_dir }),
            )
            .await;
        browser
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Opens `url` and waits for its load event.
    pub async fn goto(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("goto {url}: {e}"));
    }

    pub async fn current_url(&self) -> String {
        self.client.current_url().await.unwrap().to_string()
    }

    /// The first element matching `css`, once there is one.
    pub async fn wait_for(&self, css: &str, timeout: Duration) -> Element {
        match self
            .client
            .wait()
            .at_most(timeout)
            .for_element(Locator::Css(css))
            .await
        {
            Ok(e) => e,
            Err(e) => panic!(
                "no element {css:?} within {timeout:?} on {}: {e}",
                self.current_url().await
            ),
        }
    }

    /// Waits until the text of the first element matching `css` contains `text`; returns it.
    pub async fn wait_for_text(&self, css: &str, text: &str) -> String {
        let start = Instant::now();
        let mut seen = None;
        while start.elapsed() < WAIT {
            if let Ok(e) = self.client.find(Locator::Css(css)).await {
                if let Ok(t) = e.text().await {
                    if t.contains(text) {
                        return t;
                    }
                    seen = Some(t);
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "{css:?} did not come to contain {text:?} within {WAIT:?} on {}; last text: {seen:?}",
            self.current_url().await
        )
    }

    pub async fn click(&self, css: &str) {
        let e = self.wait_for(css, WAIT).await;
        e.click()
            .await
            .unwrap_or_else(|err| panic!("click {css:?}: {err}"));
    }

    /// Replaces the value of the field matching `css` by typing `text`.
    pub async fn fill(&self, css: &str, text: &str) {
        let e = self.wait_for(css, WAIT).await;
        e.clear()
            .await
            .unwrap_or_else(|err| panic!("clear {css:?}: {err}"));
        e.send_keys(text)
            .await
            .unwrap_or_else(|err| panic!("type into {css:?}: {err}"));
    }

    /// The rendered text of the first element matching `css`.
    pub async fn text(&self, css: &str) -> String {
        let e = self.wait_for(css, WAIT).await;
        e.text()
            .await
            .unwrap_or_else(|err| panic!("text of {css:?}: {err}"))
    }

    /// Runs `js` as a function body (`arguments[i]` are `args`); returns what it returns.
    pub async fn exec(&self, js: &str, args: Vec<Value>) -> Value {
        self.client
            .execute(js, args)
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{}", excerpt(js)))
    }

    /// Sets the `<select>` at `select` to `value` and fires its `change` event, as a person
    /// choosing an option does.
    pub async fn choose(&self, select: &str, value: &str) {
        self.exec(
            "const s = document.querySelector(arguments[0]); s.value = arguments[1]; \
             s.dispatchEvent(new Event('change', { bubbles: true }));",
            vec![json!(select), json!(value)],
        )
        .await;
    }

    /// A PNG of the viewport.
    pub async fn screenshot(&self, path: &Path) {
        let png = self.client.screenshot().await.unwrap();
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).unwrap();
        }
        std::fs::write(path, png).unwrap();
    }

    /// The newest finished download in `dir` (not a `.crdownload` part), once no download in
    /// `dir` is in progress.
    pub async fn wait_for_download(&self, dir: &Path, timeout: Duration) -> PathBuf {
        let start = Instant::now();
        loop {
            let mut finished = Vec::new();
            let mut in_progress = false;
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.ends_with(".crdownload") || name.starts_with('.') {
                    in_progress = true;
                } else if entry.file_type().is_ok_and(|t| t.is_file()) {
                    finished.push((entry.metadata().unwrap().modified().unwrap(), entry.path()));
                }
            }
            if !in_progress {
                if let Some((_, path)) = finished.into_iter().max() {
                    return path;
                }
            }
            if start.elapsed() > timeout {
                let names: Vec<_> = std::fs::read_dir(dir)
                    .into_iter()
                    .flatten()
                    .flatten()
                    .map(|e| e.file_name())
                    .collect();
                panic!(
                    "no finished download in {} within {timeout:?}; it holds {names:?}",
                    dir.display()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The text of the alert, confirm or prompt that is open, if one is.
    pub async fn dialog_opened(&self) -> Option<String> {
        match self.client.get_alert_text().await {
            Ok(text) => Some(text),
            Err(e) if e.is_no_such_alert() => None,
            Err(e) => panic!("asking for an open dialog: {e}"),
        }
    }

    /// Closes the open dialog (as "Cancel" would).
    pub async fn dismiss_dialog(&self) {
        self.client.dismiss_alert().await.unwrap();
    }

    /// Whether a payload ran in this page: a dialog is open, or `window.__xss` was assigned a
    /// value. An element with id `__xss` (which also shows as `window.__xss`) does not count:
    /// injected markup that runs nothing is not an XSS.
    pub async fn xss_fired(&self) -> bool {
        if self.dialog_opened().await.is_some() {
            return true;
        }
        let v = self
            .exec(
                "const v = window.__xss; return v !== undefined && typeof v !== 'object';",
                vec![],
            )
            .await;
        v.as_bool().unwrap()
    }

    /// What the page logged to the console as errors, including the browser's own reports such as
    /// "Refused to execute inline script because it violates ... Content Security Policy"
    /// (messages since the last call).
    pub async fn console_errors(&self) -> Vec<String> {
        let r = self
            .post(
                &format!("/session/{}/se/log", self.session),
                json!({ "type": "browser" }),
            )
            .await;
        r["value"]
            .as_array()
            .unwrap_or_else(|| panic!("unexpected log answer: {r}"))
            .iter()
            .filter(|e| e["level"] == "SEVERE")
            .map(|e| e["message"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    /// Runs axe-core over the current page for the rules with any of `tags`
    /// (usually [`WCAG21_AA`]).
    pub async fn axe_violations(&self, tags: &[&str]) -> Vec<Violation> {
        let loaded = self.exec("return typeof window.axe;", vec![]).await;
        if loaded != "object" {
            let injected = self
                .exec(&format!("{}\n;return typeof window.axe;", axe_js()), vec![])
                .await;
            assert_eq!(injected, "object", "axe-core did not load into the page");
        }
        let script = r#"
            const done = arguments[arguments.length - 1];
            axe.run(document, {
                runOnly: { type: 'tag', values: arguments[0] },
                resultTypes: ['violations'],
            }).then(
                r => done({ violations: r.violations.map(v => ({
                    id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.map(n => n.target.join(' ')),
                })) }),
                e => done({ error: String(e) }),
            );
        "#;
        let r = self
            .client
            .execute_async(script, vec![json!(tags)])
            .await
            .unwrap_or_else(|e| panic!("axe.run: {e}"));
        if let Some(error) = r.get("error") {
            panic!("axe.run failed: {error}");
        }
        serde_json::from_value(r["violations"].clone()).unwrap()
    }

    /// Fails, listing each rule and element, if axe finds a WCAG 2.1 A or AA violation.
    pub async fn assert_accessible(&self) {
        let violations = self.axe_violations(WCAG21_AA).await;
        if !violations.is_empty() {
            let list: Vec<String> = violations
                .iter()
                .map(|v| {
                    format!(
                        "  {} ({}): {}\n    {}",
                        v.id,
                        v.impact.as_deref().unwrap_or("?"),
                        v.help,
                        v.nodes.join("\n    ")
                    )
                })
                .collect();
            panic!(
                "{} has WCAG 2.1 AA violations:\n{}",
                self.current_url().await,
                list.join("\n")
            );
        }
    }

    /// Sends a DevTools protocol command to the page (for instance `Page.setBypassCSP`).
    pub async fn cdp(&self, cmd: &str, params: Value) -> Value {
        let r = self
            .post(
                &format!("/session/{}/goog/cdp/execute", self.session),
                json!({ "cmd": cmd, "params": params }),
            )
            .await;
        r["value"].clone()
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .json(&body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("chromedriver {path}: {e}"));
        let status = response.status();
        let text = response.text().await.unwrap();
        assert!(status.is_success(), "chromedriver {path}: {status} {text}");
        serde_json::from_str(&text).unwrap()
    }

    /// chromedriver's log so far, for failure messages.
    pub fn driver_log(&self) -> String {
        read_log(&self.profile.path().join("chromedriver.log"))
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Drop cannot await the session's end; killing chromedriver's process group takes the
        // browser with it.
        kill_group(&mut self.driver);
    }
}

/// Serves `router` on a free loopback port; returns its base URL (`http://127.0.0.1:PORT`).
pub async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{addr}")
}

/// The path of a program the tests need: from `var`, or at `default` when not on CI.
fn tool(var: &str, default: &str, name: &str) -> String {
    if let Ok(path) = std::env::var(var) {
        assert!(
            Path::new(&path).exists(),
            "{var}={path}, but there is no such file; run `eval \"$(scripts/services start)\"`"
        );
        return path;
    }
    let required =
        std::env::var_os("CI").is_some() || std::env::var_os("WEBSENSE_REQUIRE_BROWSER").is_some();
    assert!(
        !required,
        "{var} is not set (CI or WEBSENSE_REQUIRE_BROWSER is): page tests need a real {name}; \
         run `eval \"$(scripts/services start)\"` first"
    );
    assert!(
        Path::new(default).exists(),
        "page tests need a real {name} and there is none at {default}: \
         run `eval \"$(scripts/services start)\"` (installs chromium, chromium-driver and axe-core)"
    );
    default.to_string()
}

fn axe_js() -> &'static str {
    static AXE: OnceLock<String> = OnceLock::new();
    AXE.get_or_init(|| {
        let path = std::env::var("WEBSENSE_AXE_JS").unwrap_or_else(|_| {
            panic!(
                "WEBSENSE_AXE_JS is not set: the accessibility checks need axe-core; \
                 run `eval \"$(scripts/services start)\"`"
            )
        });
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading axe-core {path}: {e}"))
    })
}

fn spawn_driver(chromedriver: &str, port: u16, log: &Path) -> Child {
    use std::os::unix::process::CommandExt;
    Command::new(chromedriver)
        .arg(format!("--port={port}"))
        .arg(format!("--log-path={}", log.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        // Its own process group, so that dropping the Browser can end the browser too.
        .process_group(0)
        .spawn()
        .unwrap_or_else(|e| panic!("starting {chromedriver}: {e}"))
}

async fn wait_until_ready(driver: &mut Child, base: &str) -> Result<(), String> {
    let http = reqwest::Client::new();
    let start = Instant::now();
    while start.elapsed() < WAIT {
        if let Some(status) = driver.try_wait().unwrap() {
            return Err(format!("chromedriver exited: {status}"));
        }
        if let Ok(r) = http.get(format!("{base}/status")).send().await {
            if let Ok(v) = r.json::<Value>().await {
                if v["value"]["ready"] == true {
                    return Ok(());
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Err(format!("not ready within {WAIT:?}"))
}

fn kill_group(driver: &mut Child) {
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{}", driver.id())])
        .stderr(Stdio::null())
        .status();
    let _ = driver.kill();
    let _ = driver.wait();
}

fn read_log(path: &Path) -> String {
    let log = std::fs::read_to_string(path).unwrap_or_default();
    let tail: Vec<&str> = log.lines().rev().take(40).collect();
    let tail: Vec<&str> = tail.into_iter().rev().collect();
    format!("chromedriver log (last lines):\n{}", tail.join("\n"))
}

fn excerpt(js: &str) -> String {
    js.chars().take(300).collect()
}
