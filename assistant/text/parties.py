"""The party a question asks about ("What did Russia say about Idlib?", "ماذا قال الجانب الروسي") and whether a
speaker of an article (:mod:`assistant.text.speech`) is that party, in either script.

Design (rules and one small table, written once):

- :data:`COUNTRIES`: each country's English name, adjective and capital, its Arabic name, nisba adjective and
  capital. A country is found in a text by any of these forms, Arabic ones after
  :func:`assistant.text.arabic.normalize_for_search` with the article and one-letter clitics taken off
  (:func:`assistant.text.names.arabic_forms`: الروسي، والروسية، للرئيس الروسي), so Russia = Russian = روسيا =
  الروسي = الروسية = موسكو, and "the Russian side" = الجانب الروسي = the Russian delegation or envoy.
- :data:`ROLES`: the role words of a speaker (side, delegation, ministry, foreign, health, president, envoy ...)
  with their Arabic forms. A role the question names narrows the match ("the Saudi health ministry" needs a
  speaker with وزارة الصحة or الصحة); generic ones (side, delegation, government, officials) do not, since "the
  Russian side" speaks for Russia. "Prime minister" / رئيس الوزراء / رئيس الحكومة is one role of two words
  (``prime_minister``), so the British prime minister is not the British defence minister and the Turkish prime
  minister is not the Turkish president. A speaker with a media role (media, agency, reports, sources / إعلام،
  وكالة، تقارير، مصادر) does not speak for the country it is tied to ("أجهزة إعلام روسية" is not Russia).
- Persons: a name the question spells in Latin is matched to the speaker with the cross-script skeleton of
  :func:`assistant.text.names.name_in_evidence` (Lavrentiev ~ لافرينتييف); an Arabic name of an Arabic question by
  its normalized forms, or against Latin names of the speaker by the same skeleton.
- A speaker speaks for a country when the speaker's words name it ("المبعوث الخاص للرئيس الروسي ألكسندر
  لافرينتييف"), when a name of the speaker is given elsewhere in the article with a title and that country
  (:func:`article_affiliations`: "the Russian envoy Alexander Lavrentiev" makes a later "Lavrentiev" Russian),
  or when a bare role ("الخارجية", "البيان") refers back to an earlier phrase that does (:func:`antecedent`).
- :func:`english_phrase` carries a speaker phrase into English by rule when every word of it is in the tables
  (الجانب الروسي → "the Russian side", وزارة الخارجية الروسية → "the Russian foreign ministry"); otherwise None,
  and the caller keeps the source spelling.

Limits: the tables hold about twenty countries and a few dozen role words; an organization or a city other than a
capital is a party only by its name; an Arabic person name in an English question is not read; "Russia" matches
every speaker the article ties to Russia, which is what "what did Russia say" asks, but it cannot tell an official
from a private Russian citizen.

Why one module of about 500 lines: the country and role tables take a third of it; the alias rules that read them
are kept beside them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from assistant.text.arabic import detect_language, normalize_for_search
from assistant.text.names import arabic_forms, candidate_names, name_in_evidence
from assistant.text.sentences import split_sentences
from assistant.text.speech import AR_VERBS, EN_VERBS, find_statements, reporter_of, tokens
from assistant.text.when import expression_starts

# key: English names | adjectives (and plural) | capital ; Arabic names | nisba stem | capital
_COUNTRY_ROWS = [
    ("russia", "Russia|Russian Federation", "Russian|Russians", "Moscow", "روسيا", "روسي", "موسكو"),
    ("syria", "Syria", "Syrian|Syrians", "Damascus", "سوريا|سورية", "سوري", "دمشق"),
    (
        "usa",
        "United States|US|U.S.|USA|America",
        "American|Americans",
        "Washington",
        "أمريكا|أميركا|الولايات المتحدة",
        "أمريكي|أميركي",
        "واشنطن",
    ),
    ("turkey", "Turkey|Türkiye", "Turkish|Turks", "Ankara", "تركيا", "تركي", "أنقرة"),
    ("iran", "Iran", "Iranian|Iranians", "Tehran", "إيران", "إيراني", "طهران"),
    ("saudi", "Saudi Arabia|Kingdom", "Saudi|Saudis", "Riyadh", "السعودية|المملكة", "سعودي", "الرياض"),
    ("china", "China", "Chinese", "Beijing", "الصين", "صيني", "بكين"),
    ("france", "France", "French", "Paris", "فرنسا", "فرنسي", "باريس"),
    ("uk", "Britain|United Kingdom|UK", "British", "London", "بريطانيا|المملكة المتحدة", "بريطاني", "لندن"),
    ("germany", "Germany", "German|Germans", "Berlin", "ألمانيا", "ألماني", "برلين"),
    ("egypt", "Egypt", "Egyptian|Egyptians", "Cairo", "مصر", "مصري", "القاهرة"),
    ("iraq", "Iraq", "Iraqi|Iraqis", "Baghdad", "العراق", "عراقي", "بغداد"),
    ("israel", "Israel", "Israeli|Israelis", "", "إسرائيل", "إسرائيلي", ""),
    ("jordan", "Jordan", "Jordanian|Jordanians", "", "الأردن", "أردني", ""),
    ("lebanon", "Lebanon", "Lebanese", "Beirut", "لبنان", "لبناني", "بيروت"),
    ("qatar", "Qatar", "Qatari|Qataris", "Doha", "قطر", "قطري", "الدوحة"),
    ("uae", "United Arab Emirates|UAE|Emirates", "Emirati|Emiratis", "Abu Dhabi", "الإمارات", "إماراتي", "أبوظبي"),
    ("yemen", "Yemen", "Yemeni|Yemenis", "Sanaa", "اليمن", "يمني", "صنعاء"),
    ("ukraine", "Ukraine", "Ukrainian|Ukrainians", "Kyiv|Kiev", "أوكرانيا", "أوكراني", "كييف"),
    ("kuwait", "Kuwait", "Kuwaiti|Kuwaitis", "", "الكويت", "كويتي", ""),
    ("palestine", "Palestine", "Palestinian|Palestinians", "", "فلسطين", "فلسطيني", ""),
]


@dataclass(frozen=True)
class Country:
    key: str
    name: str
    """The English name ("Russia")."""
    adjective: str
    """The English adjective ("Russian")."""
    en: frozenset[str]
    """Lowercased English names, adjectives and capital (multi-word ones included)."""
    ar: frozenset[str]
    """Normalized Arabic names, nisba forms and capital, without the article."""


def _bare(word: str) -> str:
    w = normalize_for_search(word)
    return w[2:] if w.startswith("ال") and len(w) > 4 else w


def _countries() -> list[Country]:
    out = []
    for key, names, adjs, cap, ar_names, nisba, ar_cap in _COUNTRY_ROWS:
        en = {w.lower() for w in (names + "|" + adjs + "|" + cap).split("|") if w}
        ar = {_bare(w) for w in (ar_names + "|" + ar_cap).split("|") if w}
        for stem in nisba.split("|"):
            s = normalize_for_search(stem)
            ar |= {s, s + "ه", s + "ين", s + "ون", s + "تين"}
        out.append(Country(key, names.split("|")[0], adjs.split("|")[0], frozenset(en), frozenset(ar)))
    return out


COUNTRIES = _countries()
"""The country table (see the module docstring)."""
_AR_COUNTRY = {f: c for c in COUNTRIES for f in c.ar}
_EN_COUNTRY = {f: c for c in COUNTRIES for f in c.en}
_EN_MULTI = sorted((f for f in _EN_COUNTRY if " " in f or "." in f), key=len, reverse=True)
_AR_MULTI = sorted((f for f in _AR_COUNTRY if " " in f), key=len, reverse=True)

# role key: English words | Arabic forms (normalized by the loader) ; generic roles do not narrow a match
_ROLE_ROWS = [
    ("side", "side|sides|party", "جانب", True),
    ("delegation", "delegation", "وفد", True),
    ("government", "government|authorities|officials|official|leadership", "حكومة|سلطات|مسؤولين|مسؤول", True),
    ("presidency", "presidency|presidential", "رئاسة", False),
    ("president", "president", "رئيس", False),
    ("envoy", "envoy|representative", "مبعوث|ممثل", False),
    ("special", "special", "خاص", True),
    ("ministry", "ministry|department", "وزارة", False),
    ("minister", "minister", "وزير", False),
    ("foreign", "foreign", "خارجية", False),
    ("defence", "defence|defense", "دفاع", False),
    ("health", "health", "صحة", False),
    ("interior", "interior", "داخلية", False),
    ("spokesman", "spokesman|spokeswoman|spokesperson", "متحدث|ناطق", False),
    ("ambassador", "ambassador|embassy", "سفير|سفارة", False),
    ("army", "army|military", "جيش", False),
    ("statement", "statement", "بيان", True),
    ("deputy", "deputy", "نائب", False),
    ("prime_minister", "premier", "", False),
    (
        "media",
        "media|newspaper|agency|reports|press|sources|channel",
        "إعلام|صحيفة|صحف|وكالة|تقارير|مصادر|قناة",
        False,
    ),  # two words in both languages: read by roles_in's phrase rule
]


@dataclass(frozen=True)
class Role:
    key: str
    en: frozenset[str]
    ar: frozenset[str]
    generic: bool


ROLES = [
    Role(k, frozenset(en.split("|")), frozenset(_bare(w) for w in ar.split("|") if w), g) for k, en, ar, g in _ROLE_ROWS
]
"""The role words (see the module docstring)."""
_AR_ROLE = {f: r for r in ROLES for f in r.ar}
_EN_ROLE = {f: r for r in ROLES for f in r.en}
_FIELDS = {"foreign", "defence", "health", "interior"}
_NEW_STATEMENT = {normalize_for_search(w) for w in ("بيان", "ببيان", "وبيان", "statement")}
"""A statement first named (indefinite: "في بيان أصدرته", "in a statement"), which a later "البيان" refers to."""
_TITLES = {"envoy", "president", "minister", "spokesman", "ambassador", "deputy"}


def _ar_keys(word: str) -> list[str]:
    """Lookup keys of one Arabic word: its normalized forms without the article and clitics."""
    return [_bare(f) if f.startswith("ال") else f for f in arabic_forms(normalize_for_search(word))]


def _word_country(word: str) -> Country | None:
    if detect_language(word, default="en") == "ar":
        return next((_AR_COUNTRY[k] for k in _ar_keys(word) if k in _AR_COUNTRY), None)
    return _EN_COUNTRY.get(re.sub(r"['’]s$", "", word).lower())


def _word_role(word: str) -> Role | None:
    if detect_language(word, default="en") == "ar":
        return next((_AR_ROLE[k] for k in _ar_keys(word) if k in _AR_ROLE), None)
    return _EN_ROLE.get(word.lower())


def countries_in(text: str) -> set[str]:
    """Keys of the countries ``text`` names by any of their forms (name, adjective, nisba, capital)."""
    found = {c.key for w in tokens(text) if w.word and (c := _word_country(w.text)) is not None}
    low, norm = text.lower(), normalize_for_search(text)
    found |= {_EN_COUNTRY[f].key for f in _EN_MULTI if re.search(rf"(?<!\w){re.escape(f)}(?!\w)", low)}
    found |= {_AR_COUNTRY[f].key for f in _AR_MULTI if f in norm}
    return found


_PRIME_MINISTER = re.compile(
    r"(?i)\b(?:prime\s+minister|premier)\b|"
    + "(?:{})\\s+(?:ال)?(?:{})".format(
        "|".join(normalize_for_search(w) for w in ("رئيس", "رئيسة")),
        "|".join(normalize_for_search(w) for w in ("وزراء", "حكومة")),
    )
)
"""The head of a government, one role of two words in both languages: not a president, not a minister
("the British prime minister" is not the British defence minister; رئيس الوزراء is not رئيس الجمهورية)."""


_PRIME_MINISTER_WORDS = {normalize_for_search(w) for w in ("prime", "premier", "الوزراء", "وزراء", "الحكومة", "حكومة")}
"""Words of the prime minister's role that are not names."""


