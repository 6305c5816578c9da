"""One document, 20 officials, the four providers; checked by us and by independent tools."""

import io
import shutil
import subprocess

import pytest
from django.db import transaction
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from signatures import validation
from signatures.models import Provider, RequestStatus
from tests.signatures import helpers

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def twenty_signed(
    django_db_setup,
    django_db_blocker,
    dev_pki,
    dev_officials,
    softhsm_token,
    csc_service,
    tmp_path_factory,
):
    # Signed once for the module: only the PDF is kept, the database work is rolled back.
    with django_db_blocker.unblock(), transaction.atomic():
        path = _sign_twenty(
            dev_pki, dev_officials, softhsm_token, csc_service, tmp_path_factory.mktemp("twenty")
        )
        transaction.set_rollback(True)
    return path


def _sign_twenty(dev_pki, dev_officials, softhsm_token, csc_service, directory):
    identities = dev_officials[3:23]  # official01 … official20
    users = [helpers.official_user(identity) for identity in identities]
    document = helpers.create_document(identities, users, level="B-T")
    providers_used = set()
    for field, user, identity in zip(document.fields.all(), users, identities, strict=True):
        name = identity.username
        if name == softhsm_token.username:
            credential = _token_credential(dev_pki, user, softhsm_token)
            request = helpers.sign(field, user, credential, pin=softhsm_token.user_pin)
        elif name == "official06":
            credential = _csc_credential(dev_pki, user, csc_service)
            request = helpers.sign(field, user, credential, pin=None)
        elif name == "official07":
            credential = helpers.external_credential(dev_pki, user)
            request = helpers.sign_externally(dev_pki, field, user, credential)
        else:
            credential = helpers.pkcs12_credential(dev_pki, user)
            request = helpers.sign(field, user, credential)
        assert request.status == RequestStatus.SIGNED, (name, request.reason)
        providers_used.add(credential.provider)
    assert providers_used == {Provider.PKCS12, Provider.PKCS11, Provider.CSC, Provider.EXTERNAL}
    path = directory / "twenty.pdf"
    path.write_bytes(document.latest_revision().read())
    return path


def _token_credential(pki, user, token):
    config = {"token_label": token.token_label, "key_id": token.key_id, "module": token.module}
    return helpers.dev_pki_credential(pki, user, Provider.PKCS11, config=config)


def _csc_credential(pki, user, csc):
    config = {"service_url": csc.url, "credential_id": csc.credential_id(user.username)}
    return helpers.dev_pki_credential(pki, user, Provider.CSC, config=config)


def test_twenty_signatures_over_four_providers_are_all_valid(twenty_signed):
    report = validation.validate_pdf(twenty_signed.read_bytes())
    assert report.ok, [s.problems for s in report.signatures]
    assert len(report.signatures) == 20
    assert report.signatures[0].certification
    assert all(signature.trusted and signature.intact for signature in report.signatures)


@pytest.mark.skipif(shutil.which("qpdf") is None, reason="qpdf is not installed")
def test_qpdf_finds_the_file_sound(twenty_signed):
    result = subprocess.run(
        ["qpdf", "--check", str(twenty_signed)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No syntax or stream encoding errors" in result.stdout


@pytest.mark.skipif(shutil.which("pdfsig") is None, reason="poppler's pdfsig is not installed")
def test_pdfsig_finds_every_byte_range_intact(twenty_signed):
    result = subprocess.run(
        ["pdfsig", "-nocert", str(twenty_signed)], capture_output=True, text=True, timeout=60
    )
    assert result.stdout.count("Signature Validation: Signature is Valid.") == 20, result.stdout


def test_a_changed_byte_is_reported(twenty_signed):
    content = bytearray(twenty_signed.read_bytes())
    position = content.index(b"/Producer")  # in the first revision, covered by every signature
    content[position + 2] ^= 0x01
    report = validation.validate_pdf(bytes(content))
    assert not report.ok
    assert all(not signature.intact for signature in report.signatures)
    assert "Nội dung đã ký bị thay đổi sau khi ký." in report.signatures[0].problems


def test_an_update_painting_over_the_page_is_reported(twenty_signed):
    writer = IncrementalPdfFileWriter(io.BytesIO(twenty_signed.read_bytes()))
    page_ref = writer.find_page_for_modification(0)[0]
    cover = writer.add_object(generic.StreamObject(stream_data=b"q 1 1 1 rg 50 400 500 300 re f Q"))
    page = page_ref.get_object()
    contents = page["/Contents"]
    page[pdf_name("/Contents")] = generic.ArrayObject(
        [
            *(
                contents
                if isinstance(contents, generic.ArrayObject)
                else [page.raw_get("/Contents")]
            ),
            cover,
        ]
    )
    writer.update_container(page)
    output = io.BytesIO()
    writer.write(output)
    report = validation.validate_pdf(output.getvalue())
    assert not report.ok
    assert all(
        not signature.certification_respected or signature.modification == "other"
        for signature in report.signatures
    )
    assert any(
        "vượt quá mức chữ ký cho phép" in problem for problem in report.signatures[0].problems
    )


def test_editing_a_locked_field_is_reported(twenty_signed):
    writer = IncrementalPdfFileWriter(io.BytesIO(twenty_signed.read_bytes()))
    fields = writer.root["/AcroForm"]["/Fields"]
    signed = next(ref for ref in fields if ref.get_object().get("/T") == "Sig01")
    field = signed.get_object()
    field[pdf_name("/TU")] = generic.pdf_string("Đã sửa")  # any change of a locked field
    writer.update_container(field)
    output = io.BytesIO()
    writer.write(output)
    report = validation.validate_pdf(output.getvalue())
    assert not report.ok
    first = report.signatures[0]
    assert first.modification == "other" or not first.certification_respected


def test_each_official_signed_with_his_own_certificate(twenty_signed, dev_officials):
    report = validation.validate_pdf(twenty_signed.read_bytes())
    assert [signature.signer for signature in report.signatures] == [
        identity.full_name for identity in dev_officials[3:23]
    ]
