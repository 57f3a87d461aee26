use std::path::PathBuf;

use super::*;

/// The real weights when present: `ALERTA_E5_WEIGHTS`, else `models/e5-small-q4.bin` under
/// the repository (two levels above this crate). Absent, the test is skipped with a
/// message, except under `CI=true`, where CI has fetched them (`.ci/run`) and their absence
/// is a failure.
fn real_encoder() -> Option<Encoder> {
    let path = std::env::var_os(WEIGHTS_ENV)
        .filter(|p| !p.is_empty())
        .map_or_else(
            || {
                PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                    .join("../..")
                    .join(DEFAULT_WEIGHTS)
            },
            PathBuf::from,
        );
    if !path.exists() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but the e5 weights are missing at {} (README, \"The semantic pass\")",
            path.display()
        );
        eprintln!(
            "SKIPPED: e5 weights not found at {} (README, \"The semantic pass\", fetches them)",
            path.display()
        );
        return None;
    }
    Some(Encoder::load(&path).expect("the e5 weights load"))
}

fn cosine(a: &[f32], b: &[f32]) -> f64 {
    let dot: f64 = a
        .iter()
        .zip(b)
        .map(|(x, y)| f64::from(*x) * f64::from(*y))
        .sum();
    let na: f64 = a.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
    let nb: f64 = b.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
    dot / (na * nb)
}

fn is_unit(v: &[f32]) -> bool {
    let n: f64 = v.iter().map(|x| f64::from(*x).powi(2)).sum();
    v.iter().all(|x| x.is_finite()) && (n - 1.0).abs() < 1e-4
}

#[test]
fn matches_the_python_engine() {
    let Some(encoder) = real_encoder() else {
        return;
    };
    let fixture = include_str!("../../../fixtures/triage/e5_reference.jsonl");
    let mut seen = 0;
    for line in fixture.lines() {
        let case: serde_json::Value = serde_json::from_str(line).unwrap();
        let name = case["name"].as_str().unwrap();
        let text = case["text"].as_str().unwrap();
        let expected: Vec<f32> = case["embedding"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap() as f32)
            .collect();
        assert_eq!(
            encoder.tokens(text).len() + 2,
            case["tokens"].as_u64().unwrap() as usize,
            "{name}: token count differs from the engine's"
        );
        seen += 1;
        let got = encoder.embed(text);
        assert_eq!(got.len(), 384, "{name}");
        assert!(is_unit(&got), "{name}");
        let c = cosine(&got, &expected);
        assert!(c >= 0.999, "{name}: cosine {c:.5} with the Python engine");
    }
    // Every text is embedded in every build: the workspace optimises this crate even in
    // `cargo test` (`[profile.test.package.alerta-e5]`).
    assert!(seen >= 39, "{seen} reference texts");
}

#[test]
fn odd_input_has_a_defined_embedding() {
    let Some(encoder) = real_encoder() else {
        return;
    };
    let huge = "balazos en la colonia 🚨 ".repeat(64 * 1024 / 26);
    let empty = encoder.embed("");
    for text in ["", "   \n\t ", "🚨😱🙏", "\0\0", &huge] {
        let v = encoder.embed(text);
        assert_eq!(v.len(), encoder.dim());
        assert!(is_unit(&v), "{:?}", &text[..text.len().min(20)]);
    }
    // Blank text is the bare prefix, so it is the empty text's embedding.
    assert_eq!(encoder.embed("   \n\t "), empty);
    // Past the windows the model reads, more text changes nothing.
    let windows = "balazos en la colonia ".repeat(1200);
    assert_eq!(
        encoder.embed(&windows),
        encoder.embed(&format!("{windows} y luego otra cosa muy distinta"))
    );
    // Meaning: two wordings of one event are closer than an unrelated report.
    let a = encoder.embed("se oyeron balazos en la colonia hace rato");
    let b = encoder.embed("acaban de disparar varias veces en mi calle");
    let c = encoder.embed("queremos pedir una plática de prevención para los papás");
    assert!(
        cosine(&a, &b) > cosine(&a, &c),
        "{} {}",
        cosine(&a, &b),
        cosine(&a, &c)
    );
}

