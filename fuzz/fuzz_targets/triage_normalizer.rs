//! Arbitrary UTF-8 through the triage normaliser and the shipped classifier. Citizens send
//! anything (emoji, other scripts, "fancy font" letters), and every message is classified,
//! so both must be total, and their outputs must stay within the documented bounds.
#![no_main]

use std::sync::LazyLock;

use alerta::triage::{normalize, Classifier, Input, MAX_EXPANSION};
use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;

/// Compiling the shipped rules and model is slow; build it once per fuzzing process.
static CLASSIFIER: LazyLock<Classifier> = LazyLock::new(Classifier::builtin);

fuzz_target!(|input: (bool, bool, bool, Option<u16>, &str)| {
    let (forwarded, frequently_forwarded, is_reply, day, text) = input;

    let once = normalize(text);
    assert!(
        once.len() <= MAX_EXPANSION * text.len(),
        "normalize grew {} bytes into {}",
        text.len(),
        once.len()
    );
    // Rules and the model match on single spaces between tokens.
    assert!(!once.starts_with(' ') && !once.ends_with(' ') && !once.contains("  "));
    // The unit tests promise idempotence; stored normalised text is normalised again when
    // rules are re-run, so a second pass must not change it.
    assert_eq!(normalize(&once), once, "not idempotent for {text:?}");

    let input = Input {
        text,
        forwarded,
        frequently_forwarded,
        is_reply,
        // Any day of a year, leap day included, so seasonal cues are exercised too.
        local_date: day.and_then(|d| NaiveDate::from_yo_opt(2024, u32::from(d % 366) + 1)),
    };
    let result = CLASSIFIER.classify(&input);
    assert!(
        (0.0..=1.0).contains(&result.confidence),
        "confidence {} out of [0, 1] for {text:?}",
        result.confidence
    );
});
