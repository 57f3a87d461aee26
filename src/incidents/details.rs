//! The details a report gives that tell one event from another in the same colonia: the
//! colour of a vehicle, a garment or a house ("una moto roja", "la pick up blanca", "trae
//! sudadera gris"), and whether the report says it is a new occurrence ("otra vez", "de
//! nuevo", "otro asalto").
//!
//! Neighbours telling one event repeat its distinctive details; two events an hour apart
//! in one colonia differ in them: "se fueron en una moto roja" is not "los de la moto
//! azul". Grouping uses a shared detail as evidence for the same event and the same thing
//! in two colours as evidence against. A report that says "otra vez" about an emergency
//! is telling a new one, however alike it reads.
//!
//! Nothing here is tailored to one place: a detail is any noun followed by a colour word,
//! with the usual synonyms for vehicles and garments folded together.

use std::collections::BTreeSet;

use super::phrases::words;
use crate::triage::normalize;

/// One thing of one colour: ("moto", "rojo"), ("camioneta", "blanco").
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Detail {
    pub thing: String,
    pub colour: &'static str,
}

impl Detail {
    /// How an explanation shows it: "moto rojo".
    pub fn es(&self) -> String {
        format!("{} {}", self.thing, self.colour)
    }
}

/// What one text gives: its coloured things, sorted, and whether it tells a new
/// occurrence.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Details {
    pub things: Vec<Detail>,
    pub again: bool,
    /// It names another occurrence of a kind of event ("otro incendio", "otro choque"):
    /// stronger than "otra vez", which may be more of the same shooting.
    pub another: bool,
    /// Ages of the people it is about ([`super::ages`]).
    pub ages: Vec<u8>,
    /// It says it adds to something already told ("también", "apoyamos la solicitud").
    pub echoes: bool,
    /// It says it just happened ("acaban de asaltar", "acaba de chocar").
    pub just_now: bool,
}

impl Details {
    /// Reads `text`.
    pub fn read(text: &str) -> Details {
        Details::of_words(&words(&normalize(text)))
    }

    /// Reads a text's normalised words ([`normalize`]).
    pub fn of_words(words: &[&str]) -> Details {
        let mut things = BTreeSet::new();
        for (i, w) in words.iter().enumerate() {
            let Some(colour) = colour(w) else { continue };
            // "moto roja", "carro de color blanco", "camioneta color gris".
            let mut j = i;
            while j > 0 && matches!(words[j - 1], "color" | "de") {
                j -= 1;
            }
            let Some(noun) = j.checked_sub(1).map(|k| words[k]) else {
                continue;
            };
            if let Some(thing) = thing(noun) {
                things.insert(Detail { thing, colour });
            }
        }
        Details {
            things: things.into_iter().collect(),
            again: tells_again(words),
            another: tells_another(words),
            ages: super::ages::read(words),
            echoes: words.iter().any(|w| ECHOES.contains(w)),
            just_now: words
                .windows(2)
                .any(|p| matches!(p, ["acaba" | "acaban" | "acabo", "de"])),
        }
    }

    /// A detail this text shares with any of `others`.
    pub fn shared<'a>(&'a self, others: &[&Details]) -> Option<&'a Detail> {
        self.things
            .iter()
            .find(|d| others.iter().any(|o| o.things.contains(d)))
    }

    /// A thing this text and `others` both describe, but never in the same colour: the
    /// thing and the two colours.
    pub fn conflict<'a>(&'a self, others: &[&'a Details]) -> Option<(&'a Detail, &'a Detail)> {
        for mine in &self.things {
            let mut theirs = others
                .iter()
                .flat_map(|o| o.things.iter())
                .filter(|d| d.thing == mine.thing)
                .peekable();
            let Some(first) = theirs.peek().copied() else {
                continue;
            };
            // The same thing in two colours within the incident (a crash of a white car
            // and a red one) agrees with either.
            if !theirs.any(|d| d.colour == mine.colour) {
                return Some((mine, first));
            }
        }
        None
    }
}

/// A colour word, folded to its masculine singular.
fn colour(w: &str) -> Option<&'static str> {
    const COLOURS: [&str; 16] = [
        "blanco", "negro", "rojo", "azul", "gris", "verde", "amarillo", "cafe", "morado", "rosa",
        "naranja", "plateado", "dorado", "guinda", "beige", "arena",
    ];
    let w = w
        .strip_suffix("es")
        .filter(|s| s.ends_with('l'))
        .unwrap_or(w); // azules, grises
    let w = w
        .strip_suffix("es")
        .filter(|s| s.ends_with('s'))
        .unwrap_or(w);
    let w = w.strip_suffix('s').unwrap_or(w);
    let folded = match w.strip_suffix('a') {
        Some(stem) if !matches!(w, "rosa" | "naranja" | "arena" | "guinda") => {
            format!("{stem}o")
        }
        _ => w.to_owned(),
    };
    COLOURS.iter().copied().find(|c| *c == folded)
}

