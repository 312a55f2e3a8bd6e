//! Why a call failed, from the server's error body.

use std::collections::BTreeMap;

use casting_shared::api::ErrorBody;
use reqwest::StatusCode;

/// Why a call failed, in terms a person can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// No answer: the server is down, unreachable or too slow.
    Unreachable(String),
    /// The server answered with an error status.
    Status {
        status: u16,
        message: String,
        detail: Option<String>,
        fields: BTreeMap<String, String>,
        retry_after: Option<u64>,
    },
    /// The answer was not what the contract says.
    Unexpected(String),
}

impl ApiError {
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// A 422's message per field: what a dialog marks on its fields.
    pub fn field_errors(&self) -> Option<&BTreeMap<String, String>> {
        match self {
            ApiError::Status {
                status: 422,
                fields,
                ..
            } => Some(fields),
            _ => None,
        }
    }

    /// One line for the status bar.
    pub fn describe(&self) -> String {
        match self {
            ApiError::Unreachable(why) => format!("Cannot reach the server: {why}"),
            ApiError::Status {
                status: 429,
                retry_after,
                ..
            } => match retry_after {
                Some(s) => format!("Too many attempts; try again in {s} s"),
                None => "Too many attempts; try again later".into(),
            },
            ApiError::Status { status: 503, .. } => {
                "The server's database is unavailable; try again shortly".into()
            }
            ApiError::Status {
                status,
                message,
                detail,
                ..
            } => match detail {
                Some(detail) => format!("{status} {message}: {detail}"),
                None => format!("{status} {message}"),
            },
            ApiError::Unexpected(why) => format!("Unexpected answer from the server: {why}"),
        }
    }
}

/// The error an answer with `status` and `bytes` (its body) stands for.
pub(super) fn error_from(status: StatusCode, bytes: &[u8], retry_after: Option<u64>) -> ApiError {
    match serde_json::from_slice::<ErrorBody>(bytes) {
        Ok(body) => ApiError::Status {
            status: status.as_u16(),
            message: body.message,
            detail: body.detail,
            fields: body.fields.unwrap_or_default(),
            retry_after,
        },
        Err(_) => ApiError::Status {
            status: status.as_u16(),
            message: status.canonical_reason().unwrap_or("error").to_lowercase(),
            detail: None,
            fields: BTreeMap::new(),
            retry_after,
        },
    }
}
