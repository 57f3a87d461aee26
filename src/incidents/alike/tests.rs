use chrono::{DateTime, Utc};

use super::*;
use crate::incidents::embedding::shipped_vectors;
use crate::incidents::grouping::Facts;
use crate::incidents::reading::Fitted;

const CORPUS: [&str; 8] = [
    "choque fuerte en la avenida, hay un motociclista tirado",
    "accidente de moto, urge ambulancia",
    "no hay agua desde ayer en la colonia",
    "se solicitan costureras en la maquila",
    "buenos dias vecinos, mañana hay junta a las 7",
    "vendo tamales de elote, pedidos por inbox",
    "alguien sabe a que hora abre el modulo de la cfe",
    "se robaron una bici afuera de la tienda",
];

fn member(text: &str, reader: &Reader) -> Member {
    let facts = Facts {
        report_id: 1,
        group: "g".into(),
        region: "r".into(),
        colonia: Some("Centro".into()),
        municipality: None,
        category: "emergency_911".into(),
        at: DateTime::<Utc>::default(),
        pin: None,
        text: text.into(),
        photo: None,
        forwarded: false,
    };
    Member::new(&facts, reader)
}

#[test]
fn the_vectors_add_to_the_ngrams_against_an_emergency_only() {
    let policy = Policy::default();
    let fitted = Fitted::fit(&CORPUS, Some(shipped_vectors()));
    let reader = fitted.reader();
    let (a, b) = (member(CORPUS[0], &reader), member(CORPUS[1], &reader));
    let emergency = Alike::of(&policy, &reader, &a, &b, "emergency_911");
    let (_, sense) = emergency.sense.expect("the vectors loaded");
    assert!(sense > 0.2, "{emergency:?}");
    assert!(
        (emergency.score - (emergency.text.1 + policy.sense_weight * sense)).abs() < 1e-9,
        "{emergency:?}"
    );
    let request = Alike::of(&policy, &reader, &a, &b, "patrol");
    assert_eq!(request.score, request.text.1);
    let names: Vec<&str> = emergency
        .signals(&reader, 0.5, 0.1)
        .iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(names, ["texto", "sentido", "parecido"]);
}

#[test]
fn without_vectors_the_ngrams_alone_decide() {
    let policy = Policy::default();
    let fitted = Fitted::fit(&CORPUS, None);
    let reader = fitted.reader();
    assert_eq!(reader.meanings(), "ngramas-tfidf");
    let (a, b) = (member(CORPUS[0], &reader), member(CORPUS[1], &reader));
    let alike = Alike::of(&policy, &reader, &a, &b, "emergency_911");
    assert_eq!(alike.sense, None);
    assert_eq!(alike.score, alike.text.1);
    assert_eq!(alike.signals(&reader, 0.5, 0.1).len(), 2);
}
