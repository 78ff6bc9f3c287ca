//! Language guesses for posts.
//!
//! [`detect_language`] reads a bounded sample ([`SAMPLE_BYTES`] of the text, URLs and
//! @handles left out, the `#` of hashtags dropped) and answers with one of two detectors:
//!
//! * **`whichlang`** (a linear model over character n-grams, a few µs a post) for Latin-script
//!   text, when its answer is one of its Latin-script languages (Dutch, English, German,
//!   French, Spanish, Italian, Portuguese, Swedish, Turkish, Vietnamese) *and* every letter of
//!   the sample belongs to that language's alphabet;
//! * **`whatlang`** (trigram profiles of 69 languages) otherwise: other scripts (Arabic,
//!   Persian and Urdu; Russian, Ukrainian and Bulgarian; ...), and Latin-script text with a
//!   letter the `whichlang` answer's alphabet lacks (Polish `ł ą ę ś`, Romanian `ș ț`, Czech
//!   `ř`, ...): the languages `whichlang` does not know, which it would otherwise name wrongly.
//!
//! Why: `whatlang` compares every Latin-script text with 37 profiles of 300 trigrams, ~90 µs
//! a post however short, more than half of the collector's CPU; and on short, emoji- or
//! URL-heavy posts it often names a neighbour (Afrikaans for Dutch, Catalan or Welsh for
//! English). On our own labelled sample (`samples/languages.jsonl`, 193 posts in 14
//! languages; `websense bench lang`) this combination names 189 right where `whatlang` on the
//! raw text named 162, at ~11 µs a post instead of ~60 µs. One trade-off: a Polish post
//! without a single Polish letter (`Co za wstyd!`) goes by `whichlang`'s answer, which cannot
//! be Polish (two such posts of 22 Polish ones; `whatlang` had one of them right).
//!
//! `whichlang` gives no score: its answers carry confidence 1.0 and count as reliable when the
//! sample has at least [`RELIABLE_LETTERS`] letters, confidence 0.5 and not reliable below.
//! `whatlang`'s answers carry its own confidence and reliability.

use serde::{Deserialize, Serialize};

/// A language guess: ISO 639-3 code (`"nld"`, `"eng"`) with the detector's confidence.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Language {
    pub code: String,
    pub confidence: f64,
    /// Whether the guess is reliable (short posts often are not; see [`detect_language`]).
    #[serde(default)]
    pub reliable: bool,
}

/// Bytes of a text the detectors read: a post's language shows in its first sentences, and a
/// bound keeps a huge post as cheap as a long one.
pub const SAMPLE_BYTES: usize = 1024;

/// Letters from which a `whichlang` answer counts as reliable.
pub const RELIABLE_LETTERS: usize = 20;

/// Guess the language of a text; `None` when the text gives no clue (empty, digits only,
/// emoji only, links only).
pub fn detect_language(text: &str) -> Option<Language> {
    let mut sample = String::with_capacity(text.len().min(SAMPLE_BYTES));
    push_sample(&mut sample, text);
    detect_sample(&sample)
}

/// [`detect_language`] of a title followed by a text, without joining them first.
pub fn detect_language_of(title: &str, text: &str) -> Option<Language> {
    let mut sample = String::with_capacity((title.len() + text.len() + 1).min(SAMPLE_BYTES));
    push_sample(&mut sample, title);
    if !sample.is_empty() && sample.len() < SAMPLE_BYTES {
        sample.push('\n');
    }
    push_sample(&mut sample, text);
    detect_sample(&sample)
}

/// Which detector answers, for `websense bench lang` and tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Detector {
    /// The two together, as [`detect_language`] does.
    Combined,
    /// `whatlang` alone, on the same sample.
    Whatlang,
    /// `whichlang` alone, on the same sample (it always names one of its 16 languages).
    Whichlang,
    /// `whatlang` on the text's first 4096 bytes as they are (links and handles included):
    /// what websense did before this module chose between two detectors.
    WhatlangRaw,
}

