"""Named background jobs: enqueued after commit, nothing on rollback, unknown names refused."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.tasks import task
from django_tasks_db.models import DBTaskResult

from workflows import background

pytestmark = pytest.mark.django_db(transaction=True)


def test_every_app_registers_its_jobs_at_start_up():
    assert {
        "signatures.sign_requested",
        "signatures.check_credential",
        "signatures.validate_uploaded",
        "pledges.prepare_document",
        "notifications.send_emails",
    } <= set(background.JOBS)
    assert background.JOBS["signatures.sign_requested"].module_path == (
        "signatures.tasks.sign_requested"
    )


def test_a_job_is_enqueued_only_once_its_transaction_commits():
    with transaction.atomic():
        background.enqueue_on_commit("notifications.send_emails", [1, 2])
        assert not DBTaskResult.objects.exists()
    queued = DBTaskResult.objects.get()
    assert queued.task_path == "notifications.tasks.send_emails"
    assert queued.args_kwargs["args"] == [[1, 2]]


def test_a_rolled_back_transaction_enqueues_nothing():
    with pytest.raises(RuntimeError), transaction.atomic():
        background.enqueue_on_commit("notifications.send_emails", [1])
        raise RuntimeError("rolled back")
    assert not DBTaskResult.objects.exists()


def test_an_unknown_job_is_refused_when_asked_for_not_at_commit():
    with pytest.raises(LookupError, match=r"signatures\.sgin"):
        background.enqueue_on_commit("signatures.sgin", 1)


@task
def impostor():
    """Not a real job: it only tries to take a name that is taken."""


def test_two_jobs_cannot_share_a_name():
    with pytest.raises(ImproperlyConfigured, match=r"pledges\.prepare_document"):
        background.job("pledges.prepare_document")(impostor)
