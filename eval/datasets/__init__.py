"""Eval datasets: the records (questions, gold answers, corpus) and their loaders (SQuAD v1.1 JSON, the contract's JSONL)."""
