//! JSON errors, and extractors whose rejections are JSON errors too.
//!
//! Every answer that is not a success is `{"error": "...", "code": "...", "message": "..."}`
//! with a 4xx for the caller's mistakes (malformed JSON, bad query parameters, unknown ids,
//! refused decisions) and a 5xx only for the server's own trouble (database, store). `error`
//! is the English detail for API clients and logs; `code` is stable for programs; `message`
//! is a sentence for people in the caller's language (Dutch unless the language cookie says
//! English), which the pages show. `code` and `message` are added on the way out
//! (`error_text.rs`) from the [`ErrorCode`] an error carries.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::de::DeserializeOwned;
use websense_signals::SignalError;
use websense_store::StoreError;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    /// The English detail (`error` in the answer).
    pub message: String,
    /// The stable code and the values its sentence names.
    pub code: ErrorCode,
}

/// An error's stable code (`code` in the answer) and the values its sentence in
/// `assets/i18n.json` (`apierror.CODE`) names as `{name}`. Carried to the answer as a
/// response extension.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorCode {
    pub code: &'static str,
    pub vars: Vec<(&'static str, String)>,
}

impl ErrorCode {
    pub fn new(code: &'static str) -> ErrorCode {
        ErrorCode {
            code,
            vars: Vec::new(),
        }
    }

    pub fn with(mut self, name: &'static str, value: impl ToString) -> ErrorCode {
        self.vars.push((name, value.to_string()));
        self
    }

    /// The code of an error nothing more is known of than its status.
    pub fn of_status(status: StatusCode) -> ErrorCode {
        ErrorCode::new(match status.as_u16() {
            400 => "bad_request",
            401 => "unauthorized",
            403 => "forbidden",
            404 => "not_found",
            405 => "method_not_allowed",
            409 => "conflict",
            410 => "gone",
            413 => "too_large",
            415 => "json_required",
            422 => "unprocessable",
            429 => "too_many_requests",
            503 => "unavailable",
            500..=599 => "internal",
            _ => "error",
        })
    }
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
            code: ErrorCode::of_status(status),
        }
    }

    /// The same error under a more telling code than its status gives.
    pub fn coded(mut self, code: ErrorCode) -> ApiError {
        self.code = code;
        self
    }
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }
    pub fn unprocessable(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, message)
    }
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, message)
    }
    pub fn conflict(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, message)
    }
    pub fn unauthorized(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, message)
    }
    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, message)
    }
    /// The server's own failure. The details go to the log, not to the caller.
    pub fn internal(context: &str, error: impl std::fmt::Display) -> ApiError {
        tracing::error!(error = %error, "{context}");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("{context}; see the server log"),
        )
        .coded(ErrorCode::new("internal"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (
            self.status,
            Json(serde_json::json!({ "error": self.message })),
        )
            .into_response();
        response.extensions_mut().insert(self.code);
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer realm=\"websense\""),
            );
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        tracing::error!(error = %e, "store failed");
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "the item store is unavailable; see the server log",
        )
        .coded(ErrorCode::new("store_unavailable"))
    }
}

impl From<SignalError> for ApiError {
    fn from(e: SignalError) -> ApiError {
        match e {
            SignalError::NotFound(id) => ApiError::not_found(format!("no signal {id}")),
            e @ SignalError::AlreadyDecided { .. } => {
                ApiError::conflict(e.to_string()).coded(ErrorCode::new("already_decided"))
            }
            e @ SignalError::ReasonRequired => {
                ApiError::unprocessable(e.to_string()).coded(ErrorCode::new("reason_required"))
            }
            e => ApiError::internal("room database failed", e),
        }
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> ApiError {
        ApiError::internal("room database failed", e)
    }
}

/// `Json<T>` whose rejections are JSON errors: 415 without a JSON content type, 400 for
/// syntax, 422 for valid JSON of the wrong shape.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_rejection(r: JsonRejection) -> ApiError {
    let code = match r.status().as_u16() {
        400 => ErrorCode::new("bad_json"),
        422 => ErrorCode::new("invalid_body"),
        _ => ErrorCode::of_status(r.status()),
    };
    ApiError::new(r.status(), r.body_text()).coded(code)
}

/// `Query<T>` whose rejections are 400 JSON errors naming the parameter.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        // A repeated list parameter (`municipality=A&municipality=B`) reaches serde as one.
        if let Some(joined) = parts
            .uri
            .query()
            .and_then(crate::api::params::join_repeated)
        {
            let uri = format!("{}?{joined}", parts.uri.path())
                .parse::<axum::http::Uri>()
                .map_err(|e| {
                    ApiError::bad_request(e.to_string()).coded(ErrorCode::new("bad_query"))
                })?;
            return match axum::extract::Query::<T>::try_from_uri(&uri) {
                Ok(axum::extract::Query(value)) => Ok(ApiQuery(value)),
                Err(r) => Err(query_rejection(r)),
            };
        }
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(ApiQuery(value)),
            Err(r) => Err(query_rejection(r)),
        }
    }
}

fn query_rejection(r: QueryRejection) -> ApiError {
    ApiError::bad_request(r.body_text()).coded(ErrorCode::new("bad_query"))
}

/// `Path<T>` whose rejections are 400 JSON errors.
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(ApiPath(value)),
            Err(r) => Err(path_rejection(r)),
        }
    }
}

fn path_rejection(r: PathRejection) -> ApiError {
    ApiError::bad_request(r.body_text()).coded(ErrorCode::new("bad_path"))
}
