"""Text-layer tests: sentence spans, chunk round-trips, Arabic search normalization, language detection.

Style after karpathy/minbpe: a table of inputs, and one property checked over every row (here: every span and
chunk slices the original text verbatim, and no letter or digit of the text is lost).
"""

from __future__ import annotations

from itertools import pairwise

import pytest

from assistant.text.arabic import (
    arabic_ratio,
    detect_language,
    fold_digits,
    is_rtl,
    normalize_for_search,
    strip_diacritics,
    strip_marks,
)
from assistant.text.chunking import Chunk, chunk_text
from assistant.text.sentences import split_sentences
from tests.conftest import REFERENCE_ARTICLE

ARTICLE = REFERENCE_ARTICLE  # the reference article as the package ships it (assistant/sample_corpus)
IDLIB_PHRASE = "ضرورة إرساء الاستقرار في إدلب مع مواصلة محاربة الإرهابيين"


def sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


def assert_valid_spans(text: str, spans, lo: int = 0, hi: int | None = None) -> None:
    """Non-empty, ordered, non-overlapping, trimmed, inside [lo, hi]."""
    hi = len(text) if hi is None else hi
    prev_end = lo
    for s, e in spans:
        assert lo <= prev_end <= s < e <= hi, (s, e, prev_end)
        piece = text[s:e]
        assert piece == piece.strip(), repr(piece)
        assert not piece[0].isspace() and not piece[-1].isspace()
        prev_end = e


def alnum(text: str) -> str:
    return "".join(c for c in text if c.isalnum())


# ---------------------------------------------------------------------------------------------------------------
# split_sentences
# ---------------------------------------------------------------------------------------------------------------

SPLIT_CASES = [
    # Arabic terminators: ؟ ! . end a sentence.
    ("هل ذهبت إلى السوق؟ نعم! ذهبت أمس. ثم عدت", ["هل ذهبت إلى السوق؟", "نعم!", "ذهبت أمس.", "ثم عدت"]),
    # Arabic comma and semicolon never end a sentence.
    (
        "قال الرئيس، في بيانه، إن الوضع مستقر؛ وأضاف أنه متفائل. انتهى",
        ["قال الرئيس، في بيانه، إن الوضع مستقر؛ وأضاف أنه متفائل.", "انتهى"],
    ),
    ("One, two; three. Four", ["One, two; three.", "Four"]),
    # Line breaks end sentences (\n, \r\n, \r, U+2028).
    ("سطر أول بلا نقطة\nسطر ثان", ["سطر أول بلا نقطة", "سطر ثان"]),
    ("first line\r\nsecond line\r\n", ["first line", "second line"]),
    ("old mac line\rnext", ["old mac line", "next"]),
    ("a line\u2028another", ["a line", "another"]),
    ("Para one.\n\n\nPara two.", ["Para one.", "Para two."]),
    # English abbreviations stay inside their sentence.
    (
        "Mr. Smith met Dr. Jones at the U.S. Army base. They talked.",
        ["Mr. Smith met Dr. Jones at the U.S. Army base.", "They talked."],
    ),
    ("Bring tools, e.g. hammers and saws. Then start.", ["Bring tools, e.g. hammers and saws.", "Then start."]),
    ("It opened i.e. at last. Fine.", ["It opened i.e. at last.", "Fine."]),
    ("Room No. 5 is shut. Ok.", ["Room No. 5 is shut.", "Ok."]),
    ("The answer was no. Russia refused.", ["The answer was no.", "Russia refused."]),
    # Decimals: ASCII and Arabic-Indic (with the Arabic decimal separator or a period).
    ("Prices rose 2.5 percent. Then fell.", ["Prices rose 2.5 percent.", "Then fell."]),
    ("ارتفع السعر ٣٫٥ في المئة. ثم انخفض.", ["ارتفع السعر ٣٫٥ في المئة.", "ثم انخفض."]),
    ("بلغ النمو ٣.٥ بالمئة. وهذا جيد.", ["بلغ النمو ٣.٥ بالمئة.", "وهذا جيد."]),
    # Initials.
    ("J. R. R. Tolkien wrote it. He died in 1973.", ["J. R. R. Tolkien wrote it.", "He died in 1973."]),
    # Closing quotes stay with their sentence, whether before or after the terminator.
    ("He said “we will win.” Then he left.", ["He said “we will win.”", "Then he left."]),
    ("قال “سنفوز”. ثم غادر.", ["قال “سنفوز”.", "ثم غادر."]),
    ("وأكد أن الوضع «مستقر». ثم صمت.", ["وأكد أن الوضع «مستقر».", "ثم صمت."]),
    ('She asked "why?" Nobody knew.', ['She asked "why?"', "Nobody knew."]),
    # A period followed by a lowercase Latin letter, or inside a token, does not end a sentence.
    ("He said “stop.” then left. Done.", ["He said “stop.” then left.", "Done."]),
    ("Visit example.com today. Ok.", ["Visit example.com today.", "Ok."]),
    # Runs of terminators and the ellipsis character.
    ("Really?! Yes. Wait... Go.", ["Really?!", "Yes.", "Wait...", "Go."]),
    ("انتظر… ثم تكلم.", ["انتظر…", "ثم تكلم."]),
    # Whitespace-only and punctuation-only input yields nothing; leading/trailing whitespace is trimmed.
    ("", []),
    ("   \n\t  ", []),
    ("...", []),
    ("   Padded sentence.   ", ["Padded sentence."]),
    # A punctuation-only fragment joins the sentence before it on the same line, never across a line break.
    ("Hello. ”", ["Hello. ”"]),
    ("Hello.\n😀\nBye.", ["Hello.", "Bye."]),
]


