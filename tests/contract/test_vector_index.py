"""The VectorIndex contract, run against every adapter: the embedded index (SQLite + numpy in
the data dir) and Qdrant (through qdrant-client's local mode, the same client API the server
deployment uses). Whatever sits above the port may rely on exactly this."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from qdrant_client import QdrantClient

from drive2.adapters.vector.embedded import EmbeddedVectorIndex
from drive2.adapters.vector.qdrant import QdrantVectorIndex
from drive2.ports.vector_index import VectorIndex, VectorPoint, collection_name, point_id

MODEL = "test-model"
DIM = 8


@pytest.fixture(params=["embedded", "qdrant"])
def index(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[VectorIndex]:
    if request.param == "embedded":
        embedded = EmbeddedVectorIndex(tmp_path / "vectors")
        yield embedded
        embedded.close()
    else:
        qdrant = QdrantVectorIndex(QdrantClient(path=str(tmp_path / "qdrant")))
        yield qdrant
        qdrant.close()


def vec(*values: float, dim: int = DIM) -> npt.NDArray[np.float32]:
    out = np.zeros(dim, dtype=np.float32)
    out[: len(values)] = values
    return out


def point(
    file_id: str, chunk: int, vector: npt.NDArray[np.float32], user: str = "alice", text: str = ""
) -> VectorPoint:
    return VectorPoint(file_id, user, chunk, text or f"{file_id}#{chunk}", vector)


def test_collection_names_carry_model_and_dimension() -> None:
    assert collection_name("all-MiniLM-L6-v2", 384) == "drive2_all-minilm-l6-v2_384"
    assert collection_name("all-MiniLM-L6-v2", 384) != collection_name("all-MiniLM-L6-v2", 768)
    assert point_id("f", 1) == point_id("f", 1) != point_id("f", 2)


def test_empty_index_finds_nothing(index: VectorIndex) -> None:
    assert index.search(MODEL, DIM, "alice", vec(1), 10) == []
    assert index.count(MODEL, DIM) == 0
    index.delete_file("never-stored")  # no error
    index.upsert(MODEL, DIM, [point("f1", 0, vec(1), user="bob")])
    assert index.search(MODEL, DIM, "alice", vec(1), 10) == []  # the collection exists now
    index.check()


def test_upsert_is_idempotent_and_replaces_the_text(index: VectorIndex) -> None:
    points = [point("f1", i, vec(1, i)) for i in range(3)]
    index.upsert(MODEL, DIM, points)
    index.upsert(MODEL, DIM, points)
    assert index.count(MODEL, DIM) == 3
    assert index.count(MODEL, DIM, file_id="f1") == 3
    index.upsert(MODEL, DIM, [point("f1", 0, vec(0, 0, 1), text="rewritten")])
    assert index.count(MODEL, DIM) == 3
    [hit] = index.search(MODEL, DIM, "alice", vec(0, 0, 1), 1)
    assert (hit.file_id, hit.chunk, hit.text) == ("f1", 0, "rewritten")
    assert hit.score == pytest.approx(1.0, abs=1e-5)


def test_search_returns_only_the_users_points_even_when_another_is_closer(
    index: VectorIndex,
) -> None:
    index.upsert(
        MODEL,
        DIM,
        [
            point("mine", 0, vec(0, 1), user="alice"),
            point("theirs", 0, vec(1, 0), user="bob"),
            point("theirs", 1, vec(1, 0.01), user="bob"),
        ],
    )
    hits = index.search(MODEL, DIM, "alice", vec(1, 0), 10)
    assert [h.file_id for h in hits] == ["mine"]
    assert {h.file_id for h in index.search(MODEL, DIM, "bob", vec(0, 1), 10)} == {"theirs"}
    assert index.search(MODEL, DIM, "mallory", vec(1, 0), 10) == []


def test_ranking_is_by_cosine_not_by_length(index: VectorIndex) -> None:
    index.upsert(
        MODEL,
        DIM,
        [
            point("near-but-short", 0, vec(0.1, 0.01)),
            point("long-but-off", 0, vec(10, 10)),
            point("opposite", 0, vec(-1, 0)),
            point("orthogonal", 0, vec(0, 1)),
        ],
    )
    hits = index.search(MODEL, DIM, "alice", vec(1, 0), 10)
    assert [h.file_id for h in hits] == ["near-but-short", "long-but-off", "orthogonal", "opposite"]
    expected = [0.995037, 0.707107, 0.0, -1.0]
    assert [h.score for h in hits] == pytest.approx(expected, abs=1e-4)
    assert [h.file_id for h in index.search(MODEL, DIM, "alice", vec(1, 0), 2)] == [
        "near-but-short",
        "long-but-off",
    ]


def test_ranking_matches_brute_force_over_many_points(index: VectorIndex) -> None:
    rng = np.random.default_rng(7)
    vectors = rng.standard_normal((600, DIM)).astype(np.float32)
    users = [f"u{i % 3}" for i in range(600)]
    index.upsert(
        MODEL,
        DIM,
        [point(f"f{i // 4}", i % 4, vectors[i], user=users[i]) for i in range(600)],
    )
    query = rng.standard_normal(DIM).astype(np.float32)
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    scores = unit @ (query / np.linalg.norm(query))
    mine = [i for i in range(600) if users[i] == "u1"]
    best = sorted(mine, key=lambda i: -scores[i])[:15]
    hits = index.search(MODEL, DIM, "u1", query, 15)
    assert [(h.file_id, h.chunk) for h in hits] == [(f"f{i // 4}", i % 4) for i in best]
    assert [h.score for h in hits] == pytest.approx([float(scores[i]) for i in best], abs=1e-4)


def test_delete_file_removes_every_chunk_and_nothing_else(index: VectorIndex) -> None:
    index.upsert(MODEL, DIM, [point("gone", i, vec(1, i)) for i in range(5)])
    index.upsert(MODEL, DIM, [point("kept", 0, vec(1, 0))])
    assert index.search(MODEL, DIM, "alice", vec(1, 0), 10)  # warms any cache
    index.delete_file("gone")
    assert index.count(MODEL, DIM, file_id="gone") == 0
    assert index.count(MODEL, DIM) == 1
    assert [h.file_id for h in index.search(MODEL, DIM, "alice", vec(1, 0), 10)] == ["kept"]
    index.delete_file("gone")  # twice is fine


def test_collections_per_model_do_not_mix(index: VectorIndex) -> None:
    index.upsert("model-a", 4, [point("fa", 0, vec(1, dim=4))])
    index.upsert("model-b", 8, [point("fb", 0, vec(1, dim=8))])
    index.upsert("model-c", 4, [point("fc", 0, vec(1, dim=4))])  # same dimension, other model
    assert [h.file_id for h in index.search("model-a", 4, "alice", vec(1, dim=4), 10)] == ["fa"]
    assert [h.file_id for h in index.search("model-b", 8, "alice", vec(1, dim=8), 10)] == ["fb"]
    assert [h.file_id for h in index.search("model-c", 4, "alice", vec(1, dim=4), 10)] == ["fc"]
    assert index.search("model-a", 8, "alice", vec(1, dim=8), 10) == []
    with pytest.raises(ValueError):
        index.upsert("model-a", 4, [point("bad", 0, vec(1, dim=5))])
    # A file's vectors go from every collection at once.
    index.upsert("model-b", 8, [point("fa", 0, vec(0, 1, dim=8))])
    index.delete_file("fa")
    assert index.count("model-a", 4) == 0
    assert index.count("model-b", 8) == 1
    assert index.count("model-c", 4) == 1


def test_replace_file_touches_one_collection_and_leaves_no_stale_chunk(
    index: VectorIndex,
) -> None:
    """Re-embedding with another model: the file's points in that model's collection become
    exactly the new ones; the collection search still reads keeps its own."""
    index.upsert("old", DIM, [point("f", i, vec(1, i)) for i in range(4)])
    index.replace_file("new", DIM, "f", [point("f", i, vec(1, i)) for i in range(3)])
    assert index.search("new", DIM, "alice", vec(1, 0), 10)  # warms any cache
    index.replace_file("new", DIM, "f", [point("f", 0, vec(0, 1), text="shorter now")])
    assert index.count("new", DIM, file_id="f") == 1
    assert index.count("old", DIM, file_id="f") == 4
    [hit] = index.search("new", DIM, "alice", vec(0, 1), 10)
    assert (hit.file_id, hit.text) == ("f", "shorter now")
    index.replace_file("new", DIM, "f", [])  # no text any more: no points
    assert index.count("new", DIM, file_id="f") == 0
    index.replace_file("never-made", DIM, "f", [])  # nothing to do, no error
    assert index.count("never-made", DIM) == 0


def test_drop_removes_one_collection(index: VectorIndex) -> None:
    index.upsert("old", DIM, [point("f", 0, vec(1))])
    index.upsert("new", DIM, [point("f", 0, vec(1))])
    assert index.search("old", DIM, "alice", vec(1), 10)
    index.drop("old", DIM)
    assert index.count("old", DIM) == 0
    assert index.search("old", DIM, "alice", vec(1), 10) == []
    assert index.count("new", DIM) == 1
    index.drop("old", DIM)  # twice is fine
    # and the same model may be filled again afterwards
    index.upsert("old", DIM, [point("g", 0, vec(0, 1))])
    assert [h.file_id for h in index.search("old", DIM, "alice", vec(0, 1), 10)] == ["g"]


def test_embedded_sees_a_collection_dropped_by_another_process(tmp_path: Path) -> None:
    reader = EmbeddedVectorIndex(tmp_path / "vectors")
    other = EmbeddedVectorIndex(tmp_path / "vectors")
    reader.upsert("old", DIM, [point("f", 0, vec(1))])
    assert reader.search("old", DIM, "alice", vec(1), 10)
    other.drop("old", DIM)
    other.upsert("old", DIM, [point("g", 0, vec(1))])
    # the reader's open connection was to the removed file: it reopens the new one
    assert [h.file_id for h in reader.search("old", DIM, "alice", vec(1), 10)] == ["g"]
    reader.close()
    other.close()


def test_file_ids_restrict_the_search(index: VectorIndex) -> None:
    index.upsert(MODEL, DIM, [point(f"f{i}", 0, vec(1, i / 10)) for i in range(6)])
    index.upsert(MODEL, DIM, [point("other", 0, vec(1, 0), user="bob")])
    hits = index.search(MODEL, DIM, "alice", vec(1, 0), 10, file_ids=["f4", "f2", "missing"])
    assert [h.file_id for h in hits] == ["f2", "f4"]
    assert index.search(MODEL, DIM, "alice", vec(1, 0), 10, file_ids=[]) == []
    # Naming another user's file does not reach it.
    assert index.search(MODEL, DIM, "alice", vec(1, 0), 10, file_ids=["other"]) == []


# --- the embedded index only: several processes on one data dir ------------------------------


def test_embedded_sees_writes_of_another_process(tmp_path: Path) -> None:
    directory = tmp_path / "vectors"
    reader = EmbeddedVectorIndex(directory)
    reader.upsert(MODEL, DIM, [point("first", 0, vec(0, 1))])
    assert [h.file_id for h in reader.search(MODEL, DIM, "alice", vec(1, 0), 10)] == ["first"]
    script = textwrap.dedent(
        f"""
        import numpy as np
        from pathlib import Path
        from drive2.adapters.vector.embedded import EmbeddedVectorIndex
        from drive2.ports.vector_index import VectorPoint
        index = EmbeddedVectorIndex(Path({str(directory)!r}))
        v = np.zeros({DIM}, dtype=np.float32); v[0] = 1
        index.upsert({MODEL!r}, {DIM}, [VectorPoint("second", "alice", 0, "from a worker", v)])
        index.delete_file("first")
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)
    hits = reader.search(MODEL, DIM, "alice", vec(1, 0), 10)
    assert [(h.file_id, h.text) for h in hits] == [("second", "from a worker")]
    reader.close()


