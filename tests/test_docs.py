"""The documentation site as a reader gets it: built with ``--strict`` as ``make docs`` builds it,
served on 127.0.0.1, and every page of its navigation opened in a real headless browser (Debian's
Chromium, driven by Playwright). A page fails on a console error, an uncaught exception, a failed
request, a status of 400 or more, a request that leaves the machine, a link to a missing page, or
a diagram of its Markdown that did not render to SVG. ``make docs-test`` runs it (part of
``make test``)."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from mkdocs.config import load_config
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Request,
    Response,
    Route,
    sync_playwright,
)
from playwright.sync_api import Error as PlaywrightError

pytestmark = pytest.mark.docs

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
MERMAID = DOCS / "assets" / "javascripts" / "mermaid.min.js"
CHROMIUM = Path("/usr/bin/chromium")
# What a headless run needs and nothing that calls home (updates, sync, QUIC probes).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Material renders each diagram into a closed shadow root; opened here, so the test can see the SVG.
OPEN_SHADOW_ROOTS = """
const attach = Element.prototype.attachShadow;
Element.prototype.attachShadow = function (init) { return attach.call(this, {...init, mode: "open"}); };
"""
DIAGRAMS = """() => Array.from(document.querySelectorAll("div.mermaid"), (host) => {
    const svg = host.shadowRoot && host.shadowRoot.querySelector("svg");
    return svg ? {text: svg.textContent, width: svg.getBoundingClientRect().width} : null;
})"""


def nav_pages(items: list[Any]) -> Iterator[str]:
    """The Markdown files of the navigation, in its order."""
    for item in items:
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            for value in item.values():
                yield from nav_pages(value) if isinstance(value, list) else nav_pages([value])


def page_url(page: str) -> str:
    """Where mkdocs puts a page (``use_directory_urls``): ``api/index.md`` is ``api/``."""
    path = page.removesuffix(".md")
    if path == "index" or path.endswith("/index"):
        return path.removesuffix("index")
    return path + "/"


@pytest.fixture(scope="module")
def pages() -> list[str]:
    config = load_config(str(ROOT / "mkdocs.yml"))
    found = list(nav_pages(config["nav"]))
    assert len(found) >= 10, f"the navigation lists only {found}"
    return found


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site, built as ``make docs`` builds it, into a folder of this test run."""
    if not MERMAID.is_file():
        pytest.fail(f"{MERMAID.relative_to(ROOT)} is missing: run `make docs` (it fetches mermaid)")
    out = tmp_path_factory.mktemp("site")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{result.stdout}{result.stderr}"
    return out


@pytest.fixture(scope="module")
def server(site: Path) -> Iterator[str]:
    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.is_file():
        pytest.fail(
            f"no Chromium at {CHROMIUM}: `sudo apt-get install chromium` (make docs-test does, as root)"
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


def test_the_strict_build_renders_every_page_and_the_api_reference(
    site: Path, pages: list[str]
) -> None:
    for page in pages:
        html = site / page_url(page) / "index.html"
        assert html.is_file(), f"{page}: not built"
        if page.startswith("api/") and page != "api/index.md":
            # Filters that hide every member of a `::: module` build an empty page, unwarned.
            assert 'class="doc doc-object' in html.read_text(encoding="utf-8"), f"{page}: no API"


def test_every_page_opens_in_a_browser_without_errors(
    browser: Browser, server: str, pages: list[str]
) -> None:
    context = browser.new_context()
    context.add_init_script(OPEN_SHADOW_ROOTS)
    problems: list[str] = []
    links: set[str] = set()
    diagrams = 0

    def local_only(route: Route) -> None:
        if route.request.url.startswith(server):
            route.continue_()
        else:
            problems.append(f"a request left the machine: {route.request.url}")
            route.abort()

    context.route("**/*", local_only)
    try:
        for page_path in pages:
            diagrams += _open(context, server, page_path, problems, links)
    finally:
        context.close()
    for link in sorted(links):
        try:
            with urllib.request.urlopen(link) as reply:  # noqa: S310 (our own server)
                reply.read()
        except urllib.error.HTTPError as error:
            problems.append(f"a link to a missing page: {link} ({error.code})")
    assert not problems, "\n".join(problems)
    # The event's path and the sign-in: a site whose diagrams all vanished would pass vacuously.
    assert diagrams >= 2, f"only {diagrams} diagrams rendered"


def _open(
    context: BrowserContext, server: str, page_path: str, problems: list[str], links: set[str]
) -> int:
    """Open one page, note what went wrong on it, gather its links; the diagrams it rendered."""
    page: Page = context.new_page()
    seen: list[str] = []
    page.on("console", lambda message: _console(message, seen))
    page.on("pageerror", lambda error: seen.append(f"uncaught {error}"))
    page.on("requestfailed", lambda request: _failed(request, seen))
    page.on("response", lambda response: _status(response, seen))
    url = urljoin(server, page_url(page_path))
    expected = (DOCS / page_path).read_text(encoding="utf-8").count("```mermaid")
    rendered: list[Any] = []
    try:
        reply = page.goto(url, wait_until="load")
        if reply is None or reply.status != 200:
            seen.append(f"status {reply.status if reply else 'none'}")
        if expected:
            page.wait_for_function(
                f"() => document.querySelectorAll('div.mermaid').length === {expected}"
                " && Array.from(document.querySelectorAll('div.mermaid'))"
                ".every((host) => host.shadowRoot && host.shadowRoot.querySelector('svg'))",
                timeout=15_000,
            )
        page.wait_for_load_state("networkidle")
        rendered = page.evaluate(DIAGRAMS)
        for href in page.eval_on_selector_all("a[href]", "(links) => links.map((a) => a.href)"):
            target = urldefrag(href)[0]
            if target.startswith(server) and urlsplit(target).path:
                links.add(target)
    except PlaywrightError as error:
        seen.append(str(error).splitlines()[0])
    finally:
        page.close()
    drawn = [d for d in rendered if d and d["width"] > 0 and "Syntax error" not in d["text"]]
    if len(drawn) != expected:
        seen.append(f"{expected} mermaid diagrams in the Markdown, {len(drawn)} rendered to SVG")
    problems.extend(f"{page_path}: {what}" for what in seen)
    return len(drawn)


def _console(message: ConsoleMessage, seen: list[str]) -> None:
    if message.type == "error":
        seen.append(f"console error: {message.text}")


def _failed(request: Request, seen: list[str]) -> None:
    seen.append(f"request failed: {request.url} ({request.failure})")


def _status(response: Response, seen: list[str]) -> None:
    if response.status >= 400:
        seen.append(f"status {response.status}: {response.url}")
