"""The admin adds an official's token, remote signing and external credentials through the
services (checked, audited, then checked online by the task), and signs with them for real."""

import pytest
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.translation import gettext

from signatures.admin import BEING_CHECKED
from signatures.models import Credential, CredentialStatus, Provider, RequestStatus
from tests.fixtures.pki import TWENTY_OFFICIALS
from tests.signatures import helpers
from workflows.models import AuditEvent

pytestmark = pytest.mark.django_db

ADD = "admin:signatures_credential_add"


@pytest.fixture
def administrator(client, make_user, grant, dev_pki):
    """A staff member who may add and see credentials, nothing else."""
    user = grant(
        make_user(is_staff=True, first_name="Quản trị", last_name="Hệ thống"),
        "signatures.add_credential",
        "signatures.view_credential",
    )
    client.force_login(user)
    return user


def official(number: int):
    """The user of ``official<number>`` of the development PKI."""
    return helpers.official_user(TWENTY_OFFICIALS[number - 1])


def upload(content: bytes, name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, "application/octet-stream")


def form(user, provider, **fields) -> dict:
    return {"user": user.pk, "provider": provider, "label": "", **fields}


def certificate_fields(pki, username) -> dict:
    return {
        "certificate": upload(pki.certificate_for(username).dump(), f"{username}.cer"),
        "chain": upload(pki.chain_pem(), "chain.pem"),
    }


def form_errors(response) -> dict:
    assert response.status_code == 200, response.status_code
    return response.context["adminform"].form.errors


def registered(user, by) -> Credential:
    credential = Credential.objects.get(user=user)
    assert credential.status == CredentialStatus.CHECKING
    event = AuditEvent.objects.get(action="credential.registered")
    assert (event.actor, event.on_behalf_of) == (by, user)
    return credential


def signs(pki, user, credential, pin) -> None:
    """``credential`` signs a document for real, once its check has made it usable."""
    credential = helpers.checked(credential)
    assert credential.status == CredentialStatus.ACTIVE, credential.reason
    identity = TWENTY_OFFICIALS[int(user.username.removeprefix("official")) - 1]
    document = helpers.create_document([identity], [user])
    request = helpers.sign(document.fields.get(), user, credential, pin=pin)
    assert request.status == RequestStatus.SIGNED, request.reason


def test_a_token_credential_is_added_for_an_official_and_signs(
    client, administrator, dev_pki, softhsm_token
):
    user = official(5)
    data = form(
        user,
        Provider.PKCS11,
        label="HSM của Sở",
        token_label=softhsm_token.token_label,
        key_id="05",
        module="",
        **certificate_fields(dev_pki, user.username),
    )

    response = client.post(reverse(ADD), data)

    assert response.status_code == 302, form_errors(response)
    credential = registered(user, administrator)
    assert credential.label == "HSM của Sở"
    assert credential.config == {"token_label": softhsm_token.token_label, "key_id": "05"}
    signs(dev_pki, user, credential, softhsm_token.user_pin)


def test_a_remote_credential_takes_its_certificate_from_the_service_and_signs(
    client, administrator, dev_pki, csc_service
):
    user = official(6)
    credential_id = csc_service.credential_id(user.username)
    data = form(
        user,
        Provider.CSC,
        service_url=csc_service.url,
        credential_id=credential_id,
        oauth_token="bí-mật",
    )

    response = client.post(reverse(ADD), data)

    assert response.status_code == 302, form_errors(response)
    credential = registered(user, administrator)
    assert bytes(credential.certificate) == dev_pki.certificate_for(user.username).dump()
    assert credential.config == {
        "service_url": csc_service.url,
        "credential_id": credential_id,
        "oauth_token": "bí-mật",
    }
    page = client.get(reverse("admin:signatures_credential_change", args=[credential.pk]))
    assert credential_id in page.content.decode()
    assert "bí-mật" not in page.content.decode()  # the access token is never shown
    signs(dev_pki, user, credential, None)


def test_an_external_credential_is_added_for_an_official(client, administrator, dev_pki):
    user = official(7)

    response = client.post(
        reverse(ADD),
        form(user, Provider.EXTERNAL, **certificate_fields(dev_pki, user.username)),
        follow=True,
    )

    assert response.redirect_chain[-1][0] == reverse("admin:signatures_credential_changelist")
    assert str(BEING_CHECKED) in [str(message) for message in response.context["messages"]]
    credential = registered(user, administrator)
    assert (credential.provider, credential.config) == (Provider.EXTERNAL, {})
    assert helpers.checked(credential).status == CredentialStatus.ACTIVE


