//! Our labelled set (tests/data/announcements.txt) through the detector, with the shipped
//! gazetteer attributing places as the matcher does: the figures must not fall below the
//! issue's goals (precision 0.9, recall 0.85, exact start time 0.85). The figures and every
//! failing case are printed here and by `websense bench announcements`.

use websense_announce::eval::{evaluate, parse_cases, SHIPPED_SET};
use websense_announce::{Announcer, Post};
use websense_gazetteer::{Context, Gazetteer};
use websense_model::{Field, Place};

#[test]
fn the_labelled_set_meets_the_goals() {
    let cases = parse_cases(SHIPPED_SET).unwrap();
    assert!(cases.len() >= 150, "{} cases", cases.len());
    for kind in [
        "neg:past",
        "neg:question",
        "neg:hypothetical",
        "neg:warning",
        "neg:online",
        "neg:fixture",
    ] {
        assert!(cases.iter().any(|c| c.kind == kind), "no {kind} case");
    }
    let announcer = Announcer::shipped();
    let gazetteer = Gazetteer::shipped();
    let report = evaluate(&cases, |case| {
        let post = Post {
            title: None,
            text: &case.text,
            published_at: case.published_at,
        };
        let places: Vec<Place> = gazetteer
            .attribute(&case.text, &Context::default())
            .places
            .into_iter()
            .map(|p| Place {
                text: p.text,
                start: p.start,
                end: p.end,
                field: Field::Text,
                municipality_code: p.municipality_code,
                municipality: p.municipality,
                province: p.province,
                kind: p.kind,
                basis: p.basis,
            })
            .collect();
        let municipalities: Vec<String> =
            places.iter().map(|p| p.municipality_code.clone()).collect();
        let cues = announcer.find_cues(&post);
        announcer.explain(&post, &cues, &places, &municipalities)
    });
    println!("{}", report.render());
    assert!(report.precision() >= 0.9, "{}", report.render());
    assert!(report.recall() >= 0.85, "{}", report.render());
    assert!(report.time_accuracy() >= 0.85, "{}", report.render());
}
