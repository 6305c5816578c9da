"""Signing never runs in a request: a request is queued and a worker signs it."""

import pytest
from django_tasks_db.models import DBTaskResult

from signatures import services
from signatures.models import RequestStatus, SigningRequest
from signatures.pki import DEMO_PIN
from tests.signatures import helpers


@pytest.mark.django_db(transaction=True)
def test_a_signature_request_is_queued_then_signed_by_the_worker(dev_pki, dev_officials):
    identities = dev_officials[:2]
    users = [helpers.official_user(identity) for identity in identities]
    credential = helpers.pkcs12_credential(dev_pki, users[0])
    document = helpers.create_document(identities, users)

    request = services.request_signature(
        field=document.fields.first(), person=users[0], credential=credential, secret=DEMO_PIN
    )

    assert request.status == RequestStatus.PENDING  # the caller sees "pending" at once
    assert DBTaskResult.objects.filter(task_path__endswith="sign_requested").count() == 1
    helpers.run_pending_tasks()
    request.refresh_from_db()
    assert request.status == RequestStatus.SIGNED, request.reason
    assert request.secret is None
    assert document.fields.first().is_signed


@pytest.mark.django_db(transaction=True)
def test_a_failed_signature_keeps_its_reason(dev_pki, dev_officials):
    identities = dev_officials[:2]
    users = [helpers.official_user(identity) for identity in identities]
    credential = helpers.pkcs12_credential(dev_pki, users[0])
    document = helpers.create_document(identities, users)

    services.request_signature(
        field=document.fields.first(), person=users[0], credential=credential, secret="999999"
    )
    helpers.run_pending_tasks()

    request = SigningRequest.objects.get()
    assert (request.status, request.reason) == (RequestStatus.FAILED, "Mã PIN không đúng.")
    assert request.secret is None
