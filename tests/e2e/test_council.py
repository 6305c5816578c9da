"""Hải Phòng's council votes in real browsers: the chairman watches the session page while the
last two members present vote from their inboxes ("Bỏ phiếu Hội đồng"); the turnout moves on
his page without a reload and no result shows until he counts; the secretary records the
absent member's written vote; after the count every nominee shows its votes over the 15
members against the 80 % its award needs."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import new_page
from tests.e2e.test_login_and_inbox import sign_in

pytestmark = pytest.mark.e2e

CHAIR, SECRETARY = "hp.council.chair", "hp.council.secretary"
LIVE_WAIT_MS = 10_000
STEP_WAIT_MS = 15_000
#: The members present whose vote task is still open (the demo stopped after 12 votes).
OPEN_VOTERS = (
    "from viewflow.workflow.models import Task;"
    "from flows.nominations.flows import CouncilFlow;"
    "print(' '.join(t.owner.username for t in Task.objects.filter("
    "flow_task=CouncilFlow.vote, status='ASSIGNED').select_related('owner').order_by('pk')))"
)


def vote_from_the_inbox(page, base_url, username) -> None:
    sign_in(page, base_url, username)
    page.wait_for_url("**/workflow/inbox/")
    page.locator("tr[data-row-id]", has_text="Bỏ phiếu Hội đồng").get_by_role("link").first.click()
    page.wait_for_url("**/vote/*/execute/", timeout=STEP_WAIT_MS)
    expect(page.locator("[data-testid=step]")).to_contain_text("Bỏ phiếu kín")
    for box in page.locator("[data-testid=paper] input[type=checkbox]").all():
        box.check()
    page.get_by_role("button", name="Bỏ phiếu").click()
    expect(page.locator("[data-testid=receipt-code]")).to_be_visible()


def test_members_vote_while_the_chairmans_page_follows_live(
    browser, live_server_url, server_manage, screenshot
):
    voters = server_manage("shell", "--no-imports", "-c", OPEN_VOTERS).split()
    assert len(voters) == 2

    chair = new_page(browser)
    sign_in(chair, live_server_url, CHAIR)
    chair.wait_for_url("**/workflow/inbox/")
    chair.goto(f"{live_server_url}/thidua/council/")
    chair.locator("[data-testid=session-list] a").first.click()
    chair.wait_for_url(re.compile(r".*/thidua/council/\d+/$"))
    session_url = chair.url
    turnout = chair.locator("[data-testid=turnout]")
    expect(turnout).to_contain_text("12 trên 15 thành viên đã bỏ phiếu")
    expect(chair.locator("[data-testid=result]")).to_have_count(0)

    for number, username in enumerate(voters, start=13):
        member = new_page(browser)
        vote_from_the_inbox(member, live_server_url, username)
        expect(turnout).to_contain_text(
            f"{number} trên 15 thành viên đã bỏ phiếu", timeout=LIVE_WAIT_MS
        )
        member.close()
    screenshot(chair, "council-voting")
    expect(chair.locator("[data-testid=result]")).to_have_count(0)

    # The absent member's written vote, recorded by the secretary on the session's page.
    secretary = new_page(browser)
    sign_in(secretary, live_server_url, SECRETARY)
    secretary.wait_for_url("**/workflow/inbox/")
    secretary.goto(session_url)
    form = secretary.locator("[data-testid=written-vote]")
    form.locator("select").select_option(index=1)
    for box in form.locator("input[type=checkbox]").all():
        box.check()
    form.get_by_role("button", name="Ghi nhận phiếu").click()
    expect(secretary.locator("[data-testid=receipt-code]")).to_be_visible()
    expect(turnout).to_contain_text("15 trên 15 thành viên đã bỏ phiếu", timeout=LIVE_WAIT_MS)

    # The chairman counts from his inbox: the results show, over the total membership.
    chair.goto(f"{live_server_url}/workflow/inbox/")
    chair.locator("tr[data-row-id]", has_text="Kiểm phiếu Hội đồng").get_by_role(
        "link"
    ).first.click()
    chair.wait_for_url("**/count/*/execute/", timeout=STEP_WAIT_MS)
    chair.get_by_role("button", name="Kết thúc bỏ phiếu và kiểm phiếu").click()
    expect(chair).to_have_url(session_url, timeout=STEP_WAIT_MS)
    expect(chair.locator("[data-testid=result]")).to_have_count(2)
    expect(chair.locator("[data-testid=votes-for]").first).to_have_text("15/15")
    screenshot(chair, "council-session")
