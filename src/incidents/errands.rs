//! The group's everyday business: what neighbours write to each other that is about no
//! event at all. Buying and selling ("vendo cachorros", "¿alguien vende pan?"), asking a
//! neighbour for something ("¿alguien tiene cambio de 500?"), lost and found ("¿alguien
//! perdió unas llaves?"), the community's notices ("les recordamos que la junta es el
//! viernes", "mañana no habrá atención en la delegación", invitations, opening hours), job
//! offers and chain hoaxes ("WhatsApp va a cobrar").
//!
//! Why grouping needs it: a comment ("ya llegó la patrulla", "¿están bien?") joins the
//! incident neighbours are writing about, on little more than its colonia and its minute,
//! because comments rarely repeat the event's words. An errand written in the same
//! minutes would join the same way, and the coordinator would read "alguien tiene gas?"
//! among the reports of a robbery. Only chat is read this way (grouping asks only for
//! `other` and follow-ups): "se me perdió mi hijo" is an emergency, and triage says so.
//!
//! The phrases are the kinds of business neighbourhood groups carry, not any one file's
//! wording; each needs a whole phrase or two words together, so a word alone ("gas",
//! "llaves") never marks a report.

use super::phrases::{has_any_phrase, has_word};

/// Whether the normalised words ([`crate::triage::normalize`]) are an errand.
pub fn is_errand(words: &[&str]) -> bool {
    has_any_phrase(words, PHRASES) || lost_and_found(words) || asks_for_goods(words)
}

/// Whole phrases, as normalised words.
const PHRASES: &[&[&str]] = &[
    // Selling, renting, buying.
    &["vendo"],
    &["vendemos"],
    &["remato"],
    &["se", "vende"],
    &["se", "venden"],
    &["se", "renta"],
    &["se", "rentan"],
    &["se", "compra"],
    &["alguien", "vende"],
    &["alguien", "que", "venda"],
    &["quien", "vende"],
    &["hago", "pedidos"],
    &["pedidos", "al"],
    &["informes", "al"],
    &["a", "domicilio"],
    // Asking a neighbour for a favour or a thing.
    &["me", "presta"],
    &["me", "prestan"],
    &["me", "regala"],
    &["tiene", "cambio"],
    &["tienen", "cambio"],
    &["se", "me", "acabo"],
    // Jobs.
    &["se", "solicita"],
    &["se", "solicitan"],
    &["vacante"],
    &["vacantes"],
    // The community's own notices.
    &["les", "recordamos"],
    &["se", "les", "recuerda"],
    &["les", "recuerdo"],
    &["no", "habra", "atencion"],
    &["no", "habra", "clases"],
    &["no", "habra", "servicio"],
    &["habra", "junta"],
    &["habra", "reunion"],
    &["habra", "operativo"],
    &["junta", "de", "padres"],
    &["paseo", "ciclista"],
    &["los", "invitamos"],
    &["invita", "al"],
    &["invita", "a", "la"],
    &["confirmar", "asistencia"],
    // Opening hours of an office or a shop.
    &["a", "que", "hora", "abren"],
    &["a", "que", "hora", "cierran"],
    // Chain hoaxes about the phone itself.
    &["va", "a", "cobrar"],
    &["si", "no", "reenvias"],
];

/// A lost or found thing: a word for losing or finding it with a word for a thing people
/// lose. People and the words for them are not things: a lost child is an emergency.
fn lost_and_found(words: &[&str]) -> bool {
    const LOSING: &[&str] = &[
        "perdio",
        "perdi",
        "perdieron",
        "extravio",
        "extraviado",
        "extraviada",
        "encontre",
        "encontramos",
    ];
    const THINGS: &[&str] = &[
        "llave",
        "llaves",
        "llavero",
        "cartera",
        "credencial",
        "ine",
        "lentes",
        "perro",
        "perrito",
        "perrita",
        "gato",
        "gatito",
        "mascota",
    ];
    has_word(words, LOSING) && has_word(words, THINGS)
}

/// A question about an everyday good ("¿alguien tiene gas?", "¿todavía tiene tortillas?").
/// A smell or a leak makes gas an emergency's word, and a good named without a question
/// is someone's description ("el niño de la señora de los tamales").
fn asks_for_goods(words: &[&str]) -> bool {
    const GOODS: &[&str] = &[
        "gas",
        "tortillas",
        "pan",
        "garrafon",
        "hielo",
        "tamales",
        "elotes",
        "pastel",
        "refresco",
    ];
    const DANGER: &[&str] = &["huele", "olor", "fuga", "explosion"];
    words.contains(&"?") && has_word(words, GOODS) && !has_word(words, DANGER)
}

#[cfg(test)]
mod tests {
    use super::is_errand;
    use crate::incidents::phrases::words;
    use crate::triage::normalize;

    fn errand(text: &str) -> bool {
        is_errand(&words(&normalize(text)))
    }

    #[test]
    fn everyday_business_is_an_errand() {
        for text in [
            "Vendo bicicleta rodada 26, informes al 55 1234",
            "¿alguien tiene cambio de 200? se los regreso al rato",
            "quién vende tamales por aquí??",
            "se me perdió mi perrito café, se llama Chispa",
            "Les recordamos que el viernes hay junta de padres a las 5",
            "mañana NO habrá clases por el consejo técnico",
            "Se solicita señora para limpieza, 3 días por semana",
            "Canaco invita al desayuno de socios, confirmar asistencia",
            "alguien sabe a q hora cierran las oficinas de la SSP?",
            "ya saben si va a cobrar el WhatsApp?? si no reenvías se borra",
        ] {
            assert!(errand(text), "{text}");
        }
    }

    #[test]
    fn reports_and_comments_about_an_event_are_not() {
        for text in [
            "ya llegó la patrulla, gracias",
            "¿están bien los de la farmacia?",
            "se perdió un niño de 5 años en el mercado, playera roja",
            "huele muy fuerte a gas en la calle Juárez, ya llamamos",
            "se llevaron las llaves del carro y la camioneta",
            "se metieron a robar a la panadería de la esquina",
            "¿alguien vio hacia dónde se fueron?",
            "¿todavía huele a gas por la escuela?",
            "que alguien le avise a su mamá, es el niño de la señora de los tamales",
            "otra vez un niño perdido? no era el del tianguis?",
        ] {
            assert!(!errand(text), "{text}");
        }
    }
}
