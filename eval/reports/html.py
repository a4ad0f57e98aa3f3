"""Full-mode sections of report.html: per-block bar charts and the worst examples with highlighted citations.

Design: pure functions from the report dict to HTML strings, used by :func:`eval.reports.write.render_html`. Charts are
inline SVG (one per metric block, 0-1 scale, ``null`` metrics drawn as "n/a"). The worst examples are the
questions a reader should look at first, by kind: answers with a sentence the judge did not fully support (lowest
support first), wrong abstentions (an answerable question abstained, or an unanswerable one answered), answers
without a gold answer. Each shows the question, the answer,
removed sentences, the judge's verdicts and every citation: its quote inside ``<mark>`` within a window of the
stored article text around it (``before``/``after`` from :mod:`eval.metrics.scoring`). The first kind shown is the
judge's blind spot: answers that are *wrong* (no gold answer in them, not judged correct, or not good) although
the judge passed every sentence as supported, so a reader sees what the judged figures miss. Every string is escaped; text blocks
carry ``dir="auto"`` so Arabic renders right-to-left.

Limits: at most ``PER_KIND`` examples of each kind (the count of each is shown); the source window is what the
report stored (160 characters a side)."""

from __future__ import annotations

from html import escape

PER_KIND = 10
CHARTS = (
    ("answer", (("exact_match", "EM"), ("f1", "F1"), ("contains_gold", "contains"))),
    (
        "citations",
        (("valid_rate", "valid"), ("precision", "precision"), ("recall", "recall"), ("gold_evidence_hit", "gold hit")),
    ),
    ("faithfulness", (("score", "score"), ("unsupported_rate", "unsupported"))),
    ("abstention", (("accuracy_unanswerable", "unans. acc"), ("false_abstention_rate", "false abst."))),
)
LOWER_IS_BETTER = {"unsupported", "false abst."}
"""Chart labels of metrics where lower is better: drawn in orange."""
FULL_CSS = """
.ex{border:1px solid #d0d7de;border-radius:6px;padding:.6rem .9rem;margin:.8rem 0}
.ex h3{font-size:1rem;margin:.2rem 0}.why{color:#cf222e;font-weight:600}
.cite{margin:.4rem 0;padding:.4rem .6rem;background:#f6f8fa;border-radius:4px}
mark{background:#fff3b0;padding:0 .1em}.bad{color:#cf222e}.good{color:#1a7f37}
.charts{display:flex;flex-wrap:wrap;gap:1.5rem}.charts figure{margin:0}
.qa{display:flex;gap:.6rem;margin:.35rem 0}.qa>div{flex:1}
"""


def bar_chart(title: str, items: list[tuple[str, float | None]]) -> str:
    """An inline SVG bar chart of 0-1 values; ``None`` is labelled n/a."""
    bar_w, gap, height, top, bottom = 56, 20, 140, 20, 36
    width = len(items) * (bar_w + gap) + gap
    parts = [
        f'<figure><svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + top + bottom}" '
        f'role="img" aria-label="{escape(title)} bar chart">',
        f'<line x1="0" y1="{top + height}" x2="{width}" y2="{top + height}" stroke="#8c959f"/>',
    ]
    for i, (label, v) in enumerate(items):
        x = gap + i * (bar_w + gap)
        if v is None:
            parts.append(
                f'<text x="{x + bar_w / 2}" y="{top + height - 5}" text-anchor="middle" font-size="12" '
                f'fill="#8c959f">n/a</text>'
            )
        else:
            h = max(0.0, min(1.0, float(v))) * height
            y = top + height - h
            fill = "#d4760a" if label in LOWER_IS_BETTER else "#2f81f7"
            parts.append(
                f'<rect x="{x}" y="{y:.1f}" width="{bar_w}" height="{h:.1f}" fill="{fill}">'
                f"<title>{escape(label)}: {v:.3f}</title></rect>"
            )
            parts.append(
                f'<text x="{x + bar_w / 2}" y="{y - 5:.1f}" text-anchor="middle" font-size="12">{v:.3f}</text>'
            )
        parts.append(
            f'<text x="{x + bar_w / 2}" y="{top + height + 18}" text-anchor="middle" font-size="11">'
            f"{escape(label)}</text>"
        )
    parts.append(f"</svg><figcaption>{escape(title)}</figcaption></figure>")
    return "".join(parts)


def charts(report: dict) -> str:
    figs = []
    for block, keys in CHARTS:
        values = report.get(block)
        if isinstance(values, dict):
            figs.append(bar_chart(block, [(label, values.get(k)) for k, label in keys]))
    note = '<p class="help">0–1 scale; orange bars: lower is better; n/a: not measured (empty population).</p>'
    return f'{note}<div class="charts">{"".join(figs)}</div>' if figs else ""


def _min_support(q: dict) -> float:
    scores = [s["judge"]["score"] for s in q.get("sentences") or [] if s.get("judge")]
    return min(scores) if scores else 1.0


