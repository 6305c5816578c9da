"""Registering and withdrawing signing credentials against the development PKI.

What needs no network is checked when a credential is registered; its revocation status is
asked by a task (``finish_credential_check`` is the task's body), which makes it active or
refused with the reason.
"""

import asyncio

import aiohttp
import pkcs11
import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext
from django_tasks_db.models import DBTaskResult
from pkcs11 import Attribute, ObjectClass
from pyhanko.sign.signers.csc_signer import CSCServiceSessionInfo, fetch_certs_in_csc_credential

from signatures import trust
from signatures.models import Credential, CredentialStatus, Provider
from signatures.providers import SignerUnavailable
from signatures.services import credentials
from tests.signatures.helpers import checked, run_pending_tasks
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
    return credentials.register_credential(**{**arguments, **overrides})


def actions() -> list[str]:
    return list(AuditEvent.objects.order_by("position").values_list("action", flat=True))


@pytest.mark.django_db(transaction=True)
def test_a_status_that_cannot_be_learnt_is_asked_again_until_it_is(
    dev_pki, make_user, responder_outage, settings
):
    settings.SIGNING_CREDENTIAL_RECHECK_MINUTES = [1, 5]
    official = make_user()
    credential = register(dev_pki, official, "an")

    with responder_outage():
        run_pending_tasks()

    credential.refresh_from_db()
    assert credential.status == CredentialStatus.CHECKING
    assert credential.reason.startswith("Không kiểm tra được tình trạng thu hồi của chứng thư số")
    assert "Hệ thống sẽ hỏi lại lúc" in credential.reason and "(lần 2/3)" in credential.reason
    # pyHanko's English explanation stays in the log; the reason names the issuer instead.
    assert "dịch vụ OCSP và CRL của TEST CA" in credential.reason
    assert "validated" not in credential.reason and "Name:" not in credential.reason
    assert credential.reason in credentials.inactive_reason(credential)
    assert not Credential.objects.usable_for(official).exists()
    recheck = DBTaskResult.objects.get(status="READY")
    assert recheck.args_kwargs["kwargs"] == {"attempt": 2}
    assert 55 <= (recheck.run_after - timezone.now()).total_seconds() <= 60
    run_pending_tasks()  # not due yet
    assert Credential.objects.get(pk=credential.pk).status == CredentialStatus.CHECKING

    DBTaskResult.objects.filter(pk=recheck.pk).update(run_after=timezone.now())  # a minute on
    run_pending_tasks()

    credential.refresh_from_db()
    assert (credential.status, credential.reason) == (CredentialStatus.ACTIVE, "")
    assert actions() == ["credential.registered", "credential.check_deferred", "credential.checked"]
    deferred = AuditEvent.objects.get(action="credential.check_deferred")
    assert deferred.data["attempt"] == 1 and "(lần 2/3)" in deferred.data["reason"]


def test_after_the_last_attempt_an_unknown_status_refuses_with_why(
    dev_pki, make_user, responder_outage, settings
):
    settings.SIGNING_CREDENTIAL_RECHECK_MINUTES = [1]
    credential = register(dev_pki, make_user(), "binh")

    with responder_outage():
        first = checked(credential)
        last = credentials.finish_credential_check(credential.pk, attempt=2)

    assert first.status == CredentialStatus.CHECKING and "(lần 2/2)" in first.reason
    assert last.status == CredentialStatus.REFUSED
    assert last.reason.startswith("Không kiểm tra được tình trạng thu hồi của chứng thư số")
    assert "hỏi lại" not in last.reason


@pytest.mark.django_db(transaction=True)
def test_a_valid_certificate_is_checked_by_a_task_then_usable(dev_pki, make_user):
    an = make_user(username="an", first_name="Nguyễn Văn", last_name="An")

    credential = register(dev_pki, an, "an")

    assert credential.status == CredentialStatus.CHECKING
    assert not Credential.objects.usable_for(an).exists()
    assert DBTaskResult.objects.filter(task_path__endswith="check_credential").count() == 1
    run_pending_tasks()  # the worker asks the running OCSP responder and reads the root's CRL
    credential.refresh_from_db()
    assert (credential.status, credential.reason) == (CredentialStatus.ACTIVE, "")
    assert list(Credential.objects.usable_for(an)) == [credential]
    assert "Nguyễn Văn An" in credential.subject
    assert bytes(credential.keystore) != dev_pki.pkcs12_for("an")  # sealed at rest
    assert actions() == ["credential.registered", "credential.checked"]
    registered, finished = AuditEvent.objects.order_by("position")
    assert registered.actor == an and registered.on_behalf_of == an
    assert registered.data["fingerprint"] == credential.fingerprint
    assert finished.actor is None and finished.on_behalf_of == an
    assert finished.data["status"] == CredentialStatus.ACTIVE


