"""Faithfulness judges: does a sentence follow from the text it cites?

Interface: ``judge.judge(sentence, cited_texts) -> JudgeResult(supported, score, reason)``, where ``score`` is the
share of the sentence's claims that the cited texts support (0..1) and ``supported`` means *all* of them are.
``judge.name`` goes into the report. Two implementations:

- :class:`DeterministicJudge` (offline, always available). A sentence's claims are its gist plus each number and
  name in it. The gist is supported when the multilingual embedding similarity of the sentence (embedded as a
  query) to its best cited text (embedded as a passage) reaches ``threshold``; each number/name is supported when
  :func:`assistant.verify.facts.unsupported_facts` finds it in the joined cited texts (across scripts). So
  ``score = supported claims / claims``. Like the answerer, it has a lower bar across languages. The defaults
  (0.86 same-language, 0.79 cross-lingual) were chosen on ``eval/calibration/labels.jsonl`` (45 real sentences):
  every threshold pair reached at most 0.62 accuracy (kappa 0.2-0.27); this pair is among the best and keeps
  correct cross-lingual sentences (similarity ~0.79-0.83) supported. Similarity cannot tell a topical but wrong
  sentence from a right one, so treat this judge as a smoke alarm and use the LLM judge to measure.
- :class:`LLMJudge` (any configured model). Renders ``prompts/judge.system.j2`` / ``judge.user.j2``; the model
  splits the sentence into claims and rates each SUPPORTED or NOT_SUPPORTED, preferably as JSON (a JSON schema is
  passed to backends that can constrain output). :func:`parse_verdicts` reads the reply robustly: a JSON object
  (``claims`` with ``verdict`` strings or ``supported`` booleans, or a top-level ``verdict``/``supported``), else
  lines carrying the words, else a lone verdict word; an unreadable reply counts as not supported, with the reply
  quoted in ``reason``.

- :class:`EntailmentJudge` (the calibrated judge, issue 19), layered. *Deterministic layer*: every number and name
  of the sentence must be in the cited text (:func:`fact_problems`: :func:`assistant.verify.facts.unsupported_facts`
  across scripts, numbers also read with a decimal comma, a name of several words found together) and the sentence
  must be readable (:func:`form_faults`: no word mixing Arabic and Latin letters, no prompt words, no letters of a
  third script, no word left untranslated, no label about the text such as "النص الإنجليزي:"). *Meaning layer*: an entailment decision on the (span, sentence)
  pair by a model asked for one word, yes or no (``prompts/judge.entail.*.j2``): ``llm.yes_probability`` gives
  P(yes) / (P(yes) + P(no)) of the next token (no sampling), and the pair is supported when it reaches its bar:
  ``bar`` for a sentence as long as its span, rising with the sentence's length relative to the span on the
  log-odds scale (:func:`length_bar`, ``slope``). Bar and slope are fitted together on the non-test part of the
  labels (``eval/calibration/bars.json``, by model name; ``python -m
  eval.calibration --fit``). Any backend with ``yes_probability`` works: the embedded llama.cpp model (a small,
  cheap judge, which the report says) or an OpenAI-compatible server (``top_logprobs``). ``correct(question,
  golds, text)`` asks the same model whether a response gives the gold answer (``judge.correct.*.j2``).
  ``layers`` picks the layers (``facts``, ``form``, ``model``) so each one's contribution can be measured. A
  sentence that only repeats its span (:func:`verbatim`: the sentence, or its «quotes» with a short framing, is a
  piece of the cited text, tatweel and marks aside) is supported without asking anything: on the fit part the
  small model and the name check both rejected such quotes ("The article says, in Arabic: «…»": "Arabic" is no
  name of the span).

  Designs measured on the fit part (``python -m eval.calibration --cv``, 5 folds x 10 shuffles): one bar rising
  with length beat one flat bar and a flat bar per language pair (kappa 0.809 vs 0.765 and 0.728). With a flat
  bar, other prompts tried by hand on the same folds did no better than ``judge.entail.*.j2``: the sentence
  before the span 0.704, the mean log-odds of both orders 0.698, a "true according to the passage" wording 0.714,
  a translation-aware wording 0.675; adding the embedder's similarity to P(yes) made it worse. Against an Arabic
  span the small model tells a supported English sentence from an unsupported one poorly (AUC about 0.7 on the
  fit part's pairs that pass the deterministic layer), which is where the judge and the readers disagree most.

Limits: the deterministic judge cannot see a changed relation between correct entities ("A beat B" vs "B beat
A") and inherits :mod:`assistant.verify.facts`'s limits (no name checks in Arabic sentences); the LLM judge is only as
good as its model (small local models are weak on Arabic), which is why both report calibration agreement.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass
from typing import Protocol, Sequence

import numpy as np

import prompts
from assistant.backends.base import Message
from assistant.errors import AssistantError
from assistant.package_data import data_file
from assistant.text.arabic import detect_language, fold_digits, strip_marks
from assistant.text.names import (ARABIC_WORD, LATIN_WORD, NUMBER, TRANSLATED_TITLE_WORDS, candidate_names,
                                  name_in_evidence, numbers)
from assistant.verify.facts import unsupported_facts
from assistant.verify.form import form_problems, own_words

DEFAULT_THRESHOLD = 0.86
"""Same-language similarity bar, chosen on eval/calibration/labels.jsonl (see the module docstring)."""
DEFAULT_CROSS_THRESHOLD = 0.79
"""Bar when sentence and cited text differ in language (multilingual-e5 scores run lower across languages)."""
JUDGE_SCHEMA = {
    "type": "object",
    "properties": {"claims": {"type": "array", "items": {
        "type": "object",
        "properties": {"claim": {"type": "string"}, "evidence": {"type": "string"},
                       "verdict": {"type": "string", "enum": ["SUPPORTED", "NOT_SUPPORTED"]}},
        "required": ["claim", "evidence", "verdict"]}}},
    "required": ["claims"],
}


@dataclass
class JudgeResult:
    supported: bool
    score: float
    reason: str = ""

    def to_dict(self) -> dict:
        d = asdict(self)
        d["score"] = round(float(d["score"]), 4)
        return d


class Judge(Protocol):
    name: str

    def judge(self, sentence: str, cited_texts: list[str]) -> JudgeResult:
        ...


class DeterministicJudge:
    """Embedding similarity to the best cited text >= ``threshold`` (``cross_threshold`` when the sentence and
    the cited text are in different languages) and every number/name found (see the module docstring)."""

    def __init__(self, embedder, threshold: float = DEFAULT_THRESHOLD, cross_threshold: float | None = None):
        self.embedder = embedder
        self.threshold = threshold
        self.cross_threshold = DEFAULT_CROSS_THRESHOLD if cross_threshold is None else cross_threshold
        self.name = (f"deterministic:{getattr(embedder, 'name', '?')}:sim>={threshold:.2f}"
                     f"(cross-lingual {self.cross_threshold:.2f})+facts")
        self._cache: dict[str, np.ndarray] = {}

    def _passage_vecs(self, texts: Sequence[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            for t, v in zip(missing, self.embedder.embed_passages(missing)):
                self._cache[t] = v
        if len(self._cache) > 4096:  # bounded memory on long runs
            self._cache = {t: self._cache[t] for t in texts}
        return np.stack([self._cache[t] for t in texts])

    def similarity(self, sentence: str, cited_texts: Sequence[str]) -> float:
        if not cited_texts:
            return 0.0
        sv = self.embedder.embed_query(sentence)
        return float(np.max(self._passage_vecs(cited_texts) @ sv))

    def judge(self, sentence: str, cited_texts: list[str]) -> JudgeResult:
        texts = [t for t in cited_texts if t and t.strip()]
        if not texts:
            return JudgeResult(False, 0.0, "no cited text")
        sim = self.similarity(sentence, texts)
        joined = " ".join(texts)
        missing = unsupported_facts(sentence, joined)
        n_facts = len(numbers(sentence)) + len(candidate_names(sentence))
        cross = detect_language(sentence) != detect_language(joined)
        bar = self.cross_threshold if cross else self.threshold
        gist = sim >= bar
        claims = 1 + n_facts
        good = int(gist) + n_facts - len(missing)
        reason = f"similarity {sim:.3f} {'>=' if gist else '<'} {bar:.2f}" + (" (cross-lingual)" if cross else "")
        if missing:
            reason += "; not in cited text: " + ", ".join(missing)
        return JudgeResult(gist and not missing, max(0, good) / claims, reason)


_VERDICT = re.compile(r"\b(NOT[_ ]SUPPORTED|UNSUPPORTED|SUPPORTED)\b", re.IGNORECASE)


def _verdict_word(word: str) -> bool:
    return word.upper().replace(" ", "_") == "SUPPORTED"


def _from_json(obj) -> list[bool] | None:
    if isinstance(obj, dict):
        if isinstance(obj.get("claims"), list):
            out = [v for v in (_claim_value(c) for c in obj["claims"]) if v is not None]
            return out or None
        value = _claim_value(obj)
        return None if value is None else [value]
    if isinstance(obj, list):
        out = [v for v in (_claim_value(c) for c in obj) if v is not None]
        return out or None
    return None


def _claim_value(c) -> bool | None:
    if not isinstance(c, dict):
        return None
    if isinstance(c.get("supported"), bool):
        return c["supported"]
    v = c.get("verdict", c.get("label"))
    if isinstance(v, str):
        m = _VERDICT.search(v)
        return _verdict_word(m.group(1)) if m else None
    if isinstance(v, bool):
        return v
    return None


def parse_verdicts(reply: str) -> list[bool] | None:
    """Per-claim verdicts in ``reply`` (True = supported), or ``None`` when none can be read."""
    text = reply.strip()
    fence = re.search(r"```(?:json)?\s*(.*?)```", text, re.S)
    candidates = [fence.group(1)] if fence else []
    start, end = text.find("{"), text.rfind("}")
    if 0 <= start < end:
        candidates.append(text[start:end + 1])
    lstart, lend = text.find("["), text.rfind("]")
    if 0 <= lstart < lend:
        candidates.append(text[lstart:lend + 1])
    for cand in candidates:
        try:
            found = _from_json(json.loads(cand))
        except (json.JSONDecodeError, ValueError):
            continue
        if found:
            return found
    words = [_verdict_word(m.group(1)) for m in _VERDICT.finditer(text)]
    return words or None


class LLMJudge:
    """Claims checked by a language model (see the module docstring); ``llm`` is any backend."""

    def __init__(self, llm, *, max_tokens: int = 400):
        self.llm = llm
        self.max_tokens = max_tokens
        self.name = f"llm:{getattr(llm, 'name', '?')}"

    def messages(self, sentence: str, cited_texts: list[str]):
        return [Message("system", prompts.render("judge.system.j2")),
                Message("user", prompts.render("judge.user.j2", sentence=sentence, cited_texts=cited_texts))]

    def judge(self, sentence: str, cited_texts: list[str]) -> JudgeResult:
        if not any(t.strip() for t in cited_texts):
            return JudgeResult(False, 0.0, "no cited text")
        try:
            reply = self.llm.complete(self.messages(sentence, cited_texts), max_tokens=self.max_tokens,
                                      temperature=0.0, json_schema=JUDGE_SCHEMA)
        except AssistantError as e:
            return JudgeResult(False, 0.0, f"judge model failed: {e}")
        verdicts = parse_verdicts(reply)
        if not verdicts:
            return JudgeResult(False, 0.0, "unreadable judge reply: " + " ".join(reply.split())[:200])
        n_ok = sum(verdicts)
        return JudgeResult(all(verdicts), n_ok / len(verdicts), f"{n_ok}/{len(verdicts)} claims supported")


_THIRD_SCRIPT = re.compile(r"[\u0400-\u04ff\u0590-\u05ff\u0900-\u097f\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
ENTAIL_LAYERS = ("facts", "form", "model")
DEFAULT_BAR = 0.5
"""P(yes) bar when no fitted bar is recorded for the judge's model."""
DEFAULT_LENGTH_SLOPE = 0.0
"""How fast the bar rises with the sentence's length relative to its span, when none is fitted (0: a flat bar)."""


