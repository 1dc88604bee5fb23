//! Reading request bodies and queries the same way for every family; each family turns a
//! `InputError` into its own error shape.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderValue, StatusCode};
use serde::de::DeserializeOwned;

/// What was wrong with a request's input, before any family shaped it.
#[derive(Debug, Clone, PartialEq)]
pub struct InputError {
    pub status: StatusCode,
    /// Where: `["body", "scheduleConfig", "hours"]`, `["query", "page"]`, or `["body"]`.
    pub loc: Vec<String>,
    pub message: String,
    /// A pydantic-style error type, for seed 004's validation list.
    pub kind: &'static str,
}

impl InputError {
    pub fn new(status: StatusCode, loc: Vec<String>, message: impl Into<String>, kind: &'static str) -> Self {
        Self { status, loc, message: message.into(), kind }
    }

    pub fn field(&self) -> String {
        self.loc.iter().skip(1).cloned().collect::<Vec<_>>().join(".")
    }
}

pub fn body_bytes(result: Result<Bytes, BytesRejection>) -> Result<Bytes, InputError> {
    result.map_err(|rejection| {
        let status = rejection.status();
        let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
            "request body is too large".to_owned()
        } else {
            "could not read the request body".to_owned()
        };
        InputError::new(status, vec!["body".to_owned()], message, "value_error.body")
    })
}

/// Refuses a body that is not declared as JSON with a 415: every seed's client says
/// `Content-Type: application/json`, and a browser can send `text/plain`, form or multipart bodies
/// to another site without asking it first, but not JSON. A request without a body and without a
/// type passes, so that a bodyless request is read as the missing JSON object it is.
pub fn require_json(declared: Option<&HeaderValue>, has_body: bool) -> Result<(), InputError> {
    let message = match declared {
        Some(value) if is_json(value) => return Ok(()),
        Some(value) => format!(
            "Unsupported Media Type: the body must be JSON (Content-Type: application/json), not {}",
            value.to_str().unwrap_or("an unreadable type")
        ),
        None if !has_body => return Ok(()),
        None => "Unsupported Media Type: a request body needs Content-Type: application/json".to_owned(),
    };
    Err(InputError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        vec!["body".to_owned()],
        message,
        "value_error.content_type",
    ))
}

/// `application/json` or a JSON-based `application/…+json`, whatever its parameters (`charset`),
/// as axum's own `Json` extractor takes them.
fn is_json(value: &HeaderValue) -> bool {
    let Ok(text) = value.to_str() else { return false };
    let essence = text.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    match essence.strip_prefix("application/") {
        Some(subtype) => subtype == "json" || (subtype.ends_with("+json") && subtype.len() > "+json".len()),
        None => false,
    }
}

/// Parses JSON, naming the location of the first problem (`body.scheduleConfig.hours`).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, InputError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(InputError::new(
            StatusCode::BAD_REQUEST,
            vec!["body".to_owned()],
            "request body must be a JSON object",
            "value_error.missing",
        ));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let parsed: Result<T, _> = serde_path_to_error::deserialize(&mut de);
    let value = parsed.map_err(|err| {
        let segments = path_segments(err.path());
        let inner = err.into_inner();
        let message = clean_serde_message(&inner.to_string());
        if inner.is_syntax() || inner.is_eof() {
            // Where a syntax error stops is no field's fault.
            let message = format!("malformed JSON: {message}");
            return InputError::new(
                StatusCode::BAD_REQUEST,
                vec!["body".to_owned()],
                message,
                "value_error.jsondecode",
            );
        }
        let mut loc = vec!["body".to_owned()];
        loc.extend(segments);
        InputError::new(StatusCode::UNPROCESSABLE_ENTITY, loc, message, "type_error")
    })?;
    de.end().map_err(|_| {
        InputError::new(
            StatusCode::BAD_REQUEST,
            vec!["body".to_owned()],
            "trailing characters after the JSON value",
            "value_error.jsondecode",
        )
    })?;
    Ok(value)
}

