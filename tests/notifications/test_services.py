"""The notification centre: in-app rows, marking read, e-mail by preference, the page."""

import pytest
from django.urls import reverse

from notifications import selectors, services
from tests.signatures.helpers import run_pending_tasks

pytestmark = pytest.mark.django_db(transaction=True)


def test_notify_reaches_the_app_and_the_mailbox_by_preference(make_user, mailoutbox):
    reader = make_user(email="reader@example.gov.vn")
    quiet = make_user(email="quiet@example.gov.vn")
    services.set_preferences(user=quiet, email=False)
    services.notify(
        users=[reader, quiet, None],
        event="covenant.in_force",
        title="Giao ước có hiệu lực",
        body="Số 01/GƯ-UBND",
        url="/thidua/covenants/1/",
    )
    run_pending_tasks()
    assert selectors.unread_count(reader) == selectors.unread_count(quiet) == 1
    assert [message.to for message in mailoutbox] == [["reader@example.gov.vn"]]
    assert "http://127.0.0.1:8000/thidua/covenants/1/" in mailoutbox[0].body


def test_marking_read_one_then_all(make_user):
    user = make_user()
    [first] = services.notify(users=[user, user], event="x", title="Một")  # once per person
    services.notify(users=[user], event="x", title="Hai")
    assert selectors.unread_count(user) == 2
    assert services.mark_read(user=user, ids=[first.pk]) == 1
    assert selectors.unread_count(user) == 1
    assert services.mark_read(user=user) == 1
    assert selectors.unread_count(user) == 0


def test_the_page_lists_marks_read_and_saves_the_preference(client, make_user):
    user = make_user(email="a@example.gov.vn")
    other = make_user()
    services.notify(users=[user], event="x", title="Việc mới của tôi")
    services.notify(users=[other], event="x", title="Việc của người khác")
    client.force_login(user)
    page = client.get(reverse("thidua:notifications:index")).content.decode()
    assert "Việc mới của tôi" in page and "Việc của người khác" not in page
    assert 'data-testid="unread">1<' in page
    client.post(reverse("thidua:notifications:index"), {"all": "1"})
    assert selectors.unread_count(user) == 0
    client.post(reverse("thidua:notifications:index"), {"preferences": "1"})  # e-mail unticked
    assert not services.wants_email(user)
