"""Reported speech in Arabic and English news sentences: who said what, as exact spans.

:func:`find_statements` reads one sentence (or a whole text, sentence by sentence) and returns a
:class:`Statement` for each speech verb or source phrase it finds: the verb's span, the speaker's span (the
subject of the verb, or the source named by "according to") and the statement's span (what was said). Offsets are
absolute offsets into the text passed in (``text[s.speaker_start:s.speaker_end] == s.speaker``); matching reads
:func:`assistant.text.arabic.normalize_for_search` keys of the words, never the offsets of a normalized string.

Design (rules, no parser):

- Words are tokens with their verbatim spans; punctuation is a token of its own. A speech verb is looked up by its
  normalized form: Arabic perfect-tense forms of قال أكد شدد أعرب أشار أوضح صرح أعلن أضاف لفت نوه دعا ذكر أفاد جدد
  كشف حذر طالب (masculine, feminine ت, plural وا, dual ا/تا, with a و/ف prefix: وأكدت، وشدد، وأكدوا) and a
  few present forms (يقول، تقول، يؤكد); English said/says/told/stressed/announced/added/noted/warned/urged/
  stated/explained/emphasized/affirmed/reiterated/declared/insisted and "called for", "pointed out".
- Arabic is read verb-subject: the speaker is the noun phrase after the verb, across appositions ("الرئيس السوري،
  بشار الأسد، والمبعوث ..."), up to a complementizer (أن، إن، بأن، أنه ...), a preposition that opens the
  content (على، عن، في، خلال ...), a masdar that opens it (ضرورة، أهمية، دعمه ...), a colon or a quote mark; the
  statement is what follows (after the complementizer). Inside an أن-clause a subject-verb order is also read
  ("وأضافت الرئاسة السورية أن الجانب الروسي “جدد ...”": the Russian side is the speaker of the inner statement).
  A verb followed at once by its complement ("وأضاف أن ...") has an implicit speaker (``speaker is None``): the
  caller looks at the sentence before (:func:`implicit_speaker`).
- Source phrases: Arabic بحسب / حسب / حسبما (نقلته) / وفق / وفقا لـ / نقلا عن X, English "according to X": X is the
  speaker, the statement is the longer side of the sentence around the phrase. A phrase that names a text rather
  than a party ("وفقا للمنصوص عليه", "according to the law") is not a source.
- English is read subject-verb: the speaker is the noun phrase before the verb back to a clause edge (a comma, a
  quote, "and", "that", the sentence start), at most 10 words; "…, said X." and "said X" (inverted, after a
  quotation) take the noun phrase after the verb. The statement is what follows the verb (after "that"), or the
  quotation before it when the verb closes the sentence ("“…,” the minister said.").
- Statements nest: "ذكرت الرئاسة أن الجانب الروسي أكد …" gives two, and :func:`reporter_of` names the outer one
  as the inner one's reporter.

Limits: no parse, so a subject with a relative clause or an unusual preposition inside it can be cut short or run
long (capped at 14 words); an Arabic subject-verb order outside an أن-clause is not read; pronoun speakers ("he
said", "وأضاف") are not resolved here; a verb used in another sense ("ذكر" as a noun, "added" of a quantity) can
give a false statement (callers match its speaker against a party, which is where a false one does no harm).

Why one module of about 590 lines: the speech verbs and source phrases of both languages and the rules that find
their speakers read together (each rule is written against its table).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.text.arabic import ARABIC_MARKS, normalize_for_search
from assistant.text.sentences import split_sentences

_TOKEN = re.compile(rf"[\w{ARABIC_MARKS}]+(?:['’]\w+)*|[^\w\s]")


@dataclass(frozen=True)
class Token:
    start: int
    end: int
    text: str
    norm: str

    @property
    def word(self) -> bool:
        return self.text[0].isalnum() or self.text[0] == "_"


def tokens(text: str, start: int = 0, end: int | None = None) -> list[Token]:
    """Word and punctuation tokens of ``text[start:end]``, absolute offsets, with normalized keys."""
    end = len(text) if end is None else end
    return [
        Token(m.start() + start, m.end() + start, m.group(0), normalize_for_search(m.group(0)))
        for m in _TOKEN.finditer(text[start:end])
    ]


@dataclass(frozen=True)
class Statement:
    """One reported statement. Spans are absolute offsets into the text that was read."""

    verb: str
    """The verb or source phrase as written ("وأكد", "said", "بحسب", "according to")."""
    verb_start: int
    verb_end: int
    speaker: str | None
    """The speaker as written, or None when the verb's subject is implicit ("وأضاف أن ...")."""
    speaker_start: int | None
    speaker_end: int | None
    start: int
    """The statement (what was said)."""
    end: int
    lang: str
    lemma: str
    """The verb's dictionary key (normalized Arabic stem, English base form, or ``according`` for a source
    phrase): :data:`EN_VERBS` gives its English wording."""
    source: bool = False
    """A source phrase ("according to X", "بحسب X") rather than a speech verb."""

    @property
    def scope(self) -> tuple[int, int]:
        """The whole span the statement covers: its speaker, verb and statement."""
        points = [self.verb_start, self.verb_end, self.start, self.end]
        if self.speaker_start is not None and self.speaker_end is not None:
            points += [self.speaker_start, self.speaker_end]
        return min(points), max(points)

    def to_dict(self) -> dict:
        return {
            "verb": self.verb,
            "verb_span": [self.verb_start, self.verb_end],
            "speaker": self.speaker,
            "speaker_span": None if self.speaker_start is None else [self.speaker_start, self.speaker_end],
            "span": [self.start, self.end],
            "lang": self.lang,
        }


