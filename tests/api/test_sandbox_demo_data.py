"""The sandbox's first start has something for every screen: roster, gradebook and resources
(issue 13, demo data)."""

from __future__ import annotations

import httpx
import pytest

from domain.models.identity import NewAccount
from tests.conftest import login


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_the_demo_teacher_finds_gradebook_data_and_resources(
    client: httpx.AsyncClient, demo: dict[str, NewAccount], admin_headers: dict[str, str]
) -> None:
    teacher = await login(client, demo["teacher"].email)
    classes = await client.get("/v1/roster/classes", headers=teacher, params={"limit": 50})
    assert classes.status_code == 200, classes.text
    class_ids = [c["sourcedId"] for c in classes.json()["classes"]]
    assert class_ids
    items = await client.get(f"/v1/gradebook/classes/{class_ids[0]}/line-items", headers=teacher)
    assert items.status_code == 200, items.text
    assert len(items.json()["lineItems"]) == 3
    results = await client.get(f"/v1/gradebook/classes/{class_ids[0]}/results", headers=teacher)
    assert results.status_code == 200, results.text
    assert results.json()["results"]
    categories = await client.get("/v1/gradebook/categories", headers=admin_headers)
    assert [c["title"] for c in categories.json()["categories"]] == [
        "Homework",
        "Quizzes",
        "Tests",
    ]
    resources = await client.get("/v1/resources", headers=admin_headers, params={"limit": 5})
    assert resources.status_code == 200, resources.text
    assert len(resources.json()["resources"]) == 5