def roles_in(text: str) -> set[str]:
    """Keys of the role words in ``text`` (a bare الخارجية is also a ministry; "prime minister" and رئيس الوزراء
    are the one role ``prime_minister``)."""
    found: set[str] = set()
    norm = normalize_for_search(text) if detect_language(text, default="en") == "ar" else text
    if _PRIME_MINISTER.search(norm):
        found.add("prime_minister")
        text = _PRIME_MINISTER.sub(" ", norm)
    found |= {r.key for w in tokens(text) if w.word and (r := _word_role(w.text)) is not None}
    if found & {"foreign", "interior", "defence", "health"}:
        found.add("ministry")
    return found


_FUNCTION_WORDS = {
    normalize_for_search(w)
    for w in "the a an of for to in on at and or from with by its his her their about عن في من إلى على و أو ال مع".split()
}


@dataclass(frozen=True)
class Party:
    """A party named in a question."""

    text: str
    """As the question spells it ("Russia", "the Russian side", "الجانب الروسي")."""
    lang: str
    countries: frozenset[str] = frozenset()
    roles: frozenset[str] = frozenset()
    """The specific (narrowing) roles it names."""
    names: tuple[str, ...] = ()
    """Person or organization names it spells (neither a country nor a role word)."""

    def to_dict(self) -> dict:
        return {
            "text": self.text,
            "countries": sorted(self.countries),
            "roles": sorted(self.roles),
            "names": list(self.names),
        }


