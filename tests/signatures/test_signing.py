"""Signing documents through the services, with each official's own certificate."""

import asyncio
import base64
import hashlib
import io
import itertools
from dataclasses import dataclass

import pytest
from asn1crypto import cms as cms_module
from asn1crypto import pem
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import timestamps

from signatures import pades, stamps, validation
from signatures.keystores import seal
from signatures.models import (
    Credential,
    RequestStatus,
    Revision,
    RevisionImmutable,
    RevisionKind,
    SigningLevel,
    SigningRequest,
    revision_path,
)
from signatures.pki import DEMO_PIN
from signatures.services import external, signing, signing_requests
from tests.signatures import helpers, poppler
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
        signing_requests.request_signature(
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
        signing_requests.request_signature(
            field=field, person=users[0], credential=credentials[0], secret=DEMO_PIN
        )
    assert "đã được ký" in refused.value.messages[0]


def test_a_double_click_queues_one_signature(three):
    identities, users, credentials = three
    document = helpers.create_document(identities, users)
    field = document.fields.first()
    signing_requests.request_signature(
        field=field, person=users[0], credential=credentials[0], secret=DEMO_PIN
    )
    with pytest.raises(ValidationError):
        signing_requests.request_signature(
            field=field, person=users[0], credential=credentials[0], secret=DEMO_PIN
        )
    assert SigningRequest.objects.filter(field=field).count() == 1


def test_someone_else_signs_only_with_a_prefix(three):
    identities, users, credentials = three
    document = helpers.create_document(identities, users)
    field = document.fields.get(name="Sig01")
    with pytest.raises(ValidationError):
        signing_requests.request_signature(
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


# -- an outside signer: the task prepares, his tool signs the digest, the task embeds ----------


@dataclass
class Outside:
    """``an`` signs Sig01 with his own tool; ``binh`` signs Sig02 from his keystore."""

    document: object
    an: object
    binh: object
    tool: object  # an's external credential
    keystore: object  # binh's PKCS#12 credential

    @property
    def field(self):
        return self.document.fields.get(name="Sig01")


@pytest.fixture
def outside(dev_pki, dev_officials):
    identities = dev_officials[:2]
    an, binh = (helpers.official_user(identity) for identity in identities)
    tool = helpers.external_credential(dev_pki, an)
    keystore = helpers.pkcs12_credential(dev_pki, binh)
    return Outside(helpers.create_document(identities, [an, binh]), an, binh, tool, keystore)


def prepared(outside) -> SigningRequest:
    request = signing_requests.request_signature(
        field=outside.field, person=outside.an, credential=outside.tool
    )
    return signing.carry_out(request.pk)


def as_pem(der: bytes) -> bytes:
    return pem.armor("PKCS7", der)


def as_base64(der: bytes) -> bytes:
    text = base64.b64encode(der)
    return b"\n".join(text[i : i + 64] for i in range(0, len(text), 64)) + b"\n"


@pytest.mark.parametrize("encode", [bytes, as_pem, as_base64], ids=["der", "pem", "base64"])
def test_an_outside_signer_signs_the_prepared_digest_and_the_task_embeds_it(
    dev_pki, outside, encode
):
    request = signing_requests.request_signature(
        field=outside.field, person=outside.an, credential=outside.tool, secret=DEMO_PIN
    )
    assert (request.status, request.secret, request.external) == (RequestStatus.PENDING, None, {})
    with pytest.raises(ValidationError) as refused:  # too early: nothing to sign yet
        external.complete_external_signature(request=request, cms=b"0", by=outside.an)
    assert_says(refused, "đang được chuẩn bị", "still being prepared")

    request = signing.carry_out(request.pk)  # the task prepares the document

    assert request.status == RequestStatus.WAITING_EXTERNAL
    assert request.get_status_display() == "Đang chờ người ký"
    asked = request.external
    digest = bytes.fromhex(asked["digest"])
    assert base64.b64decode(asked["digest_base64"]) == digest
    # The digest is the SHA-256 of the prepared PDF but for the room left for the signature.
    with default_storage.open(revision_path(asked["prepared_sha256"])) as stored:
        pdf = stored.read()
    assert hashlib.sha256(pdf[: asked["start"]] + pdf[asked["end"] :]).digest() == digest
    assert outside.document.revisions.count() == 2  # nothing signed yet
    assert AuditEvent.objects.filter(action="signature.prepared").count() == 1

    cms = helpers.external_cms(dev_pki, "an", asked["digest"])
    request = external.complete_external_signature(request=request, cms=encode(cms), by=outside.an)
    assert request.status == RequestStatus.PENDING  # the task checks the certificate, embeds
    request = signing.carry_out(request.pk)

    assert request.status == RequestStatus.SIGNED, request.reason
    revision = outside.document.latest_revision()
    assert (revision.kind, request.revision) == (RevisionKind.EXTERNAL_SIGNATURE, revision)
    assert revision.read().startswith(outside.document.revisions.get(number=1).read())
    report = validation.validate_pdf(revision.read())
    assert report.ok, report.as_dict()
    [signature] = report.signatures
    assert (signature.field_name, signature.signer) == ("Sig01", "Nguyễn Văn An")
    assert signature.certification  # the first signature certifies, as from any provider
    # His tool put no timestamp in and the document is B-T: the server's TSA added one, beside
    # what he signed, which is kept byte for byte.
    assert signature.timestamp is not None
    returned, embedded = signer_info(cms), embedded_signer_info(revision.read())
    assert embedded["signed_attrs"].dump() == returned["signed_attrs"].dump()
    assert embedded["signature"].native == returned["signature"].native
    assert [attribute["type"].native for attribute in embedded["unsigned_attrs"]] == [
        "signature_time_stamp_token"
    ]


def test_the_timestamp_of_the_signers_own_tool_is_kept(dev_pki, outside):
    request = prepared(outside)
    tsa = timestamps.HTTPTimeStamper(settings.SIGNING_TSA_URL)
    cms = helpers.external_cms(dev_pki, "an", request.external["digest"], timestamper=tsa)
    external.complete_external_signature(request=request, cms=cms, by=outside.an)

    request = signing.carry_out(request.pk)

    assert request.status == RequestStatus.SIGNED, request.reason
    embedded = embedded_signer_info(request.revision.read())
    assert embedded.dump() == signer_info(cms).dump()  # no second timestamp


def test_a_signature_too_large_once_timestamped_fails_with_why(dev_pki, outside, monkeypatch):
    alone = len(helpers.external_cms(dev_pki, "an", hashlib.sha256(b"any").hexdigest()))
    # Hex digits: room for the signature alone, not for a timestamp token as well.
    monkeypatch.setattr(pades, "EXTERNAL_RESERVATION", 2 * (alone + 64))
    request = prepared(outside)
    cms = helpers.external_cms(dev_pki, "an", request.external["digest"])
    external.complete_external_signature(request=request, cms=cms, by=outside.an)

    request = signing.carry_out(request.pk)

    assert request.status == RequestStatus.FAILED
    assert request.reason.startswith("Kèm dấu thời gian mà mức ký của văn bản đòi hỏi")
    assert outside.document.revisions.count() == 2  # nothing signed


def test_a_b_b_signature_gets_no_timestamp(dev_pki):
    cms = helpers.external_cms(dev_pki, "an", hashlib.sha256(b"document").hexdigest())
    assert asyncio.run(pades.with_signature_timestamp(cms, SigningLevel.B_B)) == cms


def signer_info(cms: bytes):
    return cms_module.ContentInfo.load(cms)["content"]["signer_infos"][0]


def embedded_signer_info(pdf: bytes):
    return PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0].signer_info


def assert_says(refused, vietnamese: str, english: str) -> None:
    """The refusal's message, in Vietnamese once the catalogue has it (English until then)."""
    message = " ".join(refused.value.messages)
    assert vietnamese in message or english in message, message


def another_digest(pki, request):
    return helpers.external_cms(pki, "an", hashlib.sha256(b"another document").hexdigest())


def another_certificate(pki, request):
    return helpers.external_cms(pki, "binh", request.external["digest"])


def damaged_signature_value(pki, request):
    content = cms_module.ContentInfo.load(
        helpers.external_cms(pki, "an", request.external["digest"])
    )
    signer_info = content["content"]["signer_infos"][0]
    value = bytearray(signer_info["signature"].native)
    value[-1] ^= 0x01
    signer_info["signature"] = bytes(value)
    return content.dump(force=True)


def without_certificate(pki, request):
    content = cms_module.ContentInfo.load(
        helpers.external_cms(pki, "an", request.external["digest"])
    )
    content["content"]["certificates"] = None
    return content.dump(force=True)


def too_large(pki, request):
    content = cms_module.ContentInfo.load(
        helpers.external_cms(pki, "an", request.external["digest"])
    )
    # A tool adding every certificate it knows: more than the room reserved in the PDF.
    padding = cms_module.CertificateChoices(name="certificate", value=pki.intermediate)
    content["content"]["certificates"] = [*content["content"]["certificates"], *[padding] * 20]
    return content.dump(force=True)


@pytest.mark.parametrize(
    ("returned", "vietnamese", "english"),
    [
        (another_digest, "không khớp với văn bản đã chuẩn bị", "does not cover the prepared"),
        (another_certificate, "Trần Thị Bình", "Trần Thị Bình"),
        (damaged_signature_value, "Giá trị chữ ký không khớp", "does not verify"),
        (without_certificate, "không kèm chứng thư", "does not include the signer"),
        (too_large, "quá lớn", "too large"),
        (lambda pki, request: b"xin chao", "không phải tệp .p7s", "neither a .p7s"),
        (lambda pki, request: b"%PDF-1.7\n", "không phải tệp .p7s", "neither a .p7s"),
        (lambda pki, request: pki.intermediate.dump(), "không phải là chữ ký CMS", "not a CMS"),
    ],
    ids=[
        "another-digest",
        "another-certificate",
        "damaged",
        "no-certificate",
        "too-large",
        "text",
        "a-pdf",
        "a-certificate",
    ],
)
def test_a_wrong_signature_is_refused_at_once_and_the_request_keeps_waiting(
    dev_pki, outside, returned, vietnamese, english
):
    request = prepared(outside)
    data = returned(dev_pki, request)

    with pytest.raises(ValidationError) as refused:
        external.complete_external_signature(request=request, cms=data, by=outside.an)

    assert_says(refused, vietnamese, english)
    assert_nothing_stored(request, data)


def assert_nothing_stored(request, data: bytes) -> None:
    after = SigningRequest.objects.get(pk=request.pk)
    assert (after.status, after.external) == (RequestStatus.WAITING_EXTERNAL, request.external)
    assert not default_storage.exists(revision_path(hashlib.sha256(data).hexdigest()))
    assert not AuditEvent.objects.filter(action="signature.returned").exists()
    assert after.field.document.revisions.count() == 2


def test_a_signature_returned_twice_is_taken_once(dev_pki, outside):
    request = prepared(outside)
    cms = helpers.external_cms(dev_pki, "an", request.external["digest"])
    external.complete_external_signature(request=request, cms=cms, by=outside.an)

    with pytest.raises(ValidationError) as refused:
        external.complete_external_signature(request=request, cms=cms, by=outside.an)

    assert_says(refused, "đã được nhận", "already received")
    assert AuditEvent.objects.filter(action="signature.returned").count() == 1
    assert signing.carry_out(request.pk).status == RequestStatus.SIGNED
    with pytest.raises(ValidationError) as refused:
        external.complete_external_signature(request=request, cms=cms, by=outside.an)
    assert_says(refused, "đã có trong văn bản", "already in the document")
    assert outside.document.revisions.count() == 3


def test_when_another_signature_lands_first_the_document_is_prepared_again(dev_pki, outside):
    request = prepared(outside)
    first = request.external["digest"]
    early = helpers.external_cms(dev_pki, "an", first)

    helpers.sign(outside.document.fields.get(name="Sig02"), outside.binh, outside.keystore)

    request.refresh_from_db()
    assert (request.status, request.external) == (RequestStatus.PENDING, {"superseded": [first]})
    assert AuditEvent.objects.filter(action="signature.prepared_again").count() == 1
    request = signing.carry_out(request.pk)  # the queued task prepares the new revision
    assert request.status == RequestStatus.WAITING_EXTERNAL
    assert request.external["digest"] != first
    assert request.external["base_revision"] == outside.document.latest_revision().number
    with pytest.raises(ValidationError) as refused:
        external.complete_external_signature(request=request, cms=early, by=outside.an)
    assert_says(refused, "bản chuẩn bị trước đó", "earlier preparation")

    cms = helpers.external_cms(dev_pki, "an", request.external["digest"])
    external.complete_external_signature(request=request, cms=cms, by=outside.an)
    assert signing.carry_out(request.pk).status == RequestStatus.SIGNED
    report = validation.validate_pdf(outside.document.latest_revision().read())
    assert report.ok, report.as_dict()
    # binh's signature came first, so it certifies; an's was prepared again as an approval.
    assert [(s.field_name, s.certification) for s in report.signatures] == [
        ("Sig02", True),
        ("Sig01", False),
    ]


def test_a_returned_signature_not_yet_embedded_is_asked_again_when_the_document_moves_on(
    dev_pki, outside
):
    request = prepared(outside)
    cms = helpers.external_cms(dev_pki, "an", request.external["digest"])
    external.complete_external_signature(request=request, cms=cms, by=outside.an)

    helpers.sign(outside.document.fields.get(name="Sig02"), outside.binh, outside.keystore)

    request.refresh_from_db()  # back to preparation: the returned CMS signs the old revision
    assert external.RETURNED_CMS not in request.external
    request = signing.carry_out(request.pk)  # the task queued for the CMS prepares again
    assert request.status == RequestStatus.WAITING_EXTERNAL
    with pytest.raises(ValidationError) as refused:
        external.complete_external_signature(request=request, cms=cms, by=outside.an)
    assert_says(refused, "bản chuẩn bị trước đó", "earlier preparation")


def test_a_certificate_revoked_meanwhile_fails_in_the_task_with_the_reason(dev_pki, outside):
    request = prepared(outside)
    # Revoked after the document was prepared for it: its status is only known online.
    Credential.objects.filter(pk=outside.tool.pk).update(
        certificate=dev_pki.certificate_for("revoked").dump()
    )
    cms = helpers.external_cms(dev_pki, "revoked", request.external["digest"])
    request = external.complete_external_signature(request=request, cms=cms, by=outside.an)
    assert request.status == RequestStatus.PENDING  # nothing offline is wrong with it

    request = signing.carry_out(request.pk)

    assert request.status == RequestStatus.FAILED
    assert "thu hồi" in request.reason
    assert outside.document.revisions.count() == 2
    assert not outside.field.is_signed


def test_the_signer_cancels_a_waiting_signature(dev_pki, outside):
    request = prepared(outside)
    cms = helpers.external_cms(dev_pki, "an", request.external["digest"])
    with pytest.raises(PermissionDenied):  # only the official who asked answers
        external.cancel_external_signature(request=request, by=outside.binh)
    with pytest.raises(PermissionDenied):
        external.complete_external_signature(request=request, cms=cms, by=outside.binh)

    request = external.cancel_external_signature(request=request, by=outside.an)

    assert request.status == RequestStatus.FAILED
    assert "hủy" in request.reason or "Cancelled" in request.reason
    event = AuditEvent.objects.get(action="signature.cancelled")
    assert (event.actor, event.data["request"]) == (outside.an, request.pk)
    for answer in (
        lambda: external.cancel_external_signature(request=request, by=outside.an),
        lambda: external.complete_external_signature(request=request, cms=cms, by=outside.an),
    ):
        with pytest.raises(ValidationError) as refused:
            answer()
        assert_says(refused, "đã kết thúc", "has ended")
    # The field is free again: he signs anew (with this credential or another).
    assert prepared(outside).status == RequestStatus.WAITING_EXTERNAL


def test_an_empty_pin_is_refused_before_anything_is_queued(three):
    identities, users, credentials = three
    document = helpers.create_document(identities, users)
    with pytest.raises(ValidationError) as refused:
        signing_requests.request_signature(
            field=document.fields.first(), person=users[0], credential=credentials[0], secret=""
        )
    assert refused.value.messages == ["Đồng chí nhập mã PIN của tệp khóa hoặc thiết bị ký số."]
    assert not SigningRequest.objects.exists()


def test_too_many_wrong_pins_lock_the_certificate_for_a_while(three, settings):
    settings.LOCKOUT_ATTEMPTS = 2
    identities, users, credentials = three
    document = helpers.create_document(identities, users)
    field = document.fields.first()
    for _attempt in range(2):
        assert helpers.sign(field, users[0], credentials[0], pin="000000").reason
    event = AuditEvent.objects.get(action="access.locked_out")
    assert (event.actor, event.data["door"]) == (users[0], "pin")
    with pytest.raises(ValidationError) as refused:
        signing_requests.request_signature(
            field=field, person=users[0], credential=credentials[0], secret=DEMO_PIN
        )
    assert "nhập sai quá nhiều lần" in refused.value.messages[0]


@poppler.pdftotext_missing
def test_no_word_of_the_head_stamp_lies_under_the_organisation_seal(dev_pki, dev_officials, three):
    # ND 30 puts the seal over the left third of the head's signature: the head's stamp keeps
    # its text to the right of it, whatever the number of signers.
    identities, users, credentials = three
    clerk = helpers.official_user(dev_officials[3])
    document = helpers.create_document(
        identities, users, clerk=clerk, clerk_identity=dev_officials[3]
    )
    head_field = document.fields.get(name="Sig01")
    seal = document.fields.get(name="Org")
    assert stamps.seal_inset(head_field.box, [seal.box]) > 0  # the layout overlaps them
    helpers.sign(head_field, users[0], credentials[0])

    x1, y1, x2, y2 = seal.box
    content = document.latest_revision().read()
    under_seal = [
        text
        for page, text, (wx1, wy1, wx2, wy2) in poppler.words_by_page(content)
        if page == seal.page and wx1 < x2 and wx2 > x1 and wy1 < y2 and wy2 > y1
    ]
    assert under_seal == []
