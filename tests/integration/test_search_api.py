"""GET /api/v1/search through the HTTP interface, with the real MiniLM model and the real
pipeline (container.runner.run on uploaded files; no worker needed), on the embedded parts
(SQLite, folder, the embedded vector index) and, for keyword search, on PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from drive2.adapters.ai.e5.embedder import E5Embedder
from drive2.adapters.db.migrate import upgrade
from drive2.api.app import create_app
from drive2.bootstrap import Container, build_container
from drive2.config import Settings
from drive2.domain.errors import TransientProcessingError
from drive2.domain.models import AiMetadata
from drive2.pipeline.runner import RunOutcome
from drive2.ports.vector_index import VectorIndex, VectorIndexUnavailable, VectorPoint
from tests.conftest import SettingsFactory
from tests.support.api import register_and_login, upload
from tests.support.files import pdf_with_text
from tests.support.services import fresh_postgres_database

BREAD = (
    "Sourdough bread recipe. Mix 500 g of flour with 350 g of water and 100 g of active "
    "starter. Knead, let the dough rise overnight in the fridge, shape it, then bake at 230 "
    "degrees for forty minutes until the crust is dark and crisp."
)
INVOICE = (
    "Invoice 2024-17 from Acme Consulting Co., Ltd. for tax advisory services in March. "
    "Amount due: 12,000 THB, payable by bank transfer within 30 days."
)
HIKING = (
    "Trip report: three days walking the Kew Mae Pan trail on Doi Inthanon. We camped near "
    "the summit, the nights were cold and foggy, and we saw rhododendrons in bloom."
)
PYTHON = (
    "Python tutorial: list comprehensions build a list from an iterable in one expression; "
    "generators yield values lazily and save memory on large inputs."
)
THAI = (
    "ใบแจ้งหนี้ค่าไฟฟ้าประจำเดือนมีนาคม การไฟฟ้านครหลวง หน่วยที่ใช้ 320 หน่วย "
    "ยอดเงินที่ต้องชำระทั้งสิ้น 1,250 บาท กรุณาชำระภายในวันที่ 25"
)


@lru_cache(maxsize=1)
def shared_embedder() -> E5Embedder:
    """One model per test session (the default multilingual-e5-small)."""
    embedder = E5Embedder(Path(os.environ["EMBEDDING_CACHE_DIR"]), torch_threads=1)
    embedder.embed(["warm up"])
    return embedder


def make_container(settings: Settings) -> Container:
    settings.data_path.mkdir(parents=True, exist_ok=True)
    upgrade(settings.resolved_database_url)
    container = build_container(settings)
    container.__dict__["embedder"] = shared_embedder()  # the cached_property, pre-filled
    return container


@pytest.fixture
def search_client(settings: Settings) -> Iterator[TestClient]:
    container = make_container(settings)
    with TestClient(create_app(container)) as client:
        yield client
    container.close()


def _container(client: TestClient) -> Container:
    return client.app.state.container  # type: ignore[attr-defined, no-any-return]


def add(client: TestClient, headers: dict[str, str], name: str, data: bytes | str) -> str:
    raw = data.encode() if isinstance(data, str) else data
    r = upload(client, headers, name, raw)
    assert r.status_code == 202, r.text
    file_id: str = r.json()["file_id"]
    assert _container(client).runner.run(file_id) is RunOutcome.COMPLETED
    return file_id


def find(
    client: TestClient, headers: dict[str, str], q: str, mode: str = "hybrid", **params: Any
) -> list[dict[str, Any]]:
    r = client.get("/api/v1/search", params={"q": q, "mode": mode, **params}, headers=headers)
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


def ids(items: list[dict[str, Any]]) -> list[str]:
    return [i["file_id"] for i in items]


def vector_count(client: TestClient, file_id: str | None = None) -> int:
    c = _container(client)
    return c.vectors.count(c.embedder.model_name, c.embedder.dimension, file_id=file_id)


@pytest.fixture
def library(search_client: TestClient) -> tuple[dict[str, str], dict[str, str]]:
    headers = register_and_login(search_client)
    files = {
        "bread": add(search_client, headers, "bread.md", BREAD),
        "invoice": add(search_client, headers, "invoice.pdf", pdf_with_text(INVOICE)),
        "hiking": add(search_client, headers, "trip.txt", HIKING),
        "python": add(search_client, headers, "notes.txt", PYTHON),
        "thai": add(search_client, headers, "bill.txt", THAI),
    }
    return headers, files


def test_each_mode_finds_the_right_file(
    search_client: TestClient, library: tuple[dict[str, str], dict[str, str]]
) -> None:
    headers, files = library
    # By meaning: no word of the query is in the recipe.
    assert find(search_client, headers, "baking a loaf at home", "keyword") == []
    semantic = find(search_client, headers, "baking a loaf at home", "semantic")
    assert ids(semantic)[0] == files["bread"]
    # By words.
    keyword = find(search_client, headers, "consulting invoices", "keyword")
    # The Thai electricity bill is an invoice too (its money record's words), but second.
    assert ids(keyword) == [files["invoice"], files["thai"]]
    assert "Consulting" in keyword[0]["snippet"]
    # Both: hybrid puts the file that wins either way first.
    assert (
        ids(find(search_client, headers, "walking trail in the mountains"))[0] == (files["hiking"])
    )
    assert ids(find(search_client, headers, "python generators", "hybrid"))[0] == files["python"]
    # The shape DESIGN.md section 4 promises.
    item = semantic[0]
    assert {"file_id", "filename", "score", "snippet"} <= set(item)
    assert item["filename"] == "bread.md"
    assert isinstance(item["score"], float) and item["snippet"]
    assert len(item["snippet"]) <= 210
    assert [i["score"] for i in semantic] == sorted((i["score"] for i in semantic), reverse=True)
    q = "bread recipe, hiking trip, consulting invoice, python tutorial"
    assert len(find(search_client, headers, q, "hybrid", limit=2)) == 2
    # Only what is near enough by meaning: a query about nothing here finds nothing (before
    # the relevance floor, semantic mode listed the nearest files whatever they were).
    assert find(search_client, headers, "anything at all", "semantic") == []


def test_thai_query_finds_the_thai_document_by_its_words(
    search_client: TestClient, library: tuple[dict[str, str], dict[str, str]]
) -> None:
    headers, files = library
    # The document runs its words together; both sides are segmented by pythainlp.
    for q in ("ค่าไฟฟ้า", "การไฟฟ้านครหลวง ชำระเงิน", "ยอดเงิน"):
        items = find(search_client, headers, q, "keyword")
        assert ids(items) == [files["thai"]], q
    assert "ไฟฟ้า" in find(search_client, headers, "ค่าไฟฟ้า", "keyword")[0]["snippet"]
    assert ids(find(search_client, headers, "ค่าไฟฟ้า"))[0] == files["thai"]


def test_another_users_file_never_shows_even_when_it_matches_best(
    search_client: TestClient, library: tuple[dict[str, str], dict[str, str]]
) -> None:
    owner, files = library
    intruder = register_and_login(search_client)
    own = add(search_client, intruder, "garden.txt", "Notes on pruning roses and tomatoes.")
    for mode in ("semantic", "keyword", "hybrid"):
        for q in ("sourdough bread recipe", "Acme Consulting invoice", "ค่าไฟฟ้า", BREAD):
            found = ids(find(search_client, intruder, q, mode))
            assert set(found) <= {own}, (mode, q)
    # The owner still finds them, and never the intruder's.
    assert ids(find(search_client, owner, "sourdough bread recipe"))[0] == files["bread"]
    assert own not in ids(find(search_client, owner, "pruning roses and tomatoes", limit=50))


def test_filters_by_type_tag_and_date(
    search_client: TestClient, library: tuple[dict[str, str], dict[str, str]]
) -> None:
    headers, files = library
    q = "invoice bread trail python"
    assert ids(find(search_client, headers, q, "hybrid", type="application/pdf")) == [
        files["invoice"]
    ]
    assert ids(find(search_client, headers, q, "semantic", type="pdf")) == [files["invoice"]]
    assert files["invoice"] not in ids(find(search_client, headers, q, "keyword", type="text"))
    r = search_client.patch(
        f"/api/v1/files/{files['hiking']}", headers=headers, json={"tags": ["Holiday 2025"]}
    )
    assert r.status_code == 200
    # Semantic mode shows only files near enough by meaning: a query about the trip itself.
    trip = "hiking trip in the mountains"
    for mode, text in (("keyword", q), ("semantic", trip), ("hybrid", q)):
        assert ids(find(search_client, headers, text, mode, tag="holiday 2025")) == [
            files["hiking"]
        ]
    tomorrow = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    yesterday = (datetime.now(UTC) - timedelta(days=2)).date().isoformat()
    assert find(search_client, headers, q, "hybrid", **{"from": tomorrow}) == []
    assert find(search_client, headers, q, "semantic", to=yesterday) == []
    # The four files the query names, and the Thai bill: an invoice too, by its money record.
    recent = ids(find(search_client, headers, q, "hybrid", **{"from": yesterday}))
    assert sorted(recent) == sorted(files.values())


def test_rename_and_retag_are_searchable_at_once(
    search_client: TestClient, library: tuple[dict[str, str], dict[str, str]]
) -> None:
    headers, files = library
    assert find(search_client, headers, "zanzibar", "keyword") == []
    r = search_client.patch(
        f"/api/v1/files/{files['python']}",
        headers=headers,
        json={"filename": "zanzibar-workshop.txt", "tags": ["kilimanjaro"]},
    )
    assert r.status_code == 200
    assert ids(find(search_client, headers, "zanzibar", "keyword")) == [files["python"]]
    assert ids(find(search_client, headers, "kilimanjaro", "keyword")) == [files["python"]]
    hit = find(search_client, headers, "zanzibar", "hybrid")[0]
    assert hit["filename"] == "zanzibar-workshop.txt"


def test_a_new_ai_result_is_searchable_by_its_summary_and_tags(
    search_client: TestClient, library: tuple[dict[str, str], dict[str, str]]
) -> None:
    headers, files = library
    ai = AiMetadata("x.txt", "Flamingo migration survey.", ["pelican"], "en", "gemini", "m")
    assert _container(search_client).repo.update_ai(files["hiking"], ai)
    assert ids(find(search_client, headers, "flamingo", "keyword")) == [files["hiking"]]
    assert ids(find(search_client, headers, "pelicans", "keyword")) == [files["hiking"]]


def test_delete_removes_the_file_from_every_mode(
    search_client: TestClient, library: tuple[dict[str, str], dict[str, str]]
) -> None:
    headers, files = library
    gone = files["bread"]
    assert vector_count(search_client, gone) > 0
    r = search_client.delete(f"/api/v1/files/{gone}", headers=headers, params={"permanent": "true"})
    assert r.status_code == 204
    assert vector_count(search_client, gone) == 0
    for mode in ("semantic", "keyword", "hybrid"):
        assert gone not in ids(find(search_client, headers, "sourdough bread", mode, limit=50))


def test_reprocess_leaves_exactly_one_set_of_vectors(search_client: TestClient) -> None:
    headers = register_and_login(search_client)
    long_text = " ".join(f"Paragraph {i} of the annual report about revenue." for i in range(200))
    file_id = add(search_client, headers, "report.txt", long_text)
    chunks = vector_count(search_client, file_id)
    assert chunks > 1
    for _ in range(2):
        r = search_client.post(f"/api/v1/files/{file_id}/reprocess", headers=headers)
        assert r.status_code == 202
        assert vector_count(search_client, file_id) == 0  # cleared until the run embeds again
        assert _container(search_client).runner.run(file_id) is RunOutcome.COMPLETED
        assert vector_count(search_client, file_id) == chunks
    assert vector_count(search_client) == chunks
    assert ids(find(search_client, headers, "annual revenue report", "keyword")) == [file_id]


def test_files_without_words_are_not_embedded(search_client: TestClient) -> None:
    headers = register_and_login(search_client)
    file_id = add(search_client, headers, "blank.txt", "   \n\t  ")
    assert vector_count(search_client, file_id) == 0
    assert find(search_client, headers, "anything", "semantic") == []


class FlakyIndex:
    """The real index, except that writes fail while `down` is set (a server outage)."""

    def __init__(self, real: VectorIndex) -> None:
        self.real = real
        self.name = real.name
        self.down = True

    def __getattr__(self, attr: str) -> Any:
        return getattr(self.real, attr)

    def upsert(self, model: str, dimension: int, points: list[VectorPoint]) -> None:
        if self.down:
            raise VectorIndexUnavailable("connection refused")
        self.real.upsert(model, dimension, points)

    def replace_file(
        self, model: str, dimension: int, file_id: str, points: list[VectorPoint]
    ) -> None:
        if self.down:
            raise VectorIndexUnavailable("connection refused")
        self.real.replace_file(model, dimension, file_id, points)


def test_an_index_outage_while_embedding_is_retried_not_failed(settings: Settings) -> None:
    container = make_container(settings)
    flaky = FlakyIndex(container.vectors)
    container.__dict__["vectors"] = flaky
    with TestClient(create_app(container)) as client:
        headers = register_and_login(client)
        r = upload(client, headers, "notes.txt", b"Minutes of the quarterly planning meeting.")
        file_id = r.json()["file_id"]
        with pytest.raises(TransientProcessingError, match="embedding"):
            container.runner.run(file_id)
        status = client.get(f"/api/v1/files/{file_id}/status", headers=headers).json()
        assert status["status"] == "pending" and "will retry" in status["error"]
        flaky.down = False
        assert container.runner.run(file_id) is RunOutcome.COMPLETED
        assert vector_count(client, file_id) == 1
        assert ids(find(client, headers, "planning meeting", "semantic")) == [file_id]
    container.close()


def test_chunks_follow_the_settings_and_the_cap(make_settings: SettingsFactory) -> None:
    container = make_container(
        make_settings(CHUNK_TOKENS=32, CHUNK_OVERLAP_TOKENS=8, MAX_CHUNKS_PER_FILE=5)
    )
    with TestClient(create_app(container)) as client:
        headers = register_and_login(client)
        short = add(client, headers, "short.txt", "Forty words " * 5)
        long = add(client, headers, "long.txt", "The harvest festival. " * 200)
        assert vector_count(client, short) == 1
        assert vector_count(client, long) == 5
        hit = find(client, headers, "harvest festival", "semantic")[0]
        # any of the (near-identical) chunks may rank first; its text is the snippet
        assert hit["file_id"] == long and "The harvest festival." in hit["snippet"]
    container.close()


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"q": ""}, "q"),
        ({"q": "   "}, "q must not be empty"),
        ({"q": "x", "mode": "fuzzy"}, "mode"),
        ({"q": "x", "limit": "0"}, "limit"),
        ({"q": "x", "from": "last tuesday"}, "from"),
        ({"q": "x", "from": "2025-02-01", "to": "2025-01-01"}, "before"),
        ({"q": "x", "type": "image/*; drop"}, "type"),
        ({}, "q"),
    ],
)
def test_bad_queries_are_422(
    search_client: TestClient, params: dict[str, str], fragment: str
) -> None:
    headers = register_and_login(search_client)
    r = search_client.get("/api/v1/search", params=params, headers=headers)
    assert r.status_code == 422, r.text
    assert fragment in r.json()["detail"]


def test_search_needs_a_signed_in_user(search_client: TestClient) -> None:
    assert search_client.get("/api/v1/search", params={"q": "x"}).status_code == 401


@pytest.mark.services
def test_keyword_search_on_postgresql(make_settings: SettingsFactory) -> None:
    with fresh_postgres_database() as url:
        container = make_container(make_settings(DATABASE_URL=url))
        try:
            with TestClient(create_app(container)) as client:
                headers = register_and_login(client)
                other = register_and_login(client)
                bread = add(client, headers, "bread.md", BREAD)
                thai = add(client, headers, "bill.txt", THAI)
                add(client, other, "bread-copy.md", BREAD + " Copy.")
                assert ids(find(client, headers, "sourdough loaves", "keyword")) == [bread]
                hit = find(client, headers, "crust", "keyword")[0]
                assert "crust" in hit["snippet"]
                assert ids(find(client, headers, "ค่าไฟฟ้า ยอดเงิน", "keyword")) == [thai]
                assert ids(find(client, headers, "baking a loaf at home"))[0] == bread
                r = client.patch(
                    f"/api/v1/files/{bread}", headers=headers, json={"tags": ["kitchen"]}
                )
                assert r.status_code == 200
                assert ids(find(client, headers, "kitchen", "keyword")) == [bread]
                assert ids(find(client, headers, "bread", "keyword", tag="kitchen")) == [bread]
                r = client.delete(
                    f"/api/v1/files/{bread}", headers=headers, params={"permanent": "true"}
                )
                assert r.status_code == 204
                for mode in ("keyword", "semantic", "hybrid"):
                    assert bread not in ids(find(client, headers, "sourdough", mode))
        finally:
            container.close()
