"""What a head sees when he signs with no PIN, or a wrong one: one clear Vietnamese message
under the PIN field, in the site's style; nothing sent for an empty PIN; the task stays open."""

import pytest
from playwright.sync_api import expect

from tests.e2e.test_login_and_inbox import sign_in

pytestmark = pytest.mark.e2e

HEAD = "cat-hai.head"  # a member of the Hải Phòng cụm who has not signed its covenant
SIGNING_WAIT_MS = 60_000


def test_an_empty_then_a_wrong_pin(page, live_server_url, screenshot):
    sign_in(page, live_server_url, HEAD)
    page.wait_for_url(f"{live_server_url}/workflow/inbox/")
    screenshot(page, "inbox-rows", full_page=False)
    page.locator("tr[data-row-id] a").first.click()
    page.wait_for_url("**/sign/*/execute/")
    step_url = page.url
    posts = []
    page.on("request", lambda request: posts.append(request) if request.method == "POST" else None)

    page.locator("button[name=sign]").click()
    error = page.locator(".thidua-field-error")
    expect(error).to_have_text("Đồng chí nhập mã PIN của tệp khóa hoặc thiết bị ký số.")
    assert page.evaluate("document.querySelector('input[name=pin]').form.noValidate")
    assert page.evaluate("document.activeElement.name") == "pin"
    assert posts == []  # refused in the page: nothing was sent
    screenshot(page, "signing-empty-pin")

    page.locator("input[name=pin]").fill("000000")
    page.locator("button[name=sign]").click()
    failed = page.locator("[data-testid=signing-failed]")
    expect(failed).to_contain_text("Mã PIN không đúng", timeout=SIGNING_WAIT_MS)
    assert page.url == step_url  # the task is still open: he may sign again
    expect(page.locator("body")).not_to_contain_text("đang được thực hiện")
    expect(page.locator("button[name=sign]")).to_be_visible()
    screenshot(page, "signing-wrong-pin")

    page.goto(f"{live_server_url}/khong-co-trang-nay/")
    expect(page.locator("[data-testid=error]")).to_contain_text("Không có trang này")
    screenshot(page, "not-found", full_page=False)
