"""The query page in a real browser: Yasgui loads from our own files and runs a query."""

from __future__ import annotations

from pathlib import Path

from ..browser import browser_page


def test_query_page_runs_an_example_offline(live, tmp_path: Path) -> None:
    requested: list[str] = []
    with browser_page() as (page, problems):
        page.on("request", lambda r: requested.append(r.url))
        page.goto(f"{live.url}/sparql", wait_until="networkidle")
        page.wait_for_selector(".yasqe_queryButton", timeout=15000)
        tabs = page.locator(".tabPanel, [role=tab]").count()
        page.click(".yasqe_queryButton")
        page.wait_for_selector(".yasr table tbody tr", timeout=20000)
        rows = page.locator(".yasr table tbody tr").count()
        page.screenshot(path=str(tmp_path / "query-page.png"))
    assert tabs >= 15
    assert rows >= 10  # areas per district and status
    assert problems == []
    assert all(url.startswith(live.url) for url in requested), requested
