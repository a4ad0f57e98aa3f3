"""The layered entailment judge (eval.judges.EntailmentJudge) on hand-made pairs of each failure kind: wrong
relation, swapped roles, invented number, right entity with a wrong claim, partial list, malformed text, and a
correct paraphrase across scripts; with a small deterministic fake judge model, and a few with the real one."""

from __future__ import annotations

import re

import pytest

from eval.calibration import agreement, assign_splits, cohen_kappa, scores
from eval.judges import EntailmentJudge, make_judge
from eval.metrics.scoring import judge_answer

RUSSIA_AR = "حيث أكد الجانب الروسي دعمه للجيش العربي السوري في رده على الهجمات"
PAIRS = {
    # kind: (span, sentence, supported?)
    "wrong relation": (RUSSIA_AR, "The Syrian government backs the rebels.", False),
    "swapped roles": ("Denver beat Carolina in the final game.", "Carolina beat Denver in the final game.", False),
    "invented number": (
        "The Panthers defense gave up just 308 points.",
        "The Panthers defense gave up 380 points.",
        False,
    ),
    "right entity, wrong claim": ("Lady Gaga sang the national anthem.", "Lady Gaga wrote the national anthem.", False),
    "partial list": (
        "Two linebackers were selected: Thomas Davis and Luke Kuechly.",
        "Three players were selected: Thomas Davis, Luke Kuechly and Josh Norman.",
        False,
    ),
    "malformed": ("They met in Jacksonville on Tuesday.", "They met in جacksonville on Tuesday.", False),
    "paraphrase across scripts": (
        "لم يتخلى فريق بانثرز سوى عن 308 نقطة",
        "The Panthers conceded only 308 points.",
        True,
    ),
    "paraphrase, Arabic": (RUSSIA_AR, "روسيا تدعم الجيش السوري في رده على الهجمات.", True),
}
_SENTENCE = re.compile(r"SENTENCE:\s*(.+?)\s*\n\s*\n", re.S)


class FakeJudgeModel:
    """A weak, deterministic yes/no model: it reads the sentence out of the rendered judge prompt and says yes
    (0.9) unless the sentence is one it was told is a meaning error (0.2); numbers, names and form it never
    checks, like a small model, so those must be caught by the deterministic layer."""

    name = "fake"

    def __init__(self, meaning_errors=()):
        self.meaning_errors = set(meaning_errors)
        self.calls = 0

    def yes_probability(self, messages) -> float:
        self.calls += 1
        user = messages[-1].content
        assert messages[0].role == "system" and "yes or no" in messages[0].content
        m = _SENTENCE.search(user)
        if m is None:  # the correctness prompt
            return 0.9 if "RESPONSE:\nIt was 308." in user else 0.1
        return 0.2 if m.group(1) in self.meaning_errors else 0.9


MEANING = [PAIRS[k][1] for k in ("wrong relation", "swapped roles", "right entity, wrong claim")]


@pytest.mark.parametrize("kind", list(PAIRS))
def test_each_failure_kind_is_caught_by_some_layer(kind):
    span, sentence, supported = PAIRS[kind]
    judge = EntailmentJudge(FakeJudgeModel(MEANING), bar=0.5)
    v = judge.judge(sentence, [span])
    assert v.supported is supported, (kind, v)
    if not supported:
        assert v.score < 1.0 and v.reason


def test_which_layer_catches_what():
    model = FakeJudgeModel(MEANING)
    facts = EntailmentJudge(model, layers=("facts",))
    form = EntailmentJudge(model, layers=("form",))
    meaning = EntailmentJudge(model, bar=0.5, layers=("model",))
    num, lst, bad = PAIRS["invented number"], PAIRS["partial list"], PAIRS["malformed"]
    assert not facts.judge(num[1], [num[0]]).supported and "380" in facts.judge(num[1], [num[0]]).reason
    assert not facts.judge(lst[1], [lst[0]]).supported  # Josh Norman is not in the span
    assert not form.judge(bad[1], [bad[0]]).supported and facts.judge(bad[1], [bad[0]]).supported
    for kind in ("wrong relation", "swapped roles", "right entity, wrong claim"):
        span, sentence, _ = PAIRS[kind]
        assert facts.judge(sentence, [span]).supported  # same names and numbers: only meaning tells
        assert not meaning.judge(sentence, [span]).supported
    assert meaning.judge(num[1], [num[0]]).supported  # the weak model alone misses the invented number


