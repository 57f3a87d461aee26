//! Robustness properties of the code that reads untrusted input: webhook bodies, signature
//! headers, citizens' text and coordinators' replies. These are the quick, always-on
//! versions of the cargo-fuzz targets in `fuzz/`; they keep case counts small (at most 256
//! each) so the suite stays fast, and the fuzzers go deeper when someone runs them.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::LazyLock;

use alerta::triage::{normalize, Classifier, Input, MAX_EXPANSION, MAX_INPUT_BYTES};
use alerta::vocab::{button_payload, find_folios, parse_button, parse_command, Folio};
use alerta::whatsapp::signature::sign;
use alerta::whatsapp::{parse_notification, verify_signature, Notification, ParseError};
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{json, Value};

const FALLBACK_ID: &str = "robustness-delivery";

/// Keys the parser looks up. Random objects use them half of the time, so generated JSON
/// reaches the code behind each lookup instead of only its "field absent" branch.
const KEYS: &[&str] = &[
    "object",
    "entry",
    "changes",
    "field",
    "value",
    "metadata",
    "phone_number_id",
    "contacts",
    "wa_id",
    "user_id",
    "profile",
    "name",
    "messages",
    "statuses",
    "errors",
    "id",
    "type",
    "from",
    "from_user_id",
    "group_id",
    "timestamp",
    "context",
    "forwarded",
    "frequently_forwarded",
    "text",
    "body",
    "caption",
    "image",
    "audio",
    "voice",
    "location",
    "latitude",
    "longitude",
    "button",
    "payload",
    "interactive",
    "button_reply",
    "list_reply",
    "reaction",
    "emoji",
    "message_id",
    "edit",
    "message",
    "original_message_id",
    "revoke",
    "status",
    "recipient_id",
    "code",
    "title",
    "error_data",
    "details",
];

/// String values with meaning to the parser (types, the `object` marker, numeric strings).
const WORDS: &[&str] = &[
    "whatsapp_business_account",
    "messages",
    "text",
    "image",
    "audio",
    "video",
    "document",
    "sticker",
    "location",
    "button",
    "interactive",
    "reaction",
    "system",
    "order",
    "contacts",
    "edit",
    "revoke",
    "unsupported",
    "unknown",
    "sent",
    "delivered",
    "read",
    "failed",
    "",
    " ",
    "1774987200",
    "-9223372036854775808",
    "99999999999999999999",
    "NaN",
    "1e309",
];

fn arb_key() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(KEYS).prop_map(str::to_owned),
        any::<String>(),
    ]
}

fn arb_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        // serde_json has no NaN or infinities: `from` turns them into null.
        any::<f64>().prop_map(Value::from),
        any::<String>().prop_map(Value::String),
        prop::sample::select(WORDS).prop_map(Value::from),
    ]
}

/// Any JSON value, nested at most 4 levels deep.
fn arb_json() -> impl Strategy<Value = Value> {
    arb_leaf().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(arb_key(), inner, 0..6)
                .prop_map(|m: BTreeMap<String, Value>| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A message object: known keys with random values, so each type's branch of the parser
/// sees wrong types in every field it reads.
fn arb_message() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(WORDS),
        prop::collection::btree_map(prop::sample::select(KEYS), arb_json(), 0..8),
    )
        .prop_map(|(kind, fields)| {
            let mut m: serde_json::Map<String, Value> =
                fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
            m.entry("type").or_insert_with(|| Value::from(kind));
            Value::Object(m)
        })
}

