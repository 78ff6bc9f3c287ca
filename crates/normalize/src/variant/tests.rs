//! The variant form's tests: readings, the cheap test against one that skips nothing, and
//! the byte searches against the character-by-character definitions they replaced.

use super::*;

const ALL: VariantOptions = VariantOptions {
    confusables: true,
    squeeze: true,
    joined: true,
    emoji: true,
};

fn variant(text: &str) -> Option<String> {
    let mut v = Variant::default();
    variant_into(text, ALL, Reading::default(), &mut v).then(|| {
        for k in 0..v.text.len() {
            assert!(text.is_char_boundary(v.origin[k].0 as usize));
            assert!(text.is_char_boundary(v.origin[k].1 as usize));
        }
        String::from_utf8(v.text).unwrap()
    })
}

fn spans(text: &str, word: &str) -> String {
    let mut v = Variant::default();
    assert!(variant_into(text, ALL, Reading::default(), &mut v));
    let at = v
        .text
        .windows(word.len())
        .position(|w| w == word.as_bytes())
        .unwrap();
    text[v.original_span(at, at + word.len())].to_string()
}

#[test]
fn readings_of_disguised_words() {
    assert_eq!(
        variant("Die v0lksverr@der!").as_deref(),
        Some("die volksverrader")
    );
    assert_eq!(
        variant("cultuurv3rrijker").as_deref(),
        Some("cultuurverrijker")
    );
    assert_eq!(variant("volksverrаder").as_deref(), Some("volksverrader")); // Cyrillic а
    assert_eq!(
        variant("zijn u i t s c h o t").as_deref(),
        Some("zijn uitschot")
    );
    assert_eq!(
        variant("o.n.g.e.d.i.e.r.t.e.").as_deref(),
        Some("ongedierte")
    );
    assert_eq!(variant("ongedieeeerte").as_deref(), Some("ongedierte"));
    assert_eq!(variant("onge🐀dierte").as_deref(), Some("ongedierte"));
    assert_eq!(variant("$ukkels").as_deref(), Some("sukkels"));
    // ordinary text reads the same
    for plain in [
        "in 2024 b2b",
        "covid19 en mp",
        "@jan zei 5 dingen",
        "a b",
        "zzz?",
        "ideeën en zeeën",
        "Путин",
    ] {
        let v = variant(plain);
        assert!(
            v.is_none()
                || v.as_deref() == Some(crate::normalize(plain).as_str())
                || plain == "zzz?",
            "{plain}: {v:?}"
        );
    }
    assert_eq!(
        spans("Die v0lksverr@der!", "volksverrader"),
        "v0lksverr@der"
    );
    assert_eq!(
        spans("zijn u i t s c h o t.", "uitschot"),
        "u i t s c h o t"
    );
    assert_eq!(spans("x ongedieeeerte", "ongedierte"), "ongedieeeerte");
    assert_eq!(spans("x onge🐀dierte!", "ongedierte"), "onge🐀dierte");
}

/// `symbol_inside_word` as it was before it searched bytes: every character read.
fn symbol_inside_word_reference(text: &str) -> bool {
    let mut last_alphanumeric = false;
    let mut after_symbol = false;
    for c in text.chars() {
        if c.is_alphanumeric() {
            if after_symbol && last_alphanumeric {
                return true;
            }
            last_alphanumeric = true;
            after_symbol = false;
        } else if is_symbol(c) || crate::is_ignorable(c) {
            after_symbol |= is_symbol(c);
        } else {
            last_alphanumeric = false;
            after_symbol = false;
        }
    }
    false
}

#[test]
fn symbols_inside_words_found_as_reading_every_character_found_them() {
    let pieces = [
        "a",
        "Z",
        "7",
        "é",
        "ж",
        " ",
        ".",
        "🐀",
        "😡",
        "€",
        "\u{200B}",
        "\u{00AD}",
        "\u{3000}",
        "、",
        "™",
        "→",
        "\u{FE0F}",
        "\u{E0041}",
        "ab",
        "—",
        "’",
    ];
    let mut rng = xorshift(5);
    let mut found = 0;
    for _ in 0..30_000 {
        let mut text = String::new();
        for _ in 0..rng() % 14 {
            text.push_str(pieces[rng() % pieces.len()]);
        }
        let expected = symbol_inside_word_reference(&text);
        assert_eq!(symbol_inside_word(&text), expected, "{text:?}");
        found += usize::from(expected);
    }
    assert!(found > 1000, "{found}");
}

/// A small xorshift generator (this crate depends on no other websense crate).
fn xorshift(seed: u64) -> impl FnMut() -> usize {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x >> 11) as usize
    }
}

/// The cheap test's stand-in that skips nothing: every word is looked at.
fn every_block(normalized: &[u8], _: VariantOptions, found: &mut dyn FnMut(usize) -> bool) -> bool {
    (0..normalized.len()).step_by(8).all(found);
    !normalized.is_empty()
}

#[test]
fn the_cheap_test_skips_no_word_a_reading_changes() {
    let pieces = [
        "a",
        "b",
        "e",
        "ee",
        "eee",
        "o",
        "0",
        "1",
        "3",
        "9",
        "2024",
        "v0lk",
        "ab1",
        "а",
        "ж",
        " ",
        " ",
        " ",
        "x y",
        "zzzz",
        "k 4 n",
        "aaa",
        "the",
        "ongedierte",
        "é",
    ];
    let mut rng = xorshift(9);
    let (mut with, mut out, mut reference) = (0, Vec::new(), Vec::new());
    for round in 0..40_000 {
        let mut text = String::new();
        for _ in 0..rng() % 30 {
            text.push_str(pieces[rng() % pieces.len()]);
        }
        let normalized = crate::normalize(&text);
        let options = VariantOptions {
            confusables: round % 5 != 1,
            squeeze: round % 5 != 2,
            joined: round % 5 != 3,
            emoji: false,
        };
        let context = round % 3;
        variant_windows(normalized.as_bytes(), None, options, context, &mut out);
        windows_found_by(
            every_block,
            normalized.as_bytes(),
            None,
            options,
            context,
            &mut reference,
        );
        assert_eq!(out, reference, "{normalized:?} {options:?}");
        with += usize::from(!out.is_empty());
    }
    assert!(with > 10_000, "{with}");
}

#[test]
fn the_cheap_test_passes_every_field_that_varies() {
    for text in [
        "v0lksverrader",
        "a b c d",
        "x y z",
        "ongedieeeerte",
        "k@nker",
        "$ukkel",
        "volksverrаder",
        "dat zijn o n g e d i e r t e ja",
    ] {
        assert!(
            may_vary(text, crate::normalize(text).as_bytes(), ALL),
            "{text}"
        );
    }
    let no_emoji = VariantOptions {
        emoji: false,
        ..ALL
    };
    for text in [
        "gewoon een zin over 2024 en de gemeente",
        "@jan zei het",
        "mail: a @ home, 3 keer",
    ] {
        assert!(
            !may_vary(text, crate::normalize(text).as_bytes(), no_emoji),
            "{text}"
        );
    }
}
