"""Wrong passwords lock an account for a while (workflows.throttle), with an audit record and a
Vietnamese message; the right password is refused too until the lock-out ends."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from workflows import throttle
from workflows.models import AuditEvent


@pytest.fixture(autouse=True)
def three_attempts(settings):
    settings.LOCKOUT_ATTEMPTS = 3


def sign_in(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_too_many_wrong_passwords_lock_the_account(client, make_user):
    official = make_user(username="can-bo")
    for _attempt in range(2):
        assert sign_in(client, "can-bo", "sai").status_code == 200
    assert not AuditEvent.objects.filter(action="access.locked_out").exists()

    locked = sign_in(client, "can-bo", "sai").content.decode()
    assert "nhập sai quá nhiều lần" in locked
    event = AuditEvent.objects.get(action="access.locked_out")
    assert event.actor == official
    assert event.data["door"] == "login"

    # Even the right password waits for the end of the lock-out, whose time the page gives.
    refused = sign_in(client, "CAN-BO", "secret-pass-1")
    assert refused.status_code == 200
    until = throttle.LOGIN.locked_until("can-bo")
    assert throttle.until_text(until) in refused.content.decode()


def test_the_lock_opens_again_and_a_success_clears_the_count(client, make_user, settings):
    make_user(username="can-bo")
    sign_in(client, "can-bo", "sai")
    sign_in(client, "can-bo", "sai")
    assert sign_in(client, "can-bo", "secret-pass-1").status_code == 302  # count cleared
    client.logout()
    sign_in(client, "can-bo", "sai")
    sign_in(client, "can-bo", "sai")
    assert throttle.LOGIN.locked_until("can-bo") is None

    settings.LOCKOUT_MINUTES = 0
    until = throttle.LOGIN.failed("can-bo")
    assert until is not None and until <= timezone.now() + datetime.timedelta(seconds=1)
    assert throttle.LOGIN.locked_until("can-bo") is None
    assert sign_in(client, "can-bo", "secret-pass-1").status_code == 302


def test_an_unknown_account_is_counted_too(client, db):
    for _attempt in range(3):
        sign_in(client, "khong-co", "sai")
    event = AuditEvent.objects.get(action="access.locked_out")
    assert event.actor is None and event.data["key"] == "khong-co"
