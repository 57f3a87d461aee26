//! End-to-end checks of `Classifier`: the shipped files, the guide's hard cases written
//! for these tests (not taken from the corpus), bad input, and property tests.

use std::sync::LazyLock;

use chrono::NaiveDate;
use proptest::prelude::*;

use super::*;

/// Built once: compiling the rules and loading the model takes a while in debug builds.
static BUILTIN: LazyLock<Classifier> = LazyLock::new(Classifier::builtin);

fn classify(text: &str) -> Classification {
    BUILTIN.classify(&Input::text(text))
}

fn category(text: &str) -> Category {
    classify(text).category
}

#[test]
fn shipped_files_are_valid_and_versioned() {
    let full = &*BUILTIN;
    assert!(
        full.version().starts_with("rules+nb+lr-1+"),
        "{}",
        full.version()
    );
    let rules = Classifier::builtin_rules_only();
    assert!(
        rules.version().starts_with("rules-1+"),
        "{}",
        rules.version()
    );
    assert_ne!(full.version(), rules.version());
    let edited = format!("{BUILTIN_RULES}\n# a comment changes the version too\n");
    let other = Classifier::from_toml(&edited).unwrap();
    assert_ne!(other.version(), rules.version());
    assert_eq!(
        other.version(),
        Classifier::from_toml(&edited).unwrap().version()
    );
}

#[test]
fn config_errors_name_the_line() {
    let bad = "version = 1\n\n[[rule]]\nname = \"patrol.x\"\ncategory = \"patrol\"\nweight = 1\npatterns = ['\\bfoo(']\n";
    let e = Classifier::from_toml(bad).unwrap_err();
    assert_eq!(e.line, 7, "{e}");
    assert!(e.to_string().starts_with("line 7: "));
    let e = Classifier::from_parts(BUILTIN_RULES, Some("#scale\t1\nfoo\tx\n")).unwrap_err();
    assert_eq!(e.line, 2, "{e}");
}

#[test]
fn classifier_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Classifier>();
}

#[test]
fn plain_cases() {
    let cases = [
        (
            "AUXILIOOO estan asaltando la tienda de la esquina!!",
            Category::Emergency911,
        ),
        (
            "se oyen balazos ahorita en la calle 5",
            Category::Emergency911,
        ),
        (
            "xfa q pase la patruya x la noche, hay muchos sospechosos",
            Category::Patrol,
        ),
        (
            "queremos una platica de prevencion para los alumnos",
            Category::Workshop,
        ),
        ("que paso con el folio SON-2026-000123?", Category::FollowUp),
        (
            "en la casa de la esquina venden cristal, es un punto de venta",
            Category::Tip089,
        ),
        ("buenos dias vecinos", Category::Other),
    ];
    for (text, want) in cases {
        assert_eq!(category(text), want, "{text}: {:?}", classify(text));
    }
}

#[test]
fn context_changes_the_meaning() {
    // Past events, what-ifs and negations are not emergencies.
    let past = classify("anoche se oyeron balazos por la escuela");
    assert_ne!(past.category, Category::Emergency911);
    assert!(past.rules.iter().any(|r| r == "context.past_event"));
    let past_with_request = "anoche se oyeron balazos por la escuela, pedimos rondines";
    assert_eq!(category(past_with_request), Category::Patrol);
    assert_eq!(classify(past_with_request).priority, Priority::High);
    assert_ne!(
        category("¿que hacemos si escuchamos balazos?"),
        Category::Emergency911
    );
    assert_ne!(
        category("no es emergencia, pero hay un carro sospechoso"),
        Category::Emergency911
    );
    // Missing child now versus a flyer forwarded later.
    let now = "se me perdio mi niño de 5 años en el parque hace 10 minutos, ayudenme";
    assert_eq!(category(now), Category::Emergency911);
    let mut flyer =
        Input::text("comparto ficha de busqueda, niña de 11 años no localizada desde el martes");
    flyer.forwarded = true;
    assert_eq!(BUILTIN.classify(&flyer).category, Category::Other);
    // Extortion: a call is a tip, the extortioner at the door now is an emergency.
    assert_eq!(
        category("me marcaron diciendo que eran del cartel y que depositara 20 mil"),
        Category::Tip089
    );
    assert_eq!(
        category("estan aqui en mi negocio los de la cuota, traen pistola y amenazan ahorita"),
        Category::Emergency911
    );
    // Drugs: a selling point is a tip, youths using in the park every night is patrol.
    assert_eq!(
        category("en la casa azul venden droga, llegan carros a toda hora"),
        Category::Tip089
    );
    assert_eq!(
        category("todas las noches se juntan chavos a drogarse en el parque, que pase la patrulla"),
        Category::Patrol
    );
}

