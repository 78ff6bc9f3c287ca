//! Every attribution rule, with examples we wrote: what counts, what does not, and on what basis.

use std::sync::OnceLock;

use websense_gazetteer::{
    municipalities, Attribution, Basis, Context, Gazetteer, NameKind, Scratch,
};

fn gazetteer() -> &'static Gazetteer {
    static G: OnceLock<Gazetteer> = OnceLock::new();
    G.get_or_init(Gazetteer::shipped)
}

fn attribute(text: &str) -> Attribution {
    gazetteer().attribute(text, &Context::default())
}

/// (as written, municipality code) of every place in `text`.
fn places(text: &str) -> Vec<(String, String)> {
    places_in(text, &Context::default())
}

fn places_in(text: &str, context: &Context) -> Vec<(String, String)> {
    let found = gazetteer().attribute(text, context);
    for p in &found.places {
        assert_eq!(&text[p.start..p.end], p.text, "span of {p:?}");
    }
    found
        .places
        .into_iter()
        .map(|p| (p.text, p.municipality_code))
        .collect()
}

fn pair(text: &str, code: &str) -> (String, String) {
    (text.to_string(), code.to_string())
}

#[test]
fn municipality_names_and_places() {
    assert_eq!(
        places("Onrustig in Zaandam en IJmuiden, rustig in Hoofddorp."),
        [
            pair("Zaandam", "GM0479"),
            pair("IJmuiden", "GM0453"),
            pair("Hoofddorp", "GM0394")
        ]
    );
    let found = attribute("Brand in Amsterdam");
    let p = &found.places[0];
    assert_eq!(
        (
            p.municipality.as_str(),
            p.province.as_str(),
            p.kind,
            p.basis
        ),
        (
            "Amsterdam",
            "Noord-Holland",
            NameKind::Municipality,
            Basis::Name
        )
    );
    assert!(places("amsterdammertje zegt niets, rotterdamsestraat ook niet").is_empty());
}

#[test]
fn longest_name_wins() {
    assert_eq!(places("Politie in Den Haag"), [pair("Den Haag", "GM0518")]);
    assert_eq!(
        places("Vannacht in Amsterdam-Noord"),
        [pair("Amsterdam-Noord", "GM0363")]
    );
    assert_eq!(places("Bergen op Zoom"), [pair("Bergen op Zoom", "GM0748")]);
    assert_eq!(
        places("Markt in Nieuw-Amsterdam"),
        [pair("Nieuw-Amsterdam", "GM0114")]
    );
    // Two names directly after each other share the space between them; both are found.
    assert_eq!(
        places("Amsterdam Rotterdam Utrecht"),
        [
            pair("Amsterdam", "GM0363"),
            pair("Rotterdam", "GM0599"),
            pair("Utrecht", "GM0344")
        ]
    );
}

#[test]
fn districts_and_former_municipalities() {
    assert_eq!(
        places("Onrust in de Schilderswijk en op Scheveningen"),
        [
            pair("Schilderswijk", "GM0518"),
            pair("Scheveningen", "GM0518")
        ]
    );
    assert_eq!(places("In de Bijlmer"), [pair("Bijlmer", "GM0363")]);
    assert_eq!(places("Rotterdam-Zuid"), [pair("Rotterdam-Zuid", "GM0599")]);
    let found = attribute("Weesp, Beemster, Heerhugowaard en Brielle");
    let codes: Vec<&str> = found
        .places
        .iter()
        .map(|p| p.municipality_code.as_str())
        .collect();
    assert_eq!(codes, ["GM0363", "GM0439", "GM1980", "GM1992"]);
    assert_eq!(found.places[1].kind, NameKind::Former);
    assert_eq!(
        places("Haarlemmerliede en Spaarnwoude"),
        [pair("Haarlemmerliede en Spaarnwoude", "GM0394")]
    );
}

#[test]
fn variants_adjectives_and_nicknames() {
    assert_eq!(places("Den Bosch"), [pair("Den Bosch", "GM0796")]);
    assert_eq!(
        places("de amsterdamse politie"),
        [pair("amsterdamse", "GM0363")]
    );
    assert_eq!(places("Haagse jongeren"), [pair("Haagse", "GM0518")]);
    assert_eq!(places("Weer eens Mokum"), [pair("Mokum", "GM0363")]);
    assert_eq!(places("Vannacht in R'dam"), [pair("R'dam", "GM0599")]);
    // `A'dam` reads `a dam`: an ordinary phrase, so only with evidence.
    assert!(places("they built a dam").is_empty());
    assert_eq!(places("gisteren in A'dam"), [pair("A'dam", "GM0363")]);
    // A region adjective is not a municipality.
    assert!(places("de Zaanse bakker").is_empty());
}

#[test]
fn case_diacritics_and_spelling() {
    for written in [
        "'s-Hertogenbosch",
        "s-Hertogenbosch",
        "'S-HERTOGENBOSCH",
        "s Hertogenbosch",
        "Den Bosch",
    ] {
        let found = places(&format!("Drukte in {written} vandaag"));
        assert_eq!(found.len(), 1, "{written}");
        assert_eq!(found[0].1, "GM0796", "{written}");
    }
    assert_eq!(places("Súdwest-Fryslân")[0].1, "GM1900");
    assert_eq!(places("Sudwest Fryslan")[0].1, "GM1900");
    assert_eq!(places("'s-Gravenhage")[0].1, "GM0518");
}

