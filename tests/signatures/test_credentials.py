"""Registering and withdrawing signing credentials against the development PKI."""

import asyncio

import aiohttp
import pkcs11
import pytest
from django.core.exceptions import PermissionDenied
from pkcs11 import Attribute, ObjectClass
from pyhanko.sign.signers.csc_signer import CSCServiceSessionInfo, fetch_certs_in_csc_credential

from signatures import services, trust
from signatures.models import Credential, Provider
from workflows.models import AuditEvent

pytestmark = pytest.mark.django_db


def register(pki, user, name, **overrides):
    arguments = {
        "user": user,
        "provider": Provider.PKCS12,
        "certificate": pki.certificate_for(name).dump(),
        "chain": pki.chain_pem(),
        "keystore": pki.pkcs12_for(name),
        "by": user,
    }
    return services.register_credential(**{**arguments, **overrides})


def test_a_valid_certificate_of_an_official_is_registered_and_audited(dev_pki, make_user):
    an = make_user(username="an", first_name="Nguyễn Văn", last_name="An")

    # Checked online: OCSP and the root's CRL come from the running responders.
    credential = register(dev_pki, an, "an")

    assert credential.user == an and credential.revoked_at is None
    assert "Nguyễn Văn An" in credential.subject
    assert bytes(credential.keystore) != dev_pki.pkcs12_for("an")  # sealed at rest
    event = AuditEvent.objects.get(action="credential.registered")
    assert event.on_behalf_of == an and event.data["fingerprint"] == credential.fingerprint


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("expired", ("hết hạn", "expired")),
        ("not-yet-valid", ("chưa có hiệu lực", "not valid yet")),
        ("revoked", ("thu hồi", "revoked")),
        ("no-signing-usage", ("ký", "signing")),
        ("untrusted", ("tin cậy", "trusted")),
    ],
)
def test_an_unusable_certificate_is_refused_with_its_reason(dev_pki, make_user, name, words):
    official = make_user()
    events = AuditEvent.objects.count()

    with pytest.raises(trust.CertificateRefused) as refused:
        register(dev_pki, official, name)

    assert any(word in str(refused.value) for word in words), str(refused.value)
    assert not Credential.objects.exists()
    assert AuditEvent.objects.count() == events


def test_a_pkcs12_credential_needs_its_keystore(dev_pki, make_user):
    an = make_user(username="an")
    with pytest.raises(trust.CertificateRefused, match="PKCS#12"):
        register(dev_pki, an, "an", keystore=None)
    assert not Credential.objects.exists()


def test_registering_for_someone_else_needs_the_permission(dev_pki, make_user):
    an, intruder = make_user(username="an"), make_user()
    with pytest.raises(PermissionDenied):
        register(dev_pki, an, "an", by=intruder)
    assert not Credential.objects.exists()
    assert not AuditEvent.objects.filter(action="credential.registered").exists()


def test_withdrawing_a_credential_is_recorded_and_audited(dev_pki, make_user):
    binh = make_user(username="binh", first_name="Trần Thị", last_name="Bình")
    credential = register(dev_pki, binh, "binh")

    withdrawn = services.withdraw_credential(credential=credential, by=binh)

    assert withdrawn.revoked_at is not None
    assert Credential.objects.get(pk=credential.pk).revoked_at == withdrawn.revoked_at
    event = AuditEvent.objects.get(action="credential.withdrawn")
    assert event.actor == binh and event.data["fingerprint"] == credential.fingerprint


def test_a_token_credential_names_the_certificate_on_the_token(dev_pki, softhsm_token, make_user):
    lib = pkcs11.lib(softhsm_token.module)
    token = lib.get_token(token_label=softhsm_token.token_label)
    key_id = bytes.fromhex(softhsm_token.key_id)
    with token.open(user_pin=softhsm_token.user_pin) as session:
        [certificate] = session.get_objects(
            {Attribute.CLASS: ObjectClass.CERTIFICATE, Attribute.ID: key_id}
        )
        der = certificate[Attribute.VALUE]
        session.get_key(object_class=ObjectClass.PRIVATE_KEY, id=key_id)  # the key is there too
    official = make_user(username=softhsm_token.username)

    credential = services.register_credential(
        user=official,
        provider=Provider.PKCS11,
        certificate=der,
        chain=dev_pki.chain_pem(),
        config={"token_label": softhsm_token.token_label, "key_id": softhsm_token.key_id},
        by=official,
    )

    assert bytes(credential.certificate) == dev_pki.certificate_for("official05").dump()
    assert credential.keystore is None


def test_a_remote_credential_names_the_certificate_of_the_csc_service(
    dev_pki, csc_service, make_user
):
    credential_id = csc_service.credential_id("official06")

    async def fetch():
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
            info = CSCServiceSessionInfo(csc_service.url, credential_id, oauth_token="dummy")
            return await fetch_certs_in_csc_credential(session, info)

    remote = asyncio.run(fetch())
    official = make_user(username="official06")

    credential = services.register_credential(
        user=official,
        provider=Provider.CSC,
        certificate=remote.signing_cert.dump(),
        chain=dev_pki.chain_pem(),
        config={"service_url": csc_service.url, "credential_id": credential_id},
        by=official,
    )

    assert credential_id == "thidua-dev/official06"
    assert bytes(credential.certificate) == dev_pki.certificate_for("official06").dump()