def make_party(text: str, lang: str | None = None) -> Party | None:
    """The :class:`Party` that the phrase ``text`` names, or None when it names nothing (only function words)."""
    lang = lang or detect_language(text)
    countries = countries_in(text)
    roles = {k for k in roles_in(text) if not next(r for r in ROLES if r.key == k).generic}
    names: list[str] = []
    for w in tokens(text):
        if not w.word or w.norm in _FUNCTION_WORDS or _word_country(w.text) or _word_role(w.text):
            continue
        if "prime_minister" in roles and w.norm in _PRIME_MINISTER_WORDS:
            continue
        if lang == "en" and not w.text[0].isupper():
            continue
        names.append(w.text)
    if not (countries or roles or names):
        return None
    return Party(text, lang, frozenset(countries), frozenset(roles), tuple(names))


_EN_ASK_VERBS = {
    "say",
    "said",
    "says",
    "tell",
    "told",
    "state",
    "stated",
    "stress",
    "stressed",
    "announce",
    "announced",
    "claim",
    "claimed",
    "warn",
    "warned",
    "urge",
    "urged",
    "call",
    "add",
    "note",
    "report",
    "reported",
    "declare",
    "declared",
    "reiterate",
    "emphasize",
    "emphasise",
    "affirm",
    "confirm",
    "announces",
} | set(EN_VERBS)
_EN_AUX = {"did", "does", "do", "has", "have", "had", "was", "were", "is", "will", "would"}
_EN_STANCE = re.compile(
    r"(?i)\bwhat\s+(?:was|is|were|are)\s+(?P<p>.+?)['’]s?\s+(?:position|stance|view|response|reaction)"
)
_AR_STANCE = {normalize_for_search(w) for w in ("موقف", "رد", "تصريحات", "تصريح", "رأي")}
_AR_STOPS = {normalize_for_search(w) for w in "عن بشأن حول في حيال إزاء تجاه من بخصوص خلال مع".split()}


