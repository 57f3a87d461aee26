//! The command-line interface as operators and scripts use it.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use crate::helpers::repo_path;

fn alerta(args: &[&str], env: &[(&str, &str)], stdin: &[u8]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_alerta"));
    cmd.args(args)
        .current_dir(repo_path(""))
        .env_remove("ALERTA_CONFIG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn classify_answers_every_line_in_order_and_never_crashes() {
    let mut input = Vec::new();
    input.extend_from_slice("se estan metiendo a robar a la casa de enfrente ahorita\n".as_bytes());
    input.extend_from_slice(br#"{"id": 7, "text": "pueden mandar rondines en la noche xfa"}"#);
    input.extend_from_slice(b"\n{not json\n");
    input.extend_from_slice(b"{\"id\": 8}\n");
    input.extend_from_slice(b"\xff\xfe invalid utf-8\n");
    input.extend_from_slice(b"\n");
    input.extend_from_slice("🚨🚨🚨".as_bytes());
    let out = alerta(&["classify"], &[], &input);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lines: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 7);
    assert_eq!(lines[0]["category"], "emergency_911");
    assert_eq!(lines[0]["priority"], "critical");
    assert_eq!(lines[1]["id"], 7);
    assert_eq!(lines[1]["category"], "patrol");
    for l in &lines[..2] {
        let c = l["confidence"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&c));
        assert!(l["rules"].as_array().is_some_and(|r| !r.is_empty()));
        assert!(l["needs_review"].is_boolean());
        let p = l["emergency_probability"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&p));
    }
    // The 9-1-1 reply goes with the emergency, and not with a calm patrol request.
    assert_eq!(lines[0]["emergency_reply"], true);
    assert!(lines[0]["emergency_probability"].as_f64().unwrap() > 0.5);
    assert_eq!(lines[1]["emergency_reply"], false);
    for i in [5, 6] {
        assert!(lines[i]["emergency_reply"].is_boolean(), "line {i}");
    }
    for i in [2, 3, 4] {
        assert!(lines[i]["error"].is_string(), "line {i}: {}", lines[i]);
    }
    assert!(
        lines[5]["category"].is_string(),
        "an empty line is still answered"
    );
    assert!(lines[6]["category"].is_string());
}

#[test]
fn check_config_accepts_the_default_and_names_file_and_line_of_each_problem() {
    let ok = alerta(&["check-config"], &[("WHATSAPP_APP_SECRET", "x")], b"");
    assert!(ok.status.success(), "{}", text(&ok.stderr));
    assert!(
        text(&ok.stdout).contains("43 grupos"),
        "{}",
        text(&ok.stdout)
    );

    let broken = alerta(
        &["check-config"],
        &[
            ("WHATSAPP_APP_SECRET", "x"),
            ("ALERTA_REGISTRY_DIR", "fixtures/registry/broken"),
        ],
        b"",
    );
    assert!(!broken.status.success());
    let err = text(&broken.stderr);
    let located = err
        .lines()
        .filter(|l| {
            l.starts_with("fixtures/registry/broken/")
                && l.split(':')
                    .nth(1)
                    .is_some_and(|n| n.parse::<usize>().is_ok_and(|n| n > 0))
        })
        .count();
    assert!(
        located >= 4,
        "four problems with file:line expected:\n{err}"
    );

    let slp = alerta(
        &["check-config"],
        &[
            ("WHATSAPP_APP_SECRET", "x"),
            ("ALERTA_REGISTRY_DIR", "fixtures/registry/slp"),
        ],
        b"",
    );
    assert!(slp.status.success(), "{}", text(&slp.stderr));
}

