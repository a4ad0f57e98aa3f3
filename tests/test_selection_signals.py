"""Selection's gate and its lower keep bar, lexical anchors that only rank, clause widening and the
neighbour-context blend (:mod:`assistant.answer.selection`), on hand-made units."""

from __future__ import annotations

from assistant.answer.selection import SelectionOptions, Unit, _neighbour_scores, _question_signals, select


def _unit(start: int, score: float, lang: str = "en", *, end: int | None = None, sentence: int | None = None) -> Unit:
    end = start + 10 if end is None else end
    return Unit("d", "c", start, end, "x" * (end - start), score, lang, start if sentence is None else sentence)


OPTS = SelectionOptions(
    min_relevance=0.84, min_relevance_cross=0.77, margin=0.06, max_units=3, keep_slack=0.0, widen=False
)


def test_the_defaults_keep_units_under_the_bar_and_widen_clauses():
    assert SelectionOptions().keep_slack > 0 and SelectionOptions().widen


def test_units_below_the_bar_are_kept_within_the_slack_once_the_gate_is_open():
    ranked = [_unit(0, 0.86), _unit(20, 0.82), _unit(40, 0.79)]
    assert [u.start for u in select(ranked, "en", OPTS)] == [0]
    slack = SelectionOptions(**{**OPTS.__dict__, "keep_slack": 0.04})
    assert [u.start for u in select(ranked, "en", slack)] == [0, 20]  # 0.79 is 0.05 below: out
    closed = [_unit(0, 0.83), _unit(20, 0.82)]  # nothing clears the bar: the slack does not open the gate
    assert select(closed, "en", slack) == []


def test_the_slack_admits_units_of_an_article_that_opened_the_gate_only():
    slack = SelectionOptions(**{**OPTS.__dict__, "keep_slack": 0.04})
    other = Unit("other", "c2", 0, 10, "x" * 10, 0.83, "en", 0)
    ranked = [_unit(0, 0.86), other, _unit(20, 0.82)]
    assert [(u.doc_id, u.start) for u in select(ranked, "en", slack)] == [("d", 0), ("d", 20)]


def test_anchors_rank_units_but_never_open_the_gate():
    opts = SelectionOptions(**{**OPTS.__dict__, "anchor_weight": 0.06})
    plague = [Unit("d", "c", 0, 40, "The plague reached France in 1348.", 0.80, "en", 0)]
    _question_signals(plague, "What is the capital of France?", "en", opts)
    assert plague[0].score > 0.84 and plague[0].bonus > 0  # lifted over the bar by its anchor alone
    assert select(plague, "en", opts) == []


def test_an_anchor_puts_the_named_unit_first_among_those_that_pass():
    def units():
        return [
            Unit("d", "c", 0, 40, "The envoy met officials in the capital.", 0.87, "en", 0),  # lead 0.03
            Unit("d", "c", 41, 90, "وقال لافرينتييف إن الوفد وصل إلى دمشق.", 0.79, "ar", 41),  # lead 0.02
        ]

    question = "What did Lavrentiev say in Damascus?"
    for weight, first in ((0.0, 0), (0.06, 41)):
        opts = SelectionOptions(**{**OPTS.__dict__, "anchor_weight": weight, "max_units": 1})
        ranked = units()
        _question_signals(ranked, question, "en", opts)
        assert [u.start for u in select(sorted(ranked, key=lambda u: -u.score), "en", opts)] == [first]


def test_the_margin_is_measured_without_the_anchor_bonus():
    top = _unit(0, 0.90)
    top.score += 0.05
    top.bonus = 0.05  # its anchors: it ranks first, but the others' distance to it is the embedding one
    ranked = [top, _unit(20, 0.86)]
    assert [u.start for u in select(ranked, "en", OPTS)] == [0, 20]


def test_widen_lets_a_sentence_replace_its_kept_clause():
    clause = _unit(0, 0.90, end=30, sentence=0)
    clause.clause = True
    sentence = _unit(0, 0.88, end=80)
    other = _unit(100, 0.87)
    assert [(u.start, u.end) for u in select([clause, sentence, other], "en", OPTS)] == [(0, 30), (100, 110)]
    widen = SelectionOptions(**{**OPTS.__dict__, "widen": True})
    # in the clause's place: the best unit stays first
    assert [(u.start, u.end) for u in select([clause, other, sentence], "en", widen)] == [(0, 80), (100, 110)]


def test_neighbour_scores_are_the_best_adjacent_sentence_in_the_same_chunk():
    units = [_unit(0, 0.7), _unit(20, 0.9), _unit(40, 0.8), Unit("d", "other", 60, 70, "x" * 10, 0.5, "en", 60)]
    ctx = _neighbour_scores(units)
    assert ctx[("c", 0)] == 0.9 and ctx[("c", 20)] == 0.8 and ctx[("c", 40)] == 0.9
    assert ctx[("other", 60)] == 0.5  # alone in its chunk: its own score
