//! `GET /api/openapi.json`: the API's OpenAPI 3 description, written by hand next to the
//! code (`openapi.json`); a test keeps it and the endpoint table in step.

use axum::http::header;
use axum::response::IntoResponse;

/// The document, as served.
pub const DOCUMENT: &str = include_str!("../../openapi.json");

pub(crate) async fn document() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], DOCUMENT)
}
