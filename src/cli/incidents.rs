//! `alerta incidents eval`: the grouping's pairwise precision and recall on labelled bursts.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

use crate::config::Config;
use crate::incidents::eval::{below_floor, errors, evaluate, parse, FLOOR, TARGET};
use crate::incidents::Policy;

pub fn eval(file: &Path, no_fail: bool, list_errors: bool) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("no se pudo leer {}", file.display()))?;
    let reports = parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    // The word vectors as `serve` loads them (the triage classifier's), so the figures are
    // those of the grouping that runs.
    let config = Config::load()?;
    let vectors = crate::app::load_classifier(&config)?.word_vectors();
    if vectors.is_none() {
        eprintln!(
            "AVISO: agrupamiento sin vectores semánticos ({}); se compara el texto solo con \
             n-gramas de caracteres. Véase README, «Incident grouping quality».",
            config.triage_vectors.display()
        );
    }
    let policy = Policy::default();
    let report = evaluate(&reports, &policy, vectors.as_ref());
    println!("agrupamiento de incidentes: {}", file.display());
    println!("todo:          {}", report.all);
    println!("mitad dev:     {}", report.dev);
    println!("mitad control: {}", report.held_out);
    // Comments and follow-ups open no report in the service: what grouping meets there.
    println!(
        "sin comentarios ni seguimientos (lo que el servicio agrupa): {}",
        report.reports_only
    );
    println!(
        "meta {:.2} / {:.2}; mínimo {:.2} / {:.2}",
        TARGET.0, TARGET.1, FLOOR.0, FLOOR.1
    );
    if list_errors {
        for line in errors(&reports, &policy, vectors.as_ref()) {
            println!("{line}");
        }
    }
    let missed = below_floor(report.all.precision(), report.all.recall());
    if missed.is_empty() {
        println!("umbrales: OK");
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!("umbral no alcanzado: {}", missed.join(", "));
    Ok(if no_fail {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
