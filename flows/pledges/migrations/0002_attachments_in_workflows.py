"""The covenant's attachments become the engine's attachments (workflows.Attachment).

Each file is stored again under its SHA-256 (content-addressed, as revisions are) and
attached to its version; the uploaded files stay where they were.
"""

import hashlib

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import migrations


def _store(content: bytes) -> str:
    sha256 = hashlib.sha256(content).hexdigest()
    path = f"attachments/{sha256[:2]}/{sha256}"
    if not default_storage.exists(path):
        default_storage.save(path, ContentFile(content))
    return sha256


def move_attachments(apps, schema_editor):
    Old = apps.get_model("pledges", "Attachment")
    New = apps.get_model("workflows", "Attachment")
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not Old.objects.exists():
        return
    version_type, _created = ContentType.objects.get_or_create(
        app_label="pledges", model="covenantversion"
    )
    for old in Old.objects.order_by("pk"):
        with default_storage.open(old.file.name, "rb") as stored:
            content = stored.read()
        attachment = New.objects.create(
            owner_type=version_type,
            owner_id=old.version_id,
            name=old.name,
            file_name=old.file.name.rsplit("/", 1)[-1],
            sha256=_store(content),
            size=len(content),
            uploaded_by_id=old.uploaded_by_id,
        )
        # Keep the upload time of the original row (auto_now_add set it to now).
        New.objects.filter(pk=attachment.pk).update(uploaded_at=old.uploaded_at)


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("pledges", "0001_initial"),
        ("workflows", "0005_attachments"),
    ]

    operations = [
        migrations.RunPython(move_attachments, migrations.RunPython.noop),
        migrations.DeleteModel(name="Attachment"),
    ]