_AR_ASK_ONLY = {normalize_for_search(w) for w in ("وصف", "وصفت")}
"""Verbs that ask for a statement in a question ("كيف وصف كيري …") but are not read as speech in articles, where
the described object sits between speaker and statement ("وصف كيري التصريحات بأنها …")."""


def _ar_ask_verb(norm: str) -> bool:
    if norm in AR_VERBS or norm in _AR_ASK_ONLY:
        return True
    return any(norm.endswith(s) and norm[: -len(s)] in AR_VERBS for s in ("ه", "ته", "وه"))  # أعلنته


_EN_WHAT_DID_SAY = re.compile(
    r"(?i)^\W*what\s+(?:did|does|do|has|have|had)\s+\S.*?\s(?:say|said|says|tell|told|state[sd]?|stress(?:e[sd])?"
    r"|announce[sd]?|declare[sd]?|claim(?:ed|s)?|warn(?:ed|s)?|den(?:y|ied|ies)|reveal(?:ed|s)?|add(?:ed|s)?)\b"
)
_AR_WHAT = {normalize_for_search(w) for w in ("ماذا", "بماذا", "وماذا")}


def asks_what_party_said(question: str, lang: str | None = None) -> bool:
    """Whether the question is, as a whole, "what did X say": it opens with the asking words and a speech verb
    ("What did Russia say …", "ماذا قالت روسيا …"), not a question that only contains one ("When did Toyota say
    it would close …", "ماذا كان يشير …"). Its answer can only be X's statements."""
    lang = lang or detect_language(question)
    if lang == "en":
        return bool(_EN_WHAT_DID_SAY.match(question))
    words = [t for t in tokens(question) if t.word][:2]
    return len(words) == 2 and words[0].norm in _AR_WHAT and words[1].norm in AR_VERBS


