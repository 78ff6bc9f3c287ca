//! The generated test data: scored items with known hits, from a seed (the one generator,
//! `websense_model::rng`).

use chrono::{DateTime, Duration, TimeZone, Utc};
use websense_model::rng::Rng;
use websense_model::{
    Author, CategoryScore, ContextTag, Field, Hit, Item, ItemId, Language, MatchMethod, Place,
    PlaceBasis, PlaceKind, Pseudonym, ScoredItem, SourceId, SourceKind, SourceRef, TermKind,
};

pub const LEXICON: &[(&str, &[&str])] = &[
    (
        "anti_overheid",
        &["volksverrader", "dictatuur", "nepparlement", "landverraad"],
    ),
    ("complot", &["plandemie", "great reset", "gif"]),
    ("polarisatie", &["zij tegen wij", "haatzaaien", "gif"]),
];

/// (source id, tags): one source repeats a tag, one has none.
pub const SOURCES: &[(&str, &[&str])] = &[
    ("nos", &["nieuws", "landelijk"]),
    ("nu", &["nieuws"]),
    ("mastodon-nl", &["social"]),
    ("reddit-nl", &["social", "forum", "social"]),
    ("blog-x", &[]),
];

pub const LANGUAGES: &[Option<&str>] = &[Some("nld"), Some("nld"), Some("eng"), None];

/// Event times spread over five days around a month boundary (30 Jan - 4 Feb 2024).
pub fn base_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 30, 0, 0, 0).unwrap()
}

fn ms(t: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(t).unwrap()
}

/// The municipalities items are attributed to: (code, name, a place in it).
pub const MUNICIPALITIES: &[(&str, &str, &str)] = &[
    ("GM0479", "Zaanstad", "Zaandam"),
    ("GM0363", "Amsterdam", "Weesp"),
    ("GM0453", "Velsen", "IJmuiden"),
    ("GM0394", "Haarlemmermeer", "Hoofddorp"),
];

/// `n` scored items with ids `item-{seed}-{i}`, known hits and scores, and random sets of
/// municipalities (none for about half). Times have millisecond precision (what the stores
/// keep).
pub fn generate(seed: u64, n: usize) -> Vec<ScoredItem> {
    let mut rng = Rng::new(seed);
    // Its own generator, so the rest of each item is drawn as before municipalities came.
    let mut places = Rng::new(seed ^ 0x6d75_6e69);
    (0..n)
        .map(|i| {
            let mut s = generate_one(&mut rng, &format!("item-{seed}-{i}"), "lex-1");
            with_municipalities(&mut places, &mut s);
            s
        })
        .collect()
}

/// Give an item 0 to 3 of [`MUNICIPALITIES`] (in random order), each named by a place.
pub fn with_municipalities(rng: &mut Rng, s: &mut ScoredItem) {
    s.places.clear();
    s.municipalities.clear();
    let n = match rng.below(10) {
        0..=4 => 0,
        5..=7 => 1,
        8 => 2,
        _ => 3,
    };
    while s.municipalities.len() < n {
        let (code, name, place) = rng.pick(MUNICIPALITIES);
        if s.municipalities.iter().any(|c| c == code) {
            continue;
        }
        s.municipalities.push(code.to_string());
        let start = s.item.text.len();
        s.item.text.push_str(&format!(" in {place}"));
        s.places.push(Place {
            text: place.to_string(),
            start: start + 4,
            end: start + 4 + place.len(),
            field: Field::Text,
            municipality_code: code.to_string(),
            municipality: name.to_string(),
            province: "Noord-Holland".into(),
            kind: if place == name {
                PlaceKind::Municipality
            } else {
                PlaceKind::Place
            },
            basis: PlaceBasis::Preposition,
        });
    }
}