@pytest.mark.parametrize("text, expected", SPLIT_CASES)
def test_split_sentences(text, expected):
    spans = split_sentences(text)
    assert [text[s:e] for s, e in spans] == expected
    assert_valid_spans(text, spans)


@pytest.mark.parametrize("text, _", SPLIT_CASES)
def test_split_sentences_never_loses_alnum(text, _):
    covered = "".join(text[s:e] for s, e in split_sentences(text))
    assert alnum(covered) == alnum(text)


def test_split_sentences_sub_range_returns_absolute_offsets():
    text = "Ignored prefix. أول جملة؟ ثانية. Ignored suffix."
    lo = text.index("أول")
    hi = text.index("Ignored suffix")
    spans = split_sentences(text, lo, hi)
    assert [text[s:e] for s, e in spans] == ["أول جملة؟", "ثانية."]
    assert spans[0][0] == lo
    assert_valid_spans(text, spans, lo, hi)


def test_split_sentences_returns_spans_not_copies():
    text = "ذَهَبَ الوَلَدُ إلى المَدْرَسَةِ. عاد الولد."
    spans = split_sentences(text)
    assert spans == [(0, text.index(".") + 1), (text.index("عاد"), len(text))]
    assert all(isinstance(s, int) and isinstance(e, int) for s, e in spans)


# ---------------------------------------------------------------------------------------------------------------
# The real article
# ---------------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def article() -> str:
    return ARTICLE.read_text(encoding="utf-8")


def test_article_has_ten_sentences(article):
    spans = split_sentences(article)
    assert len(spans) == 10
    assert_valid_spans(article, spans)
    # One sentence per line: each ends with a period, none spans a line break.
    assert all(article[e - 1] == "." and "\n" not in article[s:e] for s, e in spans)


def test_article_sentence_contains_known_span(article):
    assert article[784:886].startswith(IDLIB_PHRASE)
    assert article.index(IDLIB_PHRASE) == 784
    hits = [(s, e) for s, e in split_sentences(article) if IDLIB_PHRASE in article[s:e]]
    assert len(hits) == 1
    s, e = hits[0]
    assert s <= 784 and 886 <= e
    assert article[s:e].startswith("وأضافت الخارجية")


@pytest.mark.parametrize("max_chars", [50, 120, 300, 1000, 5000])
def test_article_chunks_round_trip(article, max_chars):
    check_chunks(article, chunk_text(article, max_chars), max_chars)


def test_article_default_chunking_keeps_sentences_whole(article):
    sents = split_sentences(article)
    chunks = chunk_text(article)
    assert [sp for c in chunks for sp in c.sentences] == sents
    assert len(chunks) == 3  # 2,117 characters in sentences of 146-390 characters, packed up to 1,000


# ---------------------------------------------------------------------------------------------------------------
# Chunking round-trip
# ---------------------------------------------------------------------------------------------------------------