/// A body with a valid envelope around random content, so generated input gets past the
/// `object` and `entry` checks into the per-change and per-message code.
fn arb_envelope() -> impl Strategy<Value = Value> {
    let change = (
        prop_oneof![Just(json!("messages")), arb_json()],
        prop::collection::vec(arb_message(), 0..4),
        prop::collection::vec(arb_json(), 0..3),
        prop::collection::vec(arb_json(), 0..3),
        arb_json(),
    )
        .prop_map(|(field, messages, statuses, contacts, errors)| {
            json!({
                "field": field,
                "value": {
                    "metadata": { "phone_number_id": "106540352242922" },
                    "contacts": contacts,
                    "messages": messages,
                    "statuses": statuses,
                    "errors": errors,
                }
            })
        });
    prop::collection::vec(prop::collection::vec(change, 0..3), 0..3).prop_map(|entries| {
        let entry: Vec<Value> = entries
            .into_iter()
            .map(|changes| json!({ "id": "102290129340398", "changes": changes }))
            .collect();
        json!({ "object": "whatsapp_business_account", "entry": entry })
    })
}

/// Invariants of every successful parse that the intake relies on.
fn check_parsed(n: &Notification) -> Result<(), TestCaseError> {
    for m in &n.messages {
        // The wamid is the deduplication key: an empty one would merge unrelated messages.
        prop_assert!(!m.wamid.is_empty(), "empty wamid: {:?}", m);
        prop_assert!(
            serde_json::from_str::<Value>(&m.raw).is_ok(),
            "raw is not JSON: {:?}",
            m.raw
        );
    }
    for s in &n.statuses {
        prop_assert!(!s.wamid.is_empty(), "empty status wamid: {:?}", s);
    }
    Ok(())
}

/// One real fixture, parsed once, with the JSON pointer of each of its leaves.
struct Fixture {
    name: String,
    root: Value,
    leaves: Vec<String>,
    messages: usize,
}

/// The fixtures that parse as notifications (`not_whatsapp.json` and the invalid JSON one
/// are there to be rejected, so they are no base for mutations).
static FIXTURES: LazyLock<Vec<Fixture>> = LazyLock::new(|| {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/whatsapp");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    let fixtures: Vec<Fixture> = paths
        .iter()
        .filter_map(|path| {
            let bytes = std::fs::read(path).expect("readable fixture");
            let parsed = parse_notification(&bytes, FALLBACK_ID).ok()?;
            let root: Value = serde_json::from_slice(&bytes).expect("parsed once already");
            let mut leaves = Vec::new();
            collect_leaves(&root, String::new(), &mut leaves);
            Some(Fixture {
                name: path.file_name()?.to_string_lossy().into_owned(),
                root,
                leaves,
                messages: parsed.messages.len(),
            })
        })
        .collect();
    // A wrong directory would otherwise make the mutation test pass without testing.
    assert!(fixtures.len() >= 20, "only {} fixtures", fixtures.len());
    fixtures
});

/// Scalars and empty containers: what a mutation replaces.
fn collect_leaves(v: &Value, pointer: String, out: &mut Vec<String>) {
    match v {
        Value::Array(items) if !items.is_empty() => {
            for (i, item) in items.iter().enumerate() {
                collect_leaves(item, format!("{pointer}/{i}"), out);
            }
        }
        Value::Object(map) if !map.is_empty() => {
            for (k, item) in map {
                let token = k.replace('~', "~0").replace('/', "~1");
                collect_leaves(item, format!("{pointer}/{token}"), out);
            }
        }
        _ => out.push(pointer),
    }
}

fn json_kind(v: &Value) -> u8 {
    match v {
        Value::Null => 0,
        Value::Bool(_) => 1,
        Value::Number(_) => 2,
        Value::String(_) => 3,
        Value::Array(_) => 4,
        Value::Object(_) => 5,
    }
}

/// Built once: compiling the shipped rules and model is the slow part of classifying.
static CLASSIFIER: LazyLock<Classifier> = LazyLock::new(Classifier::builtin);

