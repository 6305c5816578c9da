"""A demo head signs in through the real browser and finds his (empty) Vietnamese inbox."""

import re

import pytest
from playwright.sync_api import expect

from flows.demo.services import DEMO_PASSWORD

pytestmark = pytest.mark.e2e


def sign_in(page, base_url, username):
    page.goto(f"{base_url}/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("button[type=submit]", has_text="Đăng nhập").click()


def test_head_signs_in_and_sees_the_empty_vietnamese_inbox(page, live_server_url, screenshot):
    page.goto(f"{live_server_url}/")
    assert page.url.startswith(f"{live_server_url}/accounts/login/")
    assert page.title() == "Đăng nhập – Thi đua – Khen thưởng"
    screenshot(page, "login", full_page=False)

    sign_in(page, live_server_url, "vinh-bao.head")
    page.wait_for_url(f"{live_server_url}/workflow/inbox/")
    assert page.locator("html").get_attribute("lang") == "vi"
    expect(page.locator(".vf-card__title", has_text="Việc của tôi")).to_be_visible()
    assert page.locator("tr[data-row-id]").count() == 0
    screenshot(page, "inbox", full_page=False)


def test_wrong_password_is_refused_in_vietnamese(page, live_server_url):
    page.goto(f"{live_server_url}/accounts/login/")
    page.locator("input[name=username]").fill("vinh-bao.head")
    page.locator("input[name=password]").fill("not-the-password")
    page.locator("button[type=submit]", has_text="Đăng nhập").click()
    expect(page.locator("form.vf-form")).to_contain_text(re.compile("mật khẩu", re.IGNORECASE))
    assert page.url.endswith("/accounts/login/")


def test_bloc_pages_in_the_browser(page, live_server_url, screenshot):
    sign_in(page, live_server_url, "ttvhtt-blv.head")
    page.wait_for_url("**/workflow/inbox/")
    page.goto(f"{live_server_url}/thidua/blocs/")
    page.get_by_role("link", name="Khối thi đua các đơn vị sự nghiệp huyện Bạch Long Vĩ").click()
    term = page.locator("[data-testid=term-2024]")
    expect(term).to_contain_text("Tầu Hoa Phượng Đỏ")
    expect(term).to_contain_text("Trưởng khối")
    expect(term).to_contain_text("Khối phó")
    screenshot(page, "bloc")
    page.goto(f"{live_server_url}/thidua/me/")
    expect(page.locator("[data-testid=appointments]")).to_contain_text("Giám đốc")
    expect(page.locator("[data-testid=memberships]")).to_contain_text("2024")
    screenshot(page, "my-organisation")
