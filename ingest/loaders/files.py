"""Listing the files to ingest: the user's paths expanded into ``(path, name, error)``.

Design: :func:`iter_files` / :func:`iter_named_files` expand the user's paths (folders recursively, sorted, hidden
names skipped, only the supported extensions of :data:`ingest.loaders.dispatch.SUPPORTED_EXTENSIONS` taken from a
folder; a file given as such is taken whatever its extension) and report missing or unreadable paths instead of
raising, so one bad argument does not stop an ingest. Links are followed; a folder reached twice (a link loop) is
walked once.

Limits: a file's name depends on the folder walked (see :func:`iter_named_files`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from ingest.loaders.dispatch import SUPPORTED_EXTENSIONS


def iter_files(paths: Iterable[str | Path]) -> Iterator[tuple[Path, str | None]]:
    """Yield ``(path, error)``: files as given (any extension), folders walked for supported files."""
    for path, _name, err in iter_named_files(paths):
        yield path, err


def iter_named_files(paths: Iterable[str | Path]) -> Iterator[tuple[Path, str, str | None]]:
    """Like :func:`iter_files`, with each file's *name*: the file name for a file given as such, the path
    inside the folder (``/``-separated) for a file found by walking a folder. The name, not the path string,
    is what identifies an article (:func:`assistant.store.library.identity_key`), so ``a.txt``, ``$PWD/a.txt``
    and ``x/../a.txt`` name one article.

    Names are taken after following links (:func:`resolved`): a link to a file is named by the file it points
    to (``link.txt -> news/story.txt`` is ``story.txt``, as the file given itself or its own folder walked
    would be), a file found in a walked folder by its real path inside the real folder, and a file reached
    through a linked folder outside it by its path inside that folder's target. So one file has one name
    however it is reached. Limit: a file's name still depends on the folder walked (``x.txt`` when ``news`` is
    ingested, ``news/x.txt`` when its parent is), links or not."""
    for raw in paths:
        path = Path(raw)
        try:
            is_dir, exists = path.is_dir(), path.exists()
        except (OSError, ValueError) as exc:  # e.g. a name too long, a NUL byte
            yield path, str(raw), f"cannot read: {getattr(exc, 'strerror', None) or exc}"
            continue
        if is_dir:
            for file, err, bases in _walk(path, set(), (resolved(path),)):
                yield file, _name_in(file, bases), err
        elif exists:
            yield path, resolved(path).name or path.name, None
        else:
            yield path, path.name, "no such file or directory"


def resolved(path: Path) -> Path:
    """The real path of ``path`` (links followed, ``..`` folded; what identifies a file), or its absolute path when
    it cannot be resolved (a link loop)."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path.absolute()


def _name_in(file: Path, bases: tuple[Path, ...]) -> str:
    """``file``'s real path inside the outermost of ``bases`` (real folders) that holds it, else its real name."""
    real = resolved(file)
    for base in bases:
        try:
            name = real.relative_to(base).as_posix()
        except ValueError:
            continue
        if name and name != ".":
            return name
    return real.name or file.name


def _walk(
    folder: Path, seen: set[Path], bases: tuple[Path, ...]
) -> Iterator[tuple[Path, str | None, tuple[Path, ...]]]:
    real = resolved(folder)
    if real in seen:  # symlink loop
        return
    seen.add(real)
    try:
        entries = sorted(folder.iterdir(), key=lambda p: p.name)
    except OSError as exc:
        yield folder, f"cannot read directory: {exc.strerror or exc}", bases
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        try:
            is_dir = entry.is_dir()
            is_file = not is_dir and entry.is_file()
            linked = is_dir and entry.is_symlink()
        except OSError as exc:  # e.g. permission denied on stat: reported like any other bad file
            yield entry, f"cannot read: {exc.strerror or exc}", bases
            continue
        if is_dir:
            yield from _walk(entry, seen, bases + (resolved(entry),) if linked else bases)
        elif entry.suffix.lower() in SUPPORTED_EXTENSIONS and is_file:
            yield entry, None, bases
