"""SaudiNewsNet to JSONL articles, and the eval corpus of the labelled news questions.

Run from the repository root (the data is read from ../shared, never copied into the repository):

    python scripts/saudinewsnet.py OUT.jsonl --days 2015-07-21 2015-07-22      # every article of those days
    python scripts/saudinewsnet.py OUT.jsonl --from 2015-07-21 --to 2015-07-31  # a range of days
    python scripts/saudinewsnet.py --corpus-for eval/datasets/news/saudinewsnet-news.jsonl OUT.jsonl
    python scripts/saudinewsnet.py ... --data PATH/TO/saudinewsnet                # another copy of the zips

Design:
- SaudiNewsNet (CC BY-NC-SA 4.0, research use) is one ZIP per extraction day, each holding one JSON array of
  ``{source, url, date_extracted, title, author, content}``. Each record becomes one JSONL line
  ``{"id", "title", "text", "source", "published", "url", "lang": "ar"}``: ``text`` is ``content`` unchanged (gold
  offsets count into it), ``published`` the date part of ``date_extracted``, ``id`` = ``snn-`` + the first 12 hex
  digits of the SHA-1 of the URL (stable across runs and days). A record without content is left out; a URL seen
  on an earlier day is kept once, at its first day.
- ``--corpus-for QUESTIONS`` writes the eval corpus: every article a question's ``evidence`` names (by id), plus
  ``--distractors`` (300) same-topic articles from the days of ``--from``/``--to`` (default 21-31 July). The topic
  is the labelled articles' words: each candidate scores by the words (4+ letters, stop words out) of its title
  and first 1,500 characters it shares with the nearest labelled article, normalized by its own length; the best
  are taken in turn per labelled article (round robin), ties broken by id, so the corpus is the same every run.
  A candidate whose text repeats one already taken is skipped (the eval indexes identical texts once).

Limits: ``date_extracted`` is the extraction time; before 1 August 2015 it is most probably, not surely, the
publication day. The days 28-30 July are missing from the dataset.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import zipfile
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "datasets" / "saudinewsnet"
LABEL_FROM, LABEL_TO = "2015-07-21", "2015-07-31"
WORD = re.compile(r"[\u0621-\u064A]{4,}")
_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ة": "ه", "ى": "ي"})
STOP = set(
    "التي الذي الذين وقال وأضاف واضاف واكد وأكد عليه عليها وذلك ذلك هذه هذا خلال الله بين عندما حيث كانت كان يكون "
    "تكون بعد قبل إلى الى على منذ حتى ضمن أيضا ايضا فيها فيه منها منه لها لهم عنها اليوم أمس امس وقد لقد مدينة "
    "المملكة السعودية العربية الأمير الامير العام الوزير وزير وزارة عبدالله محمد".split()
)


def article_id(url: str) -> str:
    """The stable id of a SaudiNewsNet record: ``snn-`` + 12 hex digits of the SHA-1 of its URL."""
    return "snn-" + hashlib.sha1(url.encode("utf-8")).hexdigest()[:12]


def days_between(first: str, last: str) -> list[str]:
    d, end = date.fromisoformat(first), date.fromisoformat(last)
    out = []
    while d <= end:
        out.append(d.isoformat())
        d += timedelta(days=1)
    return out


def read_day(data: Path, day: str) -> list[dict]:
    """The raw records of one extraction day; [] when the dataset has no file for it (28-30 July)."""
    path = data / f"{day}.zip"
    if not path.is_file():
        return []
    with zipfile.ZipFile(path) as z:
        names = [n for n in z.namelist() if n.endswith(".json")]
        if len(names) != 1:
            raise SystemExit(f"{path}: expected one .json file inside, found {names}")
        try:
            rows = json.loads(z.read(names[0]).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise SystemExit(f"{path}: {names[0]} is not a UTF-8 JSON array: {e}") from e
    if not isinstance(rows, list):
        raise SystemExit(f"{path}: {names[0]} is not a JSON array")
    return rows


def articles(data: Path, days: list[str]) -> Iterator[dict]:
    """JSONL-ready articles of ``days`` in file order (see the module docstring); each URL once."""
    seen: set[str] = set()
    for day in days:
        for i, row in enumerate(read_day(data, day)):
            if not isinstance(row, dict):
                raise SystemExit(f"{data / (day + '.zip')}: record {i} is not a JSON object")
            text, url = row.get("content") or "", row.get("url") or f"{day}#{i}"
            if not text.strip():
                continue
            aid = article_id(url)
            if aid in seen:
                continue
            seen.add(aid)
            yield {
                "id": aid,
                "title": (row.get("title") or "").strip(),
                "text": text,
                "source": row.get("source") or "",
                "published": (row.get("date_extracted") or day)[:10],
                "url": url,
                "lang": "ar",
            }


def write_jsonl(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="\n") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def words(a: dict) -> set[str]:
    head = (a.get("title") or "") + " " + a["text"][:1500]
    return {w.translate(_FOLD) for w in WORD.findall(head)} - STOP


def labelled_ids(questions: Path) -> list[str]:
    ids: list[str] = []
    with questions.open(encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                raise SystemExit(f"{questions}, line {lineno}: invalid JSON: {e.msg}") from e
            for ev in obj.get("evidence") or []:
                if ev.get("doc") not in ids:
                    ids.append(ev["doc"])
            for doc in obj.get("corpus_docs") or []:
                if doc not in ids:
                    ids.append(doc)
    return ids


def corpus_for(questions: Path, data: Path, days: list[str], n_distractors: int) -> tuple[list[dict], list[str]]:
    """``(labelled articles + distractors, labelled ids not found)`` (see the module docstring)."""
    wanted = labelled_ids(questions)
    pool = list(articles(data, days))
    by_id = {a["id"]: a for a in pool}
    labelled = [by_id[i] for i in wanted if i in by_id]
    missing = [i for i in wanted if i not in by_id]
    topics = [words(a) for a in labelled]
    ranked: list[list[tuple[float, str]]] = [[] for _ in labelled]
    for a in pool:
        if a["id"] in wanted:
            continue
        w = words(a)
        if not w:
            continue
        scores = [len(w & t) / (len(w) ** 0.5 * max(len(t), 1) ** 0.5) for t in topics]
        best = max(range(len(scores)), key=lambda k: scores[k]) if scores else 0
        if scores:
            ranked[best].append((-scores[best], a["id"]))
    for r in ranked:
        r.sort()
    out = list(labelled)
    texts = {a["text"] for a in out}
    taken = 0
    depth = 0
    while taken < n_distractors and any(depth < len(r) for r in ranked):
        for r in ranked:
            if taken >= n_distractors:
                break
            if depth < len(r):
                a = by_id[r[depth][1]]
                if a["text"] not in texts:
                    texts.add(a["text"])
                    out.append(a)
                    taken += 1
        depth += 1
    return out, missing


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("out", type=Path, help="the JSONL file to write")
    p.add_argument("--data", type=Path, default=DEFAULT_DATA, help=f"the SaudiNewsNet zips (default {DEFAULT_DATA})")
    p.add_argument("--days", nargs="+", help="extraction days (YYYY-MM-DD)")
    p.add_argument("--from", dest="first", default=None, help="first day of a range (YYYY-MM-DD)")
    p.add_argument("--to", dest="last", default=None, help="last day of a range (YYYY-MM-DD)")
    p.add_argument("--corpus-for", type=Path, help="a labelled question file: write its articles and distractors")
    p.add_argument("--distractors", type=int, default=300, help="same-topic distractors for --corpus-for")
    args = p.parse_args(argv)
    if not args.data.is_dir():
        p.error(f"--data {args.data} is not a folder (the SaudiNewsNet zips are in ../shared/datasets/saudinewsnet)")
    try:
        if args.days:
            days = [date.fromisoformat(d).isoformat() for d in args.days]
        else:
            first = args.first or (LABEL_FROM if args.corpus_for else None)
            last = args.last or (LABEL_TO if args.corpus_for else first)
            if first is None:
                p.error("name the days: --days D... or --from D [--to D]")
            days = days_between(first, last)
    except ValueError as e:
        p.error(f"a day must be YYYY-MM-DD: {e}")
    if args.corpus_for:
        rows, missing = corpus_for(args.corpus_for, args.data, days, args.distractors)
        if missing:
            print(
                f"error: {args.corpus_for}: {len(missing)} evidence docs are not among the articles of "
                f"{days[0]}..{days[-1]}: {', '.join(missing[:5])}",
                file=sys.stderr,
            )
            return 1
    else:
        rows = list(articles(args.data, days))
    write_jsonl(args.out, rows)
    print(f"{args.out}: {len(rows)} articles from {days[0]}..{days[-1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
