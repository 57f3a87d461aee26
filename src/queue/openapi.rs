//! The API's OpenAPI document, served at `/api/v1/openapi.json`. A test checks that every
//! route of `api::router` is in it, so the document cannot drift from the code.

pub const DOCUMENT: &str = include_str!("openapi.json");
