//! The rosters shipped in the Sonora registry and the SLP fixture route every report, at every
//! hour, to someone on duty.

use std::collections::HashSet;
use std::sync::OnceLock;

use chrono::{DateTime, TimeDelta};
use chrono_tz::America::Hermosillo;
use proptest::prelude::*;

use super::super::{coordinators_for, escalation_targets, on_duty};
use super::roster::ids;
use super::{at, load};
use crate::registry::Region;
use crate::triage::Category;

#[test]
fn shipped_rosters_put_one_guard_on_duty_at_every_hour() {
    let son = load("config/registry");
    let centro = son.region("son-centro").unwrap();
    let tip = |when| {
        ids(coordinators_for(
            centro,
            Category::Tip089,
            at(Hermosillo, when),
        ))
    };
    assert_eq!(tip("2026-03-02 10:00"), ["son-centro-guardia-1"]);
    assert_eq!(tip("2026-03-02 22:00"), ["son-centro-guardia-2"]);
    assert_eq!(tip("2026-03-07 12:00"), ["son-centro-guardia-2"]);
    assert_eq!(tip("2026-03-08 03:00"), ["son-centro-guardia-1"]);
    let slp = load("fixtures/registry/slp");
    for registry in [&son, &slp] {
        for region in registry.regions() {
            let start = at(region.time_zone, "2026-03-02 00:30");
            for hour in 0..7 * 24 {
                let now = start + TimeDelta::hours(hour);
                let duty = coordinators_for(region, Category::Tip089, now);
                assert!(!duty.is_empty(), "{} +{hour}h", region.id);
                if registry.groups_in_region(&region.id).next().is_some() {
                    assert!(duty.iter().all(|c| on_duty(c, now, region.time_zone)));
                }
            }
        }
    }
}

fn every_region() -> &'static [Region] {
    static REGIONS: OnceLock<Vec<Region>> = OnceLock::new();
    REGIONS.get_or_init(|| {
        let mut regions = load("config/registry").regions().to_vec();
        regions.extend_from_slice(load("fixtures/registry/slp").regions());
        regions
    })
}

proptest! {
    #[test]
    fn reportable_categories_always_reach_someone(
        secs in 1_767_225_600i64..1_861_920_000,
        category in prop::sample::select(vec![
            Category::Emergency911, Category::Tip089, Category::Patrol, Category::Workshop,
        ]),
        level in 1u8..=2,
    ) {
        let now = DateTime::from_timestamp(secs, 0).unwrap();
        for region in every_region() {
            let to = coordinators_for(region, category, now);
            prop_assert!(!to.is_empty(), "{} {}", region.id, category);
            let unique: HashSet<&str> = to.iter().map(|c| c.id.as_str()).collect();
            prop_assert_eq!(unique.len(), to.len());
            prop_assert!(!escalation_targets(region, level, now).is_empty());
        }
    }
}
