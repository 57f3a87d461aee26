//! Validation: every problem is reported, each with the file and line of the offending value.

use super::super::{Registry, RegistryError, RegistryErrors};
use super::crate_path;

const REGION: &str = r#"[[region]]
id = "son-centro"
name = "Centro / Hermosillo"
state = "SON"
time_zone = "America/Hermosillo"
municipalities = ["Hermosillo", "Carbó"]

[[region.coordinator]]
id = "son-centro-patrulla-1"
name = "Cmdte. Prueba"
phone = "+526621090901"
roles = ["patrol"]
"#;

/// A valid group; `extra` is appended inside the group table (before its member).
fn group(id: &str, extra: &str, phone: &str) -> String {
    format!(
        "[[group]]\nid = \"{id}\"\nname = \"Grupo {id}\"\nkind = \"vecinal\"\nregion = \"son-centro\"\n\
         municipality = \"Hermosillo\"\ncolonias = [\"Centro\"]\n{extra}\n\
         [[group.member]]\nname = \"Integrante {id}\"\nphone = \"{phone}\"\nrole = \"enlace\"\n"
    )
}

fn load(files: &[(&str, &str)]) -> Result<Registry, RegistryErrors> {
    let sources: Vec<(String, String)> = files
        .iter()
        .map(|(n, c)| (n.to_string(), c.to_string()))
        .collect();
    Registry::from_sources(&sources)
}

fn errors(files: &[(&str, &str)]) -> Vec<RegistryError> {
    match load(files) {
        Ok(_) => panic!("expected errors"),
        Err(e) => e.0,
    }
}

/// 1-based line of the first line of `content` containing `needle`.
fn line_of(content: &str, needle: &str) -> usize {
    content
        .lines()
        .position(|l| l.contains(needle))
        .expect("needle present")
        + 1
}

#[test]
fn broken_fixture_reports_exactly_the_four_marked_lines() {
    let dir = crate_path("fixtures/registry/broken");
    let errs = Registry::load_dir(&dir)
        .expect_err("the broken fixture must fail")
        .0;
    let mut expected = Vec::new();
    for name in ["groups.toml", "regions.toml"] {
        let content = std::fs::read_to_string(dir.join(name)).unwrap();
        for (i, line) in content.lines().enumerate() {
            if line.contains("# error:") {
                expected.push((name, i + 1));
            }
        }
    }
    let got: Vec<(&str, usize)> = errs
        .iter()
        .map(|e| {
            (
                if e.file.ends_with("groups.toml") {
                    "groups.toml"
                } else {
                    "regions.toml"
                },
                e.line,
            )
        })
        .collect();
    assert_eq!(got, expected, "{}", RegistryErrors(errs));
    let messages: Vec<&str> = errs.iter().map(|e| e.message.as_str()).collect();
    assert!(
        messages[0].starts_with("teléfono duplicado"),
        "{}",
        messages[0]
    );
    assert!(messages[0].contains("hmo-prueba-uno"));
    assert!(
        messages[1].starts_with("teléfono inválido"),
        "{}",
        messages[1]
    );
    assert!(messages[2].contains("son-frontera-norte") && messages[2].contains("desconocida"));
    assert!(messages[3].contains("America/Guaymas") && messages[3].contains("zona horaria"));
    assert!(errs[0].file.starts_with(dir.to_str().unwrap()));
    assert!(
        !RegistryErrors(errs).to_string().contains("109 0101"),
        "no phone in messages"
    );
}

#[test]
fn valid_minimal_registry_loads() {
    let g = group("hmo-uno", "", "6621000001");
    let r = load(&[("a.toml", REGION), ("b.toml", &g)]).unwrap();
    assert_eq!(
        r.summary(),
        "1 región, 1 grupo (1 vecinal, 0 escolares, 0 empresariales), 1 integrante, 1 coordinador"
    );
}

#[test]
fn syntax_errors_and_unknown_keys_point_at_their_line() {
    let bad_syntax = "[[region]]\nid = \"x\"\nname = \n";
    let unknown = format!("{REGION}colour = \"red\"\n");
    let errs = errors(&[("a.toml", bad_syntax), ("b.toml", &unknown)]);
    assert_eq!(errs.len(), 2, "{}", RegistryErrors(errs.clone()));
    assert_eq!((errs[0].file.as_str(), errs[0].line), ("a.toml", 3));
    assert!(errs[0].message.starts_with("TOML inválido"));
    assert_eq!(
        (errs[1].file.as_str(), errs[1].line),
        ("b.toml", line_of(&unknown, "colour"))
    );
    assert!(errs[1].message.contains("colour"));
    assert_eq!(
        errs[0].to_string(),
        format!("a.toml:3: {}", errs[0].message)
    );
}

