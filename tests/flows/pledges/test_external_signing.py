"""Signing the covenant with one's own signing tool, through the step pages: the page gives the
digest to sign, takes back the signature the tool returns, answers a wrong one at once, and
lets the signer cancel; the flow moves on once the task has embedded the signature."""

import base64
import hashlib
import re

import pytest
from asn1crypto import pem
from django.core.files.uploadedfile import SimpleUploadedFile

from flows.pledges import services
from flows.pledges.flows import CovenantFlow
from flows.pledges.models import Covenant, CovenantStatus
from notifications.events import live_group
from signatures import validation
from signatures.models import RequestStatus, SigningRequest
from signatures.pki import DEMO_PIN
from tests.fixtures import live
from tests.fixtures.pki import TWENTY_OFFICIALS
from tests.flows.pledges.test_flow import adopt, draft_and_submit, open_tasks, review_all, task_of
from tests.flows.pledges.test_pages import execute_url
from tests.signatures.helpers import (
    external_cms,
    external_credential,
    official_user,
    run_pending_tasks,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def signing_covenant(covenant_bloc, dev_pki):
    """A covenant of two members being signed; the first head and the records clerk hold
    certificates whose keys stay with their own signing tools."""
    for identity in (TWENTY_OFFICIALS[0], TWENTY_OFFICIALS[19]):  # covenant_bloc's head, clerk
        external_credential(dev_pki, official_user(identity))
    bloc = covenant_bloc(2)
    covenant = services.start_covenant(term=bloc.term, by=bloc.officer)
    draft_and_submit(bloc, covenant)
    review_all(bloc, covenant)
    adopt(bloc, covenant)
    return bloc, covenant


def says(page: str, vietnamese: str, english: str) -> bool:
    """Whether the page says it, in Vietnamese once the catalogue has it (English until then)."""
    return vietnamese in page or english in page


def shown(page: str, testid: str) -> str:
    """The text of the element marked ``testid``."""
    element = re.search(rf'<(\w+)[^>]*data-testid="{testid}"[^>]*>(.*?)</\1>', page, re.S)
    return re.sub(r"<[^>]+>", "", element.group(2))


def ask(client, url, credential) -> str:
    """Choose the credential (no PIN: the tool asks for it), let the task prepare the document,
    and return the page that then shows what to sign."""
    response = client.post(url, {"credential": credential.pk, "pin": "", "sign": "1"})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert says(page, "đang được chuẩn bị", "being prepared for your signing tool"), page
    run_pending_tasks()
    return client.get(url).content.decode()


def waiting_request(user) -> SigningRequest:
    return SigningRequest.objects.get(person=user, status=RequestStatus.WAITING_EXTERNAL)


def test_a_head_and_the_clerk_sign_with_their_own_tools(client, signing_covenant, dev_pki):
    bloc, covenant = signing_covenant
    head = bloc.heads[0]
    client.force_login(head)
    url = execute_url(task_of(covenant, CovenantFlow.sign, head))

    page = ask(client, url, bloc.credential(head))

    assert shown(page, "signing-status").startswith("Đang chờ người ký")
    request = waiting_request(head)
    digest = shown(page, "digest-hex")
    assert digest == request.external["digest"]
    assert base64.b64decode(shown(page, "digest-base64")) == bytes.fromhex(digest)
    assert shown(page, "request-reference") == str(request.pk)
    assert bloc.credential(head).fingerprint in page
    assert 'name="decline"' not in page  # his signature is under way
    signature = SimpleUploadedFile("chu-ky.p7s", external_cms(dev_pki, head.username, digest))
    response = client.post(url, {"signature_file": signature, "complete": "1"})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert says(shown(page, "signing-status"), "đã được nhận", "was received")
    run_pending_tasks()
    assert [task.owner for task in open_tasks(covenant, CovenantFlow.sign)] == [bloc.heads[1]]

    other = bloc.heads[1]  # from his keystore, as before
    client.force_login(other)
    response = client.post(
        execute_url(task_of(covenant, CovenantFlow.sign, other)),
        {"credential": bloc.credential(other).pk, "pin": DEMO_PIN, "sign": "1"},
    )
    assert response.status_code == 302
    run_pending_tasks()
    assert Covenant.objects.get(pk=covenant.pk).status == CovenantStatus.SIGNED

    # The clerk's signature carries the number and the date: they are in what his tool signs.
    client.force_login(bloc.clerk)
    url = execute_url(task_of(covenant, CovenantFlow.register, bloc.clerk))
    page = ask(client, url, bloc.credential(bloc.clerk))
    cms = external_cms(dev_pki, bloc.clerk.username, shown(page, "digest-hex"))
    response = client.post(
        url, {"signature_text": pem.armor("PKCS7", cms).decode(), "complete": "1"}
    )
    assert response.status_code == 302
    run_pending_tasks()

    covenant = Covenant.objects.get(pk=covenant.pk)
    assert covenant.status == CovenantStatus.IN_FORCE
    document = covenant.versions.get().document
    report = validation.validate_pdf(document.latest_revision().read())
    assert report.ok, report.as_dict()
    assert [s.signer for s in report.signatures if s.kind != "timestamp"] == [
        head.get_full_name(),
        other.get_full_name(),
        bloc.clerk.get_full_name(),
    ]


def test_a_wrong_signature_is_answered_on_the_page(client, signing_covenant, dev_pki):
    bloc, covenant = signing_covenant
    head = bloc.heads[0]
    client.force_login(head)
    url = execute_url(task_of(covenant, CovenantFlow.sign, head))
    digest = shown(ask(client, url, bloc.credential(head)), "digest-hex")

    other_document = external_cms(
        dev_pki, head.username, hashlib.sha256(b"another document").hexdigest()
    )
    other_key = external_cms(dev_pki, bloc.heads[1].username, digest)
    for returned, vietnamese, english in [
        (other_document, "không khớp với văn bản đã chuẩn bị", "does not cover the prepared"),
        (other_key, bloc.heads[1].get_full_name(), bloc.heads[1].get_full_name()),
        (b"khong phai chu ky", "không phải tệp .p7s", "neither a .p7s"),
    ]:
        text = base64.b64encode(returned).decode() if returned[:1] == b"\x30" else returned.decode()
        response = client.post(url, {"signature_text": text, "complete": "1"})

        assert response.status_code == 200
        page = response.content.decode()
        errors = page.split('class="errorlist', 1)[1].split("</ul>", 1)[0]
        assert says(errors, vietnamese, english), errors
        assert shown(page, "digest-hex") == digest  # still waiting for the right one
    response = client.post(url, {"signature_text": "", "complete": "1"})
    assert says(response.content.decode(), "tệp hoặc dán", "either as a file or as pasted")
    assert waiting_request(head).external["digest"] == digest


def test_the_signer_cancels_and_may_sign_again(client, signing_covenant):
    bloc, covenant = signing_covenant
    head = bloc.heads[0]
    client.force_login(head)
    url = execute_url(task_of(covenant, CovenantFlow.sign, head))
    ask(client, url, bloc.credential(head))
    request = waiting_request(head)

    response = client.post(url, {"cancel": "1"})

    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == RequestStatus.FAILED
    page = client.get(url).content.decode()
    assert says(shown(page, "signing-failed"), "đã hủy", "Cancelled by the signer")
    assert 'name="sign"' in page and 'name="decline"' in page  # he may choose again
    page = ask(client, url, bloc.credential(head))
    assert waiting_request(head).pk != request.pk


def test_the_step_page_is_told_when_the_request_waits_and_when_it_ends(client, signing_covenant):
    bloc, covenant = signing_covenant
    head = bloc.heads[0]
    client.force_login(head)
    url = execute_url(task_of(covenant, CovenantFlow.sign, head))

    prepared = published(covenant, lambda: ask(client, url, bloc.credential(head)))
    cancelled = published(covenant, lambda: client.post(url, {"cancel": "1"}))

    progress = "covenant.signing_progress"
    assert [m["signing"] for m in prepared if m["event"] == progress] == ["waiting_external"]
    assert [m["signing"] for m in cancelled if m["event"] == progress] == ["failed"]


def published(covenant, action) -> list[dict]:
    """The events the covenant's pages receive while ``action`` runs."""
    return live.published(live_group("covenant", covenant.pk), action)


def test_a_declined_round_ends_the_signature_waiting_for_a_signing_tool(client, signing_covenant):
    bloc, covenant = signing_covenant
    head, other = bloc.heads
    client.force_login(head)
    ask(client, execute_url(task_of(covenant, CovenantFlow.sign, head)), bloc.credential(head))
    waiting = waiting_request(head)

    services.decline(task=task_of(covenant, CovenantFlow.sign, other), by=other, reason="Chưa ổn")

    waiting.refresh_from_db()
    assert waiting.status == RequestStatus.FAILED
    assert says(waiting.reason, "Vòng ký đã dừng: Chưa ổn", "signing round was stopped: Chưa ổn")
    assert not SigningRequest.objects.filter(
        field__document=waiting.field.document, status__in=[RequestStatus.WAITING_EXTERNAL]
    ).exists()
