"""The translation gate on the calibration labels: how precise is "show a restatement across languages as the
answer's own sentence" at each entailment bar?

Usage: ASSISTANT_ALLOW_MODEL_REQUESTS=1 python scripts/bench_gate.py [--out rows.json]
Takes the hand labels (eval/calibration/labels.jsonl) whose sentence is in another language than its cited text
(restatements across languages), applies the answerer's deterministic checks (form, and every number and name
found in the unit), asks the configured model for P(yes) with the answerer's own entailment prompt
(:func:`assistant.answer.attributed.entailment_messages`) for those that pass, and prints, per bar, how many would be
shown, how many of those the labels call unsupported (precision), and the share of supported ones shown (recall).
The gate's target: at most 1 in 20 shown unsupported.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from assistant.answer import attributed
from assistant.answer.selection import Unit
from assistant.backends import make_llm
from assistant.settings import Settings
from assistant.text.arabic import detect_language
from assistant.verify.facts import unsupported_facts
from assistant.verify.form import form_problems
from eval.calibration import load_labels

BARS = (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.88, 0.9, 0.95)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=None, help="write each label's checks and P(yes) here (JSON)")
    args = ap.parse_args()
    labels = [
        lab
        for lab in load_labels()
        if detect_language(lab["cited_text"]) != lab["lang"] and detect_language(lab["sentence"]) == lab["lang"]
    ]
    llm = make_llm(Settings())
    rows = []
    for lab in labels:
        unit = Unit("d", "c", 0, len(lab["cited_text"]), lab["cited_text"], 1.0, detect_language(lab["cited_text"]), 0)
        checked = not form_problems(lab["sentence"], lab["lang"]) and not unsupported_facts(
            lab["sentence"], lab["cited_text"], given=lab.get("question") or ""
        )
        p = llm.yes_probability(attributed.entailment_messages(lab["sentence"], unit)) if checked else 0.0
        rows.append({"p": p, "checked": checked, "supported": lab["label"] == "supported"})
        print(f"{len(rows)}/{len(labels)}", end="\r", file=sys.stderr, flush=True)
    if args.out:
        args.out.write_text(json.dumps(rows), encoding="utf-8")
    supported = sum(r["supported"] for r in rows)
    checked = [r for r in rows if r["checked"]]
    print(
        f"restatements across languages: {len(rows)} labels, {supported} supported; {len(checked)} pass the "
        f"deterministic checks ({sum(r['supported'] for r in checked)} supported); highest P(yes) "
        f"{max((r['p'] for r in checked), default=0):.3f}"
    )
    for bar in BARS:
        shown = [r for r in checked if r["p"] >= bar]
        ok = sum(r["supported"] for r in shown)
        precision = f"{ok / len(shown):.3f}" if shown else "n/a"
        print(
            f"bar {bar:.2f}: shown {len(shown):3d}, unsupported among them {len(shown) - ok:3d} "
            f"(precision {precision}), recall {ok / max(1, supported):.3f}"
        )


if __name__ == "__main__":
    main()
