"""The JSON answer format: schema, whole-reply conversion and the streaming reader, over Arabic and English."""

from __future__ import annotations

import json

import pytest

from assistant.answer.structured import JsonAnswerStream, answer_schema, to_text

REPLIES = [
    ({"sentences": [{"text": "Russia backed the army.", "citations": [2]}]}, "Russia backed the army [2]."),
    (
        {"sentences": [{"text": "أكد الجانب الروسي دعمه للجيش؟", "citations": [1, 3]}]},
        "أكد الجانب الروسي دعمه للجيش [1][3]؟",
    ),
    (
        {"sentences": [{"text": "قرار ٢٢٥٤ مهم.", "citations": [1]}, {"text": 'Talks in "Geneva"', "citations": [2]}]},
        'قرار ٢٢٥٤ مهم [1]. Talks in "Geneva" [2]',
    ),
    ({"sentences": [{"text": "First. Second one.", "citations": [4]}]}, "First [4]. Second one [4]."),
    ({"sentences": []}, ""),
]


@pytest.mark.parametrize("data, expected", REPLIES)
@pytest.mark.parametrize("ascii_only", [False, True])
def test_to_text_renders_markers(data, expected, ascii_only):
    assert to_text(json.dumps(data, ensure_ascii=ascii_only)) == expected


@pytest.mark.parametrize("data, expected", REPLIES)
@pytest.mark.parametrize("size", [1, 3, 7])
def test_streamed_pieces_only_append_and_end_with_every_sentence(data, expected, size):
    raw = json.dumps(data, ensure_ascii=False)  # also split inside \\" escapes and multi-byte letters
    reader = JsonAnswerStream()
    shown = "".join(reader.feed(raw[i : i + size]) for i in range(0, len(raw), size))
    assert "{" not in shown and '\\"' not in shown
    for item in data["sentences"]:
        assert item["text"] in shown
    assert reader.text() == expected


def test_escapes_split_across_pieces_decode_once_complete():
    raw = json.dumps({"sentences": [{"text": 'قال "نعم"', "citations": [1]}]})  # \\u escapes
    reader = JsonAnswerStream()
    out = "".join(reader.feed(ch) for ch in raw)
    assert out == 'قال "نعم" [1]'


def test_plain_text_passes_through_and_a_cut_off_reply_keeps_complete_sentences():
    reader = JsonAnswerStream()
    assert reader.feed("It rained [1].") == "It rained [1]." and reader.text() == "It rained [1]."
    cut = '{"sentences": [{"text": "Done.", "citations": [1]}, {"text": "Half a sen'
    assert to_text(cut) == "Done. [1]"


def test_schema_allows_only_offered_numbers_and_needs_a_citation():
    items = answer_schema([3, 1, 2])["properties"]["sentences"]["items"]
    assert items["properties"]["citations"]["items"]["enum"] == [1, 2, 3]
    assert items["properties"]["citations"]["minItems"] == 1 and items["required"] == ["text", "citations"]


def test_text_grammar_lists_only_offered_numbers_and_compiles_for_llama_cpp():
    from assistant.answer.structured import answer_grammar

    g = answer_grammar([3, 1, 12, 2], "NOT_IN_ARTICLES")
    num = next(line for line in g.splitlines() if line.startswith("num ::="))
    assert num == 'num ::= "12" | "1" | "2" | "3"'  # longest first, so "12" is never read as "1" then "2"
    assert 'root ::= "NOT_IN_ARTICLES" | sentence' in g
    assert "\\u061F" in g  # the Arabic question mark ends a sentence too
    llama_cpp = pytest.importorskip("llama_cpp")
    llama_cpp.LlamaGrammar.from_string(g, verbose=False)  # raises on a grammar llama.cpp cannot parse


def test_the_local_backend_hands_the_grammar_to_llama_cpp_and_prefers_a_json_schema():
    llama_cpp = pytest.importorskip("llama_cpp")
    from assistant.answer.structured import answer_grammar
    from assistant.backends.base import Message
    from assistant.backends.local import LlamaCppLLM

    llm = LlamaCppLLM("/nonexistent/model.gguf", n_ctx=512, n_threads=1)  # loads lazily: no model needed here
    g = answer_grammar([1, 2], "NOT_IN_ARTICLES")
    kw = llm._kwargs([Message("user", "q")], 16, 0.0, None, g)
    assert isinstance(kw["grammar"], llama_cpp.LlamaGrammar) and "response_format" not in kw
    assert llm._kwargs([Message("user", "q")], 16, 0.0, None, g)["grammar"] is kw["grammar"]  # compiled once
    kw = llm._kwargs([Message("user", "q")], 16, 0.0, answer_schema([1, 2]), g)
    assert "grammar" not in kw and kw["response_format"]["schema"] == answer_schema([1, 2])


def test_a_local_model_that_cannot_load_is_a_backend_error_naming_it_for_every_call(allow_model_requests):
    pytest.importorskip("llama_cpp")
    from assistant.backends.base import Message
    from assistant.backends.local import LlamaCppLLM
    from assistant.errors import BackendError

    llm = LlamaCppLLM("/nonexistent/model.gguf", n_ctx=256, n_threads=1)
    calls = [
        lambda: llm.complete([Message("user", "q")], max_tokens=2),
        lambda: list(llm.stream([Message("user", "q")], max_tokens=2)),
        lambda: llm.warm([Message("system", "s")]),
    ]
    for call in calls:
        with pytest.raises(BackendError, match="/nonexistent/model.gguf"):
            call()
    assert not llm._lock.locked()  # a failed call never keeps the model held
