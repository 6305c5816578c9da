"""The covenant's documents join the signatures pipeline.

Each version's document learns what it is the document of (its owner: the version), each
signature field the unit it is signed for, and the number a covenant took from its leader
unit's register moves to the document that was numbered (its latest version's).
"""

import re

from django.db import migrations

UNIT_FIELD = re.compile(r"^unit-(\d+)$")


def documents_join_the_pipeline(apps, schema_editor):
    Covenant = apps.get_model("pledges", "Covenant")
    Version = apps.get_model("pledges", "CovenantVersion")
    Document = apps.get_model("signatures", "Document")
    Field = apps.get_model("signatures", "SignatureField")
    ContentType = apps.get_model("contenttypes", "ContentType")
    versions = Version.objects.filter(document__isnull=False).select_related("covenant__term")
    if not versions.exists():
        return
    version_type, _created = ContentType.objects.get_or_create(
        app_label="pledges", model="covenantversion"
    )
    for version in versions:
        Document.objects.filter(pk=version.document_id).update(
            owner_type=version_type, owner_id=version.pk
        )
        for field in Field.objects.filter(document_id=version.document_id):
            found = UNIT_FIELD.match(field.name)
            field.organisation_id = (
                int(found.group(1)) if found else version.covenant.term.leader_id
            )
            field.save(update_fields=["organisation"])
    for covenant in Covenant.objects.filter(issued_number__isnull=False):
        numbered = (
            Version.objects.filter(covenant=covenant, document__isnull=False)
            .order_by("-number")
            .first()
        )
        Document.objects.filter(pk=numbered.document_id).update(
            issued_number_id=covenant.issued_number_id
        )


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("pledges", "0002_attachments_in_workflows"),
        ("signatures", "0004_document_owner_and_number"),
    ]

    operations = [
        migrations.RunPython(documents_join_the_pipeline, migrations.RunPython.noop),
        migrations.RemoveField(model_name="covenant", name="issued_number"),
    ]