# --- Arabic -------------------------------------------------------------------------------------------------
_AR_STEMS = {
    "قال": "said",
    "اكد": "stressed",
    "شدد": "stressed",
    "اعرب": "expressed",
    "اشار": "noted",
    "اوضح": "explained",
    "صرح": "stated",
    "اعلن": "announced",
    "اضاف": "added",
    "لفت": "pointed out",
    "نوه": "noted",
    "دعا": "called",
    "ذكر": "stated",
    "افاد": "reported",
    "جدد": "reiterated",
    "كشف": "revealed",
    "حذر": "warned",
    "طالب": "demanded",
    "نفي": "denied",  # نفى, normalized
    "اجاب": "answered",
    "ابان": "explained",
    "قلل": "played down",  # قلّل
}
_AR_PRESENT = {
    "يقول": "قال",
    "تقول": "قال",
    "يقولون": "قال",
    "يوكد": "اكد",
    "توكد": "اكد",
    "يشير": "اشار",
    # بيّن: its bare form is also "between", so only its inflected forms
    "بينت": "ابان",
    "بينوا": "ابان",
}
_AR_PARTICIPLES = {
    normalize_for_search(w): stem
    for stem, words in (
        ("اضاف", "مضيفا مضيفة"),
        ("اشار", "مشيرا مشيرة"),
        ("اكد", "مؤكدا مؤكدة"),
        ("اوضح", "موضحا موضحة"),
        ("لفت", "لافتا لافتة"),
        ("شدد", "مشددا مشددة"),
        ("نوه", "منوها منوهة"),
        ("قال", "قائلا قائلة"),
    )
    for w in words.split()
}
"""Adverbial participles that report more of what the subject of the sentence said ("..., مضيفا: «...»"): a
statement whose speaker is that of an earlier verb (:func:`implicit_speaker`)."""


def _ar_forms() -> dict[str, str]:
    forms: dict[str, str] = {}
    for stem in _AR_STEMS:
        if stem.endswith(("ا", "ي")):  # دعا: دعت، دعوا، دعتا; نفى (normalized نفي): نفت، نفوا
            inflected = [stem, stem[:-1] + "ت", stem[:-1] + "وا", stem[:-1] + "تا"]
        else:
            inflected = [stem + s for s in ("", "ت", "وا", "ا", "تا")]
        for f in inflected:
            for p in ("", "و", "ف"):
                forms.setdefault(p + f, stem)
    for f, stem in _AR_PRESENT.items():
        for p in ("", "و", "ف"):
            forms.setdefault(p + f, stem)
    return forms


