//! Throughput of `Classifier::classify` over the triage corpus (target: ≥100,000
//! messages/s on one core; the semantic pass must stay within ~50 µs per message). Run with
//! `cargo bench --bench triage`: rules only, without the vectors (rules, naive Bayes and the
//! calibrated stage), and combined (with the distilled vectors: the message vector, its
//! regression and the three nearest examples).

use std::fs;
use std::hint::black_box;
use std::path::Path;

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

criterion_group!(benches, bench);
criterion_main!(benches);
