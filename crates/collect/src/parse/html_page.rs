//! Public web pages and forums (`kind = "html"`): one page in; out, by the CSS selectors of
//! the source's configuration, either the thread links of a listing page or the posts of a
//! thread page (or of a listing that holds its posts itself), and the next page.
//!
//! This module owns reading one page: which elements are posts, what of a post is its text,
//! author, time, title and permalink, a post's stable identity, and which links may be
//! followed. Which pages to fetch, robots.txt and the cursor are the round's
//! (`sources::html_site`).
//!
//! Pages are hostile input. Text goes through [`html_to_text`] (scripts and styles dropped,
//! entities decoded, nothing kept as markup); only absolute `http`/`https` links survive
//! ([`safe_url`]), resolved against the page (or its `<base href>`); thread and next-page links
//! are followed only on the listing's own site; pages nested deeper than 512 levels are
//! refused before a tree is built.

use super::{excerpt, ItemContext, ParseError};
use crate::config::{Css, HtmlSelectors};
use crate::encoding::{decode, DocKind};
use crate::html::{html_to_text, nesting_estimate, safe_url, MAX_NESTING};
use scraper::{ElementRef, Html, Selector};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::sync::LazyLock;
use url::Url;
use websense_model::Item;

/// What a page is read for.
#[derive(Clone, Copy, Debug)]
pub enum PageRole<'a> {
    /// A listing: its thread links (`selectors.thread_link`) and next page.
    Listing,
    /// Posts (`selectors.post`) of `thread`, the URL that names the thread (its first page,
    /// or the listing for a source without threads), and the next page.
    Posts { thread: &'a Url },
}

/// One page read.
#[derive(Debug, Default)]
pub struct HtmlPage {
    pub items: Vec<Item>,
    /// Thread pages linked from a listing: same site, in page order, each once, no fragment.
    pub threads: Vec<Url>,
    /// The next page, when `selectors.next_page` finds one on the same site.
    pub next: Option<Url>,
    /// Elements the `post` selector matched, skipped ones included.
    pub posts_found: usize,
    pub warnings: Vec<String>,
    /// Nothing declared the body's encoding: the one `chardetng` guessed.
    pub encoding_guess: Option<String>,
}

static BASE: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("base[href]").expect("constant selector parses"));

