//! `alerta classify` (stdin → JSON lines) and `alerta triage eval`.

use std::io::{BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use chrono::NaiveDate;
use serde_json::{json, Map, Value};

use crate::config::Config;
use crate::triage::eval::{evaluate, parse_corpus, LabelledExample, Thresholds};
use crate::triage::fit::{train_model, FoldReport};
use crate::triage::semantic::WordVectors;
use crate::triage::{Classifier, Input};

fn classifier() -> anyhow::Result<Classifier> {
    let config = Config::load()?;
    crate::app::load_classifier(&config)
}

/// Reads stdin line by line and writes one JSON object per line, in input order. A line that
/// is not valid input gets `{"error": …}` in its place; the command never stops early.
pub fn classify_stdin() -> anyhow::Result<ExitCode> {
    let classifier = classifier()?;
    let stdin = std::io::stdin().lock();
    let mut out = BufWriter::new(std::io::stdout().lock());
    for (n, line) in stdin.split(b'\n').enumerate() {
        let line = line.context("no se pudo leer la entrada")?;
        let result = classify_line(&classifier, &line)
            .unwrap_or_else(|e| json!({ "line": n + 1, "error": e }));
        serde_json::to_writer(&mut out, &result)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Plain text, or a JSON object with a string `"text"`; other fields are echoed back.
pub fn classify_line(classifier: &Classifier, raw: &[u8]) -> Result<Value, String> {
    let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
    let line = std::str::from_utf8(raw).map_err(|_| "la línea no es UTF-8 válido".to_owned())?;
    let (text, mut echo) = if line.trim_start().starts_with('{') {
        let mut obj: Map<String, Value> =
            serde_json::from_str(line).map_err(|e| format!("JSON inválido: {e}"))?;
        let text = match obj.remove("text") {
            Some(Value::String(t)) => t,
            _ => return Err("el objeto JSON necesita un campo \"text\" de tipo cadena".into()),
        };
        (text, obj)
    } else {
        (line.to_owned(), Map::new())
    };
    let flag = |o: &Map<String, Value>, k: &str| o.get(k).and_then(Value::as_bool).unwrap_or(false);
    let input = Input {
        text: &text,
        forwarded: flag(&echo, "forwarded"),
        frequently_forwarded: flag(&echo, "frequently_forwarded"),
        is_reply: flag(&echo, "is_reply"),
        local_date: echo
            .get("date")
            .and_then(Value::as_str)
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()),
    };
    let c = classifier.classify(&input);
    echo.insert("category".into(), json!(c.category.as_str()));
    echo.insert("priority".into(), json!(c.priority.as_str()));
    echo.insert(
        "confidence".into(),
        json!((f64::from(c.confidence) * 1000.0).round() / 1000.0),
    );
    echo.insert("needs_review".into(), json!(c.needs_review));
    echo.insert("rules".into(), json!(c.rules));
    echo.insert(
        "emergency_probability".into(),
        json!((f64::from(c.emergency_probability) * 1000.0).round() / 1000.0),
    );
    echo.insert("emergency_reply".into(), json!(c.emergency_reply));
    if let Some(cnie) = c.cnie {
        echo.insert(
            "cnie".into(),
            json!({ "code": cnie.code, "name": cnie.name }),
        );
    }
    Ok(Value::Object(echo))
}

/// Every labelled example of `files`, in order; a bad line names its file and line.
fn read_corpora(files: &[PathBuf]) -> anyhow::Result<Vec<LabelledExample>> {
    let mut examples = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("no se pudo leer {}", file.display()))?;
        let parsed = parse_corpus(&text).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
        examples.extend(parsed);
    }
    Ok(examples)
}