def length_ratio(sentence: str, source: str) -> float:
    """len(sentence) / len(source), stripped, each at least 1."""
    return max(len(sentence.strip()), 1) / max(len(source.strip()), 1)


def ratio_bar(bar: float, slope: float, ratio: float) -> float:
    """``bar`` moved on the log-odds scale by ``slope * ln(ratio)``: sigma(logit(bar) + slope * ln(ratio))."""
    if not slope:
        return bar
    b = min(max(bar, 1e-6), 1 - 1e-6)
    z = math.log(b / (1 - b)) + slope * math.log(ratio)
    return 1.0 / (1.0 + math.exp(-z))


def length_bar(bar: float, slope: float, sentence: str, source: str) -> float:
    """The P(yes) bar for one pair: ``bar`` for a sentence as long as its span, rising (``slope`` > 0) for a sentence
    longer than its span and falling for a shorter one, on the log-odds scale: logit(bar) + slope * ln(len(sentence)
    / len(source)). A sentence that says more than its span must be more clearly entailed: that is where invented
    additions, loops and framing go; one that restates a part of a long span is how a supported answer looks."""
    return ratio_bar(bar, slope, length_ratio(sentence, source))


def stored_fit(model_name: str) -> dict | None:
    """What ``python -m eval.calibration --fit`` recorded for ``model_name`` in ``eval/calibration/bars.json``
    (``bar``, ``fit_part``, ``test_part``, ``labels_sha256``), or None when that model was never fitted.
    :class:`assistant.package_data.MissingDataFile` when bars.json itself is missing (an incomplete install): a
    judge must not quietly fall back to :data:`DEFAULT_BAR` where the checkout would use a fitted bar."""
    path = data_file("eval.calibration", "bars.json")
    try:
        bars = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise ValueError(f"{path}: invalid JSON: {e.msg}") from e
    entry = bars.get(model_name)
    return entry if isinstance(entry, dict) else None


