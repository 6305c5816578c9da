from pathlib import Path

import yaml
from django.db import migrations

TYPES_FILE = Path(__file__).resolve().parent.parent / "data" / "award_types.yaml"


def add_standard_award_types(apps, schema_editor):
    AwardType = apps.get_model("awards", "AwardType")
    rows = yaml.safe_load(TYPES_FILE.read_text(encoding="utf-8"))
    for position, row in enumerate(rows, start=1):
        AwardType.objects.get_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "level": row["level"],
                "for_collectives": row["collectives"],
                "for_individuals": row["individuals"],
                "is_title": row["is_title"],
                "position": position,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("awards", "0001_initial")]

    operations = [migrations.RunPython(add_standard_award_types, migrations.RunPython.noop)]
