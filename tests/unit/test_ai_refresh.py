"""generate_ai_metadata saves what it computes (issue 13, item 16): the seed's task used to
return a dict and store nothing."""

from __future__ import annotations

from fastapi.testclient import TestClient

from drive2.bootstrap import Container
from drive2.domain.models import AiMetadata
from drive2.services.ai_refresh import refresh_ai_metadata
from tests.support.api import register_and_login, upload
from tests.support.line import finish_file


class ScriptedProvider:
    """A port fake: what an LLM would answer, and what it was asked."""

    name = "scripted"

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    def analyse(self, text: str, filename: str, metadata: dict[str, object]) -> AiMetadata:
        self.seen.append((text, filename))
        return AiMetadata(
            suggested_filename="2026-03-14_electricity_bill.txt",
            summary="The electricity bill for March.",
            tags=["electricity", "bill"],
            language="en",
            provider=self.name,
            model="scripted-1",
        )


def test_a_completed_file_is_analysed_again_and_the_result_saved(
    client: TestClient, container: Container
) -> None:
    headers = register_and_login(client)
    fid = upload(client, headers, "bill.txt", b"electricity bill march").json()["file_id"]
    finish_file(container.repo, fid)
    provider = ScriptedProvider()
    done = refresh_ai_metadata(container.repo, provider, fid)
    assert done["saved"] is True and done["provider"] == "scripted"
    assert provider.seen == [("invoice", "bill.txt")]  # the stored text, not an argument
    stored = client.get(f"/api/v1/files/{fid}", headers=headers).json()
    assert stored["ai"]["summary"] == "The electricity bill for March."
    assert stored["ai"]["provider"] == "scripted"
    assert sorted(stored["tags"]) == ["bill", "electricity"]


def test_a_file_that_is_not_completed_is_left_alone(
    client: TestClient, container: Container
) -> None:
    headers = register_and_login(client)
    fid = upload(client, headers, "new.txt", b"still pending").json()["file_id"]
    provider = ScriptedProvider()
    done = refresh_ai_metadata(container.repo, provider, fid)
    assert done == {"file_id": fid, "saved": False, "reason": "the file is pending"}
    assert provider.seen == []
