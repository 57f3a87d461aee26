//! The shipped Sonora registry (`config/registry/`) and the fixed identities of
//! `notes/anchors.md` that fixtures and other tests rely on.

use std::collections::HashSet;
use std::sync::OnceLock;

use super::super::{CoordinatorRole, GroupKind, MemberRole, Registry};
use super::crate_path;

const UNREGISTERED_PHONE: &str = "+526629999999";
const UNREGISTERED_WA_ID: &str = "5216629999999";
const UNREGISTERED_BSUID: &str = "MX.4819999999999999999";

fn sonora() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        Registry::load_dir(&crate_path("config/registry"))
            .unwrap_or_else(|e| panic!("the default registry must load:\n{e}"))
    })
}

#[test]
fn has_43_groups_by_kind_and_10_regions() {
    let r = sonora();
    assert_eq!(r.groups().len(), 43);
    let count = |kind| r.groups().iter().filter(|g| g.kind == kind).count();
    assert_eq!(count(GroupKind::Vecinal), 18);
    assert_eq!(count(GroupKind::Escolar), 11);
    assert_eq!(count(GroupKind::Empresarial), 14);
    assert_eq!(r.regions().len(), 10);
    assert_eq!(
        r.summary(),
        "10 regiones, 43 grupos (18 vecinales, 11 escolares, 14 empresariales), \
         192 integrantes, 45 coordinadores"
    );
}

#[test]
fn neighbourhood_committees_cover_the_programme_cities() {
    let cities: HashSet<&str> = sonora()
        .groups()
        .iter()
        .filter(|g| g.kind == GroupKind::Vecinal)
        .map(|g| g.municipality.as_str())
        .collect();
    let expected: HashSet<&str> = [
        "Hermosillo",
        "Cajeme",
        "Agua Prieta",
        "Nogales",
        "Cananea",
        "Puerto Peñasco",
        "Navojoa",
        "San Luis Río Colorado",
        "Huatabampo",
        "Caborca",
        "Guaymas",
    ]
    .into_iter()
    .collect();
    assert_eq!(cities, expected);
}

#[test]
fn anchor_regions_and_groups_are_exact() {
    let r = sonora();
    let centro = r.region("son-centro").unwrap();
    assert_eq!(centro.name, "Centro / Hermosillo");
    assert_eq!(centro.state, "SON");
    assert_eq!(centro.time_zone, chrono_tz::America::Hermosillo);
    assert_eq!(
        r.region("son-valle-yaqui").unwrap().name,
        "Sur / Valle del Yaqui"
    );

    let vs = r.group("hmo-villa-de-seris").unwrap();
    assert_eq!(vs.name, "Comité Vecinal Villa de Seris");
    assert_eq!(
        (vs.kind, vs.region.as_str()),
        (GroupKind::Vecinal, "son-centro")
    );
    assert_eq!(vs.colonias, ["Villa de Seris"]);
    let cloud = "Y2FwaV9ncm91cDpBTEVSVEEtSE1PLVZTLTAwMQ";
    assert_eq!(vs.cloud_group_id.as_deref(), Some(cloud));
    assert_eq!(r.group_by_cloud_id(cloud).unwrap().id, "hmo-villa-de-seris");

    let fov = r.group("cajeme-fovissste").unwrap();
    assert_eq!(fov.name, "Comité Vecinal Fovissste Cd. Obregón");
    assert_eq!(fov.colonias, ["Fovissste", "Fovissste II"]);
    assert_eq!(
        (fov.municipality.as_str(), fov.region.as_str()),
        ("Cajeme", "son-valle-yaqui")
    );
    assert_eq!(fov.cloud_group_id, None);

    let esc = r.group("esc-sec-tecnica-6-hmo").unwrap();
    assert_eq!(esc.name, "Secundaria Técnica No. 6 Hermosillo");
    assert_eq!(
        (esc.kind, esc.region.as_str()),
        (GroupKind::Escolar, "son-centro")
    );
    assert_eq!(esc.colonias, ["Modelo"]);

    let canaco = r.group("canaco-nogales").unwrap();
    assert_eq!(canaco.name, "Canaco Nogales Centro");
    assert_eq!(canaco.kind, GroupKind::Empresarial);
    assert_eq!(canaco.region, "son-frontera-norte");
    assert_eq!(canaco.colonias, ["Centro"]);
}

