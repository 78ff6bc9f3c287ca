use serde::{Deserialize, Serialize};

/// A language guess: ISO 639-3 code (`"nld"`, `"eng"`) with `whatlang`'s confidence.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Language {
    pub code: String,
    pub confidence: f64,
    /// `whatlang`'s own judgement whether the guess is reliable (short posts often are not).
    #[serde(default)]
    pub reliable: bool,
}

/// Guess the language of a text; `None` when the text gives no clue (empty, digits only).
pub fn detect_language(text: &str) -> Option<Language> {
    // whatlang reads the whole text; the first few KiB say as much as the rest.
    let mut end = text.len().min(4096);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let info = whatlang::detect(&text[..end])?;
    Some(Language {
        code: info.lang().code().to_string(),
        confidence: (info.confidence() * 1000.0).round() / 1000.0,
        reliable: info.is_reliable(),
    })
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
        let en = detect_language(
            "The council announced today that the new plan for the neighbourhood has been postponed.",
        )
        .unwrap();
        assert_eq!(en.code, "eng");
        assert!(detect_language("").is_none());
    }
}