/// Read one page fetched from `page_url` (after redirects).
pub fn parse_page(
    body: &[u8],
    content_type: Option<&str>,
    page_url: &Url,
    selectors: &HtmlSelectors,
    role: PageRole<'_>,
    ctx: &ItemContext,
) -> Result<HtmlPage, ParseError> {
    if let Some(ct) = content_type {
        let mime = ct
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        let readable = mime.is_empty()
            || mime.contains("html")
            || mime.contains("xml")
            || mime.starts_with("text/");
        if !readable {
            return Err(ParseError::new(format!(
                "expected an HTML page, got `{}`",
                excerpt(ct)
            )));
        }
    }
    let decoded = decode(body, content_type, DocKind::Html);
    let mut page = HtmlPage::default();
    if decoded.had_errors {
        page.warnings.push(format!(
            "{page_url}: bytes invalid in {} were replaced",
            decoded.encoding
        ));
    }
    if decoded.guessed {
        page.encoding_guess = Some(decoded.encoding.to_string());
    }
    if decoded.text.trim().is_empty() {
        return Err(ParseError::new("empty body"));
    }
    if nesting_estimate(&decoded.text) > MAX_NESTING {
        return Err(ParseError::new(format!(
            "page nests elements deeper than {MAX_NESTING} levels"
        )));
    }
    let doc = Html::parse_document(&decoded.text);
    // Relative links resolve as a browser resolves them: against `<base href>` when the page
    // has an http(s) one, else against the page's own URL.
    let base = doc
        .select(&BASE)
        .next()
        .and_then(|b| safe_url(b.value().attr("href")?, Some(page_url)))
        .and_then(|b| Url::parse(&b).ok())
        .unwrap_or_else(|| page_url.clone());
    let same_site = |u: &Url| {
        u.host_str() == page_url.host_str()
            && u.port_or_known_default() == page_url.port_or_known_default()
    };
    if let Some(next) = &selectors.next_page {
        page.next = doc
            .select(&next.selector)
            .filter_map(|a| safe_url(a.value().attr("href")?, Some(&base)))
            .filter_map(|u| Url::parse(&u).ok())
            .find(|u| same_site(u) && u != page_url);
    }
    match role {
        PageRole::Listing => {
            let Some(link) = &selectors.thread_link else {
                return Ok(page);
            };
            let (mut matched, mut elsewhere) = (0usize, 0usize);
            for a in doc.select(&link.selector) {
                matched += 1;
                let Some(mut url) = a
                    .value()
                    .attr("href")
                    .and_then(|h| safe_url(h, Some(&base)))
                    .and_then(|u| Url::parse(&u).ok())
                else {
                    continue;
                };
                if !same_site(&url) {
                    elsewhere += 1;
                    continue;
                }
                // `#unread`, `#last`: the same thread.
                url.set_fragment(None);
                if !page.threads.contains(&url) {
                    page.threads.push(url);
                }
            }
            if matched == 0 {
                page.warnings.push(format!(
                    "{page_url}: no element matched `thread_link` (`{}`); has the site changed?",
                    link.css
                ));
            } else if page.threads.is_empty() {
                page.warnings.push(format!(
                    "{page_url}: `thread_link` (`{}`) matched {matched} elements, none with an http(s) link on this site",
                    link.css
                ));
            } else if elsewhere > 0 {
                page.warnings.push(format!(
                    "{page_url}: {elsewhere} thread links to other sites were not followed"
                ));
            }
        }
        PageRole::Posts { thread } => {
            read_posts(&doc, &mut page, page_url, &base, thread, selectors, ctx)
        }
    }
    Ok(page)
}

