"""The evaluation suite (retrieval, answer correctness, citations, faithfulness). Filled in by the eval work;
nothing here is wired into the CLI yet."""
