//! serde_json refuses a whole document for one lone surrogate escape (`"\ud800"`, which
//! some senders produce by cutting an emoji in half) or one byte that is not UTF-8, so one
//! damaged message would cost every other message of its delivery. Both can only occur
//! inside strings, and both have an unambiguous replacement: U+FFFD, what a lossy decoder
//! shows. The raw body is stored untouched either way.

/// The body with every invalid UTF-8 sequence and every lone surrogate escape replaced by
/// U+FFFD, and how many were replaced; `None` when there was nothing to replace.
pub(super) fn repair(body: &[u8]) -> Option<(Vec<u8>, usize)> {
    let mut fixes = 0;
    let mut text = Vec::with_capacity(body.len());
    for chunk in body.utf8_chunks() {
        text.extend_from_slice(chunk.valid().as_bytes());
        if !chunk.invalid().is_empty() {
            text.extend_from_slice("\u{FFFD}".as_bytes());
            fixes += 1;
        }
    }
    let (out, surrogates) = replace_lone_surrogates(&text);
    fixes += surrogates;
    (fixes > 0).then_some((out, fixes))
}

fn replace_lone_surrogates(b: &[u8]) -> (Vec<u8>, usize) {
    const HIGH: std::ops::Range<u32> = 0xD800..0xDC00;
    const LOW: std::ops::Range<u32> = 0xDC00..0xE000;
    let mut out = Vec::with_capacity(b.len());
    let mut fixes = 0;
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' || i + 1 >= b.len() {
            out.push(b[i]);
            i += 1;
            continue;
        }
        // An escape: `\\` and `\"` are copied whole so that an escaped backslash is never
        // mistaken for the start of a `\u` escape.
        let Some(unit) = (b[i + 1] == b'u').then(|| hex4(b, i + 2)).flatten() else {
            out.extend_from_slice(&b[i..i + 2]);
            i += 2;
            continue;
        };
        let paired = HIGH.contains(&unit)
            && b.get(i + 6) == Some(&b'\\')
            && b.get(i + 7) == Some(&b'u')
            && hex4(b, i + 8).is_some_and(|low| LOW.contains(&low));
        if paired {
            out.extend_from_slice(&b[i..i + 12]);
            i += 12;
        } else if HIGH.contains(&unit) || LOW.contains(&unit) {
            out.extend_from_slice(b"\\ufffd");
            fixes += 1;
            i += 6;
        } else {
            out.extend_from_slice(&b[i..i + 6]);
            i += 6;
        }
    }
    (out, fixes)
}

/// The code unit of the four hex digits at `at`, if there are four.
fn hex4(b: &[u8], at: usize) -> Option<u32> {
    let digits = std::str::from_utf8(b.get(at..at + 4)?).ok()?;
    if !digits.bytes().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(digits, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixed(body: &[u8]) -> (String, usize) {
        let (out, n) = repair(body).expect("something to repair");
        (String::from_utf8(out).unwrap(), n)
    }

    #[test]
    fn lone_surrogates_become_the_replacement_character() {
        assert_eq!(
            fixed(br#"{"a":"x\ud800y"}"#),
            (r#"{"a":"x\ufffdy"}"#.into(), 1)
        );
        assert_eq!(fixed(br#"{"a":"\uDC00"}"#), (r#"{"a":"\ufffd"}"#.into(), 1));
        // A high surrogate at the very end of a string, then a second one that is paired.
        assert_eq!(
            fixed(br#"["\ud83d","\ud83d\ud83d\ude00"]"#),
            (r#"["\ufffd","\ufffd\ud83d\ude00"]"#.into(), 2)
        );
        let (out, _) = fixed(br#"{"a":"x\ud800y"}"#);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["a"], "x\u{FFFD}y");
    }

    #[test]
    fn invalid_bytes_become_the_replacement_character() {
        let (out, n) = fixed(b"{\"a\":\"caf\xe9 \xff\xfe\"}");
        // As a lossy decoder reads them: each byte that starts no sequence is one U+FFFD.
        assert_eq!(n, 3);
        assert_eq!(out, "{\"a\":\"caf\u{FFFD} \u{FFFD}\u{FFFD}\"}");
    }

    #[test]
    fn valid_text_pairs_and_escaped_backslashes_are_left_alone() {
        assert!(repair(br#"{"a":"\ud83d\ude00 \\ud800 \u00e9 \"\\\""}"#).is_none());
        assert!(repair("{\"a\":\"ñ 😀\"}".as_bytes()).is_none());
    }
}