#[test]
fn check_config_names_file_and_line_of_an_unknown_marker_in_the_replies() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("replies.toml");
    let shipped =
        std::fs::read_to_string(crate::helpers::repo_path("config/replies.toml")).unwrap();
    let broken = shipped.replacen("La región {region}", "La región {regoin}", 1);
    assert_ne!(broken, shipped);
    std::fs::write(&path, &broken).unwrap();
    let line = broken.lines().position(|l| l.contains("{regoin}")).unwrap() + 1;
    let out = alerta(
        &["check-config"],
        &[
            ("WHATSAPP_APP_SECRET", "x"),
            ("ALERTA_REPLIES", path.to_str().unwrap()),
        ],
        b"",
    );
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!("{}:{line}:", path.display())) && err.contains("{regoin}"),
        "{err}"
    );
}

#[test]
fn registry_dump_is_one_json_document() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("t.db").display());
    let out = alerta(&["registry", "dump"], &[("DATABASE_URL", &db)], b"");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let groups = v["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 43);
    let seris = groups
        .iter()
        .find(|g| g["id"] == "hmo-villa-de-seris")
        .unwrap();
    assert_eq!(seris["group_id"], "Y2FwaV9ncm91cDpBTEVSVEEtSE1PLVZTLTAwMQ");
    assert_eq!(v["regions"].as_array().unwrap().len(), 10);
}

#[test]
fn triage_eval_meets_the_thresholds_on_the_test_split() {
    let files: Vec<String> = std::fs::read_dir(repo_path("fixtures/triage/test"))
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .collect();
    let mut args = vec!["triage", "eval"];
    args.extend(files.iter().map(String::as_str));
    let out = alerta(&args, &[], b"");
    assert!(
        out.status.success(),
        "{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(text(&out.stdout).contains("umbrales: OK"));
}

/// The shipped model is exactly what `alerta triage train` makes of the training corpora
/// (dev and train, never test or sealed): nobody edits it by hand, and anyone can rebuild it.
#[test]
fn the_shipped_model_is_rebuilt_from_the_training_corpora() {
    let mut files = Vec::new();
    for split in ["fixtures/triage/dev", "fixtures/triage/train"] {
        let mut in_split: Vec<String> = std::fs::read_dir(repo_path(split))
            .unwrap()
            .map(|e| e.unwrap().path().display().to_string())
            .collect();
        in_split.sort();
        files.extend(in_split);
    }
    let mut args = vec!["triage", "train"];
    args.extend(files.iter().map(String::as_str));
    let out = alerta(&args, &[], b"");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let shipped = std::fs::read(repo_path("config/triage/model.tsv")).unwrap();
    assert!(
        out.stdout == shipped,
        "config/triage/model.tsv differs from a fresh training run: rebuild it with \
         alerta triage train fixtures/triage/dev/*.jsonl fixtures/triage/train/*.jsonl \
         --out config/triage/model.tsv"
    );
}

/// A member list as a coordinator keeps it: row 3 has a phone that cannot be a number.
const MEMBERS_CSV: &str = "grupo,nombre,telefono,rol
hmo-villa-de-seris,María Guadalupe Ruiz Peña,+526621000101,enlace
hmo-villa-de-seris,Ana Sofía Moreno Lugo,662-17,miembro
hmo-villa-de-seris,José Ángel Valenzuela Soto,+526621000102,miembro
";

#[test]
fn a_member_import_with_one_bad_row_changes_nothing_and_names_the_row() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("t.db").display());
    let env = [("DATABASE_URL", db.as_str())];
    let csv = dir.path().join("integrantes.csv");
    std::fs::write(&csv, MEMBERS_CSV).unwrap();
    let path = csv.display().to_string();
    let dump = || text(&alerta(&["registry", "dump", "--format", "toml"], &env, b"").stdout);
    let before = dump();
    assert!(before.contains("[[group]]"), "{before}");

    let out = alerta(&["registry", "import", &path], &env, b"");
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!("{path}:3: teléfono inválido")),
        "{err}"
    );
    assert!(err.contains("no se cambió nada"), "{err}");
    assert_eq!(dump(), before, "a failed import changed the registry");

    // Fixed, a dry run shows the change and still changes nothing.
    std::fs::write(&csv, MEMBERS_CSV.replace("662-17", "+526621777701")).unwrap();
    let out = alerta(&["registry", "import", "--dry-run", &path], &env, b"");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let diff = text(&out.stdout);
    assert!(
        diff.contains("+ integrante «Ana Sofía Moreno Lugo»"),
        "{diff}"
    );
    assert!(
        !diff.contains("6621777701"),
        "phones are masked in the diff: {diff}"
    );
    assert_eq!(dump(), before);

    let out = alerta(&["registry", "import", &path], &env, b"");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let after = dump();
    assert!(after.contains("Ana Sofía Moreno Lugo"));
    // The group's other members were not in the list: the list is the group's members now.
    assert!(!after.contains("+526621000103"));

    // The XLSX export goes back in unchanged.
    let xlsx = dir.path().join("integrantes.xlsx");
    let xlsx_path = xlsx.display().to_string();
    let out = alerta(&["registry", "dump", "--xlsx", &xlsx_path], &env, b"");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = alerta(&["registry", "import", "--dry-run", &xlsx_path], &env, b"");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("sin cambios"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn a_toml_import_reports_file_and_line_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("t.db").display());
    let env = [("DATABASE_URL", db.as_str())];
    let file = dir.path().join("grupos.toml");
    let toml = r#"[[group]]