def test_bar_probability_cache_and_failures():
    model = FakeJudgeModel()
    judge = EntailmentJudge(model, bar=0.95)
    span, sentence, _ = PAIRS["paraphrase across scripts"]
    assert not judge.judge(sentence, [span]).supported  # 0.9 < 0.95
    judge.judge(sentence, [span])
    assert model.calls == 1  # cached per pair
    assert judge.judge(sentence, []).reason == "no cited text"
    assert judge.cheap and "cheap judge" in judge.note and judge.name.startswith("entail:fake:")
    with pytest.raises(ValueError, match="yes_probability"):
        EntailmentJudge(object())
    assert make_judge("auto", llm=model).name.startswith("entail:")
    assert make_judge("auto", llm=object(), embedder=object()).name.startswith("deterministic")


def test_correct_uses_the_gold_in_the_question_language():
    judge = EntailmentJudge(FakeJudgeModel(), bar=0.5)
    record = {
        "answerable": True,
        "abstained": False,
        "question": "How many points?",
        "answers": ["٣٠٨"],
        "question_lang_answers": ["three hundred and eight"],
        "answer": "It was 308.",
        "sentences": [{"sentence": "It was 308.", "form": [], "judge": {"supported": True}}],
        "scores": {"contains_gold": 0.0, "contains_gold_question_lang": 0.0, "language_ok": 1.0},
    }
    judge_answer(record, judge)
    assert record["scores"]["correct"] == 1.0 and record["scores"]["good"] == 1.0
    record["answer"] = "It was 380."
    judge_answer(record, judge)
    assert record["scores"]["correct"] == 0.0 and record["scores"]["good"] == 0.0


