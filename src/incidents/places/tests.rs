use super::*;

fn streets(text: &str, gaz: &Gazetteer) -> Vec<String> {
    extract(text, &["Villa de Seris", "Hermosillo"], gaz)
        .0
        .into_iter()
        .filter(|p| p.kind == Kind::Street)
        .map(|p| p.name)
        .collect()
}

#[test]
fn streets_after_street_words_and_capitalised_after_la() {
    let none = Gazetteer::default();
    assert_eq!(
        streets("balazos por la calle yanez cerca del puente", &none),
        ["yanez"]
    );
    assert_eq!(
        streets("BALAZOS EN VILLA DE SERIS ESQUINA YANEZ Y GALEANA", &none),
        ["galeana", "yanez"]
    );
    assert_eq!(
        streets("en la kennedy calle Lopez Mateos ya robaron", &none),
        ["lopez mateos"]
    );
    assert_eq!(
        streets("se oyeron varios por la Reforma", &none),
        ["reforma"]
    );
    assert_eq!(
        streets("balazos cerca de la avenida 36, fueron rafagas", &none),
        ["36"]
    );
    // Lower case after "la" is a street only when the agency's reports call it one.
    assert!(streets("el humo esta bien fuerte por la yucatan", &none).is_empty());
    let gaz = Gazetteer::fit(["se quema una casa en la calle Yucatan"]);
    assert_eq!(
        streets("el humo esta bien fuerte por la yucatan", &gaz),
        ["yucatan"]
    );
    assert!(streets("pedimos rondines en la noche", &gaz).is_empty());
}

#[test]
fn the_colonia_where_they_fled_and_the_place_it_is_not_are_left_out() {
    let none = Gazetteer::default();
    assert!(streets("balazos en la Villa de Seris", &none).is_empty());
    assert!(streets("se fueron corriendo hacia la Reforma", &none).is_empty());
    assert_eq!(
        streets(
            "asalto en la calle Elias, se fue corriendo por la Campillo",
            &none
        ),
        ["elias"]
    );
    assert_eq!(
        streets(
            "se quema el lote de la Sinaloa! no es la casa de la Tabasco, es otro",
            &none
        ),
        ["sinaloa"]
    );
}

#[test]
fn different_streets_or_shops_conflict_and_landmarks_do_not() {
    let none = Gazetteer::default();
    let p = |t: &str| extract(t, &[], &none);
    let yanez = p("balazos por la calle Yanez cerca del puente");
    let mina = p("otra vez balazos ahora por la calle Mina, del otro lado del parque");
    assert_eq!(yanez.conflict(&[&mina]), Some(Kind::Street));
    assert!(yanez.conflict(&[&p("se oyo feisimo por el rio")]).is_none());
    assert_eq!(
        p("asalto en el oxxo").conflict(&[&p("estan asaltando la farmacia")]),
        Some(Kind::Shop)
    );
    let monteverde = p("en la Monteverde esta todo oscuro");
    let full = p("la calle Francisco Monteverde esta sin lamparas");
    assert!(monteverde.conflict(&[&full]).is_none());
    assert!(monteverde.shared(&[&full]).is_some());
    assert!(monteverde.conflict(&[&yanez, &full]).is_none());
}

#[test]
fn ordinals_are_numbers_and_institutions_and_gerunds_are_not_streets() {
    let none = Gazetteer::default();
    let p = |t: &str| extract(t, &[], &none);
    assert_eq!(streets("asalto en la calle segunda", &none), ["2"]);
    assert_eq!(
        streets("pleito en el bar de la calle Tercera", &none),
        ["3"]
    );
    assert!(p("robo en la calle 2 y Obregon")
        .conflict(&[&p("robo con violencia en la calle segunda")])
        .is_none());
    assert!(streets("ya llego la Cruz Roja y la Guardia", &none).is_empty());
    assert!(streets("se lo llevaron a la Fiscalia", &none).is_empty());
    assert!(streets("la calle de atras del cbtis", &none).is_empty());
    // A street named Cruz is still one.
    assert!(!streets("balazos en la Cruz del Norte", &none).is_empty());
}

#[test]
fn one_bar_by_any_of_its_names_and_a_bank_is_a_reference_point() {
    let none = Gazetteer::default();
    let p = |t: &str| extract(t, &[], &none);
    let bar = p("pleito afuera del bar, son muchos");
    assert!(bar.conflict(&[&p("riña afuera del antro")]).is_none());
    assert!(bar.shared(&[&p("siguen en la cantina")]).is_some());
    assert_eq!(
        bar.conflict(&[&p("asaltaron la farmacia")]),
        Some(Kind::Shop)
    );
    // "salió del banco" says where the victim came from, not a second shop.
    assert!(p("estan asaltando la farmacia")
        .conflict(&[&p("lo siguieron desde el banco")])
        .is_none());
}

#[test]
fn where_a_neighbour_watches_from_is_not_the_place() {
    let none = Gazetteer::default();
    let p = |t: &str| extract(t, &[], &none);
    let pharmacy = p("estan asaltando la farmacia de la Serdan ahorita");
    let watching = p("yo los estoy viendo desde la tienda, traen gorra gris");
    assert!(watching.conflict(&[&pharmacy]).is_none());
    // Where it happens still counts.
    assert_eq!(
        p("ahora asaltaron la tienda de la esquina").conflict(&[&pharmacy]),
        Some(Kind::Shop)
    );
}
