//! `AwsError`: what a caller of the API surface can observe when an action fails —
//! AWS's error code, its message and the HTTP status AWS answers with.

use serde_json::{json, Value};
use std::fmt;

#[derive(Clone, Debug, PartialEq)]
pub struct AwsError {
    pub code: String,
    pub message: String,
    pub status: u16,
}

impl AwsError {
    pub fn new(code: &str, message: impl Into<String>, status: u16) -> Self {
        AwsError {
            code: code.to_string(),
            message: message.into(),
            status,
        }
    }
    /// A 400 client error, the common case.
    pub fn client(code: &str, message: impl Into<String>) -> Self {
        Self::new(code, message, 400)
    }
    pub fn to_json(&self) -> Value {
        json!({ "code": self.code, "message": self.message })
    }
}

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for AwsError {}

/// A template or CLI error: a message naming the place (template path or line/column).
#[derive(Clone, Debug, PartialEq)]
pub struct TemplateError {
    pub path: String,
    pub message: String,
}

impl TemplateError {
    pub fn at(path: impl Into<String>, message: impl Into<String>) -> Self {
        TemplateError {
            path: path.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for TemplateError {}
