"""CSV files (.csv): one article per data row, with a header naming the columns.

Design: the delimiter is sniffed from the header line (``,`` ``;`` tab ``|``, outside quotes), the text column is
the first header in :data:`ingest.loaders.fields.TEXT_KEYS`, and the other columns are matched as JSON keys are.
The file streams; a row holding bytes that are not valid in the detected encoding is reported by its data row
number (``path#N``, 1-based, header excluded) and the other rows are kept.

Limits: the encoding is detected from the first 64 KB only; a file without a text column fails as a whole.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

from ingest.loaders.fields import TEXT_KEYS, FileContext
from ingest.models import ItemError, LoadError, RawArticle

_UNDECODED = re.compile("[\udc80-\udcff]")
"""What ``surrogateescape`` makes of a byte the codec could not decode."""


def _sniff_delimiter(header_line: str) -> str:
    unquoted = re.sub(r'"[^"]*"', "", header_line)
    counts = {d: unquoted.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])  # ties keep the first: , ; \t |
    return best if counts[best] else ","


def load_csv(ctx: FileContext) -> Iterator[RawArticle | ItemError]:
    codec, binary = ctx.open_detected()
    csv.field_size_limit(max(csv.field_size_limit(), 64 * 1024 * 1024))
    # surrogateescape: a byte that is not valid in the codec (detected from the first 64 KB only) becomes a lone
    # surrogate instead of an exception that would end the file; the row holding it is reported by number and
    # every other row is kept, as JSONL does per line.
    with io.TextIOWrapper(binary, encoding=codec, newline="", errors="surrogateescape") as f:
        try:
            delimiter = _sniff_delimiter(f.readline())
            f.seek(0)
            reader = csv.reader(f, delimiter=delimiter)
            header = [h.strip().lstrip("\ufeff").lower() for h in next(reader, [])]
            text_col = next((i for i, h in enumerate(header) if h in TEXT_KEYS), None)
            if text_col is None:
                raise LoadError(
                    ctx.path,
                    f"no text column (expected one of: {', '.join(TEXT_KEYS)}); "
                    f"header is: {', '.join(header) or '(empty)'}",
                )
            for rownum, row in enumerate(reader, 1):
                if not any(cell.strip() for cell in row):
                    continue
                if any(_UNDECODED.search(cell) for cell in row):
                    yield ItemError(f"{ctx.path}#{rownum}", f"data row {rownum} is not valid {codec} text")
                    continue
                fields = {h: cell for h, cell in zip(header, row, strict=False) if h}
                fields.setdefault(header[text_col], "")
                yield ctx.from_fields(fields, f"{ctx.path}#{rownum}", text_key=header[text_col])
        except csv.Error as exc:
            raise LoadError(ctx.path, f"malformed CSV: {exc}") from exc
        except UnicodeDecodeError as exc:
            raise LoadError(ctx.path, f"invalid {codec} text in CSV: {exc.reason}") from exc
