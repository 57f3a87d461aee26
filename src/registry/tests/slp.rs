//! The San Luis Potosí fixture: a second geography loaded from data alone.

use std::collections::HashSet;

use super::super::{GroupKind, Registry};
use super::crate_path;

#[test]
fn loads_four_zones_in_central_time() {
    let r = Registry::load_dir(&crate_path("fixtures/registry/slp"))
        .unwrap_or_else(|e| panic!("the SLP fixture must load:\n{e}"));
    let ids: Vec<&str> = r.regions().iter().map(|x| x.id.as_str()).collect();
    assert_eq!(
        ids,
        ["slp-centro", "slp-altiplano", "slp-media", "slp-huasteca"]
    );
    for region in r.regions() {
        assert_eq!(region.time_zone, chrono_tz::America::Mexico_City);
        assert_eq!(region.state, "SLP");
        assert!(!region.coordinators.is_empty());
        assert!(
            r.groups_in_region(&region.id).next().is_some(),
            "{} has no groups",
            region.id
        );
    }
    let municipalities: HashSet<&str> = r
        .regions()
        .iter()
        .flat_map(|x| x.municipalities.iter().map(String::as_str))
        .collect();
    assert_eq!(municipalities.len(), 59);
    assert!(municipalities.contains("Villa de Pozos"));
    assert_eq!(r.groups().len(), 12);
    let kinds: HashSet<GroupKind> = r.groups().iter().map(|g| g.kind).collect();
    assert_eq!(kinds.len(), 3);
    let (g, _) = r.member_by_phone("524441000101").unwrap();
    assert_eq!(g.id, "slp-tequisquiapan");
    assert_eq!(r.region("slp-huasteca").unwrap().name, "Zona Huasteca");
    assert!(r.region("son-centro").is_none());
    assert!(r.summary().starts_with("4 regiones, 12 grupos"));
}

#[test]
fn sonora_and_san_luis_potosi_combine_into_one_registry() {
    // Both states have a Moctezuma, a Rayón and a Villa Hidalgo: municipalities are unique
    // per state code, not globally.
    let mut sources = Vec::new();
    for dir in ["config/registry", "fixtures/registry/slp"] {
        let mut paths: Vec<_> = std::fs::read_dir(crate_path(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        paths.sort();
        for p in paths {
            sources.push((
                p.display().to_string(),
                std::fs::read_to_string(&p).unwrap(),
            ));
        }
    }
    let r = Registry::from_sources(&sources).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((r.regions().len(), r.groups().len()), (14, 55));
    assert_eq!(
        r.region("son-sierra").unwrap().time_zone,
        chrono_tz::America::Hermosillo
    );
    assert_eq!(
        r.region("slp-altiplano").unwrap().time_zone,
        chrono_tz::America::Mexico_City
    );
}
