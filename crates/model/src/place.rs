//! The places a post names and the Dutch municipalities they lie in: what the gazetteer
//! (`websense-gazetteer`) finds and every later stage carries, stores and filters on.

use crate::scored::Field;
use serde::{Deserialize, Serialize};

/// A place named in a post's title or text, attributed to its municipality.
///
/// `start..end` is a byte range in the *original* field text, like a [`crate::Hit`]'s, so
/// `&text[start..end]` is the name as written (`#Zaandam`, `A'dam`, `Den Bosch`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Place {
    /// The name as written.
    pub text: String,
    pub start: usize,
    pub end: usize,
    #[serde(default = "text_field", skip_serializing_if = "is_text")]
    pub field: Field,
    /// CBS code of the municipality, `GM0479`.
    pub municipality_code: String,
    /// Its official name, `Zaanstad`.
    pub municipality: String,
    pub province: String,
    /// What kind of name it is.
    pub kind: PlaceKind,
    /// What settled the attribution.
    pub basis: PlaceBasis,
}

/// What kind of name a place name is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlaceKind {
    /// The municipality's own name.
    Municipality,
    /// A variant, nickname or adjective (`Den Haag`, `Mokum`, `amsterdamse`).
    Variant,
    /// A former municipality, now part of its successor (`Weesp`).
    Former,
    /// A residential place or village (`Zaandam`).
    Place,
    /// A district of a city (`Amsterdam-Noord`, `Schilderswijk`).
    District,
}

/// How a place was attributed: the evidence or context that settled it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlaceBasis {
    /// The name means one municipality and is no ordinary word: nothing more was needed.
    Name,
    /// An ordinary-word name written with a capital where no sentence starts.
    Capital,
    /// Written as a hashtag.
    Hashtag,
    /// A preposition of place (or `gemeente`, `regio`, ...) right before it.
    Preposition,
    /// Another place (or a province name) of the same province in the post.
    SameProvince,
    /// The source's configured municipality (or its province) settled a shared name.
    SourceMunicipality,
    /// The configured region settled a shared name.
    Region,
}

/// The tag a source's configuration puts on its items to say which municipality they are
/// about (`municipality = "GM0479"` for a town's own news feed): `gemeente:GM0479`.
pub const MUNICIPALITY_TAG_PREFIX: &str = "gemeente:";

/// The municipality code a source tag names, if it is a municipality tag.
pub fn municipality_of_tag(tag: &str) -> Option<&str> {
    tag.strip_prefix(MUNICIPALITY_TAG_PREFIX)
        .filter(|code| is_municipality_code(code))
}

/// Whether `code` has the form of a CBS municipality code: `GM` and four digits.
pub fn is_municipality_code(code: &str) -> bool {
    code.len() == 6 && code.starts_with("GM") && code.bytes().skip(2).all(|b| b.is_ascii_digit())
}

fn text_field() -> Field {
    Field::Text
}

fn is_text(f: &Field) -> bool {
    *f == Field::Text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn municipality_tags_name_a_code_or_nothing() {
        assert_eq!(municipality_of_tag("gemeente:GM0479"), Some("GM0479"));
        assert_eq!(municipality_of_tag("gemeente:Zaanstad"), None);
        assert_eq!(municipality_of_tag("gemeente:GM047"), None);
        assert_eq!(municipality_of_tag("bron:ontdekt"), None);
    }

    #[test]
    fn a_place_in_the_text_leaves_its_field_out_of_json() {
        let place = Place {
            text: "Zaandam".into(),
            start: 3,
            end: 10,
            field: Field::Text,
            municipality_code: "GM0479".into(),
            municipality: "Zaanstad".into(),
            province: "Noord-Holland".into(),
            kind: PlaceKind::Place,
            basis: PlaceBasis::Name,
        };
        let json = serde_json::to_string(&place).unwrap();
        assert!(!json.contains("field"), "{json}");
        assert_eq!(serde_json::from_str::<Place>(&json).unwrap(), place);
    }
}
