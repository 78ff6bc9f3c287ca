//! What the words around a hit say about it: negated, quoted, or counter-speech.
//!
//! Run only for hits (rare), on the original text around each, so its cost does not
//! depend on the size of a post; each rule looks at most [`REACH`] bytes either side.
//!
//! * **Negated**: a negation (`geen niet nooit niemand nergens noch`, `no not never nobody
//!   none neither nor cannot` and `n't`) among the four words before the hit, within its
//!   clause (a clause ends at `. , ; : ! ? ( )`, a line break, a dash, or `maar`/`but`):
//!   `zij zijn geen ongedierte`, `noem mensen nooit ongedierte`, but not `het zijn geen
//!   mensen, het is ongedierte`.
//! * **Quoted**: inside double quotes (`"`, `“…”`, `„…”`, `«…»`) opened earlier in the text
//!   and closed after the hit; the hit's word wrapped in single quotes (`'ongedierte'`,
//!   `‘ongedierte’`); or reported speech in its sentence: a verb of saying before it
//!   (`zei`, `noemde`, `volgens`, `said`, `called`, ...) or after it (`... ongedierte
//!   noemen`, `genoemd`).
//! * **Counter-speech**: its sentence condemns (`walgelijk`, `schandalig`, `verwerpelijk`,
//!   `onacceptabel`, `ontmenselijkend`, `disgusting`, `shameful`, `racist`, ...).

use websense_model::ContextTag;
use websense_normalize::normalize;

pub(crate) const NEGATED: u8 = 1;
pub(crate) const QUOTED: u8 = 2;
pub(crate) const COUNTER_SPEECH: u8 = 4;

/// How far (in bytes) the rules look either side of a hit.
const REACH: usize = 240;
/// Words before a hit that a negation may stand in.
const NEGATION_WINDOW: usize = 4;

const NEGATIONS: &[&str] = &[
    "geen", "niet", "nooit", "niemand", "nergens", "noch", "no", "not", "never", "nobody", "none",
    "neither", "nor", "cannot", "dont", "doesnt", "didnt", "isnt", "arent", "wasnt", "werent",
    "wont", "cant", "shouldnt",
];
const CLAUSE_WORDS: &[&str] = &["maar", "but", "want", "however", "echter"];
const SAYING_BEFORE: &[&str] = &[
    "zei",
    "zeiden",
    "zegt",
    "zeggen",
    "noemde",
    "noemden",
    "noemt",
    "genoemd",
    "schreef",
    "schreven",
    "tweette",
    "twitterde",
    "beweerde",
    "beweert",
    "riep",
    "aldus",
    "volgens",
    "citeer",
    "citaat",
    "said",
    "says",
    "called",
    "calls",
    "wrote",
    "tweeted",
    "claimed",
    "claims",
    "according",
    "quote",
    "quoted",
];
const SAYING_AFTER: &[&str] = &[
    "noemen", "noemde", "noemden", "noemt", "genoemd", "aldus", "zei", "zeggen", "said", "called",
    "calling",
];
const CONDEMNING: &[&str] = &[
    "walgelijk",
    "walgelijke",
    "schandalig",
    "schandalige",
    "verwerpelijk",
    "verwerpelijke",
    "onacceptabel",
    "onaanvaardbaar",
    "ontoelaatbaar",
    "misselijkmakend",
    "kwalijk",
    "ontmenselijkend",
    "ontmenselijkende",
    "ontmenselijking",
    "racistisch",
    "racistische",
    "veroordelen",
    "veroordeel",
    "schaam",
    "schande",
    "disgusting",
    "shameful",
    "unacceptable",
    "appalling",
    "despicable",
    "dehumanising",
    "dehumanizing",
    "racist",
    "condemn",
    "condemns",
    "vile",
];

