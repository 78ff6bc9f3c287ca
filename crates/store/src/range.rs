//! Reading every item of a time range, a page at a time ([`crate::Store::range_items`],
//! [`RangeReader`]).
//!
//! Pages follow the order (event time, id) and each starts after a cursor, the key of the last
//! item of the page before (keyset paging, not an offset). So paging is stable while items
//! are written: an item stored before the read started is read exactly once, whatever arrives
//! meanwhile; an item that arrives while the read runs is read once if its key lies after the
//! cursor at that moment, and not at all otherwise. A range spans any number of days: the
//! pages do not care where a day ends.

use crate::query::{Filter, StoredItem, TimeRange};
use crate::{Store, StoreError};
use serde::{Deserialize, Serialize};
use websense_model::{CategoryScore, Hit, ItemId, SourceId};

/// Where a page of a range read starts: after the item with this key. Take it from
/// [`RangePage::next`]; it stays valid however many items are written or purged meanwhile.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RangeCursor {
    /// The item's event time in milliseconds, as stored (clamped to 1970–2099).
    pub event_ms: i64,
    pub id: String,
}

impl RangeCursor {
    /// The key of a stored item: the next page starts after it.
    pub fn after(item: &StoredItem) -> RangeCursor {
        RangeCursor {
            event_ms: crate::rows::event_ms(&item.item),
            id: item.item.id.0.clone(),
        }
    }
}

/// One page of the items whose event time lies in `range` (to the millisecond), in (event
/// time, id) order: the first `limit` of them after `after`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RangeQuery {
    pub range: TimeRange,
    #[serde(default)]
    pub filter: Filter,
    /// Items per page; 0 reads as 1.
    pub limit: usize,
    /// `None`: from the start of the range.
    #[serde(default)]
    pub after: Option<RangeCursor>,
}

impl RangeQuery {
    /// The first page of `range`.
    pub fn new(range: TimeRange, filter: Filter, limit: usize) -> RangeQuery {
        RangeQuery {
            range,
            filter,
            limit,
            after: None,
        }
    }

    /// The page size in effect.
    pub(crate) fn page_size(&self) -> usize {
        self.limit.max(1)
    }
}

/// A page of a range read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RangePage {
    pub items: Vec<StoredItem>,
    /// Where the next page starts; `None` when this page is the last (it has fewer items than
    /// the page size). A full last page is followed by an empty one.
    pub next: Option<RangeCursor>,
}

impl RangePage {
    /// The page of `items` read with page size `size`.
    pub(crate) fn of(items: Vec<StoredItem>, size: usize) -> RangePage {
        let next = match items.last() {
            Some(last) if items.len() >= size => Some(RangeCursor::after(last)),
            _ => None,
        };
        RangePage { items, next }
    }
}

/// Every item of a range, page by page ([`crate::Store::range_items`] with the cursor
/// carried along):
///
/// ```no_run
/// # async fn run(store: &dyn websense_store::Store, range: websense_store::TimeRange)
/// # -> Result<(), websense_store::StoreError> {
/// use websense_store::{Filter, RangeQuery, RangeReader};
/// let mut reader = RangeReader::new(store, RangeQuery::new(range, Filter::default(), 1000));
/// while let Some(page) = reader.next_page().await? {
///     for stored in page {
///         println!("{}", stored.item.id.0);
///     }
/// }
/// # Ok(())
/// # }
/// ```
pub struct RangeReader<'a> {
    store: &'a dyn Store,
    query: RangeQuery,
    done: bool,
}

impl<'a> RangeReader<'a> {
    /// A reader starting at `query.after` (the start of the range when `None`).
    pub fn new(store: &'a dyn Store, query: RangeQuery) -> RangeReader<'a> {
        RangeReader {
            store,
            query,
            done: false,
        }
    }

    /// The next page, or `None` once the range is read. Never an empty page. After an error
    /// the same page is asked again by the next call.
    pub async fn next_page(&mut self) -> Result<Option<Vec<StoredItem>>, StoreError> {
        if self.done {
            return Ok(None);
        }
        let page = self.store.range_items(&self.query).await?;
        match page.next {
            Some(next) => self.query.after = Some(next),
            None => self.done = true,
        }
        if page.items.is_empty() {
            self.done = true;
            return Ok(None);
        }
        Ok(Some(page.items))
    }
}

/// An item of a range in the lean form a re-score reads ([`crate::Store::range_texts`]): its
/// text, and the hits and scores stored with it, without the metadata a re-score never looks
/// at (author, url, links, raw, tags, language), so a backend can skip reading and parsing it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RangeText {
    pub id: ItemId,
    pub source: SourceId,
    /// The event time as stored, in milliseconds (clamped to 1970–2099, as the range selects).
    pub event_ms: i64,
    pub title: Option<String>,
    pub text: String,
    /// The raw text is purged: `title` and `text` are gone, the hits and scores stay.
    pub text_purged: bool,
    /// The lexicon version the stored hits and scores were found with.
    pub lexicon_version: String,
    pub matches: Vec<Hit>,
    pub scores: Vec<CategoryScore>,
}

impl RangeText {
    /// The lean form of a full stored item.
    pub fn of(stored: StoredItem) -> RangeText {
        RangeText {
            event_ms: crate::rows::event_ms(&stored.item),
            id: stored.item.id,
            source: stored.item.source.id,
            title: stored.item.title,
            text: stored.item.text,
            text_purged: stored.text_purged,
            lexicon_version: stored.lexicon_version,
            matches: stored.matches,
            scores: stored.scores,
        }
    }
}

/// A page of a lean range read: the same items, order and cursor as [`RangePage`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RangeTextPage {
    pub items: Vec<RangeText>,
    /// As [`RangePage::next`].
    pub next: Option<RangeCursor>,
}

impl RangeTextPage {
    /// The page of `items` read with page size `size`.
    pub(crate) fn of(items: Vec<RangeText>, size: usize) -> RangeTextPage {
        let next = match items.last() {
            Some(last) if items.len() >= size => Some(RangeCursor {
                event_ms: last.event_ms,
                id: last.id.0.clone(),
            }),
            _ => None,
        };
        RangeTextPage { items, next }
    }
}

/// Every item of a range in the lean form, page by page (as [`RangeReader`], with
/// [`crate::Store::range_texts`]). Owns an `Arc` of the store, so that a reader thread or
/// task can carry it.
pub struct RangeTextReader {
    store: std::sync::Arc<dyn Store>,
    query: RangeQuery,
    done: bool,
}

impl RangeTextReader {
    pub fn new(store: std::sync::Arc<dyn Store>, query: RangeQuery) -> RangeTextReader {
        RangeTextReader {
            store,
            query,
            done: false,
        }
    }

    /// The next page, or `None` once the range is read. Never an empty page.
    pub async fn next_page(&mut self) -> Result<Option<Vec<RangeText>>, StoreError> {
        if self.done {
            return Ok(None);
        }
        let page = self.store.range_texts(&self.query).await?;
        match page.next {
            Some(next) => self.query.after = Some(next),
            None => self.done = true,
        }
        if page.items.is_empty() {
            self.done = true;
            return Ok(None);
        }
        Ok(Some(page.items))
    }
}