def fitted_bar(model_name: str) -> float | None:
    """The P(yes) bar fitted for ``model_name`` (``eval/calibration/bars.json``), or None."""
    value = (stored_fit(model_name) or {}).get("bar")
    return float(value) if isinstance(value, (int, float)) else None


def fitted_slope(model_name: str) -> float | None:
    """The length slope fitted with the bar for ``model_name`` (see :func:`length_bar`), or None."""
    value = (stored_fit(model_name) or {}).get("length_slope")
    return float(value) if isinstance(value, (int, float)) else None


_HEADER = re.compile(r"(?i)\b(english|arabic|text|translation)\b[^.:\n]{0,25}:"
                     r"|(النص|الترجمة|الإنجليزية|الانجليزية|الإنكليزية|العربية)[^.:\n]{0,25}:")
"""A label about the text itself ("النص الإنجليزي:", "English translation:"): the model talking about its task."""
_LATIN_ONLY = re.compile(r"[A-Za-z'’-]+")


def untranslated_words(sentence: str) -> list[str]:
    """Words left in the other language: a lower-case Latin word among the own words of an Arabic sentence
    ("totalling", "yards": a name or acronym is capitalised, a source spelling is in parentheses and a quote is
    the source's words, so neither counts), or an Arabic word among the own words of an English sentence (one in
    which at most a third of the words are Arabic: a short Arabic sentence with several Latin names can count as
    English by its letters)."""
    lang = detect_language(sentence)
    words = own_words(sentence, lang)
    if lang == "ar":
        return [w for w in words if _LATIN_ONLY.fullmatch(w) and w[0].islower()]
    arabic = [w for w in words if ARABIC_WORD.search(w)]
    return arabic if 3 * len(arabic) <= len(words) else []  # else mostly Arabic words around Latin names


