//! What the words around a hit say about it: negated, quoted, or counter-speech.
//!
//! Run only for hits, on the original text around each, so its cost does not depend on
//! the size of a post; each rule looks at most [`REACH`] bytes either side. This is the
//! definition, hit by hit; `tagging.rs` computes the same tags for nearby hits at once.
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
pub(crate) const REACH: usize = 160;
/// Words before a hit that a negation may stand in.
pub(crate) const NEGATION_WINDOW: usize = 4;

// What a word says, as bits: one per list below.
pub(crate) const NEGATIONS: u8 = 1;
pub(crate) const CLAUSE_WORDS: u8 = 2;
pub(crate) const SAYING_BEFORE: u8 = 4;
pub(crate) const SAYING_AFTER: u8 = 8;
pub(crate) const CONDEMNING: u8 = 16;

/// Every listed word (lower case) with the lists it is on, shortest first: negations
/// (`geen niet nooit niemand nergens noch`, `no not never nobody none neither nor cannot`
/// and their spellings without apostrophe), clause words (`maar`, `but`, ...), verbs of
/// saying before a hit (`zei`, `noemde`, `volgens`, `said`, `called`, ...) and after it
/// (`noemen`, `genoemd`, ...), and condemning words (`walgelijk`, `schandalig`,
/// `disgusting`, `racist`, ...).
#[rustfmt::skip]
const LISTED: &[(&[u8], u8)] = &[
    (b"no", NEGATIONS),
    (b"but", CLAUSE_WORDS), (b"nor", NEGATIONS), (b"not", NEGATIONS), (b"zei", SAYING_BEFORE | SAYING_AFTER),
    (b"cant", NEGATIONS), (b"dont", NEGATIONS), (b"geen", NEGATIONS), (b"isnt", NEGATIONS),
    (b"maar", CLAUSE_WORDS), (b"noch", NEGATIONS), (b"none", NEGATIONS), (b"niet", NEGATIONS),
    (b"riep", SAYING_BEFORE), (b"said", SAYING_BEFORE | SAYING_AFTER), (b"says", SAYING_BEFORE),
    (b"vile", CONDEMNING), (b"want", CLAUSE_WORDS), (b"wont", NEGATIONS), (b"zegt", SAYING_BEFORE),
    (b"aldus", SAYING_BEFORE | SAYING_AFTER), (b"arent", NEGATIONS), (b"calls", SAYING_BEFORE),
    (b"didnt", NEGATIONS), (b"never", NEGATIONS), (b"noemt", SAYING_BEFORE | SAYING_AFTER),
    (b"nooit", NEGATIONS), (b"quote", SAYING_BEFORE), (b"wasnt", NEGATIONS), (b"wrote", SAYING_BEFORE),
    (b"cannot", NEGATIONS), (b"called", SAYING_BEFORE | SAYING_AFTER), (b"citaat", SAYING_BEFORE),
    (b"citeer", SAYING_BEFORE), (b"claims", SAYING_BEFORE), (b"doesnt", NEGATIONS),
    (b"echter", CLAUSE_WORDS), (b"nobody", NEGATIONS), (b"noemde", SAYING_BEFORE | SAYING_AFTER),
    (b"noemen", SAYING_AFTER), (b"quoted", SAYING_BEFORE), (b"racist", CONDEMNING),
    (b"schaam", CONDEMNING), (b"werent", NEGATIONS), (b"zeggen", SAYING_BEFORE | SAYING_AFTER),
    (b"zeiden", SAYING_BEFORE),
    (b"beweert", SAYING_BEFORE), (b"calling", SAYING_AFTER), (b"claimed", SAYING_BEFORE),
    (b"condemn", CONDEMNING), (b"genoemd", SAYING_BEFORE | SAYING_AFTER), (b"however", CLAUSE_WORDS),
    (b"kwalijk", CONDEMNING), (b"neither", NEGATIONS), (b"nergens", NEGATIONS), (b"niemand", NEGATIONS),
    (b"noemden", SAYING_BEFORE | SAYING_AFTER), (b"schande", CONDEMNING), (b"schreef", SAYING_BEFORE),
    (b"tweeted", SAYING_BEFORE), (b"tweette", SAYING_BEFORE), (b"volgens", SAYING_BEFORE),
    (b"beweerde", SAYING_BEFORE), (b"condemns", CONDEMNING), (b"schreven", SAYING_BEFORE),
    (b"shameful", CONDEMNING), (b"shouldnt", NEGATIONS),
    (b"according", SAYING_BEFORE), (b"appalling", CONDEMNING), (b"twitterde", SAYING_BEFORE),
    (b"walgelijk", CONDEMNING),
    (b"despicable", CONDEMNING), (b"disgusting", CONDEMNING), (b"racistisch", CONDEMNING),
    (b"schandalig", CONDEMNING), (b"veroordeel", CONDEMNING), (b"walgelijke", CONDEMNING),
    (b"racistische", CONDEMNING), (b"schandalige", CONDEMNING), (b"veroordelen", CONDEMNING),
    (b"onacceptabel", CONDEMNING), (b"unacceptable", CONDEMNING), (b"verwerpelijk", CONDEMNING),
    (b"dehumanising", CONDEMNING), (b"dehumanizing", CONDEMNING), (b"ontoelaatbaar", CONDEMNING),
    (b"verwerpelijke", CONDEMNING),
    (b"onaanvaardbaar", CONDEMNING),
    (b"ontmenselijkend", CONDEMNING), (b"ontmenselijking", CONDEMNING), (b"misselijkmakend", CONDEMNING),
    (b"ontmenselijkende", CONDEMNING),
];

