"""``python -m eval.calibration [--judge deterministic|llm|entail] [--split test|fit|all] [--sweep] [--fit]
[--layers]``: a judge's agreement with labels.jsonl.

- default: the judge's agreement on the held-apart test part (``--split`` for another part).
- ``--sweep``: the deterministic judge's accuracy and kappa over a range of similarity thresholds.
- ``--fit``: the entailment judge's P(yes) on every label is computed once; the bar and the length slope
  (:func:`eval.judges.length_bar`: the bar rises with the sentence's length relative to its span, slopes 0-2
  tried) that maximise kappa of the layered judge on the *fit* part are written to ``eval/calibration/bars.json``
  under the model's name (the test part is never looked at for this), then the test-part agreement is printed.
- ``--cv``: the P(yes) bar cross-validated on the *fit* part (5 folds, 10 fixed shuffles: the bar fitted on four
  folds, the fifth judged with it), for one bar, a bar per language pair (sentence and span in the same
  language or not) and one bar rising with length: how a design does on labels its bar was not fitted on,
  without looking at the test part.
- ``--layers``: the table by layer and language on the test part: the deterministic similarity judge, facts
  alone, facts + form, the model alone, and all three layers (the default offline judge), each with accuracy,
  kappa and recall of unsupported sentences.

``--judge llm|entail`` and ``--fit``/``--layers`` use the configured model (settings): one model pass per label,
so this is a benchmark, not a test (timings: docs/benchmarks.md, 'Eval run costs').
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, NamedTuple

from assistant.package_data import data_file, data_path

BARS = data_path("eval.calibration", "bars.json")
"""Where ``--fit`` writes (read through :func:`assistant.package_data.data_file`: missing means a broken install)."""


def _split(value: str) -> str | None:
    return None if value == "all" else value


def layer_table(
    labels: list[dict], embedder, llm, bar: float, cache: dict | None = None, slope: float = 0.0
) -> list[dict]:
    """One row per (layer set, language) on ``labels`` (see the module docstring)."""
    from eval.calibration import scores
    from eval.judges import DeterministicJudge, EntailmentJudge

    full = EntailmentJudge(llm, bar=bar, slope=slope)
    full._cache.update(cache or {})
    rising = f" rising with length (slope {slope:g})" if slope else ""
    judges: list[tuple[str, Any]] = [
        ("deterministic similarity (old default)", DeterministicJudge(embedder)),
        ("verbatim + facts (numbers, names)", EntailmentJudge(llm, layers=("facts",))),
        ("verbatim + facts + form", EntailmentJudge(llm, layers=("facts", "form"))),
        (
            f"verbatim + model (p(yes) >= {bar:.2f}{rising})",
            EntailmentJudge(llm, bar=bar, slope=slope, layers=("model",)),
        ),
        ("verbatim + facts + form + model (entail)", full),
    ]
    for _, j in judges[1:4]:
        j._cache = full._cache  # one model call per label for all layer sets
    rows = []
    for name, judge in judges:
        preds = [judge.judge(r["sentence"], [r["cited_text"]]).supported for r in labels]
        truth = [r["label"] == "supported" for r in labels]
        for lang in ("ar", "en", "all"):
            idx = [i for i, r in enumerate(labels) if lang == "all" or r.get("lang") == lang]
            rows.append({"layers": name, "lang": lang, **scores([truth[i] for i in idx], [preds[i] for i in idx])})
    return rows


SLOPES = tuple(round(0.1 * i, 1) for i in range(21))
"""Length slopes tried by ``--fit`` (see :func:`eval.judges.length_bar`); 0 is the flat bar."""


class Part(NamedTuple):
    """What fitting needs of one label, so bars can be tried without judging again."""

    verbatim: bool
    passes: bool  # the facts and form layers pass (the model decides)
    p_yes: float
    same_language: bool
    length_ratio: float  # len(sentence) / len(cited text)
    supported: bool  # the label


def _parts(labels: list[dict], judge) -> list[Part]:
    from assistant.text.arabic import detect_language
    from eval.judges import fact_problems, form_faults, length_ratio, verbatim

    out = []
    for r in labels:
        s, src = r["sentence"], r["cited_text"]
        vb = verbatim(s, src)
        ok = not vb and not fact_problems(s, src) and not form_faults(s)
        p = judge.probability(s, src) if ok else 0.0
        out.append(
            Part(vb, ok, p, detect_language(s) == detect_language(src), length_ratio(s, src), r["label"] == "supported")
        )
    return out


def _predict(parts: list[Part], bars: tuple[float, float], slope: float = 0.0) -> list[bool]:
    """Supported: verbatim, or the deterministic layers pass and P(yes) reaches the pair's bar (same-language or
    cross-language bar, raised or lowered by the length ratio on the log-odds scale when ``slope`` is set: the
    judge's own :func:`eval.judges.ratio_bar`)."""
    from eval.judges import ratio_bar

    return [
        x.verbatim or (x.passes and x.p_yes >= ratio_bar(bars[0 if x.same_language else 1], slope, x.length_ratio))
        for x in parts
    ]


