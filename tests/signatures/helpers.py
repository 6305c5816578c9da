"""Building signed documents against the development PKI, for the signature tests."""

import asyncio
import datetime
import io
import os
import re
import subprocess
from collections import Counter

from django.contrib.auth import get_user_model
from docx import Document as DocxDocument
from pyhanko.keys import load_private_key_from_pemder
from pyhanko.sign import signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

from signatures import rendering
from signatures.models import FieldKind, Provider, RequestStatus
from signatures.pki import DEMO_PIN
from signatures.services import credentials, documents, external, signing, signing_requests
from workflows.background import run_queued_tasks

TEMPLATE = "signatures/nd30/generic.html"


def official_user(identity):
    *family, given = identity.full_name.split()
    user, _created = get_user_model().objects.get_or_create(
        username=identity.username, defaults={"first_name": " ".join(family), "last_name": given}
    )
    return user


def checked(credential):
    """``credential`` once its check (revocation asked online) has run: the task's body, now."""
    return credentials.finish_credential_check(credential.pk)


def pkcs12_credential(pki, user):
    return dev_pki_credential(pki, user, Provider.PKCS12, keystore=pki.pkcs12_for(user.username))


def external_credential(pki, user):
    """A credential whose key stays with an outside signer (a USB-token tool, SmartCA…)."""
    return dev_pki_credential(pki, user, Provider.EXTERNAL)


def dev_pki_credential(pki, user, provider, **extra):
    """``user``'s dev-PKI certificate registered for ``provider``, its check done."""
    return checked(
        credentials.register_credential(
            user=user,
            provider=provider,
            certificate=pki.certificate_for(user.username).dump(),
            chain=pki.chain_pem(),
            by=None,
            **extra,
        )
    )


def render(identities, *, organisation_field=None, text_fields=("number", "date")):
    blocks = [
        rendering.SignatureBlock(
            name=f"Sig{position:02d}",
            authority="",
            title=identity.title.upper(),
            signer_name=identity.full_name,
            organisation_field=organisation_field if position == 1 else None,
        )
        for position, identity in enumerate(identities, start=1)
    ]
    context = {
        "parent_body": "UBND THÀNH PHỐ HẢI PHÒNG",
        "issuing_body": "KHỐI THI ĐUA KIỂM THỬ",
        "symbol": "GƯ-KTT",
        "place": "Hải Phòng",
        "year": 2026,
        "document_type": "BẢN GIAO ƯỚC THI ĐUA NĂM 2026",
        "summary": "Tài liệu kiểm thử",
        "basis": ["Căn cứ Luật Thi đua, khen thưởng số 06/2022/QH15;"],
        "paragraphs": ["Các đơn vị thành viên thống nhất ký kết giao ước thi đua."],
        "recipients": ["Các đơn vị thành viên", "Lưu: VT"],
    }
    return rendering.render_pdf(TEMPLATE, context, signature_blocks=blocks, text_fields=text_fields)


def create_document(
    identities, users, *, level="B-T", clerk=None, clerk_identity=None, certify=True
):
    rendered = render(identities, organisation_field="Org" if clerk else None)
    declared = [
        documents.Signer(
            field=f"Sig{position:02d}", signer=user, title=identity.title, unit=identity.unit
        )
        for position, (identity, user) in enumerate(zip(identities, users, strict=True), start=1)
    ]
    if clerk:
        declared.append(
            documents.Signer(
                field="Org",
                signer=clerk,
                title="Văn thư",
                unit=clerk_identity.unit,
                kind=FieldKind.ORGANISATION,
            )
        )
    return documents.create_document(
        title="Giao ước thi đua kiểm thử",
        document_type="test",
        rendered=rendered,
        signers=declared,
        by=None,
        level=level,
        certify=certify,
    )


def sign(field, user, credential, *, pin=DEMO_PIN, **options):
    request = signing_requests.request_signature(
        field=field, person=user, credential=credential, secret=pin, **options
    )
    return signing.carry_out(request.pk)


def external_cms(pki, username, digest_hex: str, *, timestamper=None) -> bytes:
    """What an outside signer (a USB-token tool, a remote service) returns: a CMS."""
    signer = signers.SimpleSigner(
        signing_cert=pki.certificate_for(username),
        signing_key=load_private_key_from_pemder(pki.key_path_for(username), passphrase=None),
        cert_registry=SimpleCertificateStore.from_certs([pki.intermediate]),
    )

    async def produce():
        return await signer.async_sign(
            bytes.fromhex(digest_hex), "sha256", use_pades=True, timestamper=timestamper
        )

    return asyncio.run(produce()).dump()


def sign_externally(pki, field, user, credential, **options):
    """The two steps, each task run at once: the digest goes to the official's own tool
    (here his dev-PKI key), and the signature it returns comes back."""
    request = signing_requests.request_signature(
        field=field, person=user, credential=credential, **options
    )
    request = signing.carry_out(request.pk)
    assert request.status == RequestStatus.WAITING_EXTERNAL, request.reason
    cms = external_cms(pki, user.username, request.external["digest"])
    external.complete_external_signature(request=request, cms=cms, by=user)
    return signing.carry_out(request.pk)


def today() -> datetime.date:
    return datetime.date.today()


def run_pending_tasks() -> None:
    """Run the queued background tasks now, as a db_worker would, then return."""
    run_queued_tasks(max_tasks=50)


def words_of_pdf(content: bytes) -> Counter:
    """The words of a PDF's text (poppler's pdftotext), page numbers left out."""
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=content, capture_output=True, check=True
    ).stdout.decode()
    pages = text.split("\f")
    # A narrow table cell breaks a citation inside a word, after a slash or a hyphen
    # ("86/2025/" then "QĐ-UBND", "NĐ-" then "CP"): a line ending so within a word goes on.
    words = Counter(re.sub(r"(?<=\S)([/-])\n\s*", r"\1", text).split())
    # ND 30 numbers every page but the first in its top margin.
    words.subtract(str(number) for number in range(2, len(pages) + 1) if pages[number - 1].strip())
    return +words


def words_of_docx(content: bytes) -> Counter:
    """The words of a DOCX: its paragraphs and its tables' cells."""
    document = DocxDocument(io.BytesIO(content))
    texts = [paragraph.text for paragraph in document.paragraphs]
    texts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return Counter(" ".join(texts).split())


def libreoffice_converts(content: bytes, tmp_path) -> bytes:
    """``content`` (a DOCX) converted to PDF by LibreOffice, as a reader's office would open it."""
    source = tmp_path / "document.docx"
    source.write_bytes(content)
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
        capture_output=True,
        check=True,
        timeout=120,
        env={**os.environ, "HOME": str(tmp_path)},  # its profile, not the user's
    )
    return (tmp_path / "document.pdf").read_bytes()


def same_text(word: Counter, pdf: Counter) -> bool:
    """A Word copy says what its PDF says: the same words, none more often. (A PDF repeats a
    table's header row on every page the table runs to; Word repeats it as it paginates.)"""
    return set(word) == set(pdf) and not word - pdf