fn read_posts(
    doc: &Html,
    page: &mut HtmlPage,
    page_url: &Url,
    base: &Url,
    thread: &Url,
    selectors: &HtmlSelectors,
    ctx: &ItemContext,
) {
    let page_title = selectors
        .title
        .as_ref()
        .and_then(|t| doc.select(&t.selector).next())
        .map(element_text)
        .filter(|t| !t.is_empty());
    // Forum user names mean something on their own site: one namespace per host, so two
    // sources on one forum give one person one pseudonym.
    let namespace = format!("html:{}", thread.host_str().unwrap_or_default());
    let (mut without_text, mut bad_times) = (0usize, Vec::new());
    for (index, post) in doc.select(&selectors.post.selector).enumerate() {
        page.posts_found += 1;
        let texts = all_outermost(post, &selectors.text);
        if texts.is_empty() {
            without_text += 1;
            continue;
        }
        let mut text = String::new();
        let mut links: Vec<String> = Vec::new();
        for el in texts {
            let plain = html_to_text(&el.inner_html(), Some(base));
            if !plain.text.is_empty() {
                if !text.is_empty() {
                    text.push_str("\n\n");
                }
                text.push_str(&plain.text);
            }
            for l in plain.links {
                if !links.contains(&l) {
                    links.push(l);
                }
            }
        }
        let author = selectors
            .author
            .as_ref()
            .and_then(|a| first(post, a))
            .map(element_text)
            .filter(|a| !a.is_empty());
        let time_element = selectors.time.as_ref().and_then(|t| first(post, t));
        let time_text = time_element.and_then(|el| time_value(el, selectors.time_attr.as_deref()));
        let published = time_text.as_deref().and_then(super::parse_page_time);
        match (&time_text, published) {
            (Some(t), None) => bad_times.push(excerpt(t)),
            (None, _) if time_element.is_some() => bad_times.push(match &selectors.time_attr {
                Some(a) => format!("(no `{a}` attribute)"),
                None => "(empty)".into(),
            }),
            _ => {}
        }
        let permalink = selectors
            .permalink
            .as_ref()
            .and_then(|p| first(post, p))
            .and_then(|a| safe_url(a.value().attr("href")?, Some(base)));
        let anchor = post
            .value()
            .attr("id")
            .map(str::trim)
            .filter(|id| !id.is_empty());
        // A post's identity, most stable first: its own link; the thread with its anchor
        // (`#post-123`, the same on whichever page it shows); else a digest of what it says,
        // so a post keeps its id when posts before it are deleted and it moves up a page.
        let guid = match (&permalink, anchor) {
            (Some(p), _) => p.clone(),
            (None, Some(id)) => with_fragment(thread, id),
            (None, None) => {
                let mut h = Sha256::new();
                for part in [author.as_deref(), time_text.as_deref(), Some(text.as_str())] {
                    h.update(part.unwrap_or("").as_bytes());
                    h.update([0]);
                }
                format!("{thread}#sha256:{}", hex::encode(&h.finalize()[..16]))
            }
        };
        let mut item = ctx.item(&guid);
        item.url = permalink
            .or_else(|| anchor.and_then(|id| safe_url(&with_fragment(page_url, id), None)))
            .or_else(|| safe_url(page_url.as_str(), None));
        item.text = text;
        item.links = links;
        item.title = selectors
            .title
            .as_ref()
            .and_then(|t| first_descendant(post, t))
            .map(element_text)
            .filter(|t| !t.is_empty())
            .or_else(|| page_title.clone());
        item.published_at = published;
        item.author = author.and_then(|a| ctx.author(&namespace, &a));
        item.raw = json!({
            "thread": thread.as_str(),
            "page": page_url.as_str(),
            "index": index,
            "time_text": time_text,
        });
        page.items.push(ctx.finish(item));
    }
    if page.posts_found == 0 {
        page.warnings.push(format!(
            "{page_url}: no element matched `post` (`{}`); has the site changed?",
            selectors.post.css
        ));
    }
    if without_text > 0 {
        page.warnings.push(format!(
            "{page_url}: {without_text} of {} posts had no element matching `text` (`{}`) and were skipped",
            page.posts_found, selectors.text.css
        ));
    }
    if !bad_times.is_empty() {
        page.warnings.push(format!(
            "{page_url}: {} posts with an unreadable time (first: `{}`) were kept without one",
            bad_times.len(),
            bad_times[0]
        ));
    }
}

/// `url` with `#fragment`.
fn with_fragment(url: &Url, fragment: &str) -> String {
    let mut u = url.clone();
    u.set_fragment(Some(fragment));
    u.into()
}

/// The post element itself when it matches `css` (`post = "a.topic"`, `permalink = "a"`),
/// else its first descendant that does.
fn first<'a>(post: ElementRef<'a>, css: &Css) -> Option<ElementRef<'a>> {
    if css.selector.matches(&post) {
        return Some(post);
    }
    first_descendant(post, css)
}

fn first_descendant<'a>(post: ElementRef<'a>, css: &Css) -> Option<ElementRef<'a>> {
    post.select(&css.selector).next()
}

/// Every element of `post` (itself included) matching `css`, leaving out those inside an
/// earlier match, whose text that match already holds (`text = ".body p"` on nested `p`s).
fn all_outermost<'a>(post: ElementRef<'a>, css: &Css) -> Vec<ElementRef<'a>> {
    if css.selector.matches(&post) {
        return vec![post];
    }
    let mut out: Vec<ElementRef<'a>> = Vec::new();
    for el in post.select(&css.selector) {
        let inside = el.ancestors().any(|a| out.iter().any(|o| o.id() == a.id()));
        if !inside {
            out.push(el);
        }
    }
    out
}

