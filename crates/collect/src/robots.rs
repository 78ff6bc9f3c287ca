//! robots.txt, for the sources that crawl web pages (`kind = "html"`): may this URL be
//! fetched by websense?
//!
//! The rules are read by `texting_robots` (a parser tested against Google's and other
//! crawlers' robots.txt suites) for the user agent's product token (`websense` of
//! `websense/0.1 (...)`; a site's group for that token, else its `*` group). robots.txt is
//! fetched through the same [`Fetcher`] as the pages (rate limits, SSRF guard, body cap) and
//! kept per site (scheme, host, port) for a day. As RFC 9309 says: a robots.txt that is not
//! there (4xx) allows everything; one that cannot be reached (5xx after the fetcher's retries,
//! network errors) disallows everything for now, remembered for a short while only, so a site
//! in trouble is neither hammered nor crawled against its will. A `Crawl-delay` is honoured
//! between the pages of a round (up to [`MAX_CRAWL_DELAY`]), on top of the fetcher's per-host
//! rate.

use crate::http::{FetchErrorKind, Fetched, Fetcher};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use texting_robots::Robot;
use tokio::time::Instant;
use url::Url;

/// How long a site's robots.txt is trusted (RFC 9309: no longer than a day).
const TTL: Duration = Duration::from_secs(24 * 3600);
/// How long "robots.txt unreachable, so nothing is allowed" is remembered before trying again.
const UNREACHABLE_TTL: Duration = Duration::from_secs(10 * 60);
/// How much of a robots.txt is read.
const MAX_ROBOTS_BYTES: usize = 500 * 1024;
/// The longest `Crawl-delay` honoured: a site asking for more gets a request a minute, not a
/// source that never finishes a round.
pub const MAX_CRAWL_DELAY: Duration = Duration::from_secs(60);

/// Whether a URL may be fetched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Allowed, with the pause the site asks for between requests (`Crawl-delay`, at most
    /// [`MAX_CRAWL_DELAY`]), if it asks.
    Allowed { crawl_delay: Option<Duration> },
    /// Not allowed, and why (for the source's warnings).
    Disallowed(String),
}

enum Rules {
    All,
    Nothing(String),
    Robot(Box<Robot>),
}

struct Entry {
    rules: Rules,
    until: Instant,
}

/// The robots.txt rules of every site asked about, per site.
pub struct RobotsCache {
    agent: String,
    sites: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Option<Entry>>>>>,
}

impl RobotsCache {
    /// Rules for the product token of `user_agent` (up to the first `/` or space).
    pub fn new(user_agent: &str) -> RobotsCache {
        let agent = user_agent
            .split(['/', ' '])
            .next()
            .unwrap_or("")
            .trim()
            .to_string();
        RobotsCache {
            agent: if agent.is_empty() { "*".into() } else { agent },
            sites: Mutex::new(HashMap::new()),
        }
    }

    /// The product token rules are looked up for.
    pub fn agent(&self) -> &str {
        &self.agent
    }

    /// May `url` be fetched? Fetches the site's robots.txt through `fetcher` when it is not
    /// known (or is too old); concurrent askers for one site wait for one fetch.
    pub async fn verdict(&self, fetcher: &Fetcher, url: &Url) -> Verdict {
        let site = url.origin().ascii_serialization();
        let slot = {
            let mut sites = self.sites.lock().unwrap_or_else(|p| p.into_inner());
            // Forget sites whose rules have run out and that nobody is asking about, so the
            // map holds the sites in use, not every site ever seen.
            let now = Instant::now();
            sites.retain(|_, slot| {
                Arc::strong_count(slot) > 1
                    || slot
                        .try_lock()
                        .map_or(true, |e| e.as_ref().is_some_and(|e| e.until > now))
            });
            sites.entry(site.clone()).or_default().clone()
        };
        let mut entry = slot.lock().await;
        if entry.as_ref().is_none_or(|e| e.until <= Instant::now()) {
            *entry = Some(self.fetch(fetcher, &site).await);
        }
        let rules = &entry.as_ref().expect("filled above").rules;
        match rules {
            Rules::All => Verdict::Allowed { crawl_delay: None },
            Rules::Nothing(why) => Verdict::Disallowed(why.clone()),
            Rules::Robot(robot) if robot.allowed(url.as_str()) => Verdict::Allowed {
                crawl_delay: robot
                    .delay
                    .filter(|d| d.is_finite() && *d > 0.0)
                    .map(|d| Duration::from_secs_f32(d.min(MAX_CRAWL_DELAY.as_secs_f32()))),
            },
            Rules::Robot(_) => Verdict::Disallowed(format!(
                "{site}/robots.txt disallows it for `{}`",
                self.agent
            )),
        }
    }

    async fn fetch(&self, fetcher: &Fetcher, site: &str) -> Entry {
        let now = Instant::now();
        let Ok(robots_url) = Url::parse(&format!("{site}/robots.txt")) else {
            return Entry {
                rules: Rules::Nothing(format!("no robots.txt URL for {site}")),
                until: now + UNREACHABLE_TTL,
            };
        };
        let rules = match fetcher.get(&robots_url, None, "text/plain, */*;q=0.5").await {
            // RFC 9309 asks parsers to read at least 500 KiB, and lets them stop there: a
            // larger file costs rule compilation, not politeness.
            Ok(Fetched::Fresh(resp)) => match Robot::new(
                &self.agent,
                &resp.body[..resp.body.len().min(MAX_ROBOTS_BYTES)],
            ) {
                Ok(robot) => Rules::Robot(Box::new(robot)),
                Err(e) => {
                    // The parser skips lines it cannot read; failing whole is rare. A file that
                    // says nothing readable forbids nothing.
                    tracing::warn!(url = %robots_url, error = %e, "robots.txt unreadable; read as allowing everything");
                    Rules::All
                }
            },
            Ok(Fetched::NotModified) => Rules::All,
            // 429 is a server asking for a pause, not a missing file: read as unreachable.
            Err(e) if matches!(e.kind, FetchErrorKind::Status(400..=428 | 430..=499)) => {
                Rules::All
            }
            Err(e) => {
                return Entry {
                    rules: Rules::Nothing(format!(
                        "{robots_url} could not be fetched ({}), so nothing on {site} is fetched for now",
                        e.message
                    )),
                    until: now + UNREACHABLE_TTL,
                }
            }
        };
        Entry {
            rules,
            until: now + TTL,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_product_token_is_the_agent() {
        assert_eq!(
            RobotsCache::new("websense/0.1 (+mailto:a@b)").agent(),
            "websense"
        );
        assert_eq!(RobotsCache::new("Websense-Test").agent(), "Websense-Test");
        assert_eq!(RobotsCache::new(" ").agent(), "*");
    }

    #[test]
    fn groups_for_the_agent_and_for_everyone() {
        let txt =
            b"User-agent: *\nDisallow: /prive/\n\nUser-agent: websense\nDisallow: /forum/zoek\n";
        let ours = Robot::new("websense", txt).unwrap();
        assert!(!ours.allowed("https://f.example/forum/zoek?q=x"));
        // Our own group replaces the `*` group.
        assert!(ours.allowed("https://f.example/prive/x"));
        let other = Robot::new("anderebot", txt).unwrap();
        assert!(!other.allowed("https://f.example/prive/x"));
    }
}