AR_VERBS = _ar_forms()
"""Normalized Arabic speech-verb forms → their stem."""
_AR_COMPLEMENTIZERS = {
    normalize_for_search(w)
    for w in "أن إن بأن أنه إنه بأنه أنها إنها بأنها أنهم إنهم بأنهم أنّ إنّ ان لأن وأن وإن".split()
}
_AR_OPENERS = {
    normalize_for_search(w)
    for w in (
        "على عن في خلال أمام عقب بعد قبل لدى اليوم أمس مساء صباح الاثنين الثلاثاء الأربعاء الخميس الجمعة السبت "
        "الأحد اثناء أثناء خلال قائلا قائلة حول بشأن إزاء تجاه من ما أيضا كذلك مجددا مؤخرا الذي التي الذين "
        "ردا مع"
    ).split()
}
_AR_MASDARS = tuple(
    normalize_for_search(w)
    for w in (
        "ضرورة أهمية دعم رفض استعداد حرص ترحيب تمسك التزام عزم أمل ثقة قلق إدانة تأييد حق موقف وجود عدم "
        "استمرار مواصلة تضامن قبض تسجيل إطلاق بدء ارتفاع انخفاض"
    ).split()
)
_AR_PRONOUN_SUFFIXES = ("", "ه", "ها", "هم", "هما", "نا")
_AR_SOURCES = {normalize_for_search(w): w for w in ("بحسب", "حسب", "حسبما", "وبحسب", "وحسب", "وفق", "ووفق")}
_AR_SOURCE_TWO = {("وفقا", ""), ("ووفقا", ""), ("نقلا", "عن"), ("ونقلا", "عن")}
_NOT_SOURCES = tuple(
    normalize_for_search(w) for w in "منصوص قانون قرار قرارات اتفاق خطة دستور مادة جدول ما تقديرات أرقام".split()
)
_AR_SPEAKER_MAX = 14
_AR_AFTER_COMMA_STOP = {normalize_for_search(w) for w in "إلى الى مع بين لكن حيث كما وقد فقد ثم".split()}


def _is_ar_opener(tok: Token) -> bool:
    n = tok.norm
    if n in _AR_OPENERS or n in _AR_COMPLEMENTIZERS:
        return True
    base = n[1:] if n.startswith(("و", "ف")) and len(n) > 3 else n
    for m in _AR_MASDARS:
        for b in (n, base):
            if any(b == m + s or b == "ال" + m + s for s in _AR_PRONOUN_SUFFIXES) or b == "ب" + m:
                return True
    return False


_AR_OBJECT_LEAD = {normalize_for_search(w) for w in "ذلك هذا ذاك عنه عنها عنهم فيه فيها".split()}
"""A word between the verb and its subject that is the verb's object ("أوضح ذلك المتحدث", "أعلنت عنه الوزارة")."""
_AR_TO_VERBS = {"اشار", "لفت", "دعا", "نوه"}
"""Verbs whose complement opens with إلى ("أشار التركي إلى أن ...", "لفت عسيري إلى ..."): إلى ends their subject."""
_AR_ADDRESSEES = {
    normalize_for_search(w)
    for w in "للصحفيين للصحافيين لصحيفة لشبكة لقناة لوكالة للتلفزيون لتلفزيون لإذاعة للإذاعة لوسائل لتلاميذ".split()
}
"""Words that open the one spoken to ("قال كاميرون للصحفيين", "صرح لشبكة ..."), never part of the speaker."""


def _is_bare_li(tok: Token) -> bool:
    """The preposition لـ written apart from the name it governs ("لـ«عكاظ»", "لـ الحياة")."""
    return tok.text.startswith("لـ") or tok.text == "ل"


