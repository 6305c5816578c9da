"""The development PKI: building it (twice), its certificates, its responders and pki_init."""

import asyncio
import hashlib
import io
import stat
import urllib.request

import pytest
from asn1crypto import crl as asn1_crl
from asn1crypto import x509
from cryptography.hazmat.primitives.serialization import Encoding, pkcs12
from django.core.management import CommandError, call_command
from django.utils import timezone
from django.utils.translation import gettext
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
from pyhanko.sign.validation.status import TimestampSignatureStatus

from flows.demo.services import load_demo
from signatures import trust
from signatures.devpki import mount_responders, responders_app
from signatures.keystores import open_pkcs12
from signatures.models import Credential, CredentialStatus, Provider
from signatures.pki import (
    DEMO_PIN,
    OfficialIdentity,
    PkiError,
    build_dev_pki,
    official_label,
    open_dev_pki,
)
from workflows.models import Appointment, AuditEvent

AN = OfficialIdentity("an", "Nguyễn Văn An", "Chủ tịch", "UBND huyện Vĩnh Bảo")
BINH = OfficialIdentity("binh", "Trần Thị Bình", "Phó Chủ tịch", "UBND huyện Vĩnh Bảo")
UNREACHABLE = "http://127.0.0.1:9/pki"  # nothing listens: builds that never fetch


def fingerprint(certificate: x509.Certificate) -> str:
    return hashlib.sha256(certificate.dump()).hexdigest()


def snapshot(directory):
    # CRLs are left out: a new one is due at midnight UTC, and is then rightly written.
    files = (path for path in directory.rglob("*") if path.is_file() and path.suffix != ".crl")
    return {path: path.stat().st_mtime_ns for path in files}


def offline_context(pki):
    return trust.validation_context(crls=pki.crls(), fetch=False)


# Building ------------------------------------------------------------------------------------


def test_a_second_build_reuses_everything_and_only_issues_for_newcomers(tmp_path):
    first = build_dev_pki(tmp_path, url_prefix=UNREACHABLE, officials=[AN])
    root_key = (tmp_path / "keys" / "root.key.pem").read_bytes()
    files = snapshot(tmp_path)

    again = build_dev_pki(tmp_path, url_prefix=UNREACHABLE, officials=[AN])
    assert snapshot(tmp_path) == files  # not a single file rewritten
    grown = build_dev_pki(tmp_path, url_prefix=UNREACHABLE, officials=[AN, BINH])

    assert first.issued == ("an",)
    assert again.issued == ()
    assert grown.issued == ("binh",)
    assert fingerprint(grown.root) == fingerprint(again.root) == fingerprint(first.root)
    assert fingerprint(grown.intermediate) == fingerprint(first.intermediate)
    assert (tmp_path / "keys" / "root.key.pem").read_bytes() == root_key
    assert fingerprint(grown.certificate_for("an")) == fingerprint(first.certificate_for("an"))
    assert grown.officials() == ["an", "binh"]
    reopened = open_dev_pki(tmp_path).certificate_for("binh")
    assert fingerprint(reopened) == fingerprint(grown.certificate_for("binh"))


def test_private_keys_and_keystores_are_readable_by_the_owner_only(tmp_path):
    pki = build_dev_pki(tmp_path, url_prefix=UNREACHABLE, officials=[AN])
    private = [*(tmp_path / "keys").iterdir(), tmp_path / "officials" / "an.p12"]
    assert {stat.S_IMODE(path.stat().st_mode) for path in private} == {0o600}
    key, certificate, chain = pkcs12.load_key_and_certificates(
        pki.pkcs12_for("an"), DEMO_PIN.encode()
    )
    assert key.curve.name == "secp256r1"
    assert certificate.public_bytes(Encoding.DER) == pki.certificate_for("an").dump()
    assert [ca.public_bytes(Encoding.DER) for ca in chain] == [
        pki.intermediate.dump(),
        pki.root.dump(),
    ]


def test_another_url_prefix_is_refused_since_the_certificates_point_at_the_first(tmp_path):
    build_dev_pki(tmp_path, url_prefix=UNREACHABLE, officials=[AN])
    with pytest.raises(PkiError, match=r"127\.0\.0\.1:9/pki"):
        build_dev_pki(tmp_path, url_prefix="http://localhost:8000/pki", officials=[AN])


