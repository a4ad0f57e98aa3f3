"""``python -m eval.calibration [--judge deterministic|llm|entail] [--split test|fit|all] [--sweep] [--fit]
[--layers]``: a judge's agreement with labels.jsonl.

- default: the judge's agreement on the held-apart test part (``--split`` for another part).
- ``--sweep``: the deterministic judge's accuracy and kappa over a range of similarity thresholds.
- ``--fit``: the entailment judge's P(yes) on every label is computed once; the bar that maximises kappa of the
  layered judge on the *fit* part is written to ``eval/calibration/bars.json`` under the model's name (the test
  part is never looked at for this), then the test-part agreement is printed.
- ``--cv``: the P(yes) bar cross-validated on the *fit* part (5 folds, 10 fixed shuffles: the bar fitted on four
  folds, the fifth judged with it), for one bar and for a bar per language pair (sentence and span in the same
  language or not): how a design does on labels its bar was not fitted on, without looking at the test part.
- ``--layers``: the table by layer and language on the test part: the deterministic similarity judge, facts
  alone, facts + form, the model alone, and all three layers (the default offline judge), each with accuracy,
  kappa and recall of unsupported sentences.

``--judge llm|entail`` and ``--fit``/``--layers`` use the configured model (settings): the embedded model takes
about 1-3 s a label on 2 cores, so this is a benchmark, not a test.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

BARS = Path(__file__).with_name("bars.json")


def _split(value: str) -> str | None:
    return None if value == "all" else value


def layer_table(labels: list[dict], embedder, llm, bar: float, cache: dict | None = None) -> list[dict]:
    """One row per (layer set, language) on ``labels`` (see the module docstring)."""
    from eval.calibration import scores
    from eval.judges import DeterministicJudge, EntailmentJudge

    full = EntailmentJudge(llm, bar=bar)
    full._cache.update(cache or {})
    judges = [("deterministic similarity (old default)", DeterministicJudge(embedder)),
              ("verbatim + facts (numbers, names)", EntailmentJudge(llm, layers=("facts",))),
              ("verbatim + facts + form", EntailmentJudge(llm, layers=("facts", "form"))),
              (f"verbatim + model (p(yes) >= {bar:.2f})", EntailmentJudge(llm, bar=bar, layers=("model",))),
              ("verbatim + facts + form + model (entail)", full)]
    for _, j in judges[1:4]:
        j._cache = full._cache  # one model call per label for all layer sets
    rows = []
    for name, judge in judges:
        preds = [judge.judge(r["sentence"], [r["cited_text"]]).supported for r in labels]
        truth = [r["label"] == "supported" for r in labels]
        for lang in ("ar", "en", "all"):
            idx = [i for i, r in enumerate(labels) if lang == "all" or r.get("lang") == lang]
            rows.append({"layers": name, "lang": lang,
                         **scores([truth[i] for i in idx], [preds[i] for i in idx])})
    return rows


def fit_bar(labels: list[dict], judge) -> tuple[float, dict]:
    """The P(yes) bar maximising kappa of ``judge`` (all its layers) on ``labels`` (ties: the lower bar)."""
    from eval.calibration import scores

    truth = [r["label"] == "supported" for r in labels]
    probs = [judge.probability(r["sentence"], r["cited_text"]) for r in labels]
    best = None
    for bar in sorted({0.0, *[round(p, 4) for p in probs]}):
        judge.bar = bar
        pred = [judge.judge(r["sentence"], [r["cited_text"]]).supported for r in labels]
        s = scores(truth, pred)
        if best is None or (s["kappa"] or -1) > (best[1]["kappa"] or -1):
            best = (bar, s)
    judge.bar = best[0]
    return best


def _parts(labels: list[dict], judge) -> list[tuple[bool, bool, float, bool, bool]]:
    """Per label: (verbatim, facts and form pass, P(yes), same language, label supported), so a bar can be tried
    without judging again."""
    from eval.judges import fact_problems, form_faults, verbatim
    from assistant.text.arabic import detect_language

    out = []
    for r in labels:
        s, src = r["sentence"], r["cited_text"]
        vb = verbatim(s, src)
        ok = not vb and not fact_problems(s, src) and not form_faults(s)
        p = judge.probability(s, src) if ok else 0.0
        out.append((vb, ok, p, detect_language(s) == detect_language(src), r["label"] == "supported"))
    return out


def _predict(parts, bars: tuple[float, float]) -> list[bool]:
    return [vb or (ok and p >= bars[0 if same else 1]) for vb, ok, p, same, _ in parts]


def _fit_bars(parts, per_pair: bool) -> tuple[float, float]:
    """The bar (or the same-language and cross-language bars, by coordinate ascent) maximising kappa on
    ``parts``; ties: the lower bar."""
    from eval.calibration import cohen_kappa

    truth = [t for *_, t in parts]
    cands = sorted({0.0, *[round(p, 4) for _, ok, p, _, _ in parts if ok]})
    kappa = lambda bars: cohen_kappa(truth, _predict(parts, bars))  # noqa: E731
    if not per_pair:
        best = max(cands, key=lambda b: (kappa((b, b)), -b))
        return best, best
    bars = _fit_bars(parts, False)
    for _ in range(3):
        same = max(cands, key=lambda b: (kappa((b, bars[1])), -b))
        cross = max(cands, key=lambda b: (kappa((same, b)), -b))
        if (same, cross) == bars:
            break
        bars = (same, cross)
    return bars


def cross_validate(parts, per_pair: bool, folds: int = 5, shuffles: int = 10, langs: list | None = None) -> dict:
    """Mean (and spread over the shuffles) of kappa, accuracy and unsupported recall of held-out predictions;
    with ``langs`` (one per part) also the mean kappa by language."""
    import random
    import statistics

    from eval.calibration import scores

    runs, by_lang = [], {}
    truth = [t for *_, t in parts]
    for seed in range(shuffles):
        order = list(range(len(parts)))
        random.Random(seed).shuffle(order)
        pred = [False] * len(parts)
        for f in range(folds):
            held = set(order[f::folds])
            bars = _fit_bars([parts[i] for i in order if i not in held], per_pair)
            for i in held:
                pred[i] = _predict([parts[i]], bars)[0]
        runs.append(scores(truth, pred))
        for lang in sorted(set(langs or [])):
            idx = [i for i, g in enumerate(langs) if g == lang]
            by_lang.setdefault(lang, []).append(scores([truth[i] for i in idx], [pred[i] for i in idx])["kappa"])
    mean = lambda k: round(statistics.mean(r[k] for r in runs), 3)  # noqa: E731
    out = {"kappa": mean("kappa"), "kappa_sd": round(statistics.pstdev(r["kappa"] for r in runs), 3),
           "accuracy": mean("accuracy"), "unsupported_recall": mean("unsupported_recall")}
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
    ap.add_argument("--cv", action="store_true", help="entail: the bar cross-validated on the fit part (one bar, "
                    "and a bar per language pair)")
    ap.add_argument("--cache", type=Path, default=None,
                    help="entail: JSON file of P(yes) per (sentence, cited text), read and extended (one model "
                         "pass per label across --fit and --layers runs)")
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
                a = agreement(make_judge("deterministic", embedder=embedder, threshold=t, cross_threshold=c),
                              labels, split="fit")
                print(f"threshold {t:.2f} cross {c:.2f}: accuracy {a['accuracy']:.3f} kappa {a['kappa']:.3f} "
                      f"{a['confusion']}")
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
            args.cache.write_text(json.dumps([[list(k), v] for k, v in cache.items()], ensure_ascii=False),
                                  encoding="utf-8")

    if args.cv:
        judge = EntailmentJudge(llm)
        keep(judge)
        fit = select(labels, "fit")
        parts = _parts(fit, judge)
        save(judge)
        for name, per_pair in (("one bar", False), ("a bar per language pair", True)):
            print(json.dumps({"design": name, "fit_part_cv": cross_validate(parts, per_pair,
                                                                            langs=[r.get("lang") for r in fit]),
                              "bars_on_the_whole_fit_part": _fit_bars(parts, per_pair)}))
        return 0
    if args.fit:
        judge = EntailmentJudge(llm)
        keep(judge)
        bar, fit = fit_bar(select(labels, "fit"), judge)
        test_part = agreement(judge, labels)
        save(judge)
        bars = json.loads(BARS.read_text(encoding="utf-8")) if BARS.is_file() else {}
        from eval.calibration import labels_digest

        bars[llm.name] = {"bar": bar, "fit_part": fit, "test_part": test_part, "labels_sha256": labels_digest()}
        BARS.write_text(json.dumps(bars, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(json.dumps({"bar": bar, "fit_part": fit, "test_part": test_part}, indent=2))
        if not args.layers:
            return 0
    if args.layers:
        judge = EntailmentJudge(llm)
        rows = layer_table(select(labels, _split(args.split)), embedder, llm, judge.bar, cache)
        print(f"{'layers':<42} {'lang':<4} {'n':>4} {'acc':>6} {'kappa':>6} {'unsup.rec':>9}")
        for r in rows:
            f = lambda v: "   n/a" if v is None else f"{v:6.3f}"  # noqa: E731
            print(f"{r['layers']:<42} {r['lang']:<4} {r['n']:>4} {f(r['accuracy'])} {f(r['kappa'])} "
                  f"{f(r['unsupported_recall']):>9}")
        return 0
    judge = make_judge(args.judge, embedder=embedder, llm=llm,
                       threshold=DEFAULT_THRESHOLD if args.threshold is None else args.threshold)
    print(json.dumps({"judge": judge.name, **agreement(judge, labels, split=_split(args.split))},
                     ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
