//! A post's field cut into words, numbers and punctuation, with their byte spans in the
//! original text and the sentence each belongs to: what the time parser and the rules read.
//!
//! Letters and digits are separate tokens (`21u` is `21` `u`, `8pm` is `8` `pm`), so a time
//! reads the same however it is glued; words are lower-cased (Unicode) for comparison.

use std::borrow::Cow;

/// What a token is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Word,
    /// ASCII digits.
    Number,
    /// One other visible character.
    Punct,
}

#[derive(Clone, Debug)]
pub struct Token<'a> {
    pub kind: Kind,
    /// Lower-cased (a word), the digits (a number) or the character: borrowed from the
    /// field unless lower-casing changed it.
    pub text: Cow<'a, str>,
    pub start: usize,
    pub end: usize,
    /// Whitespace before it.
    pub gap: bool,
    /// The number of its sentence (0 first).
    pub sentence: u32,
}

impl Token<'_> {
    pub fn is(&self, word: &str) -> bool {
        self.text == word
    }

    pub fn number(&self) -> Option<u32> {
        (self.kind == Kind::Number && self.text.len() <= 4)
            .then(|| self.text.parse().ok())
            .flatten()
    }

    pub fn is_punct(&self, chars: &[char]) -> bool {
        self.kind == Kind::Punct && self.text.chars().next().is_some_and(|c| chars.contains(&c))
    }
}

/// One sentence: its tokens and whether it ends in a question mark.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sentence {
    pub first: usize,
    pub end: usize,
    pub question: bool,
}

/// The tokens and sentences of a field.
#[derive(Clone, Debug, Default)]
pub struct Tokens<'a> {
    pub tokens: Vec<Token<'a>>,
    pub sentences: Vec<Sentence>,
}

