"""HTML rendering for the chat UI: answers, citation chips, the sources panel, the article viewer, tables.

Design: pure functions from the library's own records (:class:`assistant.answer.answerer.Answer`, article metadata
dicts) to HTML strings; no Gradio, no store access, no answering logic. Every piece of text that comes from an
article, a title, a question or the model goes through :func:`html.escape` before it lands in markup, so article
HTML is shown as text and never executes (the chat component is told not to sanitize: escaping here is the one
line of defence, and it is total). Before escaping, control characters and terminal escape sequences are taken
out of it (:func:`assistant.text.safe.display_text`: the stored text keeps them verbatim, the page never shows
them), and the short metadata fields of the meta line (source, date, language; a source is often a file name)
have their bidi controls shown as ``\\uXXXX`` so they cannot reorder the rest of the line. Every block carries
``dir="auto"`` so an Arabic block reads right-to-left and an English one left-to-right inside the same message.

A citation marker ``[n]`` in the answer text becomes a chip: a ``<button class="nqa-chip" data-citation="n"
data-turn="t">`` (``t`` is the 0-based chat turn, because every answer numbers its citations from 1). The article
viewer wraps exactly ``text[start:end]`` of the stored article in ``<mark id="cite-n">``; the text around it is the
escaped article, unchanged (whitespace is kept with ``white-space: pre-wrap``).

Limits: the viewer highlights one span at a time; the article is one ``dir="auto"`` block (its direction comes
from its first strong character), so an article mixing languages paragraph by paragraph reads in one direction.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from html import escape

from assistant.text.safe import display_text
from prompts import QUOTED

_MARKER = re.compile(r"\[(\d+)\]")

LANG_NAMES = {"ar": "Arabic", "en": "English"}

CSS = """
#nqa-style{display:none}
.nqa-answer,.nqa-abstain,.nqa-draft,.nqa-question{line-height:1.6;text-align:start}
.nqa-draft{color:#57606a;font-style:italic}
button.nqa-chip.nqa-chip{display:inline-block;min-width:1.5em;margin:0 .15em;padding:0 .4em;border:1px solid #0969da;
 border-radius:999px;background:#ddf4ff;color:#0969da;font-size:.8em;font-weight:600;line-height:1.5;cursor:pointer;
 unicode-bidi:isolate;vertical-align:baseline}
button.nqa-chip.nqa-chip:hover,button.nqa-chip.nqa-chip:focus{background:#0969da;color:#fff}
.nqa-abstain{border:1px solid #d4a72c;border-inline-start:4px solid #bf8700;background:#fff8c5;color:#3d2e00;
 padding:.6em .8em;border-radius:6px}
.nqa-abstain .nqa-label{font-weight:700;display:block;margin-bottom:.2em}
.nqa-closest{margin:.4em 0 0;font-size:.9em}
.nqa-closest,.nqa-removed ul{list-style-position:inside;padding:0!important;margin-inline-start:0!important}
.nqa-removed{margin-top:.5em;font-size:.82em;color:#57606a}
.nqa-short{font-size:1.15em;margin-bottom:.35em}
.nqa-answer mark.nqa-answering{background:#fff1a8;color:inherit;padding:0 .1em;border-radius:3px}
.nqa-translation{margin:.2em 0 .4em;font-size:.85em;color:#57606a}
.nqa-translation summary{cursor:pointer;font-style:italic}
.nqa-removed summary{cursor:pointer}
.nqa-removed s{color:#8c959f}
.nqa-note{margin-top:.4em;font-size:.82em;color:#57606a}
.nqa-source-group{margin:.2em 0 .5em}
.nqa-source-heading{font-weight:600;font-size:.9em;color:#24292f}
.nqa-conflict{color:#9a6700;font-size:.9em}
.nqa-sources{display:flex;flex-direction:column;gap:.6em}
.nqa-source{border:1px solid #d0d7de;border-radius:6px;padding:.5em .7em}
.nqa-source .nqa-title{font-weight:600}
.nqa-meta{color:#57606a;font-size:.85em}
.nqa-quote{margin:.35em 0 0;padding:.2em .6em;border-inline-start:3px solid #0969da;background:#f6f8fa}
.nqa-article{border:1px solid #d0d7de;border-radius:6px;padding:.7em .9em}
.nqa-article-text{white-space:pre-wrap;line-height:1.7;max-height:32em;overflow-y:auto;margin-top:.5em}
.nqa-article mark{background:#ffd33d;color:#1f2328;padding:0 .1em;border-radius:3px}
.nqa-empty{color:#8c959f;font-style:italic}
.nqa-status{padding:.3em 0;font-variant-numeric:tabular-nums}
.nqa-error{border:1px solid #cf222e;background:#ffebe9;color:#82071e;padding:.5em .7em;border-radius:6px}
.nqa-trace{width:100%;border-collapse:collapse;font-size:.85em}
.nqa-trace th,.nqa-trace td{border:1px solid #d0d7de;padding:.25em .5em;text-align:start;vertical-align:top}
.nqa-trace td.num{text-align:end;font-variant-numeric:tabular-nums}
"""


def style_tag() -> str:
    """The UI's stylesheet as a ``<style>`` element (shipped inside the page, so it survives mounting)."""
    return f"<style>{CSS}</style>"


def _e(value) -> str:
    """Text for the page: controls and escape sequences out (:func:`display_text`), then HTML-escaped."""
    return escape(display_text("" if value is None else str(value)), quote=True)


def _field(value) -> str:
    """A one-line metadata value (a source, possibly a file name): controls and bidi controls shown as escapes."""
    return escape(display_text("" if value is None else str(value), one_line=True), quote=True)


def chip(n: int, turn: int) -> str:
    """A clickable citation chip for citation ``n`` of chat turn ``turn``."""
    return (
        f'<button type="button" class="nqa-chip" data-citation="{int(n)}" data-turn="{int(turn)}" '
        f'title="Show source {int(n)}">{int(n)}</button>'
    )


_QUOTE = re.compile(r"«[^«»]*»|“[^“”]*”")


def isolated_quotes(text: str) -> str:
    """Escape ``text``, each quote «…» / “…” inside it in its own ``<bdi dir="auto">``: an Arabic quote in an
    English sentence (or the reverse) is laid out in its own direction as one unit, so its guillemets stay at its
    two ends however the line wraps."""
    out, pos = [], 0
    for m in _QUOTE.finditer(text):
        out.append(_e(text[pos : m.start()]))
        out.append(f'<bdi class="nqa-q" dir="auto">{_e(m.group(0))}</bdi>')
        pos = m.end()
    out.append(_e(text[pos:]))
    return "".join(out)


def answer_text_html(text: str, turn: int, valid: Iterable[int] | None = None) -> str:
    """Escape the answer text (quotes isolated: :func:`isolated_quotes`) and turn each ``[n]`` marker into a chip
    (markers not in ``valid`` stay text)."""
    ok = None if valid is None else set(valid)
    out, pos = [], 0
    for m in _MARKER.finditer(text):
        n = int(m.group(1))
        if ok is not None and n not in ok:
            continue
        out.append(isolated_quotes(text[pos : m.start()]))
        out.append(chip(n, turn))
        pos = m.end()
    out.append(isolated_quotes(text[pos:]))
    return "".join(out)


def _quote_html(body: str, marked: Sequence[Mapping]) -> str:
    """A quote's text, escaped, the answering words (``marked``: offsets into ``body``) in ``<mark>``."""
    out, pos = [], 0
    for m in sorted(marked or [], key=lambda m: m.get("start", 0)):
        a, b = int(m.get("start", 0)), int(m.get("end", 0))
        if not pos <= a < b <= len(body):
            continue
        out.append(_e(body[pos:a]) + f'<mark class="nqa-answering">{_e(body[a:b])}</mark>')
        pos = b
    return "".join(out) + _e(body[pos:])


def sentence_html(entry: Mapping, turn: int) -> str:
    """One sentence of an attributed answer: its text with its chip; in a quoted sentence the quote is isolated
    for bidirectional text with the answering words marked; an unverified machine translation, when there is
    one, folded under it and labelled as such."""
    text = str(entry.get("sentence") or "")
    chips = "".join(chip(int(n), turn) for n in entry.get("citations") or [])
    m = QUOTED.search(text) if entry.get("kind") == "quoted" else None
    if m:
        body = (
            isolated_quotes(text[: m.start()]) + f'<bdi class="nqa-q" dir="auto">«'
            f"{_quote_html(m.group(1), entry.get('marked') or [])}»</bdi>" + isolated_quotes(text[m.end() :])
        )
    else:
        body = isolated_quotes(text)
    html = f'<span class="nqa-sentence" data-kind="{_e(entry.get("kind") or "")}" dir="auto">{body} {chips}</span>'
    tr = entry.get("translation")
    if tr and tr.get("text"):
        html += (
            f'<details class="nqa-translation" data-verified="false"><summary>Machine translation (not '
            f'verified)</summary><div dir="auto">{_e(tr["text"])}</div></details>'
        )
    return html


def render_draft(text: str) -> str:
    """The model's draft while it streams: plain escaped text, marked as not yet verified."""
    body = _e(text) if text.strip() else "…"
    return f'<div class="nqa-draft" dir="auto" data-state="draft">{body}</div>'


def render_user(text: str) -> str:
    return f'<div class="nqa-question" dir="auto">{_e(text)}</div>'


def render_error(message: str) -> str:
    return f'<div class="nqa-error" dir="auto" role="alert">{_e(message)}</div>'


def _removed_html(removed: Sequence[Mapping]) -> str:
    if not removed:
        return ""
    items = "".join(
        f'<li><s dir="auto">{_e(r.get("sentence"))}</s> <span class="nqa-reason">— {_e(r.get("reason"))}</span></li>'
        for r in removed
    )
    n = len(removed)
    label = f"{n} sentence{'s' if n != 1 else ''} removed (not supported by the articles)"
    return f'<details class="nqa-removed" data-removed="{n}"><summary>{label}</summary><ul>{items}</ul></details>'


def render_answer(answer, turn: int) -> str:
    """The verified answer as a chat message: chips for markers, a removed-sentences note, or an abstention
    notice (a distinct styled box listing the closest sources)."""
    if answer.abstained:
        closest = "".join(
            f'<li dir="auto"><span class="nqa-title" dir="auto">{_e(s.get("title") or s.get("doc_id"))}</span> '
            f'<span class="nqa-meta">({_field(s.get("source") or "unknown source")}, '
            f"score {float(s.get('score', 0)):.2f})"
            f"</span></li>"
            for s in (answer.closest_sources or [])
        )
        closest_html = (
            f'<div class="nqa-meta">Closest articles:</div><ul class="nqa-closest">{closest}</ul>' if closest else ""
        )
        body = (
            f'<div class="nqa-abstain" role="note" data-abstained="true"><span class="nqa-label">'
            f'Not found in the articles</span><div dir="auto">{_e(answer.answer)}</div>{closest_html}</div>'
        )
    elif any(s.get("kind") for s in answer.sentences or []):  # attributed: sentence by sentence
        short = getattr(answer, "short_answer", None)
        lead = (
            f'<div class="nqa-short" dir="auto"><strong dir="auto">{_e(short["text"])}</strong> '
            f"{chip(int(short['citation']), turn)}</div>"
            if short
            else ""
        )
        parts = _sentences_html(answer, turn)
        body = f'<div class="nqa-answer" dir="auto">{_dates_html(answer, "lead")}{lead}{parts}</div>'
        body += _conflicts_html(answer, turn) + _dates_html(answer, "undated")
    else:
        ids = [c.id for c in answer.citations]
        body = f'<div class="nqa-answer" dir="auto">{answer_text_html(answer.answer, turn, ids)}</div>'
    fallback = getattr(answer, "fallback", None)
    note = (
        f'<div class="nqa-note">The model failed ({_e(fallback)}); the best evidence is quoted instead.</div>'
        if fallback
        else ""
    )
    return body + _removed_html(answer.removed or []) + note


def _sentences_html(answer, turn: int) -> str:
    """An attributed answer's sentences; when they come from several sources (``source_groups``), under each
    source's heading with its dates, in the question's language, as the answer text gives them."""
    groups = getattr(answer, "source_groups", None) or []
    if not groups:
        return " ".join(sentence_html(s, turn) for s in answer.sentences)
    from assistant.answer.sources import group_heading

    lang = getattr(answer, "language", "en")
    by_citation = {int(c): s for s in answer.sentences for c in (s.get("citations") or [])[:1]}
    out = []
    for g in groups:
        shown = " ".join(sentence_html(by_citation[int(i)], turn) for i in g["citations"] if int(i) in by_citation)
        title = _e(group_heading(g, lang))
        out.append(
            f'<div class="nqa-source-group" dir="auto"><div class="nqa-source-heading" dir="auto">{title}</div>'
            f"{shown}</div>"
        )
    return "".join(out)


def _conflicts_html(answer, turn: int) -> str:
    """Where the sources give different values for what was asked: the note that names each and cites it."""
    conflicts = getattr(answer, "conflicts", None) or []
    if not conflicts:
        return ""
    from assistant.answer.sources import conflict_text

    text = conflict_text(conflicts, getattr(answer, "language", "en"))
    ids = [c.id for c in answer.citations]
    return f'<div class="nqa-note nqa-conflict" role="note" dir="auto">{answer_text_html(text, turn, ids)}</div>'


def _dates_html(answer, part: str) -> str:
    """For an attributed answer (drawn from its sentences, not its text): the date range the question's time
    expression became (``part="lead"``) or the undated articles it left out (``"undated"``), as the text says them."""
    from assistant.answer.grounding import time_range_text, undated_text

    lang = getattr(answer, "language", "en")
    if part == "lead" and getattr(answer, "time_range", None):
        return f'<div class="nqa-range" dir="auto">{_e(time_range_text(lang, answer.time_range))}</div>'
    undated = getattr(answer, "undated_excluded", None) or 0
    if part == "undated" and undated:
        return f'<div class="nqa-note nqa-undated" dir="auto">{_e(undated_text(lang, undated))}</div>'
    return ""


def _meta_line(meta: Mapping) -> str:
    parts = [
        meta.get("source") or "unknown source",
        (meta.get("published") or "")[:10] or "undated",
        LANG_NAMES.get(meta.get("lang") or "", meta.get("lang") or "unknown language"),
    ]
    return " · ".join(_field(p) for p in parts)


def render_sources(answer, metas: Mapping[str, Mapping], turn: int) -> str:
    """The sources panel: one card per cited article (title, source, date, language), holding each of its
    citations (chip and quoted span) in citation order."""
    if answer is None:
        return '<div class="nqa-empty">Sources of the latest answer appear here.</div>'
    if answer.abstained:
        return '<div class="nqa-empty">No sources: the articles do not answer this question.</div>'
    if not answer.citations:
        return '<div class="nqa-empty">No sources cited.</div>'
    by_doc: dict[str, list] = {}
    for c in answer.citations:
        by_doc.setdefault(c.doc_id, []).append(c)
    rows = []
    for doc_id, cites in by_doc.items():
        first = cites[0]
        meta = dict(metas.get(doc_id) or {})
        meta.setdefault("source", first.source)
        meta.setdefault("published", getattr(first, "published", None))
        meta.setdefault("lang", first.lang)
        quotes = "".join(
            f'<div class="nqa-cited">{chip(c.id, turn)} '
            f'<blockquote class="nqa-quote" dir="auto">{_e(c.quote)}</blockquote></div>'
            for c in cites
        )
        rows.append(
            f'<div class="nqa-source" data-doc="{_e(doc_id)}">'
            f'<span class="nqa-title" dir="auto">{_e(first.title or doc_id)}</span>'
            f'<div class="nqa-meta">{_meta_line(meta)}</div>{quotes}</div>'
        )
    return f'<div class="nqa-sources" data-turn="{int(turn)}">{"".join(rows)}</div>'


def render_article(
    text: str,
    *,
    title: str | None = None,
    meta: Mapping | None = None,
    start: int | None = None,
    end: int | None = None,
    cite_id: int | None = None,
) -> str:
    """The full article, escaped, with ``text[start:end]`` wrapped in ``<mark id="cite-{cite_id}">``."""
    meta = meta or {}
    head = (
        f'<h3 class="nqa-title" dir="auto">{_e(title or meta.get("id") or "Untitled")}</h3>'
        f'<div class="nqa-meta">{_meta_line(meta)}</div>'
    )
    if start is not None and end is not None and 0 <= start <= end <= len(text):
        mark_id = f' id="cite-{int(cite_id)}"' if cite_id is not None else ""
        body = f"{_e(text[:start])}<mark{mark_id}>{_e(text[start:end])}</mark>{_e(text[end:])}"
        label = f"Citation [{int(cite_id)}]" if cite_id is not None else "Highlighted span"
        head += f'<div class="nqa-meta nqa-span">{label}: characters {int(start)}–{int(end)}</div>'
    else:
        body = _e(text)
    return f'<article class="nqa-article">{head}<div class="nqa-article-text" dir="auto">{body}</div></article>'


def render_placeholder(message: str) -> str:
    return f'<div class="nqa-empty" dir="auto">{_e(message)}</div>'


def render_status(message: str) -> str:
    """A one-line result (an ingest summary, an eval's metrics)."""
    return f'<div class="nqa-status" dir="auto" role="status">{_e(message)}</div>'


def render_trace(retrieved: Sequence[Mapping], chunks: Mapping[str, Mapping] | None = None) -> str:
    """The retrieval trace: rank, score, article and chunk ids, and the start of each chunk's text."""
    if not retrieved:
        return render_placeholder("Nothing retrieved.")
    chunks = chunks or {}
    rows = []
    for i, r in enumerate(retrieved, 1):
        chunk_id = r.get("chunk_id")
        info = (chunks.get(chunk_id) if chunk_id is not None else None) or {}
        snippet = " ".join(str(info.get("text") or "").split())
        snippet = snippet[:160] + ("…" if len(snippet) > 160 else "")
        rows.append(
            f'<tr><td class="num">{i}</td><td class="num">{float(r.get("score", 0)):.4f}</td>'
            f'<td dir="auto">{_e(info.get("title") or r.get("doc_id"))}</td><td><code>{_e(r.get("chunk_id"))}'
            f'</code></td><td dir="auto">{_e(snippet)}</td></tr>'
        )
    return (
        '<table class="nqa-trace"><thead><tr><th>#</th><th>score</th><th>article</th><th>chunk</th>'
        f"<th>text</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def render_backend(config: Mapping) -> str:
    """The backend in use, one line (for a read-only text field)."""
    return " · ".join(f"{k}: {v}" for k, v in config.items())
