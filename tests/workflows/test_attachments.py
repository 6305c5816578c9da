"""Attachments on any object: stored once by content, refused when too large, copied by row."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from workflows import services
from workflows.models import Attachment, AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def upload(content=b"%PDF-1.7 rules", name="quy-che.pdf"):
    return SimpleUploadedFile(name, content, "application/pdf")


def test_an_attachment_keeps_its_content_and_names(make_unit, make_user):
    owner, official = make_unit(), make_user()
    attachment = services.attach(owner=owner, name=" Quy chế ", upload=upload(), by=official)
    assert (attachment.owner, attachment.name, attachment.file_name) == (
        owner,
        "Quy chế",
        "quy-che.pdf",
    )
    assert attachment.read() == b"%PDF-1.7 rules" and attachment.size == 14
    entry = AuditEvent.objects.get(action="attachment.added")
    assert entry.actor == official and entry.data["sha256"] == attachment.sha256


def test_an_unnamed_attachment_takes_its_files_name(make_unit):
    attachment = services.attach(owner=make_unit(), name="", upload=upload(), by=None)
    assert attachment.name == "quy-che.pdf"


def test_the_same_content_twice_is_stored_once(make_unit, tmp_path):
    owner = make_unit()
    first = services.attach(owner=owner, name="a", upload=upload(), by=None)
    second = services.attach(owner=owner, name="b", upload=upload(name="khac.pdf"), by=None)
    assert first.sha256 == second.sha256
    assert len(list((tmp_path / "attachments").rglob("*"))) == 2  # one folder, one file


def test_a_file_over_the_limit_is_refused_naming_both_sizes(make_unit, settings):
    settings.ATTACHMENT_MAX_BYTES = 10
    with pytest.raises(ValidationError) as refused:
        services.attach(owner=make_unit(), name="", upload=upload(), by=None)
    assert refused.value.messages == ["Tệp quá lớn: 14\xa0byte, chỉ nhận tệp tối đa 10\xa0byte."]
    assert not Attachment.objects.exists()


def test_copies_share_the_content_under_rows_of_their_own(make_unit):
    source, target = make_unit(), make_unit()
    original = services.attach(owner=source, name="Quy chế", upload=upload(), by=None)
    [copy] = services.copy_attachments(source=source, target=target)
    assert copy.pk != original.pk and copy.owner == target
    assert (copy.name, copy.sha256, copy.read()) == ("Quy chế", original.sha256, b"%PDF-1.7 rules")
