"""Make the README's screenshots: the results page and the source view, in headless Chromium.

Serves the bundled kb/ with ``faqkb serve`` on a free loopback port (an index in a
temporary folder), opens the pages a person would, and writes ``docs/results.png`` and
``docs/source.png`` (1280 x 800, the first screen of each page). Run it after changing
the templates or the stylesheet, and commit the pictures:

    .venv/bin/python tests/make_screenshots.py

Chromium is found as the browser tests find it (``FAQKB_CHROMIUM``, else ``chromium``).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "benchmarks"))

from serving import BUNDLED_KB, ROOT, served  # noqa: E402

from conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

QUERY = "is running bad for my back"
SIZE = {"width": 1280, "height": 800}


def main() -> int:
    from playwright.sync_api import sync_playwright

    docs = ROOT / "docs"
    docs.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="faqkb-shots-") as scratch, \
            served(BUNDLED_KB, Path(scratch) / "index", threads=2) as server, \
            sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport=SIZE, color_scheme="light")
        page.goto(f"{server.url}/search?q={QUERY.replace(' ', '+')}")
        page.screenshot(path=str(docs / "results.png"))
        page.locator(".best-answer .best-question a").click()
        page.wait_for_url("**/sources/**")
        page.screenshot(path=str(docs / "source.png"))
        browser.close()
    for name in ("results.png", "source.png"):
        print(f"wrote docs/{name} ({(docs / name).stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
