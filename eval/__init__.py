"""The evaluation suite. Retrieval mode is built; full mode (answers, citations, faithfulness) is not yet.

- :mod:`eval.datasets` / :mod:`eval.jsonl_dataset`: load SQuAD v1.1 JSON or JSONL + corpus into an ``EvalDataset``.
- :mod:`eval.metrics`: recall@k, reciprocal rank, nDCG@k over distinct documents; percentiles.
- :mod:`eval.runner`: index a dataset into a fresh store and score a retriever (``run_retrieval_eval``).
- :mod:`eval.report`: write report.json (the contract's shape) and a self-contained report.html.
- :mod:`eval.cli`: ``eval_command``, the body of ``assistant eval``.
"""