ROUND_TRIP_TEXTS = {
    "arabic": (
        "أكد الرئيس السوري، بشار الأسد، خلال استقباله وفدا روسيا، ضرورة إرساء الاستقرار في إدلب. "
        "وقالت الرئاسة السورية إن الجانبين بحثا مسار العملية السياسية؛ وأضافت أن اللقاء كان إيجابيا. "
        "هل ستنجح المحادثات؟ لا أحد يعرف! لكن المراقبين متفائلون.\n"
        "وفي سياق متصل، أعلنت وزارة الخارجية عن زيارة جديدة الشهر المقبل."
    ),
    "english": (
        "Mr. Putin met the U.S. envoy on Friday. They discussed Idlib, e.g. the ceasefire, for 2.5 hours. "
        "Was it useful? Officials said yes! J. Smith, a spokesman, said “talks will continue.” "
        "A second round is planned for next month.\nNo date was given."
    ),
    "mixed": (
        "قال المتحدث باسم الكرملين Dmitry Peskov إن المحادثات كانت بناءة. The Kremlin confirmed the meeting. "
        "وأضاف أن الجانبين اتفقا على مواصلة التنسيق في إطار Astana format. Talks resume in Sochi؟ ربما."
    ),
    "diacritics": ("ذَهَبَ الوَلَدُ إلى المَدْرَسَةِ. وَقَرَأَ الكِتَابَ بِصَوْتٍ عَالٍ، ثُمَّ عَادَ إلى البَيْتِ. هَلْ فَهِمَ الدَّرْسَ؟ نَعَمْ، فَهِمَهُ جَيِّدًا."),
    "tatweel": "الرئيـــــس السـوري يستقبـــل الوفـــد. وقـــال إن الوضـــع مستقـــر جـــداً. انتهـــى الاجتمـــاع.",
    "arabic_indic_digits": (
        "في عام ٢٠١٩ بلغ عدد السكان ٣٫٥ مليون نسمة. وفي عام ۱۴۰۲ ارتفع العدد إلى ٤٬٢٠٠٬٠٠٠. "
        "القرار رقم ٢٢٥٤ صدر عن مجلس الأمن. سجل النمو ٧.٢ بالمئة."
    ),
    "emoji": (
        "Great news 🎉! The deal is done 🤝. مبروك 😀. "
        "Family emoji 👨‍👩‍👧 stays intact. علم 🇸🇾 سوريا.\n🔥🔥\nNext line after emoji."
    ),
    "crlf": "السطر الأول بلا نقطة\r\nThe second line.\r\n\r\nوالسطر الثالث؟ نعم.\r\nlast line without newline",
    "long_unpunctuated": " ".join(["كلمة", "طويلة", "word", "another", "٢٠١٩"] * 40),
    "long_no_spaces": "ا" * 130 + " then a short tail. " + "x" * 260,
    "double_spaces": ("aaaa  " * 30) + ". Next sentence here.",
}

MAX_CHARS = [50, 64, 100, 200, 1000]


def check_chunks(text: str, chunks: list[Chunk], max_chars: int) -> None:
    assert chunks or not alnum(text)
    prev_end = 0
    all_spans = []
    for i, c in enumerate(chunks):
        assert c.index == i
        assert c.text == text[c.start : c.end]
        assert 0 <= prev_end <= c.start < c.end <= len(text)
        assert len(c.text) <= max_chars
        assert c.sentences, c
        assert c.sentences[0][0] == c.start and c.sentences[-1][1] == c.end
        assert_valid_spans(text, c.sentences, c.start, c.end)
        for s, e in c.sentences:
            assert c.text[s - c.start : e - c.start] == text[s:e]
        prev_end = c.end
        all_spans.extend(c.sentences)
    # Sentences are in order across chunks, and together they hold every letter and digit of the text.
    assert all(a[1] <= b[0] for a, b in pairwise(all_spans))
    assert alnum("".join(text[s:e] for s, e in all_spans)) == alnum(text)
    covered = set()
    for s, e in all_spans:
        covered.update(range(s, e))
    assert {i for i, ch in enumerate(text) if ch.isalnum()} <= covered


@pytest.mark.parametrize("max_chars", MAX_CHARS)
@pytest.mark.parametrize("name", sorted(ROUND_TRIP_TEXTS))
def test_chunk_round_trip(name, max_chars):
    text = ROUND_TRIP_TEXTS[name]
    check_chunks(text, chunk_text(text, max_chars), max_chars)


@pytest.mark.parametrize("max_chars", [50, 77, 128])
def test_long_unpunctuated_sentence_is_cut_at_whitespace(max_chars):
    text = ROUND_TRIP_TEXTS["long_unpunctuated"]
    assert len(split_sentences(text)) == 1 and len(text) > max_chars
    chunks = chunk_text(text, max_chars)
    pieces = [sp for c in chunks for sp in c.sentences]
    assert len(pieces) >= len(text) // max_chars
    for s, e in pieces:
        assert 0 < e - s <= max_chars
        # Cut at a space: a piece never starts or ends in the middle of a word.
        assert s == 0 or text[s - 1] == " "
        assert e == len(text) or text[e] == " "
    assert " ".join(text[s:e] for s, e in pieces) == text