/// A tiny model in the same format (hidden 32, one layer, two heads, 8 positions), so the
/// reader, the tokenizer and the windows are tested without the 72 MB file.
mod tiny {
    pub const H: usize = 32;
    pub const FF: usize = 64;
    pub const POS: usize = 8;
    pub const PIECES: &[(&str, f32)] = &[
        ("<s>", 0.0),
        ("<pad>", 0.0),
        ("</s>", 0.0),
        ("<unk>", 0.0),
        ("\u{2581}", -2.0),
        ("\u{2581}hola", -3.0),
        ("\u{2581}ho", -4.0),
        ("la", -4.0),
        ("h", -6.0),
        ("o", -6.0),
        ("l", -6.0),
        ("a", -6.0),
        ("query", -5.0),
        (":", -3.0),
        ("\u{2581}query", -4.0),
    ];

    fn q4(n: usize, seed: u32) -> Vec<u8> {
        let mut out = Vec::new();
        let mut s = seed;
        for _ in 0..n / 32 {
            out.extend(0x2e66u16.to_le_bytes()); // ≈ 0.1
            for _ in 0..16 {
                s = s.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                out.push((s >> 16) as u8);
            }
        }
        out
    }

    fn f32s(n: usize, value: impl Fn(usize) -> f32) -> Vec<u8> {
        (0..n).flat_map(|i| value(i).to_le_bytes()).collect()
    }

    pub fn file() -> Vec<u8> {
        let mut head = Vec::new();
        head.extend(b"E5S1");
        head.extend(1u32.to_le_bytes());
        for v in [H, 1, 2, FF, PIECES.len(), POS, 2] {
            head.extend((v as i32).to_le_bytes());
        }
        head.extend(1e-12f32.to_le_bytes());
        head.extend(32i32.to_le_bytes());
        head.extend((PIECES.len() as i32).to_le_bytes());
        for id in [0i32, 2, 1, 3] {
            head.extend(id.to_le_bytes());
        }
        let blob: Vec<u8> = PIECES.iter().flat_map(|(p, _)| p.bytes()).collect();
        head.extend((blob.len() as u64).to_le_bytes());
        let mut off = 0u32;
        head.extend(off.to_le_bytes());
        for (p, _) in PIECES {
            off += p.len() as u32;
            head.extend(off.to_le_bytes());
        }
        for (_, s) in PIECES {
            head.extend(s.to_le_bytes());
        }
        head.extend(&blob);
        // Normalisation: the ideographic space becomes a space, U+0001 disappears.
        let mut norm = Vec::new();
        norm.extend(1u32.to_le_bytes());
        norm.push(0);
        norm.extend(0x3000u32.to_le_bytes());
        norm.push(1);
        norm.extend(0x20u32.to_le_bytes());
        head.extend(2i32.to_le_bytes());
        head.extend((norm.len() as u32).to_le_bytes());
        head.extend(&norm);

        let mut tensors: Vec<(String, u8, usize, Vec<u8>)> = vec![
            (
                "emb.word".into(),
                1,
                PIECES.len() * H,
                q4(PIECES.len() * H, 1),
            ),
            (
                "emb.pos".into(),
                0,
                POS * H,
                f32s(POS * H, |i| (i % 7) as f32 * 0.01),
            ),
            ("emb.type".into(), 0, 2 * H, f32s(2 * H, |_| 0.02)),
            ("emb.ln.w".into(), 0, H, f32s(H, |_| 1.0)),
            ("emb.ln.b".into(), 0, H, f32s(H, |_| 0.0)),
        ];
        let shapes = [
            ("q", H, H),
            ("k", H, H),
            ("v", H, H),
            ("ao", H, H),
            ("fi", FF, H),
            ("fo", H, FF),
        ];
        for (i, (name, rows, cols)) in shapes.iter().enumerate() {
            tensors.push((
                format!("l0.{name}.w"),
                1,
                rows * cols,
                q4(rows * cols, 7 + i as u32),
            ));
            tensors.push((
                format!("l0.{name}.b"),
                0,
                *rows,
                f32s(*rows, |j| j as f32 * 1e-3),
            ));
        }
        for ln in ["aln", "oln"] {
            tensors.push((format!("l0.{ln}.w"), 0, H, f32s(H, |_| 1.0)));
            tensors.push((format!("l0.{ln}.b"), 0, H, f32s(H, |_| 0.0)));
        }
        let dir_len: usize = 4 + tensors
            .iter()
            .map(|(n, ..)| 2 + n.len() + 1 + 4 + 8 + 8)
            .sum::<usize>();
        let mut data_at = head.len() + dir_len;
        let mut dir = Vec::new();
        dir.extend((tensors.len() as i32).to_le_bytes());
        for (name, dtype, n, bytes) in &tensors {
            dir.extend((name.len() as u16).to_le_bytes());
            dir.extend(name.bytes());
            dir.push(*dtype);
            dir.extend((*n as u32).to_le_bytes());
            dir.extend((data_at as u64).to_le_bytes());
            dir.extend((bytes.len() as u64).to_le_bytes());
            data_at += bytes.len();
        }
        let mut file = head;
        file.extend(dir);
        for (.., bytes) in tensors {
            file.extend(bytes);
        }
        file
    }
}

