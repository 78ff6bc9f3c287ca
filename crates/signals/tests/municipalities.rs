//! Where a signal happens: a flagged post's candidate names the municipalities the post is
//! attributed to, in the JSON that exports and webhooks send and in the CSV export.

use chrono::{TimeZone, Utc};
use websense_model::{
    CategoryScore, Field, Item, ItemId, Place, PlaceBasis, PlaceKind, SourceId, SourceKind,
    SourceRef,
};
use websense_signals::*;
use websense_store::StoredItem;

fn flagged(id: &str) -> StoredItem {
    let mut item = Item::new(
        ItemId(id.into()),
        SourceRef {
            id: SourceId::new("lokaal"),
            kind: SourceKind::Feed,
            tags: vec!["gemeente:GM0453".into()],
        },
        "In Zaandam: volksverraders!",
    );
    item.published_at = Some(Utc.with_ymd_and_hms(2024, 5, 1, 9, 0, 0).unwrap());
    StoredItem {
        item,
        lexicon_version: "lx-1".into(),
        matches: Vec::new(),
        scores: vec![CategoryScore {
            category: "anti_overheid".into(),
            score: 6.0,
            hits: 2,
            flagged: true,
        }],
        text_purged: false,
        places: Vec::new(),
        municipalities: Vec::new(),
    }
}

#[test]
fn a_flagged_items_candidate_says_which_municipalities_it_is_about() {
    let now = Utc.with_ymd_and_hms(2024, 5, 1, 10, 0, 0).unwrap();
    let mut item = flagged("m");
    // Zaandam named in the text; Velsen only by the source's configuration (no place).
    item.municipalities = vec!["GM0479".into(), "GM0453".into()];
    item.places = vec![Place {
        text: "Zaandam".into(),
        start: 3,
        end: 10,
        field: Field::Text,
        municipality_code: "GM0479".into(),
        municipality: "Zaanstad".into(),
        province: "Noord-Holland".into(),
        kind: PlaceKind::Place,
        basis: PlaceBasis::Preposition,
    }];
    let s = candidate_from_item(&item, &CandidateRules::default(), now).unwrap();
    let named = |code: &str, name: &str| NamedMunicipality {
        code: code.into(),
        name: name.into(),
    };
    assert_eq!(
        s.explanation.municipalities,
        [named("GM0479", "Zaanstad"), named("GM0453", "GM0453")]
    );
    let json: serde_json::Value =
        serde_json::from_str(&signals_json(std::slice::from_ref(&s))).unwrap();
    assert_eq!(
        json[0]["explanation"]["municipalities"][0],
        serde_json::json!({"code": "GM0479", "name": "Zaanstad"})
    );
    assert!(signals_csv(&[s]).contains(",GM0479 Zaanstad; GM0453 GM0453,"));
    // A post about no municipality says nothing of them.
    let none = candidate_from_item(&flagged("n"), &CandidateRules::default(), now);
    assert!(!serde_json::to_string(&none)
        .unwrap()
        .contains("municipalities"));
}
