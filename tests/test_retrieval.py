"""Hybrid retrieval: indexes kept in step on update/delete (no ghost hits), filters inside retrieval, and on a
small cross-lingual fixture the fused ranking is no worse than the embedder alone."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.backends.fake import FakeEmbedder
from assistant.retrieval.retriever import Filters, Retriever
from assistant.store.library import Library
from ingest.models import RawArticle
from ingest.pipeline import Ingestor


def ingest(lib, emb, *arts):
    return Ingestor(lib, emb).ingest_articles(list(arts))


def test_lexical_and_sentence_indexes_follow_updates_and_deletes(tmp_path):
    lib, emb = Library(tmp_path), FakeEmbedder()
    ingest(lib, emb, RawArticle(text="Zebras graze near the river. Lions sleep.", locator="a", id="a"))
    assert [d for _, d, _ in lib.lexical.search("zebras", 5)] == ["a"]
    ingest(lib, emb, RawArticle(text="Giraffes browse tall acacia trees.", locator="a", id="a"))
    assert lib.lexical.search("zebras", 5) == []  # no ghost hit from the old version
    assert [d for _, d, _ in lib.lexical.search("giraffes", 5)] == ["a"]
    chunk_ids = set(lib.index.chunk_ids("a"))
    assert set(lib.lexical.doc_chunk_ids("a")) == chunk_ids
    sent_parents = {r.metadata["chunk_id"] for r in lib.sentences.vectors_where({"doc_id": "a"})[0]}
    assert sent_parents == chunk_ids
    hits = Retriever(lib, emb).retrieve("zebras river", top_k=5)
    assert all("Zebras" not in h.chunk.text for h in hits)
    lib.delete("a")
    assert lib.lexical.count() == 0 and lib.index.count() == 0 and lib.sentences.count() == 0
    assert Retriever(lib, emb).retrieve("giraffes", top_k=5) == []


def test_filters_apply_in_every_channel(tmp_path):
    lib, emb = Library(tmp_path), FakeEmbedder()
    ingest(
        lib,
        emb,
        RawArticle(
            text="Ceasefire talks in Idlib resumed.",
            locator="1",
            id="en-2019",
            lang="en",
            source="wire",
            published="2019-05-01",
        ),
        RawArticle(
            text="Ceasefire talks in Idlib collapsed.",
            locator="2",
            id="en-2021",
            lang="en",
            source="paper",
            published="2021-03-10",
        ),
        RawArticle(
            text="استؤنفت محادثات وقف إطلاق النار في إدلب.",
            locator="3",
            id="ar-2020",
            lang="ar",
            source="wire",
            published="2020-01-01",
        ),
    )
    r = Retriever(lib, emb)

    def ids(**f):
        return {h.chunk.doc_id for h in r.retrieve("ceasefire talks Idlib", top_k=10, filters=Filters(**f))}

    assert ids() == {"en-2019", "en-2021", "ar-2020"}
    assert ids(lang="ar") == {"ar-2020"}
    assert ids(source="wire") == {"en-2019", "ar-2020"}
    assert ids(date_from="2020-01-01") == {"en-2021", "ar-2020"}
    assert ids(date_from="2019-01-01", date_to="2019-12-31") == {"en-2019"}
    assert ids(lang="en", source="wire") == {"en-2019"}


def test_filter_validation_names_the_field():
    from assistant.errors import ConfigError

    with pytest.raises(ConfigError, match="date_from"):
        Filters.from_pairs(["date_from=yesterday"])
    with pytest.raises(ConfigError, match="colour"):
        Filters.from_pairs(["colour=red"])
    with pytest.raises(ConfigError, match="key=value"):
        Filters.from_pairs(["lang"])


def test_near_identical_chunks_are_deduplicated(tmp_path):
    lib, emb = Library(tmp_path), FakeEmbedder()
    ingest(
        lib,
        emb,
        RawArticle(text="Assad met the Russian envoy in Damascus.", locator="1", id="x"),
        RawArticle(text="Assad  met the Russian envoy in Damascus. ", locator="2", id="y"),
    )
    hits = Retriever(lib, emb).retrieve("Russian envoy Damascus", top_k=5)
    assert len(hits) == 1


def test_each_sources_copy_is_kept_when_asked(tmp_path):
    lib, emb = Library(tmp_path), FakeEmbedder()
    ingest(
        lib,
        emb,
        RawArticle(text="Assad met the Russian envoy in Damascus.", locator="1", id="x", source="SANA"),
        RawArticle(text="Assad  met the Russian envoy in Damascus. ", locator="2", id="y", source="TASS"),
        RawArticle(text="Assad met the Russian envoy in Damascus.  ", locator="3", id="z", source="SANA"),
    )
    retriever = Retriever(lib, emb)
    assert len(retriever.retrieve("Russian envoy Damascus", top_k=5)) == 1
    hits = retriever.retrieve("Russian envoy Damascus", top_k=5, copies=True)
    assert sorted(h.chunk.metadata["source"] for h in hits) == ["SANA", "TASS"]  # one copy per source


@pytest.mark.integration
def test_fused_ranking_no_worse_than_dense_across_languages(tmp_path, local_embedder):
    """English questions over Arabic paragraphs (and Arabic over English): hybrid recall@1 >= dense recall@1."""
    docs = {
        "oil": "في 6 تشرين الأول/أكتوبر 1973، قامت سوريا ومصر بشن هجوم مفاجئ على إسرائيل. ورفعت أوبك أسعار النفط.",
        "plague": "انتشر الطاعون الأسود في أوروبا بين عامي 1347 و1351 وقتل ملايين الناس.",
        "tesla": "Nikola Tesla was an inventor best known for his contributions to alternating current.",
        "warsaw": "Warsaw is the capital of Poland; its old town was rebuilt after the Second World War.",
        "idlib": "أكد الجانب الروسي دعمه للجيش السوري في رده على الهجمات الإرهابية في إدلب.",
        "museum": "The Victoria and Albert Museum in London holds 2.3 million objects.",
    }
    questions = [
        ("When did Syria and Egypt attack Israel?", "oil"),
        ("How many people did the Black Death kill?", "plague"),
        ("What did Russia say about the Syrian army in Idlib?", "idlib"),
        ("بماذا اشتهر نيكولا تسلا؟", "tesla"),
        ("ما هي عاصمة بولندا؟", "warsaw"),
        ("كم عدد القطع في متحف فيكتوريا وألبرت؟", "museum"),
    ]
    lib = Library(tmp_path)
    ingest(lib, local_embedder, *[RawArticle(text=t, locator=k, id=k) for k, t in docs.items()])
    scores = {}
    for mode in ("dense", "hybrid"):
        r = Retriever(lib, local_embedder, mode=mode)
        scores[mode] = sum(r.retrieve(q, top_k=3)[0].chunk.doc_id == gold for q, gold in questions)
    assert scores["hybrid"] >= scores["dense"]
    assert scores["hybrid"] == len(questions)


@pytest.mark.integration
def test_the_bundled_embedder_reads_arabic_without_diacritics_or_tatweel(local_embedder):
    marked, plain = "ما هي الدولُ الممثَّلة في مجموعــات الشرق الأقصى؟", "ما هي الدول الممثلة في مجموعات الشرق الأقصى؟"
    assert np.array_equal(local_embedder.embed_query(marked), local_embedder.embed_query(plain))
    passages = local_embedder.embed_passages([marked, plain, "ما هي الدول الممثلة في مجموعات الغرب؟"])
    assert np.array_equal(passages[0], passages[1])
    assert not np.array_equal(passages[1], passages[2])  # letters still count
    # text made only of marks becomes empty for the model and still gets a unit vector, as empty text does
    for v in (local_embedder.embed_query("ـــ"), *local_embedder.embed_passages(["َُ", ""])):
        assert v.shape == (local_embedder.dim,) and abs(float(np.linalg.norm(v)) - 1.0) < 1e-4


# ------------------------------------------------------------------ filtered vector search (over-fetch, fallback)
@pytest.mark.parametrize(
    "where, md, expected",
    [
        ({"lang": "ar"}, {"lang": "ar"}, True),
        ({"lang": "ar"}, {"lang": "en"}, False),
        ({"$and": [{"lang": "ar"}, {"date": {"$gte": 20200101}}]}, {"lang": "ar", "date": 20210505}, True),
        ({"$and": [{"lang": "ar"}, {"date": {"$gte": 20200101}}]}, {"lang": "ar", "date": 20191231}, False),
        ({"date": {"$lte": 20200101}}, {"lang": "ar"}, False),  # no date: a range never matches
        ({"date": {"$gte": 20200101}}, {"date": "2021"}, False),  # wrong type: no match, no crash
        ({"$or": [{"source": "a"}, {"source": {"$in": ["b", "c"]}}]}, {"source": "c"}, True),
        ({"source": {"$nin": ["a"]}}, {"source": "a"}, False),
        (None, None, True),
    ],
)
def test_where_clauses_evaluate_like_chroma(where, md, expected):
    from assistant.store.chunks import where_matches

    assert where_matches(where, md) is expected


def test_filtered_vector_search_returns_the_exact_top_k_among_matching_entries(tmp_path):
    """Broad filters take the over-fetch path, selective ones Chroma's own filtered search; both must equal a
    brute-force ranking of the matching entries."""
    from assistant.store.chunks import ChunkIndex, ChunkRecord

    rng = np.random.default_rng(7)
    n, dim = 400, 32
    vecs = rng.standard_normal((n, dim)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    mds = [
        {
            "lang": "ar" if i % 2 else "en",
            "source": "rare" if i % 97 == 0 else f"s{i % 5}",
            "date": 20100101 + (i % 12) * 10000,
        }
        for i in range(n)
    ]
    recs = [ChunkRecord(f"d{i}:h:0", f"d{i}", 0, 0, 5, f"text {i}", [(0, 5)], mds[i]) for i in range(n)]
    index = ChunkIndex(tmp_path, collection="filters")
    index.add(recs, vecs)
    for where in (
        {"lang": "ar"},
        {"$and": [{"lang": "en"}, {"date": {"$gte": 20150101}}]},
        {"source": "rare"},
        {"$and": [{"lang": "ar"}, {"date": {"$lte": 20120101}}]},
    ):
        q = rng.standard_normal(dim).astype(np.float32)
        q /= np.linalg.norm(q)
        from assistant.store.chunks import where_matches

        allowed = [i for i in range(n) if where_matches(where, mds[i])]
        expected = sorted(allowed, key=lambda i: -float(vecs[i] @ q))[:10]
        got = [int(h.chunk.doc_id[1:]) for h in index.query(q, 10, where=where)]
        assert got == expected, where


@pytest.mark.parametrize(
    "entry, doc, chunk",
    [
        ("idlib-talks.ar.txt:0a1b2c3d:0", "idlib-talks.ar.txt", None),
        ("idlib-talks.ar.txt:0a1b2c3d:12:s3", "idlib-talks.ar.txt", "idlib-talks.ar.txt:0a1b2c3d:12"),
        ("https://x.org/a:b:ffffffff:2:s0", "https://x.org/a:b", "https://x.org/a:b:ffffffff:2"),
    ],
)
def test_entry_ids_name_their_article_and_chunk(entry, doc, chunk):
    from assistant.store.chunks import chunk_id_of, doc_id_of

    assert doc_id_of(entry) == doc
    if chunk:
        assert chunk_id_of(entry) == chunk


# ------------------------------------------------------------------ question centering across languages
def _centering_embedder(alpha=1.0, offset=0.0):
    from assistant.backends.centering import QueryCentering

    emb = FakeEmbedder()
    emb.query_centering = QueryCentering(alpha=alpha, means={"en": emb.embed_query("alpha")}, offsets={"en": offset})
    return emb


def _tagged(*items):
    return [RawArticle(text=text, locator=i, id=i, lang=lang) for i, text, lang in items]


def top_ids(lib, emb, question, filters=None, **kw):
    return [h.chunk.doc_id for h in Retriever(lib, emb, **kw).retrieve(question, top_k=5, filters=filters)]


def test_other_language_chunks_are_ranked_with_the_centred_question(tmp_path):
    """The raw question vector prefers A, the centred one B (checked first); only chunks in the other language
    are ranked with the centred vector."""
    from assistant.retrieval.retriever import FusionWeights

    emb = _centering_embedder()
    q, qc = emb.embed_query("alpha beta"), emb.query_centering.center(emb.embed_query("alpha beta"), "en")
    a, b = emb.embed_passages(["alpha alpha zeta", "beta theta omega"])
    assert q @ a > q @ b and qc @ b > qc @ a
    other = Library(tmp_path / "ar")
    ingest(other, emb, *_tagged(("A", "alpha alpha zeta", "ar"), ("B", "beta theta omega", "ar")))
    assert top_ids(other, emb, "alpha beta")[0] == "B"
    assert top_ids(other, emb, "alpha beta", weights=FusionWeights(query_centering=False))[0] == "A"
    same = Library(tmp_path / "en")
    ingest(same, emb, *_tagged(("A", "alpha alpha zeta", "en"), ("B", "beta theta omega", "en")))
    assert top_ids(same, emb, "alpha beta")[0] == "A"


def test_mixed_store_searches_each_language_group_with_its_own_vector(tmp_path):
    lib = Library(tmp_path)
    items = _tagged(("A", "alpha alpha zeta", "ar"), ("B", "beta theta omega", "ar"), ("C", "alpha beta gamma", "en"))
    emb = _centering_embedder(offset=0.0)
    ingest(lib, emb, *items)
    assert lib.articles.has_lang("en") and lib.articles.has_lang("en", other=True)
    assert not lib.articles.has_lang("fr")
    ranked = top_ids(lib, emb, "alpha beta")
    assert ranked[0] == "C" and ranked.index("B") < ranked.index("A")
    assert top_ids(lib, emb, "alpha beta", filters=Filters(lang="ar"))[:2] == ["B", "A"]
    assert top_ids(lib, emb, "alpha beta", filters=Filters(lang="en")) == ["C"]
    # the offset puts centred scores on the raw scale: a large one lifts the other language above the question's
    assert top_ids(lib, _centering_embedder(offset=1.0), "alpha beta")[0] == "B"


def test_centering_file_errors_name_the_file(tmp_path):
    from assistant.backends.centering import QueryCentering

    bad = tmp_path / "centering.json"
    bad.write_text('{"alpha": 0.5}', encoding="utf-8")
    with pytest.raises(ValueError, match="centering.json"):
        QueryCentering.load(bad)


def test_bundled_embedder_centering_file_fits_the_embedder():
    import numpy as np

    from assistant.backends.centering import QueryCentering
    from assistant.backends.local import _CENTERING_FILE, LocalE5Embedder

    c = QueryCentering.load(_CENTERING_FILE)
    assert c.embedder == LocalE5Embedder.name and 0 < c.alpha <= 1
    assert set(c.means) == {"ar", "en"} and all(m.shape == (LocalE5Embedder.dim,) for m in c.means.values())
    v = c.center(c.means["ar"] + np.float32(0.1), "ar")
    assert abs(float(np.linalg.norm(v)) - 1.0) < 1e-5


def test_where_keys_names_every_field_a_clause_reads():
    from assistant.store.chunks import where_keys

    assert where_keys(None) == set()
    assert where_keys({"lang": "ar"}) == {"lang"}
    assert where_keys({"$and": [{"lang": {"$ne": "en"}}, {"$or": [{"source": "x"}, {"date": {"$gte": 1}}]}]}) == {
        "lang",
        "source",
        "date",
    }


class _CallLog(FakeEmbedder):
    """Records which model passes ran, in order (the latent pass runs in a background thread)."""

    def __init__(self):
        super().__init__()
        import threading

        self.calls: list[str] = []
        self.latent_started = threading.Event()

    def embed_query(self, text):
        assert self.latent_started.wait(5), "the latent pass should already be running"
        self.calls.append("query")
        return super().embed_query(text)

    def embed_latent(self, texts, *, top_k):
        self.latent_started.set()
        self.calls.append("latent")
        return super().embed_latent(texts, top_k=top_k)


def test_the_latent_pass_overlaps_the_query_embedding_and_a_prepared_query_is_embedded_once(tmp_path):
    lib, emb = Library(tmp_path), _CallLog()
    ingest(lib, emb, RawArticle(text="Zebras graze near the river. Lions sleep.", locator="a", id="a"))
    emb.calls.clear()
    retriever = Retriever(lib, emb)
    prepared = retriever.prepare("zebras river")
    hits = retriever.retrieve("zebras river", top_k=3, prepared=prepared)
    assert [h.chunk.doc_id for h in hits] == ["a"]
    assert sorted(emb.calls) == ["latent", "query"]  # one pass each: retrieve() reused the prepared query
    emb.calls.clear()
    assert Retriever(lib, emb, mode="dense").prepare("zebras").latent is None  # dense mode reads no latent terms
    assert emb.calls == ["query"]