def test_agreement_reports_unsupported_recall_on_the_test_part_only():
    rows = [
        {"sentence": s, "cited_text": span, "label": "supported" if ok else "not_supported", "lang": "en"}
        for span, s, ok in PAIRS.values()
    ] * 3
    for i, r in enumerate(rows):
        r["sentence"] = r["sentence"] + " " * (i // len(PAIRS))  # distinct pairs for the split draw
    assign_splits(rows)
    test = [r for r in rows if r["split"] == "test"]
    assert 0 < len(test) < len(rows)
    a = agreement(EntailmentJudge(FakeJudgeModel(MEANING), bar=0.5), rows)
    assert a["n"] == len(test) and a["split"] == "test" and a["accuracy"] == 1.0 and a["unsupported_recall"] == 1.0
    assert scores([True, False, False], [True, True, False])["unsupported_recall"] == 0.5
    assert cohen_kappa([True, False], [True, False]) == 1.0


@pytest.mark.model
def test_real_model_prefers_the_right_reading(allow_model_requests):
    """The embedded model as the one-token judge: P(yes) for the paraphrase above the wrong relation and the
    swapped roles (a few forward passes, about 10-20 s with loading)."""
    from assistant.backends import make_llm
    from assistant.settings import Settings

    llm = make_llm(Settings(llm="local"))
    judge = EntailmentJudge(llm, bar=0.5, layers=("model",))
    good = judge.probability(PAIRS["paraphrase across scripts"][1], PAIRS["paraphrase across scripts"][0])
    wrong = judge.probability(PAIRS["wrong relation"][1], PAIRS["wrong relation"][0])
    swapped = judge.probability(PAIRS["swapped roles"][1], PAIRS["swapped roles"][0])
    assert 0.0 <= wrong < good <= 1.0 and swapped < good
    again = llm.yes_probability(
        judge._messages(
            "judge.entail.system.j2",
            "judge.entail.user.j2",
            source=PAIRS["wrong relation"][0],
            sentence=PAIRS["wrong relation"][1],
        )
    )
    assert abs(again - wrong) < 1e-6  # the cached prefix gives the same reading
    full = EntailmentJudge(llm, bar=0.5)
    num = PAIRS["invented number"]
    assert not full.judge(num[1], [num[0]]).supported  # caught by the facts layer whatever the model says


def test_a_report_reuses_the_agreement_measured_at_fit_time_only_for_the_same_labels_and_bar(monkeypatch):
    import eval.calibration as cal
    import eval.judges as judges

    stored = {
        "bar": 0.5,
        "test_part": {"n": 3, "accuracy": 1.0, "kappa": 1.0, "unsupported_recall": 1.0},
        "labels_sha256": cal.labels_digest(),
    }
    monkeypatch.setattr(judges, "stored_fit", lambda name: stored)
    model = FakeJudgeModel()
    a = cal.judge_agreement(EntailmentJudge(model, bar=0.5))
    assert a["n"] == 3 and "fit time" in a["measured"] and model.calls == 0
    stored["labels_sha256"] = "other labels"
    monkeypatch.setattr(cal, "agreement", lambda judge: {"n": 99})
    assert cal.judge_agreement(EntailmentJudge(model, bar=0.5)) == {"n": 99}


GAGA_AR = (
    "أدّت الفائزة ستة مرات بجائزة غرامي والمرشحة لـ جائزة الأوسكار ليدي غاغا النشيد الوطني، بينما ترجمت "
    "الفائزة بجائزة الأوسكار مارلي ماتلين لغة الإشارة الأمريكية (ASL)."
)
PRO_BOWL_AR = (
    "وخلفهم، تم أيضاً اختيار اثنين من أظهرة فريق Panthers الثلاثة الأساسيين للعب في برو بول: توماس ديفيس و لوك كوتشلي."
)


def test_facts_layer_reads_decimal_commas_translated_titles_and_whole_names():
    facts = EntailmentJudge(FakeJudgeModel(), layers=("facts",))
    census = "وفقًا لإحصاء 1901، كان من بين 711.988 من السكان 56,2٪ من الكاثوليك و 2,8٪ من البروتستانت."
    assert facts.judge("In 1901, 56.2% of the 711,988 people were Catholic.", [census]).supported
    wrong = facts.judge("In 1901, 56.3% were Catholic.", [census])
    assert not wrong.supported and "number 56.3" in wrong.reason
    # "Awards" is translated (جائزة), not transliterated: not looked for by sound, although the span holds "ASL"
    assert facts.judge("Lady Gaga has won six Grammy Awards.", [GAGA_AR]).supported
    assert not facts.judge("Lady Gaga has won six Grammy Prizes, said Putin.", [GAGA_AR]).supported
    # each part of "Tom Davis" is somewhere (Tom ~ تم), but not the name as a whole
    apart = facts.judge("Two Panthers players were selected: Tom Davis and Luke Kuechly.", [PRO_BOWL_AR])
    assert not apart.supported and "Tom Davis" in apart.reason and "Luke" not in apart.reason
    assert facts.judge("Two Panthers players were selected: Thomas Davis and Luke Kuechly.", [PRO_BOWL_AR]).supported


def test_form_layer_catches_untranslated_words_and_labels_about_the_text():
    form = EntailmentJudge(FakeJudgeModel(), layers=("form",))
    span = "the largest market in the region, with 374 companies listed and total capitalization of 162 584 mln EUR"
    left = form.judge("السوق الأكبر في المنطقة، مع 374 شركة مدرجة وقيمة إجمالية totalling 162 584 مليون يورو.", [span])
    assert not left.supported and "totalling" in left.reason
    assert form.judge("السوق الأكبر في المنطقة، مع 374 شركة مدرجة.", [span]).supported
    panthers = "وقد ضم خط Panthers أيضاً المدافع الأخير المخضرم جاريد ألان"
    assert form.judge("ضم خط Panthers المدافع جاريد ألان.", [panthers]).supported  # a name in Latin letters is fine
    assert not form.judge("Carolina فاز on Sunday.", ["فازت كارولينا يوم الأحد"]).supported
    assert form.judge("Carolina (كارولينا) won on Sunday.", ["فازت كارولينا يوم الأحد"]).supported
    header = form.judge('النص الإنجليزي: "مع 4:51 من الوقت، حصلت كارولينا على الكرة."', [span])
    assert not header.supported and "label about the text" in header.reason


def test_a_quote_differing_only_in_tatweel_or_marks_is_verbatim():
    model = FakeJudgeModel()
    judge = EntailmentJudge(model, bar=0.5)
    span = "كما تعرف أيضاً بالإنقليزية بــAmazonia أو غابة الأمازون، هي غابة رطبة."
    v = judge.judge("بالإنقليزية بـAmazonia أو غابة الأمازون", [span])
    assert v.supported and v.reason == "verbatim from the cited text" and model.calls == 0
    changed = judge.judge("بالفرنسية بـAmazonia أو غابة الأمازون", [span])  # a changed word is no quote
    assert not changed.supported and changed.reason != "verbatim from the cited text"


def test_cross_validated_bar_is_judged_on_held_out_labels():
    from eval.calibration.__main__ import Part, _fit_bars, _predict, cross_validate

    # (verbatim, facts and form pass, P(yes), same language, length ratio, supported): supported pairs sit above
    # 0.6 when the languages match and above 0.8 across languages
    parts = [
        Part(*x)
        for x in (
            [(False, True, 0.7 + 0.01 * i, True, 1.0, True) for i in range(10)]
            + [(False, True, 0.4 + 0.01 * i, True, 1.0, False) for i in range(10)]
            + [(False, True, 0.85 + 0.01 * i, False, 1.0, True) for i in range(10)]
            + [(False, True, 0.75 + 0.01 * i, False, 1.0, False) for i in range(10)]
            + [(True, False, 0.0, True, 1.0, True), (False, False, 0.99, True, 1.0, False)]
        )
    ]
    one, pair = _fit_bars(parts, False), _fit_bars(parts, True)
    assert one[0] == one[1] and 0.49 < pair[0] <= 0.7 and 0.84 < pair[1] <= 0.85 and one[2] == pair[2] == 0.0
    assert _predict(parts, pair[:2]) == [x.supported for x in parts]  # verbatim passes, a failed fact never does
    cv_one, cv_pair = cross_validate(parts, False), cross_validate(parts, True, langs=["en"] * 20 + ["ar"] * 22)
    assert (
        cv_pair["kappa"] > cv_one["kappa"] and cv_pair["kappa"] > 0.8 and set(cv_pair["kappa_by_lang"]) == {"ar", "en"}
    )


def test_the_bar_rises_with_the_sentences_length_relative_to_its_span():
    from eval.calibration.__main__ import SLOPES, Part, _fit_bars, _predict, cross_validate
    from eval.judges import length_bar

    span = "x" * 100
    assert length_bar(0.7, 0.0, "y" * 300, span) == 0.7  # flat without a slope
    assert length_bar(0.7, 0.7, "y" * 100, span) == pytest.approx(0.7)
    assert length_bar(0.7, 0.7, "y" * 300, span) > 0.8 > 0.7 > 0.6 > length_bar(0.7, 0.7, "y" * 20, span)
    # supported pairs: short restatements with middling P(yes); unsupported: long additions with high P(yes)
    parts = [Part(False, True, 0.55 + 0.01 * i, True, 0.2, True) for i in range(10)]
    parts += [Part(False, True, 0.75 + 0.01 * i, True, 3.0, False) for i in range(10)]
    flat = _fit_bars(parts, False)
    rising = _fit_bars(parts, False, SLOPES)
    assert flat[2] == 0.0 and rising[2] > 0
    assert _predict(parts, rising[:2], rising[2]) == [x.supported for x in parts]
    assert _predict(parts, flat[:2]) != [x.supported for x in parts]  # no single flat bar separates them
    assert cross_validate(parts, False, slopes=SLOPES)["kappa"] > cross_validate(parts, False)["kappa"]
    judge = EntailmentJudge(FakeJudgeModel(), bar=rising[0], slope=rising[2])
    assert judge.slope == rising[2] and "len" in judge.name and "slope" in judge.note


@pytest.mark.model
def test_real_judge_on_each_failure_kind(allow_model_requests):
    """The default offline judge (embedded model, bar and length slope fitted in bars.json, all layers) on every
    hand-made pair above: each failure kind rejected. The two correct paraphrases are read as entailed by the
    model (P(yes) 0.87 and 0.78) but the fitted bar, 0.88 for a sentence as long as its span, rejects them: the
    price of the stricter bar, which on the labels' test part rejected one more supported sentence (10 of 37)
    and let 7 fewer unsupported ones through (3 of 65) than the flat bar (one forward pass per pair)."""
    from assistant.backends import make_llm
    from assistant.settings import Settings

    judge = EntailmentJudge(make_llm(Settings(llm="local")))
    assert judge.bar_source == "fitted" and judge.slope > 0
    verdicts = {kind: judge.judge(sentence, [span]) for kind, (span, sentence, _) in PAIRS.items()}
    wrong = {kind: v.reason for kind, v in verdicts.items() if not PAIRS[kind][2] and v.supported}
    assert not wrong, wrong
    for kind in ("paraphrase across scripts", "paraphrase, Arabic"):
        span, sentence, _ = PAIRS[kind]
        assert judge.probability(sentence, span) > 0.7, kind  # the model's reading is right
