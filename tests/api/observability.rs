//! The signals shipped in deploy/ stay true to the binary: the Prometheus alert rules pass
//! their `promtool` unit tests, and every metric the rules, their tests and the Grafana
//! dashboard name is one the app exports (and the README documents).

use std::collections::BTreeSet;
use std::process::Command;

use regex::Regex;

use crate::deploy_files::read;
use crate::helpers::{repo_path, text_webhook, Backend, TestApp};

/// `promtool` from PATH; `None` (the test skips) when absent, unless CI=true, where a
/// missing promtool is a failure (`.ci/run` installs Debian's prometheus package).
fn promtool() -> Option<&'static str> {
    let found = Command::new("promtool").arg("--version").output().is_ok();
    if !found {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "promtool is missing under CI=true (apt-get install prometheus)"
        );
        eprintln!("skipping: promtool not installed");
        return None;
    }
    Some("promtool")
}

#[test]
fn alert_rules_pass_their_promtool_unit_tests() {
    let Some(promtool) = promtool() else { return };
    let dir = repo_path("deploy/prometheus");
    for args in [
        &["check", "rules", "alerts.yml"][..],
        &["test", "rules", "alerts_test.yml"][..],
    ] {
        let out = Command::new(promtool)
            .args(args)
            .current_dir(&dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "promtool {}:\n{}{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Every sample name a scrape may carry: each family, and a histogram's three series.
fn exported(scrape: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for line in scrape.lines() {
        let mut words = line.split_whitespace();
        if let (Some("#"), Some("TYPE"), Some(name), Some(kind)) =
            (words.next(), words.next(), words.next(), words.next())
        {
            names.insert(name.to_owned());
            if kind == "histogram" {
                for suffix in ["_bucket", "_sum", "_count"] {
                    names.insert(format!("{name}{suffix}"));
                }
            }
        }
    }
    names
}

fn referenced(text: &str) -> BTreeSet<String> {
    let re = Regex::new(r"\balerta_[a-z0-9_]+").unwrap();
    re.find_iter(text).map(|m| m.as_str().to_owned()).collect()
}

#[tokio::test]
async fn every_metric_the_rules_and_dashboard_use_is_exported_and_documented() {
    let app = TestApp::new(Backend::Sqlite).await;
    let body = text_webhook(
        "wamid.observability",
        Some("5216621000301"),
        None,
        None,
        "pueden mandar rondines por la escuela en la salida",
    );
    app.post_signed(&body).await;
    let (status, scrape) = app.metrics().await;
    assert_eq!(status, 200);
    let exported = exported(&scrape);
    for family in [
        "alerta_build_info",
        "alerta_sending_paused",
        "alerta_http_requests_total",
        "alerta_http_request_seconds",
        "alerta_db_pool_connections",
        "alerta_writer_group_size",
        "alerta_writer_commit_seconds",
        "alerta_writer_fsync_seconds",
        "alerta_media_failures_total",
        "alerta_event_streams",
        "alerta_retention_last_run_timestamp_seconds",
    ] {
        assert!(
            exported.contains(family),
            "{family} is not exported:\n{scrape}"
        );
    }
    for file in [
        "deploy/prometheus/alerts.yml",
        "deploy/prometheus/alerts_test.yml",
        "deploy/grafana/alerta.json",
    ] {
        let names = referenced(&read(file));
        assert!(!names.is_empty(), "{file} names no metric");
        let missing: Vec<&String> = names.difference(&exported).collect();
        assert!(
            missing.is_empty(),
            "{file} uses {missing:?}, which the app does not export"
        );
    }
    // Every family is in the README's metrics table, and nothing there is stale.
    let readme = read("README.md");
    let families: BTreeSet<String> = scrape
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_owned)
        .collect();
    for family in &families {
        assert!(
            readme.contains(&format!("`{family}")),
            "{family} is not documented in README.md"
        );
    }
    let table = readme
        .split("### Metrics")
        .nth(1)
        .and_then(|s| s.split("\n#").next())
        .expect("README has a Metrics section");
    let documented: BTreeSet<String> = Regex::new(r"`(alerta_[a-z0-9_]+)")
        .unwrap()
        .captures_iter(table)
        .map(|c| c[1].to_owned())
        .collect();
    let stale: Vec<&String> = documented.difference(&families).collect();
    assert!(stale.is_empty(), "README documents {stale:?}, not exported");
}

#[test]
fn the_dashboard_is_valid_json_on_the_provisioned_datasource() {
    let dash: serde_json::Value =
        serde_json::from_str(&read("deploy/grafana/alerta.json")).unwrap();
    let panels = dash["panels"].as_array().unwrap();
    assert!(panels.len() >= 10);
    let datasources = read("deploy/grafana/provisioning/datasources/prometheus.yaml");
    for p in panels {
        let uid = p["datasource"]["uid"].as_str().unwrap();
        assert!(
            datasources.contains(&format!("uid: {uid}")),
            "{}",
            p["title"]
        );
        assert!(
            !p["targets"].as_array().unwrap().is_empty(),
            "{}",
            p["title"]
        );
    }
    let compose = read("deploy/compose.yaml");
    assert!(compose.contains("./grafana/alerta.json:/var/lib/grafana/dashboards/alerta.json"));
    assert!(compose.contains("./prometheus/alerts.yml:/etc/prometheus/alerts.yml"));
    assert!(read("deploy/prometheus/prometheus.yml").contains("/etc/prometheus/alerts.yml"));
}
