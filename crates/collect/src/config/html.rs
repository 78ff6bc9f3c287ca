//! `kind = "html"`: the `[sources.selectors]` table as written ([`HtmlSelectorsConfig`]) and
//! checked ([`HtmlSelectors`]): every CSS selector compiled once, at configuration time, so a
//! typo is a configuration error naming the source and the selector, not a silent zero at run
//! time.

use scraper::Selector;
use serde::Deserialize;

/// `html`: where things are on the pages, as CSS selectors.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct HtmlSelectorsConfig {
    /// On the listing page: the links (`<a href>`) to the thread pages to read. Without it,
    /// the posts are read from the listing pages themselves.
    pub thread_link: Option<String>,
    /// One post (on a thread page, or on the listing without `thread_link`).
    pub post: String,
    /// Inside a post: its text (HTML reduced to text).
    pub text: String,
    /// Inside a post: the author's name (pseudonymised like every author).
    pub author: Option<String>,
    /// Inside a post: when it was written.
    pub time: Option<String>,
    /// The attribute of `time` that holds the time (e.g. `datetime`); without it, the
    /// element's `datetime` attribute if it has one, else its text.
    pub time_attr: Option<String>,
    /// The title: looked up inside the post first, then on the page (a thread's `h1`).
    pub title: Option<String>,
    /// Inside a post: the link (`href`) to the post itself, its stable identity.
    pub permalink: Option<String>,
    /// The link (`href`) to the next page, on the listing and on thread pages.
    pub next_page: Option<String>,
}

/// A compiled CSS selector with the text it came from (for messages, and for comparing
/// configurations).
#[derive(Clone, Debug)]
pub struct Css {
    pub css: String,
    pub selector: Selector,
}

impl PartialEq for Css {
    fn eq(&self, other: &Css) -> bool {
        self.css == other.css
    }
}

/// The checked selectors of an `html` source.
#[derive(Clone, Debug, PartialEq)]
pub struct HtmlSelectors {
    pub thread_link: Option<Css>,
    pub post: Css,
    pub text: Css,
    pub author: Option<Css>,
    pub time: Option<Css>,
    pub time_attr: Option<String>,
    pub title: Option<Css>,
    pub permalink: Option<Css>,
    pub next_page: Option<Css>,
}

impl HtmlSelectorsConfig {
    /// Compile every selector; the error names the selector's key and what is wrong with it.
    pub fn check(&self) -> Result<HtmlSelectors, String> {
        let one = |css: &str, key: &str| -> Result<Css, String> {
            let css = css.trim();
            if css.is_empty() {
                return Err(format!("`selectors.{key}` is empty"));
            }
            Selector::parse(css)
                .map(|selector| Css {
                    css: css.to_string(),
                    selector,
                })
                .map_err(|e| format!("`selectors.{key}`: `{css}` is not a valid CSS selector: {e}"))
        };
        let maybe =
            |css: &Option<String>, key: &str| css.as_deref().map(|c| one(c, key)).transpose();
        let time_attr = match self.time_attr.as_deref().map(str::trim) {
            None => None,
            Some(_) if self.time.is_none() => {
                return Err("`selectors.time_attr` needs `selectors.time`".into())
            }
            Some(a)
                if !a.is_empty()
                    && a.chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':')) =>
            {
                Some(a.to_ascii_lowercase())
            }
            Some(a) => {
                return Err(format!(
                    "`selectors.time_attr`: `{a}` is not an attribute name"
                ))
            }
        };
        Ok(HtmlSelectors {
            thread_link: maybe(&self.thread_link, "thread_link")?,
            post: one(&self.post, "post")?,
            text: one(&self.text, "text")?,
            author: maybe(&self.author, "author")?,
            time: maybe(&self.time, "time")?,
            time_attr,
            title: maybe(&self.title, "title")?,
            permalink: maybe(&self.permalink, "permalink")?,
            next_page: maybe(&self.next_page, "next_page")?,
        })
    }
}
