//! From an item's cues, places and publication time to its announcements (the crate doc's
//! rules, in order).

use crate::cues::{Cue, CueHit, Cues};
use crate::rules::{self, Reason};
use crate::time::{find_times, TimeExpr};
use crate::tokens::Tokens;
use chrono::{DateTime, Utc};
use websense_model::{Announcement, Field, Item, Place};

/// The announcement detector: the compiled announcement lexicon and the rules.
pub struct Announcer {
    cues: Cues,
}

/// What detection needs of an item.
#[derive(Clone, Copy, Debug)]
pub struct Post<'a> {
    pub title: Option<&'a str>,
    pub text: &'a str,
    /// What relative times are resolved against.
    pub published_at: DateTime<Utc>,
}

impl<'a> Post<'a> {
    /// An item's fields, and its publication time (its fetch time when it has none).
    pub fn of(item: &'a Item) -> Post<'a> {
        Post {
            title: item.title.as_deref(),
            text: &item.text,
            published_at: item.published_at.unwrap_or(item.fetched_at),
        }
    }

    fn field(&self, field: Field) -> &'a str {
        match field {
            Field::Title => self.title.unwrap_or_default(),
            Field::Text => self.text,
        }
    }
}

/// What became of a field with a call: an announcement, or the reason it is none.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Announced(Announcement),
    Rejected {
        field: Field,
        /// The first call of the field, as written.
        call: String,
        reason: Reason,
    },
}

impl Announcer {
    pub fn new(cues: Cues) -> Announcer {
        Announcer { cues }
    }

    /// With the shipped announcement lexicon.
    pub fn shipped() -> Announcer {
        Announcer::new(Cues::shipped())
    }

    pub fn cues(&self) -> &Cues {
        &self.cues
    }

    /// The cues of a post's fields, found by this crate's own search (for callers without
    /// the matcher's walk): `(field, hit)` in field and text order.
    pub fn find_cues(&self, post: &Post) -> Vec<(Field, CueHit)> {
        let mut out = Vec::new();
        let mut hits = Vec::new();
        for (field, text) in [(Field::Title, post.title), (Field::Text, Some(post.text))] {
            if let Some(text) = text {
                hits.clear();
                self.cues.find(text, &mut hits);
                out.extend(hits.iter().map(|h| (field, *h)));
            }
        }
        out
    }

    /// The announcements of an item with these places and municipality codes (as the
    /// matcher attributes them), finding the cues itself.
    pub fn detect_item(
        &self,
        item: &Item,
        places: &[Place],
        municipalities: &[String],
    ) -> Vec<Announcement> {
        let post = Post::of(item);
        let cues = self.find_cues(&post);
        self.detect(&post, &cues, places, municipalities)
    }

    /// The announcements of a post whose cues are found (by [`Announcer::find_cues`] or the
    /// matcher's walk). A post without a call costs nothing more.
    pub fn detect(
        &self,
        post: &Post,
        cues: &[(Field, CueHit)],
        places: &[Place],
        municipalities: &[String],
    ) -> Vec<Announcement> {
        self.explain(post, cues, places, municipalities)
            .into_iter()
            .filter_map(|o| match o {
                Outcome::Announced(a) => Some(a),
                Outcome::Rejected { .. } => None,
            })
            .collect()
    }