def test_what_each_provider_needs_is_asked_for(client, administrator):
    user = official(5)

    errors = form_errors(client.post(reverse(ADD), form(user, Provider.PKCS11)))
    assert set(errors) == {"token_label", "key_id", "certificate"}
    assert str(Provider.PKCS11.label) in errors["token_label"][0]
    errors = form_errors(client.post(reverse(ADD), form(user, Provider.CSC)))
    assert set(errors) == {"service_url", "credential_id"}
    errors = form_errors(client.post(reverse(ADD), form(user, Provider.EXTERNAL)))
    assert set(errors) == {"certificate"}
    assert not Credential.objects.exists()


def test_a_key_id_is_hexadecimal_and_a_library_one_of_the_configured(
    client, administrator, dev_pki
):
    user = official(5)
    data = form(
        user,
        Provider.PKCS11,
        token_label="thidua-test",
        key_id="xyz",
        module="/tmp/anything.so",  # the worker would load it: only configured ones are offered
        **certificate_fields(dev_pki, user.username),
    )

    errors = form_errors(client.post(reverse(ADD), data))

    assert set(errors) == {"key_id", "module"}
    assert errors["key_id"] == [
        gettext('The key ID is hexadecimal, two digits per byte, for example "05" or "0a1b".')
    ]
    assert not Credential.objects.exists()


def test_a_refused_certificate_shows_its_reason_and_adds_nothing(client, administrator, dev_pki):
    user = official(7)
    data = form(user, Provider.EXTERNAL, **certificate_fields(dev_pki, "expired"))

    response = client.post(reverse(ADD), data)

    [reason] = form_errors(response)[NON_FIELD_ERRORS]
    assert reason.startswith("Chứng thư số đã hết hạn ngày")
    assert reason in response.content.decode()
    assert not Credential.objects.exists()
    assert not AuditEvent.objects.filter(action="credential.registered").exists()


def test_a_remote_service_that_does_not_know_the_credential_is_named(
    client, administrator, csc_service
):
    data = form(
        official(6), Provider.CSC, service_url=csc_service.url, credential_id="thidua-dev/nobody"
    )

    [reason] = form_errors(client.post(reverse(ADD), data))[NON_FIELD_ERRORS]

    assert "404" in reason
    assert not Credential.objects.exists()


def test_the_add_form_renders_for_the_administrator(client, administrator):
    page = client.get(reverse(ADD))
    assert page.status_code == 200
    content = page.content.decode()
    assert 'enctype="multipart/form-data"' in content
    for name in ["user", "provider", "token_label", "key_id", "service_url", "certificate"]:
        assert f'name="{name}"' in content


def test_a_staff_member_without_the_permission_is_refused(client, make_user, grant, dev_pki):
    clerk = grant(make_user(is_staff=True), "signatures.view_credential")
    client.force_login(clerk)
    user = official(7)
    data = form(user, Provider.EXTERNAL, **certificate_fields(dev_pki, user.username))

    assert client.get(reverse(ADD)).status_code == 403
    assert client.post(reverse(ADD), data).status_code == 403
    assert not Credential.objects.exists()


def test_an_official_who_is_not_staff_is_sent_to_the_admin_login(client, dev_pki):
    user = official(7)
    client.force_login(user)

    response = client.post(
        reverse(ADD), form(user, Provider.EXTERNAL, **certificate_fields(dev_pki, user.username))
    )

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert not Credential.objects.exists()


def test_the_change_form_stays_read_only_and_withdrawing_stays(
    client, administrator, grant, dev_pki
):
    user = official(7)
    client.post(
        reverse(ADD), form(user, Provider.EXTERNAL, **certificate_fields(dev_pki, user.username))
    )
    credential = Credential.objects.get()
    administrator = grant(administrator, "signatures.change_credential")
    client.force_login(administrator)

    page = client.get(reverse("admin:signatures_credential_change", args=[credential.pk]))
    assert page.status_code == 200
    assert 'name="label"' not in page.content.decode()
    response = client.post(
        reverse("admin:signatures_credential_changelist"),
        {"action": "withdraw", "_selected_action": [credential.pk]},
    )

    assert response.status_code == 302
    credential.refresh_from_db()
    assert credential.revoked_at is not None
    event = AuditEvent.objects.get(action="credential.withdrawn")
    assert (event.actor, event.on_behalf_of) == (administrator, user)
