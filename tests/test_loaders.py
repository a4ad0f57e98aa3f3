"""Loader and decoder tests: every input format, encodings, and every whole-file / per-item failure."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest

from ingest.decode import decode_bytes, detect_encoding
from ingest.loaders import (
    SUPPORTED_EXTENSIONS,
    html_to_text,
    iter_articles,
    iter_files,
    normalize_published,
)
from ingest.models import ItemError, LoadError, RawArticle

AR = "أكد الرئيس السوري ضرورة إرساء الاستقرار في إدلب."
AR2 = "وقالت وزارة الخارجية الروسية إن الجيش السوري يرد على الهجمات."
EN = "Russia stressed the need to stabilise Idlib while fighting terrorist groups."


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def load(path: Path, **kw) -> list:
    return list(iter_articles(path, **kw))


def articles(path: Path, **kw) -> list[RawArticle]:
    items = load(path, **kw)
    assert all(isinstance(i, RawArticle) for i in items), items
    return items


def load_error(path: Path, **kw) -> LoadError:
    with pytest.raises(LoadError) as info:
        load(path, **kw)
    assert info.value.path == str(path)
    assert str(path) in str(info.value)
    return info.value


# ------------------------------------------------------------------------------------------------ decoding
def test_decode_plain_utf8_is_unchanged():
    text = f"{AR}\r\n{EN}\r\n\n  indented\t tab \r\n"
    assert decode_bytes(text.encode("utf-8"), "x.txt") == text


def test_decode_utf8_bom_is_stripped():
    assert decode_bytes(codecs.BOM_UTF8 + AR.encode("utf-8"), "x") == AR


def test_decode_utf16_le_with_bom():
    data = codecs.BOM_UTF16_LE + f"{AR}\n{EN}\n".encode("utf-16-le")
    assert decode_bytes(data, "x") == f"{AR}\n{EN}\n"


def test_decode_utf16_be_with_bom_and_bomless_le():
    assert decode_bytes(codecs.BOM_UTF16_BE + EN.encode("utf-16-be"), "x") == EN
    mixed = f"{AR} - {EN}"
    assert decode_bytes(mixed.encode("utf-16-le"), "x") == mixed


def test_decode_windows_1256_arabic():
    text = f"{AR}\r\n{AR2}\r\n"
    data = text.encode("cp1256")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert decode_bytes(data, "x") == text


def test_decode_binary_png_rejected():
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00"
    with pytest.raises(LoadError, match="binary file, not text"):
        decode_bytes(png, "img.txt")


def test_decode_control_characters_rejected_as_binary():
    data = bytes(range(1, 9)) * 20 + b"abc"
    with pytest.raises(LoadError, match="binary"):
        decode_bytes(data, "x")


@pytest.mark.parametrize("stray", ["\x1b[31m", "\x07", "\x1b[1;31mred\x1b[0m", "\x1b]0;title\x07", "\x9b"])
def test_decode_a_text_with_a_few_control_characters_is_kept_verbatim(stray):
    text = f"{EN} A pasted {stray}word. The rest of the story.\n"
    assert decode_bytes(text.encode("utf-8"), "x.txt") == text
    short = f"Hi{stray} there."
    assert decode_bytes(short.encode("utf-8"), "x.txt") == short


def test_decode_windows_1256_arabic_with_a_stray_escape_is_kept():
    text = f"{AR}\x1b[0m\r\n{AR2}\x07\r\n"
    assert decode_bytes(text.encode("cp1256"), "x") == text


@pytest.mark.parametrize(
    "data",
    [
        b"\x01\x02\x03",
        b"ab\x01\x02\x03\x04",
        bytes(range(1, 32)) * 3 + b"x" * 500,
        b"\x1b[31m" * 40 + b"words here " * 100,
    ],
)
def test_decode_mostly_control_characters_is_still_binary(data):
    with pytest.raises(LoadError, match="binary"):
        decode_bytes(data, "x")


def test_a_txt_file_with_an_escape_sequence_loads_whole(tmp_path):
    text = f"Title line\n{EN} The envoy said \x1b[31mno\x1b[0m and left.\x07\n"
    [art] = articles(write(tmp_path, "ansi.txt", text.encode("utf-8")))
    assert art.text == text


def test_decode_empty_and_whitespace_only():
    with pytest.raises(LoadError, match="empty file"):
        decode_bytes(b"", "x")
    with pytest.raises(LoadError, match="empty file"):
        decode_bytes(b" \r\n\t\n ", "x")
    with pytest.raises(LoadError, match="empty file"):
        decode_bytes(codecs.BOM_UTF8 + b"\n\n", "x")


def test_decode_unknown_encoding():
    # Not UTF-8; as cp1256 it is only symbols (currency, ©, ±, ...), which is not plausible text.
    data = b"\xa4\xa6\xa7\xa9\xab\xac\xae\xb0\xb1 \xb5\xb6\xb7\xbb" * 10
    with pytest.raises(LoadError) as info:
        decode_bytes(data, "weird.txt")
    assert info.value.path == "weird.txt"
    assert info.value.reason == "unknown text encoding (tried UTF-8, UTF-8 with BOM, UTF-16, Windows-1256)"


def test_detect_encoding_tolerates_cut_multibyte_sequence():
    data = AR.encode("utf-8")
    assert detect_encoding(data[:5], "x") == "utf-8"  # cut inside a 2-byte letter
    assert detect_encoding(codecs.BOM_UTF8 + data, "x", complete=True) == "utf-8-sig"
    assert detect_encoding(AR.encode("cp1256"), "x", complete=True) == "cp1256"


# ------------------------------------------------------------------------------------------------- listing
def test_iter_files_walks_sorted_skips_hidden_and_unsupported(tmp_path):
    write(tmp_path, "b.txt", b"b")
    write(tmp_path, "a.md", b"a")
    write(tmp_path, "sub/c.json", b"{}")
    write(tmp_path, "sub/z.HTML", b"<p>x</p>")
    write(tmp_path, "sub/skip.pdf", b"%PDF")
    write(tmp_path, ".hidden.txt", b"h")
    write(tmp_path, ".git/config.txt", b"h")
    write(tmp_path, "sub/.cache/d.txt", b"h")
    got = list(iter_files([tmp_path]))
    assert got == [
        (tmp_path / "a.md", None),
        (tmp_path / "b.txt", None),
        (tmp_path / "sub" / "c.json", None),
        (tmp_path / "sub" / "z.HTML", None),
    ]


def test_iter_files_single_file_any_extension_and_missing_path(tmp_path):
    pdf = write(tmp_path, "doc.pdf", b"%PDF")
    missing = tmp_path / "nope.txt"
    got = list(iter_files([str(pdf), missing]))
    assert got == [(pdf, None), (missing, "no such file or directory")]


def test_supported_extensions():
    assert SUPPORTED_EXTENSIONS == {".txt", ".md", ".html", ".htm", ".json", ".jsonl", ".csv", ".xml", ".rss", ".atom"}


# ----------------------------------------------------------------------------------------------------- txt
def test_txt_text_is_file_decoded_as_utf8_exactly(tmp_path):
    raw = f"\r\n  {AR}  \r\n{EN}\r\n\r\n".encode()
    path = write(tmp_path, "news/idlib.txt", raw)
    [art] = articles(path)
    assert art.text == raw.decode("utf-8")
    assert art.text.endswith("\r\n\r\n") and art.text.startswith("\r\n  ")
    assert art.title == AR
    assert art.locator == str(path)
    assert art.source == "idlib"
    assert art.lang is None and art.id is None


def test_txt_title_truncated_and_user_overrides(tmp_path):
    path = write(tmp_path, "long.txt", ("x" * 500 + "\nbody").encode())
    [art] = articles(path, lang="en", source="Reuters")
    assert art.title == "x" * 200
    assert art.lang == "en" and art.source == "Reuters"


def test_txt_other_encodings(tmp_path):
    bom = write(tmp_path, "bom.txt", codecs.BOM_UTF8 + AR.encode("utf-8"))
    u16 = write(tmp_path, "u16.txt", codecs.BOM_UTF16_LE + f"{AR}\n".encode("utf-16-le"))
    win = write(tmp_path, "win.txt", f"{AR}\r\n{AR2}".encode("cp1256"))
    assert articles(bom)[0].text == AR
    assert articles(u16)[0].text == f"{AR}\n"
    assert articles(win)[0].text == f"{AR}\r\n{AR2}"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 40, "binary file, not text"),
        (b"", "empty file"),
        (b"   \n\t\r\n  ", "empty file"),
        (b"\xa4\xa6\xa7\xa9\xab\xac\xae\xb0\xb1" * 10, "unknown text encoding"),
    ],
)
def test_txt_bad_files(tmp_path, data, reason):
    err = load_error(write(tmp_path, "bad.txt", data))
    assert err.reason.startswith(reason)


def test_unsupported_extension_and_missing_file(tmp_path):
    err = load_error(write(tmp_path, "doc.pdf", b"%PDF-1.4"))
    assert "'.pdf'" in err.reason and "unsupported" in err.reason
    err = load_error(tmp_path / "missing.txt")
    assert err.reason == "no such file or directory"


# ------------------------------------------------------------------------------------------------------ md
def test_markdown_kept_verbatim_with_heading_title(tmp_path):
    md = f"Intro line\n\n# {AR}\n\n{AR2}\n\n* {EN}\n"
    path = write(tmp_path, "a.md", md.encode())
    [art] = articles(path)
    assert art.text == md
    assert art.title == AR


def test_markdown_without_heading_uses_first_line(tmp_path):
    [art] = articles(write(tmp_path, "a.md", f"\n\n{EN}\nmore\n".encode()))
    assert art.title == EN


# ---------------------------------------------------------------------------------------------------- HTML
PAGE = f"""<!DOCTYPE html>
<html lang="ar-SY"><head>
<meta charset="utf-8"><title> سانا  | إدلب </title>
<link rel="canonical" href="https://example.org/idlib">
<meta property="article:published_time" content="2019-05-01T10:30:00+03:00">
<style>.x {{ color: red }}</style>
<script>var secret = "tracking";</script>
</head><body>
<header>SITE HEADER</header>
<nav><a href="/">HOME MENU</a></nav>
<article>
  <h1>{AR}</h1>
  <p>{AR2}
     <b>مهم</b>   جدا</p>
  <div>Div text <span>inline</span><p>{EN}</p>tail</div>
  <ul><li>first item</li><li>second &amp; item</li></ul>
  <script>alert("x")</script><noscript>NOSCRIPT</noscript>
  <form><input value="FORMVALUE">FORM TEXT</form>
