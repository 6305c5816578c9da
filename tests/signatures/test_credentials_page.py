"""The official's page of signing certificates: register a keystore or the certificate of an
external signer, see each one's state while and after it is checked, withdraw it."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext

from signatures.forms import SignForm
from signatures.models import Credential, CredentialStatus, Provider
from signatures.pki import DEMO_PIN
from signatures.services import credentials, signing_requests
from tests.signatures import helpers
from workflows.models import AuditEvent

pytestmark = pytest.mark.django_db
URL = "thidua:credentials:index"
CERTIFICATE_URL = "thidua:credentials:certificate"


def keystore(pki, name) -> SimpleUploadedFile:
    return SimpleUploadedFile(f"{name}.p12", pki.pkcs12_for(name), "application/x-pkcs12")


def certificate_upload(pki, name, *, chain=True, label="") -> dict:
    data = {
        "external-certificate": SimpleUploadedFile(
            f"{name}.cer", pki.certificate_for(name).dump(), "application/pkix-cert"
        ),
        "external-label": label,
    }
    if chain:
        data["external-chain"] = SimpleUploadedFile(
            "chain.pem", pki.chain_pem(), "application/x-pem-file"
        )
    return data


def status_of(page: str, credential) -> str:
    """The text of the credential's status cell."""
    row = page.split(f'data-testid="credential-{credential.pk}"', 1)[1].split("</tr>", 1)[0]
    return row.split('data-testid="status">', 1)[1].split("</td>", 1)[0]


@pytest.fixture
def official(client, make_user, dev_pki):
    user = make_user(username="binh", first_name="Trần Thị", last_name="Bình")
    client.force_login(user)
    return user


def test_an_official_registers_his_keystore_and_sees_it_checked(client, official, dev_pki):
    response = client.post(
        reverse(URL),
        {"keystore": keystore(dev_pki, "binh"), "pin": DEMO_PIN, "label": "Chứng thư 2026"},
    )
    assert response.status_code == 302
    credential = Credential.objects.get(user=official)
    assert credential.label == "Chứng thư 2026"
    assert "Trần Thị Bình" in credential.subject
    page = client.get(reverse(URL)).content.decode()
    assert "Chứng thư 2026" in page
    assert status_of(page, credential) == escape(gettext("Being checked…"))
    assert 'data-live-region="credentials"' in page  # the page updates when the check ends
    assert AuditEvent.objects.filter(action="credential.registered").exists()

    helpers.checked(credential)

    page = client.get(reverse(URL)).content.decode()
    assert status_of(page, credential) == escape(gettext("Usable"))


def test_a_refused_certificate_shows_why(client, official, dev_pki):
    client.post(reverse(URL), {"keystore": keystore(dev_pki, "revoked"), "pin": DEMO_PIN})
    credential = helpers.checked(Credential.objects.get(user=official))

    page = client.get(reverse(URL)).content.decode()

    refused = gettext("Refused: %(reason)s") % {"reason": "Chứng thư số đã bị thu hồi."}
    assert status_of(page, credential) == escape(refused)


def test_a_check_waiting_for_the_certificate_authority_shows_when_it_asks_again(
    client, official, dev_pki, responder_outage
):
    client.post(reverse(URL), {"keystore": keystore(dev_pki, "binh"), "pin": DEMO_PIN})
    with responder_outage():
        credential = helpers.checked(Credential.objects.get(user=official))

    page = client.get(reverse(URL)).content.decode()

    waiting = f"{gettext('Being checked…')}: {credential.reason}"
    assert status_of(page, credential) == escape(waiting)
    assert "Hệ thống sẽ hỏi lại lúc" in waiting


def test_a_wrong_pin_is_refused_and_nothing_is_stored(client, official, dev_pki):
    response = client.post(reverse(URL), {"keystore": keystore(dev_pki, "binh"), "pin": "000000"})
    assert response.status_code == 200
    assert "Kho khóa không mở được bằng mã PIN này" in response.content.decode()
    assert not Credential.objects.exists()


def test_an_expired_certificate_is_refused_at_once_with_its_reason(client, official, dev_pki):
    response = client.post(
        reverse(URL), {"keystore": keystore(dev_pki, "expired"), "pin": DEMO_PIN}
    )
    assert response.status_code == 200
    assert "Chứng thư số đã hết hạn" in response.content.decode()
    assert not Credential.objects.exists()


def test_registering_twice_is_refused(client, official, dev_pki):
    data = {"pin": DEMO_PIN}
    client.post(reverse(URL), {"keystore": keystore(dev_pki, "binh"), **data})
    response = client.post(reverse(URL), {"keystore": keystore(dev_pki, "binh"), **data})
    assert "đã được đăng ký" in response.content.decode()
    assert Credential.objects.count() == 1