def form_faults(sentence: str) -> list[str]:
    """Form problems that make a sentence unreadable whatever the question's language: words mixing Arabic and
    Latin letters, prompt words, letters of a third script (e.g. a Chinese word inside Arabic), words left
    untranslated (:func:`untranslated_words`), a label about the text itself ("النص الإنجليزي: …")."""
    lang = detect_language(sentence)
    faults = [p for p in form_problems(sentence, lang) if p.startswith(("word mixing", "prompt words"))]
    m = _THIRD_SCRIPT.search(sentence)
    if m:
        faults.append(f"letters of a third script: {m.group(0)!r}")
    left = untranslated_words(sentence)
    if left:
        faults.append("untranslated words: " + ", ".join(left[:3]))
    m = _HEADER.search(_QUOTE.sub(" ", sentence))
    if m:
        faults.append(f"a label about the text: {m.group(0).strip()!r}")
    return faults


def other_number_readings(text: str) -> set[str]:
    """The numbers of ``text`` read with the other separator convention: Arabic and much of Europe write a decimal
    comma and a thousands dot ("56,2٪" is 56.2 %, "711.988" is 711988), which :func:`assistant.text.names.numbers`
    reads the English way."""
    out: set[str] = set()
    for raw in NUMBER.findall(fold_digits(text)):
        raw = raw.replace("٬", ",").replace("٫", ".")
        if "," in raw or "." in raw:
            out |= numbers(raw.translate(str.maketrans(",.", ".,")))
    return out


