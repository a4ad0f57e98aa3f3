"""Turning files into articles: loaders for every supported format, byte decoding, the records they produce, and
the ingest pipeline that writes articles, chunks and vectors to the store (:mod:`assistant.store`)."""
