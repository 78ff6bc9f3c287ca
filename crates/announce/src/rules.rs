//! The rules that make a call with a time or a place *no* announcement, each with its
//! words. Grammar lives here; the words a curator should extend (online-only events,
//! fixtures, police warnings) are categories of the announcement lexicon instead.

use crate::tokens::{Kind, Token, Tokens};

/// Why a call with a time or a place is not an announcement (or not one yet).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reason {
    /// A call alone: no time and no square, street or landmark.
    NoTimeOrPlace,
    /// An everyday call word (`we gaan`) without both a time and a place.
    WeakCall,
    /// The time named is before publication (`gisteren om 20:00`), or the call's sentence
    /// is in the past tense (`verzamelden`, `was`) without a word of the future.
    Past,
    /// The call's sentence is a question.
    Question,
    /// The call's sentence is a hypothetical (`stel dat`, `als`, `zou`, `what if`).
    Hypothetical,
    /// The call is negated (`kom niet`, `don't come`).
    Negated,
    /// Police, a municipality or the news warn about or report a call
    /// (lexicon `waarschuwing`).
    Warning,
    /// An online-only event (lexicon `online`) with no physical place named.
    OnlineOnly,
    /// An ordinary fixture (lexicon `wedstrijd`), unless the call is for after it
    /// (`na de wedstrijd`).
    Fixture,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::NoTimeOrPlace => "no_time_or_place",
            Reason::WeakCall => "weak_call",
            Reason::Past => "past",
            Reason::Question => "question",
            Reason::Hypothetical => "hypothetical",
            Reason::Negated => "negated",
            Reason::Warning => "warning",
            Reason::OnlineOnly => "online_only",
            Reason::Fixture => "fixture",
        }
    }
}

/// Verbs in the past tense (Dutch and English) that make a sentence a report.
const PAST_TENSE: &[&str] = &[
    "was",
    "waren",
    "werd",
    "werden",
    "ging",
    "gingen",
    "kwam",
    "kwamen",
    "stond",
    "stonden",
    "hadden",
    "verzamelden",
    "verzamelde",
    "liep",
    "liepen",
    "geweest",
    "gebeurde",
    "gebeurd",
    "ontstond",
    "ontstonden",
    "escaleerde",
    "escaleerden",
    "raakte",
    "raakten",
    "trok",
    "trokken",
    "gooiden",
    "vernielden",
    "bekogelden",
    "hielden",
    "demonstreerden",
    "protesteerden",
    "blokkeerden",
    "verzameld",
    "gedemonstreerd",
    "geprotesteerd",
    "were",
    "went",
    "gathered",
    "happened",
    "rioted",
    "protested",
    "marched",
    "came",
    "took",
    "showed",
    "turned",
];

/// Words of the future that keep a sentence with a past-tense verb an announcement.
const FUTURE: &[&str] = &[
    "morgen",
    "vanavond",
    "straks",
    "komende",
    "komend",
    "aanstaande",
    "volgende",
    "zal",
    "zullen",
    "gaan",
    "gaat",
    "tomorrow",
    "tonight",
    "next",
    "will",
    "upcoming",
    "opnieuw",
    "weer",
    "again",
];

/// Words that make a sentence hypothetical anywhere in it.
const HYPOTHETICAL: &[&str] = &[
    "stel",
    "zou",
    "zouden",
    "zou",
    "misschien",
    "wellicht",
    "would",
    "could",
    "imagine",
    "suppose",
    "maybe",
    "perhaps",
];

/// Words that make a sentence hypothetical at its start (`als`, `if`).
const HYPOTHETICAL_START: &[&str] = &["als", "indien", "if", "wat"];

/// Negations right beside a call.
const NEGATION: &[&str] = &["niet", "nooit", "geen", "not", "never", "dont"];

const PAST: u8 = 1;
const FUTURE_WORD: u8 = 2;
const HYPOTHETICAL_WORD: u8 = 4;

/// What the words of each sentence of a field say, read once per field: one look-up per
/// word instead of one pass of every list per call.
pub struct Facts {
    /// Per sentence: [`PAST`], [`FUTURE_WORD`] and [`HYPOTHETICAL_WORD`] bits.
    sentences: Vec<u8>,
}

impl Facts {
    pub fn of(tokens: &Tokens) -> Facts {
        use std::collections::HashMap;
        use std::sync::OnceLock;
        static CLASSES: OnceLock<HashMap<&'static str, u8, crate::FastHash>> = OnceLock::new();
        let classes = CLASSES.get_or_init(|| {
            let mut map = HashMap::default();
            for (list, bit) in [
                (PAST_TENSE, PAST),
                (FUTURE, FUTURE_WORD),
                (HYPOTHETICAL, HYPOTHETICAL_WORD),
            ] {
                for w in list {
                    *map.entry(*w).or_insert(0) |= bit;
                }
            }
            map
        });
        let mut sentences = vec![0u8; tokens.sentences.len()];
        for t in &tokens.tokens {
            if t.kind == Kind::Word {
                if let Some(bits) = classes.get(t.text.as_ref()) {
                    sentences[t.sentence as usize] |= bits;
                }
            }
        }
        Facts { sentences }
    }

