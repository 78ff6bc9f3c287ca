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

pub(crate) const NEGATED: u8 = 1;
pub(crate) const QUOTED: u8 = 2;
pub(crate) const COUNTER_SPEECH: u8 = 4;

/// How far (in bytes) the rules look either side of a hit.
const REACH: usize = 160;
/// Words before a hit that a negation may stand in.
const NEGATION_WINDOW: usize = 4;

// What a word says, as bits: one per list below.
const NEGATIONS: u8 = 1;
const CLAUSE_WORDS: u8 = 2;
const SAYING_BEFORE: u8 = 4;
const SAYING_AFTER: u8 = 8;
const CONDEMNING: u8 = 16;

/// The lists `word` is on (ASCII case ignored): negations (`geen niet nooit niemand
/// nergens noch`, `no not never nobody none neither nor cannot` and their spellings without
/// apostrophe), clause words (`maar`, `but`, ...), verbs of saying before a hit (`zei`,
/// `noemde`, `volgens`, `said`, `called`, ...) and after it (`noemen`, `genoemd`, ...),
/// and condemning words (`walgelijk`, `schandalig`, `disgusting`, `racist`, ...). One
/// `match`, so a word costs a length switch and a comparison or two.
fn classify(bytes: &[u8]) -> u8 {
    if bytes.len() < 2 || bytes.len() > 16 {
        return 0;
    }
    let mut lower = [0u8; 16];
    for (l, b) in lower.iter_mut().zip(bytes) {
        *l = b.to_ascii_lowercase();
    }
    match &lower[..bytes.len()] {
        b"arent" | b"cannot" | b"cant" | b"didnt" | b"doesnt" | b"dont" | b"geen" | b"isnt"
        | b"neither" | b"nergens" | b"never" | b"niemand" | b"niet" | b"no" | b"nobody"
        | b"noch" | b"none" | b"nooit" | b"nor" | b"not" | b"shouldnt" | b"wasnt" | b"werent"
        | b"wont" => 1,
        b"but" | b"echter" | b"however" | b"maar" | b"want" => 2,
        b"according" | b"beweerde" | b"beweert" | b"calls" | b"citaat" | b"citeer" | b"claimed"
        | b"claims" | b"quote" | b"quoted" | b"riep" | b"says" | b"schreef" | b"schreven"
        | b"tweeted" | b"tweette" | b"twitterde" | b"volgens" | b"wrote" | b"zegt" | b"zeiden" => 4,
        b"calling" | b"noemen" => 8,
        b"aldus" | b"called" | b"genoemd" | b"noemde" | b"noemden" | b"noemt" | b"said"
        | b"zeggen" | b"zei" => 12,
        b"appalling" | b"condemn" | b"condemns" | b"dehumanising" | b"dehumanizing"
        | b"despicable" | b"disgusting" | b"kwalijk" | b"misselijkmakend" | b"onaanvaardbaar"
        | b"onacceptabel" | b"ontmenselijkend" | b"ontmenselijkende" | b"ontmenselijking"
        | b"ontoelaatbaar" | b"racist" | b"racistisch" | b"racistische" | b"schaam"
        | b"schandalig" | b"schandalige" | b"schande" | b"shameful" | b"unacceptable"
        | b"veroordeel" | b"veroordelen" | b"verwerpelijk" | b"verwerpelijke" | b"vile"
        | b"walgelijk" | b"walgelijke" => 16,
        _ => 0,
    }
}

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
    // The last words of the clause, back to a clause word (`maar`, `but`).
    let mut window: [&[u8]; NEGATION_WINDOW] = [b""; NEGATION_WINDOW];
    let mut taken = 0;
    for word in words(clause_before).rev() {
        if taken == NEGATION_WINDOW || classify(word) & CLAUSE_WORDS != 0 {
            break;
        }
        window[taken] = word;
        taken += 1;
    }
    let window = &window[..taken];
    // (reversed: `don t` is `t`, `don`)
    let contraction = window
        .windows(2)
        .any(|w| w[0].eq_ignore_ascii_case(b"t") && w[1].last().is_some_and(|&b| b | 0x20 == b'n'));
    if contraction || window.iter().any(|w| classify(w) & NEGATIONS != 0) {
        tags |= NEGATED;
    }

    let far_before = &text[floor(text, start.saturating_sub(2 * REACH))..start];
    let far_after = &text[end..ceil(text, (end + 2 * REACH).min(text.len()))];
    // (most posts hold no double quote at all: `"`, or `“ ” „ « »`, whose UTF-8 starts
    // with 0xE2 or 0xC2)
    let may_quote = memchr::memchr3(b'"', 0xE2, 0xC2, far_before.as_bytes()).is_some();
    let quoted = (may_quote && inside_double_quotes(far_before, far_after))
        || wrapped_in_single_quotes(before, after);
    let reported = || {
        words(sentence_before).any(|w| classify(w) & SAYING_BEFORE != 0)
            || words(clause_after)
                .take(4)
                .any(|w| classify(w) & SAYING_AFTER != 0)
    };
    if quoted || reported() {
        tags |= QUOTED;
    }

    if words(sentence_before)
        .chain(words(sentence_after))
        .any(|w| classify(w) & CONDEMNING != 0)
    {
        tags |= COUNTER_SPEECH;
    }
    tags
}

/// The words of `text`: runs of ASCII letters and digits and of characters outside ASCII
/// (an apostrophe splits, as in the normal form: `don't` is `don`, `t`). Bytes, not
/// characters: this runs around every hit.
fn words(text: &str) -> impl DoubleEndedIterator<Item = &[u8]> {
    text.as_bytes()
        .split(|b| !(b.is_ascii_alphanumeric() || *b >= 0x80))
        .filter(|w| !w.is_empty())
}

/// Whether a double quotation opened before the hit is still open there and closes after it.
fn inside_double_quotes(before: &str, after: &str) -> bool {
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
