//! Throughput of `Classifier::classify` over the triage corpus (target: ≥100,000
//! messages/s on one core; the semantic pass must stay within ~50 µs per message). Run with
//! `cargo bench --bench triage`: rules only, without the vectors (rules, naive Bayes and the
//! calibrated stage), and combined (with the distilled vectors: the message vector, its
//! regression and the three nearest examples).
//!
//! `encoder/…`: the multilingual-e5-small sentence embedding (`triage::encoder`) of one
//! message, short (~10 words) and 80 words, when the weights are where the README's set-up
//! puts them (`models/e5-small-q4.bin` or `ALERTA_E5_WEIGHTS`); skipped with a message
//! otherwise.

use std::fs;
use std::hint::black_box;
use std::path::Path;

use alerta::triage::encoder::{Encoder, DEFAULT_WEIGHTS, WEIGHTS_ENV};
use alerta::triage::eval::{parse_corpus, LabelledExample};
use alerta::triage::{normalize, Classifier};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const CORPUS_DIRS: [&str; 2] = [
    concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/triage/dev"),
    concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/triage/test"),
];

/// Every line of every corpus file; a few built-in messages if the corpus is absent, so
/// the bench still runs on a checkout without fixtures.
fn corpus() -> Vec<LabelledExample> {
    let mut out = Vec::new();
    for dir in CORPUS_DIRS {
        let Ok(entries) = fs::read_dir(Path::new(dir)) else {
            continue;
        };
        let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for p in paths
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        {
            let text = fs::read_to_string(p).expect("corpus file is readable");
            out.extend(parse_corpus(&text).expect("corpus file is valid"));
        }
    }
    if out.is_empty() {
        let fallback = r#"{"id":"b-1","text":"AUXILIOOO estan asaltando la tienda!!","category":"emergency_911"}
{"id":"b-2","text":"xfa q pase la patruya x la noche","category":"patrol"}
{"id":"b-3","text":"buenos dias vecinos, bendiciones","category":"other"}"#;
        out = parse_corpus(fallback).expect("fallback corpus is valid");
    }
    out
}

fn bench(c: &mut Criterion) {
    let examples = corpus();
    let classifier = Classifier::builtin();
    let mut group = c.benchmark_group("triage");
    group.throughput(Throughput::Elements(examples.len() as u64));
    let bytes = fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/config/triage/vectors.bin"
    ))
    .expect("config/triage/vectors.bin ships with the repository");
    let mut semantic = Classifier::builtin();
    assert!(semantic
        .load_vectors(&bytes)
        .expect("the shipped vectors load"));
    group.bench_function("classify_corpus_semantic", |b| {
        b.iter(|| {
            for ex in &examples {
                black_box(semantic.classify(black_box(&ex.input())));
            }
        })
    });
    group.bench_function("semantic_vector_corpus", |b| {
        b.iter(|| {
            for ex in &examples {
                black_box(semantic.semantic_vector(black_box(&ex.text)));
            }
        })
    });
    group.bench_function("classify_corpus", |b| {
        b.iter(|| {
            for ex in &examples {
                black_box(classifier.classify(black_box(&ex.input())));
            }
        })
    });
    group.bench_function("normalize_corpus", |b| {
        b.iter(|| {
            for ex in &examples {
                black_box(normalize(black_box(&ex.text)));
            }
        })
    });
    let rules_only = Classifier::builtin_rules_only();
    group.bench_function("classify_corpus_rules_only", |b| {
        b.iter(|| {
            for ex in &examples {
                black_box(rules_only.classify(black_box(&ex.input())));
            }
        })
    });
    group.finish();
}

/// A short report and an 80-word voice-note-style one.
const SHORT: &str = "se escuchan balazos en la colonia, manden patrulla";
const LONG_80: &str = "bueno pues les cuento que hoy en la mañana como a eso de las siete \
    cuando salí a tirar la basura vi que en la esquina de la calle Allende estaba una \
    camioneta gris sin placas con dos muchachos adentro que nomás se quedaban viendo las \
    casas y tomando fotos con el celular y una vecina me dijo que ayer también estuvieron \
    ahí como dos horas y que en la otra cuadra se metieron a robar a una casa la semana \
    pasada entonces sí estamos preocupados y queremos que pase una patrulla más seguido";

fn bench_encoder(c: &mut Criterion) {
    let path = std::env::var_os(WEIGHTS_ENV)
        .filter(|p| !p.is_empty())
        .map_or_else(
            || Path::new(env!("CARGO_MANIFEST_DIR")).join(DEFAULT_WEIGHTS),
            Into::into,
        );
    let encoder = match Encoder::load(&path) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("encoder benches skipped: {e} (README, \"The semantic pass\")");
            return;
        }
    };
    let mut group = c.benchmark_group("encoder");
    group.sample_size(20);
    group.throughput(Throughput::Elements(1));
    for (name, text) in [("embed_short", SHORT), ("embed_80_words", LONG_80)] {
        group.bench_function(name, |b| {
            b.iter(|| black_box(encoder.embed(black_box(text))))
        });
    }
    group.finish();
}

criterion_group!(benches, bench, bench_encoder);
criterion_main!(benches);
