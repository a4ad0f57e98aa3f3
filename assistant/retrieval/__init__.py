"""Retrieval: from a question to ranked chunks of the store (hybrid vector, sentence and same-language lexical search, fused, filtered in the index)."""
