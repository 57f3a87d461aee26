//! Who gets notified: rosters, categories, escalation levels and every fallback.

use chrono::{DateTime, Utc};
use chrono_tz::America::{Hermosillo, Mexico_City};

use super::super::{coordinators_for, escalation_targets, on_duty};
use super::at;
use crate::registry::{Coordinator, Registry};
use crate::triage::Category;

const EVERY_DAY: &str = r#"["lun", "mar", "mie", "jue", "vie", "sab", "dom"]"#;
const WEEKDAYS: &str = r#"["lun", "mar", "mie", "jue", "vie"]"#;
const WEEKEND: &str = r#"["sab", "dom"]"#;

/// A one-region registry in Hermosillo; each coordinator is (id, roles, shifts) where shifts
/// is the TOML value of `shifts` or "" for none.
fn region(coordinators: &[(&str, &str, &str)]) -> Registry {
    let mut toml = String::from(
        "[[region]]\nid = \"prueba\"\nname = \"Prueba\"\nstate = \"SON\"\n\
         time_zone = \"America/Hermosillo\"\nmunicipalities = [\"Hermosillo\"]\n",
    );
    for (i, (id, roles, shifts)) in coordinators.iter().enumerate() {
        toml.push_str(&format!(
            "\n[[region.coordinator]]\nid = \"{id}\"\nname = \"{id}\"\nbsuid = \"T.{i}\"\n\
             roles = {roles}\n"
        ));
        if !shifts.is_empty() {
            toml.push_str(&format!("shifts = {shifts}\n"));
        }
    }
    Registry::from_sources(&[("prueba.toml".to_owned(), toml)]).unwrap_or_else(|e| panic!("{e}"))
}

fn shifts(parts: &[(&str, &str, &str)]) -> String {
    let items: Vec<String> = parts
        .iter()
        .map(|(days, start, end)| {
            format!("{{ days = {days}, start = \"{start}\", end = \"{end}\" }}")
        })
        .collect();
    format!("[{}]", items.join(", "))
}

pub(super) fn ids(cs: Vec<&Coordinator>) -> Vec<&str> {
    cs.into_iter().map(|c| c.id.as_str()).collect()
}