/// The context tags (bits) of the hit at `start..end` of `text`.
pub(crate) fn context_of(text: &str, start: usize, end: usize) -> u8 {
    let before = &text[floor(text, start.saturating_sub(REACH))..start];
    let after = &text[end..ceil(text, (end + REACH).min(text.len()))];
    let sentence_before = after_last(before, &['.', '!', '?', '\n']);
    let sentence_after = &after[..after.find(['.', '!', '?', '\n']).unwrap_or(after.len())];
    let clause_before = after_last(sentence_before, &[',', ';', ':', '(', ')', '–', '—']);
    let clause_after = &sentence_after[..sentence_after
        .find([',', ';', ':', '(', ')'])
        .unwrap_or(sentence_after.len())];

    let mut tags = 0;
    let words_before = normalize(clause_before);
    let mut window: Vec<&str> = words_before.split(' ').filter(|w| !w.is_empty()).collect();
    if let Some(cut) = window.iter().rposition(|w| CLAUSE_WORDS.contains(w)) {
        window.drain(..=cut);
    }
    let window = &window[window.len().saturating_sub(NEGATION_WINDOW)..];
    let contraction = window
        .windows(2)
        .any(|w| w[0].ends_with('n') && w[1] == "t");
    if contraction || window.iter().any(|w| NEGATIONS.contains(w)) {
        tags |= NEGATED;
    }

    if inside_double_quotes(&text[..start], &text[end..]) || wrapped_in_single_quotes(before, after)
    {
        tags |= QUOTED;
    } else {
        let said_before = normalize(sentence_before);
        let said_after = normalize(clause_after);
        if said_before.split(' ').any(|w| SAYING_BEFORE.contains(&w))
            || said_after
                .split(' ')
                .take(4)
                .any(|w| SAYING_AFTER.contains(&w))
        {
            tags |= QUOTED;
        }
    }

    let sentence = normalize(&format!("{sentence_before} {sentence_after}"));
    if sentence.split(' ').any(|w| CONDEMNING.contains(&w)) {
        tags |= COUNTER_SPEECH;
    }
    tags
}

/// Whether a double quotation opened before the hit is still open there and closes after it.
fn inside_double_quotes(before: &str, after: &str) -> bool {
    let before = &before[floor(before, before.len().saturating_sub(4 * REACH))..];
    let straight = before.matches('"').count() % 2 == 1 && after.contains('"');
    let open = |opens: &[char], closes: &[char]| {
        let o = before.rfind(opens);
        let c = before.rfind(closes);
        matches!((o, c), (Some(o), c) if c.is_none_or(|c| c < o)) && after.contains(closes)
    };
    straight || open(&['“', '„'], &['”', '“']) && !before.ends_with('”') || open(&['«'], &['»'])
}

/// Whether the hit's word is wrapped in single quotes: `'ongedierte'`, `‘ongedierte’`.
fn wrapped_in_single_quotes(before: &str, after: &str) -> bool {
    let word_start = before.trim_end_matches(|c: char| c.is_alphanumeric());
    let opened = word_start.ends_with(['\'', '‘']);
    let rest = after.trim_start_matches(|c: char| c.is_alphanumeric());
    opened && rest.starts_with(['\'', '’'])
}

/// What follows the last of `chars` in `text` (all of it when there is none).
fn after_last<'a>(text: &'a str, chars: &[char]) -> &'a str {
    match text.char_indices().rev().find(|(_, c)| chars.contains(c)) {
        Some((i, c)) => &text[i + c.len_utf8()..],
        None => text,
    }
}

fn floor(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn ceil(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at += 1;
    }
    at
}

/// The tags of `bits`, in a fixed order.
pub(crate) fn tags(bits: u8) -> Vec<ContextTag> {
    let mut tags = Vec::new();
    if bits & NEGATED != 0 {
        tags.push(ContextTag::Negated);
    }
    if bits & QUOTED != 0 {
        tags.push(ContextTag::Quoted);
    }
    if bits & COUNTER_SPEECH != 0 {
        tags.push(ContextTag::CounterSpeech);
    }
    tags
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(text: &str, term: &str) -> u8 {
        let start = text.find(term).unwrap();
        context_of(text, start, start + term.len())
    }

    #[test]
    fn negation_quotation_and_counter_speech() {
        assert_eq!(of("Zij zijn geen ongedierte.", "ongedierte"), NEGATED);
        assert_eq!(of("Noem mensen nooit ongedierte!", "ongedierte"), NEGATED);
        assert_eq!(of("They are not vermin", "vermin"), NEGATED);
        assert_eq!(of("don't call them vermin", "vermin"), NEGATED);
        assert_eq!(
            of("Het zijn geen mensen, het is ongedierte", "ongedierte"),
            0
        );
        assert_eq!(of("Dit is ongedierte", "ongedierte"), 0);
        assert_eq!(of("Hij noemde hen ongedierte.", "ongedierte"), QUOTED);
        assert_eq!(
            of(
                "Ze riep: \"Weg met dat ongedierte\" en liep weg",
                "ongedierte"
            ),
            QUOTED
        );
        assert_eq!(
            of("Het woord 'ongedierte' hoort hier niet", "ongedierte"),
            QUOTED
        );
        assert_eq!(
            of("Dat is „ongedierte” volgens hem", "ongedierte") & QUOTED,
            QUOTED
        );
        assert_eq!(
            of(
                "Het is walgelijk dat mensen vluchtelingen ongedierte noemen.",
                "ongedierte"
            ),
            QUOTED | COUNTER_SPEECH
        );
        assert_eq!(of("\"Hoi\" zei ze. Tuig is het.", "Tuig"), 0);
    }
}