def test_run_without_whitespace_gets_hard_cut():
    text = "x" * 260
    chunks = chunk_text(text, 50)
    pieces = [text[s:e] for c in chunks for s, e in c.sentences]
    assert [len(p) for p in pieces] == [50, 50, 50, 50, 50, 10]
    assert "".join(pieces) == text


def test_cut_piece_has_no_trailing_whitespace():
    text = "x" * 45 + "  " + "y" * 20
    chunks = chunk_text(text, 50)
    assert [text[s:e] for c in chunks for s, e in c.sentences] == ["x" * 45, "y" * 20]


def test_chunks_pack_whole_sentences_up_to_max_chars():
    text = "Aaaa aaaa aaaa. Bbbb bbbb bbbb. Cccc cccc cccc. Dddd dddd dddd."
    chunks = chunk_text(text, 50)
    assert [c.text for c in chunks] == ["Aaaa aaaa aaaa. Bbbb bbbb bbbb. Cccc cccc cccc.", "Dddd dddd dddd."]
    assert [len(c.sentences) for c in chunks] == [3, 1]


@pytest.mark.parametrize("bad", [0, 10, 49])
def test_chunk_text_rejects_tiny_max_chars(bad):
    with pytest.raises(ValueError):
        chunk_text("Some text.", bad)


@pytest.mark.parametrize("text", ["", "   \r\n  ", "!!! ... ؟؟"])
def test_chunk_text_without_content_is_empty(text):
    assert chunk_text(text, 100) == []


# ---------------------------------------------------------------------------------------------------------------
# normalize_for_search
# ---------------------------------------------------------------------------------------------------------------

NORMALIZE_CASES = [
    # alef forms
    ("أحمد", "احمد"),
    ("إدلب", "ادلب"),
    ("آمن", "امن"),
    ("ٱلله", "الله"),
    # alef maqsura, taa marbuta, hamza carriers
    ("مستشفى", "مستشفي"),
    ("مدرسة", "مدرسه"),
    ("مؤتمر", "موتمر"),
    ("رئيس", "رييس"),
    # diacritics, superscript alef, tatweel
    ("ذَهَبَ الوَلَدُ إلى المَدْرَسَةِ.", "ذهب الولد الي المدرسه."),
    ("مُحَمَّدٌ", "محمد"),
    ("هٰذا", "هذا"),
    ("الرئيـــــس", "الرييس"),
    ("جـــداً", "جدا"),
    # digits
    ("٢٠١٩", "2019"),
    ("۱۴۰۲", "1402"),
    ("٣٫٥", "3.5"),
    ("٤٬٢٠٠", "4,200"),
    ("القرار ٢٢٥٤", "القرار 2254"),
    # Latin case folding
    ("Idlib RUSSIA Straße", "idlib russia strasse"),
    # mixed
    ("قال PUTIN إنّ الأزمة في عام ٢٠٢٠ كانت كبيرة", "قال putin ان الازمه في عام 2020 كانت كبيره"),
    # decomposed input (alef + combining hamza/madda) folds like the precomposed letter
    ("\u0627\u0654\u0645\u0631", "امر"),
    ("\u0627\u0653\u0645\u0646", "امن"),
]


@pytest.mark.parametrize("raw, expected", NORMALIZE_CASES)
def test_normalize_for_search(raw, expected):
    assert normalize_for_search(raw) == expected


@pytest.mark.parametrize("raw", [r for r, _ in NORMALIZE_CASES] + list(ROUND_TRIP_TEXTS.values()))
def test_normalize_is_idempotent(raw):
    once = normalize_for_search(raw)
    assert normalize_for_search(once) == once


def test_normalize_is_idempotent_on_article(article):
    once = normalize_for_search(article)
    assert normalize_for_search(once) == once
    assert normalize_for_search(IDLIB_PHRASE) in once


def test_normalized_variants_match_each_other():
    variants = ["إدلب", "ادلب", "إدْلِب", "إدلـــب"]
    assert len({normalize_for_search(v) for v in variants}) == 1
    assert normalize_for_search("الرئاسة السورية") == normalize_for_search("الرئاسه السوريه")