def test_a_revoked_certificate_is_refused_by_the_check_with_its_reason(dev_pki, make_user):
    official = make_user()
    credential = register(dev_pki, official, "revoked")  # nothing offline tells it apart
    assert credential.status == CredentialStatus.CHECKING

    credential = checked(credential)

    assert credential.status == CredentialStatus.REFUSED
    assert credential.reason == "Chứng thư số đã bị thu hồi."
    assert Credential.objects.get(pk=credential.pk).reason == credential.reason
    assert not Credential.objects.usable_for(official).exists()
    event = AuditEvent.objects.get(action="credential.checked")
    assert event.data["status"] == CredentialStatus.REFUSED
    assert event.data["reason"] == credential.reason
    assert credential.reason in credentials.inactive_reason(credential)


def test_the_check_ends_once(dev_pki, make_user):
    credential = checked(register(dev_pki, make_user(), "binh"))
    again = credentials.finish_credential_check(credential.pk)
    assert again.status == CredentialStatus.ACTIVE
    assert AuditEvent.objects.filter(action="credential.checked").count() == 1


def test_a_check_that_cannot_be_completed_refuses_with_why(dev_pki, make_user, settings):
    credential = register(dev_pki, make_user(), "binh")
    # The trusted roots became unreadable (a mistyped setting) between registration and check.
    settings.SIGNING_TRUST_ROOTS = [str(dev_pki.directory / "missing-root.pem")]

    credential = checked(credential)

    assert credential.status == CredentialStatus.REFUSED
    assert "missing-root.pem" in credential.reason


def test_revocation_data_brought_by_the_caller_makes_the_credential_active_at_once(
    dev_pki, make_user, django_capture_on_commit_callbacks
):
    official = make_user()
    context = trust.validation_context(crls=dev_pki.crls(), fetch=False)  # as pki_init does

    with django_capture_on_commit_callbacks(execute=True):
        credential = register(dev_pki, official, "an", context=context)

    assert credential.status == CredentialStatus.ACTIVE
    assert list(Credential.objects.usable_for(official)) == [credential]
    assert not DBTaskResult.objects.exists()  # no check left to do
    with pytest.raises(trust.CertificateRefused, match="thu hồi"):
        register(dev_pki, official, "revoked", context=context)


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("expired", ("hết hạn", "expired")),
        ("not-yet-valid", ("chưa có hiệu lực", "not valid yet")),
        ("no-signing-usage", ("ký", "signing")),
        ("untrusted", ("tin cậy", "trusted")),
    ],
)
def test_what_needs_no_network_is_refused_at_once_with_its_reason(dev_pki, make_user, name, words):
    official = make_user()
    events = AuditEvent.objects.count()

    with pytest.raises(trust.CertificateRefused) as refused:
        register(dev_pki, official, name)

    assert any(word in str(refused.value) for word in words), str(refused.value)
    assert not Credential.objects.exists()
    assert AuditEvent.objects.count() == events


def test_a_certificate_without_its_chain_is_refused_at_once(dev_pki, make_user):
    with pytest.raises(trust.CertificateRefused, match="tin cậy"):
        register(dev_pki, make_user(), "an", chain=b"")
    assert not Credential.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"certificate": b"not a certificate"},
            "The certificate file cannot be read: it is not a certificate in PEM or DER form.",
        ),
        (
            {"chain": b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"},
            "The file of intermediate certificates cannot be read: it holds no certificates in "
            "PEM or DER form.",
        ),
    ],
)
def test_an_unreadable_file_is_refused_by_name(dev_pki, make_user, overrides, message):
    with pytest.raises(trust.CertificateRefused) as refused:
        register(dev_pki, make_user(), "an", **overrides)
    assert str(refused.value) == gettext(message)
    assert not Credential.objects.exists()


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


