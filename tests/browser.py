"""A real headless Chromium for page tests: Debian's chromium, driven by Playwright.

The browser is installed from Debian's packages on first use (as CI runs as root);
Playwright's own browser download is never used. Where it cannot be installed (no root,
no apt-get) the browser tests skip, except where ``tests.tooling`` requires every tool.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from .tooling import unavailable

if TYPE_CHECKING:
    from playwright.sync_api import Page

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def ensure_chromium() -> str:
    if not os.path.exists(CHROMIUM):
        if os.geteuid() != 0 or shutil.which("apt-get") is None:
            unavailable("Debian's chromium is not installed and cannot be installed here "
                        "(needs root and apt-get)")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, timeout=600, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=True,
                       timeout=1200, env=env)
    return CHROMIUM


@contextmanager
def browser_page() -> Iterator[tuple[Page, list[tuple[str, str]]]]:
    """A fresh page and the list its console errors and page errors are collected in."""
    from playwright.sync_api import sync_playwright

    executable = ensure_chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=FLAGS)
        try:
            page = browser.new_page()
            problems: list[tuple[str, str]] = []
            page.on("console", lambda m: problems.append((m.type, m.text))
                    if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(("pageerror", str(e))))
            yield page, problems
        finally:
            browser.close()
