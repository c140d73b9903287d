"""The pages in a real browser (Debian chromium via Playwright): content, every link on
the page resolves, no console errors, nothing loaded from elsewhere; screenshots are
saved to var/screenshots/ for a human to look at."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from ..browser import browser_page
from ..conftest import PROJECT

SHOTS = PROJECT / "var" / "screenshots"
PAGES = {  # name: (path, text the page must show)
    "home": ("/", "Sozialer Zusammenhalt"),
    "active-area": ("/id/area/badstrasse", "Badstraße"),
    "merged-area": ("/id/area/ganghoferstrasse", "Ganghoferstraße"),
    "renamed-department": ("/id/department/sensbw?lang=de", "Zeitleiste"),
    "fund": ("/id/fund/aktionsfonds-2014?lang=en", "Sources"),
    "area-with-map": ("/id/area/germaniagarten", "Germaniagarten"),
    "search": ("/search?q=Neuk", "Neukölln"),
}


@pytest.mark.parametrize("name", list(PAGES))
def test_page_in_a_browser(live, name: str) -> None:
    path, text = PAGES[name]
    requested: list[str] = []
    SHOTS.mkdir(parents=True, exist_ok=True)
    with browser_page() as (page, problems):
        page.on("request", lambda r: requested.append(r.url))
        page.goto(live.url + path, wait_until="networkidle")
        body = page.inner_text("body")
        links = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
        has_h1 = page.locator("h1").count() == 1
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    assert text in body
    assert has_h1
    assert problems == []
    assert all(url.startswith(live.url) or url.startswith("data:") for url in requested)
    local = sorted({link.split("#")[0] for link in links if link.startswith(live.url)})
    assert local
    with requests.Session() as session:
        broken = [(link, status) for link in local
                  if (status := session.get(link, timeout=60).status_code) >= 400]
    assert broken == []
    assert Path(SHOTS / f"{name}.png").stat().st_size > 1000


def test_a_malicious_label_is_shown_as_text(tmp_path: Path, data_copy: Path) -> None:
    """A fixture whose area name is markup: the page shows it as text, runs nothing, and
    the raw HTML holds it escaped."""
    from ingest.pipeline import ingest

    from ..conftest import edit_cell, make_settings
    from .conftest import LiveServer

    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    edit_cell(data_copy / "areas.csv", "badstrasse", "name", evil)
    settings = make_settings(tmp_path / "store", data_dir=data_copy)
    ingest(settings)
    with LiveServer(settings) as server:
        raw = requests.get(f"{server.url}/id/area/badstrasse", timeout=60).text
        with browser_page() as (page, problems):
            dialogs: list[str] = []
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.goto(f"{server.url}/id/area/badstrasse", wait_until="networkidle")
            heading = page.inner_text("h1")
    assert heading == evil
    assert dialogs == [] and problems == []
    assert "<script>alert" not in raw and "&lt;script&gt;" in raw
