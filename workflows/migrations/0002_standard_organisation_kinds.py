from pathlib import Path

import yaml
from django.db import migrations

KINDS_FILE = Path(__file__).resolve().parent.parent / "data" / "organisation_kinds.yaml"


def add_standard_kinds(apps, schema_editor):
    OrganisationKind = apps.get_model("workflows", "OrganisationKind")
    for row in yaml.safe_load(KINDS_FILE.read_text(encoding="utf-8")):
        OrganisationKind.objects.get_or_create(
            code=row["code"],
            defaults={"name": row["name"], "is_jurisdiction": row.get("is_jurisdiction", False)},
        )


class Migration(migrations.Migration):
    dependencies = [("workflows", "0001_initial")]

    operations = [migrations.RunPython(add_standard_kinds, migrations.RunPython.noop)]