/// [`detect_language`] with a chosen detector (to compare them on the same sample).
pub fn detect_language_with(text: &str, detector: Detector) -> Option<Language> {
    if detector == Detector::WhatlangRaw {
        let mut end = text.len().min(4096);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        return by_whatlang(&text[..end]);
    }
    let mut sample = String::with_capacity(text.len().min(SAMPLE_BYTES));
    push_sample(&mut sample, text);
    match detector {
        Detector::Combined => detect_sample(&sample),
        Detector::Whatlang | Detector::WhatlangRaw => by_whatlang(&sample),
        Detector::Whichlang => {
            let letters = sample.chars().filter(|c| c.is_alphabetic()).count();
            (letters > 0).then(|| by_whichlang(whichlang::detect_language(&sample), letters))
        }
    }
}

fn detect_sample(sample: &str) -> Option<Language> {
    if whatlang::detect_script(sample)? != whatlang::Script::Latin {
        return by_whatlang(sample);
    }
    let lang = whichlang::detect_language(sample);
    match alphabet(lang) {
        Some(extra) => match letters_fit(sample, extra) {
            Some(letters) => Some(by_whichlang(lang, letters)),
            None => by_whatlang(sample),
        },
        None => by_whatlang(sample),
    }
}

fn by_whatlang(sample: &str) -> Option<Language> {
    let info = whatlang::detect(sample)?;
    Some(Language {
        code: info.lang().code().to_string(),
        confidence: (info.confidence() * 1000.0).round() / 1000.0,
        reliable: info.is_reliable(),
    })
}

fn by_whichlang(lang: whichlang::Lang, letters: usize) -> Language {
    let reliable = letters >= RELIABLE_LETTERS;
    Language {
        code: lang.three_letter_code().to_string(),
        confidence: if reliable { 1.0 } else { 0.5 },
        reliable,
    }
}

/// The letters beyond `a`-`z` of a `whichlang` language written in Latin script; `None` for
/// its other languages (Arabic, Chinese, Hindi, Japanese, Korean, Russian).
fn alphabet(lang: whichlang::Lang) -> Option<&'static str> {
    use whichlang::Lang::*;
    Some(match lang {
        Eng => "",
        Nld => "áàäéèëêíïóöúüĳ",
        Deu => "äöüßé",
        Fra => "àâæçéèêëîïôœùûüÿ",
        Ita => "àèéìíîòóùú",
        Spa => "áéíñóúü",
        Por => "áâãàçéêíóôõú",
        Swe => "åäöé",
        Tur => "âçğıîöşüû",
        Vie => "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ",
        Ara | Cmn | Hin | Jpn | Kor | Rus => return None,
    })
}

/// The number of letters in `sample` when every one is `a`-`z` or in `extra` (compared in
/// lower case); `None` when one is not.
fn letters_fit(sample: &str, extra: &str) -> Option<usize> {
    let mut letters = 0;
    for c in sample.chars() {
        if c.is_ascii() {
            letters += usize::from(c.is_ascii_alphabetic());
            continue;
        }
        if !c.is_alphabetic() {
            continue;
        }
        letters += 1;
        // Turkish dotted capital I lowercases to `i` + U+0307; `i` itself is always in.
        if !c
            .to_lowercase()
            .all(|l| l.is_ascii() || extra.contains(l) || l == '\u{307}')
        {
            return None;
        }
    }
    Some(letters)
}