def _name_runs(sentence: str) -> list[list[str]]:
    """Runs of two or more consecutive names of ``sentence`` ("Thomas Davis", "Lady Gaga"), punctuation ending a
    run."""
    names = set(candidate_names(sentence))
    runs: list[list[str]] = [[]]
    for token in sentence.split():
        word = re.sub(r"['’]s$", "", token.strip(".,;:!?()«»“”\"'’")).strip("'’-")
        if word in names and _LATIN_ONLY.fullmatch(word):
            runs[-1].append(word)
            if not token.rstrip("'’s").endswith(word[-1]):  # "Davis," ends the name
                runs.append([])
        elif runs[-1]:
            runs.append([])
    return [r for r in runs if len(r) >= 2]


_EVIDENCE_WORD = re.compile(f"{LATIN_WORD.pattern}|{ARABIC_WORD.pattern}")


def names_apart(sentence: str, evidence: str, gap: int = 2) -> list[str]:
    """Names of several words whose parts are each in ``evidence`` but not together (within ``gap`` words, in the
    sentence's order): "Tom Davis" against "تم اختيار ... توماس ديفيس" (Tom's two letters also spell تم), "Gary
    Allen" against "الأخير المخضرم جاريد ألان". A short name's skeleton matches many common words; the whole name
    in one place does not."""
    words = _EVIDENCE_WORD.findall(evidence)
    out = []
    for run in _name_runs(sentence):
        places = [{i for i, w in enumerate(words) if name_in_evidence(n, w)} for n in run]
        if not all(places):
            continue  # a part not found at all is the name check's own finding
        ends = places[0]
        for p in places[1:]:
            ends = {j for j in p if any(0 < j - i <= gap for i in ends)}
        if not ends:
            out.append("name " + " ".join(run) + " (its parts are not together in the cited text)")
    return out


