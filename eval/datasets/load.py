"""Loading an eval dataset by its file type: ``.json`` is SQuAD v1.1 (:mod:`eval.datasets.squad`), ``.jsonl`` one
question a line over a corpus file or folder (:mod:`eval.datasets.jsonl`, see the contract).

Limits: a dataset is read whole into memory; every problem raises :class:`DatasetError` naming the file (and the
line or paragraph) rather than skipping items, because a silently smaller eval set gives misleading numbers.
"""

from __future__ import annotations

from pathlib import Path

from eval.datasets.jsonl import load_jsonl
from eval.datasets.records import DatasetError, EvalDataset
from eval.datasets.squad import load_squad


def load_dataset(
    path: str | Path, *, corpus: str | Path | None = None, unanswerable_fraction: float = 0.0
) -> EvalDataset:
    """Load ``path`` (SQuAD ``.json``, or ``.jsonl`` with ``corpus``); :class:`DatasetError` when unusable."""
    path = Path(path)
    if not 0.0 <= unanswerable_fraction <= 1.0:
        raise ValueError(f"unanswerable_fraction must be between 0 and 1, got {unanswerable_fraction}")
    if not path.is_file():
        raise DatasetError(f"{path}: no such dataset file")
    ext = path.suffix.lower()
    if ext == ".jsonl":
        if unanswerable_fraction:
            raise DatasetError(
                f"{path.name}: unanswerable_fraction applies to SQuAD datasets only; "
                "a JSONL dataset marks unanswerable questions itself"
            )
        return load_jsonl(path, corpus)
    if ext == ".json":
        if corpus is not None:
            raise DatasetError(f"{path.name}: a SQuAD dataset carries its own corpus; --corpus is for JSONL datasets")
        return load_squad(path, unanswerable_fraction=unanswerable_fraction)
    raise DatasetError(
        f"{path.name}: unsupported dataset type {ext or '(no extension)'!r} (expected SQuAD v1.1 .json or .jsonl)"
    )
