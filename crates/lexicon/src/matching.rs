//! Matching options against disguise: which of the matcher's robust readings a term gets.
//!
//! A category sets them for its terms (`matching = "+fuzzy"` in `categories.toml`), a
//! lexicon file for its own terms (`matching: -squeeze` header line), and a term line for
//! itself (a fifth field: `ongedierte* | 3 | | | +emoji`); each level changes only the
//! options it names. See the crate doc for what each option does.

use crate::ProblemKind;

/// The options a term is matched with (a set of flags; see [`MatchOptions::NAMES`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MatchOptions(u8);

impl MatchOptions {
    /// Leet digits and symbols (`0 1 3 4 5 7 @ $`) and Cyrillic/Greek look-alikes read as
    /// Latin letters, in words that mix letters with them (`v0lksverrader`).
    pub const CONFUSABLES: MatchOptions = MatchOptions(1);
    /// A letter written three or more times in a row counts as once or twice.
    pub const SQUEEZE: MatchOptions = MatchOptions(2);
    /// Three or more single letters separated by spaces, dots, dashes or underscores are
    /// also read as one word (`u i t s c h o t`, `o.n.g.e.d.i.e.r.t.e`).
    pub const JOINED: MatchOptions = MatchOptions(4);
    /// A `word` term also hits inside a longer word (dropped spaces: `zijnongedierte`).
    pub const INFIX: MatchOptions = MatchOptions(8);
    /// An emoji or symbol between two letters does not split the word (`onge🐀dierte`).
    pub const EMOJI: MatchOptions = MatchOptions(16);
    /// One edit (insert, delete, substitute, transpose) away, for terms of 7 or more letters.
    pub const FUZZY: MatchOptions = MatchOptions(32);

    /// Every option off: the term matches only as written in normal form.
    pub const NONE: MatchOptions = MatchOptions(0);
    /// The default of a category that says nothing: the readings that cost ordinary text
    /// no hits (folding only mixed words, squeezing only triples, joining only runs of
    /// single letters); infix, emoji and fuzzy are for a curator to turn on.
    pub const DEFAULT: MatchOptions = MatchOptions(1 | 2 | 4);
    pub const ALL: MatchOptions = MatchOptions(63);

    /// The names used in files, with their flags.
    pub const NAMES: [(&'static str, MatchOptions); 6] = [
        ("confusables", Self::CONFUSABLES),
        ("squeeze", Self::SQUEEZE),
        ("joined", Self::JOINED),
        ("infix", Self::INFIX),
        ("emoji", Self::EMOJI),
        ("fuzzy", Self::FUZZY),
    ];

    pub fn contains(self, other: MatchOptions) -> bool {
        self.0 & other.0 == other.0
    }

    pub fn intersects(self, other: MatchOptions) -> bool {
        self.0 & other.0 != 0
    }

    pub fn union(self, other: MatchOptions) -> MatchOptions {
        MatchOptions(self.0 | other.0)
    }

    pub fn without(self, other: MatchOptions) -> MatchOptions {
        MatchOptions(self.0 & !other.0)
    }

    pub fn bits(self) -> u8 {
        self.0
    }

    /// `confusables squeeze ...` (empty for none).
    pub fn names(self) -> String {
        Self::NAMES
            .iter()
            .filter(|(_, f)| self.contains(*f))
            .map(|(n, _)| *n)
            .collect::<Vec<_>>()
            .join(" ")
    }
}

impl Default for MatchOptions {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Changes to the options a level inherits: `+fuzzy -squeeze`, `none`, `all`, `default`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MatchOverrides {
    /// Replace the inherited set first (`none`, `all`, `default`).
    base: Option<MatchOptions>,
    on: u8,
    off: u8,
}

impl MatchOverrides {
    /// Parse tokens separated by spaces or commas: `+name` or `name` turns an option on,
    /// `-name` off; `none`, `all` and `default` start from that set.
    pub fn parse(raw: &str) -> Result<MatchOverrides, (ProblemKind, String)> {
        let mut overrides = MatchOverrides::default();
        for token in raw.split([' ', ',', '\t']).filter(|t| !t.is_empty()) {
            let (on, name) = match token.as_bytes()[0] {
                b'+' => (true, &token[1..]),
                b'-' => (false, &token[1..]),
                _ => (true, token),
            };
            let name = name.to_ascii_lowercase();
            match name.as_str() {
                "none" | "all" | "default" if token == name => {
                    overrides.base = Some(match name.as_str() {
                        "none" => MatchOptions::NONE,
                        "all" => MatchOptions::ALL,
                        _ => MatchOptions::DEFAULT,
                    });
                    overrides.on = 0;
                    overrides.off = 0;
                }
                _ => match MatchOptions::NAMES.iter().find(|(n, _)| *n == name) {
                    Some((_, flag)) if on => {
                        overrides.on |= flag.0;
                        overrides.off &= !flag.0;
                    }
                    Some((_, flag)) => {
                        overrides.off |= flag.0;
                        overrides.on &= !flag.0;
                    }
                    None => {
                        return Err((
                            ProblemKind::UnknownMatchingOption,
                            format!(
                                "unknown matching option `{token}` (+ or - before one of: {}; or none, all, default)",
                                MatchOptions::NAMES.map(|(n, _)| n).join(", ")
                            ),
                        ))
                    }
                },
            }
        }
        Ok(overrides)
    }

    pub fn apply(self, inherited: MatchOptions) -> MatchOptions {
        let base = self.base.unwrap_or(inherited);
        MatchOptions((base.0 | self.on) & !self.off)
    }

    pub fn is_empty(&self) -> bool {
        *self == MatchOverrides::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_change_only_what_they_name() {
        let o = MatchOverrides::parse("+fuzzy -squeeze").unwrap();
        let got = o.apply(MatchOptions::DEFAULT);
        assert!(got.contains(MatchOptions::FUZZY) && got.contains(MatchOptions::CONFUSABLES));
        assert!(!got.contains(MatchOptions::SQUEEZE));
        assert_eq!(
            MatchOverrides::parse("none, joined")
                .unwrap()
                .apply(MatchOptions::ALL),
            MatchOptions::JOINED
        );
        assert_eq!(
            MatchOverrides::parse("").unwrap().apply(MatchOptions::ALL),
            MatchOptions::ALL
        );
        assert!(MatchOverrides::parse("+fuzy")
            .unwrap_err()
            .1
            .contains("fuzy"));
    }
}