id = "grupo-de-prueba-importado"
name = "Comité Nuevo"
kind = "vecinal"
region = "son-centro"
municipality = "Hermosillo"
colonias = ["Centro"]

[[group.member]]
name = "Ana"
phone = "+526621777701"
role = "enlace"

[[group.member]]
name = "Beto"
phone = "+526621777701"
role = "miembro"
"#;
    std::fs::write(&file, toml).unwrap();
    let path = file.display().to_string();
    let out = alerta(&["registry", "import", &path], &env, b"");
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains(&format!("{path}:16:")), "{err}");
    let dump = text(&alerta(&["registry", "dump"], &env, b"").stdout);
    assert!(!dump.contains("grupo-de-prueba-importado"));
}

/// With the shipped vectors the semantic pass is on: the version says so and the reasons
/// name the nearest labelled examples. Without them (absent or damaged) `classify` warns
/// loudly and still answers every line with the regression that does not read them.
#[test]
fn classify_names_near_examples_and_runs_without_the_vectors() {
    let input = "hay un señor tirado en la banqueta golpeado, todavia respira\n".as_bytes();
    let near = |l: &serde_json::Value| {
        l["rules"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r.as_str().unwrap().starts_with("parecido a "))
            .count()
    };
    let on = alerta(&["classify"], &[], input);
    assert!(on.status.success(), "{}", text(&on.stderr));
    assert!(!text(&on.stderr).contains("AVISO"), "{}", text(&on.stderr));
    let line: serde_json::Value = serde_json::from_str(text(&on.stdout).trim()).unwrap();
    assert_eq!(near(&line), 3, "{line}");
    assert!(text(&on.stdout).contains("similitud 0."), "{line}");
    assert_eq!(line["emergency_reply"], true, "{line}");

    let broken = std::env::temp_dir().join(format!("alerta-vectors-{}.bin", std::process::id()));
    std::fs::write(&broken, b"ALRTVEC1\x40\x00").unwrap();
    for path in ["/nonexistent/vectors.bin", broken.to_str().unwrap()] {
        let off = alerta(&["classify"], &[("ALERTA_TRIAGE_VECTORS", path)], input);
        assert!(off.status.success(), "{}", text(&off.stderr));
        assert!(
            text(&off.stderr).contains("AVISO: sin vectores semánticos"),
            "{}",
            text(&off.stderr)
        );
        let line: serde_json::Value = serde_json::from_str(text(&off.stdout).trim()).unwrap();
        assert_eq!(near(&line), 0, "{line}");
        assert!(line["category"].is_string() && line["emergency_probability"].is_number());
    }
    let check = alerta(&["check-config"], &[], b"");
    assert!(
        text(&check.stdout).contains("rules+nb+lr+e5-"),
        "{}",
        text(&check.stdout)
    );
    std::fs::remove_file(broken).ok();
}