/// Longest listed word.
const LONGEST: usize = 16;

/// Per word length: the first letters (bit `c - b'a'`) of the listed words of that length,
/// and the range of `LISTED` that holds them. Most words of a post fail the first-letter
/// test, so they cost a table load, not a comparison.
const BY_LENGTH: ([u32; LONGEST + 1], [(u16, u16); LONGEST + 1]) = {
    let mut first = [0u32; LONGEST + 1];
    let mut range = [(0u16, 0u16); LONGEST + 1];
    let mut k = 0;
    while k < LISTED.len() {
        let word = LISTED[k].0;
        first[word.len()] |= 1 << (word[0] - b'a');
        if range[word.len()].1 == 0 {
            range[word.len()].0 = k as u16;
        }
        range[word.len()].1 = k as u16 + 1;
        k += 1;
    }
    (first, range)
};

/// The lists `word` is on (ASCII case ignored; see [`LISTED`]).
pub(crate) fn classify(bytes: &[u8]) -> u8 {
    if bytes.len() < 2 || bytes.len() > LONGEST {
        return 0;
    }
    let first = bytes[0] | 0x20; // ASCII lower case for letters; no other byte becomes one
    if !first.is_ascii_lowercase() || BY_LENGTH.0[bytes.len()] >> (first - b'a') & 1 == 0 {
        return 0;
    }
    let (from, to) = BY_LENGTH.1[bytes.len()];
    LISTED[from as usize..to as usize]
        .iter()
        .find(|(w, _)| w.eq_ignore_ascii_case(bytes))
        .map_or(0, |&(_, bits)| bits)
}