</article>
<aside>RELATED LINKS</aside>
<footer>COPYRIGHT</footer>
</body></html>"""


def test_html_main_text_and_metadata(tmp_path):
    path = write(tmp_path, "page.html", PAGE.encode("utf-8"))
    [art] = articles(path)
    assert art.text.split("\n") == [
        AR,
        f"{AR2} مهم جدا",
        "Div text inline",
        EN,
        "tail",
        "first item",
        "second & item",
    ]
    for junk in (
        "SITE HEADER",
        "HOME MENU",
        "tracking",
        "color",
        "alert",
        "NOSCRIPT",
        "FORM",
        "RELATED",
        "COPYRIGHT",
        "<",
        ">",
    ):
        assert junk not in art.text
    assert art.title == "سانا | إدلب"
    assert art.url == "https://example.org/idlib"
    assert art.published == "2019-05-01T07:30:00"
    assert art.lang == "ar"
    assert art.locator == str(path)


def test_html_fallbacks_main_og_and_time(tmp_path):
    page = """<html lang="EN"><head><meta property="og:title" content="OG Title">
    <meta property="og:url" content="https://e.org/x"></head>
    <body><div>outside main</div><main><p>Inside  main.</p><time datetime="2020-02-03">Feb 3</time></main></body></html>"""
    [art] = articles(write(tmp_path, "p.htm", page.encode()))
    assert art.text == "Inside main.\nFeb 3"
    assert art.title == "OG Title" and art.url == "https://e.org/x"
    assert art.published == "2020-02-03" and art.lang == "en"


def test_html_h1_title_and_body_fallback(tmp_path):
    [art] = articles(write(tmp_path, "p.html", b"<body><h1>Headline</h1><p>Para one.</p><p>Para two.</p></body>"))
    assert art.title == "Headline"
    assert art.text == "Headline\nPara one.\nPara two."
    assert art.lang is None


def test_html_without_text_is_load_error(tmp_path):
    err = load_error(write(tmp_path, "p.html", b"<html><body><script>x()</script><nav>menu</nav></body></html>"))
    assert "no text" in err.reason


def test_html_to_text_never_keeps_script():
    text = html_to_text("<p>a<script>document.write('<p>evil</p>')</script>b</p><style>p{}</style>")
    assert text == "ab"


# ---------------------------------------------------------------------------------------------------- JSON
def test_json_list_of_articles_fields(tmp_path):
    docs = [
        {
            "id": 7,
            "title": " عنوان ",
            "text": AR,
            "url": "https://sana.sy/1",
            "source": {"name": "SANA"},
            "published": "Wed, 01 May 2019 10:00:00 +0300",
            "lang": "ar",
            "category": "politics",
        },
        {
            "headline": "English",
            "content": EN,
            "link": "https://e.org",
            "publisher": "Reuters",
            "date": "2019-05-02",
            "language": "en-GB",
            "guid": "g-1",
        },
    ]
    path = write(tmp_path, "a.json", json.dumps(docs, ensure_ascii=False).encode())
    a, b = articles(path)
    assert (a.text, a.title, a.id, a.url, a.source, a.published, a.lang) == (
        AR,
        "عنوان",
        "7",
        "https://sana.sy/1",
        "SANA",
        "2019-05-01T07:00:00",
        "ar",
    )
    assert a.locator == f"{path}#0" and a.extra == {"category": "politics"}
    assert (b.text, b.title, b.id, b.url, b.source, b.published, b.lang) == (
        EN,
        "English",
        "g-1",
        "https://e.org",
        "Reuters",
        "2019-05-02",
        "en",
    )
    assert b.locator == f"{path}#1"


def test_json_single_object_and_container_keys(tmp_path):
    single = write(tmp_path, "one.json", json.dumps({"body": AR}).encode())
    [art] = articles(single)
    assert art.text == AR and art.locator == str(single) and art.source == "one"
    for key in ("articles", "items", "documents"):
        path = write(tmp_path, f"{key}.json", json.dumps({key: [{"article": EN}]}).encode())
        assert [a.text for a in articles(path)] == [EN]


def test_json_user_source_and_lang_override(tmp_path):
    path = write(tmp_path, "a.json", json.dumps([{"text": EN, "source": "Own", "lang": "ar"}]).encode())
    [art] = articles(path, source="User", lang="en")
    assert art.source == "User" and art.lang == "en"


def test_json_items_without_text_are_item_errors(tmp_path):
    docs = [{"title": "no text"}, {"text": "   "}, "string item", {"text": 5}, {"text": EN}]
    path = write(tmp_path, "a.json", json.dumps(docs).encode())
    items = load(path)
    assert [type(i) for i in items] == [ItemError] * 4 + [RawArticle]
    assert items[0] == ItemError(f"{path}#0", "missing text field (expected one of: text, content, body, article)")
    assert items[1] == ItemError(f"{path}#1", "empty text")
    assert items[2].reason == "not a JSON object"
    assert "not a string" in items[3].reason


def test_json_all_items_bad_ends_with_no_articles_found(tmp_path):
    path = write(tmp_path, "a.json", b'[{"title": "x"}]')
    it = iter_articles(path)
    assert isinstance(next(it), ItemError)
    with pytest.raises(LoadError, match="no articles found"):
        next(it)


def test_invalid_json_names_line_and_column(tmp_path):
    path = write(tmp_path, "bad.json", b'[\n  {"text": "a"},\n  {"text": oops}\n]')
    err = load_error(path)
    assert "invalid JSON at line 3, column 12" in err.reason


def test_json_unsupported_structure_and_empty(tmp_path):
    assert "unsupported JSON structure" in load_error(write(tmp_path, "n.json", b"42")).reason
    assert load_error(write(tmp_path, "e.json", b"")).reason == "empty file"
    assert "no articles found" in load_error(write(tmp_path, "l.json", b"[]")).reason


SQUAD = {
    "version": "1.1",
    "data": [
        {
            "title": "Syrian_civil_war",
            "paragraphs": [
                {
                    "context": f"  {AR}\n{AR2} ",
                    "qas": [
                        {
                            "id": "q1",
                            "question": "ماذا أكد الرئيس؟",
                            "answers": [{"text": "ضرورة", "answer_start": 20}],
                        },
                        {"id": "q2", "question": "من؟", "answers": []},
                    ],
                },
                {"context": EN, "qas": []},
            ],
        },
        {"title": "Other", "paragraphs": [{"context": "Distractor paragraph."}]},
    ],
}


def test_squad_one_article_per_paragraph(tmp_path):
    path = write(tmp_path, "dev.json", json.dumps(SQUAD, ensure_ascii=False).encode())
    arts = articles(path)
    assert [a.text for a in arts] == [f"  {AR}\n{AR2} ", EN, "Distractor paragraph."]
    assert [a.locator for a in arts] == [f"{path}#0.0", f"{path}#0.1", f"{path}#1.0"]
    assert [a.title for a in arts] == ["Syrian civil war", "Syrian civil war", "Other"]
    assert arts[0].extra == {"squad_title": "Syrian_civil_war", "question_ids": ["q1", "q2"]}
    assert arts[1].extra["question_ids"] == []
    assert all(a.id is None and a.source == "dev" for a in arts)


# --------------------------------------------------------------------------------------------------- JSONL
def test_jsonl_bad_line_is_item_error_others_yielded(tmp_path):
    lines = [
        json.dumps({"text": AR, "lang": "ar"}, ensure_ascii=False),
        "",
        "{not json",
        "   ",
        json.dumps({"text": EN, "id": "e1"}),
        json.dumps({"title": "t"}),
    ]
    path = write(tmp_path, "a.jsonl", codecs.BOM_UTF8 + "\r\n".join(lines).encode("utf-8") + b"\r\n")
    items = load(path)
    assert [type(i) for i in items] == [RawArticle, ItemError, RawArticle, ItemError]
    assert items[0].text == AR and items[0].locator == f"{path}#1" and items[0].lang == "ar"
    assert items[1].locator == f"{path}#3" and items[1].reason.startswith("invalid JSON:")
    assert items[2].text == EN and items[2].id == "e1" and items[2].locator == f"{path}#5"
    assert items[3].reason.startswith("missing text field")


def test_jsonl_cp1256_and_utf16(tmp_path):
    line = json.dumps({"text": AR}, ensure_ascii=False) + "\n"
    win = write(tmp_path, "w.jsonl", (line * 2).encode("cp1256"))
    assert [a.text for a in articles(win)] == [AR, AR]
    u16 = write(tmp_path, "u.jsonl", codecs.BOM_UTF16_LE + (line * 3).encode("utf-16-le"))
    arts = articles(u16)
    assert [a.text for a in arts] == [AR] * 3 and arts[2].locator == f"{u16}#3"


def test_jsonl_invalid_utf8_line_after_detection_prefix_is_item_error(tmp_path):
    good = json.dumps({"text": AR}, ensure_ascii=False).encode("utf-8") + b"\n"
    n = 70_000 // len(good) + 1  # the encoding is detected from the first 64 KB, all valid UTF-8
    path = write(tmp_path, "a.jsonl", good * n + b'{"text": "\xff\xfe bad"}\n' + good)
    items = load(path)
    assert len(items) == n + 2
    assert items[n] == ItemError(f"{path}#{n + 1}", "line is not valid utf-8 text")
    assert isinstance(items[n + 1], RawArticle) and items[n + 1].text == AR


def test_jsonl_invalid_utf8_in_prefix_is_load_error(tmp_path):
    err = load_error(write(tmp_path, "a.jsonl", b'{"text": "ok"}\n{"text": "\xff\xfe bad"}\n'))
    assert err.reason.startswith("unknown text encoding")


def test_jsonl_empty_and_binary(tmp_path):
    assert load_error(write(tmp_path, "e.jsonl", b"\n\n  \n")).reason == "empty file"
    assert load_error(write(tmp_path, "b.jsonl", b"\x00\x01\x02PK\x03\x04")).reason == "binary file, not text"


# ----------------------------------------------------------------------------------------------------- CSV
def test_csv_happy_path_with_multiline_quoted_cell(tmp_path):
    body = f'title,Content,date,source\r\n"عنوان","{AR}\r\n{AR2}",2019-05-01,SANA\r\nEnglish,"{EN}, quoted ""x""",,\r\n'
    path = write(tmp_path, "a.csv", body.encode("utf-8"))
    a, b = articles(path)
    assert a.text == f"{AR}\r\n{AR2}" and a.title == "عنوان" and a.published == "2019-05-01"
    assert a.source == "SANA" and a.locator == f"{path}#1"
    assert b.text == f'{EN}, quoted "x"' and b.source == "a" and b.published is None and b.locator == f"{path}#2"


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_csv_sniffs_delimiter(tmp_path, delimiter):
    body = f"id{delimiter}text\n1{delimiter}{AR}\n2{delimiter}{EN}, with comma\n"
    arts = articles(write(tmp_path, "a.csv", body.encode("utf-8")))
    assert [(a.id, a.text) for a in arts] == [("1", AR), ("2", f"{EN}, with comma")]


