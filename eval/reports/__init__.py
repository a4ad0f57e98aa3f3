"""Eval reports: the report.json blocks, report.html with its charts and worst examples, comparing two reports, and the committed baseline with its regression gate."""
