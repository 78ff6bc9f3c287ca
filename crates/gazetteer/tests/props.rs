//! No text makes attribution panic, and every span is a slice of the text on character
//! boundaries that reads as the place's `text`.

use std::sync::OnceLock;

use proptest::prelude::*;
use websense_gazetteer::{Context, Gazetteer};

fn gazetteer() -> &'static Gazetteer {
    static G: OnceLock<Gazetteer> = OnceLock::new();
    G.get_or_init(Gazetteer::shipped)
}

/// Pieces that reach the rules: names, particles, titles, prepositions, hashtags, sentence
/// ends, case, emoji, combining marks, expanding characters.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("Zaandam".to_string()),
        Just("Den Haag".to_string()),
        Just("#denhaag".to_string()),
        Just("Best".to_string()),
        Just("best".to_string()),
        Just("BEST".to_string()),
        Just("Bergen".to_string()),
        Just("Van".to_string()),
        Just("van der".to_string()),
        Just("de heer".to_string()),
        Just("in".to_string()),
        Just("Noord-Holland".to_string()),
        Just("'s-Hertogenbosch".to_string()),
        Just("A'dam".to_string()),
        Just("#".to_string()),
        Just(". ".to_string()),
        Just("\n".to_string()),
        Just(" ".to_string()),
        Just("🔥".to_string()),
        Just("e\u{301}".to_string()),
        Just("ß".to_string()),
        Just("ﬁ".to_string()),
        Just("\u{AD}".to_string()),
        any::<String>(),
    ]
}

fn check(text: &str, context: &Context) -> Result<(), TestCaseError> {
    let found = gazetteer().attribute(text, context);
    for p in &found.places {
        prop_assert!(p.start < p.end && p.end <= text.len(), "{p:?}");
        prop_assert!(text.is_char_boundary(p.start) && text.is_char_boundary(p.end));
        prop_assert_eq!(&text[p.start..p.end], p.text.as_str());
        prop_assert!(gazetteer().municipality(&p.municipality_code).is_some());
    }
    for p in &found.provinces {
        prop_assert!(text.is_char_boundary(p.start) && text.is_char_boundary(p.end));
        prop_assert_eq!(&text[p.start..p.end], p.text.as_str());
    }
    let codes = found.municipalities();
    let mut distinct = codes.clone();
    distinct.sort();
    distinct.dedup();
    prop_assert_eq!(codes.len(), distinct.len());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_strings_never_panic(text in any::<String>()) {
        check(&text, &Context::default())?;
    }

    #[test]
    fn post_like_strings_never_panic(pieces in prop::collection::vec(piece(), 0..24), with_context in any::<bool>()) {
        let text: String = pieces.concat();
        let context = if with_context {
            Context {
                municipality: Some("GM0373".to_string()),
                region_municipalities: vec!["GM0893".to_string(), "nonsense".to_string()],
                region_provinces: vec!["Friesland".to_string(), "".to_string()],
            }
        } else {
            Context::default()
        };
        check(&text, &context)?;
    }
}