def _fit_bars(parts: list[Part], per_pair: bool, slopes: tuple[float, ...] = (0.0,)) -> tuple[float, float, float]:
    """(same-language bar, cross-language bar, slope) maximising kappa on ``parts``: one bar (or, ``per_pair``,
    two by coordinate ascent) for each slope tried; ties go to the smaller slope, then the lower bar."""
    from eval.calibration import cohen_kappa
    from eval.judges import ratio_bar

    truth = [x.supported for x in parts]
    kappa = lambda bars, k: cohen_kappa(truth, _predict(parts, bars, k))  # noqa: E731
    best = None
    for k in slopes:
        # the bar values at which a decision changes: each pair's own P(yes), moved to length ratio 1
        vals = {
            x.p_yes if not k else ratio_bar(x.p_yes, -k, x.length_ratio) * (1 - 1e-9) for x in parts if x.passes
        }  # (a hair lower, so that the pair itself passes despite rounding)
        cands = sorted({0.0, *vals})
        b = max(cands, key=lambda c: (kappa((c, c), k), -c))
        bars = (b, b)
        if per_pair:
            for _ in range(3):
                same = max(cands, key=lambda c: (kappa((c, bars[1]), k), -c))
                cross = max(cands, key=lambda c: (kappa((same, c), k), -c))
                if (same, cross) == bars:
                    break
                bars = (same, cross)
        score = kappa(bars, k)
        if best is None or score > best[0]:
            best = (score, bars, k)
    assert best is not None  # slopes is never empty: its first value sets best
    return (*best[1], best[2])


def fit_bar(labels: list[dict], judge, slopes: tuple[float, ...] = SLOPES) -> tuple[float, float, dict]:
    """The bar and length slope maximising kappa of ``judge`` (all its layers) on ``labels``; sets them on the
    judge and returns ``(bar, slope, agreement on labels)``."""
    from eval.calibration import agreement

    bar, _, slope = _fit_bars(_parts(labels, judge), False, slopes)
    judge.bar, judge.slope = bar, slope
    fit = agreement(judge, labels, split=None)
    fit.pop("split", None)
    return bar, slope, fit


