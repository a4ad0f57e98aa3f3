"""Turning files into articles: loaders, Arabic-aware text handling, chunking, and the ingest pipeline."""