def test_normalization_leaves_stored_text_and_offsets_alone():
    original = "ذَهَبَ الوَلَدُ إلى المَدْرَسَةِ. " * 4 + "وفي عام ٢٠١٩ عاد الولـــد."
    before = str(original)
    chunks = chunk_text(original, 80)
    norm = normalize_for_search(original)
    # The input string is unchanged, and the key is a different, shorter string (diacritics and tatweel gone),
    # so its offsets do not line up with the stored text.
    assert original == before
    assert len(norm) < len(original)
    assert norm != original
    # Chunk offsets computed on the original text still slice the original text, diacritics and all.
    for c in chunks:
        assert original[c.start : c.end] == c.text
        assert normalize_for_search(c.text) in norm
    assert "ذَهَبَ" in chunks[0].text
    assert "٢٠١٩" in chunks[-1].text
    # Slicing the normalized key with the stored offsets would give different text.
    c = chunks[0]
    assert norm[c.start : c.end] != normalize_for_search(c.text)


@pytest.mark.parametrize("raw", ["٢٠١٩ و۱۴۰۲", "abc ٣٫٥ def", "no digits", "ذَهَبَ ٧"])
def test_fold_digits_changes_only_digits(raw):
    folded = fold_digits(raw)
    assert len(folded) == len(raw)
    for a, b in zip(raw, folded, strict=True):
        assert a == b or (a.isdigit() and b.isascii() and int(a) == int(b))
    assert not any(ch.isdigit() and not ch.isascii() for ch in folded)


def test_strip_diacritics():
    assert strip_diacritics("ذَهَبَ الوَلَدُ") == "ذهب الولد"
    assert strip_diacritics("plain text") == "plain text"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("ذَهَبَ الوَلَدُ", "ذهب الولد"),  # harakat
        ("الممثَّلة في مجموعات", "الممثلة في مجموعات"),  # shadda
        ("جمــيل جداً", "جميل جدا"),  # tatweel, tanween
        ("أحمد إلى آخر مسؤول رئيس ى ة", "أحمد إلى آخر مسؤول رئيس ى ة"),  # letters (hamza forms, ى, ة) are kept
        ("عام ٢٠١٩ و2019", "عام ٢٠١٩ و2019"),  # digits are kept
        ("Lavrentiev said: «naïve» résumé", "Lavrentiev said: «naïve» résumé"),  # Latin, accents untouched
        ("قال لافرينتييفُ (Lavrentiev) إنَّ", "قال لافرينتييف (Lavrentiev) إن"),  # mixed
    ],
)
def test_strip_marks_removes_only_optional_marks(text, expected):
    out = strip_marks(text)
    assert out == expected
    assert strip_marks(out) == out
    assert normalize_for_search(out) == normalize_for_search(text)  # the same search key as before


# ---------------------------------------------------------------------------------------------------------------
# detect_language
# ---------------------------------------------------------------------------------------------------------------

LANG_CASES = [
    ("أكد الرئيس السوري ضرورة إرساء الاستقرار", "ar"),
    ("Russia stressed the need to stabilise Idlib", "en"),
    ("قال المتحدث Peskov إن المحادثات كانت بناءة ومثمرة", "ar"),  # Arabic dominates
    ("The talks in إدلب were described as constructive by officials", "en"),  # Latin dominates
    ("ذَهَبَ الوَلَدُ", "ar"),
    ("Café résumé naïve", "en"),
    ("ab اب", "ar"),  # a tie goes to Arabic
]


@pytest.mark.parametrize("text, expected", LANG_CASES)
def test_detect_language(text, expected):
    assert detect_language(text) == expected
    assert detect_language(text, default="xx") == expected
    assert is_rtl(text) == (expected == "ar")


@pytest.mark.parametrize("text", ["", "   ", "12345 !!!", "٢٠١٩ ٣٫٥", "۱۴۰۲", "😀🎉", "3 × 4 ÷ 2 = 6", "؟ ، ؛"])
def test_detect_language_without_letters_returns_default(text):
    assert detect_language(text) == "en"
    assert detect_language(text, default="xx") == "xx"
    assert detect_language(text, default="ar") == "ar"
    assert arabic_ratio(text) == 0.0


def test_arabic_ratio():
    assert arabic_ratio("اب") == 1.0
    assert arabic_ratio("ab") == 0.0
    assert arabic_ratio("اب ab") == 0.5


def test_detect_language_on_article(article):
    assert detect_language(article) == "ar"
    assert arabic_ratio(article) > 0.99
