"""``python -m eval.calibration [--judge deterministic|llm] [--sweep]``: a judge's agreement with labels.jsonl.

``--sweep`` prints the deterministic judge's accuracy and kappa over a range of similarity thresholds (how
the default thresholds in :mod:`eval.judges` were chosen). ``--judge llm`` uses the configured model (settings), so it
needs ``ASSISTANT_ALLOW_MODEL_REQUESTS`` not set to 0.
"""
from __future__ import annotations

import argparse
import json
import sys


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Judge agreement with the hand-labelled calibration set.")
    ap.add_argument("--judge", choices=("deterministic", "llm"), default="deterministic")
    ap.add_argument("--threshold", type=float, default=None, help="deterministic judge similarity threshold")
    ap.add_argument("--sweep", action="store_true", help="deterministic: agreement over thresholds 0.70-0.90")
    args = ap.parse_args(argv)
    from assistant.backends import make_embedder, make_llm
    from assistant.settings import Settings
    from eval.calibration import agreement, load_labels
    from eval.judges import DEFAULT_CROSS_THRESHOLD, DEFAULT_THRESHOLD, make_judge

    settings = Settings()
    labels = load_labels()
    embedder = make_embedder(settings)
    if args.sweep:
        for t in [round(0.70 + 0.01 * i, 2) for i in range(21)]:
            for c in (t, DEFAULT_CROSS_THRESHOLD):
                a = agreement(make_judge("deterministic", embedder=embedder, threshold=t, cross_threshold=c), labels)
                print(f"threshold {t:.2f} cross {c:.2f}: accuracy {a['accuracy']:.3f} kappa {a['kappa']:.3f} "
                      f"{a['confusion']}")
        return 0
    llm = make_llm(settings) if args.judge == "llm" else None
    judge = make_judge(args.judge, embedder=embedder, llm=llm,
                       threshold=DEFAULT_THRESHOLD if args.threshold is None else args.threshold)
    print(json.dumps({"judge": judge.name, **agreement(judge, labels)}, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
