//! The demo's history: weeks of generated posts before today, so that the Room has trends,
//! baselines and a spike to show on a fresh machine. Every generated post is a copy of one
//! of the demo's sample posts (`[demo] history_posts`), from the source `demo-geschiedenis`,
//! scored by the real matcher and written through the real store.
//!
//! The volume follows a day rhythm (quiet nights, busy evenings); in the last three hours
//! the posts of one category triple, which the spike detector should find.
//!
//! Every post is about one of five municipalities of Noord-Holland ([`MUNICIPALITIES`]: its
//! source tag `gemeente:GMxxxx` says which, as a town's own feed would), in fixed shares;
//! the rising theme's extra posts are all about Zaanstad ([`RISING_MUNICIPALITY`]), so the
//! Room's map shows five municipalities with posts, one of them rising. Generation is
//! deterministic per hour (the hour seeds the generator and the ids), so running the demo
//! again writes the same posts for the same hours, which the store ignores as duplicates,
//! and only adds the hours since.

use chrono::{DateTime, Duration, Timelike, Utc};
use std::path::Path;
use websense_matcher::Matcher;
use websense_model::place::MUNICIPALITY_TAG_PREFIX;
use websense_model::rng::Rng;
use websense_model::{Item, ItemId, ScoredItem, SourceId, SourceKind, SourceRef};
use websense_store::{Store, StoreError};

/// The generated posts' source.
pub const HISTORY_SOURCE: &str = "demo-geschiedenis";

/// The municipalities the generated posts are about, with their shares (out of 20): Amsterdam,
/// Haarlem, Zaanstad, Alkmaar, Velsen.
pub const MUNICIPALITIES: [(&str, usize); 5] = [
    ("GM0363", 8),
    ("GM0392", 4),
    ("GM0479", 3),
    ("GM0361", 3),
    ("GM0453", 2),
];

/// The municipality the rising theme's extra posts are about: Zaanstad.
pub const RISING_MUNICIPALITY: &str = "GM0479";

/// A municipality by the shares of [`MUNICIPALITIES`].
fn pick_municipality(rng: &mut Rng) -> &'static str {
    let mut roll = rng.below(20);
    for (code, share) in MUNICIPALITIES {
        if roll < share {
            return code;
        }
        roll -= share;
    }
    MUNICIPALITIES[0].0
}

/// Posts per hour at `hour` of the day (UTC): quiet nights, busy evenings.
fn hourly_rate(hour: u32) -> u64 {
    match hour {
        0..=5 => 2,
        6..=11 => 5,
        12..=16 => 7,
        _ => 9,
    }
}

/// What [`seed_history`] wrote.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Seeded {
    pub generated: u64,
    pub stored: u64,
    /// The category whose posts triple in the last three hours.
    pub spike_category: Option<String>,
}

/// Read the sample posts a history is made of (JSON Lines items).
pub fn read_templates(path: &Path) -> Result<Vec<Item>, String> {
    let file = std::fs::File::open(path)
        .map_err(|e| format!("[demo] history_posts {}: {e}", path.display()))?;
    let mut items = Vec::new();
    for line in websense_model::read_jsonl::<Item, _>(std::io::BufReader::new(file)) {
        match line {
            Ok((_, item)) => items.push(item),
            Err(e) => return Err(format!("[demo] history_posts {}: {e}", path.display())),
        }
    }
    if items.is_empty() {
        return Err(format!(
            "[demo] history_posts {} holds no posts",
            path.display()
        ));
    }
    Ok(items)
}

/// Generate `days` of history up to `now` from `templates` and store it.
pub async fn seed_history(
    store: &dyn Store,
    matcher: &Matcher,
    templates: &[Item],
    days: u32,
    now: DateTime<Utc>,
) -> Result<Seeded, StoreError> {
    let source = SourceRef {
        id: SourceId::new(HISTORY_SOURCE),
        kind: SourceKind::File,
        tags: vec!["type:demo-geschiedenis".into()],
    };
    // The spike's category: the one most sample posts are flagged for.
    let scored: Vec<ScoredItem> = templates.iter().map(|t| matcher.score(t)).collect();
    let mut flagged_by: std::collections::BTreeMap<&str, Vec<usize>> = Default::default();
    for (i, s) in scored.iter().enumerate() {
        for c in s.flagged() {
            flagged_by.entry(c).or_default().push(i);
        }
    }
    let spike = flagged_by
        .iter()
        .max_by_key(|(name, posts)| (posts.len(), std::cmp::Reverse(*name)))
        .map(|(name, posts)| (name.to_string(), posts.clone()));
    let neutral: Vec<usize> = (0..templates.len())
        .filter(|i| scored[*i].scores.iter().all(|s| !s.flagged))
        .collect();
    let first = (now - Duration::days(i64::from(days)))
        .with_minute(0)
        .and_then(|t| t.with_second(0))
        .and_then(|t| t.with_nanosecond(0))
        .unwrap_or(now);
    let mut seeded = Seeded {
        spike_category: spike.as_ref().map(|s| s.0.clone()),
        ..Default::default()
    };
    let mut batch = Vec::new();
    let mut hour = first;
    while hour < now {
        let mut rng = Rng::new(hour.timestamp() as u64);
        let mut picks: Vec<usize> = (0..hourly_rate(hour.hour()) + rng.below(3) as u64)
            .map(|_| {
                // Mostly neutral posts, as in real feeds; a flagged one now and then.
                if !neutral.is_empty() && rng.below(10) < 7 {
                    neutral[rng.below(neutral.len())]
                } else {
                    rng.below(templates.len())
                }
            })
            .collect();
        let usual = picks.len();
        if let Some((_, posts)) = &spike {
            if now - hour <= Duration::hours(3) {
                picks.extend((0..15).map(|_| posts[rng.below(posts.len())]));
            }
        }
        for (k, template) in picks.into_iter().enumerate() {
            let municipality = if k < usual {
                pick_municipality(&mut rng)
            } else {
                RISING_MUNICIPALITY
            };
            let minute = rng.below(60) as i64;
            let at = hour + Duration::minutes(minute);
            if at >= now {
                continue;
            }
            let t = &templates[template];
            let mut source = source.clone();
            source
                .tags
                .push(format!("{MUNICIPALITY_TAG_PREFIX}{municipality}"));
            let mut item = Item::new(
                ItemId::derive(&source.id, &format!("{}-{k}", hour.timestamp())),
                source,
                t.text.clone(),
            );
            item.title = t.title.clone();
            item.published_at = Some(at);
            item.fetched_at = at;
            item.language = t.language.clone();
            item.detect_language();
            let mut scored = matcher.score_item(item);
            // A matcher with places attributes the post from its source tag itself; one
            // without (a test's) still gets the demo's local picture.
            if !scored.municipalities.iter().any(|m| m == municipality) {
                scored.municipalities.insert(0, municipality.to_string());
            }
            batch.push(scored);
        }
        if batch.len() >= 1000 {
            seeded.generated += batch.len() as u64;
            seeded.stored += store.write(std::mem::take(&mut batch)).await?.written as u64;
        }
        hour += Duration::hours(1);
    }
    if !batch.is_empty() {
        seeded.generated += batch.len() as u64;
        seeded.stored += store.write(batch).await?.written as u64;
    }
    Ok(seeded)
}