def _is_ar_addressee(toks: Sequence[Token], j: int, i: int) -> bool:
    """Whether token ``j`` (inside a subject starting at ``i``) opens the phrase of the one spoken to: an
    addressee word, a bare ``لـ`` (before a quoted name: "كشف لـ«عكاظ»"), or a ل-word right after a name
    without the article ("قال كاميرون لتلاميذ مدرسة"; after a definite word ل is "of": "المتحدث الرسمي لوزارة")."""
    n = toks[j].norm
    if n in _AR_ADDRESSEES or _is_bare_li(toks[j]):
        return True
    if not n.startswith("ل") or n.startswith("لا") or j == i or len(n) < 4:
        return False
    prev = toks[j - 1]
    return prev.word and not prev.norm.startswith(("ال", "وال")) and prev.norm not in ("بن", "ابن", "ابو", "ابي")


def _skip_addressee(toks: Sequence[Token], i: int) -> int:
    """The first token after an addressee phrase or object word that stands between a verb and its subject
    ("كشف لـ«عكاظ» وكيل الوزارة", "أوضح ذلك المتحدث"); ``i`` itself when there is none."""
    if i < len(toks) and toks[i].word and toks[i].norm in _AR_OBJECT_LEAD:
        return i + 1
    if i < len(toks) and _is_bare_li(toks[i]):
        j = i + 1
        if j < len(toks) and toks[j].text in '«“"':  # a quoted name, of one word or several: to its closing mark
            close = {"«": "»", "“": "”", '"': '"'}[toks[j].text]
            k = j + 1
            while k < len(toks) and toks[k].text != close and k - j <= 8:
                k += 1
            return k + 1 if k < len(toks) and toks[k].text == close else i
        return j + 1 if j < len(toks) and toks[j].word else i
    return i


def _quoted_name(toks: Sequence[Token], i: int) -> tuple[int, int] | None:
    """A subject written in quotation marks right after its verb (وشدد "عسيري" على ...): the token range of the
    words inside, at most three; None when token ``i`` opens no such short quote."""
    if i >= len(toks) or toks[i].text not in '"“«':
        return None
    close = {"«": "»", "“": "”", '"': '"'}[toks[i].text]
    k = i + 1
    while k < len(toks) and toks[k].word and k - i <= 3:
        k += 1
    if k > i + 1 and k < len(toks) and toks[k].text == close and k - i <= 4:
        return i + 1, k
    return None


def _ar_subject(
    toks: Sequence[Token], i: int, *, commas: bool = True, stem: str | None = None
) -> tuple[int, int] | None:
    """Token range ``[i, j)`` of the subject starting at token ``i`` (see the module docstring), None if empty;
    ``commas``: an apposition after a comma continues it (a verb's subject), else a comma ends it (a source);
    ``stem``: the verb's, when the subject follows a verb (an addressee or an object word before the subject is
    skipped, and إلى ends the subject of a verb in :data:`_AR_TO_VERBS`)."""
    if stem is not None:
        i = _skip_addressee(toks, i)
        quoted = _quoted_name(toks, i)
        if quoted is not None:
            return quoted
    j, words = i, 0
    while j < len(toks) and words < _AR_SPEAKER_MAX:
        t = toks[j]
        if t.word and stem is not None and j > i:
            if _is_ar_addressee(toks, j, i):
                break
            if stem in _AR_TO_VERBS and t.norm == normalize_for_search("إلى"):
                break
            if t.norm == "اول" and any(toks[k].norm == "امس" for k in range(j + 1, min(j + 3, len(toks)))):
                break  # أول أمس, أول من أمس: the day before yesterday
        if not t.word:
            if commas and t.text in "،," and j + 1 < len(toks) and toks[j + 1].word:
                nxt = toks[j + 1].norm
                if _is_ar_opener(toks[j + 1]) or nxt in AR_VERBS or nxt in _AR_AFTER_COMMA_STOP:
                    break
                j += 1
                continue
            break
        if _is_ar_opener(t) or (t.norm in AR_VERBS and j > i):
            break
        j += 1
        words += 1
    while j > i and not toks[j - 1].word:
        j -= 1
    return (i, j) if j > i else None


