//! Duty-roster validation: both TOML spellings load, every malformed value is reported at its
//! line, and `registry dump` writes shifts as the files do.

use super::super::{Registry, RegistryErrors};
use super::shifts::{at, shift};

const REGION: &str = r#"[[region]]
id = "son-centro"
name = "Centro / Hermosillo"
state = "SON"
time_zone = "America/Hermosillo"
municipalities = ["Hermosillo"]

[[region.coordinator]]
id = "son-centro-patrulla-1"
name = "Cmdte. Prueba"
phone = "+526621090901"
roles = ["patrol", "duty"]
"#;

fn with_shifts(shifts: &str) -> String {
    format!("{REGION}{shifts}\n")
}

fn line_of(content: &str, needle: &str) -> usize {
    content
        .lines()
        .position(|l| l.contains(needle))
        .expect("needle present")
        + 1
}

fn load(content: &str) -> Result<Registry, RegistryErrors> {
    Registry::from_sources(&[("r.toml".to_owned(), content.to_owned())])
}

#[test]
fn valid_rosters_load_in_both_toml_spellings() {
    let inline = with_shifts(
        "shifts = [\n  { days = [\"lun\", \"mié\"], start = \"07:00\", end = \"19:00\" },\n  \
         { days = [\"sáb\"], start = 19:00:00, end = \"24:00\" },\n]",
    );
    let tables = with_shifts(
        "\n[[region.coordinator.shifts]]\ndays = [\"lun\", \"mie\", \"lun\"]\nstart = \"07:00\"\n\
         end = \"19:00\"\n\n[[region.coordinator.shifts]]\ndays = [\"sab\"]\nstart = \"19:00\"\n\
         end = \"00:00\"\n",
    );
    for content in [inline, tables] {
        let r = load(&content).unwrap_or_else(|e| panic!("{e}\n{content}"));
        let c = &r.region("son-centro").unwrap().coordinators[0];
        assert_eq!(
            c.shifts,
            [
                shift(&["lun", "mie"], "07:00", "19:00"),
                shift(&["sab"], "19:00", "00:00")
            ]
        );
    }
    let none = load(REGION).unwrap();
    assert!(none.regions()[0].coordinators[0].shifts.is_empty());
    assert!(none.regions()[0].coordinators[0].on_shift_at(at("dom", "03:00")));
}

#[test]
fn roster_errors_point_at_the_offending_value() {
    let content = with_shifts(
        "shifts = [\n  { days = [\"lun\", \"lunes\", \"monday\"], start = \"07:00\", end = \"19:00\" },\n  \
         { days = [], start = \"07:00\", end = \"19:00\" },\n  \
         { days = [\"dom\"], start = \"25:00\", end = \"7\" },\n  \
         { days = [\"dom\"], start = 7, end = 1979-05-27T07:32:00Z },\n]",
    );
    let errs = load(&content).expect_err("invalid roster").0;
    let got: Vec<(usize, &str)> = errs.iter().map(|e| (e.line, e.message.as_str())).collect();
    let expect = [
        (line_of(&content, "monday"), "día «monday» inválido"),
        (line_of(&content, "days = []"), "turno sin días"),
        (
            line_of(&content, "25:00"),
            "hora de inicio «25:00» inválida",
        ),
        (line_of(&content, "25:00"), "hora de fin «7» inválida"),
        (
            line_of(&content, "start = 7"),
            "hora de inicio «7» inválida",
        ),
        (
            line_of(&content, "start = 7"),
            "hora de fin «1979-05-27T07:32:00Z»",
        ),
    ];
    assert_eq!(got.len(), expect.len(), "{}", RegistryErrors(errs.clone()));
    for ((line, message), (eline, prefix)) in got.iter().zip(expect) {
        assert_eq!(*line, eline, "{message}");
        assert!(message.starts_with(prefix), "{message:?} vs {prefix:?}");
    }
    assert!(errs.iter().all(|e| e.file == "r.toml"));

    let empty = with_shifts("shifts = []");
    let errs = load(&empty).expect_err("empty roster").0;
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].line, line_of(&empty, "shifts = []"));
    assert!(errs[0].message.contains("lista de turnos vacía"));

    let unknown =
        with_shifts("shifts = [{ days = [\"lun\"], start = \"07:00\", fin = \"19:00\" }]");
    let errs = load(&unknown).expect_err("unknown key").0;
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].line, line_of(&unknown, "fin ="));
    assert!(
        errs[0].message.starts_with("TOML inválido"),
        "{}",
        errs[0].message
    );
}

#[test]
fn dump_writes_shifts_as_in_the_files() {
    let content =
        with_shifts("shifts = [{ days = [\"sáb\", \"dom\"], start = \"19:00\", end = \"07:00\" }]");
    let v = serde_json::to_value(load(&content).unwrap()).unwrap();
    let c = &v["regions"][0]["coordinators"][0];
    assert_eq!(
        c["shifts"],
        serde_json::json!([{ "days": ["sab", "dom"], "start": "19:00", "end": "07:00" }])
    );
    let plain = serde_json::to_value(load(REGION).unwrap()).unwrap();
    assert_eq!(
        plain["regions"][0]["coordinators"][0]["shifts"],
        serde_json::json!([])
    );
}

#[test]
fn overlapping_shifts_are_rejected_including_across_midnight_and_sunday() {
    for (shifts, overlap) in [
        // Same day, windows intersect.
        ("{ days = [\"lun\"], start = \"07:00\", end = \"15:00\" }, { days = [\"lun\"], start = \"14:00\", end = \"22:00\" }", true),
        // Back to back is not an overlap.
        ("{ days = [\"lun\"], start = \"07:00\", end = \"15:00\" }, { days = [\"lun\"], start = \"15:00\", end = \"23:00\" }", false),
        // Saturday night runs into Sunday morning.
        ("{ days = [\"sab\"], start = \"19:00\", end = \"07:00\" }, { days = [\"dom\"], start = \"06:00\", end = \"12:00\" }", true),
        // Sunday night runs into Monday morning (the week wraps).
        ("{ days = [\"dom\"], start = \"22:00\", end = \"06:00\" }, { days = [\"lun\"], start = \"05:00\", end = \"09:00\" }", true),
        ("{ days = [\"dom\"], start = \"22:00\", end = \"06:00\" }, { days = [\"lun\"], start = \"06:00\", end = \"09:00\" }", false),
    ] {
        let content = with_shifts(&format!("shifts = [{shifts}]"));
        match load(&content) {
            Ok(_) => assert!(!overlap, "{shifts}"),
            Err(e) => {
                assert!(overlap, "{shifts}: {e}");
                assert!(e.to_string().contains("se enciman"), "{e}");
            }
        }
    }
}
