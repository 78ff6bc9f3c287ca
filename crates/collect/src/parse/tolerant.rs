//! Entries of any RSS (0.90 to 2.x, with or without a version or a `<channel>`, in the
//! Userland namespace or none), RDF in any case, Atom 0.3 and 1.0, an `<item>` inside Atom,
//! and CDF, read from the forgiving tree of [`super::xml_tree`] by local names alone.
//!
//! `feed-rs` reads the feeds that follow their specification; this reads the rest, entry by
//! entry: an entry it cannot make anything of is reported (its index and why) and skipped,
//! never the whole feed. Text constructs follow their declared type: Atom's `type="text"` is
//! text even when it looks like tags, `html` and RSS's descriptions are HTML, `xhtml` is markup
//! and content of any other type (`application/octet-stream`, base64) is not read as text.

use super::feed::{EntryParts, TextKind};
use super::xml_tree::{Element, Tree};
use super::{parse_time, ItemContext};
use crate::html::{html_to_text, plain_text, safe_url, PlainText};
use url::Url;
use websense_model::Item;

/// Root elements that feeds have.
const FEED_ROOTS: &[&str] = &["rss", "rdf", "feed", "channel", "scriptingnews"];

/// What the forgiving reader made of a document.
pub(crate) struct Reading {
    pub items: Vec<Item>,
    /// Entry-like elements in the document (`item`, `entry`), read or not.
    pub entries: usize,
    pub warnings: Vec<String>,
    /// The first top-level element, if any.
    pub root: Option<String>,
}

impl Reading {
    pub fn is_feed(&self) -> bool {
        self.entries > 0
            || self
                .root
                .as_deref()
                .is_some_and(|r| FEED_ROOTS.contains(&r))
    }
}