def _content_after(toks: Sequence[Token], k: int, end: int, text: str) -> tuple[int, int]:
    """The statement's span from token ``k`` to ``end``: after a complementizer (or colon) when one comes within
    a few words and before any quote ("، في بيان أصدرته عقب اللقاء، أنه ..." skips to after أنه)."""
    for m in range(k, min(len(toks), k + 10)):
        if toks[m].text in '“«"':
            break
        if (toks[m].norm in _AR_COMPLEMENTIZERS or toks[m].text == ":") and m + 1 < len(toks):
            k = m + 1
            break
    s = toks[k].start if k < len(toks) else end
    return _trim(text, s, end)


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    edge = " \t\n،,:;؛.“”«»\"'()"
    while s < e and text[s] in edge:
        s += 1
    while e > s and text[e - 1] in edge:
        e -= 1
    if e > s and text[e - 1] in '”»"' and not any(q in text[s:e] for q in '“«"'[:2]):
        e -= 1
    return s, e


def _arabic(text: str, toks: list[Token], end: int) -> list[Statement]:
    out: list[Statement] = []
    claimed: set[int] = set()  # verbs read already as the verb of a subject-verb clause
    for i, t in enumerate(toks):
        if not t.word:
            continue
        part = _AR_PARTICIPLES.get(t.norm)
        if part is not None:  # "..., مضيفا: «...»": more of what an earlier speaker said
            s, e = _content_after(toks, i + 1, end, text)
            out.append(Statement(t.text, t.start, t.end, None, None, None, s, e, "ar", part))
            continue
        stem = AR_VERBS.get(t.norm)
        if stem is not None and t.start not in claimed:
            subj = _ar_subject(toks, i + 1, stem=stem)
            if subj is None:
                s, e = _content_after(toks, i + 1, end, text)
                out.append(Statement(t.text, t.start, t.end, None, None, None, s, e, "ar", stem))
                continue
            a, b = subj
            sp_s, sp_e = toks[a].start, toks[b - 1].end
            s, e = _content_after(toks, b, end, text)
            out.append(Statement(t.text, t.start, t.end, text[sp_s:sp_e], sp_s, sp_e, s, e, "ar", stem))
            continue
        # an أن-clause with the subject first: "أن الجانب الروسي “جدد ..."
        if t.norm in _AR_COMPLEMENTIZERS:
            j = i + 1
            while j < len(toks) and j - i <= 6 and toks[j].word and toks[j].norm not in AR_VERBS:
                if _is_ar_opener(toks[j]):
                    break
                j += 1
            k = j
            while k < len(toks) and toks[k].text in '“«"':
                k += 1
            if j > i + 1 and k < len(toks) and toks[k].norm in AR_VERBS and toks[k].norm[0] not in "وف":
                v = toks[k]
                claimed.add(v.start)
                sp_s, sp_e = toks[i + 1].start, toks[j - 1].end
                s, e = _content_after(toks, k + 1, end, text)
                out.append(Statement(v.text, v.start, v.end, text[sp_s:sp_e], sp_s, sp_e, s, e, "ar", AR_VERBS[v.norm]))
        src = _AR_SOURCES.get(t.norm)
        two = next((p for p in _AR_SOURCE_TWO if p[0] == t.norm), None)
        if src is None and two is None:
            continue
        k = i + 1
        if two is not None and two[1]:
            if k >= len(toks) or toks[k].norm != two[1]:
                continue
            k += 1
        if (
            t.norm in ("حسبما",)
            and k < len(toks)
            and (toks[k].norm.startswith(("نقل", "اورد", "ذكر", "افاد")) or toks[k].norm in AR_VERBS)
        ):
            k += 1  # حسبما نقلته X, حسبما أعلنت (عنه) X
            if k < len(toks) and toks[k].norm in _AR_OBJECT_LEAD:
                k += 1
        if k >= len(toks) or not toks[k].word:
            continue
        subj = _ar_subject(toks, k, commas=False)
        if subj is None:
            continue
        a, b = subj
        first = re.sub(r"^(?:لل|ل|ال)", "", toks[a].norm)  # وفقا لـ / وفقا للمنصوص
        if any(first == n or first.startswith(n + "ه") for n in _NOT_SOURCES):
            continue
        sp_s, sp_e = toks[a].start, toks[b - 1].end
        if two is not None and not two[1] and toks[a].norm[:2] not in ("لل", "ال") and toks[a].norm[0] == "ل":
            sp_s += 1  # وفقا لوزارة: the speaker is وزارة ... (للرئاسة keeps its ل: its ال is not written)
        out.append(_source_statement(text, toks, t, toks[b - 1] if b - 1 > i else t, sp_s, sp_e, end, "ar"))
    return out


