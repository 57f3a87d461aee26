//! What grouping costs one message with 10,000 open reports in one region (the worst case:
//! every report is a candidate by region and window). Target: ≤ 1 ms at p99. Run with
//! `cargo bench --bench incidents`; besides criterion's mean it prints p50/p99/max of
//! 10,000 single decisions.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

use alerta::incidents::{Facts, Fitted, Grouper, Policy};
use alerta::triage::semantic::WordVectors;
use chrono::{DateTime, Duration, Utc};
use criterion::{criterion_group, criterion_main, Criterion};

const OPEN: usize = 10_000;
const COLONIAS: usize = 50;

const PHRASES: [&str; 12] = [
    "se escuchan balazos cerca de la escuela primaria",
    "hay un carro gris dando vueltas desde hace rato",
    "piden que pase la patrulla en la noche por el parque",
    "se robaron una bicicleta afuera de la tienda",
    "unos muchachos tomando en la esquina y haciendo ruido",
    "no sirve el alumbrado de la calle y esta muy oscuro",
    "se metieron a robar a una casa de la cerrada",
    "hay una pelea afuera del bar con navajas",
    "vendiendo droga en el callejon detras del mercado",
    "solicitamos platica de prevencion para los vecinos",
    "un senor sospechoso tocando puertas preguntando por nombres",
    "dejaron un carro abandonado con vidrios rotos",
];

fn facts(i: usize, start: DateTime<Utc>) -> Facts {
    Facts {
        report_id: i as i64,
        group: format!("grupo-{}", i % 300),
        region: "son-centro".into(),
        colonia: Some(format!("Colonia {}", i % COLONIAS)),
        municipality: Some("Hermosillo".into()),
        category: "patrol".into(),
        // Spread over two days: every one is inside the patrol window.
        at: start + Duration::seconds((i * 17) as i64),
        pin: None,
        text: format!(
            "{} calle {} numero {}",
            PHRASES[i % PHRASES.len()],
            i % 97,
            i % 13
        ),
        photo: None,
        forwarded: false,
    }
}

fn bench(c: &mut Criterion) {
    let start = DateTime::from_timestamp(1_790_000_000, 0).unwrap();
    let texts: Vec<String> = (0..OPEN).map(|i| facts(i, start).text).collect();
    let corpus: Vec<&str> = texts.iter().map(String::as_str).collect();
    // The shipped word vectors, as the service reads texts with them.
    let vectors = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/config/triage/vectors.bin"
    ))
    .ok()
    .and_then(|b| WordVectors::from_bytes(&b).ok())
    .map(Arc::new);
    let fitted = Fitted::fit(&corpus, vectors);
    let mut grouper = Grouper::new(Policy::default(), fitted.reader());
    for i in 0..OPEN {
        grouper.add(&facts(i, start));
    }
    assert_eq!(grouper.open_reports(), OPEN);
    let probes: Vec<Facts> = (OPEN..OPEN + 1_000).map(|i| facts(i, start)).collect();

    let mut times: Vec<u128> = probes
        .iter()
        .cycle()
        .take(10_000)
        .map(|p| {
            let t = Instant::now();
            black_box(grouper.peek(black_box(p)));
            t.elapsed().as_nanos()
        })
        .collect();
    times.sort_unstable();
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)] as f64 / 1e3;
    println!(
        "incidents/decide with {OPEN} open reports: p50 {:.0} µs, p99 {:.0} µs, max {:.0} µs",
        at(0.50),
        at(0.99),
        at(1.0)
    );

    let mut i = 0;
    c.bench_function("incidents/decide_10k_open", |b| {
        b.iter(|| {
            i = (i + 1) % probes.len();
            black_box(grouper.peek(&probes[i]))
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