    /// Whether the sentence of token `at` is in the past tense with no word of the future.
    pub fn past_tense(&self, tokens: &Tokens, at: usize) -> bool {
        self.sentences[tokens.tokens[at].sentence as usize] & (PAST | FUTURE_WORD) == PAST
    }

    /// Whether the sentence of token `at` is a hypothetical.
    pub fn hypothetical(&self, tokens: &Tokens, at: usize) -> bool {
        let n = tokens.tokens[at].sentence;
        if self.sentences[n as usize] & HYPOTHETICAL_WORD != 0 {
            return true;
        }
        let mut words = tokens.sentence(n).iter().filter(|t| t.kind == Kind::Word);
        let (first, second) = (words.next(), words.next());
        // `wat` opens a hypothetical only as `wat als`
        let opener = first.filter(|t| HYPOTHETICAL_START.contains(&t.text.as_ref()));
        let starts = opener.is_some_and(|t| !t.is("wat") || second.is_some_and(|t| t.is("als")));
        let words: Vec<&Token> = tokens
            .sentence(n)
            .iter()
            .filter(|t| t.kind == Kind::Word)
            .collect();
        starts
            || words
                .windows(2)
                .any(|w| (w[0].is("what") && w[1].is("if")) || (w[0].is("wat") && w[1].is("als")))
    }
}

/// Whether the call at tokens `first..end` is negated: a negation among the two words
/// before it, or among the two words after it in its clause (`kom niet`, `kom morgen
/// niet`, `niet komen`, `don't come`).
pub fn negated(tokens: &Tokens, first: usize, end: usize) -> bool {
    let sentence = tokens.tokens[first].sentence;
    let is_negation = |t: &Token| {
        t.sentence == sentence
            && t.kind == Kind::Word
            && NEGATION.contains(&t.text.as_ref())
            && t.text != "t"
    };
    // `don't`, `can't`: the `t` after an apostrophe
    let apostrophe_t = |k: usize| {
        k >= 2
            && tokens.tokens.get(k).is_some_and(|t| t.is("t") && !t.gap)
            && tokens.tokens[k - 1].is_punct(&['\'', '’'])
            && matches!(
                tokens.tokens[k - 2].text.as_ref(),
                "don" | "can" | "won" | "didn"
            )
    };
    let before = tokens.tokens[first.saturating_sub(2)..first]
        .iter()
        .any(is_negation)
        || (first >= 1 && apostrophe_t(first - 1));
    // right after it, or after one more word in the same clause (`kom morgen niet`)
    let after = (end..end + 2)
        .take_while(|&k| tokens.tokens.get(k).is_some_and(|t| t.kind == Kind::Word))
        .any(|k| is_negation(&tokens.tokens[k]));
    before || after
}

/// Whether the fixture word at token `at` is what the call comes after (`na de wedstrijd`,
/// `na afloop`, `after the match`): then the fixture is the occasion, not the event.
pub fn after_fixture(tokens: &Tokens, at: usize) -> bool {
    let words: Vec<&str> = tokens.tokens[at.saturating_sub(2)..at]
        .iter()
        .map(|t| t.text.as_ref())
        .collect();
    words.contains(&"na") || words.contains(&"after") || words.contains(&"afloop")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at<'a>(text: &'a str, word: &str) -> (Tokens<'a>, usize) {
        let tokens = Tokens::new(text);
        let k = tokens.tokens.iter().position(|t| t.is(word)).unwrap();
        (tokens, k)
    }

    fn past_tense(t: &Tokens, k: usize) -> bool {
        Facts::of(t).past_tense(t, k)
    }

    fn hypothetical(t: &Tokens, k: usize) -> bool {
        Facts::of(t).hypothetical(t, k)
    }

    #[test]
    fn past_tense_needs_no_future_word() {
        let (t, k) = at("Gisteren verzamelden we op de Dam", "verzamelden");
        assert!(past_tense(&t, k));
        let (t, k) = at(
            "Vorige keer waren we met 200, morgen verzamelen we weer",
            "verzamelen",
        );
        assert!(!past_tense(&t, k));
        let (t, k) = at("Het was rustig. Morgen verzamelen!", "verzamelen");
        assert!(!past_tense(&t, k));
    }

    #[test]
    fn hypotheticals_and_negations() {
        let (t, k) = at(
            "Als ze de wet aannemen, verzamelen we op het Malieveld",
            "verzamelen",
        );
        assert!(hypothetical(&t, k));
        let (t, k) = at("Wat als we allemaal naar de Dam gaan", "allemaal");
        assert!(hypothetical(&t, k));
        let (t, k) = at("Wat een opkomst, verzamelen om 8!", "verzamelen");
        assert!(!hypothetical(&t, k));
        let (t, k) = at("Kom niet naar de Coolsingel", "kom");
        assert!(negated(&t, k, k + 1));
        let (t, k) = at("Please don't come to the square", "come");
        assert!(negated(&t, k, k + 1));
        let (t, k) = at("Kom allemaal, niet vergeten", "kom");
        assert!(!negated(&t, k, k + 2));
        let (t, k) = at("Kom morgen niet naar de Dam", "kom");
        assert!(negated(&t, k, k + 1));
        // a stray `t` (`naar t stadhuis`) is no `don't`
        let (t, k) = at("allemaal naar t stadhuis", "allemaal");
        assert!(!negated(&t, k, k + 2));
    }
}