def _source_statement(
    text: str, toks: Sequence[Token], first: Token, last: Token, sp_s: int, sp_e: int, end: int, lang: str
) -> Statement:
    """A source phrase ``first .. last`` naming ``text[sp_s:sp_e]``: the statement is the longer side of the
    sentence around it."""
    begin = toks[0].start
    before = _trim(text, begin, first.start)
    after = _trim(text, last.end, end)
    s, e = after if after[1] - after[0] >= before[1] - before[0] else before
    verb_end = first.end if lang == "ar" else toks[toks.index(first) + 1].end
    return Statement(
        text[first.start : verb_end], first.start, verb_end, text[sp_s:sp_e], sp_s, sp_e, s, e, lang, "according", True
    )


# --- English ------------------------------------------------------------------------------------------------
EN_VERBS = {
    "said": "said",
    "says": "said",
    "told": "told",
    "tells": "told",
    "stressed": "stressed",
    "stresses": "stressed",
    "announced": "announced",
    "announces": "announced",
    "added": "added",
    "adds": "added",
    "noted": "noted",
    "notes": "noted",
    "warned": "warned",
    "warns": "warned",
    "urged": "urged",
    "urges": "urged",
    "stated": "stated",
    "states": "stated",
    "explained": "explained",
    "emphasized": "stressed",
    "emphasised": "stressed",
    "affirmed": "affirmed",
    "reiterated": "reiterated",
    "declared": "declared",
    "insisted": "insisted",
    "called": "called for",
    "pointed": "pointed out",
}
"""English speech-verb forms → the wording an answer uses; Arabic stems map through ``_AR_STEMS``."""
_EN_PARTICLE = {"called": "for", "pointed": "out"}
_EN_EDGES = {
    "and",
    "but",
    "that",
    "which",
    "who",
    "while",
    "as",
    "when",
    "because",
    "after",
    "before",
    "if",
    "although",
    "where",
    "also",
    "had",
    "has",
    "have",
    "was",
    "were",
    "is",
    "are",
    "it",
}
_PRONOUNS = {"he", "she", "they", "it", "we", "i", "you"}
_NOT_SOURCES_EN = {"law", "laws", "rules", "plan", "schedule", "constitution", "agreement", "resolution", "data"}
_EN_SPEAKER_MAX = 10


def verb_wording(st: Statement) -> str:
    """The English verb for ``st`` ("stressed", "said", "according to")."""
    if st.source:
        return "according to"
    return _AR_STEMS.get(st.lemma, st.lemma) if st.lang == "ar" else EN_VERBS.get(st.verb.lower(), st.lemma)