def fact_problems(sentence: str, evidence: str, *, names: bool = True) -> list[str]:
    """The facts layer: :func:`assistant.verify.facts.unsupported_facts`, with numbers also read with a decimal comma
    (:func:`other_number_readings`), capitalised words that are translated rather than transliterated ("Awards",
    "Court") not looked for by sound in Arabic evidence even when it holds a Latin acronym, and names of several
    words found together (:func:`names_apart`). ``names=False``: numbers only."""

    alt = other_number_readings(evidence)
    arabic = detect_language(evidence) == "ar"
    out = []
    for m in unsupported_facts(sentence, evidence):
        kind, _, value = m.partition(" ")
        if kind == "number" and value in alt:
            continue
        if kind == "name" and (not names or arabic and value.lower() in TRANSLATED_TITLE_WORDS):
            continue
        out.append(m)
    return out + (names_apart(sentence, evidence) if names else [])


_QUOTE = re.compile(r"«([^»]*)»|“([^”]*)”|\"([^\"]*)\"")
_FRAME_WORDS = 8
"""At most this many own words around a verbatim quote make a framing ("The article says, in Arabic: «…»")."""


def _squash(text: str) -> str:
    return " ".join(strip_marks(text).split()).strip(" .،,:;")


def verbatim(sentence: str, source: str) -> bool:
    """Whether ``sentence`` only repeats ``source``: the sentence itself (spaces and end punctuation aside) is a
    piece of the source, or every quote in it is, with at most a short framing of its own around them."""
    src = _squash(source)
    whole = _squash(sentence)
    if whole and whole in src:
        return True
    quotes = [q for m in _QUOTE.finditer(sentence) for q in m.groups() if q is not None]
    if not quotes or not all(_squash(q) and _squash(q) in src for q in quotes):
        return False
    rest = _QUOTE.sub(" ", sentence)
    return len(re.findall(r"[^\W\d_]+", rest)) <= _FRAME_WORDS


