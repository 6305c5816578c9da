"""The main pages under axe-core (axe-playwright-python): no critical or serious violation
(forms labelled, contrast, names of controls) on the login, inbox, signing step, covenant,
validation, board, year-end meeting and council session pages."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.e2e.pages import new_page
from tests.e2e.test_login_and_inbox import sign_in

pytestmark = pytest.mark.e2e

GRAVE = {"critical", "serious"}


def grave_violations(page, axe) -> list[str]:
    page.wait_for_load_state("networkidle")
    report = axe.run(page).response
    return [
        f"{page.url}: {violation['id']} ({violation['impact']}): "
        + "; ".join(node["html"][:120] for node in violation["nodes"])
        for violation in report["violations"]
        if violation["impact"] in GRAVE
    ]


def test_the_main_pages_have_no_grave_accessibility_violation(browser, live_server_url):
    axe = Axe()
    council = new_page(browser)
    council.goto(f"{live_server_url}/accounts/login/")
    found = grave_violations(council, axe)
    sign_in(council, live_server_url, "hp.council.chair")
    council.wait_for_url(f"{live_server_url}/workflow/inbox/")
    for path in ["/workflow/inbox/", "/thidua/covenants/", "/thidua/validation/", "/thidua/board/"]:
        council.goto(f"{live_server_url}{path}")
        found += grave_violations(council, axe)
    council.goto(f"{live_server_url}/thidua/covenants/")
    council.locator("a[href^='/thidua/covenants/']", has_text="Khối huyện").first.click()
    council.wait_for_url("**/thidua/covenants/*/")
    found += grave_violations(council, axe)
    council.goto(f"{live_server_url}/thidua/board/")
    council.locator("a[href^='/thidua/board/']", has_text="2024").first.click()
    council.wait_for_url("**/thidua/board/*/*/")
    found += grave_violations(council, axe)
    council.goto(f"{live_server_url}/thidua/council/")  # the council's session, voting
    found += grave_violations(council, axe)
    council.locator("[data-testid=session-list] a").first.click()
    council.wait_for_url("**/thidua/council/*/")
    found += grave_violations(council, axe)
    council.goto(f"{live_server_url}/thidua/meetings/")  # a dossier returned once, appraised
    council.locator("[data-testid=meeting-list] a", has_text="Khối huyện").first.click()
    council.wait_for_url("**/thidua/meetings/*/")
    found += grave_violations(council, axe)

    officer = new_page(browser)  # a year-end meeting, its vote open
    sign_in(officer, live_server_url, "bql-kkt-van-phong.officer")
    officer.wait_for_url(f"{live_server_url}/workflow/inbox/")
    officer.goto(f"{live_server_url}/thidua/meetings/")
    found += grave_violations(officer, axe)
    officer.locator("[data-testid=meeting-list] a", has_text="Khánh Hòa").click()
    officer.wait_for_url("**/thidua/meetings/*/")
    found += grave_violations(officer, axe)

    head = new_page(browser)
    sign_in(head, live_server_url, "cat-hai.head")
    head.wait_for_url(f"{live_server_url}/workflow/inbox/")
    found += grave_violations(head, axe)  # an inbox with a row
    head.locator("tr[data-row-id] a").first.click()
    head.wait_for_url("**/sign/*/execute/")
    found += grave_violations(head, axe)
    assert found == []