def _english(text: str, toks: list[Token], end: int) -> list[Statement]:
    out: list[Statement] = []
    for i, t in enumerate(toks):
        low = t.norm
        if low == "according" and i + 1 < len(toks) and toks[i + 1].norm == "to":
            k = i + 2
            j = k
            while j < len(toks) and toks[j].word and j - k < _EN_SPEAKER_MAX:
                j += 1
            if j == k or toks[j - 1].norm in _NOT_SOURCES_EN:
                continue
            out.append(_source_statement(text, toks, t, toks[j - 1], toks[k].start, toks[j - 1].end, end, "en"))
            continue
        if low not in EN_VERBS or (
            low in _EN_PARTICLE and (i + 1 >= len(toks) or toks[i + 1].norm != _EN_PARTICLE[low])
        ):
            continue
        verb_last = i + 1 if low in _EN_PARTICLE else i
        verb_end = toks[verb_last].end
        lemma = EN_VERBS[low]
        # the subject before the verb, back to a clause edge
        j = i
        while j > 0 and toks[j - 1].word and toks[j - 1].norm not in _EN_EDGES and i - j < _EN_SPEAKER_MAX:
            j -= 1
        if j < i and toks[j].norm in _EN_EDGES:
            j += 1
        if j < i:  # "X said ..." or "“…,” X said."
            sp_s, sp_e = toks[j].start, toks[i - 1].end
            rest = [x for x in toks[verb_last + 1 :] if x.word]
            quote_before = j > 0 and toks[j - 1].text in ",”\"'’" and len([x for x in toks[:j] if x.word]) >= 3
            if quote_before and len(rest) <= 4:
                s, e = _trim(text, toks[0].start, toks[j - 1].start)
            else:
                k = verb_last + 1
                for m in range(verb_last + 1, min(len(toks), verb_last + 7)):
                    if toks[m].norm == "that":
                        k = m + 1
                        break
                s, e = _trim(text, toks[k].start if k < len(toks) else end, end)
            out.append(
                Statement(text[t.start : verb_end], t.start, verb_end, text[sp_s:sp_e], sp_s, sp_e, s, e, "en", lemma)
            )
            continue
        # "…, said X." (inverted)
        k = verb_last + 1
        m = k
        while m < len(toks) and toks[m].word and m - k < _EN_SPEAKER_MAX:
            m += 1
        if m > k and toks[k].norm not in _EN_EDGES and toks[k].text[0].isupper() or (m > k and toks[k].norm == "the"):
            sp_s, sp_e = toks[k].start, toks[m - 1].end
            s, e = _trim(text, toks[0].start, t.start)
            if e > s:
                out.append(
                    Statement(
                        text[t.start : verb_end], t.start, verb_end, text[sp_s:sp_e], sp_s, sp_e, s, e, "en", lemma
                    )
                )
    return out


# --- entry points ---------------------------------------------------------------------------------------------
def find_statements(text: str, start: int = 0, end: int | None = None, *, lang: str | None = None) -> list[Statement]:
    """The statements of ``text[start:end]``, sentence by sentence, in order; offsets absolute into ``text``.
    ``lang`` (``ar``/``en``) picks the rules; by default each sentence's script does."""
    end = len(text) if end is None else end
    out: list[Statement] = []
    for s, e in split_sentences(text, start, end):
        out += sentence_statements(text, s, e, lang=lang)
    return out


def sentence_statements(text: str, start: int, end: int, *, lang: str | None = None) -> list[Statement]:
    """The statements of the one sentence ``text[start:end]`` (absolute offsets)."""
    toks = tokens(text, start, end)
    if not toks:
        return []
    if lang is None:
        from assistant.text.arabic import detect_language

        lang = detect_language(text[start:end])
    found = _arabic(text, toks, end) if lang == "ar" else _english(text, toks, end)
    return sorted(found, key=lambda st: (st.scope[0], -st.scope[1]))


def reporter_of(st: Statement, statements: Sequence[Statement]) -> Statement | None:
    """The statement that reports ``st`` (the innermost other one whose statement holds ``st``'s verb), or None."""
    outer = [
        o
        for o in statements
        if o is not st and o.start <= st.verb_start and st.verb_end <= o.end and o.speaker is not None
    ]
    return min(outer, key=lambda o: o.end - o.start, default=None)


def implicit_speaker(previous: Sequence[Statement]) -> Statement | None:
    """For a statement with an implicit speaker ("وأضاف أن ..."): the statement of the sentence before whose
    speaker it continues (the first one with a speaker, an outer statement before the ones it reports)."""
    return next((p for p in previous if p.speaker is not None), None)


def is_pronoun(speaker: str | None) -> bool:
    return speaker is not None and speaker.strip().lower() in _PRONOUNS
