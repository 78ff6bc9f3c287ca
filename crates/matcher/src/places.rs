//! Places beside hits: the gazetteer's attribution of each scored item to the Dutch
//! municipalities it names (`websense-gazetteer` owns the names and the rules; this module
//! only runs them per item and turns their answer into the item's `places` and
//! `municipalities`).
//!
//! Title and text are read as one post (the title, a line break, the text), so a place in the
//! title is evidence for an ordinary-word name in the text and the other way round; each
//! place then gets the span of its own field. The source's configured municipality travels
//! on its items as the source tag `gemeente:GM0479` ([`municipality_of_tag`]) and counts as
//! an attribution of every item of that source.

use std::cell::RefCell;
use std::sync::Arc;
use websense_gazetteer::{Attribution, Basis, Context, Gazetteer, NameKind, Scratch};
use websense_model::place::municipality_of_tag;
use websense_model::{Field, Item, Place, PlaceBasis, PlaceKind};

/// The gazetteer and the region it resolves shared names in.
#[derive(Clone)]
pub struct Places {
    gazetteer: Arc<Gazetteer>,
    region_municipalities: Vec<String>,
    region_provinces: Vec<String>,
}

thread_local! {
    static SCRATCH: RefCell<(Scratch, Attribution, String)> = RefCell::default();
}

impl Places {
    /// Attribution with `gazetteer`; a shared name is resolved in the region given by
    /// `region` (CBS codes such as `GM0479` and province names, mixed) when the post itself
    /// does not settle it.
    pub fn new(gazetteer: Arc<Gazetteer>, region: &[String]) -> Places {
        let (region_municipalities, region_provinces) = region
            .iter()
            .cloned()
            .partition(|r| websense_model::place::is_municipality_code(r));
        Places {
            gazetteer,
            region_municipalities,
            region_provinces,
        }
    }

    pub fn gazetteer(&self) -> &Gazetteer {
        &self.gazetteer
    }

    /// The places `item` names and its municipality codes (the source's first).
    pub fn attribute(&self, item: &Item) -> (Vec<Place>, Vec<String>) {
        let context = Context {
            municipality: item
                .source
                .tags
                .iter()
                .find_map(|t| municipality_of_tag(t))
                .map(str::to_string),
            region_municipalities: self.region_municipalities.clone(),
            region_provinces: self.region_provinces.clone(),
        };
        SCRATCH.with_borrow_mut(|(scratch, attribution, joined)| {
            // The title's length plus the line break: where the text starts in `joined`.
            let text_at = match &item.title {
                Some(title) => {
                    joined.clear();
                    joined.push_str(title);
                    joined.push('\n');
                    joined.push_str(&item.text);
                    self.gazetteer
                        .attribute_into(joined, &context, scratch, attribution);
                    title.len() + 1
                }
                None => {
                    self.gazetteer
                        .attribute_into(&item.text, &context, scratch, attribution);
                    0
                }
            };
            let places = attribution
                .places
                .iter()
                .filter_map(|p| {
                    let (field, start, end) = if p.end <= text_at.saturating_sub(1) {
                        (Field::Title, p.start, p.end)
                    } else if p.start >= text_at {
                        (Field::Text, p.start - text_at, p.end - text_at)
                    } else {
                        // a name across the title's end and the text's start is no place
                        return None;
                    };
                    Some(Place {
                        text: p.text.clone(),
                        start,
                        end,
                        field,
                        municipality_code: p.municipality_code.clone(),
                        municipality: p.municipality.clone(),
                        province: p.province.clone(),
                        kind: kind_of(p.kind),
                        basis: basis_of(p.basis),
                    })
                })
                .collect::<Vec<_>>();
            let mut municipalities: Vec<String> =
                attribution.source_municipality.iter().cloned().collect();
            for place in &places {
                if !municipalities.contains(&place.municipality_code) {
                    municipalities.push(place.municipality_code.clone());
                }
            }
            (places, municipalities)
        })
    }
}

fn kind_of(kind: NameKind) -> PlaceKind {
    match kind {
        NameKind::Municipality => PlaceKind::Municipality,
        NameKind::Variant => PlaceKind::Variant,
        NameKind::Former => PlaceKind::Former,
        NameKind::Place => PlaceKind::Place,
        NameKind::District => PlaceKind::District,
    }
}

fn basis_of(basis: Basis) -> PlaceBasis {
    match basis {
        Basis::Name => PlaceBasis::Name,
        Basis::Capital => PlaceBasis::Capital,
        Basis::Hashtag => PlaceBasis::Hashtag,
        Basis::Preposition => PlaceBasis::Preposition,
        Basis::SameProvince => PlaceBasis::SameProvince,
        Basis::SourceMunicipality => PlaceBasis::SourceMunicipality,
        Basis::Region => PlaceBasis::Region,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use websense_model::{ItemId, SourceRef};

    fn places() -> Places {
        Places::new(Arc::new(Gazetteer::shipped()), &[])
    }

    fn item(title: Option<&str>, text: &str, tags: &[&str]) -> Item {
        let mut source = SourceRef::unknown();
        source.tags = tags.iter().map(|t| t.to_string()).collect();
        let mut item = Item::new(ItemId("x".into()), source, text);
        item.title = title.map(str::to_string);
        item
    }

    #[test]
    fn spans_point_into_their_own_field() {
        let item = item(
            Some("Onrust in Zaandam"),
            "Morgen 😡 weer naar #IJmuiden en Den Haag",
            &[],
        );
        let (places, municipalities) = places().attribute(&item);
        let seen: Vec<(Field, &str, &str)> = places
            .iter()
            .map(|p| {
                let field = match p.field {
                    Field::Title => item.title.as_deref().unwrap(),
                    Field::Text => &item.text,
                };
                (p.field, &field[p.start..p.end], p.municipality.as_str())
            })
            .collect();
        assert_eq!(
            seen,
            [
                (Field::Title, "Zaandam", "Zaanstad"),
                (Field::Text, "IJmuiden", "Velsen"),
                (Field::Text, "Den Haag", "'s-Gravenhage"),
            ]
        );
        assert_eq!(municipalities, ["GM0479", "GM0453", "GM0518"]);
    }

    #[test]
    fn the_title_is_evidence_for_the_text() {
        // `best` alone is an ordinary word; a place of its province in the title vouches for it
        let plain = item(None, "Dit is best een probleem", &[]);
        assert!(places().attribute(&plain).0.is_empty());
        let with_title = item(Some("Eindhoven"), "Dit is best een probleem", &[]);
        let (found, _) = places().attribute(&with_title);
        assert!(found.iter().any(|p| p.municipality == "Best"), "{found:?}");
    }

    #[test]
    fn a_source_municipality_tag_attributes_every_item() {
        let (places_found, municipalities) =
            places().attribute(&item(None, "geen plaats hier", &["gemeente:GM0479"]));
        assert!(places_found.is_empty());
        assert_eq!(municipalities, ["GM0479"]);
        // an unknown code is no attribution
        let (_, none) = places().attribute(&item(None, "geen plaats", &["gemeente:GM9999"]));
        assert!(none.is_empty());
    }
}