def test_csv_bom_and_cp1256(tmp_path):
    bom = write(tmp_path, "bom.csv", codecs.BOM_UTF8 + f"text\n{AR}\n".encode())
    assert [a.text for a in articles(bom)] == [AR]
    win = write(tmp_path, "win.csv", f"body,title\n{AR},{AR2}\n".encode("cp1256"))
    [art] = articles(win)
    assert art.text == AR and art.title == AR2


def test_csv_without_text_column(tmp_path):
    err = load_error(write(tmp_path, "a.csv", b"title,url\nx,y\n"))
    assert err.reason.startswith("no text column")
    assert "title, url" in err.reason


def test_csv_row_with_empty_text(tmp_path):
    path = write(tmp_path, "a.csv", f"title,text\nempty,\nshort\nok,{EN}\n\n".encode())
    items = load(path)
    assert items[0] == ItemError(f"{path}#1", "empty text")
    assert items[1] == ItemError(f"{path}#2", "empty text")
    assert isinstance(items[2], RawArticle) and items[2].text == EN


# --------------------------------------------------------------------------------------------------- feeds
RSS = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel>
<title>SANA English</title><link>https://sana.sy</link><language>ar</language>
<item><title>{AR}</title><link>https://sana.sy/1</link><guid>sana-1</guid>
<pubDate>Wed, 01 May 2019 10:00:00 +0300</pubDate>
<description>&lt;p&gt;{AR2}&lt;/p&gt;&lt;p&gt;فقرة ثانية&lt;/p&gt;</description></item>
<item><title>Plain</title><link>https://sana.sy/2</link><description>{EN}</description></item>
<item><title>No body</title><link>https://sana.sy/3</link></item>
</channel></rss>"""

ATOM = f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">
<title>Example Atom</title><id>urn:feed</id><updated>2019-05-02T00:00:00Z</updated>
<entry><title>Idlib</title><id>urn:e1</id><link href="https://e.org/1"/>
<updated>2019-05-02T08:15:00Z</updated>
<summary>Short summary</summary>
<content type="html">&lt;p&gt;{EN}&lt;/p&gt;&lt;script&gt;bad()&lt;/script&gt;</content></entry>
</feed>"""


