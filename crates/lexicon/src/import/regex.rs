//! Regex dictionaries: one regular expression per line, expanded into the literal terms it
//! matches when that language is finite and small.
//!
//! The expression is parsed with `regex-syntax` (the parser of the `regex` crate, so what
//! parses here parses there) and expanded over its syntax tree, which keeps each construct's
//! column for the messages. Classes are resolved by the same crate's translator.

use std::collections::HashSet;

use regex_syntax::ast::{self, AssertionKind, Ast, ClassPerlKind, RepetitionKind, RepetitionRange};
use regex_syntax::hir::{self, HirKind};
use websense_normalize::normalize;

use super::{Builder, Expansion};
use crate::ProblemKind;

/// The most characters a class may stand for (`[a-z]` is 26; `\d` in Unicode is hundreds).
pub(crate) const MAX_CLASS: usize = 64;

/// The most repetitions a bounded `{m,n}` may ask for.
const MAX_REPEAT: u32 = 20;

/// Stands, in an expansion, for a `^`, `$`, `\A`, `\z`, `\b`, `\<`, `\>`: allowed only at
/// the ends, where the term's own word boundaries say it already.
const ANCHOR: char = '\u{1}';
/// Stands for `\w*` (any word characters, or none): a glob star at an end.
const STAR: char = '\u{2}';
/// Stands for `\w+` (at least one word character): the `+` convention at an end.
const PLUS: char = '\u{3}';

pub(super) fn read_regex(
    input: &str,
    category: &str,
    max_literals: usize,
    builder: &mut Builder<'_>,
) -> Vec<Expansion> {
    let mut expansions = Vec::new();
    for (index, raw) in input.lines().enumerate() {
        let line = index + 1;
        let pattern = raw.trim();
        if pattern.is_empty() || pattern.starts_with('#') {
            continue;
        }
        let globs = match expand_line(pattern, max_literals) {
            Ok(globs) => globs,
            Err(message) => {
                builder.error(
                    ProblemKind::ImportSyntax,
                    line,
                    format!("regex `{pattern}`: {message}"),
                );
                continue;
            }
        };
        expansions.push(Expansion {
            line,
            pattern: pattern.to_string(),
            literals: globs.len(),
        });
        for glob in globs {
            builder.add_written(line, category, &[&glob], pattern);
        }
    }
    expansions
}

/// The terms `pattern` matches, as globs (`haat*`, `+moslim`), distinct in normal form, in
/// the order the expression lists them.
fn expand_line(pattern: &str, max_literals: usize) -> Result<Vec<String>, String> {
    let ast = ast::parse::Parser::new().parse(pattern).map_err(|e| {
        format!(
            "not a regular expression (column {}): {}",
            e.span().start.column,
            e.kind()
        )
    })?;
    let expander = Expander {
        pattern,
        max: max_literals,
    };
    let mut seen = HashSet::new();
    let mut globs = Vec::new();
    for literal in expander.expand(&ast)? {
        let (before, core, after) = to_glob(&literal)?;
        if core.is_empty() {
            continue; // the empty string (`(haat)?`)
        }
        if seen.insert((before, normalize(&core), after)) {
            globs.push(format!("{before}{core}{after}"));
        }
    }
    Ok(globs)
}

/// A literal with its markers turned into the lexicon's conventions: anchors at the ends
/// dropped, `\w*` at an end a star, `\w+` at an end a `+`; any marker left inside is an
/// error. A `*` or `+` the expression matches literally is written as a space, which is
/// what normalisation makes of it anyway.
fn to_glob(literal: &str) -> Result<(&'static str, String, &'static str), String> {
    let mark = |c: Option<char>| match c {
        Some(STAR) => "*",
        Some(PLUS) => "+",
        _ => "",
    };
    let trimmed = literal.trim_matches(ANCHOR);
    let (before, core) = match trimmed.strip_prefix([STAR, PLUS]) {
        Some(rest) => (
            mark(trimmed.chars().next()),
            rest.trim_start_matches(ANCHOR),
        ),
        None => ("", trimmed),
    };
    let (core, after) = match core.strip_suffix([STAR, PLUS]) {
        Some(rest) => (rest.trim_end_matches(ANCHOR), mark(core.chars().last())),
        None => (core, ""),
    };
    if core.contains(ANCHOR) {
        return Err(
            "an anchor or word boundary (`^`, `$`, `\\b`, ...) inside the expression: a term \
             is matched as whole words, so these only make sense at its ends"
                .into(),
        );
    }
    if core.contains([STAR, PLUS]) {
        return Err(
            "`\\w*` or `\\w+` inside the expression: any number of letters can only stand \
             at an end (as a glob star)"
                .into(),
        );
    }
    let core = core.replace(['*', '+'], " ").trim().to_string();
    Ok((before, core, after))
}

struct Expander<'a> {
    pattern: &'a str,
    max: usize,
}