/// Text shaped like coordinators' replies (folios in their typed variants, command words,
/// negations) mixed with arbitrary text, so the folio regex and the command rules get
/// exercised beyond what uniform random strings reach.
fn arb_reply() -> impl Strategy<Value = String> {
    let folio =
        "(folio:? ?)?[A-Za-z]{2,4}( ?[-–—_/] ?| {0,3})20[0-9]{2}( ?[-–—_/] ?| {0,3})[0-9]{1,11}";
    let word = prop_oneof![
        Just("ok".to_owned()),
        Just("atendido".to_owned()),
        Just("ya quedó".to_owned()),
        Just("no".to_owned()),
        Just("en camino".to_owned()),
        Just("👍".to_owned()),
        Just("✅".to_owned()),
        Just("?".to_owned()),
        Just("10-4".to_owned()),
        folio.prop_map(String::from),
        "[ ,.:;\n-]{1,3}".prop_map(String::from),
        any::<String>(),
    ];
    prop::collection::vec(word, 0..8).prop_map(|words| words.join(" "))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic_the_parser(
        body in prop::collection::vec(any::<u8>(), 0..1024),
    ) {
        if let Ok(n) = parse_notification(&body, FALLBACK_ID) {
            check_parsed(&n)?;
        }
    }

    #[test]
    fn byte_level_damage_to_fixtures_never_panics_the_parser(
        fixture in any::<Index>(),
        cut in any::<Index>(),
        edits in prop::collection::vec((any::<Index>(), any::<u8>()), 0..8),
    ) {
        let f = &FIXTURES[fixture.index(FIXTURES.len())];
        let mut body = f.root.to_string().into_bytes();
        for (at, byte) in edits {
            let i = at.index(body.len());
            body[i] = byte;
        }
        // Truncation is what a dropped connection or a body limit produces.
        body.truncate(cut.index(body.len() + 1));
        if let Ok(n) = parse_notification(&body, FALLBACK_ID) {
            check_parsed(&n)?;
        }
    }

    #[test]
    fn arbitrary_json_never_panics_the_parser(v in arb_json()) {
        let body = serde_json::to_vec(&v).expect("a Value always serialises");
        if let Ok(n) = parse_notification(&body, FALLBACK_ID) {
            check_parsed(&n)?;
        }
    }

    #[test]
    fn random_content_in_a_valid_envelope_always_parses(v in arb_envelope()) {
        let body = serde_json::to_vec(&v).expect("a Value always serialises");
        let expected: usize = v["entry"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|e| e["changes"].as_array().into_iter().flatten())
            .filter(|c| c["field"].as_str().is_none_or(|f| f == "messages"))
            .map(|c| c["value"]["messages"].as_array().map_or(0, Vec::len))
            .sum();
        let n = parse_notification(&body, FALLBACK_ID);
        prop_assert!(n.is_ok(), "{:?}", n.err());
        let n = n.expect("checked above");
        check_parsed(&n)?;
        // Lenient parsing: a message with wrong field types is still kept, never dropped.
        prop_assert_eq!(n.messages.len(), expected);
    }

    #[test]
    fn a_fixture_with_one_leaf_of_the_wrong_type_still_parses(
        fixture in any::<Index>(),
        leaf in any::<Index>(),
        replacement in arb_json(),
    ) {
        let f = &FIXTURES[fixture.index(FIXTURES.len())];
        let pointer = &f.leaves[leaf.index(f.leaves.len())];
        let mut root = f.root.clone();
        let slot = root.pointer_mut(pointer).expect("pointer collected from this value");
        // Force a different JSON type: a same-typed replacement is just other data.
        let replacement = if json_kind(&replacement) != json_kind(slot) {
            replacement
        } else if matches!(replacement, Value::Array(_)) {
            json!({ "wrapped": replacement })
        } else {
            json!([replacement])
        };
        *slot = replacement;
        let body = serde_json::to_vec(&root).expect("a Value always serialises");
        let parsed = parse_notification(&body, FALLBACK_ID);
        if pointer == "/object" {
            // The one field whose type is not tolerated: without the marker the body is
            // not a WhatsApp notification at all.
            prop_assert!(
                matches!(parsed, Err(ParseError::UnknownShape(_))),
                "{} {}: {:?}", f.name, pointer, parsed
            );
        } else {
            prop_assert!(parsed.is_ok(), "{} {}: {:?}", f.name, pointer, parsed.err());
            let n = parsed.expect("checked above");
            check_parsed(&n)?;
            prop_assert!(
                n.messages.len() <= f.messages,
                "{} {}: {} messages, fixture has {}",
                f.name, pointer, n.messages.len(), f.messages
            );
        }
    }

    #[test]
    fn signature_checks_never_panic_and_accept_only_the_digest(
        secret in prop::collection::vec(any::<u8>(), 0..80),
        header in prop::option::of(prop_oneof![
            any::<String>(),
            "sha256=[0-9a-fA-F]{0,70}",
            " *sha256=[0-9a-f]{64} *",
        ]),
        body in prop::collection::vec(any::<u8>(), 0..256),
    ) {
        let expected = sign(&secret, &body);
        if verify_signature(&secret, header.as_deref(), &body).is_ok() {
            let given = header.as_deref().map(str::trim).unwrap_or_default();
            prop_assert!(given.starts_with("sha256=") && given.eq_ignore_ascii_case(&expected));
        }
        prop_assert!(verify_signature(&secret, Some(&expected), &body).is_ok());
    }

    #[test]
    fn coordinator_text_never_panics_and_folios_round_trip(text in arb_reply()) {
        let folios = find_folios(&text);
        for folio in &folios {
            let printed = folio.to_string();
            let reparsed = printed.parse::<Folio>();
            prop_assert_eq!(reparsed.as_ref(), Ok(folio), "{}", printed);
        }
        if let Some(command) = parse_command(&text) {
            prop_assert!(folios.contains(&command.folio), "{:?} -> {:?}", text, command);
        }
        // Button ids come from the client too, so a forged one may hold any text.
        if let Some(command) = parse_button(&text) {
            let rebuilt = button_payload(command.action, &command.folio);
            prop_assert_eq!(parse_button(&rebuilt), Some(command));
        }
    }

    #[test]
    fn button_payloads_never_panic_and_round_trip(
        action in prop_oneof![
            prop::sample::select(&["ack", "resolve", "ACK", ""][..]).prop_map(str::to_owned),
            ".{0,8}",
        ],
        folio in prop_oneof![
            "[A-Za-z]{2,4}-20[0-9]{2}-[0-9]{1,10}",
            ".{0,24}",
        ],
    ) {
        let payload = format!("{action}:{folio}");
        if let Some(command) = parse_button(&payload) {
            let rebuilt = button_payload(command.action, &command.folio);
            prop_assert_eq!(parse_button(&rebuilt), Some(command));
        }
    }

    #[test]
    fn classification_is_total_and_confidence_is_a_probability(
        text in prop_oneof![
            4 => any::<String>(),
            4 => arb_reply(),
            // Past the classifier's input cap, cut anywhere, including mid-character.
            1 => (any::<String>(), 1..64usize)
                .prop_map(|(s, n)| s.repeat(MAX_INPUT_BYTES / s.len().max(1) + n)),
        ],
        forwarded in any::<bool>(),
        frequently_forwarded in any::<bool>(),
        is_reply in any::<bool>(),
        day in prop::option::of(1..=366u32),
    ) {
        let normalized = normalize(&text);
        prop_assert!(normalized.len() <= MAX_EXPANSION * text.len());
        prop_assert_eq!(normalize(&normalized), normalized.clone());
        let input = Input {
            text: &text,
            forwarded,
            frequently_forwarded,
            is_reply,
            // 2024 is a leap year, so every ordinal day is valid.
            local_date: day.and_then(|d| chrono::NaiveDate::from_yo_opt(2024, d)),
        };
        let c = CLASSIFIER.classify(&input);
        prop_assert!((0.0..=1.0).contains(&c.confidence), "{} for {:?}", c.confidence, text);
    }
}
