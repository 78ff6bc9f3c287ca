//! Announcements beside hits: the announcement lexicon's words (`websense-announce` owns
//! them and the rules) are patterns of the matcher's automaton, found in the same walk of
//! the same normal form as the terms. After the walk, only an item whose fields hold a
//! pattern that can be a call has its patterns resolved (boundaries, exclusions, original
//! spans); the time and place reading happens when the item is scored, and only for an item
//! with a call left.

use crate::findings::FindingsRef;
use crate::scan::Scratch;
use websense_announce::Announcer;
use websense_model::Field;

/// The cues of each item of the group the scratch has just walked, into `findings`.
pub(crate) fn cues_of_group(
    announcer: &Announcer,
    scan: &Scratch,
    items: &[(Option<&str>, &str)],
    findings: &mut [FindingsRef],
) {
    if scan.cue_patterns.is_empty() {
        return;
    }
    let cues = announcer.cues();
    let mut with_calls: Vec<u32> = Vec::new();
    for &(slot, .., pattern) in &scan.cue_patterns {
        let item = scan.item_of(slot);
        if cues.may_call(pattern) && !with_calls.contains(&item) {
            with_calls.push(item);
        }
    }
    let mut raw = Vec::new();
    let mut hits = Vec::new();
    for item in with_calls {
        let (title, text) = items[item as usize];
        let out = &mut findings[item as usize].cues;
        for (slot, field, norm, map) in scan.fields_of(item) {
            raw.clear();
            raw.extend(
                scan.cue_patterns
                    .iter()
                    .filter(|c| c.0 == slot)
                    .map(|&(_, start, end, p)| (start, end, p)),
            );
            if raw.is_empty() {
                continue;
            }
            let original = match field {
                Field::Title => title.unwrap_or_default(),
                Field::Text => text,
            };
            hits.clear();
            cues.resolve(original, norm, map, &raw, &mut hits);
            out.extend(hits.iter().map(|h| (field, *h)));
        }
        if !out.iter().any(|(_, c)| c.cue.is_call()) {
            out.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{Matcher, MatcherOptions, Places};
    use chrono::{DateTime, Utc};
    use std::sync::Arc;
    use websense_announce::Announcer;
    use websense_gazetteer::Gazetteer;
    use websense_lexicon::LexiconSet;
    use websense_model::{Item, ItemId, SourceRef};

    fn item(text: &str) -> Item {
        let mut item = Item::new(ItemId("x".into()), SourceRef::unknown(), text);
        item.published_at = Some("2026-12-04T17:00:00Z".parse::<DateTime<Utc>>().unwrap());
        item
    }

    #[test]
    fn the_walk_finds_what_the_detector_finds_alone() {
        let set = LexiconSet::new(Vec::new(), Vec::new());
        let places = Places::new(Arc::new(Gazetteer::shipped()), &[]);
        let announcer = Arc::new(Announcer::shipped());
        let matcher = Matcher::with_extras(
            &set,
            MatcherOptions::default(),
            Some(places),
            Some(announcer.clone()),
        )
        .unwrap();
        let texts = [
            "Morgen 20:00 coolsingel, KOM ALLEMAAL 🔥 deel dit massaal",
            "18:00 Hobbemaplein ... deel dit massaal",
            "Gisteren om 20:00 verzamelden honderden mensen zich op de Dam",
            "Zaterdag 14.00u verzamelen bij het stadhuis in Zaandam!",
            "niets te zien hier, gewoon een zaterdag",
            "De politie waarschuwt: er circuleert een oproep om morgen 20:00 naar de Coolsingel te komen",
        ];
        let mut found = 0;
        for text in texts {
            let scored = matcher.score(&item(text));
            let alone = announcer.detect_item(&scored.item, &scored.places, &scored.municipalities);
            assert_eq!(scored.announcements, alone, "{text}");
            found += scored.announcements.len();
        }
        assert_eq!(found, 3);
        // without a detector, nothing
        let plain = Matcher::new(&set, MatcherOptions::default()).unwrap();
        assert!(plain.score(&item(texts[0])).announcements.is_empty());
    }

    #[test]
    fn an_announcement_carries_time_place_and_municipality() {
        let set = LexiconSet::new(Vec::new(), Vec::new());
        let places = Places::new(Arc::new(Gazetteer::shipped()), &[]);
        let matcher = Matcher::with_extras(
            &set,
            MatcherOptions::default(),
            Some(places),
            Some(Arc::new(Announcer::shipped())),
        )
        .unwrap();
        let text = "Zaterdag 14.00u verzamelen bij het stadhuis in Zaandam!";
        let scored = matcher.score(&item(text));
        let a = &scored.announcements[0];
        assert_eq!(
            a.starts_at.unwrap().to_rfc3339(),
            "2026-12-05T14:00:00+01:00"
        );
        assert_eq!(a.municipality_code.as_deref(), Some("GM0479"));
        assert_eq!(a.place.as_deref(), Some("het stadhuis"));
        assert_eq!(a.call, "verzamelen");
        assert_eq!(
            &text[a.start..a.end],
            "Zaterdag 14.00u verzamelen bij het stadhuis"
        );
        assert!(a.rule.contains("call \"verzamelen\""), "{}", a.rule);
    }
}