def cross_validate(
    parts: list[Part],
    per_pair: bool,
    folds: int = 5,
    shuffles: int = 10,
    langs: list | None = None,
    slopes: tuple[float, ...] = (0.0,),
) -> dict:
    """Mean (and spread over the shuffles) of kappa, accuracy and unsupported recall of held-out predictions;
    with ``langs`` (one per part) also the mean kappa by language."""
    import random
    import statistics

    from eval.calibration import scores

    runs: list[dict] = []
    by_lang: dict[str, list[float]] = {}
    truth = [x.supported for x in parts]
    for seed in range(shuffles):
        order = list(range(len(parts)))
        random.Random(seed).shuffle(order)
        pred = [False] * len(parts)
        for f in range(folds):
            held = set(order[f::folds])
            same, cross, k = _fit_bars([parts[i] for i in order if i not in held], per_pair, slopes)
            for i in held:
                pred[i] = _predict([parts[i]], (same, cross), k)[0]
        runs.append(scores(truth, pred))
        for lang in sorted(set(langs or [])):
            idx = [i for i, g in enumerate(langs or []) if g == lang]
            by_lang.setdefault(lang, []).append(scores([truth[i] for i in idx], [pred[i] for i in idx])["kappa"])
    mean = lambda k: round(statistics.mean(r[k] for r in runs), 3)  # noqa: E731
    out = {
        "kappa": mean("kappa"),
        "kappa_sd": round(statistics.pstdev(r["kappa"] for r in runs), 3),
        "accuracy": mean("accuracy"),
        "unsupported_recall": mean("unsupported_recall"),
    }
    if by_lang:
        out["kappa_by_lang"] = {k: round(statistics.mean(v), 3) for k, v in by_lang.items()}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Judge agreement with the hand-labelled calibration set.")
    ap.add_argument("--judge", choices=("deterministic", "llm", "entail"), default="deterministic")
    ap.add_argument("--split", choices=("test", "fit", "all"), default="test")
    ap.add_argument("--threshold", type=float, default=None, help="deterministic judge similarity threshold")
    ap.add_argument("--sweep", action="store_true", help="deterministic: agreement over thresholds 0.70-0.90")
    ap.add_argument("--fit", action="store_true", help="entail: fit the P(yes) bar on the fit part")
    ap.add_argument("--layers", action="store_true", help="entail: table by layer and language (test part)")
    ap.add_argument(
        "--cv",
        action="store_true",
        help="entail: the bar cross-validated on the fit part (one bar, and a bar per language pair)",
    )
    ap.add_argument(
        "--cache",
        type=Path,
        default=None,
        help="entail: JSON file of P(yes) per (sentence, cited text), read and extended (one model "
        "pass per label across --fit and --layers runs)",
    )
    args = ap.parse_args(argv)
    from assistant.backends import make_embedder, make_llm
    from assistant.settings import Settings
    from eval.calibration import agreement, load_labels, select
    from eval.judges import DEFAULT_CROSS_THRESHOLD, DEFAULT_THRESHOLD, EntailmentJudge, make_judge

    settings = Settings()
    labels = load_labels()
    embedder = make_embedder(settings)
    if args.sweep:
        for t in [round(0.70 + 0.01 * i, 2) for i in range(21)]:
            for c in (t, DEFAULT_CROSS_THRESHOLD):
                a = agreement(
                    make_judge("deterministic", embedder=embedder, threshold=t, cross_threshold=c), labels, split="fit"
                )
                print(
                    f"threshold {t:.2f} cross {c:.2f}: accuracy {a['accuracy']:.3f} kappa {a['kappa']:.3f} "
                    f"{a['confusion']}"
                )
        return 0
    llm = make_llm(settings) if args.judge != "deterministic" or args.fit or args.layers or args.cv else None
    cache: dict = {}
    if args.cache and args.cache.is_file():
        cache = {tuple(k): v for k, v in json.loads(args.cache.read_text(encoding="utf-8"))}

    def keep(judge) -> None:
        judge._cache.update(cache)

    def save(judge) -> None:
        if args.cache:
            cache.update(judge._cache)
            args.cache.write_text(
                json.dumps([[list(k), v] for k, v in cache.items()], ensure_ascii=False), encoding="utf-8"
            )

    if args.cv:
        judge = EntailmentJudge(llm)
        keep(judge)
        fit_labels = select(labels, "fit")
        parts = _parts(fit_labels, judge)
        save(judge)
        langs = [r.get("lang") for r in fit_labels]
        for name, per_pair, slopes in (
            ("one bar", False, (0.0,)),
            ("a bar per language pair", True, (0.0,)),
            ("one bar rising with the sentence's length", False, SLOPES),
        ):
            print(
                json.dumps(
                    {
                        "design": name,
                        "fit_part_cv": cross_validate(parts, per_pair, langs=langs, slopes=slopes),
                        "bars_and_slope_on_the_whole_fit_part": _fit_bars(parts, per_pair, slopes),
                    }
                )
            )
        return 0
    if args.fit:
        judge = EntailmentJudge(llm)
        keep(judge)
        bar, slope, fit = fit_bar(select(labels, "fit"), judge)
        test_part = agreement(judge, labels)
        save(judge)
        bars = json.loads(data_file("eval.calibration", "bars.json").read_text(encoding="utf-8"))
        from eval.calibration import labels_digest

        assert llm is not None  # made for --fit
        bars[llm.name] = {
            "bar": bar,
            "length_slope": slope,
            "fit_part": fit,
            "test_part": test_part,
            "labels_sha256": labels_digest(),
        }
        BARS.write_text(json.dumps(bars, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(json.dumps({"bar": bar, "length_slope": slope, "fit_part": fit, "test_part": test_part}, indent=2))
        if not args.layers:
            return 0
    if args.layers:
        judge = EntailmentJudge(llm)
        rows = layer_table(select(labels, _split(args.split)), embedder, llm, judge.bar, cache, judge.slope)
        print(f"{'layers':<42} {'lang':<4} {'n':>4} {'acc':>6} {'kappa':>6} {'unsup.rec':>9}")
        for r in rows:
            f = lambda v: "   n/a" if v is None else f"{v:6.3f}"  # noqa: E731
            print(
                f"{r['layers']:<42} {r['lang']:<4} {r['n']:>4} {f(r['accuracy'])} {f(r['kappa'])} "
                f"{f(r['unsupported_recall']):>9}"
            )
        return 0
    chosen = make_judge(
        args.judge,
        embedder=embedder,
        llm=llm,
        threshold=DEFAULT_THRESHOLD if args.threshold is None else args.threshold,
    )
    print(
        json.dumps(
            {"judge": chosen.name, **agreement(chosen, labels, split=_split(args.split))}, ensure_ascii=False, indent=2
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