def test_a_certificate_is_registered_once_until_refused_or_withdrawn(dev_pki, make_user):
    binh, other = make_user(username="binh"), make_user()
    first = register(dev_pki, binh, "binh")
    with pytest.raises(trust.CertificateRefused, match="đã được đăng ký"):
        register(dev_pki, binh, "binh")  # even while the first is being checked

    # Certificates are public: someone registering Bình's does not lock her out, nor she him.
    theirs = register(dev_pki, other, "binh", provider=Provider.EXTERNAL, keystore=None)
    assert theirs.fingerprint == first.fingerprint

    credentials.withdraw_credential(credential=first, by=binh)
    again = register(dev_pki, binh, "binh")
    assert again.pk != first.pk

    external = {"provider": Provider.EXTERNAL, "keystore": None}
    refused = checked(register(dev_pki, other, "revoked", **external))
    assert refused.status == CredentialStatus.REFUSED
    # Once its problem is solved (here: nothing changed, the check refuses it again).
    retried = register(dev_pki, other, "revoked", **external)
    assert retried.status == CredentialStatus.CHECKING


def test_withdrawing_a_credential_is_recorded_and_audited(dev_pki, make_user):
    binh = make_user(username="binh", first_name="Trần Thị", last_name="Bình")
    credential = checked(register(dev_pki, binh, "binh"))

    withdrawn = credentials.withdraw_credential(credential=credential, by=binh)

    assert withdrawn.revoked_at is not None
    assert Credential.objects.get(pk=credential.pk).revoked_at == withdrawn.revoked_at
    assert not Credential.objects.usable_for(binh).exists()
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

    credential = credentials.register_credential(
        user=official,
        provider=Provider.PKCS11,
        certificate=der,
        chain=dev_pki.chain_pem(),
        config={"token_label": softhsm_token.token_label, "key_id": softhsm_token.key_id},
        by=official,
    )

    assert bytes(credential.certificate) == dev_pki.certificate_for("official05").dump()
    assert credential.keystore is None
    assert checked(credential).status == CredentialStatus.ACTIVE


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

    credential = credentials.register_credential(
        user=official,
        provider=Provider.CSC,
        certificate=remote.signing_cert.dump(),
        chain=dev_pki.chain_pem(),
        config={"service_url": csc_service.url, "credential_id": credential_id},
        by=official,
    )

    assert credential_id == "thidua-dev/official06"
    assert bytes(credential.certificate) == dev_pki.certificate_for("official06").dump()


def test_a_remote_credential_takes_its_certificate_and_chain_from_the_service(
    dev_pki, csc_service, make_user
):
    official = make_user(username="official06")
    config = {
        "service_url": csc_service.url,
        "credential_id": csc_service.credential_id("official06"),
    }

    credential = credentials.register_csc_credential(user=official, config=config, by=None)

    assert bytes(credential.certificate) == dev_pki.certificate_for("official06").dump()
    assert dev_pki.intermediate.dump() in [
        c.dump() for c in trust.load_certificates(credential.chain.encode())
    ]
    assert credential.config == config
    assert checked(credential).status == CredentialStatus.ACTIVE


def test_a_remote_service_that_does_not_know_the_credential_says_so(csc_service, make_user):
    config = {"service_url": csc_service.url, "credential_id": "thidua-dev/nobody"}

    with pytest.raises(SignerUnavailable) as refused:
        credentials.register_csc_credential(user=make_user(), config=config, by=None)

    assert str(refused.value) == gettext(
        "The remote signing service refused to describe the credential (HTTP %(status)s): "
        "check the credential ID and the access token."
    ) % {"status": 404}
    assert not Credential.objects.exists()


def test_a_remote_service_that_does_not_answer_is_named(make_user):
    # Nothing listens on the discard port.
    config = {"service_url": "http://127.0.0.1:9", "credential_id": "thidua-dev/official06"}

    with pytest.raises(SignerUnavailable) as refused:
        credentials.register_csc_credential(user=make_user(), config=config, by=None)

    words = gettext("The remote signing service does not answer: %(detail)s")
    assert str(refused.value).startswith(words.split("%(detail)s")[0])
    assert not Credential.objects.exists()
