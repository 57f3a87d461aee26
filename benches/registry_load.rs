//! Loading the stored registry into memory: 1,000 groups and 25,000 members (the size of
//! Chihuahua's programme) read from the database, validated and indexed, as every replica
//! does at start and after each change. The bound is one second.
//!
//! `cargo bench --bench registry_load` — knobs: REGISTRY_BENCH_GROUPS (1000),
//! REGISTRY_BENCH_MEMBERS (25 per group), REGISTRY_BENCH_RUNS (5) and
//! REGISTRY_BENCH_DATABASE_URL (e.g. a fresh PostgreSQL database; SQLite in a temporary file
//! by default).

use std::time::Instant;

use alerta::registry::{Coordinator, Group, GroupKind, Member, MemberRole, Phone, Registry};
use alerta::store::{self, StoreOptions};

fn env_or(key: &str, default: usize) -> usize {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let groups_n = env_or("REGISTRY_BENCH_GROUPS", 1000);
    let per_group = env_or("REGISTRY_BENCH_MEMBERS", 25);
    let runs = env_or("REGISTRY_BENCH_RUNS", 5);
    let dir = tempfile::tempdir()?;
    let url = std::env::var("REGISTRY_BENCH_DATABASE_URL")
        .unwrap_or_else(|_| format!("sqlite://{}", dir.path().join("bench.db").display()));
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let configured =
        Registry::load_dir(&root.join("config/registry")).map_err(|e| anyhow::anyhow!("{e}"))?;
    let regions = configured.regions();
    let coordinators: Vec<(String, Coordinator)> = regions
        .iter()
        .flat_map(|r| r.coordinators.iter().map(|c| (r.id.clone(), c.clone())))
        .collect();
    let mut groups = Vec::with_capacity(groups_n);
    for g in 0..groups_n {
        let region = &regions[g % regions.len()];
        let members = (0..per_group)
            .map(|m| {
                let n = g * per_group + m;
                Member {
                    name: format!("Integrante {n}"),
                    // 55 + 8 digits: a valid Mexican number no shipped registry uses.
                    phone: Some(Phone::parse(&format!("+5255{n:08}")).expect("valid phone")),
                    bsuid: None,
                    role: if m == 0 {
                        MemberRole::Enlace
                    } else {
                        MemberRole::Miembro
                    },
                }
            })
            .collect();
        groups.push(Group {
            id: format!("bench-{g}"),
            name: format!("Comité {g}"),
            kind: GroupKind::Vecinal,
            region: region.id.clone(),
            municipality: region.municipalities[0].clone(),
            colonias: vec!["Centro".into()],
            cloud_group_id: None,
            members,
        });
    }
    let store = store::connect(&url, &StoreOptions::default()).await?;
    let started = Instant::now();
    store
        .seed_registry(regions, coordinators, groups, chrono::Utc::now())
        .await?
        .ok_or_else(|| anyhow::anyhow!("the bench database is not empty"))?;
    println!(
        "stored {groups_n} groups / {} members in {:.0} ms",
        groups_n * per_group,
        started.elapsed().as_secs_f64() * 1000.0
    );
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        let snapshot = store.registry_snapshot().await?;
        let read = started.elapsed();
        let registry = snapshot
            .build(regions)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let total = started.elapsed();
        assert_eq!(registry.groups().len(), groups_n);
        println!(
            "load: read {:.0} ms + validate and index {:.0} ms = {:.0} ms",
            read.as_secs_f64() * 1000.0,
            (total - read).as_secs_f64() * 1000.0,
            total.as_secs_f64() * 1000.0
        );
        times.push(total);
    }
    times.sort();
    println!(
        "registry load ({} backend): median {:.0} ms, worst {:.0} ms over {runs} runs",
        store.backend(),
        times[runs / 2].as_secs_f64() * 1000.0,
        times[runs - 1].as_secs_f64() * 1000.0
    );
    store.close().await;
    Ok(())
}
