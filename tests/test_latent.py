"""Latent terms: packing round trip, scoring, storage kept in step with the lexical rows, and the retrieval channel."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.backends.fake import FakeEmbedder
from assistant.retrieval.retriever import FusionWeights, Retriever
from assistant.store.latent import pack, scores, unpack
from assistant.store.library import Library
from ingest.models import RawArticle
from ingest.pipeline import Ingestor


def vec(pairs: dict[int, float]):
    return np.array(list(pairs), dtype=np.int32), np.array(list(pairs.values()), dtype=np.float32)


@pytest.mark.parametrize(
    "vectors",
    [
        [],
        [vec({})],
        [vec({3: 1.5})],
        [vec({3: 1.5, 16383: 0.25}), vec({}), vec({7: 2.0, 3: 0.5, 9: 1.0})],
    ],
)
def test_pack_round_trip(vectors):
    back = unpack(pack(vectors))
    assert len(back) == len(vectors)
    for (i, v), (bi, bv) in zip(vectors, back, strict=True):
        assert bi.tolist() == i.tolist()
        assert np.allclose(bv, v, rtol=1e-3)


def test_scores_are_cosines_with_the_best_sentence_and_the_merged_chunk():
    query = vec({1: 1.0, 2: 1.0})
    blob = pack([vec({1: 1.0}), vec({2: 3.0, 5: 4.0})])
    chunk, best = scores(query, {"c": blob}, dim=8)["c"]
    assert best == pytest.approx(1 / np.sqrt(2))  # the first sentence, all on term 1
    merged = np.array([0, 1, 3, 0, 0, 4, 0, 0], dtype=float)  # element-wise max of the two sentences
    q = np.array([0, 1, 1, 0, 0, 0, 0, 0], dtype=float)
    assert chunk == pytest.approx(q @ merged / np.linalg.norm(q) / np.linalg.norm(merged))
    assert scores(vec({}), {"c": blob}, dim=8) == {}  # an empty question scores nothing
    assert scores(query, {"c": pack([vec({})])}, dim=8) == {}


def test_each_chunk_stores_its_sentences_latent_terms_and_updates_leave_no_stale_rows(tmp_path):
    lib, emb = Library(tmp_path), FakeEmbedder()
    ing = Ingestor(lib, emb)
    ing.ingest_articles([RawArticle(text="Zebras graze near the river. Lions sleep.", locator="a", id="a")])
    (cid,) = lib.index.chunk_ids("a")
    stored = unpack(lib.lexical.latent([cid])[cid])
    expected = emb.embed_latent(["Zebras graze near the river.", "Lions sleep."], top_k=128)
    assert [sorted(i.tolist()) for i, _ in stored] == [sorted(i.tolist()) for i, _ in expected]
    Ingestor(lib, emb).ingest_articles([RawArticle(text="Giraffes browse tall trees.", locator="a", id="a")])
    (new,) = lib.index.chunk_ids("a")
    assert new != cid and set(lib.lexical.latent([cid, new])) == {new}  # the old version's row is gone
    lib.delete("a")
    assert lib.lexical.latent([new]) == {}


def test_consistency_reindex_rewrites_latent_terms(tmp_path):
    from assistant.store.consistency import reindex

    lib, emb = Library(tmp_path), FakeEmbedder()
    Ingestor(lib, emb).ingest_articles([RawArticle(text="Zebras graze near the river.", locator="a", id="a")])
    (cid,) = lib.index.chunk_ids("a")
    lib.lexical.delete_chunks([cid])
    assert lib.lexical.latent([cid]) == {}
    reindex(lib, emb, lib.get("a"), chunk_chars=1000)
    assert set(lib.lexical.latent([cid])) == {cid}


class _SteeredEmbedder(FakeEmbedder):
    """Latent terms that tie the question to the sentence about a dam, whatever the words say."""

    def embed_latent(self, texts, *, top_k):
        return [vec({1: 1.0}) if "dam" in t.lower() else vec({2: 1.0}) for t in texts]


def test_the_latent_channel_reorders_the_fused_front(tmp_path):
    lib, emb = Library(tmp_path), _SteeredEmbedder()
    Ingestor(lib, emb).ingest_articles(
        [
            RawArticle(text="The river flooded the valley towns.", locator="1", id="flood"),
            RawArticle(text="Engineers inspected the dam on the river.", locator="2", id="dam"),
        ]
    )
    question = "What flooded the river valley towns, a dam?"  # "dam": both latent vectors land on term 1
    plain = Retriever(lib, emb, weights=FusionWeights(latent=0.0)).retrieve(question, top_k=2)
    steered = Retriever(lib, emb, weights=FusionWeights(latent=1.0)).retrieve(question, top_k=2)
    assert plain[0].chunk.doc_id == "flood"
    assert steered[0].chunk.doc_id == "dam"
    assert steered[0].score - plain[1].score == pytest.approx(1.0, abs=0.05)  # the full latent weight was added


def test_docs_check_finds_chunks_without_latent_terms_and_repair_restores_them(tmp_path):
    from assistant.store.consistency import check, repair

    lib, emb = Library(tmp_path), FakeEmbedder()
    Ingestor(lib, emb).ingest_articles(
        [
            RawArticle(text="Zebras graze near the river.", locator="a", id="a"),
            RawArticle(text="Lions sleep in the shade.", locator="b", id="b"),
        ]
    )
    assert check(lib).consistent
    (cid,) = lib.index.chunk_ids("a")
    with lib.lexical._conn() as c:
        c.execute("DELETE FROM latent WHERE chunk_id=?", (cid,))
    report = check(lib)
    assert not report.consistent and report.missing_latent == [cid] and report.reindex == ["a"]
    fixed = repair(lib, emb)
    assert fixed.repaired["reindexed"] == ["a"] and fixed.repaired["consistent_after"]
    assert set(lib.lexical.latent([cid])) == {cid}


def test_vectorized_scores_match_a_plain_computation():
    rng = np.random.default_rng(7)
    dim = 64

    def rand_vec():
        idx = rng.choice(dim, rng.integers(1, 12), replace=False).astype(np.int32)
        return idx, rng.random(len(idx)).astype(np.float32) + 0.1

    blobs = {f"c{k}": pack([rand_vec() for _ in range(rng.integers(1, 4))]) for k in range(6)}
    query = rand_vec()
    q = np.zeros(dim)
    q[query[0]] = query[1]
    q /= np.linalg.norm(q)

    def dense(i, v):
        x = np.zeros(dim)
        np.maximum.at(x, i, v)
        return x

    got = scores(query, blobs, dim)
    assert set(got) == set(blobs)
    for cid, blob in blobs.items():
        sentences = [dense(i, v) for i, v in unpack(blob)]
        merged = np.max(sentences, axis=0)
        best = max(q @ s / np.linalg.norm(s) for s in sentences)
        assert got[cid] == pytest.approx((q @ merged / np.linalg.norm(merged), best), rel=1e-4)