def test_a_missing_key_of_an_issued_certificate_is_refused(tmp_path):
    build_dev_pki(tmp_path, url_prefix=UNREACHABLE, officials=[AN])
    (tmp_path / "keys" / "root.key.pem").unlink()
    with pytest.raises(PkiError, match="root"):
        build_dev_pki(tmp_path, url_prefix=UNREACHABLE, officials=[AN])


def test_usernames_that_name_the_infrastructure_get_a_label_of_their_own(tmp_path):
    root_user = OfficialIdentity("root", "Vương Văn Gốc", "Chuyên viên", "Sở Nội vụ")
    pki = build_dev_pki(tmp_path, url_prefix=UNREACHABLE, officials=[root_user])

    assert official_label("root").startswith("~")
    assert official_label("vinh-bao.head") == "vinh-bao.head"
    assert pki.certificate_for("root").subject.native["common_name"] == "Vương Văn Gốc"
    assert fingerprint(pki.certificate_for("root")) != fingerprint(pki.root)


# Certificates --------------------------------------------------------------------------------


def test_officials_certificates_chain_to_the_root(dev_pki):
    for name in ("an", "binh", "cuong", "official20"):
        trust.check_certificate(
            dev_pki.certificate_for(name), [dev_pki.intermediate], context=offline_context(dev_pki)
        )


def test_subjects_carry_the_vietnamese_names_as_utf8(dev_pki):
    certificate = dev_pki.certificate_for("an")
    assert certificate.subject.native == {
        "country_name": "VN",
        "organization_name": "UBND huyện Vĩnh Bảo",
        "title": "Chủ tịch",
        "common_name": "Nguyễn Văn An",
    }
    for rdn in certificate.subject.chosen:
        for attribute in rdn:
            if attribute["type"].native != "country_name":
                assert attribute["value"].name == "utf8_string"


def test_officials_keys_are_ecdsa_p256_for_signing(dev_pki):
    certificate = dev_pki.certificate_for("official01")
    assert certificate.key_usage_value.native == {"digital_signature", "non_repudiation"}
    assert certificate.public_key.algorithm == "ec"
    assert certificate.public_key.curve == ("named", "secp256r1")
    assert certificate.signature_algo == "ecdsa"


def test_the_root_is_the_trust_anchor_of_the_settings(dev_pki, settings):
    assert [str(dev_pki.root_path)] == settings.SIGNING_TRUST_ROOTS
    assert [fingerprint(root) for root in trust.trust_roots()] == [fingerprint(dev_pki.root)]
    assert dev_pki.tsa_url == settings.SIGNING_TSA_URL
    assert dev_pki.tsa_url == f"{dev_pki.url_prefix}/thidua-dev/tsa/tsa"


def test_the_crl_lists_the_revoked_identity_only(dev_pki):
    root_crl, intermediate_crl = (asn1_crl.CertificateList.load(data) for data in dev_pki.crls())
    revoked = {
        entry["user_certificate"].native
        for entry in intermediate_crl["tbs_cert_list"]["revoked_certificates"]
    }
    assert revoked == {dev_pki.certificate_for("revoked").serial_number}
    assert not root_crl["tbs_cert_list"]["revoked_certificates"]


# Responders ----------------------------------------------------------------------------------


def test_the_responders_serve_crls_and_certificates_over_http(dev_pki):
    base = f"{dev_pki.url_prefix}/thidua-dev"
    with urllib.request.urlopen(f"{base}/certs/intermediate/ca.crt", timeout=5) as response:
        assert response.read() == dev_pki.intermediate.dump()
    with urllib.request.urlopen(f"{base}/crls/intermediate/latest.crl", timeout=5) as response:
        assert asn1_crl.CertificateList.load(response.read()).issuer == dev_pki.intermediate.subject


def test_ocsp_says_good_for_an_official(dev_pki):
    context = trust.validation_context(fetch=True)
    trust.check_certificate(
        dev_pki.certificate_for("binh"), [dev_pki.intermediate], context=context
    )
    assert context.ocsps  # the answer came from the responder, not from a CRL


def test_ocsp_says_revoked_for_the_revoked_identity(dev_pki):
    context = trust.validation_context(fetch=True)
    with pytest.raises(trust.CertificateRefused) as refused:
        trust.check_certificate(
            dev_pki.certificate_for("revoked"), [dev_pki.intermediate], context=context
        )
    assert "thu hồi" in str(refused.value) or "revoked" in str(refused.value)


