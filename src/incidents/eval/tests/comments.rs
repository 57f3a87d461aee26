//! Where comments and follow-ups go: the conversation they answer, and nothing when they
//! are about something else (an errand, another kind of request, a folio) or late news of
//! a search.

use super::{as_category, line};
use crate::incidents::embedding::shipped_vectors;
use crate::incidents::eval::Labelled;
use crate::incidents::eval::{decisions, replay};
use crate::incidents::policy::Policy;

#[test]
fn a_comment_follows_the_incident_neighbours_wrote_in_last() {
    let mut comment = line(
        "3",
        Some("celulares"),
        "no puede ser, otra vez?? son los mismos de la farmacia?",
        "Centro",
        42,
    );
    comment.category = "other".into();
    let file = vec![
        line(
            "1",
            Some("farmacia"),
            "estan asaltando la farmacia de la Serdan, son 2 con pistola",
            "Centro",
            0,
        ),
        line(
            "2",
            Some("celulares"),
            "otro asalto!! ahora en la de celulares de la 22, entraron 3 morros",
            "Centro",
            40,
        ),
        // Reads like the pharmacy's robbery (it names it), but it answers the second.
        comment,
    ];
    let s = replay(&file, &Policy::default(), Some(&shipped_vectors()));
    assert_eq!((s.precision(), s.recall()), (1.0, 1.0), "{s}");
    assert_eq!(s.incidents, 2);
}

#[test]
fn a_comment_does_not_count_its_category_as_evidence() {
    let mut file = vec![line(
        "1",
        Some("asalto"),
        "estan asaltando la farmacia de la Libertad, son dos con cuchillo",
        "Centro",
        0,
    )];
    for (id, text, minute) in [
        ("2", "que miedo, asaltando la farmacia ahorita", 2),
        ("3", "dicen que son dos los de la farmacia", 4),
    ] {
        let mut l = line(id, Some("asalto"), text, "Centro", minute);
        l.category = "other".into();
        file.push(l);
    }
    let run = decisions(&file, &Policy::default(), Some(&shipped_vectors()));
    // The third joins; that the second is a comment too is no evidence it is about
    // the robbery.
    let (_, incident, decision) = &run[2];
    assert_eq!(*incident, run[0].1, "{decision:?}");
    let category = decision.signals.iter().find(|s| s.name == "categoría");
    assert_eq!(category.map(|s| s.score), Some(0.0), "{decision:?}");
}

#[test]
fn an_errand_in_the_minutes_of_a_robbery_stays_apart_and_a_comment_joins() {
    let chat = |id: &str, event: Option<&str>, text: &str, minute: i64| {
        as_category(line(id, event, text, "San Benito", minute), "other")
    };
    let file = vec![
        line(
            "1",
            Some("asalto"),
            "estan asaltando la tienda de la esquina de la Reforma, 2 en moto",
            "San Benito",
            0,
        ),
        chat("2", Some("asalto"), "ya llego la patrulla, estan bien?", 6),
        // Written in the same minutes and colonia, about no event.
        chat(
            "3",
            None,
            "alguien tiene cambio de 500? mañana se los regreso",
            8,
        ),
        chat(
            "4",
            None,
            "vendo bicicleta rodada 26, informes al privado",
            9,
        ),
    ];
    let s = replay(&file, &Policy::default(), Some(&shipped_vectors()));
    assert_eq!((s.precision(), s.recall()), (1.0, 1.0), "{s}");
    assert_eq!(s.incidents, 3);
}

#[test]
fn a_follow_up_goes_to_the_kind_of_request_it_names_and_a_quoted_folio_joins_nothing() {
    let mut talk = line(
        "1",
        Some("platica"),
        "la direccion de la secundaria solicita una platica de prevencion del bullying",
        "Las Granjas",
        0,
    );
    talk.category = "workshop".into();
    let follow_up = |id: &str, event: Option<&str>, text: &str, minute: i64| {
        as_category(line(id, event, text, "Las Granjas", minute), "follow_up")
    };
    let file = vec![
        talk,
        line(
            "2",
            Some("asalto"),
            "estan asaltando la farmacia de la Juarez, son 2 con pistola",
            "Las Granjas",
            100,
        ),
        // Written in the robbery's minutes, about the talk.
        follow_up(
            "3",
            Some("platica"),
            "disculpen, ya hay fecha para la platica de bullying que pidio la direccion de la secundaria?",
            110,
        ),
        // About a report of last month, quoted by its folio.
        follow_up(
            "4",
            None,
            "buenas, que paso con el folio CHIH-0412? ya van 2 semanas",
            112,
        ),
    ];
    let s = replay(&file, &Policy::default(), Some(&shipped_vectors()));
    assert_eq!((s.precision(), s.recall()), (1.0, 1.0), "{s}");
    assert_eq!(s.incidents, 3);
}

