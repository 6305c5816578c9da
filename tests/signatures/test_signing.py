"""Signing documents through the services, with each official's own certificate."""

import io
import itertools

import pytest
from django.core.exceptions import ValidationError
from pyhanko.pdf_utils.reader import PdfFileReader

from signatures import services, validation
from signatures.keystores import seal
from signatures.models import (
    Credential,
    RequestStatus,
    Revision,
    RevisionImmutable,
    RevisionKind,
    SigningRequest,
)
from signatures.pki import DEMO_PIN
from tests.signatures import helpers
from workflows.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def three(dev_pki, dev_officials):
    identities = dev_officials[:3]  # an, binh, cuong
    users = [helpers.official_user(identity) for identity in identities]
    credentials = [helpers.pkcs12_credential(dev_pki, user) for user in users]
    return identities, users, credentials


def test_every_head_signs_and_the_clerk_numbers_and_seals(dev_pki, dev_officials, three):
    identities, users, credentials = three
    clerk_identity = dev_officials[3]
    clerk = helpers.official_user(clerk_identity)
    clerk_credential = helpers.pkcs12_credential(dev_pki, clerk)
    document = helpers.create_document(
        identities, users, clerk=clerk, clerk_identity=clerk_identity
    )
    assert [r.kind for r in document.revisions.all()] == [
        RevisionKind.RENDERED,
        RevisionKind.FIELDS,
    ]

    for field, user, credential in zip(
        document.fields.exclude(kind="organisation"), users, credentials, strict=True
    ):
        request = helpers.sign(field, user, credential)
        assert request.status == RequestStatus.SIGNED, request.reason
        assert request.secret is None  # the PIN is not kept
    org = document.fields.get(name="Org")
    request = helpers.sign(
        org, clerk, clerk_credential, fill={"number": "07", "date": "21 tháng 11"}
    )
    assert request.status == RequestStatus.SIGNED, request.reason

    content = document.latest_revision().read()
    report = validation.validate_pdf(content)
    assert report.ok, report.as_dict()
    assert [s.field_name for s in report.signatures] == ["Sig01", "Sig02", "Sig03", "Org"]
    assert report.signatures[0].certification
    assert {s.timestamp is not None for s in report.signatures} == {True}  # B-T
    assert report.signatures[0].signer == identities[0].full_name
    assert document.revisions.count() == 2 + 4
    assert AuditEvent.objects.filter(action="signature.applied").count() == 4


def test_each_signature_is_an_incremental_update_of_the_previous_revision(three):
    identities, users, credentials = three
    document = helpers.create_document(identities, users)
    for field, user, credential in zip(document.fields.all(), users, credentials, strict=True):
        helpers.sign(field, user, credential)
    revisions = list(document.revisions.all())
    contents = [revision.read() for revision in revisions]
    for earlier, later in itertools.pairwise(contents):
        assert later.startswith(earlier)  # never rewritten, only appended to
    assert len({revision.sha256 for revision in revisions}) == len(revisions)


def test_a_wrong_pin_fails_with_its_reason_and_changes_nothing(three):
    identities, users, credentials = three
    document = helpers.create_document(identities, users)
    before = list(document.revisions.values_list("sha256", flat=True))
    request = helpers.sign(document.fields.first(), users[0], credentials[0], pin="000000")
    assert request.status == RequestStatus.FAILED
    assert request.reason == "Mã PIN không đúng."
    assert list(document.revisions.values_list("sha256", flat=True)) == before
    assert not document.fields.first().is_signed
    # The official may try again with the right PIN.
    retry = helpers.sign(document.fields.first(), users[0], credentials[0], pin=DEMO_PIN)
    assert retry.status == RequestStatus.SIGNED


def test_a_certificate_of_another_official_is_refused(three):
    identities, users, credentials = three
    document = helpers.create_document(identities, users)
    with pytest.raises(ValidationError) as refused:
        services.request_signature(
            field=document.fields.first(),
            person=users[0],
            credential=credentials[1],
            secret=DEMO_PIN,
        )
    assert "không phải của" in refused.value.messages[0]
    assert not SigningRequest.objects.exists()


def test_a_field_cannot_be_signed_twice(three):
    identities, users, credentials = three
    document = helpers.create_document(identities, users)
    field = document.fields.first()
    helpers.sign(field, users[0], credentials[0])
    with pytest.raises(ValidationError) as refused:
        services.request_signature(
            field=field, person=users[0], credential=credentials[0], secret=DEMO_PIN
        )
    assert "đã được ký" in refused.value.messages[0]


def test_a_double_click_queues_one_signature(three):
    identities, users, credentials = three
    document = helpers.create_document(identities, users)
    field = document.fields.first()
    services.request_signature(
        field=field, person=users[0], credential=credentials[0], secret=DEMO_PIN
    )
    with pytest.raises(ValidationError):
        services.request_signature(
            field=field, person=users[0], credential=credentials[0], secret=DEMO_PIN
        )
    assert SigningRequest.objects.filter(field=field).count() == 1


def test_someone_else_signs_only_with_a_prefix(three):
    identities, users, credentials = three
    document = helpers.create_document(identities, users)
    field = document.fields.get(name="Sig01")
    with pytest.raises(ValidationError):
        services.request_signature(
            field=field, person=users[1], credential=credentials[1], secret=DEMO_PIN
        )
    request = helpers.sign(field, users[1], credentials[1], signing_prefix="KT.")
    assert request.status == RequestStatus.SIGNED, request.reason
    field.refresh_from_db()
    assert (field.signed_by, field.signing_prefix) == (users[1], "KT.")
    event = AuditEvent.objects.get(action="signature.applied")
    assert (event.actor, event.on_behalf_of) == (users[1], users[0])


def test_an_expired_certificate_is_refused_at_signing(dev_pki, three):
    identities, users, credentials = three
    document = helpers.create_document(identities, users)
    expired = Credential.objects.get(pk=credentials[0].pk)
    # Registered while valid (as if years ago): force the expired certificate in.
    Credential.objects.filter(pk=expired.pk).update(
        certificate=dev_pki.certificate_for("expired").dump(),
        keystore=seal(dev_pki.pkcs12_for("expired")),
    )
    expired.refresh_from_db()
    request = helpers.sign(document.fields.first(), users[0], expired)
    assert request.status == RequestStatus.FAILED
    assert "hết hạn" in request.reason


def test_b_lta_adds_validation_data_and_a_document_timestamp(three):
    identities, users, credentials = three
    document = helpers.create_document(identities, users, level="B-LTA")
    for field, user, credential in zip(document.fields.all(), users, credentials, strict=True):
        assert helpers.sign(field, user, credential).status == RequestStatus.SIGNED
    assert document.latest_revision().kind == RevisionKind.TIMESTAMP
    content = document.latest_revision().read()
    reader = PdfFileReader(io.BytesIO(content))
    assert "/DSS" in reader.root
    report = validation.validate_pdf(content)
    assert report.ok, report.as_dict()
    assert report.signatures[-1].kind == "timestamp"


def test_revisions_never_change(three):
    identities, users, _credentials = three
    document = helpers.create_document(identities, users)
    revision = document.latest_revision()
    with pytest.raises(RevisionImmutable):
        revision.save()
    with pytest.raises(RevisionImmutable):
        revision.delete()
    assert Revision.objects.filter(pk=revision.pk).exists()
