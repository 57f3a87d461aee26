//! The triage model's word vectors (static vectors distilled from multilingual-e5-small,
//! [`crate::triage::semantic`]) serving [`Meaning`]: a report's vector is the SIF-weighted
//! mean of its words' vectors, as triage reads it.
//!
//! Why beside the n-grams and not instead of them: neighbours telling one event in other
//! words ("cuetes muy seguidos", "balacera") share no character n-grams but sit close in
//! the vectors, while a street name or a misspelled stem the vectors do not hold is what
//! the n-grams catch. Grouping weighs both ([`super::grouping`] says how).

use std::sync::Arc;

use super::meaning::{Meaning, Vector};
use crate::triage::normalize;
use crate::triage::semantic::WordVectors;

/// The word vectors triage loaded (shared, not copied: about 3 MB dequantised).
#[derive(Debug, Clone)]
pub struct Embedding {
    vectors: Arc<WordVectors>,
}

impl Embedding {
    pub fn new(vectors: Arc<WordVectors>) -> Self {
        Embedding { vectors }
    }
}

impl Meaning for Embedding {
    fn name(&self) -> &'static str {
        "vectores-e5"
    }

    /// Unit length already; empty when no word of the text is known (so it is alike to
    /// nothing, as an empty text is to the n-grams).
    fn vector(&self, text: &str) -> Vector {
        let v = self.vectors.embed_normalized(&normalize(text));
        if v.iter().all(|x| *x == 0.0) {
            Vector::Dense(Vec::new())
        } else {
            Vector::Dense(v.to_vec())
        }
    }
}

/// The vectors shipped in `config/triage/vectors.bin`, for tests.
#[cfg(test)]
pub fn shipped_vectors() -> Arc<WordVectors> {
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/config/triage/vectors.bin"
    ))
    .expect("config/triage/vectors.bin ships with the repository");
    Arc::new(WordVectors::from_bytes(&bytes).expect("the shipped vectors load"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incidents::meaning::{NgramTfidf, Scale};

    /// Reports about many things, as a colonia's recent ones: what the floors are measured on.
    const CORPUS: [&str; 12] = [
        "choque fuerte en la avenida, hay un motociclista tirado",
        "accidente de moto, urge ambulancia",
        "ayuda!!! no encontramos al hijo de una compañera, 7 añitos",
        "la mama esta desesperada, hay gente buscando por el arroyo",
        "no hay agua desde ayer en la colonia",
        "se solicitan costureras en la maquila",
        "buenos dias vecinos, mañana hay junta a las 7",
        "vendo tamales de elote, pedidos por inbox",
        "piden patrullaje en el parque en la noche",
        "se robaron una bici afuera de la tienda",
        "alguien sabe a que hora abre el modulo de la cfe",
        "solicitamos una platica de prevencion para los alumnos",
    ];

    /// How far above unrelated reports a pair reads, in `meaning` measured on [`CORPUS`].
    fn alike(meaning: &dyn Meaning, a: &str, b: &str) -> f64 {
        let scale = Scale::measure(meaning, &CORPUS);
        scale.alike(meaning.vector(a).cosine(&meaning.vector(b)))
    }

    #[test]
    fn one_event_in_other_words_reads_alike_in_the_vectors_not_in_the_ngrams() {
        let vectors = Embedding::new(shipped_vectors());
        let ngrams = NgramTfidf::fit(CORPUS);
        // A crash and a missing child, each told twice with (almost) no word in common.
        for (a, b) in [(CORPUS[0], CORPUS[1]), (CORPUS[2], CORPUS[3])] {
            let sense = alike(&vectors, a, b);
            let text = alike(&ngrams, a, b);
            assert!(
                sense > text + 0.2,
                "{a} | {b}: vectores {sense:.3}, n-gramas {text:.3}"
            );
            // And the vectors still tell the event from the colonia's noise.
            let noise = alike(&vectors, a, CORPUS[5]);
            assert!(
                sense > noise + 0.2,
                "{a}: mismo hecho {sense:.3}, ruido {noise:.3}"
            );
        }
    }

    #[test]
    fn vectors_are_unit_deterministic_and_empty_for_unknown_words() {
        let m = Embedding::new(shipped_vectors());
        let v = m.vector("balazos en la calle Mina");
        assert_eq!(v, m.vector("balazos en la calle Mina"));
        assert!((v.cosine(&v) - 1.0).abs() < 1e-4);
        assert!(m.vector("").is_empty());
        assert!(m.vector("zzqx wwvk").is_empty());
        assert_eq!(m.vector("zzqx").cosine(&v), 0.0);
    }
}
