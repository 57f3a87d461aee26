//! Every package in `Cargo.lock` with what the notices and the SBOM say about it, read from
//! `cargo metadata --locked` (licence, repository, dependency edges) and from the lock file
//! itself (each crate's SHA-256).

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::Path;
use std::process::Command;

use serde_json::Value;
use sha2::{Digest, Sha256};

/// One package of the lock file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Package {
    pub name: String,
    pub version: String,
    /// The licence as an SPDX expression (crates still using the old `MIT/Apache-2.0`
    /// spelling are rewritten with `OR`, which is what the slash meant).
    pub licence: String,
    /// The crate's repository, else its homepage, else its crates.io page.
    pub repository: String,
    /// SHA-256 of the `.crate` file, as `Cargo.lock` records it.
    pub sha256: String,
    /// One of alerta's own workspace crates (`crates/…`): no registry, no checksum.
    pub first_party: bool,
    /// Reached from alerta only through a dev-dependency (tests, benchmarks): not built
    /// into the binary.
    pub dev_only: bool,
    /// purls of the packages this one depends on (any kind, any target).
    pub depends_on: BTreeSet<String>,
}

impl Package {
    pub fn purl(&self) -> String {
        purl(&self.name, &self.version)
    }
}

pub fn purl(name: &str, version: &str) -> String {
    format!("pkg:cargo/{name}@{version}")
}

/// The lock file's packages (alerta itself apart) and alerta's own entry.
pub struct Inventory {
    pub root: Package,
    pub packages: Vec<Package>,
    /// SHA-256 of `Cargo.lock` as committed: what the generated files were made from.
    pub lock_sha256: String,
}

pub fn read(repo: &Path) -> Inventory {
    let lock_text = std::fs::read_to_string(repo.join("Cargo.lock")).expect("Cargo.lock");
    let lock_sha256 = hex::encode(Sha256::digest(lock_text.as_bytes()));
    let checksums = lock_checksums(&lock_text);

    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["metadata", "--locked", "--format-version", "1"])
        .current_dir(repo)
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "cargo metadata --locked failed (is Cargo.lock up to date with Cargo.toml?): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: Value = serde_json::from_slice(&out.stdout).expect("cargo metadata JSON");

    // Package ids carry local paths for alerta itself; everything written uses purls.
    let mut by_id: BTreeMap<String, Package> = BTreeMap::new();
    for p in meta["packages"].as_array().expect("packages") {
        let name = p["name"].as_str().unwrap().to_owned();
        let version = p["version"].as_str().unwrap().to_owned();
        let source = p["source"].as_str();
        assert!(
            source.is_none()
                || source == Some("registry+https://github.com/rust-lang/crates.io-index"),
            "{name} {version} comes from {source:?}; deny.toml accepts crates.io only"
        );
        let licence = spdx(p["license"].as_str().unwrap_or_else(|| {
            panic!("{name} {version} declares no licence expression; review it by hand")
        }));
        let first_party = source.is_none();
        let repository = if first_party {
            // A workspace member: its code is in this repository, under alerta's licence.
            let manifest = p["manifest_path"].as_str().unwrap_or_default();
            let dir = std::path::Path::new(manifest)
                .parent()
                .and_then(|d| d.strip_prefix(repo).ok())
                .map(|d| d.display().to_string())
                .unwrap_or_default();
            format!("this repository, `{dir}`")
        } else {
            p["repository"]
                .as_str()
                .or(p["homepage"].as_str())
                .map(str::to_owned)
                .unwrap_or_else(|| format!("https://crates.io/crates/{name}"))
        };
        let sha256 = checksums
            .get(&(name.clone(), version.clone()))
            .cloned()
            .unwrap_or_default();
        by_id.insert(
            p["id"].as_str().unwrap().to_owned(),
            Package {
                name,
                version,
                licence,
                repository,
                sha256,
                first_party,
                dev_only: false,
                depends_on: BTreeSet::new(),
            },
        );
    }

    let resolve = &meta["resolve"];
    let root_id = resolve["root"].as_str().expect("a root package").to_owned();
    // Edges by kind: the binary is what alerta reaches through normal and build edges.
    let mut shipped_edges: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for node in resolve["nodes"].as_array().expect("nodes") {
        let id = node["id"].as_str().unwrap().to_owned();
        let mut purls = BTreeSet::new();
        for dep in node["deps"].as_array().unwrap() {
            let pkg = dep["pkg"].as_str().unwrap().to_owned();
            purls.insert(by_id[&pkg].purl());
            let shipped = dep["dep_kinds"]
                .as_array()
                .unwrap()
                .iter()
                .any(|k| k["kind"].as_str() != Some("dev"));
            if shipped {
                shipped_edges.entry(id.clone()).or_default().push(pkg);
            }
        }
        by_id.get_mut(&id).unwrap().depends_on = purls;
    }
    let mut shipped = BTreeSet::from([root_id.clone()]);
    let mut queue = VecDeque::from([root_id.clone()]);
    while let Some(id) = queue.pop_front() {
        for next in shipped_edges.get(&id).into_iter().flatten() {
            if shipped.insert(next.clone()) {
                queue.push_back(next.clone());
            }
        }
    }
    for (id, p) in by_id.iter_mut() {
        p.dev_only = !shipped.contains(id);
    }

    let root = by_id.remove(&root_id).unwrap();
    let mut packages: Vec<Package> = by_id.into_values().collect();
    packages.sort();
    assert_eq!(
        packages.len() + 1,
        lock_text.matches("[[package]]").count(),
        "cargo metadata and Cargo.lock list different packages"
    );
    Inventory {
        root,
        packages,
        lock_sha256,
    }
}

/// (name, version) → checksum for every registry package of the lock file.
fn lock_checksums(lock_text: &str) -> BTreeMap<(String, String), String> {
    let lock: toml::Value = toml::from_str(lock_text).expect("Cargo.lock is TOML");
    lock["package"]
        .as_array()
        .expect("[[package]] entries")
        .iter()
        .filter_map(|p| {
            let sum = p.get("checksum")?.as_str()?.to_owned();
            let name = p["name"].as_str()?.to_owned();
            let version = p["version"].as_str()?.to_owned();
            Some(((name, version), sum))
        })
        .collect()
}

/// The `license` field as an SPDX expression: the deprecated `/` separator means `OR`.
pub fn spdx(licence: &str) -> String {
    licence
        .split('/')
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" OR ")
}
