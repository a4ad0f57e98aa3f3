"""Things declared once: the answer options are the settings' (same names, same defaults, same choices), the
backend names live in the registry alone (settings asks it; the registry never imports settings, not even for
type checking), and chunk and sentence ids are written and read only by assistant/store/keys.py."""

from __future__ import annotations

import ast
import re
import typing
from dataclasses import MISSING, fields
from pathlib import Path

import pytest

from assistant.answer import options as answer_options
from assistant.answer.answerer import Answerer, AnswerOptions
from assistant.backends.fake import FakeEmbedder, FakeLLM
from assistant.errors import ConfigError
from assistant.settings import Settings
from assistant.store.keys import chunk_id_of, doc_id_of, hash_prefix_of, make_chunk_id, make_sentence_id

ROOT = Path(__file__).resolve().parents[1]


# --- answer options ---------------------------------------------------------------------------------------------


def test_every_answer_option_is_a_setting_with_the_same_default():
    for f in fields(AnswerOptions):
        assert f.name in Settings.model_fields, f"AnswerOptions.{f.name} is not a setting"
        assert f.default is not MISSING, f"AnswerOptions.{f.name} has no default"
        assert f.default == Settings.model_fields[f.name].default, f.name
    # the check would see a field that disagreed (the answer mode's default once did)
    assert AnswerOptions().answer_mode == Settings.model_fields["answer_mode"].default == "auto"


def test_the_choices_are_the_settings_literals():
    for name, allowed in (
        ("answer_mode", answer_options.ANSWER_MODES),
        ("answer_format", answer_options.ANSWER_FORMATS),
        ("cross_language", answer_options.CROSS_LANGUAGE),
        ("unsupported", answer_options.UNSUPPORTED_POLICIES),
    ):
        assert allowed == typing.get_args(Settings.model_fields[name].annotation) and allowed, name
    with pytest.raises(ConfigError, match="unknown answer mode 'fast'; use one of: auto, attributed, synthesized"):
        AnswerOptions(answer_mode="fast")


def test_options_from_settings_take_every_field_and_keywords_override_defaults():
    s = Settings(llm="fake", max_units=2, min_support=0.5, cross_language="quote", short_answers=False)
    o = AnswerOptions.from_settings(s)
    assert {f.name: getattr(o, f.name) for f in fields(o) if f.name != "answer_mode"} == {
        f.name: getattr(s, f.name) for f in fields(o) if f.name != "answer_mode"
    }
    assert (o.max_units, o.min_support, o.cross_language, o.short_answers) == (2, 0.5, "quote", False)
    assert AnswerOptions(min_support=0.1).min_support == 0.1
    assert AnswerOptions().min_support == Settings.model_fields["min_support"].default


class _Named(FakeLLM):
    def __init__(self, name):
        super().__init__()
        self.name = name


@pytest.mark.parametrize(
    "llm, mode",
    [
        (None, "attributed"),
        (_Named("local:qwen.gguf"), "attributed"),
        (FakeLLM(), "synthesized"),
        (_Named("openai:gpt-4o-mini"), "synthesized"),
    ],
)
def test_an_answerer_given_auto_resolves_it_for_its_model(tmp_path, llm, mode):
    from assistant.store.library import Library

    a = Answerer(library=Library(tmp_path / "h"), embedder=FakeEmbedder(), llm=llm, options=AnswerOptions())
    assert a.options.answer_mode == mode and a.config()["answer_mode"] == mode
    explicit = Answerer(
        library=Library(tmp_path / "h"),
        embedder=FakeEmbedder(),
        llm=llm,
        options=AnswerOptions(answer_mode="synthesized"),
    )
    assert explicit.options.answer_mode == "synthesized"


# --- settings and the backend registry --------------------------------------------------------------------------


def _imported(path: Path) -> set[str]:
    """Every module ``path`` imports anywhere, ``if TYPE_CHECKING:`` blocks included."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)
    return out


def test_settings_ask_the_registry_and_the_registry_never_imports_settings():
    assert "assistant.backends.registry" in _imported(ROOT / "assistant" / "settings.py")
    for path in (ROOT / "assistant" / "backends").glob("*.py"):
        assert not {m for m in _imported(path) if m.startswith("assistant.settings")}, path.name


# --- chunk and sentence ids -------------------------------------------------------------------------------------


@pytest.mark.parametrize("doc_id", ["idlib-talks.ar.txt", "https://x.org/a:b", "id-0123456789abcdef"])
def test_chunk_and_sentence_ids_read_back(doc_id):
    h = "0a1b2c3d" + "e" * 56
    cid = make_chunk_id(doc_id, h, 12)
    sid = make_sentence_id(cid, 3)
    assert cid == f"{doc_id}:0a1b2c3d:12" and sid == f"{cid}:s3"
    assert doc_id_of(cid) == doc_id_of(sid) == doc_id
    assert chunk_id_of(sid) == cid
    assert hash_prefix_of(cid, doc_id) == "0a1b2c3d" and hash_prefix_of(cid, "other") is None
    assert doc_id_of("not an id") is None


# A chunk id written by hand (f"{x}:{h[:8]}:{i}"), a sentence id (f"{c}:s{j}"), or either cut apart by hand.
_HAND_MADE = re.compile(
    r"""f["'][^"']*\{[^}]+\}:\{[^}]+\[:[^\]]+\]\}:\{|f["'][^"']*\}:s\{"""
    r"""|rsplit\(["']:["'],\s*2\)|rsplit\(["']:s["']"""
)


def test_chunk_ids_are_formatted_and_parsed_in_keys_only():
    home = ROOT / "assistant" / "store" / "keys.py"
    found = [
        f"{p.relative_to(ROOT)}:{i}"
        for pkg in ("assistant", "ingest", "eval", "scripts")
        for p in (ROOT / pkg).rglob("*.py")
        if p != home
        for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if _HAND_MADE.search(line)
    ]
    assert not found, "chunk or sentence ids made outside assistant/store/keys.py: " + ", ".join(found)
    written = [line for line in home.read_text(encoding="utf-8").splitlines() if _HAND_MADE.search(line)]
    assert len(written) == 4  # the check would see them there: both formats and both parsers
