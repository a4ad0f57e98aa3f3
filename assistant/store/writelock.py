"""One writer per store, across processes: the home's ``write.lock`` (``filelock``, an OS lock that the kernel
drops when its holder dies, so a killed writer never leaves the store locked), the holder's name beside it, and
the store's generation.

- :class:`WriteLock` is re-entrant within a thread; other threads and other processes wait. A writer that has to
  wait says so once through ``on_wait`` (who holds the store: pid, command, since when), and past ``timeout_s``
  raises :class:`StoreBusy`, whose message names the holder and the ways out (wait, stop that process, send the
  files to the running server with ``POST /v1/documents``).
- ``write.owner`` holds the current writer's ``{"pid", "command", "since"}``; it is written after the lock is
  taken and removed before it is released, so a waiter can read who it waits for (a stale file left by a killed
  writer is harmless: the lock is free, and the next writer overwrites it).
- ``generation`` is a token replaced (write to a temporary file, then ``os.replace``) at the end of every write
  session that changed the store. A process compares it with the token it loaded its Chroma client at: a
  different token means another process wrote, and the embedded Chroma client's in-memory indexes are stale
  (chromadb 1.5.9 keeps its HNSW graph in memory: a reader opened before another process's write misses the
  new vectors, and a filtered query fails with ``Error finding id``), so the client is reopened.

Limits: POSIX advisory locking on a local file system (network file systems may not honour it); a reader that
finds a writer active keeps its loaded client until that writer finishes (it sees the store as it was).
"""

from __future__ import annotations

import json
import os
import shlex
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from filelock import FileLock, Timeout

from assistant.errors import AssistantError

LOCK_FILE = "write.lock"
OWNER_FILE = "write.owner"
GENERATION_FILE = "generation"
DEFAULT_TIMEOUT_S = 600.0


class StoreBusy(AssistantError):
    """Another writer held the store for longer than this one would wait."""


def this_command() -> str:
    """How this process was started, for other writers to read (``assistant ingest notes/``)."""
    argv = [Path(sys.argv[0]).name if sys.argv else "python", *sys.argv[1:]]
    text = shlex.join(argv)
    return text if len(text) <= 200 else text[:199] + "…"


def describe(owner: dict | None) -> str:
    """``pid 123 (assistant serve), writing since 17:40:01 UTC`` or ``another process`` when unknown."""
    if not owner:
        return "another process"
    since = owner.get("since", "")
    return f"pid {owner.get('pid', '?')} ({owner.get('command', '?')}), writing since {since}"


class WriteLock:
    """The inter-process writer lock of one store folder (see the module docstring)."""

    def __init__(
        self,
        home: Path,
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        on_wait: Callable[[str], None] | None = None,
        command: str | None = None,
    ):
        self.home = home
        self.timeout_s = timeout_s
        self.on_wait = on_wait
        self.command = command or this_command()
        self._lock = FileLock(str(home / LOCK_FILE), thread_local=True)
        self._tl = threading.local()

    # -- who holds it -------------------------------------------------------------------------------------
    def owner(self) -> dict | None:
        try:
            return json.loads((self.home / OWNER_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def held_here(self) -> bool:
        """Whether this thread holds the lock."""
        return getattr(self._tl, "depth", 0) > 0

    # -- taking it ----------------------------------------------------------------------------------------
    @contextmanager
    def hold(self, on_wait: Callable[[str], None] | None = None) -> Iterator[bool]:
        """Hold the lock (re-entrant in this thread); the value is True for the outermost hold. ``on_wait``
        (else the lock's own) hears that this writer waits, and for whom."""
        depth = getattr(self._tl, "depth", 0)
        if depth == 0:
            self._acquire(on_wait or self.on_wait)
        self._tl.depth = depth + 1
        try:
            yield depth == 0
        finally:
            self._tl.depth -= 1
            if self._tl.depth == 0:
                try:
                    (self.home / OWNER_FILE).unlink(missing_ok=True)
                finally:
                    self._lock.release()

    def try_hold(self) -> bool:
        """Take the lock only if it is free now (for a reader's refresh); release with :meth:`release_try`."""
        if self.held_here():
            return False
        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            return False
        return True

    def release_try(self) -> None:
        self._lock.release()

    def _acquire(self, on_wait: Callable[[str], None] | None) -> None:
        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            owner = self.owner()
            if on_wait is not None:
                on_wait(
                    f"waiting for the store {self.home}: {describe(owner)} "
                    f"(up to {self.timeout_s:.0f} s, ASSISTANT_LOCK_TIMEOUT_S)"
                )
            started = time.monotonic()
            try:
                self._lock.acquire(timeout=self.timeout_s, poll_interval=0.1)
            except Timeout:
                raise StoreBusy(
                    f"the store {self.home} is busy: {describe(self.owner() or owner)}; waited "
                    f"{time.monotonic() - started:.0f} s. Wait for it to finish and run this again, stop that "
                    "process, or send the files to the running server (POST /v1/documents, or the UI's Library "
                    "tab) instead of writing the same store from a second process"
                ) from None
        try:
            self._write_owner()
        except OSError:
            self._lock.release()
            raise

    def _write_owner(self) -> None:
        owner = {
            "pid": os.getpid(),
            "command": self.command,
            "since": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        }
        tmp = self.home / f"{OWNER_FILE}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(owner, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, self.home / OWNER_FILE)


def read_generation(home: Path) -> str:
    """The store's generation token ("" before the first write)."""
    try:
        return (home / GENERATION_FILE).read_text(encoding="utf-8").strip()
    except OSError:
        return ""


def bump_generation(home: Path) -> str:
    """Replace the generation token (atomically) and return the new one."""
    token = uuid.uuid4().hex
    tmp = home / f"{GENERATION_FILE}.{os.getpid()}.tmp"
    tmp.write_text(token, encoding="utf-8")
    os.replace(tmp, home / GENERATION_FILE)
    return token
