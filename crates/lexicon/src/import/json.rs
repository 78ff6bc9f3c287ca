//! JSON lexicons: an array of strings, an array of objects with a `term`, or an object
//! mapping each category to such an array.
//!
//! Values are read as borrowed raw JSON (`serde_json`'s `RawValue`), so every problem
//! names the line and column of the value it is about, not only syntax errors.

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

use super::table::{input_name, COLUMNS};
use super::{identifier_from, Builder};
use crate::ProblemKind;

pub(super) fn read_json(
    input: &str,
    default_category: Option<&str>,
    mapping: &[(String, String)],
    builder: &mut Builder<'_>,
) {
    if input.trim().is_empty() {
        return;
    }
    let reader = Reader { input, mapping };
    let top: &RawValue = match serde_json::from_str(input) {
        Ok(top) => top,
        Err(error) => {
            builder.error(
                ProblemKind::ImportSyntax,
                error.line(),
                format!("not valid JSON: {error}"),
            );
            return;
        }
    };
    match top.get().as_bytes()[0] {
        b'[' => reader.array(top, default_category, builder),
        b'{' => {
            let (line, _) = reader.position(top);
            if let Some(category) = default_category {
                builder.error(
                    ProblemKind::ImportSyntax,
                    line,
                    format!(
                        "an object maps categories to their terms; --category {category} does \
                         not apply"
                    ),
                );
                return;
            }
            let Ok(Entries(entries)) = serde_json::from_str::<Entries<'_>>(top.get()) else {
                return; // (valid JSON, checked above)
            };
            for (name, value) in entries {
                let (line, column) = reader.position(value);
                let Some(category) = identifier_from(&name) else {
                    builder.error(
                        ProblemKind::BadCategoryName,
                        line,
                        format!("category `{name}` (column {column}) has no letters or digits"),
                    );
                    continue;
                };
                if value.get().starts_with('[') {
                    reader.array(value, Some(&category), builder);
                } else {
                    builder.error(
                        ProblemKind::ImportSyntax,
                        line,
                        format!(
                            "column {column}: the terms of `{name}` are {}; an object maps each \
                             category to an array of terms",
                            what(value)
                        ),
                    );
                }
            }
        }
        _ => {
            let (line, column) = reader.position(top);
            builder.error(
                ProblemKind::ImportSyntax,
                line,
                format!(
                    "column {column}: the file holds {}; a JSON lexicon is an array of terms \
                     (strings or objects with a `term`) or an object mapping categories to such \
                     arrays",
                    what(top)
                ),
            );
        }
    }
}

struct Reader<'a> {
    input: &'a str,
    mapping: &'a [(String, String)],
}