#[test]
fn hashtags() {
    assert_eq!(places("#Zaandam"), [pair("Zaandam", "GM0479")]);
    assert_eq!(
        places("#denhaag #DenBosch"),
        [pair("denhaag", "GM0518"), pair("DenBosch", "GM0796")]
    );
    assert_eq!(
        places("#amsterdamnoord"),
        [pair("amsterdamnoord", "GM0363")]
    );
    // Written together without a hashtag it is not a name (it could be part of anything).
    assert!(places("denhaag").is_empty());
    // An ordinary word as a hashtag is evidence.
    let found = attribute("#best");
    assert_eq!(
        (
            found.places[0].municipality_code.as_str(),
            found.places[0].basis
        ),
        ("GM0753", Basis::Hashtag)
    );
}

#[test]
fn ordinary_words_need_evidence() {
    // No evidence: ordinary words.
    for text in [
        "Ik doe mijn best.",
        "Best wel raar dit.",
        "hij goes all in",
        "de sluis gaat open",
        "echt waar",
        "putten graven",
        "IK DOE MIJN BEST IN DE KLAS",
        "In Best is het best",
    ] {
        let found = places(text);
        assert!(
            found.iter().all(|(w, _)| w != "best" && w != "BEST"),
            "{text}: {found:?}"
        );
        if text != "In Best is het best" {
            assert!(found.is_empty(), "{text}: {found:?}");
        }
    }
    // A capital where no sentence starts.
    let found = attribute("Gisteren was het druk in het centrum van Goes, zei men.");
    assert_eq!(found.places.len(), 1);
    assert_eq!(found.places[0].basis, Basis::Capital);
    assert_eq!(found.places[0].municipality_code, "GM0664");
    // A preposition of place, also in lower case.
    let found = attribute("vanavond brand uit sluis gemeld");
    assert_eq!(
        (
            found.places[0].municipality_code.as_str(),
            found.places[0].basis
        ),
        ("GM1714", Basis::Preposition)
    );
    let found = attribute("gemeente ede zoekt vrijwilligers");
    assert_eq!(found.places[0].basis, Basis::Preposition);
    // Cities whose names are verbs or nouns too.
    assert!(places("dit kan leiden tot onrust, de houten assen braken").is_empty());
    assert_eq!(
        places("Onrust in Leiden en Houten"),
        [pair("Leiden", "GM0546"), pair("Houten", "GM0321")]
    );
    // A name that starts with an article is the ordinary phrase after a preposition.
    assert!(places("het is onrustig in de wijk, zegt de politie").is_empty());
    assert_eq!(places("Boerderijbrand in De Wijk")[0].1, "GM1690");
    // Sentence-initial capital is no evidence; another place of the province is.
    assert!(places("Best. Dat was het.").is_empty());
    let found = attribute("Putten. Ook in Harderwijk was het onrustig.");
    let codes: Vec<&str> = found
        .places
        .iter()
        .map(|p| p.municipality_code.as_str())
        .collect();
    assert_eq!(codes, ["GM0273", "GM0243"]);
    assert_eq!(found.places[0].basis, Basis::SameProvince);
    // ... but a place of another province is not.
    assert_eq!(
        places("Putten. Ook in Rotterdam was het onrustig."),
        [pair("Rotterdam", "GM0599")]
    );
    // After an emoji or a line break a sentence starts.
    assert!(places("🔥 Best feestje gisteren").is_empty());
    assert!(places("zo\nBest ooit").is_empty());
}

#[test]
fn shared_names_are_resolved_or_left_out() {
    // Alone: never guessed.
    assert!(places("Vandaag in Bergen").is_empty());
    assert!(places("Rijswijk").is_empty());
    // Another place of the post settles it.
    assert_eq!(
        places("Van Alkmaar naar Bergen"),
        [pair("Alkmaar", "GM0361"), pair("Bergen", "GM0373")]
    );
    assert_eq!(
        places("Bergen en Venray"),
        [pair("Bergen", "GM0893"), pair("Venray", "GM0984")]
    );
    // A province name settles it, and is reported apart.
    let found = attribute("Bergen (Limburg)");
    assert_eq!(found.places[0].municipality_code, "GM0893");
    assert_eq!(found.provinces[0].province, "Limburg");
    assert_eq!(places("Hengelo in Overijssel")[0].1, "GM0164");
    // The source's configured municipality, or its province.
    let zaanstad = Context {
        municipality: Some("GM0479".to_string()),
        ..Context::default()
    };
    let found = gazetteer().attribute("Vandaag in Bergen", &zaanstad);
    assert_eq!(found.places[0].municipality_code, "GM0373");
    assert_eq!(found.places[0].basis, Basis::SourceMunicipality);
    // The configured region.
    let region = Context {
        region_provinces: vec!["Zuid-Holland".to_string()],
        ..Context::default()
    };
    let found = gazetteer().attribute("Rijswijk", &region);
    assert_eq!(
        (
            found.places[0].municipality_code.as_str(),
            found.places[0].basis
        ),
        ("GM0603", Basis::Region)
    );
    let region = Context {
        region_municipalities: vec!["GM0417".to_string(), "GM0402".to_string()],
        ..Context::default()
    };
    assert_eq!(places_in("Laren", &region), [pair("Laren", "GM0417")]);
    // A region that holds both meanings settles nothing.
    let both = Context {
        region_provinces: vec!["Noord-Holland".to_string(), "Limburg".to_string()],
        ..Context::default()
    };
    assert!(places_in("Bergen", &both).is_empty());
    // Explicit variants need no context.
    assert_eq!(places("Hengelo Gld"), [pair("Hengelo Gld", "GM1876")]);
}