/// The thing a noun names, with vehicles and garments folded to one word each kind of
/// them goes by ("troca", "pick up" and "camioneta" are one thing); `None` for words that
/// are not things ("muy", "la").
fn thing(noun: &str) -> Option<String> {
    let folded = match noun {
        "carro" | "carros" | "auto" | "autos" | "coche" | "coches" | "vehiculo" | "sedan" => {
            "carro"
        }
        "camioneta" | "camionetas" | "troca" | "trocas" | "pickup" | "up" | "suburban" | "van" => {
            "camioneta"
        }
        "moto" | "motos" | "motocicleta" | "motoneta" => "moto",
        "bici" | "bicicleta" => "bici",
        "camisa" | "camiseta" | "playera" | "blusa" => "camisa",
        "sudadera" | "chamarra" | "chaqueta" => "sudadera",
        "gorra" | "cachucha" | "sombrero" => "gorra",
        "pantalon" | "short" | "shorts" => "pantalon",
        other => {
            // Any other noun long enough to be one ("casa", "rejas", "versa"); short
            // function words and numbers never describe a thing.
            if other.len() < 4
                || other.chars().any(|c| c.is_ascii_digit())
                || matches!(
                    other,
                    "color" | "muy" | "bien" | "todo" | "toda" | "esta" | "estan" | "polvo"
                )
            {
                return None;
            }
            return Some(other.strip_suffix('s').unwrap_or(other).to_owned());
        }
    };
    Some(folded.to_owned())
}

/// Words a report uses to add itself to what others told: "también", "apoyo", "nos
/// sumamos".
const ECHOES: [&str; 7] = [
    "tambien",
    "apoyo",
    "apoyamos",
    "sumamos",
    "sumo",
    "secundo",
    "respaldamos",
];

/// "otra vez", "de nuevo", "nuevamente", "otro asalto": the report tells a new occurrence
/// of something, not more of the same one.
fn tells_again(words: &[&str]) -> bool {
    words
        .windows(2)
        .any(|p| matches!(p, ["otra", "vez"] | ["de", "nuevo"]))
        || tells_another(words)
        || words.iter().any(|w| matches!(*w, "nuevamente" | "again"))
        || words.windows(2).any(|p| p == ["another", "one"])
}

/// "otro asalto", "otra balacera": a second event of a kind.
fn tells_another(words: &[&str]) -> bool {
    const EVENTS: [&str; 16] = [
        "asalto",
        "robo",
        "rina",
        "pelea",
        "choque",
        "accidente",
        "incendio",
        "fuego",
        "balacera",
        "atraco",
        "asesinato",
        "levanton",
        "secuestro",
        "ataque",
        "pleito",
        "tiroteo",
    ];
    words
        .windows(2)
        .any(|p| matches!(p, ["otro" | "otra", noun] if EVENTS.contains(noun)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn things(text: &str) -> Vec<String> {
        Details::read(text).things.iter().map(Detail::es).collect()
    }

    #[test]
    fn coloured_things_fold_gender_number_and_synonyms() {
        assert_eq!(
            things("son 2 con pistola en moto roja, uno con playera NEGRA"),
            ["camisa negro", "moto rojo"]
        );
        assert_eq!(things("una troca de color blanco"), ["camioneta blanco"]);
        assert_eq!(things("la pick up blanca"), ["camioneta blanco"]);
        assert_eq!(things("la casa de rejas negras"), ["reja negro"]);
        assert!(things("esta muy rojo todo").is_empty());
    }

    #[test]
    fn the_same_thing_in_another_colour_conflicts() {
        let red = Details::read("se fueron en una moto roja");
        let blue = Details::read("los de la moto azul");
        let grey = Details::read("trae sudadera gris");
        assert!(red.conflict(&[&blue]).is_some());
        assert!(red.conflict(&[&grey]).is_none());
        assert!(red.shared(&[&blue]).is_none());
        let again = Details::read("la moto roja otra vez");
        assert_eq!(
            again.shared(&[&red]).map(Detail::es).as_deref(),
            Some("moto rojo")
        );
        // An incident that already has both colours agrees with either.
        assert!(red.conflict(&[&blue, &again]).is_none());
    }

    #[test]
    fn it_just_happened_is_told_by_acabar_de() {
        assert!(Details::read("acaban de asaltar a una señora").just_now);
        assert!(Details::read("ACABA DE CHOCAR un carro").just_now);
        assert!(!Details::read("se acabo el agua de nuevo").just_now);
    }

    #[test]
    fn a_new_occurrence_is_told_by_again_words() {
        for text in [
            "otra vez balazos por el panteon",
            "otro asalto en la parada",
            "se oyen disparos de nuevo",
            "nuevamente estan robando",
        ] {
            assert!(Details::read(text).again, "{text}");
        }
        for text in [
            "hay otro herido",
            "ya llego otra patrulla",
            "siguen en el parque",
        ] {
            assert!(!Details::read(text).again, "{text}");
        }
    }

    #[test]
    fn another_event_of_a_kind_is_stronger_than_again() {
        let other = Details::read("OTRO incendio, ahora en el lote baldio");
        assert!(other.again && other.another);
        let again = Details::read("otra vez balazos por el panteon");
        assert!(again.again && !again.another);
        assert!(!Details::read("ya llego otra patrulla").another);
    }
}