/// The context tags (bits) of the hit at `start..end` of `text`, hit by hit: the
/// definition, which `tagging.rs` computes for nearby hits of a field at once (a test
/// compares them) and calls for a hit alone.
pub(crate) fn context_of(text: &str, start: usize, end: usize) -> u8 {
    let before = &text[floor(text, start.saturating_sub(REACH))..start];
    let after = &text[end..ceil(text, (end + REACH).min(text.len()))];
    let sentence_before = &before[sentence_end_before(before.as_bytes())..];
    let sentence_after = &after[..sentence_end_after(after.as_bytes())];
    let clause_before = &sentence_before[clause_end_before(sentence_before.as_bytes())..];
    let clause_after = &sentence_after[..sentence_after
        .bytes()
        .position(|b| matches!(b, b',' | b';' | b':' | b'(' | b')'))
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
///
/// Bytes, not characters (this runs around many hits): `“ ” „` are `E2 80 9C/9D/9E`,
/// `« »` are `C2 AB/BB`, and no other character's UTF-8 holds those sequences.
pub(crate) fn inside_double_quotes(before: &str, after: &str) -> bool {
    let (before, after) = (before.as_bytes(), after.as_bytes());
    let straight =
        memchr::memchr_iter(b'"', before).count() % 2 == 1 && memchr::memchr(b'"', after).is_some();
    let open = |opens: &[&[u8]], closes: &[&[u8]]| {
        let o = rfind_any(before, opens);
        let c = rfind_any(before, closes);
        matches!((o, c), (Some(o), c) if c.is_none_or(|c| c < o)) && find_any(after, closes)
    };
    straight
        || open(&[LEFT_QUOTE, LOW_QUOTE], &[RIGHT_QUOTE, LEFT_QUOTE])
            && !before.ends_with(RIGHT_QUOTE)
        || open(&[LEFT_GUILLEMET], &[RIGHT_GUILLEMET])
}

const LEFT_QUOTE: &[u8] = "“".as_bytes();
const RIGHT_QUOTE: &[u8] = "”".as_bytes();
const LOW_QUOTE: &[u8] = "„".as_bytes();
const LEFT_GUILLEMET: &[u8] = "«".as_bytes();
const RIGHT_GUILLEMET: &[u8] = "»".as_bytes();

/// Where the last of `patterns` (two or three bytes, all with the same lead byte) starts.
fn rfind_any(hay: &[u8], patterns: &[&[u8]]) -> Option<usize> {
    let lead = patterns[0][0];
    let mut end = hay.len();
    while let Some(i) = memchr::memrchr(lead, &hay[..end]) {
        if patterns.iter().any(|p| hay[i..].starts_with(p)) {
            return Some(i);
        }
        end = i;
    }
    None
}

/// Whether `hay` holds one of `patterns` (all with the same lead byte).
fn find_any(hay: &[u8], patterns: &[&[u8]]) -> bool {
    memchr::memchr_iter(patterns[0][0], hay)
        .any(|i| patterns.iter().any(|p| hay[i..].starts_with(p)))
}

/// Whether the hit's word is wrapped in single quotes: `'ongedierte'`, `‘ongedierte’`.
pub(crate) fn wrapped_in_single_quotes(before: &str, after: &str) -> bool {
    // Each quote is `'` or starts with byte E2 (`‘` E2 80 98, `’` E2 80 99): without such a
    // byte on both sides there is nothing to look for, and no Unicode lookup per letter.
    if memchr::memchr2(b'\'', 0xE2, before.as_bytes()).is_none()
        || memchr::memchr2(b'\'', 0xE2, after.as_bytes()).is_none()
    {
        return false;
    }
    let word_start = before.trim_end_matches(|c: char| c.is_alphanumeric());
    let opened = word_start.ends_with(['\'', '‘']);
    let rest = after.trim_start_matches(|c: char| c.is_alphanumeric());
    opened && rest.starts_with(['\'', '’'])
}

/// Where the sentence of the end of `text` starts: after its last `.`, `!`, `?` or line
/// break (0 when there is none). Bytes: these are ASCII, never part of another character.
fn sentence_end_before(text: &[u8]) -> usize {
    let stop = memchr::memrchr3(b'.', b'!', b'?', text);
    let line = memchr::memrchr(b'\n', text);
    stop.max(line).map_or(0, |i| i + 1)
}

/// Where the sentence of the start of `text` ends: at its first `.`, `!`, `?` or line break.
fn sentence_end_after(text: &[u8]) -> usize {
    let stop = memchr::memchr3(b'.', b'!', b'?', text).unwrap_or(text.len());
    memchr::memchr(b'\n', &text[..stop]).unwrap_or(stop)
}

/// Where the clause of the end of `text` starts: after its last `, ; : ( )`, en dash or em
/// dash (0 when there is none).
fn clause_end_before(text: &[u8]) -> usize {
    for i in (0..text.len()).rev() {
        match text[i] {
            b',' | b';' | b':' | b'(' | b')' => return i + 1,
            // `–` is E2 80 93, `—` E2 80 94
            0x93 | 0x94 if i >= 2 && text[i - 2] == 0xE2 && text[i - 1] == 0x80 => return i + 1,
            _ => {}
        }
    }
    0
}

pub(crate) fn floor(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

pub(crate) fn ceil(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at += 1;
    }
    at
}

/// The tags of `bits`, in a fixed order (a static slice: nothing allocated per hit).
pub(crate) fn tags(bits: u8) -> &'static [ContextTag] {
    use ContextTag::{CounterSpeech as C, Negated as N, Quoted as Q};
    const BY_BITS: [&[ContextTag]; 8] =
        [&[], &[N], &[Q], &[N, Q], &[C], &[N, C], &[Q, C], &[N, Q, C]];
    BY_BITS[(bits & 7) as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `classify` as it was before the table: one `match`.
    fn classify_reference(bytes: &[u8]) -> u8 {
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
            | b"noch" | b"none" | b"nooit" | b"nor" | b"not" | b"shouldnt" | b"wasnt"
            | b"werent" | b"wont" => 1,
            b"but" | b"echter" | b"however" | b"maar" | b"want" => 2,
            b"according" | b"beweerde" | b"beweert" | b"calls" | b"citaat" | b"citeer"
            | b"claimed" | b"claims" | b"quote" | b"quoted" | b"riep" | b"says" | b"schreef"
            | b"schreven" | b"tweeted" | b"tweette" | b"twitterde" | b"volgens" | b"wrote"
            | b"zegt" | b"zeiden" => 4,
            b"calling" | b"noemen" => 8,
            b"aldus" | b"called" | b"genoemd" | b"noemde" | b"noemden" | b"noemt" | b"said"
            | b"zeggen" | b"zei" => 12,
            b"appalling" | b"condemn" | b"condemns" | b"dehumanising" | b"dehumanizing"
            | b"despicable" | b"disgusting" | b"kwalijk" | b"misselijkmakend"
            | b"onaanvaardbaar" | b"onacceptabel" | b"ontmenselijkend" | b"ontmenselijkende"
            | b"ontmenselijking" | b"ontoelaatbaar" | b"racist" | b"racistisch"
            | b"racistische" | b"schaam" | b"schandalig" | b"schandalige" | b"schande"
            | b"shameful" | b"unacceptable" | b"veroordeel" | b"veroordelen" | b"verwerpelijk"
            | b"verwerpelijke" | b"vile" | b"walgelijk" | b"walgelijke" => 16,
            _ => 0,
        }
    }

    #[test]
    fn the_word_table_classifies_as_the_match_did() {
        assert!(LISTED.windows(2).all(|w| w[0].0.len() <= w[1].0.len()));
        assert_eq!(
            LISTED.len(),
            24 + 5 + 21 + 2 + 9 + 31,
            "every word of the old lists"
        );
        let mut probes: Vec<Vec<u8>> = Vec::new();
        for (word, bits) in LISTED {
            assert_eq!(classify(word), *bits, "{}", String::from_utf8_lossy(word));
            probes.push(word.to_ascii_uppercase());
            probes.push(word[1..].to_vec());
            probes.push(word[..word.len() - 1].to_vec());
            probes.push([*word, b"s"].concat());
            probes.push([b"x", *word].concat());
        }
        for text in [
            "Zij zijn GEEN ongedierte, maar Ratten! 123 a é één @#$ don't",
            "x",
        ] {
            probes.extend(words(text).map(|w| w.to_vec()));
        }
        for p in probes {
            assert_eq!(
                classify(&p),
                classify_reference(&p),
                "{}",
                String::from_utf8_lossy(&p)
            );
        }
    }

    #[test]
    fn sentence_and_clause_ends_as_char_searches_found_them() {
        let after_last = |text: &str, chars: &[char]| -> usize {
            text.char_indices()
                .rev()
                .find(|(_, c)| chars.contains(c))
                .map_or(0, |(i, c)| i + c.len_utf8())
        };
        for text in [
            "",
            "abc",
            "a. b",
            "één! twee? drie\nvier",
            "x – y — z, w",
            "(a) b: c; d",
            "—",
            "–a",
            "€ ” “ a",
            "a.b,c–",
            "\u{2013}\u{2014}\u{2012}\u{2015}",
        ] {
            let b = text.as_bytes();
            assert_eq!(
                sentence_end_before(b),
                after_last(text, &['.', '!', '?', '\n']),
                "{text}"
            );
            assert_eq!(
                sentence_end_after(b),
                text.find(['.', '!', '?', '\n']).unwrap_or(text.len()),
                "{text}"
            );
            assert_eq!(
                clause_end_before(b),
                after_last(text, &[',', ';', ':', '(', ')', '–', '—']),
                "{text}"
            );
        }
    }

    /// `inside_double_quotes` as it was before it read bytes: character searches.
    fn inside_double_quotes_reference(before: &str, after: &str) -> bool {
        let straight = before.matches('"').count() % 2 == 1 && after.contains('"');
        let open = |opens: &[char], closes: &[char]| {
            let o = before.rfind(opens);
            let c = before.rfind(closes);
            matches!((o, c), (Some(o), c) if c.is_none_or(|c| c < o)) && after.contains(closes)
        };
        straight || open(&['“', '„'], &['”', '“']) && !before.ends_with('”') || open(&['«'], &['»'])
    }

    #[test]
    fn double_quotes_read_as_bytes_as_characters_did() {
        let pieces = [
            "\"", "“", "”", "„", "«", "»", "a", " ", "’", "€", "–", "\u{201F}", "\u{AB}x", "é",
        ];
        let mut rng = websense_model::rng::Rng::new(11);
        let mut open = 0;
        for _ in 0..20_000 {
            let mut text = String::new();
            for _ in 0..rng.below(12) {
                text.push_str(pieces[rng.below(pieces.len())]);
            }
            let cuts: Vec<usize> = (0..=text.len())
                .filter(|&i| text.is_char_boundary(i))
                .collect();
            let cut = cuts[rng.below(cuts.len())];
            let (before, after) = text.split_at(cut);
            let expected = inside_double_quotes_reference(before, after);
            assert_eq!(
                inside_double_quotes(before, after),
                expected,
                "{before:?} | {after:?}"
            );
            open += usize::from(expected);
        }
        assert!(open > 1000, "{open}");
    }

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
