//! The shipped data: complete, unique, every reference resolves, and `check` catches what a
//! curator can get wrong, with the line it is on.

use std::collections::HashSet;

use websense_gazetteer::{check, Gazetteer, FILES, MUNICIPALITIES, PLACES, PROVINCES};

#[test]
fn shipped_data_has_no_problems() {
    let report = check(None);
    assert!(report.problems.is_empty(), "{:#?}", report.problems);
}

#[test]
fn all_342_municipalities_of_2025_with_unique_codes_and_names() {
    let g = Gazetteer::shipped();
    let all = g.municipalities();
    assert_eq!(all.len(), 342);
    let codes: HashSet<&str> = all.iter().map(|m| m.code.as_str()).collect();
    assert_eq!(codes.len(), 342);
    let names: HashSet<&str> = all.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names.len(), 342);
    let provinces: HashSet<&str> = all.iter().map(|m| m.province.as_str()).collect();
    assert_eq!(provinces, PROVINCES.into_iter().collect());
    // Per province, as on 1 January 2025.
    for (province, count) in [
        ("Groningen", 10),
        ("Fryslân", 18),
        ("Drenthe", 12),
        ("Overijssel", 25),
        ("Flevoland", 6),
        ("Gelderland", 51),
        ("Utrecht", 26),
        ("Noord-Holland", 44),
        ("Zuid-Holland", 50),
        ("Zeeland", 13),
        ("Noord-Brabant", 56),
        ("Limburg", 31),
    ] {
        assert_eq!(g.in_province(province).count(), count, "{province}");
    }
}

#[test]
fn well_known_codes() {
    let g = Gazetteer::shipped();
    for (code, name, province) in [
        ("GM0363", "Amsterdam", "Noord-Holland"),
        ("GM0599", "Rotterdam", "Zuid-Holland"),
        ("GM0518", "'s-Gravenhage", "Zuid-Holland"),
        ("GM0344", "Utrecht", "Utrecht"),
        ("GM0479", "Zaanstad", "Noord-Holland"),
        ("GM0453", "Velsen", "Noord-Holland"),
        ("GM0394", "Haarlemmermeer", "Noord-Holland"),
        ("GM0392", "Haarlem", "Noord-Holland"),
        ("GM0439", "Purmerend", "Noord-Holland"),
        ("GM1982", "Land van Cuijk", "Noord-Brabant"),
        ("GM1991", "Maashorst", "Noord-Brabant"),
        ("GM0796", "'s-Hertogenbosch", "Noord-Brabant"),
        ("GM1980", "Dijk en Waard", "Noord-Holland"),
        ("GM1992", "Voorne aan Zee", "Zuid-Holland"),
        ("GM0014", "Groningen", "Groningen"),
    ] {
        let m = g
            .municipality(code)
            .unwrap_or_else(|| panic!("{code} missing"));
        assert_eq!((m.name.as_str(), m.province.as_str()), (name, province));
    }
    // Merged away: no longer municipalities of their own.
    for gone in [
        "GM0457", "GM0370", "GM0398", "GM0501", "GM0530", "GM0614", "GM0756",
    ] {
        assert!(g.municipality(gone).is_none(), "{gone}");
    }
    for not_a_municipality in [
        "Scheveningen",
        "Weesp",
        "Beemster",
        "Heerhugowaard",
        "Brielle",
    ] {
        assert!(g
            .municipalities()
            .iter()
            .all(|m| m.name != not_a_municipality));
    }
}

#[test]
fn every_name_points_at_a_municipality() {
    let g = Gazetteer::shipped();
    let counts = g.counts();
    assert!(counts.places + counts.districts >= 1000, "{counts:?}");
    assert!(counts.former >= 70, "{counts:?}");
    for (name, code) in [
        ("Zaandam", "GM0479"),
        ("IJmuiden", "GM0453"),
        ("Hoofddorp", "GM0394"),
        ("Scheveningen", "GM0518"),
        ("Schilderswijk", "GM0518"),
        ("Bijlmer", "GM0363"),
        ("Amsterdam-Noord", "GM0363"),
        ("Rotterdam-Zuid", "GM0599"),
        ("Weesp", "GM0363"),
        ("Beemster", "GM0439"),
        ("Heerhugowaard", "GM1980"),
        ("Langedijk", "GM1980"),
        ("Haarlemmerliede en Spaarnwoude", "GM0394"),
        ("Brielle", "GM1992"),
        ("Hellevoetsluis", "GM1992"),
        ("Westvoorne", "GM1992"),
        ("Den Haag", "GM0518"),
        ("Den Bosch", "GM0796"),
        ("s-Hertogenbosch", "GM0796"),
        ("Mokum", "GM0363"),
        ("amsterdamse", "GM0363"),
        ("Uden", "GM1991"),
        ("Cuijk", "GM1982"),
    ] {
        let found: Vec<&str> = g.lookup(name).iter().map(|m| m.code.as_str()).collect();
        assert_eq!(found, [code], "{name}");
    }
    // Shared names map to several municipalities.
    for (name, codes) in [
        ("Bergen", vec!["GM0373", "GM0893"]),
        ("Laren", vec!["GM0417", "GM0262"]),
        ("Rijswijk", vec!["GM0603", "GM1959", "GM0214"]),
        ("Hengelo", vec!["GM0164", "GM1876"]),
    ] {
        let mut found: Vec<&str> = g.lookup(name).iter().map(|m| m.code.as_str()).collect();
        let mut codes = codes;
        found.sort_unstable();
        codes.sort_unstable();
        assert_eq!(found, codes, "{name}");
    }
    assert!(
        g.lookup("Noord-Holland").is_empty(),
        "a province is no municipality"
    );
    assert!(g.lookup("Atlantis").is_empty());
}

