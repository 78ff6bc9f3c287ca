//! The scan over the embedded SQLite store: generated scored items with a known spike are
//! written to a temporary database, and the scan must find the spike, the items and terms
//! behind it, and the new word in them.

use chrono::{DateTime, Duration, TimeZone, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Poisson};
use websense_model::{
    Author, CategoryScore, Hit, Item, ItemId, Language, Pseudonym, ScoredItem, SourceId,
    SourceKind, SourceRef, TermKind,
};
use websense_room::spike_scan::*;
use websense_store::{Filter, SqliteStore, Store, Subject};
use websense_trends::*;

const CATEGORY: &str = "anti_overheid";
const TERMS: &[&str] = &["dictatuur", "nepparlement", "landverraad"];
const WORDS: &[&str] = &[
    "gemeente",
    "raad",
    "plan",
    "wijk",
    "bewoners",
    "vandaag",
    "besluit",
    "kosten",
    "straat",
    "school",
    "verkeer",
    "markt",
    "budget",
    "wethouder",
    "nieuws",
    "zorg",
    "fiets",
    "buurt",
];
/// Sources and their tags: the spike comes from the social one.
const SOCIAL: (&str, &str) = ("mastodon-nl", "social");
const NEWS: (&str, &str) = ("nos", "nieuws");

/// Monday 4 March 2024, 12:00 UTC: the end of the scan.
fn until() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 3, 4, 12, 0, 0).unwrap()
}

struct Maker {
    rng: StdRng,
    items: Vec<ScoredItem>,
}

impl Maker {
    fn words(&mut self, n: usize) -> Vec<String> {
        (0..n)
            .map(|_| WORDS[self.rng.random_range(0..WORDS.len())].to_string())
            .collect()
    }

    /// One item at `at` with `terms` matched (weight 2 each), written in its text.
    fn item(
        &mut self,
        id: String,
        at: DateTime<Utc>,
        source: (&str, &str),
        author: String,
        mut words: Vec<String>,
        terms: &[&str],
    ) {
        words.extend(terms.iter().map(|t| t.to_string()));
        let text = words.join(" ");
        let mut matches = Vec::new();
        let mut from = 0;
        for term in terms {
            let start = from + text[from..].find(term).expect("term is in the text");
            from = start + term.len();
            matches.push(Hit {
                term: term.to_string(),
                category: CATEGORY.to_string(),
                kind: TermKind::Word,
                weight: 2.0,
                field: websense_model::Field::Text,
                start,
                end: from,
                method: Default::default(),
                context: Vec::new(),
            });
        }
        let score = 2.0 * terms.len() as f64;
        let scores = if terms.is_empty() {
            Vec::new()
        } else {
            vec![CategoryScore {
                category: CATEGORY.to_string(),
                score,
                hits: terms.len() as u32,
                flagged: score >= 4.0,
            }]
        };
        let mut item = Item::new(
            ItemId(id),
            SourceRef {
                id: SourceId::new(source.0),
                kind: SourceKind::Mastodon,
                tags: vec![source.1.to_string()],
            },
            text,
        );
        item.published_at = Some(at);
        item.fetched_at = at;
        item.author = Some(Author {
            pseudonym: Pseudonym(author),
            handle: None,
        });
        item.language = Some(Language {
            code: "nld".into(),
            confidence: 0.9,
            reliable: true,
        });
        self.items.push(ScoredItem {
            item,
            lexicon_version: "lx-test".into(),
            matches,
            scores,
            places: Vec::new(),
            municipalities: Vec::new(),
            announcements: Vec::new(),
        });
    }
}

/// Five weeks of items before `until()`: per hour about 12 with a hit in the category (with
/// a daily cycle) and 5 without, from both sources; a flagged tenth. In the last three
/// hours, 40 extra items an hour from the social source, each naming `nepparlement` twice
/// and a word no lexicon holds, `slijkvreters`, from 20 authors.
fn items() -> Vec<ScoredItem> {
    let mut m = Maker {
        rng: StdRng::seed_from_u64(42),
        items: Vec::new(),
    };
    let start = until() - Duration::weeks(5);
    let hours = 5 * 168;
    for h in 0..hours {
        let hour = start + Duration::hours(h);
        let daily = 1.0 + 0.5 * (2.0 * std::f64::consts::PI * (h % 24) as f64 / 24.0).cos();
        let n = Poisson::new(12.0 * daily).unwrap().sample(&mut m.rng) as usize;
        for i in 0..n + 5 {
            let at = hour + Duration::seconds(m.rng.random_range(0..3600));
            let source = if m.rng.random_bool(0.5) { SOCIAL } else { NEWS };
            let author = format!("p_{:020}", m.rng.random_range(0..400));
            let words = m.words(10);
            let terms: Vec<&str> = if i >= n {
                vec![]
            } else if m.rng.random_bool(0.1) {
                vec![
                    TERMS[m.rng.random_range(0..3)],
                    TERMS[m.rng.random_range(0..3)],
                ]
            } else {
                vec![TERMS[m.rng.random_range(0..3)]]
            };
            m.item(format!("item-{h}-{i}"), at, source, author, words, &terms);
        }
        if h >= hours - 3 {
            for i in 0..40 {
                let at = hour + Duration::seconds(m.rng.random_range(0..3600));
                let mut words = m.words(6);
                words.insert(3, "slijkvreters".into());
                m.item(
                    format!("spike-{h}-{i}"),
                    at,
                    SOCIAL,
                    format!("p_spike{:02}", i % 20),
                    words,
                    &["nepparlement", "nepparlement"],
                );
            }
        }
    }
    m.items
}

