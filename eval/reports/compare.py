"""Comparing two eval reports metric by metric: ``assistant eval --compare A.json B.json``.

Design: :func:`flatten` turns a report into ``{"block.metric": number}`` for every scored metric (retrieval,
answer, citations, faithfulness incl. calibration accuracy/kappa, abstention, the news blocks attribution / time /
sources, latency, latency by stage, tokens per question; counts, names and per-question data are not metrics).
:func:`compare` pairs A's and B's values and marks each row:

- ``regression``: B is worse than A by more than the tolerance: ``tolerance`` absolute for rates (default 0.02;
  worse = lower, except ``faithfulness.unsupported_rate``, ``abstention.false_abstention_rate``,
  ``attribution.wrong_party`` (a count), ``attribution.wrong_party_rate``, ``attribution.other_party_rate`` and
  ``time.spurious_filter_rate`` where
  higher is worse), ``latency_tolerance`` relative for latency and ``token_tolerance`` relative for tokens (both off by
  default: timings on a shared machine are noise, so they are shown but never fail a gate unless asked);
- ``missing``: measured in A, not in B (``null`` or absent) — counted as a regression, since a metric that stops
  being measured hides whatever happened to it;
- ``improved`` / ``ok`` / ``new`` (only in B) / ``n/a`` (in neither).

A report bundle (``{"runs": {name: report}}``, as in eval/baselines/) is compared run by run, with metric names
prefixed ``name:``. :func:`notes` lists why two reports may not be comparable (dataset, question count, config,
partial).

Limits: a row compares means, not distributions: no significance test; on small sets a one-question change moves
a rate by 1/n, so pick the tolerance with n in mind.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

RATE_BLOCKS = ("retrieval", "answer", "evidence", "citations", "abstention", "attribution", "time", "sources")
LOWER_IS_BETTER = {
    "faithfulness.unsupported_rate",
    "abstention.false_abstention_rate",
    "attribution.wrong_party",
    "attribution.wrong_party_rate",
    "attribution.other_party_rate",
    "time.spurious_filter_rate",
}


@dataclass
class Row:
    metric: str
    a: float | None
    b: float | None
    status: str

    @property
    def delta(self) -> float | None:
        return None if self.a is None or self.b is None else self.b - self.a


def load_report(path: str | Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _num(v) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def flatten(report: dict) -> dict[str, float | None]:
    """``{"block.metric": value}`` for the metrics of one report (see the module docstring)."""
    if isinstance(report.get("runs"), dict):
        return {f"{name}:{k}": v for name, r in report["runs"].items() for k, v in flatten(r).items()}
    out: dict[str, float | None] = {}
    for block in RATE_BLOCKS:
        for k, v in (report.get(block) or {}).items():
            out[f"{block}.{k}"] = _num(v)
    faith = report.get("faithfulness") or {}
    for k in ("score", "unsupported_rate"):
        if k in faith:
            out[f"faithfulness.{k}"] = _num(faith[k])
    for k in ("accuracy", "kappa", "unsupported_recall"):
        if isinstance(faith.get("calibration"), dict):
            out[f"faithfulness.calibration.{k}"] = _num(faith["calibration"].get(k))
    for k, v in (report.get("latency_ms") or {}).items():
        out[f"latency_ms.{k}"] = _num(v)
    for stage, ps in (report.get("latency_by_stage") or {}).items():
        for k, v in (ps or {}).items():
            out[f"latency_by_stage.{stage}.{k}"] = _num(v)
    tokens = report.get("tokens") or {}
    for k in ("in_per_question", "out_per_question"):
        if k in tokens:
            out[f"tokens.{k}"] = _num(tokens[k])
    return out


def _kind(metric: str) -> str:
    name = metric.split(":", 1)[-1]
    if name.startswith("latency"):
        return "latency"
    if name.startswith("tokens"):
        return "tokens"
    return "rate"


def compare(
    a: dict,
    b: dict,
    *,
    tolerance: float = 0.02,
    latency_tolerance: float | None = None,
    token_tolerance: float | None = None,
) -> list[Row]:
    """One :class:`Row` per metric in A or B, in A's order then B's new ones."""
    fa, fb = flatten(a), flatten(b)
    rows = []
    for metric in list(fa) + [m for m in fb if m not in fa]:
        va, vb = fa.get(metric), fb.get(metric)
        if va is None and vb is None:
            status = "n/a"
        elif vb is None:
            status = "missing"
        elif va is None:
            status = "new"
        else:
            kind = _kind(metric)
            worse = (vb - va) if (kind != "rate" or metric.split(":", 1)[-1] in LOWER_IS_BETTER) else (va - vb)
            if kind == "rate":
                limit: float | None = tolerance
            else:
                rel = latency_tolerance if kind == "latency" else token_tolerance
                limit = None if rel is None else rel * abs(va)
            if limit is not None and worse > limit + 1e-12:
                status = "regression"
            elif kind == "rate" and worse < -tolerance - 1e-12:
                status = "improved"
            else:
                status = "ok"
        rows.append(Row(metric, va, vb, status))
    return rows


def regressions(rows: list[Row]) -> list[Row]:
    return [r for r in rows if r.status in ("regression", "missing")]


def notes(a: dict, b: dict) -> list[str]:
    """Reasons A and B may not be comparable."""
    if isinstance(a.get("runs"), dict) or isinstance(b.get("runs"), dict):
        ra, rb = a.get("runs") or {}, b.get("runs") or {}
        return [f"{n}: {x}" for n in ra if n in rb for x in notes(ra[n], rb[n])] + [
            f"run {n} only in {'A' if n in ra else 'B'}" for n in sorted(set(ra) ^ set(rb))
        ]
    out = []
    for key in ("dataset", "mode", "n_questions"):
        if a.get(key) != b.get(key):
            out.append(f"{key} differs: {a.get(key)!r} -> {b.get(key)!r}")
    ca, cb = a.get("config") or {}, b.get("config") or {}
    for key in sorted(set(ca) | set(cb)):
        if ca.get(key) != cb.get(key):
            out.append(f"config.{key} differs: {ca.get(key)!r} -> {cb.get(key)!r}")
    for name, r in (("A", a), ("B", b)):
        if r.get("partial"):
            out.append(f"{name} is a partial report (interrupted run)")
    return out


def _cell(v: float | None, metric: str) -> str:
    if v is None:
        return "—"
    return f"{v:,.1f}" if _kind(metric) != "rate" else f"{v:.4f}"


def format_table(rows: list[Row]) -> str:
    """A plain-text table: metric, A, B, delta, status (regressions flagged with ``!!``)."""
    width = max([len(r.metric) for r in rows] + [6])
    lines = [f"{'metric':<{width}}  {'A':>10}  {'B':>10}  {'delta':>10}  status", "-" * (width + 48)]
    for r in rows:
        d = r.delta
        delta = "—" if d is None else (f"{d:+,.1f}" if _kind(r.metric) != "rate" else f"{d:+.4f}")
        flag = "!! " if r.status in ("regression", "missing") else ""
        lines.append(
            f"{r.metric:<{width}}  {_cell(r.a, r.metric):>10}  {_cell(r.b, r.metric):>10}  "
            f"{delta:>10}  {flag}{r.status}"
        )
    return "\n".join(lines)
