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

use crate::findings::FindingsRef;
use std::cell::RefCell;
use std::sync::Arc;
use websense_gazetteer::{Attribution, Context, FieldNames, Gazetteer, Scratch};
use websense_model::place::municipality_of_tag;
use websense_model::{Field, Item, Place};

/// The gazetteer and the region it resolves shared names in.
#[derive(Clone)]
pub struct Places {
    gazetteer: Arc<Gazetteer>,
    region_municipalities: Vec<String>,
    region_provinces: Vec<String>,
}

/// The gazetteer's buffers, one attribution per field, and the names found per field.
type PlaceScratch = (Scratch, Vec<Attribution>, Vec<Vec<(usize, usize, usize)>>);

thread_local! {
    static SCRATCH: RefCell<PlaceScratch> = RefCell::default();
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

    /// Every name the gazetteer searches for, in the normal form, with its number: the
    /// matcher adds them to its automaton.
    pub(crate) fn name_forms(&self) -> impl Iterator<Item = (String, u32)> + '_ {
        self.gazetteer
            .name_forms()
            .map(|(name, number)| (name.to_string(), number as u32))
    }

    /// The places of each item of the group the scratch has just walked, into `findings`:
    /// the names the walk found in the item's fields as written go to the gazetteer's rules
    /// with the fields' normal forms; an item without one is not read again.
    pub(crate) fn attribute_group(
        &self,
        scan: &crate::scan::Scratch,
        sources: &[Option<&str>],
        items: &[(Option<&str>, &str)],
        findings: &mut [FindingsRef],
    ) {
        if scan.place_names.is_empty() {
            return;
        }
        SCRATCH.with_borrow_mut(|(scratch, outs, names)| {
            let mut with_names: Vec<u32> = Vec::new();
            for &(slot, ..) in &scan.place_names {
                let item = scan.item_of(slot);
                if with_names.last() != Some(&item) && !with_names.contains(&item) {
                    with_names.push(item);
                }
            }
            for item in with_names {
                let (title, text) = items[item as usize];
                let context = self.context(sources.get(item as usize).copied().flatten());
                let slots: Vec<_> = scan.fields_of(item).collect();
                names.resize_with(slots.len(), Vec::new);
                for (k, &(slot, ..)) in slots.iter().enumerate() {
                    names[k].clear();
                    names[k].extend(
                        scan.place_names
                            .iter()
                            .filter(|p| p.0 == slot)
                            .map(|&(_, start, end, name)| (start, end, name)),
                    );
                }
                let fields: Vec<FieldNames> = slots
                    .iter()
                    .zip(names.iter())
                    .map(|(&(_, field, norm, map), names)| FieldNames {
                        text: match field {
                            Field::Title => title.unwrap_or_default(),
                            Field::Text => text,
                        },
                        norm,
                        map,
                        names,
                    })
                    .collect();
                outs.resize_with(fields.len(), Attribution::default);
                self.gazetteer.attribute_found(
                    &fields,
                    &context,
                    scratch,
                    &mut outs[..fields.len()],
                );
                let places = &mut findings[item as usize].places;
                // Moved, not cloned: the gazetteer's strings become the item's.
                for (&(_, field, ..), out) in slots.iter().zip(outs.iter_mut()) {
                    places.extend(out.places.drain(..).map(|p| Place {
                        text: p.text,
                        start: p.start,
                        end: p.end,
                        field,
                        municipality_code: p.municipality_code,
                        municipality: p.municipality,
                        province: p.province,
                        kind: p.kind,
                        basis: p.basis,
                    }));
                }
            }
        })
    }

    /// The municipality codes of an item with these places: its source's configured one
    /// first (when the gazetteer knows it), then those of the places in order.
    pub(crate) fn municipalities(&self, item: &Item, places: &[Place]) -> Vec<String> {
        let mut codes: Vec<String> = source_municipality(item)
            .filter(|code| self.gazetteer.municipality(code).is_some())
            .map(str::to_string)
            .into_iter()
            .collect();
        for place in places {
            if !codes.contains(&place.municipality_code) {
                codes.push(place.municipality_code.clone());
            }
        }
        codes
    }

    fn context(&self, source_municipality: Option<&str>) -> Context {
        Context {
            municipality: source_municipality.map(str::to_string),
            region_municipalities: self.region_municipalities.clone(),
            region_provinces: self.region_provinces.clone(),
        }
    }
}

/// The municipality an item's source is configured for (its `gemeente:GMxxxx` tag).
pub(crate) fn source_municipality(item: &Item) -> Option<&str> {
    item.source.tags.iter().find_map(|t| municipality_of_tag(t))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Matcher, MatcherOptions};
    use websense_lexicon::LexiconSet;
    use websense_model::{ItemId, SourceRef};

    fn matcher() -> Matcher {
        let set = LexiconSet::new(Vec::new(), Vec::new());
        let places = Places::new(Arc::new(Gazetteer::shipped()), &[]);
        Matcher::with_places(&set, MatcherOptions::default(), places).unwrap()
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
        let scored = matcher().score(&item);
        let seen: Vec<(Field, &str, &str)> = scored
            .places
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
        assert_eq!(scored.municipalities, ["GM0479", "GM0453", "GM0518"]);
    }

    #[test]
    fn the_title_is_evidence_for_the_text() {
        // `best` alone is an ordinary word; a place of its province in the title vouches for it
        let plain = item(None, "Dit is best een probleem", &[]);
        assert!(matcher().score(&plain).places.is_empty());
        let with_title = item(Some("Eindhoven"), "Dit is best een probleem", &[]);
        let found = matcher().score(&with_title).places;
        assert!(found.iter().any(|p| p.municipality == "Best"), "{found:?}");
    }

    #[test]
    fn a_source_municipality_tag_attributes_every_item() {
        let scored = matcher().score(&item(None, "geen plaats hier", &["gemeente:GM0479"]));
        assert!(scored.places.is_empty());
        assert_eq!(scored.municipalities, ["GM0479"]);
        // an unknown code is no attribution
        let scored = matcher().score(&item(None, "geen plaats", &["gemeente:GM9999"]));
        assert!(scored.municipalities.is_empty());
    }

    #[test]
    fn the_walk_finds_what_the_gazetteer_finds_alone() {
        let gazetteer = Gazetteer::shipped();
        let matcher = matcher();
        let texts = [
            "Rellen in Rotterdam-Zuid en #denhaag, niet in Bergen",
            "Van Haarlem zei dat hij in Goes woont, vlakbij Vlissingen.",
            "Mokum en A'dam, Amsterdam-Noord en de Bijlmer 🐀 Weesp",
            "Utrecht Utrecht Utrecht! Noord-Holland, Zaandam; IJmuiden",
            "niets dan gewone woorden hier",
        ];
        for text in texts {
            let alone = gazetteer.attribute(text, &Context::default());
            let walked = matcher.score(&item(None, text, &[]));
            let spans = |p: &Place| (p.start, p.end, p.municipality_code.clone());
            assert_eq!(
                walked.places.iter().map(spans).collect::<Vec<_>>(),
                alone
                    .places
                    .iter()
                    .map(|p| (p.start, p.end, p.municipality_code.clone()))
                    .collect::<Vec<_>>(),
                "{text}"
            );
        }
    }
}