/// The entry-like elements of a document, in document order; entries are not searched for
/// entries of their own.
pub(crate) fn entries(tree: &Tree) -> Vec<&Element> {
    fn walk<'a>(el: &'a Element, out: &mut Vec<&'a Element>) {
        for c in &el.children {
            if c.name == "item" || c.name == "entry" {
                out.push(c);
            } else {
                walk(c, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(&tree.root, &mut out);
    out
}

/// Read every entry of `tree`. `bad_dates` collects dates that could not be read.
pub(crate) fn read(
    tree: &Tree,
    base: Option<&Url>,
    ctx: &ItemContext,
    bad_dates: &mut Vec<String>,
) -> Reading {
    let found = entries(tree);
    let mut reading = Reading {
        items: Vec::new(),
        entries: found.len(),
        warnings: Vec::new(),
        root: tree.root.children.first().map(|r| r.name.clone()),
    };
    let mut cut_off = 0;
    for (i, el) in found.into_iter().enumerate() {
        if el.unclosed {
            cut_off += 1;
            continue;
        }
        match entry_parts(el, base, bad_dates) {
            Ok((parts, notes)) => {
                for n in notes {
                    reading.warnings.push(format!("entry {}: {n}", i + 1));
                }
                reading.items.push(parts.into_item(ctx));
            }
            Err(why) => reading
                .warnings
                .push(format!("entry {} skipped: {why}", i + 1)),
        }
    }
    if cut_off > 0 {
        reading.entries -= cut_off;
    }
    reading
}

/// The parts of one entry, and notes on what in it was left out; `Err` when nothing in it
/// can be read (no title, no text, no link, no id).
fn entry_parts(
    el: &Element,
    base: Option<&Url>,
    bad_dates: &mut Vec<String>,
) -> Result<(EntryParts, Vec<String>), String> {
    let atom = el.name == "entry";
    let mut notes = Vec::new();
    let url = entry_link(el, base);
    // Relative links in an entry are relative to the entry's own page, when it has one.
    let entry_base = url.as_deref().and_then(|u| Url::parse(u).ok());
    let base = entry_base.as_ref().or(base);
    let title = el
        .child("title")
        .map(|t| construct_text(t, atom, base, &mut notes).text)
        .filter(|t| !t.is_empty());
    let mut body = PlainText::default();
    for name in [
        "encoded",
        "content",
        "description",
        "summary",
        "abstract",
        "body",
    ] {
        let Some(c) = el.child(name) else { continue };
        let text = construct_text(c, atom, base, &mut notes);
        if !text.text.is_empty() {
            body = text;
            break;
        }
    }
    let guid = ["guid", "id"]
        .iter()
        .find_map(|n| el.child(n))
        .map(|g| g.text.trim().to_string())
        .filter(|g| !g.is_empty());
    if title.is_none() && body.text.is_empty() && url.is_none() {
        let mut why = if el.children.is_empty() && el.text.trim().is_empty() {
            "it is empty".to_string()
        } else {
            "no title, text or link in it".to_string()
        };
        if !notes.is_empty() {
            why = format!("{why} ({})", notes.join("; "));
        }
        return Err(why);
    }
    let published = [
        "pubdate",
        "published",
        "issued",
        "date",
        "created",
        "updated",
        "modified",
    ]
    .iter()
    .filter_map(|n| el.child(n))
    .map(|d| d.text.trim())
    .filter(|d| !d.is_empty())
    .find_map(|d| {
        let t = parse_time(d);
        if t.is_none() {
            bad_dates.push(super::excerpt(d));
        }
        t
    });
    let author = el
        .child("author")
        .map(|a| match a.child("name") {
            Some(n) => n.text.trim().to_string(),
            None => a.text.trim().to_string(),
        })
        .or_else(|| el.child("creator").map(|c| c.text.trim().to_string()))
        .filter(|a| !a.is_empty());
    let categories = el
        .children
        .iter()
        .filter(|c| c.name == "category" || c.name == "subject")
        .filter_map(|c| {
            let t = c.attr("term").unwrap_or(&c.text).trim();
            (!t.is_empty()).then(|| t.to_string())
        })
        .take(20)
        .collect();
    Ok((
        EntryParts {
            guid,
            url,
            title,
            body,
            author,
            published,
            categories,
        },
        notes,
    ))
}

/// The entry's page: an Atom `<link href>` (alternate first), an RSS `<link>`, a permalink
/// `<guid>`, RDF's `about` or CDF's `href`; only http(s) URLs.
fn entry_link(el: &Element, base: Option<&Url>) -> Option<String> {
    let mut candidates: Vec<&str> = Vec::new();
    let links: Vec<&Element> = el.children_named("link").collect();
    let alternate = links
        .iter()
        .filter(|l| l.attr("href").is_some())
        .find(|l| l.attr("rel").is_none_or(|r| r == "alternate"));
    if let Some(l) = alternate {
        candidates.extend(l.attr("href"));
    }
    candidates.extend(
        links
            .iter()
            .map(|l| l.text.trim())
            .filter(|t| !t.is_empty()),
    );
    candidates.extend(links.iter().filter_map(|l| l.attr("href")));
    candidates.extend(el.attr("href"));
    // A guid or an RDF `about` that is not an absolute URL is an id, not a link.
    let mut ids: Vec<&str> = Vec::new();
    if let Some(g) = el.child("guid") {
        if g.attr("ispermalink") != Some("false") {
            ids.push(g.text.trim());
        }
    }
    ids.extend(el.attr("about"));
    candidates
        .into_iter()
        .find_map(|c| safe_url(c, base))
        .or_else(|| ids.into_iter().find_map(|c| safe_url(c, None)))
}

/// The text of a title, summary or content element by its declared type.
fn construct_text(
    el: &Element,
    atom: bool,
    base: Option<&Url>,
    notes: &mut Vec<String>,
) -> PlainText {
    let kind = TextKind::of(el.attr("type"), atom);
    if el.attr("mode") == Some("base64") && kind != TextKind::Other {
        notes.push(format!("<{}> is base64 encoded; left out", el.name));
        return PlainText::default();
    }
    match kind {
        TextKind::Text => PlainText {
            text: plain_text(&el.text),
            links: Vec::new(),
        },
        TextKind::Html => html_to_text(&el.text, base),
        TextKind::Xhtml if !el.children.is_empty() => html_to_text(&el.inner_markup(), base),
        TextKind::Xhtml => html_to_text(&el.text, base),
        TextKind::Other => {
            notes.push(format!(
                "<{}> of type {} is not text; left out",
                el.name,
                super::excerpt(el.attr("type").unwrap_or("?"))
            ));
            PlainText::default()
        }
    }
}
