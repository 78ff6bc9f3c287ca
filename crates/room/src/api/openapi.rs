//! `GET /api/openapi.json`: the API's OpenAPI 3 description, written by hand next to the
//! code (`openapi.json`). Two tests keep it true: `tests/endpoints.rs` checks it lists every
//! row of the endpoint table, and `tests/openapi_responses.rs` calls every JSON endpoint and
//! validates each answer against the document, both ways (an undeclared field fails, and so
//! does a declared field no answer carries). The answers are typed structs (the overview's,
//! the sources', the curators'), so a field changes in one place the compiler sees.

use axum::http::header;
use axum::response::IntoResponse;

/// The document, as served.
pub const DOCUMENT: &str = include_str!("../../openapi.json");

pub(crate) async fn document() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], DOCUMENT)
}