def test_an_official_registers_the_certificate_of_his_external_signer(client, official, dev_pki):
    response = client.post(
        reverse(CERTIFICATE_URL), certificate_upload(dev_pki, "binh", label="USB token")
    )

    assert response.status_code == 302
    credential = Credential.objects.get(user=official)
    assert (credential.provider, credential.label) == (Provider.EXTERNAL, "USB token")
    assert credential.keystore is None and credential.config == {}
    assert helpers.checked(credential).status == CredentialStatus.ACTIVE
    page = client.get(reverse(URL)).content.decode()
    assert status_of(page, credential) == escape(gettext("Usable"))
    event = AuditEvent.objects.get(action="credential.registered")
    assert event.actor == official and event.data["provider"] == Provider.EXTERNAL


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"chain": False}, "tổ chức cấp chứng thư gốc tin cậy"),  # no intermediate certificate
        (
            {"name": "not-a-certificate"},
            "The certificate file cannot be read: it is not a certificate in PEM or DER form.",
        ),
    ],
)
def test_an_unusable_external_certificate_is_refused_at_once(
    client, official, dev_pki, data, words
):
    upload = certificate_upload(dev_pki, "binh", chain=data.get("chain", True))
    if data.get("name"):
        upload["external-certificate"] = SimpleUploadedFile("x.cer", b"not a certificate")

    response = client.post(reverse(CERTIFICATE_URL), upload)

    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="certificate-errors"' in page and escape(gettext(words)) in page
    assert 'data-testid="errors"' not in page  # the keystore form stays clean
    assert not Credential.objects.exists()


def test_a_credential_being_checked_is_neither_offered_nor_accepted_for_signing(
    client, official, dev_pki, dev_officials
):
    client.post(reverse(URL), {"keystore": keystore(dev_pki, "binh"), "pin": DEMO_PIN})
    credential = Credential.objects.get(user=official)
    document = helpers.create_document([dev_officials[1]], [official])

    assert list(SignForm(user=official).fields["credential"].queryset) == []
    with pytest.raises(ValidationError) as refused:
        signing_requests.request_signature(
            field=document.fields.get(), person=official, credential=credential, secret=DEMO_PIN
        )
    assert refused.value.messages == [
        gettext("This certificate is still being checked: it can sign once it is usable.")
    ]

    helpers.checked(credential)
    assert list(SignForm(user=official).fields["credential"].queryset) == [credential]


def test_a_refused_credential_is_not_accepted_for_signing(official, dev_pki, dev_officials):
    credential = helpers.checked(
        credentials.register_credential(
            user=official,
            provider=Provider.EXTERNAL,
            certificate=dev_pki.certificate_for("revoked").dump(),
            chain=dev_pki.chain_pem(),
            by=official,
        )
    )
    document = helpers.create_document([dev_officials[1]], [official])

    with pytest.raises(ValidationError, match="thu hồi"):
        signing_requests.request_signature(
            field=document.fields.get(), person=official, credential=credential
        )


def test_withdrawing_ones_own_certificate(client, official, dev_pki):
    client.post(reverse(URL), {"keystore": keystore(dev_pki, "binh"), "pin": DEMO_PIN})
    credential = Credential.objects.get()
    response = client.post(reverse("thidua:credentials:withdraw", args=[credential.pk]))
    assert response.status_code == 302
    credential.refresh_from_db()
    assert credential.revoked_at is not None
    assert "Đã ngừng sử dụng" in client.get(reverse(URL)).content.decode()


def test_nobody_withdraws_someone_elses_certificate(client, official, dev_pki, make_user):
    client.post(reverse(URL), {"keystore": keystore(dev_pki, "binh"), "pin": DEMO_PIN})
    credential = Credential.objects.get()
    client.force_login(make_user())
    response = client.post(reverse("thidua:credentials:withdraw", args=[credential.pk]))
    assert response.status_code == 404
    credential.refresh_from_db()
    assert credential.revoked_at is None
    assert "Trần Thị Bình" not in client.get(reverse(URL)).content.decode()


def test_the_page_costs_the_same_queries_for_one_certificate_or_four(client, official, dev_pki):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse(URL)).status_code == 200
        return len(captured)

    helpers.dev_pki_credential(dev_pki, official, Provider.EXTERNAL)
    one = queries()
    for number in range(3):  # withdrawn ones stay listed, and the same certificate comes back
        Credential.objects.filter(user=official).update(revoked_at=timezone.now())
        helpers.dev_pki_credential(dev_pki, official, Provider.EXTERNAL, label=f"#{number}")
    assert Credential.objects.filter(user=official).count() == 4
    assert queries() == one
