//! `THIRD_PARTY_NOTICES.md` and `sbom.cdx.json` from an [`Inventory`]. Both are a pure
//! function of the lock file: sorted, with no timestamp or serial number that would change
//! from one run to the next.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{json, Value};

use super::inventory::{Inventory, Package};
use super::REGENERATE;

pub fn notices(inv: &Inventory) -> String {
    let mut by_licence: BTreeMap<&str, Vec<&Package>> = BTreeMap::new();
    for p in &inv.packages {
        by_licence.entry(&p.licence).or_default().push(p);
    }
    let dev = inv.packages.iter().filter(|p| p.dev_only).count();
    let mut out = String::new();
    let _ = write!(
        out,
        "# Third-party notices\n\n\
         {name} {version} is licensed under {licence} (`LICENSE`). It is built from the {total} \
         crates below: every package in `Cargo.lock`, grouped by the licence expression each \
         crate declares, with its repository, where its copyright notices and licence texts \
         are. {dev} of them, marked *(dev)*, are used only by the tests and benchmarks and are \
         not part of the binary. Where an expression offers a choice (`OR`), alerta uses the \
         crate under any one of the licences `deny.toml` allows.\n\n\
         Generated from `cargo metadata --locked`; do not edit by hand. After any dependency \
         change run `{REGENERATE}`.\n",
        name = inv.root.name,
        version = inv.root.version,
        licence = inv.root.licence,
        total = inv.packages.len(),
    );
    for (licence, packages) in &by_licence {
        let _ = write!(out, "\n## {licence} ({})\n\n", packages.len());
        for p in packages {
            let dev = if p.dev_only { " *(dev)*" } else { "" };
            let _ = writeln!(out, "- {} {}{dev}: <{}>", p.name, p.version, p.repository);
        }
    }
    out
}

pub fn sbom(inv: &Inventory) -> String {
    let root_ref = inv.root.purl();
    let components: Vec<Value> = inv.packages.iter().map(component).collect();
    let mut dependencies = vec![json!({
        "ref": root_ref,
        "dependsOn": inv.root.depends_on,
    })];
    dependencies.extend(inv.packages.iter().map(|p| {
        json!({
            "ref": p.purl(),
            "dependsOn": p.depends_on,
        })
    }));
    let bom = json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "version": 1,
        "metadata": {
            "component": {
                "type": "application",
                "bom-ref": root_ref,
                "name": inv.root.name,
                "version": inv.root.version,
                "purl": root_ref,
                "licenses": [{ "expression": inv.root.licence }],
            },
            "properties": [
                { "name": "cargo:lockfile:sha256", "value": inv.lock_sha256 },
                { "name": "cargo:regenerate", "value": REGENERATE },
            ],
        },
        "components": components,
        "dependencies": dependencies,
    });
    let mut text = serde_json::to_string_pretty(&bom).expect("SBOM serialises");
    text.push('\n');
    text
}

fn component(p: &Package) -> Value {
    let purl = p.purl();
    let mut c = json!({
        "type": "library",
        "bom-ref": purl,
        "name": p.name,
        "version": p.version,
        "purl": purl,
        "licenses": [{ "expression": p.licence }],
        "scope": if p.dev_only { "optional" } else { "required" },
        "externalReferences": [{ "type": "vcs", "url": p.repository }],
    });
    if !p.sha256.is_empty() {
        c["hashes"] = json!([{ "alg": "SHA-256", "content": p.sha256 }]);
    }
    c
}