impl Reader<'_> {
    /// An array of terms, each a string or an object.
    fn array(&self, array: &RawValue, category: Option<&str>, builder: &mut Builder<'_>) {
        let Ok(elements) = serde_json::from_str::<Vec<&RawValue>>(array.get()) else {
            return; // (valid JSON, checked above)
        };
        for (index, element) in elements.into_iter().enumerate() {
            let (line, column) = self.position(element);
            let at = format!("element {} (column {column})", index + 1);
            match element.get().as_bytes()[0] {
                b'"' => {
                    let term: String = serde_json::from_str(element.get()).unwrap_or_default();
                    match category {
                        Some(category) => builder.add(line, category, &[&term]),
                        None => builder.error(
                            ProblemKind::ImportSyntax,
                            line,
                            format!(
                                "{at} `{term}` has no category: give --category for an array \
                                 of strings"
                            ),
                        ),
                    }
                }
                b'{' => self.object(element, category, &at, builder),
                _ => builder.error(
                    ProblemKind::ImportSyntax,
                    line,
                    format!(
                        "{at} is {}; an array of terms holds strings or objects with a `term`",
                        what(element)
                    ),
                ),
            }
        }
    }

    /// `{"term": ..., "category": ..., "weight": ..., "kind": ..., "exclusions": ...}`.
    fn object(
        &self,
        object: &RawValue,
        category: Option<&str>,
        at: &str,
        builder: &mut Builder<'_>,
    ) {
        let (line, _) = self.position(object);
        let Ok(Entries(entries)) = serde_json::from_str::<Entries<'_>>(object.get()) else {
            return;
        };
        let mut fields: Vec<String> = vec![String::new(); COLUMNS.len()];
        for (i, column) in COLUMNS.iter().enumerate() {
            let name = input_name(self.mapping, column);
            let Some((_, value)) = entries
                .iter()
                .find(|(k, _)| k.trim().to_lowercase() == name)
            else {
                continue;
            };
            match cell(value) {
                Some(text) => fields[i] = text,
                None => {
                    let (line, column) = self.position(value);
                    builder.error(
                        ProblemKind::ImportSyntax,
                        line,
                        format!(
                            "`{name}` (column {column}) is {}; it should be a string{}",
                            what(value),
                            match COLUMNS[i] {
                                "weight" => " or a number",
                                "exclusions" => " or an array of strings",
                                _ => "",
                            }
                        ),
                    );
                    return;
                }
            }
        }
        if fields[0].trim().is_empty() {
            let names: Vec<String> = entries.iter().map(|(k, _)| format!("`{k}`")).collect();
            builder.error(
                ProblemKind::ImportSyntax,
                line,
                format!(
                    "{at} has no `{}` (it has {}); say which key holds the term with \
                     --column term=<key>",
                    input_name(self.mapping, "term"),
                    if names.is_empty() {
                        "no keys".to_string()
                    } else {
                        names.join(", ")
                    }
                ),
            );
            return;
        }
        let category = match fields[1].trim() {
            "" => category.map(str::to_string),
            name => identifier_from(name),
        };
        let Some(category) = category else {
            builder.error(
                ProblemKind::ImportSyntax,
                line,
                format!(
                    "{at} `{}` has no category (a `category` with letters or digits, or \
                     --category)",
                    fields[0]
                ),
            );
            return;
        };
        let fields = [&fields[0], &fields[2], &fields[3], &fields[4]].map(String::as_str);
        builder.add(line, &category, &fields);
    }

    /// The 1-based line and column where `value` starts in the input.
    fn position(&self, value: &RawValue) -> (usize, usize) {
        let offset = (value.get().as_ptr() as usize).wrapping_sub(self.input.as_ptr() as usize);
        let Some(before) = self.input.get(..offset) else {
            return (0, 0);
        };
        let line = before.matches('\n').count() + 1;
        let column = before
            .rfind('\n')
            .map_or(before, |i| &before[i + 1..])
            .chars()
            .count()
            + 1;
        (line, column)
    }
}

/// A term field from a JSON value: a string, a number (a weight), or an array of strings
/// (exclusions, joined with `;`). `None` for anything else.
fn cell(value: &RawValue) -> Option<String> {
    match value.get().as_bytes()[0] {
        b'"' => serde_json::from_str(value.get()).ok(),
        b'-' | b'0'..=b'9' => Some(value.get().to_string()),
        b'[' => serde_json::from_str::<Vec<String>>(value.get())
            .ok()
            .map(|items| items.join("; ")),
        b'n' => Some(String::new()), // null: the default
        _ => None,
    }
}

/// What kind of JSON value `value` is, for messages.
fn what(value: &RawValue) -> &'static str {
    match value.get().as_bytes()[0] {
        b'"' => "a string",
        b'[' => "an array",
        b'{' => "an object",
        b't' | b'f' => "a boolean",
        b'n' => "null",
        _ => "a number",
    }
}

/// An object's entries in the order written (a map would sort them, and lose duplicates).
struct Entries<'a>(Vec<(String, &'a RawValue)>);

impl<'de> Deserialize<'de> for Entries<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EntriesVisitor;
        impl<'de> Visitor<'de> for EntriesVisitor {
            type Value = Entries<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entries<'de>, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry::<String, &'de RawValue>()? {
                    entries.push(entry);
                }
                Ok(Entries(entries))
            }
        }
        deserializer.deserialize_map(EntriesVisitor)
    }
}
