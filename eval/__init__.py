"""The evaluation suite: retrieval mode (rankings) and full mode (answers, citations, faithfulness, abstention).

The flow reads from the folders: datasets -> runs -> metrics -> judges -> reports.

- :mod:`eval.datasets`: the records (:mod:`~eval.datasets.records`) and loaders (:mod:`~eval.datasets.load` picks
  SQuAD v1.1 JSON, :mod:`~eval.datasets.squad`, or JSONL + corpus, :mod:`~eval.datasets.jsonl`).
- :mod:`eval.runs`: index a dataset into a fresh store and score a retriever (:mod:`~eval.runs.retrieval`), ask
  every question through the real answerer (:mod:`~eval.runs.full`), DIR/progress.jsonl for resuming
  (:mod:`~eval.runs.progress`), rejudge a finished run (:mod:`~eval.runs.rejudge`).
- :mod:`eval.metrics`: recall@k, reciprocal rank, nDCG@k over distinct documents and percentiles
  (:mod:`~eval.metrics.ranking`); exact match / token F1 with Arabic normalization, contains-gold
  (:mod:`~eval.metrics.answers`); the per-question record (:mod:`~eval.metrics.scoring`).
- :mod:`eval.judges`: the faithfulness judges (deterministic, LLM, calibrated entailment);
  :mod:`eval.calibration`: hand-labelled answer sentences and each judge's agreement with them.
- :mod:`eval.reports`: the report.json blocks (:mod:`~eval.reports.blocks`), writing report.json and report.html
  (:mod:`~eval.reports.write`, :mod:`~eval.reports.html`), comparing two reports (:mod:`~eval.reports.compare`),
  the committed baseline and its regression gate (:mod:`~eval.reports.baseline`).
- :mod:`eval.cli`: the body of ``assistant eval``.
"""