#[tokio::test]
async fn the_scan_finds_the_spike_what_is_behind_it_and_the_new_word() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("ws.db")).await.unwrap();
    store.migrate().await.unwrap();
    let items = items();
    for batch in items.chunks(2000) {
        store.write(batch.to_vec()).await.unwrap();
    }
    let config = TrendsConfig {
        categories: vec![CATEGORY.to_string()],
        tags: vec!["social".into(), "nieuws".into()],
        languages: vec!["nld".into()],
        ..TrendsConfig::default()
    };
    let known = KnownTerms::from_terms(TERMS.iter().map(|t| (t.to_string(), TermKind::Word)));
    let report = scan(&store, &config, &known, until()).await.unwrap();
    for s in &report.spikes {
        println!(
            "{:?} {:?} {} .. {} ({:?}) observed {} expected {:.1} score {:.1} {:?}",
            s.subject,
            s.filter,
            s.detection.start,
            s.detection.end,
            s.detection.state,
            s.detection.observed,
            s.detection.expected,
            s.detection.score,
            s.detection
                .windows
                .iter()
                .map(|w| w.window)
                .collect::<Vec<_>>()
        );
    }

    let category = Subject::Category(CATEGORY.into());
    let term = Subject::Term {
        category: CATEGORY.into(),
        term: "nepparlement".into(),
    };
    let spike_start = until() - Duration::hours(3);
    let find = |subject: &Subject, filter: &Filter| {
        report
            .spikes
            .iter()
            .find(|s| &s.subject == subject && &s.filter == filter)
    };
    let all = Filter::default();
    let social = Filter {
        tag: Some("social".into()),
        ..Filter::default()
    };
    let news = Filter {
        tag: Some("nieuws".into()),
        ..Filter::default()
    };
    let dutch = Filter {
        language: Some("nld".into()),
        ..Filter::default()
    };

    let spike = find(&category, &all).expect("the category spike");
    let d = &spike.detection;
    assert_eq!(
        (d.start, d.end, d.detected_at),
        (spike_start, until(), spike_start)
    );
    assert_eq!(d.state, SpikeState::Ongoing);
    assert!(d.fired(Window::Short));
    assert!(d.ratio > 2.5, "{}", d.ratio);
    assert_eq!(spike.top_items.len(), config.top_items);
    for item in &spike.top_items {
        assert!(item.id.0.starts_with("spike-"), "{:?}", item.id);
        assert_eq!(
            (item.weight, item.flagged.as_slice()),
            (4.0, [CATEGORY.to_string()].as_slice())
        );
    }
    assert_eq!(spike.top_terms[0].term, "nepparlement");
    assert!(spike.top_terms[0].items >= 120, "{:?}", spike.top_terms[0]);

    let term_spike = find(&term, &all).expect("the term spike");
    assert_eq!(term_spike.detection.start, spike_start);
    assert!(term_spike
        .top_items
        .iter()
        .all(|i| i.id.0.starts_with("spike-")));
    assert!(find(&category, &social).is_some() && find(&category, &dutch).is_some());
    assert!(
        find(&category, &news).is_none(),
        "the spike came from the social source only"
    );
    for steady in ["dictatuur", "landverraad"] {
        let subject = Subject::Term {
            category: CATEGORY.into(),
            term: steady.into(),
        };
        assert!(find(&subject, &all).is_none(), "{steady} did not spike");
    }

    let suggestion = report
        .suggestions
        .iter()
        .find(|s| s.term == "slijkvreters")
        .expect("new word");
    assert_eq!((suggestion.items, suggestion.authors), (120, 20));
    assert_eq!(suggestion.categories, vec![(CATEGORY.to_string(), 120)]);
    assert!(suggestion
        .examples
        .iter()
        .all(|id| id.0.starts_with("spike-")));
    assert!(
        !report
            .suggestions
            .iter()
            .any(|s| s.term.contains("nepparlement")),
        "known"
    );
    assert!(
        report.background_items > 1000,
        "{}",
        report.background_items
    );
    // What the Room API sends: JSON that reads back the same (to the last bit of every
    // float, with serde_json's `float_roundtrip`).
    let json = serde_json::to_string(&report).unwrap();
    assert_eq!(serde_json::from_str::<ScanReport>(&json).unwrap(), report);
    println!(
        "suggestions: {:?}",
        report
            .suggestions
            .iter()
            .map(|s| &s.term)
            .collect::<Vec<_>>()
    );
}