fn generate_one(rng: &mut Rng, id: &str, lexicon_version: &str) -> ScoredItem {
    let (source, tags) = rng.pick(SOURCES);
    let kind = rng.pick(&[
        SourceKind::Feed,
        SourceKind::Mastodon,
        SourceKind::Reddit,
        SourceKind::JsonApi,
    ]);
    let event = base_time().timestamp_millis() + rng.below(5 * 86_400_000) as i64;
    let (published_at, fetched_at) = if rng.chance(0.80) {
        (Some(ms(event)), ms(event + rng.below(3_600_000) as i64))
    } else {
        (None, ms(event))
    };
    let language = rng.pick(LANGUAGES).map(|code| Language {
        code: code.to_string(),
        confidence: (rng.below(1000) as f64) / 1000.0,
        reliable: rng.chance(0.50),
    });
    let text = format!("bericht {id} met wat woorden {}", rng.next_u64());
    let item = Item {
        id: ItemId(id.to_string()),
        source: SourceRef {
            id: SourceId::new(source),
            kind,
            tags: tags.iter().map(|t| t.to_string()).collect(),
        },
        url: rng
            .chance(0.80)
            .then(|| format!("https://example.org/{source}/{id}")),
        author: rng.chance(0.70).then(|| Author {
            pseudonym: Pseudonym(format!("p_{:020x}", rng.next_u64() >> 4)),
            handle: rng.chance(0.20).then(|| format!("@user{}", rng.below(50))),
        }),
        published_at,
        fetched_at,
        language,
        title: rng.chance(0.50).then(|| format!("Kop van {id}")),
        text,
        links: if rng.chance(0.30) {
            vec![format!("https://example.net/{}", rng.below(9))]
        } else {
            vec![]
        },
        raw: if rng.chance(0.30) {
            serde_json::json!({"likes": rng.below(100), "lang": "nl", "nested": {"a": [1, 2]}})
        } else {
            serde_json::Value::Null
        },
    };

    let mut matches = Vec::new();
    for _ in 0..rng.below(5) {
        let (category, terms) = rng.pick(LEXICON);
        let term = rng.pick(terms);
        let start = rng.below(200);
        matches.push(Hit {
            term: term.to_string(),
            category: category.to_string(),
            kind: rng.pick(&[TermKind::Word, TermKind::Prefix, TermKind::Phrase]),
            weight: rng.pick(&[0.5, 1.0, 1.5]),
            field: if rng.chance(0.10) {
                Field::Title
            } else {
                Field::Text
            },
            start,
            end: start + term.len(),
            method: rng.pick(&[
                MatchMethod::Exact,
                MatchMethod::Exact,
                MatchMethod::Folded,
                MatchMethod::Joined,
                MatchMethod::Squeezed,
                MatchMethod::Fuzzy,
            ]),
            context: match rng.below(4) {
                0 => vec![ContextTag::Negated],
                1 => vec![ContextTag::Quoted, ContextTag::CounterSpeech],
                _ => Vec::new(),
            },
        });
    }
    let mut scores = Vec::new();
    for (category, _) in LEXICON {
        let hits: Vec<&Hit> = matches.iter().filter(|h| h.category == *category).collect();
        if !hits.is_empty() {
            // A factor that makes scores non-round, so the millionths precision is exercised.
            let score = hits.iter().map(|h| h.weight).sum::<f64>() * 0.3700001;
            scores.push(CategoryScore {
                category: category.to_string(),
                score,
                hits: hits.len() as u32,
                flagged: score >= 0.9,
            });
        } else if rng.chance(0.08) {
            // Scored but not hit: counts nowhere.
            scores.push(CategoryScore {
                category: category.to_string(),
                score: 0.0,
                hits: 0,
                flagged: false,
            });
        } else if rng.chance(0.03) {
            // Flagged without counted hits (e.g. by a rule): counts as flagged only.
            scores.push(CategoryScore {
                category: category.to_string(),
                score: 2.0,
                hits: 0,
                flagged: true,
            });
        }
    }
    ScoredItem {
        item,
        lexicon_version: lexicon_version.to_string(),
        matches,
        scores,
        places: Vec::new(),
        municipalities: Vec::new(),
        announcements: Vec::new(),
    }
}

/// Another version of an item: same id, other text, time, hits and lexicon version, as a
/// re-fetch after an edit would give. Stores must keep the first version.
pub fn changed_version(original: &ScoredItem, seed: u64) -> ScoredItem {
    let mut rng = Rng::new(seed);
    let mut changed = generate_one(&mut rng, original.item.id.as_str(), "lex-2");
    changed.item.published_at = None;
    changed.item.fetched_at = original.item.fetched_at + Duration::days(1);
    changed
}
