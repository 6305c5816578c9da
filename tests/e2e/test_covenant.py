"""A head finds "Ký giao ước" in his inbox and signs the covenant in a real browser."""

import pytest
from playwright.sync_api import expect

from signatures.pki import DEMO_PIN
from tests.e2e.test_login_and_inbox import sign_in

pytestmark = pytest.mark.e2e

SIGNING_WAIT_MS = 30_000  # the in-process worker signs within a second or two; bounded anyway


def test_head_signs_the_covenant_from_his_inbox(page, live_server_url, screenshots_dir):
    # The Hải Phòng cụm's covenant has 4 of 8 signatures; Tiên Lãng signs fifth.
    sign_in(page, live_server_url, "tien-lang.head")
    page.wait_for_url("**/workflow/inbox/")
    row = page.locator("tr[data-row-id]", has_text="Ký giao ước")
    expect(row).to_have_count(1)
    row.get_by_role("link").first.click()

    expect(page.locator("[data-testid=why]")).to_contain_text("UBND huyện Tiên Lãng")
    page.screenshot(path=screenshots_dir / "sign-step.png", full_page=True)
    page.locator("input[name=pin]").fill(DEMO_PIN)
    page.locator("button[name=sign]").click()
    expect(page.locator("[data-testid=signing-status]")).to_be_visible(timeout=SIGNING_WAIT_MS)

    page.goto(f"{live_server_url}/thidua/covenants/")
    page.get_by_role("link", name="Cụm thi đua Khối huyện").click()
    field = page.locator("[data-testid=signing] tr", has_text="UBND huyện Tiên Lãng")
    for _attempt in range(30):
        if "chưa ký" not in field.inner_text():
            break
        page.wait_for_timeout(1000)
        page.reload()
    expect(field).not_to_contain_text("chưa ký", timeout=SIGNING_WAIT_MS)
    expect(page.locator("[data-testid=status]")).to_have_text("Đang ký")
    page.screenshot(path=screenshots_dir / "covenant.png", full_page=True)