def asked_party(question: str, lang: str | None = None) -> Party | None:
    """The party whose statement ``question`` asks for, when it asks what someone said (a speech verb and a named
    party): "What did Russia say about Idlib?" → Russia; "ماذا قالت روسيا عن إدلب" → روسيا; None otherwise."""
    lang = lang or detect_language(question)
    toks = tokens(question)
    times = expression_starts(question, lang)  # a party's name never runs into the question's time words

    def upto(s: int, e: int) -> str:
        return question[s : min([e, *(t for t in times if s < t < e)])].strip()

    if lang == "en":
        m = _EN_STANCE.search(question)
        if m:
            return make_party(m.group("p").strip(), "en")
        for i, t in enumerate(toks):
            if t.norm not in _EN_ASK_VERBS or i == 0:
                continue
            j = i - 1
            while (
                j >= 0
                and (toks[j].word or toks[j].text in "-'’.")  # al-Jubeir, O'Brien, U.S.
                and toks[j].norm not in _EN_AUX
                and toks[j].norm not in ("what", "how")
            ):
                j -= 1
            if j < 0 or j == i - 1 or not (toks[j].norm in _EN_AUX or toks[j].norm == "what"):
                continue
            if j > 0 and toks[j].norm in _EN_AUX and toks[j - 1].norm not in ("what", "how", "and"):
                continue
            text = upto(toks[j + 1].start, toks[i - 1].end)
            return make_party(text, "en") if text else None
        return None
    for i, t in enumerate(toks):
        if not t.word or not (_ar_ask_verb(t.norm) or t.norm in _AR_STANCE):
            continue
        j = i + 1
        stops = _AR_STOPS | (_AR_STANCE if t.norm not in _AR_STANCE else set())  # "وصف كيري تصريحات خامنئي"
        while j < len(toks) and toks[j].word and toks[j].norm not in stops and toks[j].start not in times:
            j += 1
        if j == i + 1:
            continue
        return make_party(upto(toks[i + 1].start, toks[j - 1].end), "ar")
    return None


# --- the speaker side ---------------------------------------------------------------------------------------------
def speaks_for(party: Party, speaker: str, *, affiliations: Iterable[str] = (), titles: Iterable[str] = ()) -> bool:
    """Whether ``speaker`` (a speaker span's text, in either script) is ``party`` or speaks for it: one of its
    names, or one of its countries (in the speaker's words or in ``affiliations``, the countries the article ties
    the speaker to) with every specific role it names, or, for a party named by roles alone ("the president"),
    every one of those roles; a role counts in the speaker's words or in ``titles`` (the roles the article's title
    before another mention of the name gives: :func:`article_titles`)."""
    if party.names and any(_name_matches(n, speaker) for n in party.names):
        return True
    if party.names and not party.countries:
        return False
    if "media" in roles_in(speaker) and "media" not in party.roles:
        return False  # "Russian media" or "Turkish reports" do not speak for Russia or Turkey
    if party.countries and not party.countries & (countries_in(speaker) | set(affiliations)):
        return False
    return party.roles <= roles_in(speaker) | set(titles)


def _name_matches(name: str, speaker: str) -> bool:
    if detect_language(name, default="en") == "en":
        return name_in_evidence(name, speaker)
    keys = set(_ar_keys(name))
    if any(keys & set(_ar_keys(w.text)) for w in tokens(speaker) if w.word):
        return True
    return any(name_in_evidence(latin, name) for latin in candidate_names(speaker))


