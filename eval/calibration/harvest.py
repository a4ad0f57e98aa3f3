"""Harvest judge-calibration candidates from finished full-mode runs (both answer modes): ``python -m
eval.calibration.harvest RUN_DIR... --out FILE``.

Each candidate is an answer sentence with the text it cited, from a run's ``report.json``: every shown sentence
(its citations' quotes joined) and every sentence the pipeline removed, with what it cited: an attributed-mode
removal names its unit (``unit: [start, end]``, looked up among the answer's evidence units), a synthesized-mode
removal is found in the raw reply with its ``[n]`` markers, mapped to the numbered evidence the prompt offered
(``offered_evidence``). Written as ``{sentence, cited_text, question, qid, dataset, mode, lang, kept,
pipeline_reason, gold}``; labels are NOT produced here: a person reads each pair and writes ``labels.jsonl``.

Limits: a synthesized removal whose sentence cannot be found again in the raw reply (the answerer normalised
it) is skipped; duplicates (same sentence and cited text) are kept once.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _removed_cited(record: dict, removed: dict) -> str | None:
    unit = removed.get("unit")
    if isinstance(unit, list) and len(unit) == 2:
        for u in record.get("evidence_units") or []:
            if [u.get("start"), u.get("end")] == unit:
                return u.get("text")
        for u in record.get("evidence_units") or []:  # a clause inside a unit
            if u.get("start", 1) <= unit[0] and unit[1] <= u.get("end", -1):
                return (u.get("text") or "")[unit[0] - u["start"] : unit[1] - u["start"]] or u.get("text")
        return None
    from assistant.answer.citations import parse_cited_answer

    offered = {int(k): v for k, v in (record.get("offered_evidence") or {}).items()}
    for p in parse_cited_answer(record.get("raw_reply") or "", set(offered)):
        if p.cited and " ".join(p.text.split()) == " ".join((removed.get("sentence") or "").split()):
            return " ".join(offered[n] for n in p.cited)
    return None


def candidates(report: dict) -> list[dict]:
    """The candidate pairs of one full-mode report (see the module docstring)."""
    from assistant.text.arabic import detect_language

    mode = (report.get("config") or {}).get("answer_mode", "synthesized")
    out = []
    for r in report.get("per_question") or []:
        base = {
            "question": r["question"],
            "qid": r["id"],
            "dataset": report["dataset"],
            "mode": mode,
            "q_lang": r["lang"],
            "gold": r.get("question_lang_answers") or r.get("answers") or [],
        }
        by_id = {c["id"]: c for c in r.get("citations") or []}
        if not r.get("abstained"):
            for s in r.get("sentences") or []:
                cited: str | None = " ".join(by_id[i]["quote"] for i in s.get("citations") or [] if i in by_id)
                if cited:
                    out.append(
                        dict(
                            base,
                            sentence=s["sentence"],
                            cited_text=cited,
                            kept=True,
                            pipeline_reason=None,
                            lang=detect_language(s["sentence"]),
                        )
                    )
        for rm in r.get("removed") or []:
            if not (rm.get("sentence") or "").strip():
                continue
            cited = _removed_cited(r, rm)
            if cited:
                out.append(
                    dict(
                        base,
                        sentence=rm["sentence"],
                        cited_text=cited,
                        kept=False,
                        pipeline_reason=rm.get("reason"),
                        lang=detect_language(rm["sentence"]),
                    )
                )
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("runs", nargs="+", type=Path, help="folders holding a full-mode report.json")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    seen, rows = set(), []
    for run in args.runs:
        report = json.loads((run / "report.json").read_text(encoding="utf-8"))
        for c in candidates(report):
            key = (c["sentence"], c["cited_text"])
            if key not in seen:
                seen.add(key)
                rows.append(dict(c, run=run.name))
    with args.out.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(rows)} candidates written to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