/// Parses a query string into `T`, naming the offending parameter.
pub fn parse_query<T: DeserializeOwned>(query: Option<&str>) -> Result<T, InputError> {
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.unwrap_or("").as_bytes()));
    serde_path_to_error::deserialize(de).map_err(|err| {
        let mut loc = vec!["query".to_owned()];
        loc.extend(path_segments(err.path()));
        InputError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            loc,
            clean_serde_message(&err.into_inner().to_string()),
            "type_error",
        )
    })
}

fn path_segments(path: &serde_path_to_error::Path) -> Vec<String> {
    path.iter()
        .filter_map(|segment| match segment {
            serde_path_to_error::Segment::Map { key } => Some(key.clone()),
            serde_path_to_error::Segment::Seq { index } => Some(index.to_string()),
            serde_path_to_error::Segment::Enum { variant } => Some(variant.clone()),
            serde_path_to_error::Segment::Unknown => None,
        })
        .collect()
}

/// serde's messages end with " at line 1 column 42"; the location is already given apart.
fn clean_serde_message(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(cut) => message[..cut].to_owned(),
        None => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        config: Config,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Config {
        hours: u32,
    }

    #[test]
    fn type_errors_name_their_field() {
        let err = parse_json::<Body>(br#"{"name": "x", "config": {"hours": "two"}}"#).unwrap_err();
        assert_eq!(err.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(err.loc, ["body", "config", "hours"]);
        assert_eq!(err.field(), "config.hours");
        assert!(err.message.starts_with("invalid type"), "{}", err.message);
    }

    #[test]
    fn malformed_json_is_a_bad_request() {
        let err = parse_json::<Body>(b"{\"name\": ").unwrap_err();
        assert_eq!(err.status, StatusCode::BAD_REQUEST);
        assert_eq!((err.field(), err.message.starts_with("malformed JSON")), (String::new(), true));
        let err = parse_json::<Body>(b"").unwrap_err();
        assert_eq!(err.status, StatusCode::BAD_REQUEST);
        let err = parse_json::<Body>(br#"{"name":"x","config":{"hours":1}} x"#).unwrap_err();
        assert_eq!(err.status, StatusCode::BAD_REQUEST);
    }

    #[test]
    fn missing_fields_are_named() {
        let err = parse_json::<Body>(br#"{"config": {"hours": 1}}"#).unwrap_err();
        assert!(err.message.contains("missing field `name`"), "{}", err.message);
    }

    #[test]
    fn only_json_bodies_are_read() {
        let declared = |text: &'static str| Some(HeaderValue::from_static(text));
        for ok in
            ["application/json", "application/json; charset=utf-8", "Application/JSON", "application/problem+json"]
        {
            assert_eq!(require_json(declared(ok).as_ref(), true), Ok(()), "{ok}");
        }
        assert_eq!(require_json(None, false), Ok(()), "no body, no type: read as the missing object");
        for refused in [
            "text/plain",
            "text/plain; charset=utf-8",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "application/jsonx",
            "application/+json",
            "text/json",
        ] {
            let err = require_json(declared(refused).as_ref(), true).unwrap_err();
            assert_eq!(err.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{refused}");
            assert!(err.message.contains(refused) && err.message.contains("application/json"), "{}", err.message);
            assert!(require_json(declared(refused).as_ref(), false).is_err(), "a declared form is refused even empty");
        }
        let err = require_json(None, true).unwrap_err();
        assert_eq!((err.status, err.field()), (StatusCode::UNSUPPORTED_MEDIA_TYPE, String::new()));
        assert!(err.message.contains("needs Content-Type: application/json"), "{}", err.message);
    }

    #[test]
    fn queries_name_the_parameter() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Q {
            page: Option<u32>,
        }
        let err = parse_query::<Q>(Some("page=abc")).unwrap_err();
        assert_eq!(err.loc, ["query", "page"]);
        assert!(parse_query::<Q>(None).is_ok());
    }
}