    /// [`Announcer::detect`], with the reason for each field whose calls all failed.
    pub fn explain(
        &self,
        post: &Post,
        cues: &[(Field, CueHit)],
        places: &[Place],
        municipalities: &[String],
    ) -> Vec<Outcome> {
        let mut out = Vec::new();
        if !cues.iter().any(|(_, c)| c.cue.is_call()) {
            return out;
        }
        let in_post = |cue: Cue| cues.iter().filter(move |(_, c)| c.cue == cue);
        for field in [Field::Title, Field::Text] {
            let of_field: Vec<CueHit> = cues
                .iter()
                .filter(|(f, _)| *f == field)
                .map(|(_, c)| *c)
                .collect();
            if !of_field.iter().any(|c| c.cue.is_call()) {
                continue;
            }
            let text = post.field(field);
            // The cheap tests first: most posts with a call word have neither a time nor a
            // place, and need not be read.
            let has_place = of_field.iter().any(|c| c.cue == Cue::Place)
                || places.iter().any(|p| p.field == field);
            let has_time = crate::gate::may_hold_time(text);
            let strong = of_field.iter().any(|c| c.cue == Cue::Call);
            let cheap_reason = if !has_time && !has_place {
                Some(Reason::NoTimeOrPlace)
            } else if !strong && !(has_time && (has_place || !places.is_empty())) {
                Some(Reason::WeakCall)
            } else {
                None
            };
            if let Some(reason) = cheap_reason {
                let call = of_field.iter().find(|c| c.cue.is_call()).expect("checked");
                out.push(Outcome::Rejected {
                    field,
                    call: text[call.start..call.end].to_string(),
                    reason,
                });
                continue;
            }
            // only the words around the calls are read: an announcement's time and place
            // stand near its call, and a long post costs no more than a short one
            let windows = windows_around(text, &of_field);
            let inside =
                |start: usize, end: usize| windows.iter().any(|w| w.start <= start && end <= w.end);
            let tokens = Tokens::in_windows(text, &windows);
            let times = if has_time {
                find_times(&tokens.tokens, post.published_at)
            } else {
                Vec::new()
            };
            let context = FieldContext {
                text,
                field,
                tokens: &tokens,
                facts: rules::Facts::of(&tokens),
                times: &times,
                squares: of_field
                    .iter()
                    .filter(|c| c.cue == Cue::Place && inside(c.start, c.end))
                    .collect(),
                places: places
                    .iter()
                    .filter(|p| p.field == field && inside(p.start, p.end))
                    .collect(),
                any_place: !places.is_empty(),
                municipalities,
                warning: in_post(Cue::Warning).next().is_some(),
                online: in_post(Cue::Online).next().is_some(),
                fixture: of_field
                    .iter()
                    .filter(|c| c.cue == Cue::Fixture && inside(c.start, c.end))
                    .map(|c| tokens.range_of(c.start, c.end).0)
                    .collect(),
            };
            let mut first_rejection = None;
            let mut announced = None;
            for call in of_field.iter().filter(|c| c.cue.is_call()) {
                match self.judge(&context, call) {
                    Ok(a) => {
                        announced = Some(a);
                        break;
                    }
                    Err(reason) => {
                        first_rejection.get_or_insert((call, reason));
                    }
                }
            }
            match (announced, first_rejection) {
                (Some(a), _) => out.push(Outcome::Announced(a)),
                (None, Some((call, reason))) => out.push(Outcome::Rejected {
                    field,
                    call: text[call.start..call.end].to_string(),
                    reason,
                }),
                (None, None) => {}
            }
        }
        out
    }

    fn judge(&self, cx: &FieldContext, call: &CueHit) -> Result<Announcement, Reason> {
        let tokens = cx.tokens;
        let (first, end) = tokens.range_of(call.start, call.end);
        if first >= tokens.tokens.len() {
            return Err(Reason::NoTimeOrPlace);
        }
        let sentence = tokens.tokens[first].sentence;
        let distance = |a: usize, b: usize| {
            let penalty = if tokens.tokens[a.min(tokens.tokens.len() - 1)].sentence == sentence {
                0
            } else {
                1000
            };
            penalty
                + if a >= end {
                    a - end
                } else {
                    first.saturating_sub(b)
                }
        };
        let time = cx
            .times
            .iter()
            .filter(|t| {
                t.day.is_some() || t.starts_at.is_some() || t.past || t.shape.0 == "weekend"
            })
            .min_by_key(|t| distance(t.first, t.last));
        let square = cx
            .squares
            .iter()
            .map(|s| {
                let (a, b) = tokens.range_of(s.start, s.end);
                (s, distance(a, b))
            })
            .min_by_key(|(_, d)| *d)
            .map(|(s, _)| *s);
        let place = cx
            .places
            .iter()
            .map(|p| {
                let (a, b) = tokens.range_of(p.start, p.end);
                (p, distance(a, b))
            })
            .min_by_key(|(_, d)| *d)
            .map(|(p, _)| *p);
        let weak = call.cue == Cue::WeakCall;
        if weak && !(time.is_some() && (square.is_some() || cx.any_place)) {
            return Err(Reason::WeakCall);
        }
        if time.is_none() && square.is_none() {
            return Err(Reason::NoTimeOrPlace);
        }
        if time.is_some_and(|t| t.past) || cx.facts.past_tense(tokens, first) {
            return Err(Reason::Past);
        }
        if tokens.sentences[sentence as usize].question {
            return Err(Reason::Question);
        }
        if cx.facts.hypothetical(tokens, first) {
            return Err(Reason::Hypothetical);
        }
        if rules::negated(tokens, first, end) {
            return Err(Reason::Negated);
        }
        if cx.warning {
            return Err(Reason::Warning);
        }
        if cx.online && square.is_none() && !cx.any_place {
            return Err(Reason::OnlineOnly);
        }
        if cx
            .fixture
            .iter()
            .any(|&at| !rules::after_fixture(tokens, at))
        {
            return Err(Reason::Fixture);
        }
        Ok(self.announcement(cx, call, time, square, place))
    }

