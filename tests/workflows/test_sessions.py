"""The session store writes a session only when a page changes it: viewflow's list pages store
their address on every view, which cost an UPDATE and a commit each time."""

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from workflows.sessions import SessionStore

pytestmark = pytest.mark.django_db


def session_writes(captured) -> list[str]:
    table = Session._meta.db_table
    return [
        query["sql"]
        for query in captured.captured_queries
        if table in query["sql"] and not query["sql"].lstrip().upper().startswith("SELECT")
    ]


def test_viewing_the_inbox_again_writes_no_session(client, make_user):
    client.force_login(make_user())
    inbox = reverse("workflow:inbox")
    client.get(inbox)  # stores the page's address

    with CaptureQueriesContext(connection) as captured:
        assert client.get(inbox).status_code == 200

    assert session_writes(captured) == []


def test_a_new_address_is_still_stored(client, make_user):
    client.force_login(make_user())
    client.get(reverse("workflow:inbox"))

    with CaptureQueriesContext(connection) as captured:
        client.get(reverse("workflow:queue"))

    assert len(session_writes(captured)) == 1
    assert client.session["vf-pin-location"] == reverse("workflow:queue")


def test_a_list_assigned_back_after_a_change_in_place_is_saved(db):
    session = SessionStore()
    session["steps"] = ["draft"]
    session.save()
    session.modified = False

    steps = session["steps"]
    steps.append("review")
    session["steps"] = steps

    assert session.modified is True


def test_an_equal_value_of_another_type_is_stored(db):
    session = SessionStore()
    session["count"] = 1
    session.save()
    session.modified = False

    session["count"] = True

    assert session.modified is True
