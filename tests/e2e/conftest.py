"""A real server (uvicorn, the project's ASGI app) and a real browser (Debian's chromium).

The server runs in a subprocess on its own SQLite database with the demo data, whatever the
test session's DATABASE_URL: it is the product as `make run` serves it.
"""

import os
import signal
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest

from tests.e2e.pages import new_page
from tests.fixtures.servers import free_port, wait_until_up

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BROWSER_CLOSE_SECONDS = 20


@pytest.fixture(scope="session")
def live_server_var_dir(tmp_path_factory):
    """The server's VAR_DIR: its database, its media, its development PKI (var/pki)."""
    return tmp_path_factory.mktemp("var")


def server_env(var_dir, port: int) -> dict:
    """The environment of the test server and of the commands run against its database."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(
        {
            "VAR_DIR": str(var_dir),
            "DEBUG": "1",
            "SIGNING_DEV_PKI_URL": f"http://127.0.0.1:{port}/pki",
        }
    )
    return env


def run_manage(env, *command) -> str:
    """``manage.py command`` against the test server's database; its output."""
    return subprocess.run(
        [sys.executable, "manage.py", *command],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    ).stdout


@pytest.fixture(scope="session")
def live_server_port():
    return free_port()


@pytest.fixture(scope="session")
def server_manage(live_server_var_dir, live_server_port):
    """Run a management command against the test server's database (a test reads its state)."""
    env = server_env(live_server_var_dir, live_server_port)
    return lambda *command: run_manage(env, *command)


@pytest.fixture(scope="session")
def live_server_url(live_server_var_dir, live_server_port):
    var_dir, port = live_server_var_dir, live_server_port
    env = server_env(var_dir, port)
    # As make run: the demo, the development PKI, a covenant half-way through signing, the
    # Khánh Hòa bloc's year-end meeting with its vote open (four of six heads voted), and
    # Hải Phòng's council on the cluster's appraised 2023 flags with its vote open (12 of the
    # 14 members present voted).
    for command in (
        ["migrate", "--noinput", "-v0"],
        ["load_demo"],
        ["pki_init"],
        ["run_covenant_demo", "--bloc", "cum-khoi-huyen-hp", "--year", "2024", "--signatures", "4"],
        ["run_scoring_demo", "--bloc", "khoi-bql-khanh-hoa", "--year", "2021"],
        ["run_nominations_demo", "--bloc", "khoi-bql-khanh-hoa", "--year", "2021"],
        ["run_scoring_demo", "--bloc", "cum-khoi-huyen-hp", "--year", "2023"],
        ["run_nominations_demo", "--bloc", "cum-khoi-huyen-hp", "--year", "2023"],
        ["run_council_demo", "--jurisdiction", "hp", "--voted", "12"],
    ):
        run_manage(env, *command)
    log = open(var_dir / "server.log", "w")  # noqa: SIM115 (kept open for the server's life)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "config.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--lifespan",
            "on",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{url}/healthz", server)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


@pytest.fixture(scope="module")
def playwright():
    # Module scope: Playwright's sync API keeps an event loop running while it is open, which
    # would break the asyncio tests that follow (they run first anyway, see tests/conftest.py).
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (make test installs it as root)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture
def browser(playwright):
    """A chromium of the test's own. Tests leave their windows (contexts) open: the browser
    closes them all, and is killed if it has not closed within BROWSER_CLOSE_SECONDS.

    Chromium now and then never answers a context's closing (Target.disposeBrowserContext):
    Playwright then waits for ever, past any timeout. That hung a CI run in context.close().
    """
    marker = f"--thidua-e2e-browser={uuid.uuid4().hex}"  # chromium ignores switches it lacks
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, marker])
    yield browser
    watchdog = threading.Timer(BROWSER_CLOSE_SECONDS, _kill_processes_with, [marker])
    watchdog.start()
    try:
        browser.close()  # returns once chromium has exited, closed or killed
    finally:
        watchdog.cancel()


def _kill_processes_with(marker: str) -> None:
    for process in Path("/proc").iterdir():
        try:
            if process.name.isdigit() and marker.encode() in (process / "cmdline").read_bytes():
                os.kill(int(process.name), signal.SIGKILL)
        except OSError:  # it exited meanwhile
            continue


@pytest.fixture
def page(browser):
    return new_page(browser)


@pytest.fixture
def screenshot():
    """Save a page's image under ``E2E_SCREENSHOTS_DIR`` (docs/screenshots), when it is set.

    Off by default: a full-page capture can wait on chromium forever, past Playwright's own
    timeout (microsoft/playwright#28995); one hung a CI run. Images are for the docs, never
    what a test checks.
    """
    folder = os.environ.get("E2E_SCREENSHOTS_DIR")

    def save(page, name: str, *, full_page: bool = True) -> None:
        if folder:
            page.screenshot(path=Path(folder) / f"{name}.png", full_page=full_page)

    return save
