"""One real-browser test: ``streamlit run app/streamlit_app.py`` on 127.0.0.1, opened in headless Chromium.

The browser is Debian's ``chromium`` (``apt-get install chromium``; ``.ci/run`` installs it), driven by
Playwright through ``executable_path``: Playwright's own browser download is never used. The page's KPIs
must equal Gold, summed by an independent query before the server starts; a screenshot is saved under
``test-artifacts/`` and its path printed.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from moviecdc.local import LocalSession

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_dashboard import gold_totals, run_live

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app" / "streamlit_app.py"
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
KPI_LABELS = ["Bookings", "Tickets sold", "Revenue", "Cancellations", "Cancellation rate"]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium: apt-get install chromium"
    ),
]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_serving(url: str, server: subprocess.Popen[bytes], log: Path, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"streamlit exited with {server.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"streamlit did not serve {url} within {timeout:.0f}s:\n{log.read_text()}")


@pytest.fixture
def data_folder(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A LocalSession folder with the deployed pipeline and simulated bookings, closed before the server opens
    it (a DuckDB file is opened by one process at a time); and the KPIs Gold must show."""
    folder = tmp_path / "moviecdc-data"
    with LocalSession(path=folder) as session:
        live = run_live(session)
        expected = live.expected_metrics()
        assert gold_totals(session) == expected
    return folder, expected


@pytest.fixture
def served(data_folder: tuple[Path, dict[str, str]], tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    folder, expected = data_folder
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "streamlit.log"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--server.headless",
        "true",
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
        "--browser.gatherUsageStats",
        "false",
        "--",
        "--db",
        str(folder),
    ]
    with log.open("wb") as output:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
        try:
            wait_until_serving(url, server, log)
            yield url, expected
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def test_dashboard_in_chromium_shows_gold(served: tuple[str, dict[str, str]]) -> None:
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (never `playwright install`)")
    url, expected = served
    ARTIFACTS.mkdir(exist_ok=True)
    screenshot = ARTIFACTS / "dashboard.png"
    health_screenshot = ARTIFACTS / "dashboard-health.png"
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1700})
            page.goto(url, wait_until="domcontentloaded")
            metrics = page.locator('[data-testid="stMetric"]')
            metrics.nth(len(KPI_LABELS) - 1).wait_for(timeout=60_000)
            page.locator('[data-testid="stVegaLiteChart"]').first.wait_for(timeout=30_000)
            page.wait_for_timeout(1500)  # let the charts finish drawing before the screenshot
            shown = {
                metrics.nth(i).locator('[data-testid="stMetricLabel"]').inner_text().strip(): metrics.nth(i)
                .locator('[data-testid="stMetricValue"]')
                .inner_text()
                .strip()
                for i in range(len(KPI_LABELS))
            }
            freshness = page.get_by_text("Data as of", exact=False).first.inner_text()
            clock = page.get_by_text(re.compile(r"^Pipeline clock \d")).first.inner_text()
            # Auto-refresh reruns the live part in place: its "page refreshed at" time moves on, while a marker
            # set on this page survives (a reload would clear it).
            page.evaluate("window.__moviecdc_marker = 1")
            updated = page.get_by_text("page refreshed at ", exact=False).first
            first_update = updated.inner_text()
            deadline = time.monotonic() + 30
            while updated.inner_text() == first_update and time.monotonic() < deadline:
                page.wait_for_timeout(500)
            assert updated.inner_text() != first_update, "the page did not refresh itself within 30 s"
            assert page.evaluate("window.__moviecdc_marker") == 1, "the page was reloaded"
            page.screenshot(path=str(screenshot), full_page=True)
            page.get_by_role("tab", name="Pipeline health").click()
            page.get_by_text("Newest rejected rows", exact=False).first.wait_for(timeout=30_000)
            page.screenshot(path=str(health_screenshot), full_page=True)
        finally:
            browser.close()
    print(f"screenshot: {screenshot} (pipeline health tab: {health_screenshot})")
    assert shown == expected
    assert freshness.startswith("Data as of "), freshness
    assert ", pipeline time (" in freshness, freshness
    assert "(simulated, local engine) · page refreshed at " in clock, clock
    assert list(shown) == KPI_LABELS