    fn announcement(
        &self,
        cx: &FieldContext,
        call: &CueHit,
        time: Option<&TimeExpr>,
        square: Option<&CueHit>,
        place: Option<&Place>,
    ) -> Announcement {
        let text = cx.text;
        let call_term = self.cues.term(call.term);
        let square_span = square.map(|s| with_article(text, s.start, s.end));
        let mut start = call.start;
        let mut end = call.end;
        for (a, b) in time
            .map(|t| (t.start, t.end))
            .into_iter()
            .chain(square_span)
        {
            start = start.min(a);
            end = end.max(b);
        }
        let municipality_code = place
            .map(|p| p.municipality_code.clone())
            .or_else(|| cx.municipalities.first().cloned());
        let mut rule = format!(
            "call {:?} ({}: {})",
            &text[call.start..call.end],
            call.cue.category(),
            websense_lexicon::render_glob(&call_term.text, call_term.kind)
        );
        if let Some(t) = time {
            rule += &format!(" + time {:?} ({})", &text[t.start..t.end], t.shape_text());
        }
        if let (Some(s), Some((a, b))) = (square, square_span) {
            let term = self.cues.term(s.term);
            let glob = websense_lexicon::render_glob(&term.text, term.kind);
            rule += &format!(" + place {:?} (plek: {glob})", &text[a..b]);
        }
        match (place, &municipality_code) {
            (Some(p), Some(code)) => {
                rule += &format!(
                    " + municipality {code} ({:?} as {:?})",
                    p.municipality, p.text
                )
            }
            (None, Some(code)) => rule += &format!(" + municipality {code} (the item's)"),
            _ => {}
        }
        Announcement {
            starts_at: time.and_then(|t| t.starts_at),
            municipality_code,
            place: square_span.map(|(a, b)| text[a..b].to_string()),
            call: text[call.start..call.end].to_string(),
            start,
            end,
            field: cx.field,
            rule,
        }
    }
}

/// What the rules read of one field.
struct FieldContext<'a> {
    text: &'a str,
    field: Field,
    tokens: &'a Tokens<'a>,
    /// What each sentence's words say (past, future, hypothetical).
    facts: rules::Facts,
    times: &'a [TimeExpr],
    /// Squares, streets and landmarks (`plek` hits).
    squares: Vec<&'a CueHit>,
    /// The gazetteer's places in this field.
    places: Vec<&'a Place>,
    /// The item names a place in some field.
    any_place: bool,
    municipalities: &'a [String],
    warning: bool,
    online: bool,
    /// Tokens of the fixture words in this field.
    fixture: Vec<usize>,
}

/// `start..end` widened to an article written right before it (`het Malieveld`, `de Dam`).
fn with_article(text: &str, start: usize, end: usize) -> (usize, usize) {
    let before = &text[..start];
    for article in ["het ", "de ", "the ", "Het ", "De ", "The "] {
        if let Some(rest) = before.strip_suffix(article) {
            if rest.is_empty() || rest.ends_with(|c: char| !c.is_alphanumeric()) {
                return (start - article.len(), end);
            }
        }
    }
    (start, end)
}

/// Bytes read on each side of a call: about twenty words.
const WINDOW: usize = 160;

/// The stretches of `text` around its calls (merged where they meet), widened to whole
/// words.
fn windows_around(text: &str, cues: &[CueHit]) -> Vec<std::ops::Range<usize>> {
    let mut out: Vec<std::ops::Range<usize>> = Vec::new();
    for call in cues.iter().filter(|c| c.cue.is_call()) {
        let mut start = call.start.saturating_sub(WINDOW);
        while !text.is_char_boundary(start) {
            start -= 1;
        }
        // back to the start of a word, so no word is cut
        while start > 0 && !text[..start].ends_with(char::is_whitespace) {
            start = text[..start]
                .char_indices()
                .next_back()
                .map_or(0, |(k, _)| k);
            if call.start - start > 2 * WINDOW {
                break;
            }
        }
        let mut end = (call.end + WINDOW).min(text.len());
        while !text.is_char_boundary(end) {
            end += 1;
        }
        while end < text.len() && !text[end..].starts_with(char::is_whitespace) {
            end += text[end..].chars().next().map_or(1, char::len_utf8);
            if end - call.end > 2 * WINDOW {
                break;
            }
        }
        match out.last_mut() {
            Some(last) if start <= last.end => last.end = last.end.max(end),
            _ => out.push(start..end),
        }
    }
    out
}
