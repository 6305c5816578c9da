"""The site's 400, 403, 404 and 500 pages: Vietnamese, in the site's look, nothing technical;
with DEBUG on too (make run's demo), where Django would show its English technical 404 page."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.urls import reverse
from django.views.defaults import bad_request, server_error

TECHNICAL = ["URLconf", "Traceback", "Resolver404", "Page not found at", "Django"]


def assert_site_page(content: str, *expected: str):
    for text in expected:
        assert text in content
    for text in TECHNICAL:
        assert text not in content


@pytest.mark.parametrize("debug", [False, True])
def test_an_unknown_address_answers_the_sites_404(client, settings, make_user, debug):
    settings.DEBUG = debug
    client.force_login(make_user())
    response = client.get("/khong-co-trang-nay/")
    assert response.status_code == 404
    assert_site_page(response.content.decode(), "404 Không tìm thấy trang", "Về việc của tôi")
    if not debug:  # django-csp leaves DEBUG's error pages without a policy, by design
        assert "script-src 'self'" in response["Content-Security-Policy"]


@pytest.mark.parametrize("debug", [False, True])
def test_a_covenant_one_may_not_see_answers_the_sites_404(client, settings, make_user, debug):
    settings.DEBUG = debug
    client.force_login(make_user())
    response = client.get(reverse("thidua:covenants:detail", args=[999]))
    assert response.status_code == 404
    assert_site_page(response.content.decode(), "404 Không tìm thấy trang")


def test_a_missing_slash_still_redirects_with_debug_on(client, settings, make_user):
    settings.DEBUG = True
    client.force_login(make_user())
    response = client.get("/thidua/covenants")
    assert response.status_code == 301
    assert response["Location"] == "/thidua/covenants/"


def test_a_refusal_says_why_in_vietnamese(client, make_user):
    client.force_login(make_user())
    response = client.get(reverse("workflow:flows:index"))
    assert response.status_code == 403
    assert_site_page(
        response.content.decode(),
        "403 Không có quyền truy cập",
        "Trang tổng quan mọi quy trình chỉ dành cho người quản lý quy trình.",
    )


def test_the_400_and_500_pages_are_vietnamese(db):
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    failed = server_error(request).content.decode()
    assert_site_page(failed, "500 Lỗi máy chủ", "nhật ký")
    refused = bad_request(request, Exception("x")).content.decode()
    assert_site_page(refused, "400 Yêu cầu không hợp lệ")
