"""The official's page of signing certificates: register a keystore, see it, withdraw it."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from signatures.models import Credential
from signatures.pki import DEMO_PIN
from workflows.models import AuditEvent

pytestmark = pytest.mark.django_db
URL = "thidua:credentials:index"


def keystore(pki, name) -> SimpleUploadedFile:
    return SimpleUploadedFile(f"{name}.p12", pki.pkcs12_for(name), "application/x-pkcs12")


@pytest.fixture
def official(client, make_user, dev_pki):
    user = make_user(username="binh", first_name="Trần Thị", last_name="Bình")
    client.force_login(user)
    return user


def test_an_official_registers_his_keystore_with_its_pin(client, official, dev_pki):
    response = client.post(
        reverse(URL),
        {"keystore": keystore(dev_pki, "binh"), "pin": DEMO_PIN, "label": "Chứng thư 2026"},
    )
    assert response.status_code == 302
    credential = Credential.objects.get(user=official)
    assert credential.label == "Chứng thư 2026"
    assert "Trần Thị Bình" in credential.subject
    page = client.get(reverse(URL)).content.decode()
    assert "Chứng thư 2026" in page and "Đang sử dụng" in page
    assert AuditEvent.objects.filter(action="credential.registered").exists()


def test_a_wrong_pin_is_refused_and_nothing_is_stored(client, official, dev_pki):
    response = client.post(reverse(URL), {"keystore": keystore(dev_pki, "binh"), "pin": "000000"})
    assert response.status_code == 200
    assert "Kho khóa không mở được bằng mã PIN này" in response.content.decode()
    assert not Credential.objects.exists()


def test_an_expired_certificate_is_refused_with_its_reason(client, official, dev_pki):
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
