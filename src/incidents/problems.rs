//! What a standing problem is about, in a few coarse kinds: people gathering to drink or
//! use drugs, a suspicious vehicle (one that circles or waits), theft, street racing. Two requests of one colonia that name only
//! different kinds ("se juntan chavos a tomar en el jardín" and "roban estéreos en la
//! Carranza") are two problems, however close their streets and hours; most requests name
//! one kind, and those that name none, or share one, are left to the evidence.

/// The kinds a report names, as bits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Problems(u8);

const GATHERING: u8 = 1;
const VEHICLE: u8 = 2;
const THEFT: u8 = 4;
const RACING: u8 = 8;

impl Problems {
    /// Reads a text's normalised words.
    pub fn of_words(words: &[&str]) -> Problems {
        Problems(words.iter().fold(0, |bits, w| bits | kind(w)))
    }

    /// Whether both name kinds and share none.
    pub fn differ(self, other: Problems) -> bool {
        self.0 != 0 && other.0 != 0 && self.0 & other.0 == 0
    }

    /// The kinds of both.
    pub fn with(self, other: Problems) -> Problems {
        Problems(self.0 | other.0)
    }
}

fn kind(word: &str) -> u8 {
    const GATHERING_WORDS: &[&str] = &[
        "tomar",
        "tomando",
        "toman",
        "mota",
        "fumar",
        "fumando",
        "vagos",
        "pandilla",
        "pandilleros",
        "cholos",
        "botellas",
        "borrachos",
        "alcohol",
        "marihuana",
    ];
    // A car is as often what was broken into as what circles the school: what the car does
    // names the problem.
    const VEHICLE_WORDS: &[&str] = &[
        "vueltas",
        "rondando",
        "estaciona",
        "estacionado",
        "estacionada",
        "sospechoso",
        "sospechosa",
        "sospechosos",
    ];
    const THEFT_WORDS: &[&str] = &[
        "robar", "roban", "robando", "robaron", "robo", "robos", "cables", "estereo", "estereos",
        "bateria", "llantas",
    ];
    const RACING_WORDS: &[&str] = &["arrancones", "arrancon", "derrapes", "carreras"];
    if GATHERING_WORDS.contains(&word) || word.starts_with("drog") {
        GATHERING
    } else if VEHICLE_WORDS.contains(&word) {
        VEHICLE
    } else if THEFT_WORDS.contains(&word) {
        THEFT
    } else if RACING_WORDS.contains(&word) {
        RACING
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incidents::phrases::words;

    fn read(text: &str) -> Problems {
        Problems::of_words(&words(&crate::triage::normalize(text)))
    }

    #[test]
    fn requests_about_different_problems_differ() {
        let drinking = read("se juntan chavos a tomar y fumar mota en el jardín");
        let stereos = read("andan robando estéreos en la Carranza");
        let car = read("un carro gris sin placas da vueltas a la secundaria");
        // The car broken into is the theft's, not a suspicious vehicle.
        assert!(!read("nos quebraron el vidrio del carro").differ(drinking));
        let drugs = read("se meten jóvenes a drogarse en los techos");
        assert!(drinking.differ(stereos));
        assert!(car.differ(drugs));
        assert!(!drinking.differ(drugs));
        // Naming none is no evidence either way.
        assert!(!read("pedimos rondines en la noche").differ(car));
        // A car that waits and steals is both.
        assert!(!read("se estaciona un carro y luego roban").differ(stereos));
    }
}