def conjuncts(speaker: str, start: int = 0) -> list[tuple[int, int]]:
    """The coordinated parts of a speaker phrase ("الرئيس السوري، بشار الأسد، والمبعوث الخاص ..." → the president
    and the envoy; "X and Y"), as absolute spans (``start`` is the phrase's offset)."""
    cuts = [
        m.start()
        for m in re.finditer(r"(?:^|[\s،,])(?=و(?:ال|[^\s]{3,}))|\s+and\s+", speaker)
        if "and" in m.group(0) or _conjoins(speaker[m.end() :])
    ]
    parts, last = [], 0
    for c in cuts:
        if c > last:
            parts.append((last, c))
            last = c
    parts.append((last, len(speaker)))
    out = []
    for a, b in parts:
        piece = speaker[a:b]
        piece_l = len(piece) - len(piece.lstrip(" ،,"))
        a += piece_l
        if speaker[a:].startswith("and "):
            a += 4
        elif speaker[a] == "و" and _word_is_conjoined(speaker[a:]):
            a += 1
        b = a + len(speaker[a:b].rstrip(" ،,"))
        if b > a:
            out.append((start + a, start + b))
    return out if len(out) > 1 else [(start, start + len(speaker))]


def _conjoins(rest: str) -> bool:
    """Whether the و that opens ``rest`` joins a second speaker: the word after it is a role ("والمبعوث",
    "ووزير", "ورئيس"). A و that is the word's own first letter (وزارة، وكيل، وفد) or joins two nouns of one name
    ("القيادة والتحكم", "الصحة والرعاية") does not."""
    word = rest.split()[0] if rest.split() else ""
    return len(word) > 2 and _word_role(word[1:]) is not None


def _word_is_conjoined(rest: str) -> bool:
    word = rest.split()[0] if rest.split() else ""
    return word.startswith("وال") or (len(word) > 4 and _word_role(word[1:]) is not None)


TITLE_WORDS = 5
"""How many words right before a name are read as its title ("رئيس الوزراء البريطاني ديفيد كاميرون")."""


def _titled_mentions(article: str, speaker: str):
    """For each mention, in the article, of one of the name words of ``speaker`` (not its country or role words):
    the eight words before it in its sentence, and its title (:func:`_title_before`, within :data:`TITLE_WORDS`
    words: after "المبعوث الخاص للرئيس الروسي إلى سوريا، ألكسندر" none touches the name, since the president there
    is not the envoy's title)."""
    names = [
        w
        for w in tokens(speaker)
        if w.word and not _word_country(w.text) and not _word_role(w.text) and len(w.norm) >= 3
    ]
    names = [w for w in names if w.norm not in _FUNCTION_WORDS]
    if not names:
        return
    for s, e in split_sentences(article):
        toks = [t for t in tokens(article, s, e) if t.word]
        for i, t in enumerate(toks):
            if any(t.norm == n.norm for n in names):
                yield toks[max(0, i - 8) : i], _title_before(article, toks[max(0, i - TITLE_WORDS) : i], t.start)


_NOT_IN_TITLE = _FUNCTION_WORDS | {normalize_for_search(w) for w in "أن إن أنه إنه الذي التي that who which".split()}


def _title_before(article: str, near: list, name_start: int) -> str:
    """The title right before a name, from ``near`` (its word tokens before it): after the last punctuation or
    function word, from the first word that starts a role (not one behind a preposition: "وفدا برئاسة ألكسندر
    لافرينتييف" is a delegation headed by him), with at most two words (first names) between the title's last
    role or country word and the name; "" when there is none. Limits: a verb between a role and a name is not
    told from a first name ("الرئيس استقبل لافرينتييف" reads as a title)."""
    cut = 0
    for k, w in enumerate(near):
        tail = article[w.end : near[k + 1].start if k + 1 < len(near) else name_start]
        if w.norm in _NOT_IN_TITLE:
            cut = k + 1
        elif re.search(r"[،,:؛;.()«»\"]", tail):
            cut = k + 1
    words = near[cut:]
    if any(w.text[:1] in "بلك" and _word_role(w.text[1:]) is not None for w in words):
        return ""  # "وفدا برئاسة ألكسندر": the name completes a role behind a preposition (headed by him)
    for k, w in enumerate(words):
        two = article[w.start : words[k + 1].end] if k + 1 < len(words) else w.text
        if _word_role(w.text) is None and not roles_in(two):
            continue
        titled = [j for j, x in enumerate(words) if _word_role(x.text) or _word_country(x.text)]
        if len(words) - 1 - max(titled, default=k) > 2:
            return ""
        return article[w.start : name_start]
    return ""