#[test]
fn people_are_not_places() {
    assert!(places("Gisteren sprak Van Haarlem over de plannen.").is_empty());
    assert!(places("Volgens de heer Amsterdam klopt het niet").is_empty());
    assert!(places("Volgens mevrouw Goes klopt het niet").is_empty());
    assert!(places("Jan Van der Goes zei het").is_empty());
    // The preposition `van` in lower case, or a sentence that starts with `Van`, is a place.
    assert_eq!(
        places("We reden van Haarlem naar Leiden")[0],
        pair("Haarlem", "GM0392")
    );
    assert_eq!(
        places("Van Haarlem naar Leiden.")[0],
        pair("Haarlem", "GM0392")
    );
    // A mayor is no title: the mayor *of* a town.
    assert_eq!(
        places("burgemeester Amsterdam"),
        [pair("Amsterdam", "GM0363")]
    );
    // A municipality whose name starts with a particle is a name of its own.
    assert_eq!(places("Overlast in De Bilt"), [pair("De Bilt", "GM0310")]);
}

#[test]
fn provinces_are_not_municipalities() {
    let found = attribute("Storm in Noord-Holland en Brabant, de provincie Utrecht blijft droog");
    assert!(found.places.is_empty(), "{:?}", found.places);
    let names: Vec<&str> = found
        .provinces
        .iter()
        .map(|p| p.province.as_str())
        .collect();
    assert_eq!(names, ["Noord-Holland", "Noord-Brabant", "Utrecht"]);
    assert_eq!(found.provinces[2].text, "provincie Utrecht");
    // The bare name is the city.
    assert_eq!(places("Utrecht"), [pair("Utrecht", "GM0344")]);
    assert_eq!(places("#noordholland").len(), 0);
    assert_eq!(attribute("#noordholland").provinces.len(), 1);
}

#[test]
fn the_source_municipality_counts() {
    let context = Context {
        municipality: Some("GM0479".to_string()),
        ..Context::default()
    };
    let found = gazetteer().attribute(
        "Nieuwe fietsenstalling bij het station, ook in Haarlem",
        &context,
    );
    assert_eq!(found.municipalities(), ["GM0479", "GM0392"]);
    assert_eq!(municipalities(&found.places), ["GM0392"]);
    // An unknown code is ignored, not invented.
    let bogus = Context {
        municipality: Some("GM9999".to_string()),
        ..Context::default()
    };
    assert!(gazetteer()
        .attribute("niets", &bogus)
        .municipalities()
        .is_empty());
}

#[test]
fn municipalities_are_distinct_in_order_of_appearance() {
    let found = attribute("Zaandam, Haarlem, Krommenie en weer Zaandam");
    assert_eq!(found.places.len(), 4);
    assert_eq!(found.municipalities(), ["GM0479", "GM0392"]);
}

#[test]
fn spans_point_into_the_original_text() {
    let text = "🔥🔥 Één opstootje in Zaandam! Daarna 'café' in ’s-Hertogenbosch en #Düsseldorf, ook IJmuiden…";
    let found = attribute(text);
    let written: Vec<&str> = found.places.iter().map(|p| &text[p.start..p.end]).collect();
    assert_eq!(written, ["Zaandam", "s-Hertogenbosch", "IJmuiden"]);
    for p in &found.places {
        assert_eq!(p.text, &text[p.start..p.end]);
    }
    // Decomposed diacritics (NFD) before and inside the name.
    let text = "Cafe\u{301} in Su\u{301}dwest-Fryslân";
    let found = attribute(text);
    assert_eq!(
        &text[found.places[0].start..found.places[0].end],
        "Su\u{301}dwest-Fryslân"
    );
}

#[test]
fn scratch_buffers_give_the_same_answers() {
    let g = gazetteer();
    let mut scratch = Scratch::default();
    let mut out = Attribution::default();
    for text in [
        "Zaandam",
        "",
        "Bergen en Alkmaar",
        "🙂 #denhaag",
        "Best.",
        "niets hier",
    ] {
        g.attribute_into(text, &Context::default(), &mut scratch, &mut out);
        assert_eq!(out, g.attribute(text, &Context::default()), "{text}");
    }
}