#[test]
fn news_of_a_missing_persons_search_joins_it_hours_later_and_nothing_else_does() {
    let chat = |id: &str, event: Option<&str>, text: &str, minute: i64| {
        as_category(line(id, event, text, "Candiles", minute), "follow_up")
    };
    let file = vec![
        line(
            "1",
            Some("busqueda"),
            "vecinos ayuda, mi suegro de 78 años salio a caminar a las 3 y no ha regresado, \
             tiene alzheimer, pantalon cafe y sueter gris",
            "Candiles",
            0,
        ),
        chat(
            "2",
            Some("busqueda"),
            "sigue sin aparecer?? ya avisaron a la policia?",
            150,
        ),
        // The power coming back is not the search,
        chat("3", None, "ya regreso la luz en la calle del jardin", 300),
        // nor is a robbery in the colonia that evening,
        line(
            "4",
            None,
            "estan asaltando la farmacia de la avenida, son 2 en moto",
            "Candiles",
            400,
        ),
        // but the news of him is, the next morning.
        chat(
            "5",
            Some("busqueda"),
            "muchisimas gracias a todos, mi suegro aparecio en la central de autobuses",
            900,
        ),
    ];
    let s = replay(&file, &Policy::default(), Some(&shipped_vectors()));
    assert_eq!((s.precision(), s.recall()), (1.0, 1.0), "{s}");
    assert_eq!(s.incidents, 3);
}

#[test]
fn an_event_takes_over_the_comment_that_asked_about_it() {
    let chat = |id: &str, event: Option<&str>, text: &str, minute: i64| {
        as_category(line(id, event, text, "Petrolera", minute), "other")
    };
    let file = vec![
        chat(
            "1",
            Some("fuego"),
            "huele bien feo a quemado, alguien sabe de donde viene?",
            0,
        ),
        // Just as close in time, but about nothing that happens: no event takes it.
        chat(
            "2",
            None,
            "Aviso a padres: mañana no hay clases por consejo tecnico",
            1,
        ),
        line(
            "3",
            Some("fuego"),
            "se esta quemando la casa de la esquina de la Tercera, sale mucho humo, llamen a los bomberos",
            "Petrolera",
            3,
        ),
        line(
            "4",
            Some("fuego"),
            "incendio en la calle Tercera, ya se ve la lumbre por la ventana",
            "Petrolera",
            5,
        ),
    ];
    let file = with_background(file);
    let run = decisions(&file, &Policy::default(), Some(&shipped_vectors()));
    let (_, incident, decision) = &run[2];
    assert_eq!(*incident, run[0].1, "{decision:?}");
    assert!(decision.takes_lead, "{decision:?}");
    // Report ids are line numbers: the comment's.
    assert_eq!(decision.matched_report, Some(0), "{decision:?}");
    // Led by the fire, the incident is an emergency: the next report joins it as one.
    let (_, incident, decision) = &run[3];
    assert_eq!(*incident, run[0].1, "{decision:?}");
    assert!(!decision.takes_lead, "{decision:?}");
    assert_ne!(run[1].1, run[0].1, "{:?}", run[1].2);
}

#[test]
fn a_comment_about_nothing_or_long_before_the_event_is_not_taken_over() {
    let file = vec![
        as_category(
            line(
                "1",
                None,
                "huele bien feo a quemado, alguien sabe de donde viene?",
                "Petrolera",
                0,
            ),
            "other",
        ),
        line(
            "2",
            None,
            "se esta quemando la casa de la esquina de la Tercera, sale mucho humo, llamen a los bomberos",
            "Petrolera",
            45,
        ),
        // Written a minute before, but about nothing that happens: being just before
        // is no evidence (it answers no conversation).
        as_category(
            line(
                "3",
                None,
                "Aviso a padres: mañana no hay clases por consejo tecnico",
                "Las Minitas",
                0,
            ),
            "other",
        ),
        line(
            "4",
            None,
            "se metieron a robar a la tienda de la esquina, traen pistola",
            "Las Minitas",
            1,
        ),
    ];
    let file = with_background(file);
    let run = decisions(&file, &Policy::default(), Some(&shipped_vectors()));
    let of = |id: &str| run.iter().find(|r| r.0.id == id).expect(id);
    for (comment, event) in [("1", "2"), ("3", "4")] {
        let (comment, event) = (of(comment), of(event));
        assert_ne!(event.1, comment.1, "{:?}", event.2);
        assert!(!event.2.takes_lead);
    }
}

/// `file` and, hours later in another colonia, the region's everyday reports: how alike
/// two texts must read is fitted on a file, and four lines are too few to fit it on.
fn with_background(mut file: Vec<Labelled>) -> Vec<Labelled> {
    let background = [
        (
            "emergency_911",
            "asaltaron al del oxxo de la Reforma, se fueron corriendo",
        ),
        (
            "patrol",
            "pedimos rondines en la noche, hay muchachos tomando en el parque",
        ),
        (
            "tip_089",
            "en la casa azul de la Jalisco venden droga, entran y salen carros",
        ),
        (
            "workshop",
            "la primaria pide una platica sobre acoso escolar para los papas",
        ),
        ("follow_up", "ya vino la patrulla que pedimos ayer, gracias"),
        (
            "other",
            "buenas noches vecinos, recuerden sacar la basura el martes",
        ),
        (
            "emergency_911",
            "choque en el bulevar, hay una persona atrapada en el carro",
        ),
        (
            "patrol",
            "se estacionan carros sospechosos afuera de la secundaria",
        ),
    ];
    for (i, (category, text)) in background.iter().enumerate() {
        let id = format!("b{i}");
        file.push(as_category(
            line(&id, None, text, "Centro", 600 + 90 * i as i64),
            category,
        ));
    }
    file
}
