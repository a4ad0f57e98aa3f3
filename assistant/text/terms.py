"""Index and comparison terms of Arabic and English text: the analyzer shared by the lexical index and the
answer checks.

``analyze`` turns text into terms: ``normalize_for_search`` (alef/ya/taa-marbuta/hamza-carrier folding, diacritics, tatweel, Arabic-Indic
digits, case), word tokens (letters and digits; ``_`` splits), stopwords dropped (Arabic and English, also an
Arabic stopword with a leading و), then each token stemmed by its own script: Arabic letters → ``light_stem_ar``
(Larkey's light10 extended: و, article forms, ف ب ك ل, attached pronouns, plural/dual/nisba endings), Latin →
Snowball English; digit runs are kept as they are. Mixed-language text therefore works; ``lang`` is only a hint.
The defaults were chosen by BM25-only paragraph recall on XQuAD-ar/ARCD/XQuAD-en questions, where this stemmer
beat no stemming, nltk's ISRI and Snowball-arabic (see docs/benchmarks.md, 'Arabic stemmer').

Limits: the stemmer is light and rule-based (no broken plurals, no roots; infixes untouched) and the stopword
lists are short.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

from assistant.text.arabic import ARABIC_LETTERS, LATIN_LETTERS, normalize_for_search

_TOKEN = re.compile(r"[^\W_]+")
_ARABIC = re.compile(f"[{ARABIC_LETTERS}]")
_LATIN = re.compile(f"[{LATIN_LETTERS}]")

_AR_STOP_RAW = """
في من على الى إلى عن ان أن إن مع هذا هذه ذلك تلك التي الذي الذين اللذان اللتان اللاتي كان كانت يكون قد لقد
و ف ثم او أو أم بل لا لم لن ما ماذا متى كيف أين اين هل كم لماذا أي اي هو هي هم هن هما انا نحن انت أنت
عند عندما بين حتى اذا إذا لكن ولكن كل بعض غير بعد قبل حيث منذ خلال ايضا أيضا كما مثل الا إلا فقط تم به بها
له لها لهم فيه فيها منه منها عليه عليها اليه إليه ذات وقد وكان وهو وهي
"""
_EN_STOP_RAW = """
a an and are as at be been being but by can did do does for from had has have he her his how i if in into is
it its me my no not of on or our she so than that the their them then there these they this those to was we
were what when where which while who whom why will with would you your
"""
AR_STOPWORDS = frozenset(normalize_for_search(w) for w in _AR_STOP_RAW.split())
EN_STOPWORDS = frozenset(_EN_STOP_RAW.split())

_AR_ARTICLES = ("وال", "بال", "كال", "فال", "لل", "ال")
_AR_PRONOUNS = ("هما", "كما", "ها", "هم", "هن", "كم", "نا", "ه")  # attached pronouns, longest first
_AR_ENDINGS = ("ات", "ان", "ون", "ين", "يه", "ه", "ي")  # plural/dual/nisba/ة endings (ة, ية already folded)


def light_stem_ar(word: str, *, prefix1: bool = True, min_stem: int = 3, fem_t: bool = True) -> str:
    """Light stem of a normalized Arabic word (Larkey's light10 plus clitics and attached pronouns).

    و; then one article form (ال وال بال كال فال لل), else one of ف ب ك ل on words of 4+ letters; then one
    attached pronoun, turning a freed feminine ت back into ة (مدرستهم → مدرسه); then the endings in order.
    Suffixes are only removed while at least ``min_stem`` letters remain. (The keyword switches exist for
    measurement; the defaults are the variant that measured best: docs/benchmarks.md, 'Arabic stemmer'.)
    """
    n = min_stem
    if len(word) > 3 and word[0] == "و":
        word = word[1:]
    for p in _AR_ARTICLES:
        if word.startswith(p) and len(word) - len(p) >= 2:
            word = word[len(p) :]
            break
    else:
        if prefix1 and len(word) >= 4 and word[0] in "فبكل":
            word = word[1:]
    for s in _AR_PRONOUNS:
        if word.endswith(s) and len(word) - len(s) >= n:
            word = word[: -len(s)]
            if fem_t and word.endswith("ت") and not word.endswith("ات") and len(word) >= 4:
                word = word[:-1] + "ه"
            break
    for s in _AR_ENDINGS:
        if word.endswith(s) and len(word) - len(s) >= n:
            word = word[: -len(s)]
    return word


@cache
def _nltk_stemmer(kind: str):
    from nltk.stem import ISRIStemmer, SnowballStemmer

    return ISRIStemmer() if kind == "isri" else SnowballStemmer(kind)


class Analyzer:
    """Text → index terms. ``arabic``: light | isri | snowball | none; ``english``: snowball | none."""

    def __init__(self, arabic: str = "light", english: str = "snowball", cache: int = 200_000):
        if arabic not in ("light", "isri", "snowball", "none") or english not in ("snowball", "none"):
            raise ValueError(f"unknown stemmer choice arabic={arabic!r} english={english!r}")
        self.arabic, self.english = arabic, english
        self.name = f"v1:ar={arabic}:en={english}"
        self._term = lru_cache(maxsize=cache)(self._term_uncached)

    def _term_uncached(self, tok: str) -> str | None:
        if _ARABIC.search(tok):
            if tok in AR_STOPWORDS or (tok[0] == "و" and tok[1:] in AR_STOPWORDS) or len(tok) < 2:
                return None
            if self.arabic == "light":
                return light_stem_ar(tok)
            if self.arabic == "isri":
                return normalize_for_search(_nltk_stemmer("isri").stem(tok))
            if self.arabic == "snowball":
                return normalize_for_search(_nltk_stemmer("arabic").stem(tok))
            return tok
        if _LATIN.search(tok):
            if tok in EN_STOPWORDS or len(tok) < 2:
                return None
            return _nltk_stemmer("english").stem(tok) if self.english == "snowball" else tok
        return tok  # digits (and other scripts) as they are

    def __call__(self, text: str, lang: str | None = None) -> list[str]:
        out = []
        for tok in _TOKEN.findall(normalize_for_search(text or "")):
            term = self._term(tok)
            if term:
                out.append(term)
        return out


DEFAULT_ANALYZER = Analyzer()


def analyze(text: str, lang: str | None = None) -> list[str]:
    """Index/query terms of ``text`` by the default analyzer (``lang`` is a hint; each token's script decides)."""
    return DEFAULT_ANALYZER(text, lang)
