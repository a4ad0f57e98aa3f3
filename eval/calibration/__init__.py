"""Judge calibration: agreement of a faithfulness judge with hand labels (``labels.jsonl`` beside this file).

Each line of ``labels.jsonl`` is ``{"sentence", "cited_text", "label": "supported"|"not_supported", "lang",
"origin", ...}``: an answer sentence the real pipeline generated (before its own checks removed anything), the
evidence it cited, and a label given by a person who read the cited text. The current 312: the first 45 from
``make_candidates.py`` and a 50-question run (synthesized mode), then 267 shown and removed sentences of full-mode
runs of both answer modes over the XQuAD dev splits (ar, en, en-q.ar-ctx, ar-q.en-ctx) and the seed questions on the
reference article (``harvest.py``), all from the local Qwen2.5-Coder-1.5B (128 supported, 184 not; 152 AR, 160 EN).
Labelling policy: supported = every part of the sentence, read on its own, is stated by the cited text (a bare
fragment such as a date or a name is judged by the fact it states, not by whether it answers the question); a
verbatim quote is supported whatever the question's language (language is ``answer.language_ok``'s business); a
sentence a reader cannot read (mixed-script words, prompt words, loops, garbled translation) is not supported,
why ``malformed``; ``why`` (and ``note`` on the first 45) gives the reason.

:func:`agreement` runs a judge on the pairs of one part (``split``: ``test`` by default, the held-apart third on
which no threshold is fitted; ``fit`` the rest; ``None`` all) and returns ``{n, split, accuracy, kappa,
unsupported_recall, confusion, by_lang}``; accuracy is the share of pairs where the judge's ``supported`` equals
the label, kappa is Cohen's kappa (agreement corrected for chance, 1 = perfect, 0 = chance level),
unsupported_recall the share of not-supported labels the judge also rejects. Each label also carries ``why``
(``ok``, ``wrong relation``, ``invented fact``, ``wrong entity``, ``partial``, ``malformed``) and ``mode`` (the
answer mode that produced it). The test part is a fixed-seed random third (:func:`assign_splits`).

Limits: the set is small (about three hundred sentences from one small model, many from the same few XQuAD
articles; the test part has 102), so the figures have wide error bars (±0.1 on accuracy and kappa); they show whether a judge is usable, not a precise rate.
``labels.jsonl`` ships with the package (:mod:`assistant.package_data`); when it is missing, reading it raises
:class:`assistant.package_data.MissingDataFile` (an incomplete install) rather than leaving calibration out.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from assistant.package_data import data_file, data_path

LABELS = data_path("eval.calibration", "labels.jsonl")
"""Where the shipped labels live (not checked: :func:`labels_file` is)."""
LABEL_VALUES = ("supported", "not_supported")
WHY_VALUES = ("ok", "wrong relation", "invented fact", "wrong entity", "partial", "malformed")
SPLIT_SEED = 19


def assign_splits(rows: list[dict], seed: int = SPLIT_SEED) -> None:
    """Mark a fixed-seed random third of ``rows`` ``split: "test"`` and the rest ``"fit"``, in place (stable per
    sentence: the draw is a hash of the sentence and its cited text, so adding labels does not move old ones)."""
    import hashlib

    for row in rows:
        h = hashlib.sha256(f"{seed}\n{row['sentence']}\n{row['cited_text']}".encode()).digest()
        row["split"] = "test" if h[0] % 3 == 0 else "fit"


def labels_file() -> Path:
    """The shipped ``labels.jsonl``; :class:`assistant.package_data.MissingDataFile` when it is not installed."""
    return data_file("eval.calibration", "labels.jsonl")


def load_labels(path: str | Path | None = None) -> list[dict]:
    """The labelled pairs (``path`` defaults to :func:`labels_file`); :class:`ValueError` naming the line when one
    is malformed."""
    path = labels_file() if path is None else path
    rows = []
    with Path(path).open(encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            row = json.loads(line)
            if not isinstance(row.get("sentence"), str) or not isinstance(row.get("cited_text"), str):
                raise ValueError(f"{path}, line {lineno}: needs 'sentence' and 'cited_text' strings")
            if row.get("label") not in LABEL_VALUES:
                raise ValueError(f"{path}, line {lineno}: label must be one of {LABEL_VALUES}")
            if "why" in row and row["why"] not in WHY_VALUES:
                raise ValueError(f"{path}, line {lineno}: why must be one of {WHY_VALUES}")
            rows.append(row)
    return rows


def cohen_kappa(truth: Sequence[bool], pred: Sequence[bool]) -> float:
    """Cohen's kappa for two binary raters: (p_o - p_e) / (1 - p_e); 1.0 when both are constant and equal,
    0.0 when chance agreement is already perfect but observed agreement is not."""
    n = len(truth)
    if n == 0 or n != len(pred):
        raise ValueError("kappa needs two label lists of the same, non-zero length")
    p_o = sum(t == p for t, p in zip(truth, pred, strict=True)) / n
    t1, p1 = sum(truth) / n, sum(pred) / n
    p_e = t1 * p1 + (1 - t1) * (1 - p1)
    if p_e == 1.0:
        return 1.0 if p_o == 1.0 else 0.0
    return (p_o - p_e) / (1 - p_e)


def scores(truth: Sequence[bool], pred: Sequence[bool]) -> dict:
    """``{n, accuracy, kappa, unsupported_recall}`` of predictions against labels (True = supported)."""
    n = len(truth)
    unsup = [p for t, p in zip(truth, pred, strict=True) if not t]
    return {
        "n": n,
        "accuracy": round(sum(t == p for t, p in zip(truth, pred, strict=True)) / n, 4) if n else None,
        "kappa": round(cohen_kappa(truth, pred), 4) if n else None,
        "unsupported_recall": round(sum(not p for p in unsup) / len(unsup), 4) if unsup else None,
    }


def select(labels: list[dict], split: str | None) -> list[dict]:
    """The labels of one part (``None``: all)."""
    return [r for r in labels if split is None or r.get("split", "fit") == split]


def labels_digest(path: str | Path | None = None) -> str:
    """SHA-256 of the labels file (default :func:`labels_file`): a stored agreement is reused only for the labels
    it was measured on."""
    import hashlib

    return hashlib.sha256(Path(labels_file() if path is None else path).read_bytes()).hexdigest()


def judge_agreement(judge) -> dict:
    """The judge's agreement on the test part, for a report: for an entailment judge whose bar was fitted by
    ``python -m eval.calibration --fit`` on these very labels, the test-part agreement measured then (stored in
    ``bars.json``; no model call), else :func:`agreement` (one judge call per test label)."""
    from eval.judges import EntailmentJudge, stored_fit

    if isinstance(judge, EntailmentJudge) and set(judge.layers) == {"facts", "form", "model"}:
        fit = stored_fit(getattr(judge.llm, "name", "?"))
        if (
            fit
            and isinstance(fit.get("test_part"), dict)
            and fit.get("labels_sha256") == labels_digest()
            and fit.get("bar") == judge.bar
            and float(fit.get("length_slope") or 0.0) == judge.slope
        ):
            return dict(fit["test_part"], measured="at --fit time on the same labels and bar (bars.json)")
    return agreement(judge)


def agreement(judge, labels: list[dict] | None = None, split: str | None = "test") -> dict:
    """``{n, split, accuracy, kappa, unsupported_recall, confusion: {tp, fp, fn, tn}, by_lang: {lang: {n,
    accuracy, kappa, unsupported_recall}}}`` of ``judge`` vs the hand labels of ``split`` ("positive" =
    supported)."""
    labels = select(load_labels() if labels is None else labels, split)
    if not labels:
        raise ValueError(f"no calibration labels in part {split!r}")
    truth = [row["label"] == "supported" for row in labels]
    pred = [judge.judge(row["sentence"], [row["cited_text"]]).supported for row in labels]
    by_lang: dict[str, tuple[list[bool], list[bool]]] = {}
    for row, t, p in zip(labels, truth, pred, strict=True):
        tl, pl = by_lang.setdefault(row.get("lang", "?"), ([], []))
        tl.append(t)
        pl.append(p)
    return {
        **scores(truth, pred),
        "split": split or "all",
        "confusion": {
            "tp": sum(t and p for t, p in zip(truth, pred, strict=True)),
            "fp": sum(p and not t for t, p in zip(truth, pred, strict=True)),
            "fn": sum(t and not p for t, p in zip(truth, pred, strict=True)),
            "tn": sum(not t and not p for t, p in zip(truth, pred, strict=True)),
        },
        "by_lang": {k: scores(*v) for k, v in sorted(by_lang.items())},
    }
