"""The evaluation suite: retrieval mode (rankings) and full mode (answers, citations, faithfulness, abstention).

- :mod:`eval.datasets` / :mod:`eval.jsonl_dataset`: load SQuAD v1.1 JSON or JSONL + corpus into an ``EvalDataset``.
- :mod:`eval.metrics`: recall@k, reciprocal rank, nDCG@k over distinct documents; percentiles.
- :mod:`eval.answer_metrics`: SQuAD exact match / token F1 with Arabic normalization, contains-gold.
- :mod:`eval.judges`: the faithfulness judge interface, the deterministic judge and the LLM judge.
- :mod:`eval.calibration`: hand-labelled answer sentences and the judges' agreement with them (accuracy, kappa).
- :mod:`eval.runner`: index a dataset into a fresh store and score a retriever (``run_retrieval_eval``).
- :mod:`eval.full_runner` / :mod:`eval.scoring` / :mod:`eval.full_report`: full mode (``run_full_eval``).
- :mod:`eval.progress`: DIR/progress.jsonl (incremental results, resume).
- :mod:`eval.report` / :mod:`eval.report_full`: write report.json (the contract's shape) and report.html.
- :mod:`eval.compare`: compare two reports metric by metric (``assistant eval --compare A B``).
- :mod:`eval.baseline`: the committed baseline subset and the regression gate.
- :mod:`eval.cli`: ``eval_command`` / ``compare_command``, the body of ``assistant eval``.
"""