#[test]
fn semantic_errors_are_all_collected_in_file_order() {
    let regions = format!(
        "{REGION}\n[[region]]\nid = \"son-centro\"\nname = \"Otra\"\nstate = \"Sonora\"\n\
         time_zone = \"Mars/Olympus\"\nmunicipalities = [\"Ures\"]\n\n\
         [[region.coordinator]]\nid = \"son-centro-patrulla-1\"\nname = \"Sin contacto\"\nroles = []\n\n\
         [[region]]\nid = \"son-norte\"\nname = \"Norte\"\nstate = \"SON\"\n\
         time_zone = \"America/Hermosillo\"\nmunicipalities = [\"Carbó\"]\n"
    );
    let groups = [
        group("hmo-uno", "group_id = \"ABC\"", "6621000001"),
        group("hmo-uno", "", "6621000002"),
        group("hmo-dos", "group_id = \"ABC\"", "+52 662 100 0001"),
        group("hmo-tres", "", "6621000003").replace("\"Hermosillo\"", "\"Cajeme\""),
        group("hmo-cuatro", "", "6621000004").replace("[\"Centro\"]", "[]"),
        "[[group]]\nid = \"Hmo_Cinco\"\nname = \"G\"\nkind = \"vecinal\"\nregion = \"son-centro\"\n\
         municipality = \"Hermosillo\"\ncolonias = [\"Centro\"]\n"
            .to_owned(),
    ]
    .concat();
    let errs = errors(&[("regions.toml", &regions), ("groups.toml", &groups)]);
    let got: Vec<(&str, usize, &str)> = errs
        .iter()
        .map(|e| (e.file.as_str(), e.line, e.message.as_str()))
        .collect();
    let at = |needle: &str, nth: usize| {
        groups
            .lines()
            .enumerate()
            .filter(|(_, l)| l.contains(needle))
            .nth(nth)
            .unwrap()
            .0
            + 1
    };
    let expect = [
        (
            "regions.toml",
            line_of(&regions, "name = \"Otra\"") - 1,
            "región «son-centro» duplicada",
        ),
        (
            "regions.toml",
            line_of(&regions, "Sonora"),
            "clave de estado",
        ),
        ("regions.toml", line_of(&regions, "Mars"), "zona horaria"),
        (
            "regions.toml",
            line_of(&regions, "roles = []") - 2,
            "coordinador «son-centro-patrulla-1» duplicado",
        ),
        (
            "regions.toml",
            line_of(&regions, "Sin contacto"),
            "no tiene teléfono ni BSUID",
        ),
        (
            "regions.toml",
            line_of(&regions, "roles = []"),
            "no tiene roles",
        ),
        (
            "regions.toml",
            line_of(&regions, "[\"Carbó\"]"),
            "el municipio «Carbó» ya pertenece a la región «son-centro» (línea 6)",
        ),
        (
            "groups.toml",
            at("id = \"hmo-uno\"", 1),
            "grupo «hmo-uno» duplicado",
        ),
        (
            "groups.toml",
            at("group_id", 1),
            "group_id de Cloud API duplicado",
        ),
        (
            "groups.toml",
            at("+52 662 100 0001", 0),
            "teléfono duplicado",
        ),
        (
            "groups.toml",
            at("\"Cajeme\"", 0),
            "no pertenece a la región",
        ),
        ("groups.toml", at("colonias = []", 0), "no tiene colonias"),
        (
            "groups.toml",
            at("Hmo_Cinco", 0),
            "id de grupo «Hmo_Cinco» inválido",
        ),
        ("groups.toml", at("Hmo_Cinco", 0), "no tiene integrantes"),
    ];
    assert_eq!(got.len(), expect.len(), "{}", RegistryErrors(errs.clone()));
    for ((file, line, message), (efile, eline, prefix)) in got.iter().zip(expect) {
        assert_eq!((*file, *line), (efile, eline), "{message}");
        assert!(
            message.contains(prefix),
            "{message:?} should contain {prefix:?}"
        );
    }
}

#[test]
fn duplicate_bsuid_between_member_and_coordinator_is_rejected() {
    let region = REGION.replace("roles", "bsuid = \"MX.1234567890\"\nroles");
    let g = group("hmo-uno", "", "6621000001").replace(
        "role = \"enlace\"",
        "bsuid = \"MX.1234567890\"\nrole = \"enlace\"",
    );
    let errs = errors(&[("r.toml", &region), ("g.toml", &g)]);
    assert_eq!(errs.len(), 1);
    assert!(errs[0].message.contains("BSUID duplicado") && errs[0].message.contains("r.toml:"));
    assert_eq!(errs[0].line, line_of(&g, "MX.1234567890"));
}

#[test]
fn region_with_groups_needs_a_patrol_coordinator() {
    let region = REGION.replace("[\"patrol\"]", "[\"prevention\", \"supervisor\"]");
    let g = group("hmo-uno", "", "6621000001");
    let errs = errors(&[("r.toml", &region), ("g.toml", &g)]);
    assert_eq!(errs.len(), 1);
    assert_eq!((errs[0].file.as_str(), errs[0].line), ("r.toml", 2));
    assert!(errs[0]
        .message
        .contains("ningún coordinador con rol patrol"));
}

#[test]
fn references_are_not_checked_when_a_file_does_not_parse() {
    let g = group("hmo-uno", "", "6621000001");
    let errs = errors(&[("a.toml", "[[region]\n"), ("b.toml", &g)]);
    assert_eq!(errs.len(), 1, "{}", RegistryErrors(errs.clone()));
    assert_eq!((errs[0].file.as_str(), errs[0].line), ("a.toml", 1));
}

#[test]
fn empty_and_unreadable_registries_are_errors() {
    let errs = errors(&[("a.toml", "# nada\n")]);
    assert!(errs[0].message.contains("ninguna región"));
    assert!(load(&[]).is_err());
    let missing = crate_path("fixtures/registry/no-such-dir");
    let errs = Registry::load_dir(&missing).unwrap_err();
    assert_eq!(errs.len(), 1);
    assert_eq!(errs.0[0].line, 0);
    assert!(errs
        .to_string()
        .starts_with(&format!("{}:0: ", missing.display())));
    let not_a_registry = crate_path("src");
    assert!(Registry::load_dir(&not_a_registry).is_err());
}