#[test]
fn tiny_model_loads_tokenises_and_embeds() {
    let encoder = Encoder::from_bytes(&tiny::file()).unwrap();
    assert_eq!(encoder.dim(), tiny::H);
    // "query: hola": ▁query : ▁hola — the best-scoring segmentation, not the longest first.
    assert_eq!(encoder.tokens("hola"), vec![14, 13, 5]);
    // Runs of spaces collapse; the ideographic space normalises to one; U+0001 vanishes.
    assert_eq!(encoder.tokens("  hola"), encoder.tokens(" hola"));
    assert_eq!(encoder.tokens("\u{3000}ho\u{1}la"), vec![14, 13, 5]);
    // A character no piece covers is one <unk>.
    assert_eq!(encoder.tokens("hé"), vec![14, 13, 4, 8, 3]);
    for text in ["", " ", "hola", "😱", &"hola ".repeat(100)] {
        let v = encoder.embed(text);
        assert!(is_unit(&v), "{text:?}: {v:?}");
        assert_eq!(v, encoder.embed(text), "deterministic");
    }
    // Six content tokens per window here, two windows read: a third window is dropped.
    let two = "hola hola hola hola";
    assert_eq!(encoder.tokens(two).len(), 6);
    assert_ne!(encoder.embed(two), encoder.embed("hola"));
    let past = format!("{} hola", "hola ".repeat(9));
    assert_eq!(encoder.tokens(&past).len(), 12);
    assert_eq!(
        encoder.embed(&past),
        encoder.embed(&format!("{past} ho ho ho"))
    );
}

#[test]
fn a_damaged_file_is_an_error_not_a_panic() {
    let file = tiny::file();
    for cut in (0..file.len()).step_by(7).chain([file.len() - 1]) {
        assert!(
            Encoder::from_bytes(&file[..cut]).is_err(),
            "truncated at {cut}"
        );
    }
    let mut bad = file.clone();
    bad[0] = b'X';
    assert!(matches!(
        Encoder::from_bytes(&bad),
        Err(WeightsError::Magic(_))
    ));
    // A header that asks for an absurd size.
    let mut bad = file.clone();
    bad[8..12].copy_from_slice(&(-5i32).to_le_bytes());
    assert!(matches!(
        Encoder::from_bytes(&bad),
        Err(WeightsError::Damaged(_))
    ));
    // Random bytes over the whole file never panic.
    let mut s = 99u32;
    for _ in 0..200 {
        let mut bad = file.clone();
        for _ in 0..8 {
            s = s.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let at = (s >> 8) as usize % bad.len();
            bad[at] = (s >> 3) as u8;
        }
        if let Ok(enc) = Encoder::from_bytes(&bad) {
            let _ = enc.embed("hola");
        }
    }
    let missing = Encoder::load(std::path::Path::new("/nonexistent/e5.bin")).unwrap_err();
    assert!(
        missing.to_string().contains("/nonexistent/e5.bin"),
        "{missing}"
    );
}