def worst_questions(report: dict) -> list[tuple[str, list[dict], int]]:
    """``(why, records shown, how many there are)`` per kind of problem (see the module docstring): each kind is
    capped at ``PER_KIND`` so many abstentions cannot hide the unsupported answers."""
    per = [q for q in report.get("per_question") or [] if "abstained" in q]
    wrong_abst = sorted(
        (q for q in per if q["answerable"] and q["abstained"]), key=lambda q: -len(q.get("removed") or [])
    )  # those with removed sentences say most
    answered_unans = [q for q in per if not q["answerable"] and not q["abstained"]]
    answered = sorted(
        (q for q in per if not q["abstained"] and q["answerable"]),
        key=lambda q: (_min_support(q), q.get("scores", {}).get("contains_gold") or 0.0),
    )

    def _all_passed(q: dict) -> bool:
        return bool(q.get("sentences")) and all((s.get("judge") or {}).get("supported") for s in q["sentences"])

    blind = [
        q
        for q in answered
        if _all_passed(q)
        and (
            (q.get("scores") or {}).get("correct") == 0.0
            or ((q.get("scores") or {}).get("correct") is None and (q.get("scores") or {}).get("contains_gold") == 0.0)
        )
    ]
    low = [q for q in answered if _min_support(q) < 1.0]
    no_gold = [
        q
        for q in answered
        if _min_support(q) >= 1.0 and q.get("scores", {}).get("contains_gold") == 0.0 and q not in blind
    ]
    kinds = [
        ("wrong answer that the judge passed (every sentence judged supported)", blind),
        ("answer sentence not fully supported (lowest judged support first)", low),
        ("abstained on an answerable question", wrong_abst),
        ("answered an unanswerable question", answered_unans),
        ("answer does not contain a gold answer", no_gold),
    ]
    return [(why, qs[:PER_KIND], len(qs)) for why, qs in kinds if qs]


def _citation(c: dict) -> str:
    state = "" if c.get("valid") else ' <span class="bad">(quote does not match the stored text)</span>'
    gold = ' <span class="good">gold evidence</span>' if c.get("gold") else ""
    return (
        f'<div class="cite"><b>[{escape(str(c.get("id")))}]</b> <code>{escape(str(c.get("doc_id")))}</code> '
        f"chars {escape(str(c.get('start')))}–{escape(str(c.get('end')))}{gold}{state}"
        f'<div dir="auto">…{escape(c.get("before") or "")}<mark>{escape(c.get("quote") or "")}</mark>'
        f"{escape(c.get('after') or '')}…</div></div>"
    )


def _verdict(j: dict) -> str:
    ok = j.get("supported")
    return (
        f'<span class="{"good" if ok else "bad"}">{"supported" if ok else "NOT supported"}</span> '
        f"({j.get('score', 0):.2f}; {escape(j.get('reason') or '')})"
    )


def _example(why: str, q: dict) -> str:
    sent_rows = "".join(
        f'<li><div dir="auto">{escape(s["sentence"])}</div><div class="help">cites '
        f"[{', '.join(str(i) for i in s['citations'])}] · judge: {_verdict(s['judge'])}</div></li>"
        for s in q.get("sentences") or []
        if s.get("judge")
    )
    removed = "".join(
        f'<li><div dir="auto">{escape(r.get("sentence") or "")}</div><div class="help">'
        f"{escape(r.get('reason') or '')}</div></li>"
        for r in q.get("removed") or []
    )
    gold = ", ".join(f"<bdi>{escape(a)}</bdi>" for a in q.get("answers") or []) or "—"
    return (
        f'<div class="ex"><h3><span class="why">{escape(why)}</span> · <code>{escape(str(q["id"]))}</code>'
        f" ({escape(str(q.get('lang')))})</h3>"
        f'<div class="qa"><b>Q</b><div dir="auto">{escape(q.get("question") or "")}</div></div>'
        f'<div class="qa"><b>A</b><div dir="auto">{escape(q.get("answer") or "")}</div></div>'
        f'<p class="help">gold answers: {gold}</p>'
        + (f"<p>Shown sentences:</p><ul>{sent_rows}</ul>" if sent_rows else "")
        + (f"<p>Removed by the pipeline:</p><ul>{removed}</ul>" if removed else "")
        + "".join(_citation(c) for c in q.get("citations") or [])
        + "</div>"
    )


def examples(report: dict) -> str:
    worst = worst_questions(report)
    if not worst:
        return '<p class="muted">No wrong abstentions and every answer sentence was judged fully supported.</p>'
    parts = []
    for why, qs, total in worst:
        parts.append(f"<h3>{escape(why)}: {total}" + (f" (first {len(qs)} shown)" if total > len(qs) else "") + "</h3>")
        if why.startswith("answer sentence"):
            parts.extend(_example(f"lowest judged support {_min_support(q):.2f}", q) for q in qs)
        else:
            parts.extend(_example(why, q) for q in qs)
    return "".join(parts)


def stage_table(report: dict) -> str:
    stages = report.get("latency_by_stage") or {}
    tokens = report.get("tokens") or {}
    rows = "".join(
        f'<tr><th scope="row">{escape(k)}</th><td class="num">{_ms(v.get("p50"))}</td>'
        f'<td class="num">{_ms(v.get("p95"))}</td></tr>'
        for k, v in stages.items()
    )
    tok = ""
    if tokens:
        tok = (
            f'<p class="help">Tokens: {escape(str(tokens.get("in")))} in, {escape(str(tokens.get("out")))} out '
            f"({escape(str(tokens.get('in_per_question')))} / {escape(str(tokens.get('out_per_question')))} per "
            f"question); {escape(str(tokens.get('method')))}.</p>"
        )
    return (
        f"<table><thead><tr><th>stage</th><th>p50 ms</th><th>p95 ms</th></tr></thead><tbody>{rows}</tbody></table>{tok}"
    )


def _ms(v) -> str:
    return "—" if v is None else f"{v:,.1f}"
