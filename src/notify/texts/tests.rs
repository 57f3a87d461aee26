//! Tests of `texts.rs`: the shipped texts, markers and their validation.

use super::*;

#[test]
fn builtin_texts_cover_every_purpose() {
    let r = Replies::builtin();
    let mut vars = Vars::new();
    vars.insert("folio", "SON-2026-000001".into());
    for p in PURPOSES {
        assert!(r.text(p, None, &vars).is_some(), "{p}");
    }
    assert!(r
        .text("reply_ack", None, &vars)
        .unwrap()
        .contains("SON-2026-000001"));
    assert!(r
        .text("reply_unregistered", Some("emergency"), &vars)
        .unwrap()
        .contains("9-1-1"));
    for p in PURPOSES {
        assert!(r.template(p, None, &vars).is_some(), "{p} has a template");
    }
    let Some(Content::Template { name, params, .. }) =
        r.template("reply_follow_up", Some("none"), &vars)
    else {
        panic!("a template")
    };
    assert_eq!((name.as_str(), params.len()), ("alerta_sin_solicitud", 0));
    let Some(Content::Template { params, .. }) = r.template("reply_ack", None, &vars) else {
        panic!("a template")
    };
    assert_eq!(params[1].value, "—", "an empty value is never sent empty");
}

#[test]
fn markers_are_filled_and_braces_survive() {
    let mut vars = Vars::new();
    vars.insert("folio", "X".into());
    assert_eq!(
        fill("a {folio} {nada} {Raro} {} {", &vars),
        "a X  {Raro} {} {"
    );
}

#[test]
fn missing_sections_and_unknown_keys_are_errors() {
    assert!(Replies::parse("[reply_tip]\ntext = \"x\"")
        .unwrap_err()
        .contains("falta"));
    let mut all: String = PURPOSES
        .iter()
        .map(|p| format!("[{p}]\ntext = \"x\"\n"))
        .collect();
    assert!(Replies::parse(&all).is_ok());
    let mut unknown_key = all.clone();
    unknown_key.push_str("[reply_ack]\ntexto = \"x\"\n");
    assert!(
        Replies::parse(&unknown_key.replacen("[reply_ack]\ntext = \"x\"\n", "", 1))
            .unwrap_err()
            .contains("texto")
    );
    all.push_str("[reply_ack2]\ntext = \"x\"\n");
    assert!(Replies::parse(&all).unwrap_err().contains("reply_ack2"));
}

#[test]
fn an_unknown_marker_is_an_error_with_its_line() {
    let mut source: String = PURPOSES
        .iter()
        .filter(|p| **p != "reply_ack")
        .map(|p| format!("[{p}]\ntext = \"x\"\n"))
        .collect();
    let line = source.lines().count() + 2;
    source.push_str("[reply_ack]\ntext = \"ok\"\ntext_x = \"Folio {folio}, región {regon}\"\n");
    let problems = Replies::parse_located(&source).unwrap_err();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].line, Some(line + 1));
    assert!(problems[0].message.contains("{regon}"), "{problems:?}");
    assert!(
        problems[0].message.contains("{region}"),
        "names the valid ones"
    );
    // A template table is no longer configured here: the catalogue holds them.
    let with_template = source.replace("{regon}", "{region}") + "";
    assert!(Replies::parse(&with_template).is_ok());
    let mut old = with_template.clone();
    old.push_str("[privacy_notice]\ntext = \"x\"\ntemplate = { name = \"a\", language = \"es_MX\", params = [] }\n");
    let old = old.replacen("[privacy_notice]\ntext = \"x\"\n", "", 1);
    assert!(Replies::parse(&old).unwrap_err().contains("catálogo"));
}

#[test]
fn the_shipped_file_validates_with_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("replies.toml");
    std::fs::write(
        &path,
        BUILTIN.replace("{folio}. La región", "{folo}. La región"),
    )
    .unwrap();
    let err = Replies::load(&path).unwrap_err();
    assert!(err.starts_with(&format!("{}:", path.display())), "{err}");
    assert!(err.contains("{folo}"), "{err}");
}
