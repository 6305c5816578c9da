"""The Khánh Hòa bloc's year-end vote in real browsers: the leader unit's officer watches the
meeting page while the last two member heads vote from their inboxes; the turnout moves on his
page without a reload, each head gets his receipt code once, and after the chair counts, the
receipt finds the paper as cast — while no page ever shows who voted what."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import new_page
from tests.e2e.test_login_and_inbox import sign_in

pytestmark = pytest.mark.e2e

WATCHER, CHAIR = "bql-kkt-van-phong.officer", "bql-kkt-van-phong.head"
LAST_HEADS = ["kh-member-5.head", "kh-member-6.head"]
LIVE_WAIT_MS = 10_000
STEP_WAIT_MS = 15_000


def vote_from_the_inbox(page, base_url, username) -> str:
    """The head votes for the first unit on his paper; returns his receipt code."""
    sign_in(page, base_url, username)
    page.wait_for_url("**/workflow/inbox/")
    row = page.locator("tr[data-row-id]", has_text="Bỏ phiếu bình xét")
    expect(row).to_have_count(1)
    row.get_by_role("link").first.click()
    page.wait_for_url("**/vote/*/execute/", timeout=STEP_WAIT_MS)
    expect(page.locator("[data-testid=step]")).to_contain_text("Bỏ phiếu kín")
    page.locator("[data-testid=paper] input[type=checkbox]").first.check()
    page.get_by_role("button", name="Bỏ phiếu").click()
    code = page.locator("[data-testid=receipt-code]")
    expect(code).to_be_visible()
    return code.inner_text()


def test_heads_vote_and_the_meeting_page_follows_live(browser, live_server_url, screenshot):
    watcher = new_page(browser)
    sign_in(watcher, live_server_url, WATCHER)
    watcher.wait_for_url("**/workflow/inbox/")
    watcher.goto(f"{live_server_url}/thidua/meetings/")
    watcher.locator("[data-testid=meeting-list] a", has_text="Khánh Hòa").click()
    watcher.wait_for_url(re.compile(r".*/thidua/meetings/\d+/$"))
    meeting_url = watcher.url
    turnout = watcher.locator("[data-testid=turnout]")
    expect(turnout).to_contain_text("4/6 đơn vị thành viên đã bỏ phiếu")

    codes = []
    for number, username in enumerate(LAST_HEADS, start=5):
        head = new_page(browser)
        codes.append(vote_from_the_inbox(head, live_server_url, username))
        # The watcher's page follows without a reload.
        expect(turnout).to_contain_text(
            f"{number}/6 đơn vị thành viên đã bỏ phiếu", timeout=LIVE_WAIT_MS
        )
        head.close()
    screenshot(watcher, "meeting-voting")
    body = watcher.locator("body").inner_text()
    assert not any(code in body for code in codes)

    # The chair closes the round from his inbox; the papers are counted.
    chair = new_page(browser)
    sign_in(chair, live_server_url, CHAIR)
    chair.wait_for_url("**/workflow/inbox/")
    chair.locator("tr[data-row-id]", has_text="Kiểm phiếu").get_by_role("link").first.click()
    chair.wait_for_url("**/count/*/execute/", timeout=STEP_WAIT_MS)
    expect(chair.locator("[data-testid=turnout]")).to_contain_text("6/6")
    chair.get_by_role("button", name="Kết thúc vòng và kiểm phiếu").click()
    expect(chair).to_have_url(meeting_url, timeout=STEP_WAIT_MS)
    expect(watcher.locator("[data-testid=status]")).not_to_have_text(
        "Bỏ phiếu", timeout=LIVE_WAIT_MS
    )
    screenshot(watcher, "meeting")

    # A head's receipt finds his paper, counted.
    chair.get_by_label("Mã biên nhận").fill(codes[0])
    chair.get_by_role("button", name="Kiểm tra").click()
    expect(chair.locator("[data-testid=receipt-result]")).to_contain_text("Phiếu đã được kiểm.")