#[test]
fn fireworks_dates_and_chains_defuse_bangs() {
    let mut bangs = Input::text("se oyen muchos tronidos por la colonia");
    bangs.local_date = NaiveDate::from_ymd_opt(2025, 12, 31);
    let new_year = BUILTIN.classify(&bangs);
    assert_ne!(new_year.category, Category::Emergency911);
    assert!(
        new_year.needs_review,
        "bangs set aside by the date alone still get a person's glance"
    );
    let cuetes = "tranquilos son cuetes de la fiesta, no son balazos";
    assert_ne!(category(cuetes), Category::Emergency911);
    let real = "no son cuetes, le dispararon al de la tienda y esta tirado";
    assert_eq!(category(real), Category::Emergency911);
    let mut chain = Input::text("balacera en el centro, no salgan, compartan");
    chain.frequently_forwarded = true;
    let out = BUILTIN.classify(&chain);
    assert_ne!(out.category, Category::Emergency911);
    assert!(out.rules.iter().any(|r| r == "input.frequently_forwarded"));
}

#[test]
fn cnie_and_priority_are_suggested() {
    let patrol = classify("favor de mandar rondines por la noche en la colonia centro");
    assert_eq!(
        patrol.cnie.map(|c| (c.code, c.name)),
        Some((50305, "Solicitud de rondín".into()))
    );
    assert_eq!(patrol.priority, Priority::Normal);
    let shots = classify("se oyen balazos en este momento por la plaza");
    assert_eq!(shots.cnie.map(|c| c.code), Some(30202));
    assert_eq!(shots.priority, Priority::Critical);
    assert_eq!(classify("buenos dias").priority, Priority::None);
}

#[test]
fn bad_input_gets_a_defined_result() {
    let long = "hola vecinos ".repeat(64 * 1024 / 13);
    for text in ["", "   \n\t", "😀🙏👍", "Привет мир", "مرحبا", "你好世界"]
    {
        let out = classify(text);
        assert!((0.0..=1.0).contains(&out.confidence));
        assert_eq!(
            out.category,
            Category::Other,
            "{:?}",
            &text[..text.len().min(20)]
        );
        assert_eq!(out.priority, Priority::None);
    }
    // 64 KB of one greeting: the naive Bayes vote drifts with the repetition, so the
    // calibrated stage may pick a category, but never without an operator's look.
    let out = classify(&long);
    assert!(out.rules.iter().any(|r| r == "input.truncated"));
    assert!(
        out.category == Category::Other || out.needs_review,
        "{out:?}"
    );
    assert!(!out.emergency_reply);
    assert!(classify("").rules.iter().any(|r| r == "input.empty"));
    let cyrillic = classify("Привет мир");
    assert!(cyrillic.needs_review && cyrillic.rules.iter().any(|r| r == "input.unreadable"));
    assert!(!classify("👍").needs_review);
    for text in ["", "   ", "😀🙏👍", "12345", "Привет мир"] {
        let out = classify(text);
        assert!(!out.emergency_reply, "{text:?}");
        assert!((0.0..=1.0).contains(&out.emergency_probability));
    }
}

/// A hand-made calibrated stage, to test the safety net apart from the shipped weights.
fn stacker(threshold: f32) -> Stacker {
    Stacker {
        weights: vec![[0.0; 6]; stack::FEATURES],
        temperature: 1.0,
        emergency_threshold: threshold,
        review_min: 0.5,
        review_margin: 0.05,
        place_min: 0.3,
        decider: Decider::Stack,
    }
}

