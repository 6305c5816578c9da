"""The main pages under the site's Content-Security-Policy: sent on every page, and nothing on
them (viewflow's scripts and components, Turbo, the live script, the site's styles) is blocked."""

import pytest

from tests.e2e.pages import new_page
from tests.e2e.test_login_and_inbox import sign_in

pytestmark = pytest.mark.e2e

#: Collects every violation the page reports, from its first script on.
LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  const where = `${event.sourceFile}:${event.lineNumber}`;
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI} ${where}`);
});
"""

COUNCIL_PAGES = [
    "/workflow/inbox/",
    "/thidua/covenants/",
    "/thidua/board/",
    "/thidua/blocs/",
    "/thidua/validation/",
    "/thidua/credentials/",
    "/thidua/notifications/",
    "/thidua/me/",
    "/accounts/profile/",
]


def violations(page) -> list[str]:
    page.wait_for_load_state("networkidle")
    return page.evaluate("window.__cspViolations")


def visit(page, url) -> list[str]:
    response = page.goto(url)
    assert "script-src 'self'" in response.headers["content-security-policy"], url
    return [f"{url}: {found}" for found in violations(page)]


def test_the_main_pages_break_no_rule_of_the_policy(browser, live_server_url):
    page = new_page(browser)
    page.add_init_script(LISTEN)
    found = visit(page, f"{live_server_url}/accounts/login/")

    sign_in(page, live_server_url, "hp.council.chair")
    page.wait_for_url(f"{live_server_url}/workflow/inbox/")
    for path in COUNCIL_PAGES:
        found += visit(page, f"{live_server_url}{path}")
    page.goto(f"{live_server_url}/thidua/covenants/")
    page.locator("a[href^='/thidua/covenants/']", has_text="Khối huyện").first.click()
    page.wait_for_url("**/thidua/covenants/*/")
    found += [f"{page.url}: {v}" for v in violations(page)]
    page.goto(f"{live_server_url}/thidua/board/")
    page.locator("a[href^='/thidua/board/']", has_text="2024").first.click()
    page.wait_for_url("**/thidua/board/*/*/")
    found += [f"{page.url}: {v}" for v in violations(page)]

    head = new_page(browser)
    head.add_init_script(LISTEN)
    sign_in(head, live_server_url, "cat-hai.head")
    head.wait_for_url(f"{live_server_url}/workflow/inbox/")
    head.locator("tr[data-row-id] a").first.click()
    head.wait_for_url("**/sign/*/execute/")
    found += [f"{head.url}: {v}" for v in violations(head)]

    assert found == []