#[test]
fn anchor_members_resolve_from_every_phone_form() {
    let r = sonora();
    for form in [
        "5216621000101",
        "526621000101",
        "+526621000101",
        "+52 662 100 0101",
        "662-100-0101",
    ] {
        let (g, m) = r
            .member_by_phone(form)
            .unwrap_or_else(|| panic!("{form} must resolve"));
        assert_eq!(g.id, "hmo-villa-de-seris");
        assert_eq!(m.name, "María Guadalupe Ruiz Peña");
        assert_eq!(m.role, MemberRole::Enlace);
        assert_eq!(m.bsuid.as_deref(), Some("MX.4810000000000000101"));
    }
    let (g, m) = r.member_by_phone("5216621000102").unwrap();
    assert_eq!(
        (g.id.as_str(), m.name.as_str()),
        ("hmo-villa-de-seris", "José Ángel Valenzuela Soto")
    );
    assert_eq!((m.bsuid.as_ref(), m.role), (None, MemberRole::Miembro));

    let (g, m) = r.member_by_bsuid("MX.4810000000000000201").unwrap();
    assert_eq!(
        (g.id.as_str(), m.name.as_str()),
        ("cajeme-fovissste", "Rosa Icela Armenta Leyva")
    );
    assert_eq!((m.phone.as_ref(), m.role), (None, MemberRole::Enlace));

    let (g, m) = r.member_by_phone("5216441000202").unwrap();
    assert_eq!(
        (g.id.as_str(), m.name.as_str()),
        ("cajeme-fovissste", "Jesús Alberto Bojórquez Félix")
    );
    let (g, m) = r.member_by_phone("5216621000301").unwrap();
    assert_eq!(
        (g.id.as_str(), m.name.as_str()),
        ("esc-sec-tecnica-6-hmo", "Laura Elena Ochoa Durazo")
    );
    let (g, m) = r.member_by_phone("5216311000401").unwrap();
    assert_eq!(
        (g.id.as_str(), m.name.as_str()),
        ("canaco-nogales", "Luis Fernando Acosta Romo")
    );
    assert_eq!(m.role, MemberRole::Enlace);
}

#[test]
fn the_unregistered_sender_resolves_to_nothing() {
    let r = sonora();
    for form in [UNREGISTERED_PHONE, UNREGISTERED_WA_ID, "526629999999"] {
        assert!(r.member_by_phone(form).is_none());
        assert!(r.coordinator_by_phone(form).is_none());
    }
    assert!(r.member_by_bsuid(UNREGISTERED_BSUID).is_none());
    assert!(r.coordinator_by_bsuid(UNREGISTERED_BSUID).is_none());
    assert!(r.member_by_phone("not a phone").is_none());
    // The business number the bot answers from is not a registered person either.
    assert!(r.member_by_phone("526621234567").is_none());
    assert!(r.coordinator_by_phone("526621234567").is_none());
    let dump = serde_json::to_string(r).unwrap();
    assert!(!dump.contains("6629999999") && !dump.contains("4819999999999999999"));
}

