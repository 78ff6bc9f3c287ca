//! LIWC-style `.dic` dictionaries.

use std::collections::HashMap;

use super::{identifier_from, Builder};
use crate::{Problem, ProblemKind};

pub(super) fn read_dic(input: &str, builder: &mut Builder<'_>) {
    let mut lines = input
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty());
    match lines.next() {
        Some((_, "%")) => {}
        Some((line, _)) => {
            builder.error(
                ProblemKind::ImportSyntax,
                line,
                "a .dic file opens with a `%` line, then `id name` category lines, then `%`",
            );
            return;
        }
        None => return,
    }
    // id (see `dic_id`) -> category identifier
    let mut ids: HashMap<String, String> = HashMap::new();
    let mut names_of: HashMap<String, String> = HashMap::new();
    let mut closed = false;
    let mut last_line = 1;
    for (line, content) in lines.by_ref() {
        last_line = line;
        if content == "%" {
            closed = true;
            break;
        }
        let mut tokens = content.split_whitespace();
        let (Some(id), Some(name)) = (tokens.next(), tokens.next()) else {
            builder.error(
                ProblemKind::ImportSyntax,
                line,
                format!("`{content}`: a category line is `id name`"),
            );
            continue;
        };
        let Some(identifier) = identifier_from(name) else {
            builder.error(
                ProblemKind::BadCategoryName,
                line,
                format!("category `{name}` has no letters or digits"),
            );
            continue;
        };
        let id = dic_id(id);
        if ids.contains_key(&id) {
            builder.error(
                ProblemKind::ImportSyntax,
                line,
                format!("category id `{id}` is declared twice"),
            );
            continue;
        }
        if let Some(other) = names_of.insert(identifier.clone(), name.to_string()) {
            if other != name {
                builder.problems.push(Problem::warning(
                    ProblemKind::ImportSyntax,
                    builder.source,
                    line,
                    format!("categories `{other}` and `{name}` both become `{identifier}`; merged"),
                ));
            }
        }
        ids.insert(id, identifier);
    }
    if !closed {
        builder.error(
            ProblemKind::ImportSyntax,
            last_line,
            "the category list is not closed by a `%` line",
        );
        return;
    }
    for (line, content) in lines {
        let (term, id_tokens): (String, Vec<&str>) = match content.split_once('\t') {
            Some((term, ids)) => (term.trim().to_string(), ids.split_whitespace().collect()),
            None => {
                // Space-separated: the trailing tokens that are category ids.
                let tokens: Vec<&str> = content.split_whitespace().collect();
                let ids_from = tokens
                    .iter()
                    .rposition(|t| !ids.contains_key(&dic_id(t)))
                    .map_or(0, |i| i + 1);
                (tokens[..ids_from].join(" "), tokens[ids_from..].to_vec())
            }
        };
        if id_tokens.is_empty() {
            builder.error(
                ProblemKind::ImportSyntax,
                line,
                format!("`{content}`: a term line is `term<TAB>category ids`"),
            );
            continue;
        }
        for id in id_tokens {
            match ids.get(&dic_id(id)).cloned() {
                Some(category) => builder.add(line, &category, &[&term]),
                None => builder.error(
                    ProblemKind::UnknownCategoryId,
                    line,
                    format!("category id `{id}` of `{term}` is not declared in the header"),
                ),
            }
        }
    }
}

/// A `.dic` category id as a key: numeric ids compare as numbers (`03` is `3`).
fn dic_id(token: &str) -> String {
    if token.bytes().all(|b| b.is_ascii_digit()) {
        let digits = token.trim_start_matches('0');
        if digits.is_empty() { "0" } else { digits }.to_string()
    } else {
        token.to_string()
    }
}
