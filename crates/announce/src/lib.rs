//! Announced gatherings: a call to come together, with a time and/or a place, found in a
//! post before it happens (`18:00 Hobbemaplein ... deel dit massaal`, `morgen 20:00
//! coolsingel`).
//!
//! This crate owns the *detection of announcements*: the announcement lexicon's compiled
//! form ([`Cues`], read from `lexicons/announce/` in the scoring lexicons' file format), the
//! time parser ([`find_times`], Dutch first, English too, resolved in Europe/Amsterdam), the
//! places written beside a call, the rules that make a call no announcement ([`Reason`]),
//! and the [`Announcement`] each accepted call becomes, with its explanation record. It
//! takes the item's municipality attribution as input (the gazetteer's [`Place`]s and
//! municipality codes) and must not attribute places itself, read or write stores, score
//! categories or talk to anything: it is a pure function of an item, its places and the
//! lexicon. The matcher runs it in its pass (`websense-matcher`): the lexicon's words are
//! patterns of the matcher's automaton, and only an item with a call goes on to the time
//! and place reading here.
//!
//! # Rules
//!
//! Per field (title and text apart), for each call (`oproep`: `kom allemaal`, `verzamelen`,
//! `deel dit massaal`, `demo`, ...; `oproep_zwak`: `we gaan`, `kom`), in text order; the
//! first call that passes makes the field's one announcement:
//!
//! 1. **Evidence.** Only the words within 160 bytes of a call are read (a long post costs
//!    no more than a short one). The time expression nearest the call (in its sentence first) and the
//!    square, street or landmark nearest it (`plek`: `*plein`, `*straat`, `*singel`,
//!    `*veld`, ..., `stadhuis`, `Malieveld`; an article before it is part of it: `het
//!    Malieveld`); the municipality of the gazetteer place nearest it in the field, else
//!    the item's first municipality (its source's, or a place in the other field). A call
//!    needs a time or a place; a weak call needs a time and a place (a square or a
//!    municipality named in the post).
//! 2. **Past** ([`Reason::Past`]): the time is before publication (`gisteren`, `vorige
//!    week`, a date just passed, a clock time today already gone), or the call's sentence
//!    has a past-tense verb (`verzamelden`, `was`, `gathered`) and no word of the future
//!    (`morgen`, `weer`, `gaan`, `will`).
//! 3. **Question**: the call's sentence ends in `?`.
//! 4. **Hypothetical**: its sentence opens with `als`/`if`/`wat als`, or holds `stel`,
//!    `zou`, `misschien`, `would`, `what if`, ...
//! 5. **Negated**: a negation among the two words before the call or the two after it in
//!    its clause (`kom niet`, `kom morgen niet`, `don't come`).
//! 6. **Warning**: the post holds a `waarschuwing` word (`politie waarschuwt`, `er
//!    circuleert een oproep`, `police warn`): a report or warning quoting a call.
//! 7. **Online only**: an `online` word (`livestream`, `webinar`) and no square, street,
//!    landmark or gazetteer place.
//! 8. **Fixture**: a `wedstrijd` word (`aftrap`, `wedstrijd`, `concert`), unless the call
//!    is for after it (`na de wedstrijd`, `na afloop`).
//!
//! `starts_at` is set when the time gives a day and a clock time (or a delay: `over een
//! uur`); `null` with a day alone. The span covers call, time and place as written. The
//! record ([`Announcement::rule`]) names the rule and the words: `call "kom allemaal"
//! (oproep: kom allemaal) + time "morgen 20:00" (relative day+clock) + place "de
//! Coolsingel" (plek: coolsingel) + municipality GM0599 (Rotterdam from "Rotterdam")`.
//!
//! # Known limits
//!
//! A time or square more than about twenty words from the call is not seen. One
//! announcement per field: a post announcing two gatherings gets the first. A call in
//! the title with its time only in the text is not joined. The disguise readings of the
//! matcher (leet, spaced letters) are not applied to calls: misspellings and slang are
//! lexicon lines. The past and hypothetical rules read one sentence, so a report whose
//! verb is in another sentence passes; a question that is really a call (`Wie gaat er
//! mee morgen 20:00 naar de Dam?`) is dropped. A fixture post whose call is not `na de
//! wedstrijd` is dropped even when it calls for disorder. `komend weekend` gives no day. A
//! 12-hour reading without day part is a rule, not knowledge (`zaterdag 8 uur` is 08:00).
//! Measured on our labelled set by `websense bench announcements` (docs/announcements.md).

mod cues;
mod detect;
pub mod eval;
mod gate;
mod rules;
mod time;
mod tokens;
mod words;

pub use cues::{Cue, CueHit, CueTerm, Cues};
pub use detect::{Announcer, Outcome, Post};
pub use rules::Reason;
pub use time::{find_times, first_time, TimeExpr};
pub use tokens::{Token, Tokens};
pub use websense_model::{Announcement, Place};

/// FNV-1a, for the small static word sets looked up once per word of a post with a call:
/// SipHash (the std default) cost more than the rest of the look-up. The keys are our own
/// words, never chosen by a poster, so no flooding resistance is needed.
#[derive(Clone, Copy, Default)]
pub(crate) struct FastHash;

impl std::hash::BuildHasher for FastHash {
    type Hasher = Fnv;
    fn build_hasher(&self) -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

pub(crate) struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}
