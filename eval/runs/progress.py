"""DIR/progress.jsonl: per-question results of a full-mode run, written as they happen, read back to resume.

Design: the first line is ``{"_meta": {...}}`` (dataset, judge, config, options); ``{"_extra": {...}}`` lines hold
run-level facts (the indexing figures); every other line is one question's record, appended and flushed as soon as
it is scored, so an interrupted or killed run keeps everything it finished. A fresh run truncates the file;
``resume=True`` keeps it, checks that its meta matches this run (a different dataset, model or judge would mix
incomparable results), and hands back the finished records so the runner can skip them. A torn last line (the
process died mid-write) is ignored.

Limits: one writer per folder; records are trusted as written (no checksum).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from assistant.errors import ConfigError

FILENAME = "progress.jsonl"


class ProgressLog:
    def __init__(self, out_dir: str | Path, meta: dict, *, resume: bool = False):
        self.path = Path(out_dir) / FILENAME
        self.meta = meta
        self.done: dict[str, dict] = {}
        self.extras: dict[str, Any] = {}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if resume and self.path.is_file():
            old_meta, self.done, self.extras = read_progress(self.path, with_extras=True)
            if old_meta is not None and old_meta != meta:
                diff = sorted(k for k in set(meta) | set(old_meta) if meta.get(k) != old_meta.get(k))
                raise ConfigError(
                    f"{self.path} belongs to a different run (differs in: {', '.join(diff)}); "
                    "run without --resume to start over, or use another --out folder"
                )
            self._f = self.path.open("a", encoding="utf-8")
            if old_meta is None:
                self._write({"_meta": meta})
        else:
            self._f = self.path.open("w", encoding="utf-8")
            self._write({"_meta": meta})

    def _write(self, obj: dict) -> None:
        self._f.write(json.dumps(obj, ensure_ascii=False) + "\n")
        self._f.flush()

    def append(self, record: dict) -> None:
        self.done[record["id"]] = record
        self._write(record)

    def write_extra(self, key: str, value) -> None:
        """A run-level fact (e.g. the indexing figures) as a ``{"_extra": {key: value}}`` line."""
        self.extras[key] = value
        self._write({"_extra": {key: value}})

    def close(self) -> None:
        self._f.close()


def read_progress(path: str | Path, *, with_extras: bool = False):
    """``(meta, {question id: record})`` from a progress file (plus the ``_extra`` facts when ``with_extras``);
    a line that does not parse is skipped."""
    meta, done, extras = None, {}, {}
    with Path(path).open(encoding="utf-8") as f:
        for line in f:
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                continue
            if "_meta" in obj:
                meta = obj["_meta"]
            elif "_extra" in obj:
                extras.update(obj["_extra"])
            elif "id" in obj:
                done[obj["id"]] = obj
    return (meta, done, extras) if with_extras else (meta, done)