def test_rss_feed(tmp_path):
    path = write(tmp_path, "sana.rss", RSS.encode("utf-8"))
    items = load(path)
    a, b, c = items
    assert isinstance(a, RawArticle) and isinstance(b, RawArticle)
    assert a.text == f"{AR2}\nفقرة ثانية"
    assert (a.title, a.url, a.id, a.source, a.lang, a.published) == (
        AR,
        "https://sana.sy/1",
        "sana-1",
        "SANA English",
        "ar",
        "2019-05-01T07:00:00",
    )
    assert a.locator == f"{path}#0"
    assert b.text == EN and b.published is None
    assert c == ItemError(f"{path}#2", "empty text")


def test_atom_feed(tmp_path):
    path = write(tmp_path, "feed.atom", ATOM.encode("utf-8"))
    [art] = articles(path, source="Mine")
    assert art.text == EN
    assert "bad()" not in art.text
    assert (art.title, art.url, art.id, art.source, art.lang, art.published) == (
        "Idlib",
        "https://e.org/1",
        "urn:e1",
        "Mine",
        "en",
        "2019-05-02T08:15:00",
    )


def test_xml_that_is_not_a_feed(tmp_path):
    err = load_error(write(tmp_path, "data.xml", b"<root><row>1</row></root>"))
    assert err.reason.startswith("not an RSS/Atom feed")
    err = load_error(write(tmp_path, "broken.xml", b"this is <not xml at all"))
    assert err.reason.startswith("not an RSS/Atom feed")
    assert load_error(write(tmp_path, "e.xml", b"  \n")).reason == "empty file"


# -------------------------------------------------------------------------------------------------- dates
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2019-05-01", "2019-05-01"),
        ("2019/5/1", "2019-05-01"),
        ("2019-05-01T10:30:00Z", "2019-05-01T10:30:00"),
        ("2019-05-01 10:30", "2019-05-01T10:30:00"),
        ("Wed, 01 May 2019 10:00:00 GMT", "2019-05-01T10:00:00"),
        ("yesterday", "yesterday"),
        ("", None),
        (None, None),
        (1556704800, "2019-05-01T10:00:00"),
    ],
)
def test_normalize_published(value, expected):
    assert normalize_published(value) == expected
