//! The deployment files in deploy/ stay true to the binary: the subcommands they run exist
//! with those flags, the variables they set are ones the configuration reads, and the
//! systemd unit passes `systemd-analyze verify` (nginx: `deploy_nginx.rs`).

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Command;

use alerta::config::Config;
use regex::Regex;

use crate::helpers::repo_path;

pub fn read(rel: &str) -> String {
    std::fs::read_to_string(repo_path(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Runs `alerta ARGS --help`: clap rejects an unknown subcommand or flag before printing help.
fn assert_command_exists(args: &[String], origin: &str) {
    let out = Command::new(env!("CARGO_BIN_EXE_alerta"))
        .args(args)
        .arg("--help")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{origin}: `alerta {}` is not a valid command: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every environment variable the configuration consults (including each secret's `_FILE`).
fn variables_the_config_reads() -> BTreeSet<String> {
    let seen = RefCell::new(BTreeSet::new());
    Config::load_with(|key| {
        seen.borrow_mut().insert(key.to_owned());
        None
    })
    .unwrap();
    seen.into_inner()
}

fn assert_known_variables(names: &BTreeSet<String>, origin: &str) {
    let known = variables_the_config_reads();
    assert!(!names.is_empty(), "{origin}: no variables found");
    let unknown: Vec<&String> = names.difference(&known).collect();
    assert!(
        unknown.is_empty(),
        "{origin} sets {unknown:?}, which the configuration never reads"
    );
}

/// A Dockerfile instruction with its continuation lines (instructions start at column 0;
/// continuation lines are indented).
fn instruction(dockerfile: &str, name: &str) -> String {
    let mut lines = dockerfile
        .lines()
        .skip_while(|l| !l.starts_with(&format!("{name} ")));
    let mut text = String::new();
    for line in lines.by_ref() {
        text.push_str(line.trim_end_matches('\\'));
        text.push('\n');
        if !line.ends_with('\\') {
            break;
        }
    }
    assert!(!text.is_empty(), "no {name} in the Dockerfile");
    text
}

/// The image's ENV, name → value.
fn dockerfile_env() -> BTreeMap<String, String> {
    instruction(&read("deploy/Dockerfile"), "ENV")["ENV ".len()..]
        .split_whitespace()
        .filter_map(|pair| pair.split_once('='))
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect()
}

#[test]
fn the_dockerfile_runs_real_subcommands_and_sets_real_variables() {
    let dockerfile = read("deploy/Dockerfile");
    let instruction = |name: &str| instruction(&dockerfile, name);
    let exec_form = |text: &str| -> Vec<String> {
        let array = &text[text.find('[').expect("exec form")..];
        serde_json::from_str(array.trim()).unwrap()
    };
    // HEALTHCHECK runs its own command, without the ENTRYPOINT.
    let health = exec_form(&instruction("HEALTHCHECK"));
    assert_eq!(health[..2], ["alerta", "healthcheck"]);
    assert_command_exists(&health[1..], "HEALTHCHECK");

    assert_eq!(exec_form(&instruction("ENTRYPOINT")), ["alerta"]);
    assert_command_exists(&exec_form(&instruction("CMD")), "CMD");

    let names: BTreeSet<String> = dockerfile_env().into_keys().collect();
    assert!(names.contains("ALERTA_BIND"), "{names:?}");
    assert_known_variables(&names, "the Dockerfile");
    for needed in [
        "USER 10001",
        "VOLUME [\"/app/data\"]",
        "EXPOSE 8080",
        "COPY config/",
    ] {
        assert!(
            dockerfile.contains(needed),
            "the Dockerfile lacks {needed:?}"
        );
    }
}

#[test]
fn the_systemd_unit_runs_real_subcommands_sets_real_variables_and_verifies() {
    let unit = read("deploy/alerta.service");
    let mut execs = 0;
    for line in unit.lines() {
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        if key.starts_with("Exec") {
            let words: Vec<String> = value.split_whitespace().map(str::to_owned).collect();
            assert_eq!(words[0], "/usr/local/bin/alerta", "{line}");
            assert_command_exists(&words[1..], key);
            execs += 1;
        }
    }
    assert!(execs >= 3, "ExecStartPre, ExecStart and ExecStartPost");
    assert!(unit.contains("ExecStartPre=/usr/local/bin/alerta check-config"));
    let names: BTreeSet<String> = unit
        .lines()
        .filter_map(|l| l.strip_prefix("Environment="))
        .filter_map(|v| v.split_once('=').map(|(name, _)| name.to_owned()))
        .collect();
    assert_known_variables(&names, "deploy/alerta.service");
    // Its environment file, including the commented-out alternatives.
    let env_file: BTreeSet<String> = read("deploy/alerta.env")
        .lines()
        .map(|l| l.trim_start_matches("# "))
        .filter_map(|l| l.split_once('='))
        .map(|(name, _)| name.to_owned())
        .filter(|name| {
            !name.contains(' ') && name.chars().all(|c| c.is_ascii_uppercase() || c == '_')
        })
        .collect();
    assert!(env_file.contains("DATABASE_URL_FILE"), "{env_file:?}");
    assert_known_variables(&env_file, "deploy/alerta.env");

    verify_unit(&unit);
}

/// `systemd-analyze verify` on the unit, with ExecStart pointing at the binary under test
/// (it checks that every command is executable). Required in CI, skipped elsewhere if absent.
fn verify_unit(unit: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path: PathBuf = dir.path().join("alerta.service");
    std::fs::write(
        &path,
        unit.replace("/usr/local/bin/alerta", env!("CARGO_BIN_EXE_alerta")),
    )
    .unwrap();
    let out = match Command::new("systemd-analyze")
        .arg("verify")
        .arg(&path)
        .env("SYSTEMD_LOG_COLOR", "0")
        .output()
    {
        Ok(out) => out,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true but systemd-analyze is missing (.ci/run installs systemd)"
            );
            eprintln!("systemd-analyze not installed: skipping the unit's verification");
            return;
        }
        Err(e) => panic!("systemd-analyze: {e}"),
    };
    let complaints = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && complaints.trim().is_empty(),
        "systemd-analyze verify: {complaints}"
    );
}

/// Environment of the services built from the alerta image, as name → value.
fn compose_alerta_variables(compose: &str) -> BTreeMap<String, String> {
    let service = Regex::new(r"^(?:  )?([a-z][\w.-]*):\s*(?:&\S+)?\s*$").unwrap();
    let variable = Regex::new(r"^\s{4,}([A-Z][A-Z0-9_]*):\s*(.*)$").unwrap();
    let mut current = String::new();
    let mut names = BTreeMap::new();
    for line in compose.lines() {
        if let Some(c) = service.captures(line) {
            current = c[1].to_owned();
        } else if let Some(c) = variable.captures(line) {
            if current == "x-alerta" || current.starts_with("alerta-") {
                names.insert(c[1].to_owned(), c[2].trim_matches('"').to_owned());
            }
        }
    }
    names
}

#[test]
fn compose_sets_only_variables_the_config_reads_and_its_overlay_loads() {
    let compose = read("deploy/compose.yaml");
    let vars = compose_alerta_variables(&compose);
    let names: BTreeSet<String> = vars.keys().cloned().collect();
    assert!(names.contains("WHATSAPP_APP_SECRET_FILE"), "{names:?}");
    assert_known_variables(&names, "deploy/compose.yaml");
    assert!(compose.contains("alerta-1:") && compose.contains("alerta-2:"));

    // The overlay it mounts as ALERTA_CONFIG is a valid configuration.
    let overlay = repo_path("deploy/alerta.compose.toml")
        .display()
        .to_string();
    let config = Config::load_with(|k| (k == "ALERTA_CONFIG").then(|| overlay.clone()))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.web.trusted_proxies, ["172.28.0.10"]);
    assert!(compose.contains("ipv4_address: 172.28.0.10"));

    // What a replica loads: the image's ENV under compose's environment, with the mounted
    // files at their places in the repository. Empty means unset, as in Config::load.
    let mut effective = dockerfile_env();
    effective.extend(vars);
    let effective: BTreeMap<String, String> = effective
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| {
            let v = match v.strip_prefix("/run/secrets/") {
                Some(name) => repo_path(&format!("deploy/secrets/{name}.dev"))
                    .display()
                    .to_string(),
                None if v == "/etc/alerta/alerta.toml" => overlay.clone(),
                None => v,
            };
            (k, v)
        })
        .collect();
    let replica =
        Config::load_with(|k| effective.get(k).cloned()).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        replica.database_url.starts_with("postgres://alerta:"),
        "{}",
        replica.database_url
    );
    assert!(replica.whatsapp.app_secret.is_some() && replica.pseudonym_key.is_some());
    assert_eq!(replica.bind.port(), 8080);

    // Every secret file it names exists and has content.
    let secret_file = Regex::new(r"file: \./(secrets/\S+)").unwrap();
    let mut secrets = 0;
    for c in secret_file.captures_iter(&compose) {
        let text = read(&format!("deploy/{}", &c[1]));
        assert!(!text.trim().is_empty(), "{}", &c[1]);
        secrets += 1;
    }
    assert!(secrets >= 4);
}