impl<'a> Tokens<'a> {
    pub fn new(text: &'a str) -> Tokens<'a> {
        Tokens::in_windows(text, std::slice::from_ref(&(0..text.len())))
    }

    /// The tokens of the byte ranges `windows` of `text` only (sorted, apart, on character
    /// boundaries), with their spans in `text`; each window starts a new sentence.
    pub fn in_windows(text: &'a str, windows: &[std::ops::Range<usize>]) -> Tokens<'a> {
        let size: usize = windows.iter().map(|w| w.len()).sum();
        let mut tokens: Vec<Token<'a>> = Vec::with_capacity(size / 5);
        let mut sentence = 0u32;
        for window in windows {
            if !tokens.is_empty() {
                sentence += 1;
            }
            sentence = tokenize(text, window.clone(), sentence, &mut tokens);
        }

        // a sentence number bumped by a final mark names no tokens: sentences from tokens
        let mut sentences: Vec<Sentence> = Vec::new();
        for (k, t) in tokens.iter().enumerate() {
            match sentences.last_mut() {
                Some(s) if tokens[s.first].sentence == t.sentence => s.end = k + 1,
                _ => sentences.push(Sentence {
                    first: k,
                    end: k + 1,
                    question: false,
                }),
            }
        }
        for s in &mut sentences {
            s.question = tokens[s.first..s.end].iter().any(|t| t.is_punct(&['?']));
        }
        // sentence numbers dense again
        for (n, s) in sentences.iter().enumerate() {
            for t in &mut tokens[s.first..s.end] {
                t.sentence = n as u32;
            }
        }
        Tokens { tokens, sentences }
    }

    /// The first token at or after byte `at`, and the one past the last token before byte
    /// `end`: the token range of a byte span.
    pub fn range_of(&self, start: usize, end: usize) -> (usize, usize) {
        let first = self.tokens.partition_point(|t| t.end <= start);
        let last = self.tokens.partition_point(|t| t.start < end);
        (first, last.max(first))
    }

    pub fn sentence(&self, n: u32) -> &[Token<'a>] {
        let s = self.sentences[n as usize];
        &self.tokens[s.first..s.end]
    }
}

/// Append the tokens of `text[window]` to `tokens`, numbering sentences from `sentence`;
/// the number of the last sentence.
fn tokenize<'a>(
    text: &'a str,
    window: std::ops::Range<usize>,
    mut sentence: u32,
    tokens: &mut Vec<Token<'a>>,
) -> u32 {
    let bytes = &text.as_bytes()[..window.end];
    let first = tokens.len();
    let mut gap = false;
    let mut newline = false;
    let mut at = window.start;
    // ASCII (most of a post) is read byte by byte; other characters are decoded
    while at < window.end {
        let (c, len) = char_at(text, at);
        if c.is_whitespace() {
            gap = true;
            newline |= c == '\n';
            at += len;
            continue;
        }
        let kind = if c.is_ascii_digit() {
            Kind::Number
        } else if c.is_alphabetic() {
            Kind::Word
        } else {
            Kind::Punct
        };
        let mut end = at + len;
        // a word that lower-casing or dropping an invisible character changes is copied
        let mut changes = c.is_uppercase();
        match kind {
            Kind::Number => {
                while end < bytes.len() && bytes[end].is_ascii_digit() {
                    end += 1;
                }
            }
            Kind::Word => loop {
                match bytes.get(end) {
                    Some(b) if b.is_ascii_lowercase() => end += 1,
                    Some(b) if b.is_ascii_uppercase() => {
                        changes = true;
                        end += 1;
                    }
                    Some(b) if b.is_ascii() => break,
                    Some(_) => {
                        let (next, len) = char_at(text, end);
                        if next.is_alphabetic() {
                            changes |= next.is_uppercase();
                        } else if is_ignorable(next) {
                            changes = true;
                        } else {
                            break;
                        }
                        end += len;
                    }
                    None => break,
                }
            },
            Kind::Punct => {
                if is_ignorable(c) {
                    at = end;
                    continue;
                }
            }
        }
        if newline && tokens.len() > first {
            sentence += 1;
        }
        let raw = &text[at..end];
        tokens.push(Token {
            kind,
            text: match kind {
                Kind::Word if changes => Cow::Owned(
                    raw.chars()
                        .filter(|c| !is_ignorable(*c))
                        .collect::<String>()
                        .to_lowercase(),
                ),
                _ => Cow::Borrowed(raw),
            },
            start: at,
            end,
            gap,
            sentence,
        });
        gap = false;
        newline = false;
        if kind == Kind::Punct && ends_sentence(tokens, text[end..].chars().next()) {
            sentence += 1;
        }
        at = end;
    }
    sentence
}

/// Whether the punctuation token just pushed ends its sentence: `!` and `?` do, and so does
/// a `.` unless it stands between digits (`20.00`) or closes `a.s.` or an initial.
fn ends_sentence(tokens: &[Token<'_>], next: Option<char>) -> bool {
    let last = tokens.last().expect("just pushed");
    match last.text.as_ref() {
        "!" | "?" => true,
        "." => {
            let before = tokens.len().checked_sub(2).map(|k| &tokens[k]);
            let digit_before = before.is_some_and(|t| t.kind == Kind::Number && !last.gap);
            if digit_before && next.is_some_and(|c| c.is_ascii_digit()) {
                return false;
            }
            // a single letter before (`a.s.`, `J.`) is an abbreviation
            let single_letter = before
                .is_some_and(|t| t.kind == Kind::Word && t.text.chars().count() == 1 && !last.gap);
            !single_letter
        }
        _ => false,
    }
}

/// The character at byte `at` (a character boundary) and its length.
fn char_at(text: &str, at: usize) -> (char, usize) {
    let b = text.as_bytes()[at];
    if b.is_ascii() {
        return (b as char, 1);
    }
    let c = text[at..].chars().next().expect("at is inside the text");
    (c, c.len_utf8())
}

/// Characters that join a word instead of splitting it (soft hyphen, zero-width marks).
fn is_ignorable(c: char) -> bool {
    matches!(
        c,
        '\u{AD}' | '\u{200B}'..='\u{200F}' | '\u{2060}' | '\u{FEFF}'
    ) || ('\u{300}'..='\u{36F}').contains(&c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts<'a>(t: &'a Tokens<'_>) -> Vec<&'a str> {
        t.tokens.iter().map(|t| t.text.as_ref()).collect()
    }

    #[test]
    fn letters_and_digits_split_and_spans_are_original() {
        let text = "Morgen 20.00u Coolsingel! Kom je?";
        let t = Tokens::new(text);
        assert_eq!(
            texts(&t),
            [
                "morgen",
                "20",
                ".",
                "00",
                "u",
                "coolsingel",
                "!",
                "kom",
                "je",
                "?"
            ]
        );
        assert_eq!(&text[t.tokens[5].start..t.tokens[5].end], "Coolsingel");
        assert_eq!(t.sentences.len(), 2);
        assert!(!t.sentences[0].question && t.sentences[1].question);
    }

    #[test]
    fn dots_in_times_and_abbreviations_do_not_end_a_sentence() {
        let t = Tokens::new("a.s. zaterdag om 14.30 verzamelen. Daarna naar huis\nEn dan");
        assert_eq!(t.sentences.len(), 3);
        assert_eq!(
            t.tokens
                .iter()
                .find(|t| t.is("verzamelen"))
                .unwrap()
                .sentence,
            0
        );
    }
}
