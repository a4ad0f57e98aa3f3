"""The evaluation suite: retrieval mode (rankings) and full mode (answers, citations, faithfulness, abstention).

- :mod:`eval.datasets.squad` / :mod:`eval.datasets.jsonl`: load SQuAD v1.1 JSON or JSONL + corpus into an ``EvalDataset``.
- :mod:`eval.metrics.ranking`: recall@k, reciprocal rank, nDCG@k over distinct documents; percentiles.
- :mod:`eval.metrics.answers`: SQuAD exact match / token F1 with Arabic normalization, contains-gold.
- :mod:`eval.judges`: the faithfulness judge interface, the deterministic judge and the LLM judge.
- :mod:`eval.calibration`: hand-labelled answer sentences and the judges' agreement with them (accuracy, kappa).
- :mod:`eval.runs.retrieval`: index a dataset into a fresh store and score a retriever (``run_retrieval_eval``).
- :mod:`eval.runs.full` / :mod:`eval.metrics.scoring` / :mod:`eval.reports.blocks`: full mode (``run_full_eval``).
- :mod:`eval.runs.progress`: DIR/progress.jsonl (incremental results, resume).
- :mod:`eval.reports.write` / :mod:`eval.reports.html`: write report.json (the contract's shape) and report.html.
- :mod:`eval.reports.compare`: compare two reports metric by metric (``assistant eval --compare A B``).
- :mod:`eval.reports.baseline`: the committed baseline subset and the regression gate.
- :mod:`eval.cli`: ``eval_command`` / ``compare_command``, the body of ``assistant eval``.
"""