/// An element's text, whitespace collapsed (author names, titles).
fn element_text(el: ElementRef<'_>) -> String {
    html_to_text(&el.inner_html(), None)
        .text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The time of a post's time element: the configured attribute; without one, `datetime`
/// when the element has it, else its text.
fn time_value(el: ElementRef<'_>, attr: Option<&str>) -> Option<String> {
    let value = match attr {
        Some(a) => el.value().attr(a)?.to_string(),
        None => match el.value().attr("datetime") {
            Some(d) => d.to_string(),
            None => element_text(el),
        },
    };
    Some(value.trim().to_string()).filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::HtmlSelectorsConfig;
    use crate::parse::testing::ctx;
    use websense_model::SourceKind;

    fn selectors(extra: impl FnOnce(&mut HtmlSelectorsConfig)) -> HtmlSelectors {
        let mut c = HtmlSelectorsConfig {
            thread_link: Some("a.topic".into()),
            post: "article.post".into(),
            text: ".body".into(),
            author: Some(".author".into()),
            time: Some("time".into()),
            time_attr: None,
            title: Some("h1".into()),
            permalink: Some("a.perma".into()),
            next_page: Some("a[rel=next]".into()),
        };
        extra(&mut c);
        c.check().unwrap()
    }

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    const THREAD: &str = r#"<html><head><title>x</title></head><body>
      <h1>Nieuw  azc in de wijk</h1>
      <article class="post" id="p-11">
        <a class="perma" href="/t/azc-wijk/11#p-11">#1</a>
        <span class="author"> Jan  Jansen </span>
        <time datetime="2026-12-05T14:03:00+01:00">gisteren</time>
        <div class="body"><p>Eerste <b>post</b> met <a href="../../docs/plan.pdf">het plan</a>.</p>
          <script>document.write('geheim')</script></div>
      </article>
      <article class="post" id="p-12">
        <span class="author">Piet</span><time>5 december 2026 om 15:10</time>
        <div class="body">Tweede</div>
      </article>
      <article class="post">
        <time>ergens vorige week</time><div class="body">Derde, zonder anker</div>
      </article>
      <a rel="next" href="?page=2">volgende</a>
    </body></html>"#;

    #[test]
    fn posts_with_every_field_and_relative_links() {
        let c = ctx(SourceKind::Html);
        let thread = url("https://forum.example/t/azc-wijk");
        let page_url = url("https://forum.example/t/azc-wijk?page=1");
        let page = parse_page(
            THREAD.as_bytes(),
            Some("text/html; charset=utf-8"),
            &page_url,
            &selectors(|_| {}),
            PageRole::Posts { thread: &thread },
            &c,
        )
        .unwrap();
        assert_eq!(page.posts_found, 3);
        assert_eq!(page.items.len(), 3);
        let a = &page.items[0];
        assert_eq!(a.text, "Eerste post met het plan.");
        assert_eq!(a.links, vec!["https://forum.example/docs/plan.pdf"]);
        assert_eq!(
            a.url.as_deref(),
            Some("https://forum.example/t/azc-wijk/11#p-11")
        );
        assert_eq!(a.id, c.item("https://forum.example/t/azc-wijk/11#p-11").id);
        assert_eq!(a.title.as_deref(), Some("Nieuw azc in de wijk"));
        assert_eq!(
            a.published_at.unwrap().to_rfc3339(),
            "2026-12-05T13:03:00+00:00"
        );
        let author = a.author.as_ref().unwrap();
        assert_eq!(
            author.pseudonym,
            c.key.pseudonymise("html:forum.example", "Jan Jansen")
        );
        assert!(author.handle.is_none(), "no handles unless configured");
        // No permalink: the thread with the post's anchor names it, whatever page it is on.
        let b = &page.items[1];
        assert_eq!(b.id, c.item("https://forum.example/t/azc-wijk#p-12").id);
        assert_eq!(
            b.url.as_deref(),
            Some("https://forum.example/t/azc-wijk?page=1#p-12")
        );
        assert_eq!(
            b.published_at.unwrap().to_rfc3339(),
            "2026-12-05T15:10:00+00:00"
        );
        // Neither: an id from what it says; its time unreadable, kept without one, and said.
        let third = &page.items[2];
        assert_eq!(third.text, "Derde, zonder anker");
        assert!(third.published_at.is_none());
        assert!(third.author.is_none());
        assert!(
            page.warnings
                .iter()
                .any(|w| w.contains("unreadable time") && w.contains("ergens vorige week")),
            "{:?}",
            page.warnings
        );
        assert_eq!(
            page.next.as_ref().map(Url::as_str),
            Some("https://forum.example/t/azc-wijk?page=2")
        );
        // The same post on another page, or read again, keeps its id.
        let again = parse_page(
            THREAD.as_bytes(),
            None,
            &url("https://forum.example/t/azc-wijk?page=7"),
            &selectors(|_| {}),
            PageRole::Posts { thread: &thread },
            &c,
        )
        .unwrap();
        let ids = |p: &HtmlPage| p.items.iter().map(|i| i.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&again), ids(&page));
    }

    #[test]
    fn hostile_markup_is_neutralised() {
        let html = r#"<html><head><base href="javascript:alert(1)//"></head><body>
          <div class="post" id="x"><a class="perma" href="javascript:alert(1)">link</a>
          <div class="body"><img src=x onerror="alert(1)">Hallo <script>alert('<b>')</script>
          <style>.body{}</style><a href=" JavaScript:alert(2)">klik</a>
          <a href="data:text/html,x">d</a> &lt;script&gt;tekst&lt;/script&gt;
          <iframe src="https://evil.example/">frame</iframe></div></div>
          <a rel="next" href="javascript:next()">verder</a>
          <a class="topic" href="https://elders.example/t/1">elders</a></body></html>"#;
        let c = ctx(SourceKind::Html);
        let page_url = url("https://forum.example/t/1");
        let sel = selectors(|s| s.post = ".post".into());
        let page = parse_page(
            html.as_bytes(),
            None,
            &page_url,
            &sel,
            PageRole::Posts { thread: &page_url },
            &c,
        )
        .unwrap();
        let item = &page.items[0];
        assert_eq!(item.text, "Hallo klik d <script>tekst</script>");
        assert!(item.links.is_empty(), "{:?}", item.links);
        // The javascript: permalink is dropped: the anchor names the post instead.
        assert_eq!(item.url.as_deref(), Some("https://forum.example/t/1#x"));
        assert!(page.next.is_none());
        let listing = parse_page(
            html.as_bytes(),
            None,
            &page_url,
            &sel,
            PageRole::Listing,
            &c,
        )
        .unwrap();
        assert!(listing.threads.is_empty(), "other sites are not followed");
        assert!(listing
            .warnings
            .iter()
            .any(|w| w.contains("none with an http(s) link on this site")));
    }

    #[test]
    fn listing_thread_links_resolved_deduplicated_same_site() {
        let html = r#"<ul>
          <li><a class="topic" href="/t/een#unread">Een</a></li>
          <li><a class="topic" href="t/twee">Twee</a></li>
          <li><a class="topic" href="/t/een#last">Een weer</a></li>
          <li><a class="topic" href="https://elders.example/t/drie">Elders</a></li>
          <li><a class="topic">zonder href</a></li></ul>
          <a rel="next" href="/c/gemeente?page=2">2</a>"#;
        let c = ctx(SourceKind::Html);
        let page = parse_page(
            html.as_bytes(),
            Some("text/html"),
            &url("https://forum.example/c/gemeente"),
            &selectors(|_| {}),
            PageRole::Listing,
            &c,
        )
        .unwrap();
        let threads: Vec<&str> = page.threads.iter().map(Url::as_str).collect();
        assert_eq!(
            threads,
            vec![
                "https://forum.example/t/een",
                "https://forum.example/c/t/twee"
            ]
        );
        assert_eq!(
            page.next.as_ref().map(Url::as_str),
            Some("https://forum.example/c/gemeente?page=2")
        );
        assert!(page.items.is_empty());
        assert!(page
            .warnings
            .iter()
            .any(|w| w.contains("1 thread links to other sites")));
    }

    #[test]
    fn nothing_matched_is_a_warning_not_silence() {
        let c = ctx(SourceKind::Html);
        let u = url("https://forum.example/t/1");
        let sel = selectors(|_| {});
        let html = b"<html><body><div class='post-new'>Het forum kreeg een nieuw thema</div></body></html>";
        let posts = parse_page(html, None, &u, &sel, PageRole::Posts { thread: &u }, &c).unwrap();
        assert!(posts.items.is_empty());
        assert!(posts
            .warnings
            .iter()
            .any(|w| w.contains("no element matched `post` (`article.post`)")));
        let listing = parse_page(html, None, &u, &sel, PageRole::Listing, &c).unwrap();
        assert!(listing
            .warnings
            .iter()
            .any(|w| w.contains("no element matched `thread_link` (`a.topic`)")));
        // A post without the text element is skipped, and said.
        let html = b"<article class='post'><p>andere opmaak</p></article><article class='post'><div class='body'>ok</div></article>";
        let page = parse_page(html, None, &u, &sel, PageRole::Posts { thread: &u }, &c).unwrap();
        assert_eq!(page.items.len(), 1);
        assert!(page
            .warnings
            .iter()
            .any(|w| w.contains("1 of 2 posts had no element matching `text`")));
    }

    #[test]
    fn time_attribute_text_and_missing_attribute() {
        let c = ctx(SourceKind::Html);
        let u = url("https://forum.example/t/1");
        let sel = selectors(|s| {
            s.time = Some(".when".into());
            s.time_attr = Some("data-time".into());
        });
        let html = br#"<article class="post" id="a"><span class="when" data-time="1796479380">gisteren</span><div class="body">a</div></article>
            <article class="post" id="b"><span class="when">05-12-2026 14:03</span><div class="body">b</div></article>"#;
        let page = parse_page(html, None, &u, &sel, PageRole::Posts { thread: &u }, &c).unwrap();
        assert_eq!(
            page.items[0].published_at.unwrap().to_rfc3339(),
            "2026-12-05T14:03:00+00:00"
        );
        assert!(page.items[1].published_at.is_none());
        assert!(
            page.warnings
                .iter()
                .any(|w| w.contains("no `data-time` attribute")),
            "{:?}",
            page.warnings
        );
    }

    #[test]
    fn nested_text_matches_count_once_and_other_bodies_are_refused() {
        let c = ctx(SourceKind::Html);
        let u = url("https://forum.example/t/1");
        let sel = selectors(|s| s.text = "p".into());
        let html = b"<article class='post' id='a'><p>een <p>twee</p></p><blockquote><p>drie</p></blockquote></article>";
        let page = parse_page(html, None, &u, &sel, PageRole::Posts { thread: &u }, &c).unwrap();
        assert_eq!(page.items[0].text, "een\n\ntwee\n\ndrie");
        let e = parse_page(
            b"{\"a\":1}",
            Some("application/json"),
            &u,
            &sel,
            PageRole::Listing,
            &c,
        )
        .unwrap_err();
        assert!(e.0.contains("expected an HTML page"), "{e}");
        let deep = "<div>".repeat(100_000);
        let e = parse_page(deep.as_bytes(), None, &u, &sel, PageRole::Listing, &c).unwrap_err();
        assert!(e.0.contains("deeper"), "{e}");
        assert!(parse_page(b"  ", None, &u, &sel, PageRole::Listing, &c).is_err());
    }
}