def test_the_tsa_answers_with_a_valid_timestamp(dev_pki):
    digest = hashlib.sha256("Giao ước thi đua năm 2026".encode()).digest()

    async def stamp_and_validate():
        token = await HTTPTimeStamper(dev_pki.tsa_url).async_timestamp(digest, "sha256")
        context = trust.validation_context(fetch=True)
        try:
            return await validate_tst_signed_data(
                token["content"], context, expected_tst_imprint=lambda _algorithm: digest
            )
        finally:
            await context.aclose()

    status = TimestampSignatureStatus(**asyncio.run(stamp_and_validate()))
    assert status.intact and status.valid and status.trusted
    assert status.signing_cert.subject.native["common_name"] == "TEST Time Stamping Authority"


def asgi_get(app, path: str) -> tuple[int, bytes]:
    messages = []

    async def receive():
        return {"type": "http.request", "body": b""}

    async def send(message):
        messages.append(message)

    scope = {
        "type": "http", "method": "GET", "path": path, "root_path": "", "query_string": b"",
        "headers": [], "http_version": "1.1", "scheme": "http", "server": ("127.0.0.1", 8000),
    }  # fmt: skip
    asyncio.run(app(scope, receive, send))
    body = b"".join(message.get("body", b"") for message in messages[1:])
    return messages[0]["status"], body


def test_the_asgi_mount_serves_the_prefix_and_leaves_the_rest_to_the_site(tmp_path):
    pki = build_dev_pki(tmp_path / "pki", url_prefix="http://127.0.0.1:8000/pki", officials=[AN])

    async def site(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"site"})

    app = mount_responders(site, directory=tmp_path / "pki", url_prefix=pki.url_prefix)
    assert asgi_get(app, "/pki/thidua-dev/certs/root/ca.crt") == (200, pki.root.dump())
    assert asgi_get(app, "/pki/nowhere")[0] == 404
    assert asgi_get(app, "/inbox/") == (200, b"site")


def test_no_responders_before_pki_init(tmp_path):
    assert responders_app(tmp_path, "http://127.0.0.1:8000/pki") is None
    app = mount_responders(None, directory=tmp_path, url_prefix="http://127.0.0.1:8000/pki")
    assert asgi_get(app, "/pki/thidua-dev/crls/root/latest.crl")[0] == 404


# pki_init ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_pki_init_registers_one_credential_per_official_once(tmp_path, settings):
    load_demo()
    directory = tmp_path / "pki"
    settings.SIGNING_TRUST_ROOTS = [str(directory / "root.cert.pem")]
    officials = Appointment.objects.current(timezone.localdate()).values("user").distinct().count()

    first, second = io.StringIO(), io.StringIO()
    call_command("pki_init", directory=directory, url_prefix=UNREACHABLE, stdout=first)
    registered, events = Credential.objects.count(), AuditEvent.objects.count()
    call_command("pki_init", directory=directory, url_prefix=UNREACHABLE, stdout=second)

    assert registered == officials > 70
    pin_line = gettext("PIN of every development keystore: %(pin)s") % {"pin": DEMO_PIN}
    assert pin_line in first.getvalue() and pin_line in second.getvalue()
    assert Credential.objects.count() == registered
    assert AuditEvent.objects.count() == events
    nothing = gettext("The development PKI and the credentials are complete: nothing changed.")
    assert nothing in second.getvalue() and nothing not in first.getvalue()
    credential = Credential.objects.get(user__username="vinh-bao.head")
    assert credential.provider == Provider.PKCS12
    assert credential.status == CredentialStatus.ACTIVE  # checked at once, with its own CRLs
    assert "Tạ Thùy Hạnh" in credential.subject
    _key, certificate, _chain = open_pkcs12(credential.keystore, DEMO_PIN)
    assert certificate.public_bytes(Encoding.DER) == bytes(credential.certificate)


@pytest.mark.django_db
def test_pki_init_refuses_when_the_development_pki_is_off(tmp_path, settings):
    settings.SIGNING_DEV_PKI = False
    with pytest.raises(CommandError):
        call_command("pki_init", directory=tmp_path, url_prefix=UNREACHABLE)
    assert not any(tmp_path.iterdir())