impl Expander<'_> {
    fn expand(&self, ast: &Ast) -> Result<Vec<String>, String> {
        Ok(match ast {
            Ast::Empty(_) | Ast::Flags(_) => vec![String::new()],
            Ast::Literal(literal) => vec![literal.c.to_string()],
            Ast::Dot(span) => {
                return Err(self.refuse(
                    span,
                    "`.` (any character) stands for too many terms; write the letters it may \
                     be as a class (`[ae]`)",
                ))
            }
            Ast::Assertion(assertion) => match assertion.kind {
                AssertionKind::NotWordBoundary
                | AssertionKind::WordBoundaryStartHalf
                | AssertionKind::WordBoundaryEndHalf => {
                    return Err(self.refuse(
                        &assertion.span,
                        "this assertion has no meaning for a term matched as whole words",
                    ))
                }
                _ => vec![ANCHOR.to_string()],
            },
            Ast::ClassPerl(class) if class.kind == ClassPerlKind::Word && !class.negated => {
                return Err(self.refuse(
                    &class.span,
                    "`\\w` (any word character) stands for too many terms; only `\\w*` or \
                     `\\w+` at an end is read, as a glob star",
                ))
            }
            Ast::ClassPerl(_) | Ast::ClassUnicode(_) | Ast::ClassBracketed(_) => self.class(ast)?,
            Ast::Repetition(repetition) => self.repetition(repetition)?,
            Ast::Group(group) => self.expand(&group.ast)?,
            Ast::Alternation(alternation) => {
                let mut all = Vec::new();
                for branch in &alternation.asts {
                    all.extend(self.expand(branch)?);
                    self.check(all.len(), &alternation.span)?;
                }
                all
            }
            Ast::Concat(concat) => {
                let mut all = vec![String::new()];
                for part in &concat.asts {
                    all = self.product(&all, &self.expand(part)?, &concat.span)?;
                }
                all
            }
        })
    }

    fn repetition(&self, repetition: &ast::Repetition) -> Result<Vec<String>, String> {
        let word_class = matches!(
            repetition.ast.as_ref(),
            Ast::ClassPerl(c) if c.kind == ClassPerlKind::Word && !c.negated
        );
        let (min, max) = match &repetition.op.kind {
            RepetitionKind::ZeroOrOne => (0, 1),
            RepetitionKind::ZeroOrMore if word_class => return Ok(vec![STAR.to_string()]),
            RepetitionKind::OneOrMore if word_class => return Ok(vec![PLUS.to_string()]),
            RepetitionKind::Range(RepetitionRange::Exactly(n)) => (*n, *n),
            RepetitionKind::Range(RepetitionRange::Bounded(m, n)) => (*m, *n),
            RepetitionKind::ZeroOrMore
            | RepetitionKind::OneOrMore
            | RepetitionKind::Range(RepetitionRange::AtLeast(_)) => {
                let op =
                    &self.pattern[repetition.op.span.start.offset..repetition.op.span.end.offset];
                return Err(self.refuse(
                    &repetition.span,
                    &format!(
                        "`{op}` repeats without bound, so the terms cannot be listed; give a \
                         bound (`{{0,3}}`), or write `\\w*` at an end for a glob star"
                    ),
                ));
            }
        };
        if max > MAX_REPEAT {
            return Err(self.refuse(
                &repetition.op.span,
                &format!("repeats up to {max} times (at most {MAX_REPEAT} here)"),
            ));
        }
        let one = self.expand(&repetition.ast)?;
        let mut power = vec![String::new()];
        for _ in 0..min {
            power = self.product(&power, &one, &repetition.span)?;
        }
        let mut all = power.clone();
        for _ in min..max {
            power = self.product(&power, &one, &repetition.span)?;
            all.extend(power.iter().cloned());
            self.check(all.len(), &repetition.span)?;
        }
        Ok(all)
    }

    /// The characters of a class, each a literal.
    fn class(&self, ast: &Ast) -> Result<Vec<String>, String> {
        let span = ast.span();
        let hir = hir::translate::Translator::new()
            .translate(self.pattern, ast)
            .map_err(|e| self.refuse(span, &e.kind().to_string()))?;
        let chars: Vec<char> = match hir.kind() {
            HirKind::Class(hir::Class::Unicode(class)) => {
                let size: u64 = class
                    .ranges()
                    .iter()
                    .map(|r| u64::from(r.end()) - u64::from(r.start()) + 1)
                    .sum();
                if size > MAX_CLASS as u64 {
                    return Err(self.class_too_large(span, size));
                }
                class
                    .ranges()
                    .iter()
                    .flat_map(|r| r.start()..=r.end())
                    .collect()
            }
            HirKind::Class(hir::Class::Bytes(class)) => {
                let size: usize = class.ranges().iter().map(|r| r.len()).sum();
                if size > MAX_CLASS {
                    return Err(self.class_too_large(span, size as u64));
                }
                class
                    .ranges()
                    .iter()
                    .flat_map(|r| r.start()..=r.end())
                    .map(char::from)
                    .collect()
            }
            HirKind::Literal(hir::Literal(bytes)) => {
                String::from_utf8_lossy(bytes).chars().collect()
            }
            _ => return Err(self.refuse(span, "a class this import cannot list")),
        };
        Ok(chars.into_iter().map(String::from).collect())
    }

    fn class_too_large(&self, span: &ast::Span, size: u64) -> String {
        self.refuse(
            span,
            &format!(
                "the class stands for {size} characters (at most {MAX_CLASS}), too many terms \
                 to list"
            ),
        )
    }

    fn product(
        &self,
        left: &[String],
        right: &[String],
        span: &ast::Span,
    ) -> Result<Vec<String>, String> {
        self.check(left.len().saturating_mul(right.len()), span)?;
        Ok(left
            .iter()
            .flat_map(|l| right.iter().map(move |r| format!("{l}{r}")))
            .collect())
    }

    fn check(&self, count: usize, span: &ast::Span) -> Result<(), String> {
        if count > self.max {
            Err(self.refuse(
                span,
                &format!(
                    "expands to more than {} terms (raise the limit with --max-literals, or \
                     split the line)",
                    self.max
                ),
            ))
        } else {
            Ok(())
        }
    }

    /// `why`, naming the construct at `span` and its column.
    fn refuse(&self, span: &ast::Span, why: &str) -> String {
        let construct = &self.pattern[span.start.offset..span.end.offset];
        format!("`{construct}` at column {}: {why}", span.start.column)
    }
}
