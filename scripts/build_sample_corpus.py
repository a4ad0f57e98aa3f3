"""Rebuild assistant/sample_corpus/ from ../shared (the reference article, XQuAD and ARCD paragraphs).

Run from the repository root: python scripts/build_sample_corpus.py [SHARED_DIR]
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

SHARED = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared")
OUT = Path("assistant/sample_corpus")
XQUAD_TITLES = ["1973_oil_crisis", "Black_Death"]
ARCD_TITLES = ["سوريا", "جمال خاشقجي"]


def squad_articles(path: Path, titles: list[str]):
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    for art in data:
        if art["title"] in titles:
            yield art


def write_jsonl(path: Path, rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SHARED / "corpus" / "idlib-talks.ar.txt", OUT / "idlib-talks.ar.txt")
    for lang in ("en", "ar"):
        rows = []
        for art in squad_articles(SHARED / f"datasets/xquad/xquad.{lang}.dev.json", XQUAD_TITLES):
            name = art["title"].replace("_", " ")
            for i, p in enumerate(art["paragraphs"]):
                row = {
                    "id": f"xquad-{lang}-{art['title'].lower()}-{i}",
                    "title": f"{name} ({i + 1})",
                    "text": p["context"],
                    "lang": lang,
                    "source": "XQuAD (Wikipedia)",
                }
                if lang == "en":
                    row["url"] = f"https://en.wikipedia.org/wiki/{art['title']}"
                rows.append(row)
        write_jsonl(OUT / f"xquad-sample.{lang}.jsonl", rows)
    rows = []
    for k, art in enumerate(squad_articles(SHARED / "datasets/arcd/arcd-train.json", ARCD_TITLES)):
        for i, p in enumerate(art["paragraphs"]):
            rows.append(
                {
                    "id": f"arcd-{k}-{i}",
                    "title": f"{art['title']} ({i + 1})",
                    "text": p["context"],
                    "lang": "ar",
                    "source": "ARCD (Arabic Wikipedia)",
                }
            )
    write_jsonl(OUT / "arcd-sample.ar.jsonl", rows)


if __name__ == "__main__":
    main()