#[test]
fn coordinators_resolve_and_cover_the_roles() {
    let r = sonora();
    let (region, c) = r.coordinator_by_phone("5216621090001").unwrap();
    assert_eq!(
        (region.id.as_str(), c.id.as_str()),
        ("son-centro", "son-centro-patrulla-1")
    );
    let (region, _) = r.coordinator_by_bsuid(c.bsuid.as_deref().unwrap()).unwrap();
    assert_eq!(region.id, "son-centro");
    let with_groups: HashSet<&str> = r.groups().iter().map(|g| g.region.as_str()).collect();
    for region in r.regions() {
        assert!(
            (2..=6).contains(&region.coordinators.len()),
            "{}",
            region.id
        );
        let required: &[CoordinatorRole] = if with_groups.contains(region.id.as_str()) {
            &CoordinatorRole::ALL
        } else {
            &[
                CoordinatorRole::Patrol,
                CoordinatorRole::Prevention,
                CoordinatorRole::Duty,
            ]
        };
        for &role in required {
            assert!(
                region.coordinators_with(role).next().is_some(),
                "{} lacks {role:?}",
                region.id
            );
        }
        assert_eq!(region.emergency_numbers[0].number, "911");
    }
}

#[test]
fn regions_partition_sonora_in_one_time_zone() {
    let r = sonora();
    let municipalities: Vec<&str> = r
        .regions()
        .iter()
        .flat_map(|x| x.municipalities.iter().map(String::as_str))
        .collect();
    assert_eq!(municipalities.len(), 72);
    assert_eq!(municipalities.iter().collect::<HashSet<_>>().len(), 72);
    for region in r.regions() {
        assert_eq!(region.time_zone, chrono_tz::America::Hermosillo);
        assert_eq!(region.state, "SON");
    }
}

#[test]
fn members_are_plausible() {
    let r = sonora();
    let area = |municipality: &str| match municipality {
        "Hermosillo" => "+52662",
        "Cajeme" => "+52644",
        "Nogales" => "+52631",
        "Agua Prieta" => "+52633",
        "Cananea" => "+52645",
        "Puerto Peñasco" => "+52638",
        "Navojoa" => "+52642",
        "San Luis Río Colorado" => "+52653",
        "Huatabampo" => "+52647",
        "Caborca" => "+52637",
        "Guaymas" => "+52622",
        other => panic!("no area code for {other}"),
    };
    let (mut bsuid_only, mut both) = (0, 0);
    for g in r.groups() {
        assert!(
            (3..=8).contains(&g.members.len()),
            "{} has {}",
            g.id,
            g.members.len()
        );
        assert!(g.enlaces().next().is_some(), "{} has no enlace", g.id);
        for m in &g.members {
            match (&m.phone, &m.bsuid) {
                (Some(p), _) => assert!(p.as_str().starts_with(area(&g.municipality)), "{}", g.id),
                (None, _) => bsuid_only += 1,
            }
            both += usize::from(m.phone.is_some() && m.bsuid.is_some());
        }
    }
    assert!(
        (2..=6).contains(&bsuid_only),
        "{bsuid_only} BSUID-only members"
    );
    assert!(
        (2..=8).contains(&both),
        "{both} members with phone and BSUID"
    );
    let cloud = r
        .groups()
        .iter()
        .filter(|g| g.cloud_group_id.is_some())
        .count();
    assert!((4..=6).contains(&cloud), "{cloud} Cloud API groups");
}

#[test]
fn dump_serialises_canonical_values() {
    let v = serde_json::to_value(sonora()).unwrap();
    let centro = &v["regions"][0];
    assert_eq!(centro["id"], "son-centro");
    assert_eq!(centro["time_zone"], "America/Hermosillo");
    assert_eq!(centro["coordinators"][0]["roles"][0], "patrol");
    let groups = v["groups"].as_array().unwrap();
    let vs = groups
        .iter()
        .find(|g| g["id"] == "hmo-villa-de-seris")
        .unwrap();
    assert_eq!(vs["group_id"], "Y2FwaV9ncm91cDpBTEVSVEEtSE1PLVZTLTAwMQ");
    assert_eq!(vs["kind"], "vecinal");
    assert_eq!(vs["members"][0]["phone"], "+526621000101");
    assert_eq!(vs["members"][0]["role"], "enlace");
    assert!(v.get("index").is_none());
}
