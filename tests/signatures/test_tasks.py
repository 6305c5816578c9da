"""Signing never runs in a request: a request is queued and a worker signs it."""

import pytest
from django_tasks_db.models import DBTaskResult

from signatures.models import RequestStatus, SigningRequest
from signatures.pki import DEMO_PIN
from signatures.services import external, signing_requests
from tests.signatures import helpers


@pytest.mark.django_db(transaction=True)
def test_a_signature_request_is_queued_then_signed_by_the_worker(dev_pki, dev_officials):
    identities = dev_officials[:2]
    users = [helpers.official_user(identity) for identity in identities]
    credential = helpers.pkcs12_credential(dev_pki, users[0])
    document = helpers.create_document(identities, users)

    request = signing_requests.request_signature(
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

    signing_requests.request_signature(
        field=document.fields.first(), person=users[0], credential=credential, secret="999999"
    )
    helpers.run_pending_tasks()

    request = SigningRequest.objects.get()
    assert (request.status, request.reason) == (RequestStatus.FAILED, "Mã PIN không đúng.")
    assert request.secret is None


def outside_signer(dev_pki, dev_officials):
    """A document for an (his own signing tool) and binh (his keystore)."""
    identities = dev_officials[:2]
    an, binh = (helpers.official_user(identity) for identity in identities)
    tool = helpers.external_credential(dev_pki, an)
    keystore = helpers.pkcs12_credential(dev_pki, binh)
    return helpers.create_document(identities, [an, binh]), an, binh, tool, keystore


def queued_signing_tasks() -> int:
    return DBTaskResult.objects.filter(task_path__endswith="sign_requested").count()


@pytest.mark.django_db(transaction=True)
def test_an_outside_signature_takes_two_tasks_around_the_signers_tool(dev_pki, dev_officials):
    document, an, _binh, tool, _keystore = outside_signer(dev_pki, dev_officials)
    field = document.fields.get(name="Sig01")

    request = signing_requests.request_signature(field=field, person=an, credential=tool)

    assert (request.status, queued_signing_tasks()) == (RequestStatus.PENDING, 1)
    helpers.run_pending_tasks()  # prepares the document
    request.refresh_from_db()
    assert request.status == RequestStatus.WAITING_EXTERNAL
    cms = helpers.external_cms(dev_pki, "an", request.external["digest"])
    request = external.complete_external_signature(request=request, cms=cms, by=an)
    assert (request.status, queued_signing_tasks()) == (RequestStatus.PENDING, 2)
    helpers.run_pending_tasks()  # checks the certificate's status and embeds
    request.refresh_from_db()
    assert request.status == RequestStatus.SIGNED, request.reason
    assert document.fields.get(name="Sig01").is_signed


@pytest.mark.django_db(transaction=True)
def test_a_signature_landing_first_queues_the_outside_signers_new_preparation(
    dev_pki, dev_officials
):
    document, an, binh, tool, keystore = outside_signer(dev_pki, dev_officials)
    waiting = signing_requests.request_signature(
        field=document.fields.get(name="Sig01"), person=an, credential=tool
    )
    helpers.run_pending_tasks()
    waiting.refresh_from_db()
    first = waiting.external["digest"]

    signing_requests.request_signature(
        field=document.fields.get(name="Sig02"), person=binh, credential=keystore, secret=DEMO_PIN
    )
    helpers.run_pending_tasks()  # binh signs; an's preparation is queued and runs too

    waiting.refresh_from_db()
    assert waiting.status == RequestStatus.WAITING_EXTERNAL
    assert waiting.external["superseded"] == [first]
    assert waiting.external["digest"] != first
    assert queued_signing_tasks() == 3