class EntailmentJudge:
    """Deterministic layer + one-token yes/no entailment by ``llm`` (see the module docstring)."""

    def __init__(self, llm, *, bar: float | None = None, slope: float | None = None,
                 layers: Sequence[str] = ENTAIL_LAYERS, correct_bar: float = 0.5, names: bool = True):
        unknown = set(layers) - set(ENTAIL_LAYERS)
        if unknown:
            raise ValueError(f"unknown judge layers {sorted(unknown)}; use {ENTAIL_LAYERS}")
        if "model" in layers and not callable(getattr(llm, "yes_probability", None)):
            raise ValueError(f"the entailment judge needs a model with yes_probability; {getattr(llm, 'name', llm)!r} "
                             "has none (use ASSISTANT_LLM=local or an OpenAI-compatible server)")
        self.llm = llm
        self.layers = tuple(layers)
        self.names = names
        model = getattr(llm, "name", "?")
        fitted = fitted_bar(model)
        self.bar = bar if bar is not None else (fitted if fitted is not None else DEFAULT_BAR)
        self.bar_source = "given" if bar is not None else ("fitted" if fitted is not None else "default")
        fitted_k = fitted_slope(model) if bar is None else None  # a given bar is flat unless a slope is given too
        self.slope = slope if slope is not None else (fitted_k if fitted_k is not None else DEFAULT_LENGTH_SLOPE)
        self.correct_bar = correct_bar
        self.cheap = model.startswith("local:") or model == "fake"
        bar_text = f"{self.bar:.2f}" + (f"*len^{self.slope:g}" if self.slope else "")
        parts = [f"p(yes)>={bar_text}" if "model" in self.layers else None,
                 "facts" if "facts" in self.layers else None, "form" if "form" in self.layers else None]
        self.name = f"entail:{model}:" + "+".join(p for p in parts if p)
        self.note = (f"one-token yes/no entailment by {model}, "
                     + ("a small local model (cheap judge): " if self.cheap else "")
                     + f"bar {self.bar:.2f} ({self.bar_source})"
                     + (f" rising with the sentence's length relative to its span (slope {self.slope:g})"
                        if self.slope else "") + ", with number/name and form checks")
        self._cache: dict[tuple[str, str], float] = {}

    def _messages(self, system: str, user: str, **kw):
        return [Message("system", prompts.render(system)), Message("user", prompts.render(user, **kw))]

    def probability(self, sentence: str, source: str) -> float:
        """P(yes) that ``source`` entails ``sentence`` (cached per pair)."""
        key = (sentence, source)
        if key not in self._cache:
            self._cache[key] = float(self.llm.yes_probability(
                self._messages("judge.entail.system.j2", "judge.entail.user.j2", source=source, sentence=sentence)))
            if len(self._cache) > 8192:
                self._cache.clear()
        return self._cache[key]

    def judge(self, sentence: str, cited_texts: list[str]) -> JudgeResult:
        texts = [t for t in cited_texts if t and t.strip()]
        if not texts:
            return JudgeResult(False, 0.0, "no cited text")
        joined = " ".join(texts)
        if verbatim(sentence, joined):
            return JudgeResult(True, 1.0, "verbatim from the cited text")
        reasons, claims, good = [], 0, 0
        if "facts" in self.layers:
            n_facts = len(numbers(sentence)) + (len(candidate_names(sentence)) if self.names else 0)
            missing = fact_problems(sentence, joined, names=self.names)
            n_facts = max(n_facts, len(missing))
            claims, good = claims + n_facts, good + n_facts - len(missing)
            if missing:
                reasons.append("not in cited text: " + ", ".join(missing))
        if "form" in self.layers:
            faults = form_faults(sentence)
            claims, good = claims + 1, good + (0 if faults else 1)
            reasons.extend(faults)
        if "model" in self.layers:
            try:
                p = self.probability(sentence, joined)
            except AssistantError as e:
                return JudgeResult(False, 0.0, f"judge model failed: {e}")
            bar = length_bar(self.bar, self.slope, sentence, joined)
            ok = p >= bar
            claims, good = claims + 1, good + int(ok)
            reasons.insert(0, f"p(yes) {p:.3f} {'>=' if ok else '<'} {bar:.2f}")
        supported = good == claims  # no claim to check (facts layer alone, no numbers or names): nothing failed
        return JudgeResult(supported, max(0, good) / claims if claims else 1.0, "; ".join(reasons))

    def correct(self, question: str, golds: Sequence[str], text: str) -> bool:
        """Whether ``text`` gives one of ``golds`` as the answer to ``question`` (by the model)."""
        if "model" not in self.layers or not golds:
            return False
        try:
            p = self.llm.yes_probability(self._messages("judge.correct.system.j2", "judge.correct.user.j2",
                                                        question=question, golds=list(golds), response=text))
        except AssistantError:
            return False
        return p >= self.correct_bar


def make_judge(kind: str, *, embedder=None, llm=None, threshold: float = DEFAULT_THRESHOLD,
               cross_threshold: float | None = None, bar: float | None = None) -> Judge:
    """``deterministic`` (needs ``embedder``), ``llm`` (needs ``llm``), ``entail`` (needs an ``llm`` with
    ``yes_probability``) or ``auto`` (``entail`` when the model offers it, else ``deterministic``);
    :class:`ValueError` otherwise."""
    if kind == "auto":
        kind = "entail" if callable(getattr(llm, "yes_probability", None)) else "deterministic"
    if kind == "entail":
        if llm is None:
            raise ValueError("the entailment judge needs a model (ASSISTANT_LLM is 'none')")
        return EntailmentJudge(llm, bar=bar)
    if kind == "deterministic":
        if embedder is None:
            raise ValueError("the deterministic judge needs an embedder")
        return DeterministicJudge(embedder, threshold, cross_threshold)
    if kind == "llm":
        if llm is None:
            raise ValueError("the LLM judge needs a model (ASSISTANT_LLM is 'none')")
        return LLMJudge(llm)
    raise ValueError(f"unknown judge {kind!r}; use deterministic or llm")