/// The shipped files copied into a directory, with `edit` applied to one of them.
fn directory_with(file: &str, edit: impl Fn(&str) -> String) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    for name in FILES {
        let text = std::fs::read_to_string(shipped.join(name)).unwrap();
        let text = if name == file { edit(&text) } else { text };
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

/// The 1-based line of `needle` in `text`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.starts_with(needle)).unwrap() + 1
}

#[test]
fn check_reports_each_bad_line_with_its_number() {
    let shipped = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/places.tsv"),
    )
    .unwrap();
    let zaandam = line_of(&shipped, "Zaandam\t");
    let ijmuiden = line_of(&shipped, "IJmuiden\t");
    let hoofddorp = line_of(&shipped, "Hoofddorp\t");
    let scheveningen = line_of(&shipped, "Scheveningen\t");
    let dir = directory_with(PLACES, |text| {
        text.replace("Zaandam\tGM0479\tplace", "Zaandam\tGM9999\tplace")
            .replace("IJmuiden\tGM0453\tplace", "IJmuiden\tGM0457\tplace")
            .replace("Hoofddorp\tGM0394\tplace", "Hoofddorp\tGM0394")
            .replace(
                "Scheveningen\tGM0518\tdistrict",
                "Scheveningen\tGM0518\tcity",
            )
    });
    let report = check(Some(dir.path()));
    let lines: Vec<String> = report.problems.iter().map(ToString::to_string).collect();
    assert_eq!(report.errors(), 4, "{lines:#?}");
    let expect = [
        format!("places.tsv:line {zaandam}: error: unknown municipality code `GM9999`"),
        format!(
            "places.tsv:line {ijmuiden}: error: GM0457 is the former municipality Weesp, now part of GM0363: use GM0363"
        ),
        format!("places.tsv:line {hoofddorp}: error: 2 columns, expected 3 (name, code, kind), separated by tabs"),
        format!("places.tsv:line {scheveningen}: error: unknown kind `city` (place or district)"),
    ];
    for line in expect {
        assert!(lines.contains(&line), "{line} not in {lines:#?}");
    }
}

#[test]
fn check_catches_duplicates_provinces_and_bad_locations() {
    let dir = directory_with(MUNICIPALITIES, |text| {
        text.replace(
            "GM0392\tHaarlem\tNoord-Holland",
            "GM0363\tHaarlem\tNoord-Holland",
        )
        .replace(
            "GM0479\tZaanstad\tNoord-Holland",
            "GM0479\tZaanstad\tHolland",
        )
        .replace(
            "GM0453\tVelsen\tNoord-Holland\t52.46\t4.62",
            "GM0453\tVelsen\tNoord-Holland\t4.62\t52.46",
        )
    });
    let report = check(Some(dir.path()));
    let text: Vec<String> = report.problems.iter().map(ToString::to_string).collect();
    let has = |needle: &str| text.iter().any(|l| l.contains(needle));
    assert!(
        has("municipalities.tsv:line ") && has("duplicate code GM0363"),
        "{text:#?}"
    );
    assert!(has("unknown province `Holland`"), "{text:#?}");
    assert!(has("outside the Netherlands (swapped?)"), "{text:#?}");
    // The places of the skipped municipalities now point nowhere: reported too.
    assert!(
        has("places.tsv:line ") && has("unknown municipality code `GM0479`"),
        "{text:#?}"
    );
}

#[test]
fn check_reports_a_missing_file() {
    let dir = directory_with(PLACES, |t| t.to_string());
    std::fs::remove_file(dir.path().join("variants.tsv")).unwrap();
    let report = check(Some(dir.path()));
    assert_eq!(report.errors(), 1, "{:#?}", report.problems);
    assert!(report.problems[0]
        .to_string()
        .starts_with("variants.tsv: error: cannot read"));
}

#[test]
fn a_curators_directory_loads() {
    let dir = directory_with(PLACES, |text| {
        format!("{text}Nieuwdorp-aan-Zee\tGM0479\tplace\n")
    });
    let (g, problems) = Gazetteer::load_dir(dir.path());
    assert!(problems.is_empty(), "{problems:#?}");
    assert_eq!(g.lookup("Nieuwdorp-aan-Zee")[0].code, "GM0479");
}