fn full_roster() -> Registry {
    let day = shifts(&[(EVERY_DAY, "07:00", "19:00")]);
    let night = shifts(&[(EVERY_DAY, "19:00", "07:00")]);
    let week = shifts(&[(WEEKDAYS, "07:00", "19:00"), (WEEKEND, "19:00", "07:00")]);
    let weekend = shifts(&[(WEEKDAYS, "19:00", "07:00"), (WEEKEND, "07:00", "19:00")]);
    let office = shifts(&[(WEEKDAYS, "08:00", "15:00")]);
    region(&[
        ("patrulla-dia", r#"["patrol"]"#, &day),
        ("patrulla-noche", r#"["patrol"]"#, &night),
        ("guardia-semana", r#"["duty", "backup"]"#, &week),
        ("guardia-finde", r#"["duty"]"#, &weekend),
        ("prevencion", r#"["prevention"]"#, &office),
        ("suplente", r#"["backup"]"#, ""),
        ("supervisor", r#"["supervisor"]"#, ""),
    ])
}

#[test]
fn categories_go_to_the_roles_on_shift() {
    let r = full_roster();
    let region = &r.regions()[0];
    // 2026-03-02 is a Monday.
    let cases: &[(Category, &str, &[&str])] = &[
        (
            Category::Emergency911,
            "2026-03-02 10:00",
            &["patrulla-dia", "guardia-semana"],
        ),
        (
            Category::Emergency911,
            "2026-03-02 22:00",
            &["patrulla-noche", "guardia-finde"],
        ),
        // Overnight across midnight (sab 19:00 → dom 07:00) and Sunday → Monday.
        (
            Category::Emergency911,
            "2026-03-08 03:00",
            &["patrulla-noche", "guardia-semana"],
        ),
        (
            Category::Emergency911,
            "2026-03-09 06:59",
            &["patrulla-noche", "guardia-semana"],
        ),
        (
            Category::Emergency911,
            "2026-03-09 07:00",
            &["patrulla-dia", "guardia-semana"],
        ),
        (Category::Tip089, "2026-03-07 12:00", &["guardia-finde"]),
        (Category::Tip089, "2026-03-07 19:00", &["guardia-semana"]),
        (Category::Tip089, "2026-03-06 18:59", &["guardia-semana"]),
        (Category::Tip089, "2026-03-06 19:00", &["guardia-finde"]),
        (Category::Patrol, "2026-03-03 19:00", &["patrulla-noche"]),
        (Category::Patrol, "2026-03-03 18:59", &["patrulla-dia"]),
        // Workshops go to the prevention staff whatever the hour.
        (Category::Workshop, "2026-03-07 23:00", &["prevencion"]),
        (Category::Workshop, "2026-03-02 09:00", &["prevencion"]),
        (Category::FollowUp, "2026-03-02 10:00", &[]),
        (Category::Other, "2026-03-02 10:00", &[]),
    ];
    for (category, when, expected) in cases {
        let got = ids(coordinators_for(region, *category, at(Hermosillo, when)));
        assert_eq!(got, *expected, "{category} at {when}");
    }
}

#[test]
fn escalation_goes_to_backups_then_supervisors() {
    let r = full_roster();
    let region = &r.regions()[0];
    let cases: &[(u8, &str, &[&str])] = &[
        (1, "2026-03-02 10:00", &["guardia-semana", "suplente"]),
        (1, "2026-03-02 22:00", &["suplente"]),
        (2, "2026-03-02 22:00", &["supervisor"]),
        (0, "2026-03-02 10:00", &[]),
        (3, "2026-03-02 10:00", &[]),
        (u8::MAX, "2026-03-02 10:00", &[]),
    ];
    for (level, when, expected) in cases {
        let got = ids(escalation_targets(region, *level, at(Hermosillo, when)));
        assert_eq!(got, *expected, "level {level} at {when}");
    }
}

#[test]
fn fallbacks_never_leave_a_report_unrouted() {
    let day = shifts(&[(WEEKDAYS, "07:00", "19:00")]);
    let night = shifts(&[(EVERY_DAY, "19:00", "07:00")]);
    let sunday_night = "2026-03-08 23:00";
    let monday_noon = "2026-03-02 12:00";
    type Case<'a> = (
        Vec<(&'a str, &'a str, &'a str)>,
        Category,
        &'a str,
        Vec<&'a str>,
    );
    let cases: Vec<Case<'_>> = vec![
        // Nobody with the role on shift: everyone with the role.
        (
            vec![("p1", r#"["patrol"]"#, &day), ("p2", r#"["patrol"]"#, &day)],
            Category::Patrol,
            sunday_night,
            vec!["p1", "p2"],
        ),
        // Per role: duty off shift falls back to all duty, patrol on shift stays narrow.
        (
            vec![
                ("d", r#"["duty"]"#, &day),
                ("p1", r#"["patrol"]"#, &night),
                ("p2", r#"["patrol"]"#, &day),
            ],
            Category::Emergency911,
            sunday_night,
            vec!["d", "p1"],
        ),
        // Nobody has the role: the duty desk on shift.
        (
            vec![
                ("d1", r#"["duty"]"#, &day),
                ("d2", r#"["duty"]"#, &night),
                ("s", r#"["supervisor"]"#, ""),
            ],
            Category::Workshop,
            monday_noon,
            vec!["d1"],
        ),
        // No duty either: the supervisors.
        (
            vec![
                ("x", r#"["prevention"]"#, ""),
                ("s", r#"["supervisor"]"#, ""),
            ],
            Category::Tip089,
            monday_noon,
            vec!["s"],
        ),
        // Only people without any of those roles: everyone on shift, else everyone.
        (
            vec![
                ("a", r#"["prevention"]"#, &day),
                ("b", r#"["backup"]"#, &night),
            ],
            Category::Patrol,
            monday_noon,
            vec!["a"],
        ),
        (
            vec![
                ("a", r#"["prevention"]"#, &day),
                ("b", r#"["backup"]"#, &day),
            ],
            Category::Emergency911,
            sunday_night,
            vec!["a", "b"],
        ),
        // Holding two requested roles is one notice, in registry order.
        (
            vec![
                ("s", r#"["supervisor"]"#, ""),
                ("pd", r#"["patrol", "duty"]"#, ""),
                ("d", r#"["duty"]"#, ""),
            ],
            Category::Emergency911,
            monday_noon,
            vec!["pd", "d"],
        ),
    ];
    for (i, (coordinators, category, when, expected)) in cases.iter().enumerate() {
        let r = region(coordinators);
        let got = ids(coordinators_for(
            &r.regions()[0],
            *category,
            at(Hermosillo, when),
        ));
        assert_eq!(got, *expected, "case {i}");
    }
    // Escalation falls back the same way: no backup → duty on shift; no supervisor → duty.
    let r = region(&[
        ("d1", r#"["duty"]"#, &day),
        ("d2", r#"["duty"]"#, &night),
        ("p", r#"["patrol"]"#, ""),
    ]);
    let region0 = &r.regions()[0];
    assert_eq!(
        ids(escalation_targets(region0, 1, at(Hermosillo, sunday_night))),
        ["d2"]
    );
    assert_eq!(
        ids(escalation_targets(region0, 2, at(Hermosillo, monday_noon))),
        ["d1"]
    );
    let r = region(&[("p", r#"["patrol"]"#, "")]);
    assert_eq!(
        ids(escalation_targets(
            &r.regions()[0],
            2,
            at(Hermosillo, monday_noon)
        )),
        ["p"]
    );
}

#[test]
fn a_region_without_coordinators_routes_to_nobody() {
    let r = Registry::from_sources(&[(
        "vacia.toml".to_owned(),
        "[[region]]\nid = \"vacia\"\nname = \"Vacía\"\nstate = \"SON\"\n\
         time_zone = \"America/Hermosillo\"\nmunicipalities = [\"Ures\"]\n"
            .to_owned(),
    )])
    .unwrap();
    let now = at(Hermosillo, "2026-03-02 12:00");
    for category in Category::ALL {
        assert!(coordinators_for(&r.regions()[0], category, now).is_empty());
    }
    assert!(escalation_targets(&r.regions()[0], 1, now).is_empty());
}

#[test]
fn on_duty_reads_the_clock_of_the_given_zone() {
    let r = region(&[
        (
            "d",
            r#"["duty"]"#,
            &shifts(&[(EVERY_DAY, "07:00", "19:00")]),
        ),
        ("s", r#"["supervisor"]"#, ""),
    ]);
    let (d, s) = (
        &r.regions()[0].coordinators[0],
        &r.regions()[0].coordinators[1],
    );
    // 13:30 UTC is 06:30 in Hermosillo (UTC−7) and 07:30 in Mexico City (UTC−6), all year.
    for instant in ["2026-01-15T13:30:00Z", "2026-07-15T13:30:00Z"] {
        let now: DateTime<Utc> = instant.parse().unwrap();
        assert!(!on_duty(d, now, Hermosillo), "{instant}");
        assert!(on_duty(d, now, Mexico_City), "{instant}");
        assert!(on_duty(s, now, Hermosillo) && on_duty(s, now, Mexico_City));
    }
}
