"""Near-duplicate (syndicated copy) detection: wire copies with small edits are found in Arabic and English,
unrelated articles on the same topic are not; ``link`` stores and links, ``skip`` drops, ``off`` ignores."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from assistant.backends.fake import FakeEmbedder
from assistant.store import neardup
from assistant.store.library import Library
from ingest.models import RawArticle
from ingest.pipeline import Ingestor

EN = (
    "Syrian government forces backed by Russian air strikes advanced on Tuesday towards the town of Saraqeb in "
    "Idlib province, the last major rebel stronghold in the country, according to a war monitor. The Syrian "
    "Observatory for Human Rights said at least 18 fighters were killed in clashes overnight. Turkey, which backs "
    "some rebel groups, has called for an immediate ceasefire and warned that a new wave of refugees could head "
    "for its border. Russian officials said the offensive targeted militants who had violated a truce agreed in "
    "Sochi in 2018."
)
EN_COPY = (
    "BEIRUT (Agency) - Syrian government forces backed by Russian air strikes advanced on Tuesday towards the "
    "town of Saraqeb in Idlib province, the last big rebel stronghold in the country, according to a war "
    "monitor. The Syrian Observatory for Human Rights said at least 19 fighters were killed in clashes "
    "overnight. Turkey, which backs some rebel groups, has called for an immediate ceasefire and warned that a "
    "new wave of refugees could head for its border. Russian officials said the offensive targeted militants "
    "who had violated a truce agreed in Sochi in 2018. Reporting by the Beirut newsroom; editing by the desk."
)
EN_OTHER = (
    "Turkish and Russian delegations met in Ankara on Wednesday to discuss the situation in Idlib, where a "
    "ceasefire brokered last year has repeatedly broken down. Officials from both sides described the talks as "
    "constructive but gave no details of any agreement. Aid groups say nearly a million civilians have fled "
    "the fighting since December, many of them sheltering in tents near the Turkish border in freezing "
    "temperatures. The United Nations has appealed for safe passage for humanitarian convoys."
)
AR = (
    "أكد الجانب الروسي خلال المحادثات التي جرت في دمشق دعمه الكامل للجيش العربي السوري في عملياته ضد الجماعات "
    "المسلحة في محافظة إدلب، مشيرا إلى أن اتفاق سوتشي لم ينفذ بسبب عدم التزام الجانب التركي بتعهداته. وقال "
    "المتحدث باسم الوفد إن الطرفين ناقشا سبل إعادة الاستقرار إلى المنطقة وفتح الطرق الدولية أمام حركة التجارة، "
    "كما بحثا ملف عودة اللاجئين والمهجرين إلى مدنهم وقراهم بعد انتهاء العمليات العسكرية."
)
AR_COPY = (
    "دمشق (وكالات) - أكد الجانب الروسي خلال المحادثات التى جرت فى دمشق دعمه الكامل للجيش العربى السورى فى "
    "عملياته ضد الجماعات المسلحة في محافظة إدلب، مشيرا الى ان اتفاق سوتشي لم يُنفَّذ بسبب عدم التزام الجانب "
    "التركي بتعهداته. وقال المتحدث الرسمي باسم الوفد إن الطرفين ناقشا سبل إعادة الاستقرار إلى المنطقة وفتح "
    "الطرق الدولية أمام حركة التجارة، كما بحثا ملف عودة اللاجئين والمهجرين إلى مدنهم وقراهم بعد انتهاء "
    "العمليات العسكرية. "
)
AR_OTHER = (
    "قالت وزارة الخارجية التركية إن وفدا رفيع المستوى سيتوجه إلى موسكو الأسبوع المقبل لبحث التطورات في "
    "إدلب، في ظل تصاعد المعارك وموجات النزوح نحو الحدود. وأضافت الوزارة أن أنقرة تطالب بوقف فوري لإطلاق "
    "النار وبضمانات لحماية المدنيين، فيما دعت منظمات الإغاثة إلى فتح ممرات آمنة لإيصال المساعدات."
)


def test_wire_copies_with_small_edits_are_detected():
    for a, b in ((EN, EN_COPY), (AR, AR_COPY)):
        fa, fb = neardup.fingerprint(a), neardup.fingerprint(b)
        assert neardup.jaccard(fa.shingles, fb.shingles) >= neardup.THRESHOLD
        assert set(fa.keys) & set(fb.keys)  # LSH makes it a candidate


def test_unrelated_articles_on_the_same_topic_are_not():
    for a, b in ((EN, EN_OTHER), (AR, AR_OTHER), (EN, AR), (EN_OTHER, AR_OTHER)):
        fa, fb = neardup.fingerprint(a), neardup.fingerprint(b)
        assert neardup.jaccard(fa.shingles, fb.shingles) < 0.2
        assert not set(fa.keys) & set(fb.keys)


def test_short_texts_are_not_checked():
    assert neardup.fingerprint("Lions sleep near the river.") is None


def arts(*pairs):
    return [RawArticle(text=t, locator=i, id=i) for i, t in pairs]


@pytest.mark.parametrize("same_batch", [True, False])
def test_link_stores_the_copy_and_records_duplicate_of(tmp_path, same_batch):
    lib, emb = Library(tmp_path), FakeEmbedder()
    items = arts(
        ("en-1", EN),
        ("ar-1", AR),
        ("en-other", EN_OTHER),
        ("en-copy", EN_COPY),
        ("ar-copy", AR_COPY),
        ("ar-other", AR_OTHER),
    )
    if same_batch:
        result = Ingestor(lib, emb, batch_chunks=1000).ingest_articles(items)
        n = result.near_duplicates
    else:
        n = sum(Ingestor(lib, emb).ingest_articles([a]).near_duplicates for a in items)
    assert n == 2
    assert lib.articles.count() == 6
    assert lib.get("en-copy").duplicate_of == "en-1" and lib.get("ar-copy").duplicate_of == "ar-1"
    assert {r.id for r in lib.articles.list() if r.duplicate_of} == {"en-copy", "ar-copy"}
    assert lib.get("en-copy").meta()["duplicate_of"] == "en-1"


def test_skip_does_not_store_the_copy_and_reports_it(tmp_path):
    lib, emb = Library(tmp_path), FakeEmbedder()
    ing = Ingestor(lib, emb, near_duplicates="skip")
    r = ing.ingest_articles(arts(("en-1", EN), ("en-copy", EN_COPY), ("en-other", EN_OTHER)))
    assert r.near_duplicates == 1 and r.added == 2
    assert lib.articles.get("en-copy") is None and "en-1" in r.doc_ids
    d = ing.report.to_dict()
    assert d["near_duplicates"] == 1 and d["files"][0]["near_duplicates"] == 1
    assert set(d["totals"]) == {"added", "updated", "unchanged", "duplicates", "chunks", "failed_files"}


def test_off_ignores_but_a_later_link_run_still_finds_the_original(tmp_path):
    lib, emb = Library(tmp_path), FakeEmbedder()
    r = Ingestor(lib, emb, near_duplicates="off").ingest_articles(arts(("ar-1", AR), ("ar-copy", AR_COPY)))
    assert r.near_duplicates == 0 and lib.get("ar-copy").duplicate_of is None
    r = Ingestor(lib, emb).ingest_articles(arts(("ar-copy-2", AR_COPY + " تحديث.")))
    assert r.near_duplicates == 1 and lib.get("ar-copy-2").duplicate_of in {"ar-1", "ar-copy"}


def test_an_updated_article_is_not_its_own_duplicate_and_delete_drops_its_bands(tmp_path):
    lib, emb = Library(tmp_path), FakeEmbedder()
    Ingestor(lib, emb).ingest_articles(arts(("en-1", EN)))
    r = Ingestor(lib, emb).ingest_articles(arts(("en-1", EN.replace("18 fighters", "20 fighters"))))
    assert r.updated == 1 and r.near_duplicates == 0 and lib.get("en-1").duplicate_of is None
    lib.delete("en-1")
    assert lib.articles.band_doc_ids() == set()
    r = Ingestor(lib, emb).ingest_articles(arts(("en-copy", EN_COPY)))
    assert r.near_duplicates == 0


def test_setting_reaches_the_cli_ingest(tmp_path, monkeypatch):
    from assistant.cli import app

    monkeypatch.setenv("ASSISTANT_EMBEDDER", "fake")
    monkeypatch.setenv("ASSISTANT_NEAR_DUPLICATES", "skip")
    d = tmp_path / "in"
    d.mkdir()
    (d / "a.jsonl").write_text(
        "\n".join(
            json.dumps({"id": i, "text": t}, ensure_ascii=False)
            for i, t in (("ar-1", AR), ("ar-copy", AR_COPY), ("en-1", EN))
        )
        + "\n",
        encoding="utf-8",
    )
    r = CliRunner().invoke(app, ["ingest", str(d), "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["near_duplicates"] == 1 and out["files"][0]["near_duplicates"] == 1 and out["totals"]["added"] == 2