#[test]
fn the_safety_net_replies_whatever_category_won() {
    let mut out = classify("favor de mandar rondines por la noche en la colonia centro");
    assert_eq!(out.category, Category::Patrol);
    // Patrol wins, but an emergency is likely enough to tell the sender to call.
    let p = [0.2, 0.0, 0.75, 0.0, 0.0, 0.05];
    calibrate(&stacker(0.1), &p, cue::Cues::default(), &mut out);
    assert_eq!(out.category, Category::Patrol);
    assert!(out.emergency_reply);
    assert!((out.emergency_probability - 0.2).abs() < 1e-6);
    assert!((out.confidence - 0.75).abs() < 1e-6);
    assert!(out.rules.iter().any(|r| r == SAFETY_NET_RULE));
    // Above the threshold only: the same message at 0.05 gets the patrol reply.
    let mut quiet = classify("favor de mandar rondines por la noche en la colonia centro");
    let p = [0.05, 0.0, 0.9, 0.0, 0.0, 0.05];
    calibrate(&stacker(0.1), &p, cue::Cues::default(), &mut quiet);
    assert!(!quiet.emergency_reply);
    assert!(!quiet.rules.iter().any(|r| r == SAFETY_NET_RULE));
    // Nothing readable never triggers it.
    let mut empty = classify("");
    calibrate(
        &stacker(0.1),
        &[0.5, 0.0, 0.0, 0.0, 0.0, 0.5],
        cue::Cues::default(),
        &mut empty,
    );
    assert!(!empty.emergency_reply);
}

#[test]
fn a_weak_pick_goes_to_other_for_review_and_a_close_call_is_flagged() {
    let mut weak = classify("favor de mandar rondines por la noche en la colonia centro");
    let p = [0.1, 0.2, 0.25, 0.2, 0.1, 0.15];
    calibrate(&stacker(0.5), &p, cue::Cues::default(), &mut weak);
    assert_eq!(
        (weak.category, weak.priority),
        (Category::Other, Priority::None)
    );
    assert!(weak.needs_review);
    let mut close = classify("favor de mandar rondines por la noche en la colonia centro");
    let p = [0.0, 0.0, 0.51, 0.0, 0.0, 0.49];
    calibrate(&stacker(0.5), &p, cue::Cues::default(), &mut close);
    assert_eq!(close.category, Category::Patrol);
    assert!(close.needs_review);
}

#[test]
fn shipped_safety_net_catches_emergencies_in_other_languages() {
    for text in [
        "hello, there is a fire in my house right now, help",
        "socorro, tem um incêndio na minha casa agora",
        "auxilio! están golpeando a un señor 打人 ahorita",
    ] {
        let out = classify(text);
        assert!(out.emergency_reply, "{text}: {out:?}");
    }
    let calm = classify("buenos dias vecinos, la junta es el sabado");
    assert!(!calm.emergency_reply && calm.emergency_probability < 0.05);
}

#[test]
fn serializes_with_machine_names() {
    let json = serde_json::to_value(classify("balacera ahorita en la esquina")).unwrap();
    assert_eq!(json["category"], "emergency_911");
    assert_eq!(json["priority"], "critical");
    assert_eq!(json["cnie"]["code"], 30202);
    let json = serde_json::to_value(classify("hola")).unwrap();
    assert!(json.get("cnie").is_none());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn classify_is_total(s in any::<String>(), fwd in any::<bool>(), ff in any::<bool>()) {
        let input = Input { text: &s, forwarded: fwd, frequently_forwarded: ff, is_reply: false, local_date: None };
        let out = BUILTIN.classify(&input);
        prop_assert!((0.0..=1.0).contains(&out.confidence));
        prop_assert!((0.0..=1.0).contains(&out.emergency_probability));
        prop_assert_eq!(
            out.emergency_reply,
            out.category == Category::Emergency911 || out.rules.iter().any(|r| r == SAFETY_NET_RULE)
        );
        prop_assert!(out.rules.len() <= BUILTIN.rules.rules.len() + 8);
    }

    #[test]
    fn classify_is_total_on_spanish_like_text(s in "[a-zA-Z áéíóúñ¿?!🚨🔫0-9]{0,300}") {
        let out = classify(&s);
        prop_assert!((0.0..=1.0).contains(&out.confidence));
        prop_assert_eq!(out.priority == Priority::None, out.category == Category::Other);
        prop_assert_eq!(out.clone(), classify(&s));
    }
}

