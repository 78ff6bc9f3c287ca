//! Building the variant form: the readings applied character by character, each output byte
//! with its original range and marks.

use super::*;

/// Build the variant form of `text` into `out`, reading the ambiguous cases as `reading`
/// says. Returns whether any reading changed something (else `out` is meaningless); then
/// [`Variant::folded_one`] and [`Variant::squeezed`] say whether another [`Reading`] may
/// read it differently.
pub fn variant_into(
    text: &str,
    options: VariantOptions,
    reading: Reading,
    out: &mut Variant,
) -> bool {
    out.clear();
    out.append(text, 0, options, reading)
}

impl Variant {
    /// Empty, for [`Variant::append`].
    pub fn clear(&mut self) {
        self.text.clear();
        self.origin.clear();
        self.marks.clear();
        self.folded_one = false;
        self.squeezed = false;
    }

    /// Append the variant form of `text`, a stretch of whole words of a field that starts
    /// at byte `offset` of it, after a line break (which no term holds, so no hit spans two
    /// stretches). Returns whether any reading changed something in it.
    pub fn append(
        &mut self,
        text: &str,
        offset: usize,
        options: VariantOptions,
        reading: Reading,
    ) -> bool {
        if !self.text.is_empty() {
            self.text.push(b'\n');
            self.origin.push((offset as u32, offset as u32));
            self.marks.push(0);
        }
        let window_start = self.text.len();
        append_variant(text, offset as u32, options, reading, window_start, self)
    }
}

fn append_variant(
    text: &str,
    offset: u32,
    options: VariantOptions,
    reading: Reading,
    window_start: usize,
    out: &mut Variant,
) -> bool {
    let one_as_l = reading.one_as_l;
    let mut units = std::mem::take(&mut out.units);
    let mut folded = std::mem::take(&mut out.folded);
    units.clear();
    folded.clear();
    for (at, c) in text.char_indices() {
        let start = offset + at as u32;
        let end = offset + (at + c.len_utf8()) as u32;
        let before = folded.len() as u32;
        let class = fold_char(c, &mut folded);
        let fold = (before, folded.len() as u32);
        let look = if options.confusables {
            lookalike(c)
        } else {
            None
        };
        let kind = match class {
            CharClass::Emitted => UnitKind::Letter,
            CharClass::Ignored => {
                if let Some(last) = units.last_mut() {
                    last.end = end;
                }
                continue;
            }
            CharClass::Separator if look.is_some() => UnitKind::SymbolLookalike,
            CharClass::Separator if options.emoji && is_symbol(c) => UnitKind::Symbol,
            CharClass::Separator if options.joined && is_join_separator(c) => {
                UnitKind::JoinSeparator
            }
            CharClass::Separator => UnitKind::Separator,
        };
        let latin = kind == UnitKind::Letter
            && fold.1 - fold.0 == 1
            && folded.as_bytes()[fold.0 as usize].is_ascii_lowercase();
        let lookalike = match (look, one_as_l, c) {
            (Some(b'i'), true, '1') => Some(b'l'),
            (l, _, _) => l,
        };
        units.push(Unit {
            kind,
            start,
            end,
            fold,
            lookalike,
            latin,
        });
    }
    let changed = build(
        &units,
        &folded,
        options,
        reading.squeeze_to_two,
        window_start,
        out,
    );
    out.units = units;
    out.folded = folded;
    changed
}

