"""A head signs the covenant from his inbox in a real browser; in another browser context the
covenant page and the council's progress board update on their own."""

import re

import pytest
from playwright.sync_api import expect

from signatures.pki import DEMO_PIN
from tests.e2e.pages import new_page
from tests.e2e.test_login_and_inbox import sign_in

pytestmark = pytest.mark.e2e

SIGNING_WAIT_MS = 30_000  # the in-process worker signs within a second or two; bounded anyway
LIVE_WAIT_MS = 2_000  # once the signature landed, other pages show it within 2 s


def test_head_signs_and_the_watching_pages_update(browser, live_server_url, screenshot):
    # The Hải Phòng cụm's covenant has 4 of 8 signatures; Tiên Lãng signs fifth.
    watcher, board, page = new_page(browser), new_page(browser), new_page(browser)
    sign_in(watcher, live_server_url, "hp.council.m01")
    watcher.wait_for_url("**/workflow/inbox/")
    watcher.goto(f"{live_server_url}/thidua/covenants/")
    watcher.get_by_role("link", name="Cụm thi đua Khối huyện").click()
    field = watcher.locator("[data-testid=signing] tr", has_text="UBND huyện Tiên Lãng")
    expect(field).to_contain_text("chưa ký")
    sign_in(board, live_server_url, "hp.council.m01")
    board.wait_for_url("**/workflow/inbox/")
    board.goto(f"{live_server_url}/thidua/board/")
    board.get_by_role("link", name="2024").click()
    row = board.locator("[data-testid=bloc-cum-khoi-huyen-hp] [data-testid=progress-covenant]")
    expect(row).to_have_text("4/8")

    sign_in(page, live_server_url, "tien-lang.head")
    page.wait_for_url("**/workflow/inbox/")
    task_row = page.locator("tr[data-row-id]", has_text="Ký giao ước")
    expect(task_row).to_have_count(1)
    task_row.get_by_role("link").first.click()
    # The task's address sends him on to its step (a loaded CI machine took over 5 s once).
    page.wait_for_url("**/sign/*/execute/", timeout=SIGNING_WAIT_MS)
    expect(page.locator("[data-testid=why]")).to_contain_text("UBND huyện Tiên Lãng")
    screenshot(page, "sign-step")
    page.locator("input[name=pin]").fill(DEMO_PIN)
    page.locator("button[name=sign]").click()
    # The step page waits for the signature, then moves on to the covenant, signed. (Its
    # waiting state may last less than a page load, so tests/flows/pledges/test_pages.py
    # asserts it, where the worker runs only when asked.)
    # The URL, not a navigation's "load": a live refresh may start the next navigation
    # before the step's own has loaded (Chromium then reports the first as aborted).
    expect(page).to_have_url(re.compile(r".*/thidua/covenants/\d+/$"), timeout=SIGNING_WAIT_MS)
    own = page.locator("[data-testid=signing] tr", has_text="UBND huyện Tiên Lãng")
    expect(own).to_contain_text("Đoàn Minh Tuyết")
    expect(own).not_to_contain_text("chưa ký")

    expect(field).not_to_contain_text("chưa ký", timeout=LIVE_WAIT_MS)
    expect(row).to_have_text("5/8", timeout=LIVE_WAIT_MS)
    screenshot(watcher, "covenant")
    screenshot(board, "board")


# Chromium's offline emulation keeps open websockets open: the test closes them itself.
KEEP_SOCKETS = """(() => {
  const Native = window.WebSocket;
  window.__sockets = [];
  window.WebSocket = function (url, protocols) {
    const socket = new Native(url, protocols);
    window.__sockets.push(socket);
    return socket;
  };
  window.WebSocket.prototype = Native.prototype;
})()"""


def test_a_page_offline_during_a_signature_shows_it_once_back(browser, live_server_url):
    board, page = new_page(browser), new_page(browser)
    board.context.add_init_script(KEEP_SOCKETS)
    sign_in(board, live_server_url, "hp.council.m01")
    board.wait_for_url("**/workflow/inbox/")
    board.goto(f"{live_server_url}/thidua/board/")
    board.get_by_role("link", name="2024").click()
    row = board.locator("[data-testid=bloc-cum-khoi-huyen-hp] [data-testid=progress-covenant]")
    before = int(row.inner_text().split("/")[0])
    board.wait_for_function("document.documentElement.dataset.liveOpened >= 1")
    opened = int(board.evaluate("document.documentElement.dataset.liveOpened"))
    board.context.set_offline(True)
    board.evaluate("window.__sockets.forEach((socket) => socket.close())")

    sign_in(page, live_server_url, "an-duong.head")
    page.wait_for_url("**/workflow/inbox/")
    page.locator("tr[data-row-id]", has_text="Ký giao ước").get_by_role("link").first.click()
    page.locator("input[name=pin]").fill(DEMO_PIN)
    page.locator("button[name=sign]").click()
    # The URL, not a navigation's "load": a live refresh may start the next navigation
    # before the step's own has loaded (Chromium then reports the first as aborted).
    expect(page).to_have_url(re.compile(r".*/thidua/covenants/\d+/$"), timeout=SIGNING_WAIT_MS)
    board.wait_for_timeout(1000)
    expect(row).to_have_text(f"{before}/8")  # offline: nothing new

    board.context.set_offline(False)
    expect(row).to_have_text(f"{before + 1}/8", timeout=SIGNING_WAIT_MS)
    assert int(board.evaluate("document.documentElement.dataset.liveOpened")) > opened