/// Append `text` to `sample` up to [`SAMPLE_BYTES`] in all, leaving out what is not language:
/// URLs (`http://`, `https://`, `www.`), @handles and the `#` of hashtags.
fn push_sample(sample: &mut String, text: &str) {
    for word in text.split_inclusive(char::is_whitespace) {
        if sample.len() >= SAMPLE_BYTES {
            break;
        }
        let bare = word.trim_start_matches(['(', '[', '"', '\'']);
        let lower_start = bare.get(..8).unwrap_or(bare).to_ascii_lowercase();
        if lower_start.starts_with("http://")
            || lower_start.starts_with("https://")
            || lower_start.starts_with("www.")
            || (bare.starts_with('@') && bare.len() > 1)
        {
            if let Some(space) = word.chars().last().filter(|c| c.is_whitespace()) {
                sample.push(space);
            }
            continue;
        }
        let word = word.strip_prefix('#').unwrap_or(word);
        let room = SAMPLE_BYTES - sample.len();
        if word.len() <= room {
            sample.push_str(word);
        } else {
            let mut end = room;
            while !word.is_char_boundary(end) {
                end -= 1;
            }
            sample.push_str(&word[..end]);
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_dutch_and_english() {
        let nl = detect_language(
            "De gemeente heeft vandaag bekendgemaakt dat het nieuwe plan voor de wijk wordt uitgesteld.",
        )
        .unwrap();
        assert_eq!(nl.code, "nld");
        assert!(nl.reliable);
        let en = detect_language(
            "The council announced today that the new plan for the neighbourhood has been postponed.",
        )
        .unwrap();
        assert_eq!(en.code, "eng");
        assert!(detect_language("").is_none());
        assert!(detect_language("12 345 😀 🎉").is_none());
        assert!(detect_language("https://example.org/abc @someone").is_none());
    }

    /// Languages `whichlang` does not know go to `whatlang` because of a letter outside the
    /// alphabet of `whichlang`'s answer, or because of their script.
    #[test]
    fn languages_whichlang_lacks_are_still_named() {
        for (text, code) in [
            ("Rada miasta w końcu zdecydowała o naprawie dróg na osiedlu po wielu miesiącach skarg.", "pol"),
            ("Consiliul local a decis în sfârșit să repare străzile din cartier după luni de plângeri.", "ron"),
            ("Міська рада нарешті вирішила відремонтувати дороги в нашому районі після місяців скарг.", "ukr"),
            ("Общинският съвет най-накрая реши да ремонтира улиците в квартала след месеци на оплаквания.", "bul"),
        ] {
            assert_eq!(detect_language(text).unwrap().code, code, "{text}");
        }
    }

    /// Short and link-heavy posts: `whatlang` alone named Afrikaans, Indonesian, Danish or
    /// French here (the behaviour this module changed).
    #[test]
    fn short_and_link_heavy_posts() {
        for (text, code) in [
            ("Niet normaal dit", "nld"),
            ("Hoezo dan?", "nld"),
            ("Gefeliciteerd met je verjaardag lieve oma 🎂❤️❤️", "nld"),
            ("@wethouder_jansen kunt u uitleggen waarom dit zo duur is? https://t.co/Ab12Cd34 #begroting #raad", "nld"),
            ("Mehr dazu: https://www.stadt.example.de/aktuelles/2024/03/stadtrat?utm_medium=feed #Stadtrat @Rathaus", "deu"),
            ("اقرأ الخبر كاملاً: https://www.news.example.com/ar/2024/03/baladiya?utm_source=rss #البلدية @rais", "ara"),
        ] {
            assert_eq!(detect_language(text).unwrap().code, code, "{text}");
        }
    }

    #[test]
    fn the_sample_is_bounded_and_leaves_out_links_and_handles() {
        let mut s = String::new();
        push_sample(
            &mut s,
            "Zie https://x.example/a?b=c en (www.y.example) @piet #raad besluit",
        );
        assert_eq!(s, "Zie  en   raad besluit");
        let huge = "é".repeat(1_000_000);
        let mut s = String::new();
        push_sample(&mut s, &huge);
        assert!(s.len() <= SAMPLE_BYTES && s.len() >= SAMPLE_BYTES - 1);
        let mut s = String::new();
        push_sample(&mut s, &"woord ".repeat(10_000));
        assert!(s.len() <= SAMPLE_BYTES);
    }

    /// A post far beyond the sample is named from its first [`SAMPLE_BYTES`]: Dutch first,
    /// then megabytes of English.
    #[test]
    fn a_huge_post_is_named_from_its_start() {
        let text = format!(
            "{}{}",
            "De gemeente heeft vandaag bekendgemaakt dat het plan voor de wijk wordt uitgesteld. "
                .repeat(20),
            "The council announced today that the plan has been postponed again. ".repeat(50_000)
        );
        assert_eq!(detect_language(&text).unwrap().code, "nld");
        assert_eq!(
            detect_language_of("Raad stelt plan uit", &text)
                .unwrap()
                .code,
            "nld"
        );
    }

    #[test]
    fn turkish_capital_dotted_i_fits_the_alphabet() {
        assert_eq!(
            detect_language("İSTANBUL'DA BUGÜN HAVA ÇOK GÜZEL, HERKES DIŞARIDA")
                .unwrap()
                .code,
            "tur"
        );
    }
}
