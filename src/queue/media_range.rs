//! HTTP conditional and partial answers for stored media: `ETag`/`If-None-Match` (304) and
//! one byte `Range` (206). Browsers ask for ranges to seek in a voice note, and Safari will not
//! play a video whose server does not answer them.
//!
//! Files are content-addressed (their sha256), so the hash is a strong validator.

use axum::http::{HeaderMap, HeaderValue, StatusCode};

/// What to send for a request against a file of `len` bytes whose ETag is `etag`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// 304: the client's copy is current.
    NotModified,
    /// 200 with the whole file.
    Full,
    /// 206 with bytes `start..=end`.
    Partial { start: u64, end: u64 },
    /// 416: the one range asked for starts past the end.
    Unsatisfiable,
}

/// A strong ETag for a file stored under `sha256`.
pub fn etag(sha256: &str) -> String {
    format!("\"{sha256}\"")
}

pub fn answer(headers: &HeaderMap, etag: &str, len: u64) -> Answer {
    if let Some(v) = headers.get(axum::http::header::IF_NONE_MATCH) {
        if matches_any(v, etag) {
            return Answer::NotModified;
        }
    }
    let Some(range) = headers
        .get(axum::http::header::RANGE)
        .and_then(|v| v.to_str().ok())
    else {
        return Answer::Full;
    };
    // If-Range with another validator (or a date, which we do not track): the client's
    // pieces belong to another file, so it gets the whole new one.
    if let Some(v) = headers.get(axum::http::header::IF_RANGE) {
        if v.as_bytes() != etag.as_bytes() {
            return Answer::Full;
        }
    }
    match parse(range, len) {
        Parsed::One(start, end) => Answer::Partial { start, end },
        Parsed::Unsatisfiable => Answer::Unsatisfiable,
        // Several ranges would need a multipart body; the whole file serves every player we
        // know of, and RFC 9110 lets a server ignore Range. Unreadable headers likewise.
        Parsed::Ignore => Answer::Full,
    }
}

/// `If-None-Match`: `*` or a list of (weak or strong) tags, compared weakly (RFC 9110 §13.1.2).
fn matches_any(v: &HeaderValue, etag: &str) -> bool {
    let Ok(v) = v.to_str() else {
        return false;
    };
    v.split(',').map(str::trim).any(|tag| {
        tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag.trim_start_matches("W/")
    })
}

#[derive(Debug, PartialEq, Eq)]
enum Parsed {
    One(u64, u64),
    Unsatisfiable,
    Ignore,
}

fn parse(header: &str, len: u64) -> Parsed {
    let Some(spec) = header.trim().strip_prefix("bytes=") else {
        return Parsed::Ignore;
    };
    let mut parts = spec.split(',').map(str::trim).filter(|p| !p.is_empty());
    let (Some(one), None) = (parts.next(), parts.next()) else {
        return Parsed::Ignore;
    };
    let Some((first, last)) = one.split_once('-') else {
        return Parsed::Ignore;
    };
    let (first, last) = (first.trim(), last.trim());
    if first.is_empty() {
        // Suffix: the last N bytes.
        let Ok(n) = last.parse::<u64>() else {
            return Parsed::Ignore;
        };
        if n == 0 || len == 0 {
            return Parsed::Unsatisfiable;
        }
        return Parsed::One(len.saturating_sub(n), len - 1);
    }
    let Ok(start) = first.parse::<u64>() else {
        return Parsed::Ignore;
    };
    let end = if last.is_empty() {
        len.saturating_sub(1)
    } else {
        match last.parse::<u64>() {
            Ok(e) if e >= start => e.min(len.saturating_sub(1)),
            _ => return Parsed::Ignore,
        }
    };
    if start >= len {
        return Parsed::Unsatisfiable;
    }
    Parsed::One(start, end)
}

impl Answer {
    pub fn status(&self) -> StatusCode {
        match self {
            Answer::NotModified => StatusCode::NOT_MODIFIED,
            Answer::Full => StatusCode::OK,
            Answer::Partial { .. } => StatusCode::PARTIAL_CONTENT,
            Answer::Unsatisfiable => StatusCode::RANGE_NOT_SATISFIABLE,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::header;

    fn ask(pairs: &[(header::HeaderName, &str)], len: u64) -> Answer {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(k, HeaderValue::from_str(v).unwrap());
        }
        answer(&h, "\"abc\"", len)
    }

    #[test]
    fn ranges() {
        use Answer::*;
        assert_eq!(ask(&[], 10), Full);
        assert_eq!(
            ask(&[(header::RANGE, "bytes=0-3")], 10),
            Partial { start: 0, end: 3 }
        );
        assert_eq!(
            ask(&[(header::RANGE, "bytes=4-")], 10),
            Partial { start: 4, end: 9 }
        );
        assert_eq!(
            ask(&[(header::RANGE, "bytes=-3")], 10),
            Partial { start: 7, end: 9 }
        );
        assert_eq!(
            ask(&[(header::RANGE, "bytes=-30")], 10),
            Partial { start: 0, end: 9 }
        );
        assert_eq!(
            ask(&[(header::RANGE, "bytes=5-500")], 10),
            Partial { start: 5, end: 9 }
        );
        assert_eq!(ask(&[(header::RANGE, "bytes=10-")], 10), Unsatisfiable);
        assert_eq!(ask(&[(header::RANGE, "bytes=-0")], 10), Unsatisfiable);
        assert_eq!(ask(&[(header::RANGE, "bytes=0-1,4-5")], 10), Full);
        assert_eq!(ask(&[(header::RANGE, "bytes=5-2")], 10), Full);
        assert_eq!(ask(&[(header::RANGE, "items=0-1")], 10), Full);
        assert_eq!(ask(&[(header::RANGE, "bytes=x-")], 10), Full);
    }

    #[test]
    fn validators() {
        use Answer::*;
        assert_eq!(ask(&[(header::IF_NONE_MATCH, "\"abc\"")], 10), NotModified);
        assert_eq!(
            ask(&[(header::IF_NONE_MATCH, "\"x\", W/\"abc\"")], 10),
            NotModified
        );
        assert_eq!(ask(&[(header::IF_NONE_MATCH, "*")], 10), NotModified);
        assert_eq!(ask(&[(header::IF_NONE_MATCH, "\"old\"")], 10), Full);
        assert_eq!(
            ask(
                &[(header::RANGE, "bytes=0-1"), (header::IF_RANGE, "\"abc\"")],
                10
            ),
            Partial { start: 0, end: 1 }
        );
        assert_eq!(
            ask(
                &[(header::RANGE, "bytes=0-1"), (header::IF_RANGE, "\"old\"")],
                10
            ),
            Full
        );
    }
}
