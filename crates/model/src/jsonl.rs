//! Reading JSON Lines where a bad line is reported, never silently dropped.

use serde::de::DeserializeOwned;
use std::io::BufRead;

/// A line that could not be read as a record: its 1-based line number and why.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct JsonlError {
    pub line: u64,
    pub message: String,
}

/// One line's outcome.
pub type JsonlRecord<T> = Result<(u64, T), JsonlError>;

/// Iterate over the records of a JSON Lines stream. Blank lines are skipped; every other
/// line yields either its record or an error naming the line. Reading stops at the first
/// I/O error, which is yielded as an error on the line where it happened.
pub fn read_jsonl<T: DeserializeOwned, R: BufRead>(
    reader: R,
) -> impl Iterator<Item = JsonlRecord<T>> {
    let mut lines = reader.lines();
    let mut line_no = 0u64;
    let mut failed = false;
    std::iter::from_fn(move || loop {
        if failed {
            return None;
        }
        line_no += 1;
        let line = match lines.next()? {
            Ok(l) => l,
            Err(e) => {
                failed = true;
                return Some(Err(JsonlError {
                    line: line_no,
                    message: format!("cannot read: {e}"),
                }));
            }
        };
        if line.trim().is_empty() {
            continue;
        }
        return Some(
            serde_json::from_str::<T>(&line)
                .map(|t| (line_no, t))
                .map_err(|e| JsonlError {
                    line: line_no,
                    message: format!("invalid item: {e}"),
                }),
        );
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Item;

    #[test]
    fn bad_lines_are_reported_with_their_number() {
        let input = "{\"id\":\"a\",\"text\":\"x\"}\n\nnot json\n{\"id\":\"b\"}\n{\"id\":\"c\",\"text\":\"y\"}\n";
        let out: Vec<JsonlRecord<Item>> = read_jsonl(input.as_bytes()).collect();
        assert_eq!(out.len(), 4);
        assert_eq!(out[0].as_ref().unwrap().0, 1);
        assert_eq!(out[1].as_ref().unwrap_err().line, 3);
        let e = out[2].as_ref().unwrap_err();
        assert_eq!(e.line, 4);
        assert!(e.message.contains("text"), "{}", e.message);
        assert_eq!(out[3].as_ref().unwrap().1.id.as_str(), "c");
    }

    #[test]
    fn invalid_utf8_is_an_error_not_a_panic() {
        let input: &[u8] = b"{\"id\":\"a\",\"text\":\"\xff\"}\n";
        let out: Vec<JsonlRecord<Item>> = read_jsonl(input).collect();
        assert_eq!(out.len(), 1);
        assert!(out[0].is_err());
    }
}