/// The model file trained on `files` with the rules of the configuration: the naive Bayes
/// rows and the calibrated stage chosen on writer-held-out folds
/// ([`fit`](crate::triage::fit)). Deterministic, so a rebuilt model can be diffed against
/// the shipped one. What the folds measured goes to standard error.
pub fn train(files: &[PathBuf], out: Option<&Path>) -> anyhow::Result<ExitCode> {
    let config = Config::load()?;
    let rules = std::fs::read_to_string(&config.triage_rules)
        .with_context(|| format!("no se pudo leer {}", config.triage_rules.display()))?;
    let examples = read_corpora(files)?;
    let vectors = match std::fs::read(&config.triage_vectors) {
        Ok(bytes) => Some(
            WordVectors::from_bytes(&bytes)
                .map_err(|e| anyhow::anyhow!("{}: {e}", config.triage_vectors.display()))?,
        ),
        Err(e) => {
            eprintln!(
                "AVISO: {}: {e}; se entrena sin la regresión semántica",
                config.triage_vectors.display()
            );
            None
        }
    };
    let trained = train_model(&rules, &examples, vectors.as_ref()).map_err(|e| {
        anyhow::anyhow!(
            "{}:{}: {}",
            config.triage_rules.display(),
            e.line,
            e.message
        )
    })?;
    match out {
        Some(path) => std::fs::write(path, &trained.file)
            .with_context(|| format!("no se pudo escribir {}", path.display()))?,
        None => std::io::stdout().write_all(trained.file.as_bytes())?,
    }
    eprintln!("modelo entrenado con {} ejemplos", examples.len());
    print_folds("sin vectores (reglas, Bayes, señales)", &trained.base);
    if let Some(semantic) = &trained.semantic {
        print_folds("con vectores semánticos (e5 destilado)", semantic);
        eprintln!(
            "decide la regresión {}",
            if trained.semantic_decides {
                "con vectores (mejor o igual en los pliegues)"
            } else {
                "sin vectores (los vectores no mejoran los pliegues; solo dan los ejemplos \
                 cercanos)"
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn print_folds(title: &str, folds: &FoldReport) {
    eprintln!(
        "validación cruzada por escritor ({}), {title}:",
        folds.groups.join(", ")
    );
    eprintln!(
        "  macro-F1 fuera de pliegue: reglas {:.3}, regresión {:.3} (decide: {})",
        folds.macro_f1_rules,
        folds.macro_f1_stack,
        if folds.macro_f1_stack > folds.macro_f1_rules {
            "regresión"
        } else {
            "reglas"
        }
    );
    eprintln!(
        "  decisión final: macro-F1 {:.3} (a \"otro\" con revisión bajo p {:.2})",
        folds.macro_f1, folds.place_min
    );
    eprintln!(
        "  temperatura {:.3}; ECE {:.3} → {:.3}",
        folds.temperature, folds.ece_raw, folds.ece
    );
    eprintln!(
        "  red 911: umbral {:.2}, recall {:.3}, falsas emergencias {:.3}",
        folds.emergency_threshold, folds.emergency_recall, folds.false_emergency
    );
    eprintln!(
        "  revisión: prob. mínima {:.2}, margen {:.2}; {:.1} % de los mensajes, {:.1} % de los errores",
        folds.review_min,
        folds.review_margin,
        folds.review_share * 100.0,
        folds.errors_flagged * 100.0
    );
}

/// Evaluates on labelled files; exits non-zero when a quality threshold is missed.
pub fn eval(files: &[PathBuf], no_fail: bool, targets: &str) -> anyhow::Result<ExitCode> {
    let classifier = classifier()?;
    let examples = read_corpora(files)?;
    let report = evaluate(&classifier, &examples);
    println!(
        "clasificador {}, {} ejemplos\n",
        classifier.version(),
        examples.len()
    );
    println!("{report}");
    let limits = if targets == "sealed" {
        Thresholds::sealed()
    } else {
        Thresholds::default()
    };
    let failures = report.check(&limits);
    if failures.is_empty() {
        println!("umbrales: OK");
        return Ok(ExitCode::SUCCESS);
    }
    for f in &failures {
        eprintln!("umbral no alcanzado: {f}");
    }
    Ok(if no_fail {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