def test_embedded_cache_follows_many_changes(tmp_path: Path) -> None:
    """Patches, compaction after many deletes, and a rebuild once the change log was pruned."""
    from drive2.adapters.vector import embedded

    writer = EmbeddedVectorIndex(tmp_path / "v")
    reader = EmbeddedVectorIndex(tmp_path / "v")
    rng = np.random.default_rng(1)
    expected: dict[str, npt.NDArray[np.float32]] = {}
    for round_ in range(30):
        batch = []
        for j in range(40):
            fid = f"f{round_}-{j}"
            v = rng.standard_normal(DIM).astype(np.float32)
            expected[fid] = v
            batch.append(point(fid, 0, v))
        writer.upsert(MODEL, DIM, batch)
        for fid in list(expected)[: 25 if round_ % 3 else 0]:
            writer.delete_file(fid)
            del expected[fid]
        if round_ == 20:
            embedded.CHANGE_LOG_KEEP, keep = 10, embedded.CHANGE_LOG_KEEP
        query = rng.standard_normal(DIM).astype(np.float32)
        hits = reader.search(MODEL, DIM, "alice", query, 5)
        unit = {f: v / np.linalg.norm(v) for f, v in expected.items()}
        best = sorted(unit, key=lambda f: -float(unit[f] @ (query / np.linalg.norm(query))))[:5]
        assert [h.file_id for h in hits] == best
    embedded.CHANGE_LOG_KEEP = keep
    assert reader.count(MODEL, DIM) == len(expected)
    writer.close()
    reader.close()


def _forked_writer(directory: str, index: EmbeddedVectorIndex) -> None:
    # Runs in a forked child that inherited `index` with the parent's open connections.
    index.upsert(MODEL, DIM, [point("from-child", 0, vec(1, 0))])
    assert [h.file_id for h in index.search(MODEL, DIM, "alice", vec(1, 0), 1)] == ["from-child"]


def test_embedded_survives_a_fork_with_open_connections(tmp_path: Path) -> None:
    import multiprocessing

    index = EmbeddedVectorIndex(tmp_path / "v")
    index.upsert(MODEL, DIM, [point("from-parent", 0, vec(0, 1))])
    assert index.search(MODEL, DIM, "alice", vec(0, 1), 1)  # connection and cache exist
    child = multiprocessing.get_context("fork").Process(
        target=_forked_writer, args=(str(tmp_path / "v"), index)
    )
    child.start()
    child.join(60)
    assert child.exitcode == 0
    hits = index.search(MODEL, DIM, "alice", vec(1, 0), 5)
    assert [h.file_id for h in hits] == ["from-child", "from-parent"]
    index.upsert(MODEL, DIM, [point("after", 0, vec(1, 1))])  # the parent still writes
    assert index.count(MODEL, DIM) == 3
    index.close()
