"""The entailment judge's bar: the fitted P(yes) bar and length slope, and how a pair's bar is computed.

A pair is supported when P(yes) reaches ``bar`` for a sentence as long as its span, the bar rising with the
sentence's length relative to the span on the log-odds scale (:func:`length_bar`, ``slope``). Bar and slope are
fitted together on the non-test part of the labels and recorded by model name in ``eval/calibration/bars.json``
(``python -m eval.calibration --fit``), read through :mod:`assistant.package_data`.

Limits: a model never fitted gets :data:`DEFAULT_BAR` and a flat bar; a missing bars.json is an incomplete
install and fails loudly (:class:`assistant.package_data.MissingDataFile`) rather than falling back to the
default; bars.json is read again on each call (no cache).
"""

from __future__ import annotations

import json
import math

from assistant.package_data import data_file

DEFAULT_BAR = 0.5
"""P(yes) bar when no fitted bar is recorded for the judge's model."""
DEFAULT_LENGTH_SLOPE = 0.0
"""How fast the bar rises with the sentence's length relative to its span, when none is fitted (0: a flat bar)."""


def length_ratio(sentence: str, source: str) -> float:
    """len(sentence) / len(source), stripped, each at least 1."""
    return max(len(sentence.strip()), 1) / max(len(source.strip()), 1)


def ratio_bar(bar: float, slope: float, ratio: float) -> float:
    """``bar`` moved on the log-odds scale by ``slope * ln(ratio)``: sigma(logit(bar) + slope * ln(ratio))."""
    if not slope:
        return bar
    b = min(max(bar, 1e-6), 1 - 1e-6)
    z = math.log(b / (1 - b)) + slope * math.log(ratio)
    return 1.0 / (1.0 + math.exp(-z))


def length_bar(bar: float, slope: float, sentence: str, source: str) -> float:
    """The P(yes) bar for one pair: ``bar`` for a sentence as long as its span, rising (``slope`` > 0) for a sentence
    longer than its span and falling for a shorter one, on the log-odds scale: logit(bar) + slope * ln(len(sentence)
    / len(source)). A sentence that says more than its span must be more clearly entailed: that is where invented
    additions, loops and framing go; one that restates a part of a long span is how a supported answer looks."""
    return ratio_bar(bar, slope, length_ratio(sentence, source))


def stored_fit(model_name: str) -> dict | None:
    """What ``python -m eval.calibration --fit`` recorded for ``model_name`` in ``eval/calibration/bars.json``
    (``bar``, ``fit_part``, ``test_part``, ``labels_sha256``), or None when that model was never fitted.
    :class:`assistant.package_data.MissingDataFile` when bars.json itself is missing (an incomplete install): a
    judge must not quietly fall back to :data:`DEFAULT_BAR` where the checkout would use a fitted bar."""
    path = data_file("eval.calibration", "bars.json")
    try:
        bars = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise ValueError(f"{path}: invalid JSON: {e.msg}") from e
    entry = bars.get(model_name)
    return entry if isinstance(entry, dict) else None


def fitted_bar(model_name: str) -> float | None:
    """The P(yes) bar fitted for ``model_name`` (``eval/calibration/bars.json``), or None."""
    value = (stored_fit(model_name) or {}).get("bar")
    return float(value) if isinstance(value, (int, float)) else None


def fitted_slope(model_name: str) -> float | None:
    """The length slope fitted with the bar for ``model_name`` (see :func:`length_bar`), or None."""
    value = (stored_fit(model_name) or {}).get("length_slope")
    return float(value) if isinstance(value, (int, float)) else None