def article_affiliations(article: str, speaker: str) -> set[str]:
    """Countries the article ties the names of ``speaker`` to: another mention of one of its name words preceded,
    in the same sentence and within eight words, by a title and a country ("المبعوث الخاص للرئيس الروسي إلى سوريا،
    ألكسندر لافرينتييف" makes "لافرينتييف" Russian)."""
    out: set[str] = set()
    for window, _ in _titled_mentions(article, speaker):
        roles = {r.key for w in window if (r := _word_role(w.text)) is not None}
        if roles & _TITLES:
            out |= {c.key for w in window if (c := _word_country(w.text)) is not None}
    return out


def article_titles(article: str, speaker: str) -> set[str]:
    """Roles the article gives the names of ``speaker`` in a title right before another mention of them
    ("رئيس الوزراء البريطاني ديفيد كاميرون" makes a later bare "كاميرون" the prime minister)."""
    out: set[str] = set()
    for _, title in _titled_mentions(article, speaker):
        out |= roles_in(title)
    return out


def antecedent(article: str, speaker_start: int, speaker: str) -> tuple[int, int] | None:
    """The earlier phrase a bare role speaker refers to, as an article span: "الخارجية" → "وزارة الخارجية
    الروسية" (the last earlier mention of the same role word followed by a country within two words); "البيان" →
    the speaker of the last earlier statement whose sentence mentions a بيان ("ذكرت الرئاسة السورية، في بيان ...").
    None when the speaker names a country or a name already, or nothing earlier fits."""
    if countries_in(speaker):
        return None
    words = [w for w in tokens(speaker) if w.word]
    roles = [r for w in words if (r := _word_role(w.text)) is not None]
    if not roles or len(roles) != len(words):
        return None
    before = article[:speaker_start]
    if any(r.key == "statement" for r in roles):
        best = None
        sentences = split_sentences(before)
        sts = find_statements(before)
        for st in sts:
            if st.speaker is None or st.source or reporter_of(st, sts) is not None:
                continue
            s_start, s_end = next(((a, b) for a, b in sentences if a <= st.verb_start < b), (0, len(before)))
            if any(w.norm in _NEW_STATEMENT for w in tokens(before, s_start, s_end)):
                best = (st.speaker_start, st.speaker_end)
        return best if best is not None and None not in best else None  # type: ignore[return-value]
    keys = {r.key for r in roles}
    toks = tokens(before)
    for i in range(len(toks) - 1, -1, -1):
        r = _word_role(toks[i].text) if toks[i].word else None
        if r is None or r.key not in keys:
            continue
        for j in range(i + 1, min(len(toks), i + 3)):
            if toks[j].word and _word_country(toks[j].text) is not None:
                a = i - 1 if i > 0 and (p := _word_role(toks[i - 1].text)) is not None and p.key == "ministry" else i
                return toks[a].start, toks[j].end
            if not toks[j].word:
                break
    return None


def english_phrase(phrase: str) -> str | None:
    """``phrase`` (an Arabic speaker phrase) carried into English by rule, or None when a word of it is not in the
    tables: الجانب الروسي → "the Russian side", الرئاسة السورية → "the Syrian presidency", وزارة الخارجية الروسية →
    "the Russian foreign ministry", الخارجية → "the foreign ministry", البيان → "the statement"."""
    words = [w for w in tokens(phrase) if w.word]
    if not words or len(words) > 4 or detect_language(phrase) != "ar":
        return None
    country: Country | None = None
    roles: list[Role] = []
    for w in words:
        c = _word_country(w.text)
        r = _word_role(w.text)
        if c is not None and r is None and country is None:
            country = c
        elif r is not None:
            roles.append(r)
        else:
            return None
    if not roles:
        return None
    keys = [r.key for r in roles]
    if keys[0] in _FIELDS and len(keys) == 1:
        keys.append("ministry")  # الخارجية: the foreign ministry
    if keys[0] in ("ministry", "minister") and len(keys) > 1 and keys[1] in _FIELDS:
        keys = keys[1:] + [keys[0]] if keys[0] == "ministry" else [keys[1], keys[0]] + keys[2:]
    if "special" in keys:  # المبعوث الخاص → special envoy
        keys.remove("special")
        keys.insert(0, "special")
    adj = f"{country.adjective} " if country is not None else ""
    return "the " + adj + " ".join(_ENGLISH_WORD.get(k, k) for k in keys)


_ENGLISH_WORD = {"defence": "defence", "spokesman": "spokesman"}