/// A word being assembled: its units, by index.
fn build(
    units: &[Unit],
    folded: &str,
    options: VariantOptions,
    to_two: bool,
    window_start: usize,
    out: &mut Variant,
) -> bool {
    // 1. Words: runs of letters, look-alike symbols and (emoji option) symbols.
    let mut words: Vec<(usize, usize)> = Vec::new();
    let mut k = 0;
    while k < units.len() {
        let in_word = |u: &Unit| {
            matches!(
                u.kind,
                UnitKind::Letter | UnitKind::SymbolLookalike | UnitKind::Symbol
            )
        };
        if !in_word(&units[k]) {
            k += 1;
            continue;
        }
        let start = k;
        while k < units.len() && in_word(&units[k]) {
            k += 1;
        }
        // Symbols and look-alike symbols at the edges are separators (`@jan`, `🐀!`); a `$`
        // may open a word.
        let mut s = start;
        let mut e = k;
        while s < e
            && (units[s].kind == UnitKind::Symbol
                || (units[s].kind == UnitKind::SymbolLookalike
                    && folded_char(units[s], folded) != Some('$')))
        {
            s += 1;
        }
        while s < e && units[e - 1].kind != UnitKind::Letter {
            e -= 1;
        }
        // A word with no letter at all is no word (a row of emoji).
        if (s..e).any(|i| units[i].kind == UnitKind::Letter) {
            words.push((s, e));
        }
    }
    // 2. Join runs of three or more single-unit words separated by one or two join
    // separators.
    let single = |w: (usize, usize)| w.1 - w.0 == 1;
    let mut groups: Vec<(usize, usize, bool)> = Vec::new(); // word range, joined
    let mut i = 0;
    while i < words.len() {
        let mut j = i + 1;
        if options.joined && single(words[i]) {
            while j < words.len()
                && single(words[j])
                && joinable_gap(units, words[j - 1].1, words[j].0)
            {
                j += 1;
            }
        }
        if j - i >= 3 {
            groups.push((i, j, true));
            i = j;
        } else {
            groups.push((i, i + 1, false));
            i += 1;
        }
    }
    // 3. Emit each group as one or more output words.
    let mut changed = false;
    let mut gap_start: Option<u32> = None;
    for &(first, last, joined) in &groups {
        let unit_range = words[first].0..words[last - 1].1;
        // The units that make the word (a joined group: the single units only).
        let members: Vec<usize> = if joined {
            (first..last).map(|w| words[w].0).collect()
        } else {
            unit_range.clone().collect()
        };
        let letters_or_lookalikes = members.iter().all(|&m| {
            units[m].latin || units[m].lookalike.is_some() || units[m].kind == UnitKind::Symbol
        });
        let has_latin = members.iter().any(|&m| units[m].latin);
        let has_lookalike = members
            .iter()
            .any(|&m| !units[m].latin && units[m].lookalike.is_some());
        let fold = options.confusables && has_latin && has_lookalike && letters_or_lookalikes;
        // Without a fold, look-alike symbols split the word like any separator.
        let mut piece_start = true;
        for &m in &members {
            let u = units[m];
            let (bytes, mut mark): (&[u8], u8) = match u.kind {
                UnitKind::Symbol => {
                    // dropped inside the word; the next letter carries the join
                    changed = true;
                    continue;
                }
                UnitKind::SymbolLookalike if !fold => {
                    piece_start = true;
                    gap_start.get_or_insert(u.start);
                    continue;
                }
                _ if fold && !u.latin => {
                    if folded_char(u, folded) == Some('1') {
                        out.folded_one = true;
                    }
                    (
                        std::slice::from_ref(u.lookalike.as_ref().expect("checked")),
                        FOLDED,
                    )
                }
                _ => (&folded.as_bytes()[u.fold.0 as usize..u.fold.1 as usize], 0),
            };
            if joined && m != members[0] {
                mark |= JOINED;
            }
            if m > unit_range.start && units[m - 1].kind == UnitKind::Symbol && options.emoji {
                mark |= JOINED_SYMBOL;
            }
            if piece_start {
                if out.text.len() > window_start {
                    let from = gap_start.unwrap_or(u.start);
                    out.text.push(b' ');
                    out.origin.push((from, u.start));
                    out.marks.push(0);
                }
                piece_start = false;
            }
            gap_start = None;
            changed |= mark != 0;
            for &b in bytes {
                out.text.push(b);
                out.origin.push((u.start, u.end));
                out.marks.push(mark);
            }
        }
        gap_start = Some(units[unit_range.end - 1].end);
        let _ = unit_range;
    }
    if options.squeeze && squeeze(out, window_start, to_two) {
        out.squeezed = true;
        changed = true;
    }
    changed
}

/// The ASCII character a look-alike unit was written as (`@`, `$`, `1`), if it was one of
/// those: symbols are told apart by the letter they imitate, digits by their normal form.
fn folded_char(u: Unit, folded: &str) -> Option<char> {
    match (u.kind, u.lookalike) {
        (UnitKind::SymbolLookalike, Some(b's')) => Some('$'),
        (UnitKind::SymbolLookalike, _) => Some('@'),
        (UnitKind::Letter, Some(_)) if &folded[u.fold.0 as usize..u.fold.1 as usize] == "1" => {
            Some('1')
        }
        _ => None,
    }
}

/// Whether the units between two single-letter words are one or two join separators.
fn joinable_gap(units: &[Unit], from: usize, to: usize) -> bool {
    (1..=2).contains(&(to - from))
        && units[from..to]
            .iter()
            .all(|u| u.kind == UnitKind::JoinSeparator)
}

/// Read every run of three or more of one ASCII letter once (or twice), in place; each
/// byte left stands for the whole run.
fn squeeze(out: &mut Variant, from: usize, to_two: bool) -> bool {
    let n = out.text.len();
    let mut w = from;
    let mut r = from;
    let mut changed = false;
    while r < n {
        let b = out.text[r];
        let mut e = r + 1;
        while e < n && out.text[e] == b {
            e += 1;
        }
        // (each written as one ASCII letter: `zeeën` is no stretched `e`)
        if b.is_ascii_lowercase() && e - r >= 3 && out.origin[r..e].iter().all(|&(s, e)| e == s + 1)
        {
            let origin = (out.origin[r].0, out.origin[e - 1].1);
            let mark = out.marks[r..e].iter().fold(SQUEEZED, |a, &m| a | m);
            for _ in 0..1 + to_two as usize {
                out.text[w] = b;
                out.origin[w] = origin;
                out.marks[w] = mark;
                w += 1;
            }
            changed = true;
        } else {
            for k in r..e {
                out.text[w] = out.text[k];
                out.origin[w] = out.origin[k];
                out.marks[w] = out.marks[k];
                w += 1;
            }
        }
        r = e;
    }
    out.text.truncate(w);
    out.origin.truncate(w);
    out.marks.truncate(w);
    changed
}