/// The shipped classifier with the shipped vectors, as `serve` loads it.
static SEMANTIC: LazyLock<Classifier> = LazyLock::new(|| {
    let mut c = Classifier::builtin();
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/config/triage/vectors.bin"
    ))
    .expect("config/triage/vectors.bin ships with the repository");
    assert!(c.load_vectors(&bytes).expect("the shipped vectors load"));
    c
});

#[test]
fn the_semantic_pass_loads_the_shipped_vectors_and_changes_the_version() {
    let s = &*SEMANTIC;
    assert!(s.has_semantic());
    assert!(
        s.version().starts_with("rules+nb+lr+e5-1+"),
        "{}",
        s.version()
    );
    assert!(!BUILTIN.has_semantic());
    let v = s.semantic_vector("balacera afuera de la escuela").unwrap();
    assert!((v.iter().map(|x| x * x).sum::<f32>() - 1.0).abs() < 1e-3);
    // Paraphrases sit nearer each other than an unrelated report.
    let a = s
        .semantic_vector("le dispararon a un muchacho en la esquina")
        .unwrap();
    let b = s
        .semantic_vector("balearon a un joven en la calle")
        .unwrap();
    let c = s
        .semantic_vector("quisiera una platica de prevencion en la escuela")
        .unwrap();
    let cos = |x: &[f32], y: &[f32]| x.iter().zip(y).map(|(p, q)| p * q).sum::<f32>();
    assert!(
        cos(&a, &b) > cos(&a, &c),
        "{} vs {}",
        cos(&a, &b),
        cos(&a, &c)
    );
}

#[test]
fn damaged_vectors_leave_the_classifier_as_it_was() {
    let mut c = Classifier::builtin();
    let before = c.version().to_owned();
    for bad in [
        &b""[..],
        b"ALRTVEC1",
        b"ALRTVEC1\x40\x00\x00\x00\x05\x00\x00\x00",
    ] {
        assert!(c.load_vectors(bad).is_err());
    }
    assert!(!c.has_semantic());
    assert_eq!(c.version(), before);
    let text = "se estan metiendo a robar a la casa de enfrente ahorita";
    assert_eq!(
        c.classify(&Input::text(text)),
        BUILTIN.classify(&Input::text(text))
    );
    // A model file without the semantic rows cannot use vectors: said, not an error.
    let mut rules_only = Classifier::builtin_rules_only();
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/config/triage/vectors.bin"
    ))
    .unwrap();
    assert_eq!(rules_only.load_vectors(&bytes), Ok(false));
    assert!(!rules_only.has_semantic());
}

#[test]
fn reasons_name_three_near_examples_in_spanish_and_bad_input_gets_none() {
    let out = SEMANTIC.classify(&Input::text(
        "hay una señora grande perdida en medio del bulevar, casi la atropellan",
    ));
    let near: Vec<&String> = out
        .rules
        .iter()
        .filter(|r| r.starts_with("parecido a "))
        .collect();
    assert_eq!(near.len(), semantic::NEAREST, "{:?}", out.rules);
    assert!(
        near[0].contains("similitud ") && near[0].contains('«'),
        "{near:?}"
    );
    for text in ["", "   ", "😊😊", "12345", "Привет как дела"] {
        let out = SEMANTIC.classify(&Input::text(text));
        assert!(
            !out.rules.iter().any(|r| r.starts_with("parecido a ")),
            "{text:?}: {:?}",
            out.rules
        );
    }
    let long = "auxilio ".repeat(10_000);
    let out = SEMANTIC.classify(&Input::text(&long));
    assert!(out.rules.iter().any(|r| r == "input.truncated"));
}
