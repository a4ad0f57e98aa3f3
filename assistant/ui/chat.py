"""Chat tab handlers: stream an answer into the chat, fill the sources panel, open a cited span in the viewer.

Design: a thin adapter over :meth:`assistant.answer.answerer.Answerer.stream`. ``respond`` is a generator Gradio
streams from: the question appears at once, the model's draft tokens appear as they arrive (escaped, marked as a
draft) in synthesized mode, or, in attributed mode, each verified sentence appears with its chip and its source
card as soon as it passes its check; the ``final`` event's verified answer replaces what was shown (sentences may have been removed and
citations renumbered by the answerer; the UI only formats what it is given). The conversation kept in the session
state is ``{"history": [{"role", "content"}], "turns": [[citation dicts]]}``: ``history`` (raw question and answer
texts, never HTML) is handed back to ``Answerer.stream`` so follow-ups work, ``turns`` lets a chip of any earlier
message open its own citation.

Opening a citation re-reads the article from the store and highlights ``text[start:end]``; when the stored text no
longer matches the quote (the article was re-ingested with new text since the answer) the article is shown without
a highlight, with a notice, rather than highlighting the wrong words.

Limits: one question at a time per browser session; the chat display holds HTML (escaped by :mod:`render`).
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import date
from typing import Any

from assistant.errors import AssistantError, ConfigError
from assistant.retrieval.retriever import Filters
from assistant.ui import render

log = logging.getLogger(__name__)

ANY_LANG = "any"


def _partial_answer(question: str, sentences: list):
    """The answer so far, from the ``sentence`` events received (for display while the rest is checked)."""
    from assistant.answer.answerer import Answer
    from assistant.answer.citations import render_with_markers

    cites = [c for e in sentences for c in e.citations or []]
    text = render_with_markers([(e.sentence["sentence"], e.sentence["citations"]) for e in sentences])
    return Answer(question, "", text, False, cites, [], {}, sentences=[e.sentence for e in sentences])


def new_state() -> dict:
    return {"history": [], "turns": []}


def make_filters(lang: str | None, source: str | None, date_from: str | None, date_to: str | None) -> Filters:
    """The retrieval filters from the controls (raises ConfigError naming a bad field)."""
    return Filters.from_mapping(
        {
            "lang": None if lang in (None, "", ANY_LANG) else lang,
            "source": (source or "").strip() or None,
            "date_from": (date_from or "").strip() or None,
            "date_to": (date_to or "").strip() or None,
        }
    )


def parse_reference(value: str | None) -> date | None:
    """The reference date control as a date (blank: None, the answerer's today); a ConfigError names the field."""
    text = (value or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"reference date must be a calendar date as YYYY-MM-DD, got {text!r}") from None


class ChatHandlers:
    def __init__(self, services):
        self.services = services

    # -- helpers ------------------------------------------------------------------------------------------
    def _metas(self, doc_ids) -> dict[str, dict]:
        out = {}
        for doc_id in dict.fromkeys(doc_ids):
            rec = self.services.library.articles.get(doc_id)
            if rec is not None:
                out[doc_id] = rec.meta()
        return out

    def _trace(self, retrieved: list[dict]) -> str:
        try:
            chunks = self.services.library.index.get([r["chunk_id"] for r in retrieved])
        except Exception:  # the trace is a debugging aid: a store hiccup must not break the answer
            log.warning("could not read retrieved chunks for the trace", exc_info=True)
            chunks = {}
        info = {cid: {"text": c.text, "title": c.metadata.get("title")} for cid, c in chunks.items()}
        return render.render_trace(retrieved, info)

    # -- events -------------------------------------------------------------------------------------------
    def respond(self, message, display, state, top_k, lang, source, date_from, date_to, show_trace, reference=""):
        """Stream one answer. Yields ``(chat display, sources html, trace html, state, question box)``.
        ``reference``: the day the question's "yesterday" or "last week" counts from (YYYY-MM-DD; blank: today)."""
        import gradio as gr

        question = (message or "").strip()
        state = state or new_state()
        display = list(display or [])
        if not question:
            yield display, gr.skip(), gr.skip(), state, message
            return
        turn = len(state["turns"])
        display.append({"role": "user", "content": render.render_user(question)})
        display.append({"role": "assistant", "content": render.render_draft("")})
        yield display, gr.skip(), gr.skip(), state, ""

        def show(html: str) -> list:
            """A new list each time: Gradio diffs a streamed value against the previous one it was given."""
            return display[:-1] + [{"role": "assistant", "content": html}]

        try:
            filters = make_filters(lang, source, date_from, date_to)
            reference_date = parse_reference(reference)
        except AssistantError as e:
            yield show(render.render_error(str(e))), gr.skip(), gr.skip(), state, question
            return
        draft, answer, trace, sentences = "", None, gr.skip(), []
        try:
            stream = self.services.answerer().stream(
                question,
                top_k=int(top_k) if top_k else None,
                filters=filters,
                history=state["history"] or None,
                reference_date=reference_date,
            )
            for event in stream:
                if event.type == "retrieved":
                    trace = self._trace(event.retrieved or []) if show_trace else ""
                    yield gr.skip(), gr.skip(), trace, state, ""
                elif event.type == "token":
                    draft += event.text
                    yield show(render.render_draft(draft)), gr.skip(), gr.skip(), state, ""
                elif event.type == "sentence":
                    sentences.append(event)
                    partial = _partial_answer(question, sentences)
                    metas = self._metas([c.doc_id for c in partial.citations])
                    partial_state = {
                        "history": state["history"],
                        "turns": state["turns"] + [[asdict(c) for c in partial.citations]],
                    }
                    yield (
                        show(render.render_answer(partial, turn)),
                        render.render_sources(partial, metas, turn),
                        gr.skip(),
                        partial_state,
                        "",
                    )
                elif event.type == "final":
                    answer = event.answer
        except AssistantError as e:
            yield show(render.render_error(f"Could not answer: {e}")), gr.skip(), gr.skip(), state, question
            return
        if answer is None:  # the answerer always ends with a final event; guard anyway
            yield show(render.render_error("No answer was produced.")), gr.skip(), gr.skip(), state, question
            return
        state = {
            "history": state["history"]
            + [{"role": "user", "content": question}, {"role": "assistant", "content": answer.answer}],
            "turns": state["turns"] + [[asdict(c) for c in answer.citations]],
        }
        metas = self._metas([c.doc_id for c in answer.citations])
        yield show(render.render_answer(answer, turn)), render.render_sources(answer, metas, turn), trace, state, ""

    def open_citation(self, state, evt=None) -> str:
        """The article viewer for the chip that was clicked (its data: ``{"turn", "citation"}``)."""
        data: Any = getattr(evt, "_data", None) or {}
        try:
            turn, n = int(data.get("turn")), int(data.get("citation"))
        except (TypeError, ValueError):
            return render.render_placeholder("Click a citation to see its article.")
        turns = (state or new_state())["turns"]
        if not 0 <= turn < len(turns):
            turn = len(turns) - 1  # a chip without a turn: the latest answer
        cite = next((c for c in (turns[turn] if turns else []) if c["id"] == n), None)
        if cite is None:
            return render.render_placeholder(f"Citation [{n}] is not part of this conversation.")
        rec = self.services.library.articles.get(cite["doc_id"])
        if rec is None:
            return render.render_placeholder("That article has been deleted from the library.")
        meta = rec.meta()
        if rec.text[cite["start"] : cite["end"]] != cite["quote"]:
            notice = render.render_error("The article changed since this answer; the cited span is no longer there.")
            return notice + render.render_article(rec.text, title=rec.title, meta=meta)
        return render.render_article(
            rec.text, title=rec.title, meta=meta, start=cite["start"], end=cite["end"], cite_id=n
        )

    def latest_article(self, state) -> str:
        """The article viewer on the first citation of the latest answer (the panel follows the conversation)."""
        turns = (state or new_state())["turns"]
        if not turns or not turns[-1]:
            return render.render_placeholder("Click a citation to see its article.")

        class _Click:
            _data = {"turn": len(turns) - 1, "citation": turns[-1][0]["id"]}

        return self.open_citation(state, _Click())

    @staticmethod
    def clear():
        return (
            [],
            render.render_sources(None, {}, 0),
            "",
            render.render_placeholder("Click a citation to see its article."),
            new_state(),
        )
