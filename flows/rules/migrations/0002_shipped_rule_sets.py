"""The rule sets shipped with the site: NĐ 152/2025 (national) and the NĐ 98/2023 fallback.

Each value goes through its parameter's ``clean``, so a shipped value is as valid as one typed
in the admin. A set already present (by name and scope) is left as it is.
"""

from django.db import migrations

from flows.rules.parameters import PARAMETERS
from flows.rules.services import DATA, SHIPPED_SETS, read_set_file


def add_shipped_sets(apps, schema_editor):
    RuleSet = apps.get_model("rules", "RuleSet")
    RuleValue = apps.get_model("rules", "RuleValue")
    for file_name in SHIPPED_SETS:
        data = read_set_file(DATA / file_name)
        values = data.pop("values")
        rule_set, created = RuleSet.objects.get_or_create(
            name=data["name"], scope=data["scope"], defaults=data
        )
        if created:
            RuleValue.objects.bulk_create(
                RuleValue(
                    rule_set=rule_set,
                    key=key,
                    value=PARAMETERS[key].clean(value),
                    citation=citation,
                )
                for key, (value, citation) in values.items()
            )


class Migration(migrations.Migration):
    dependencies = [("rules", "0001_initial")]

    operations = [migrations.RunPython(add_shipped_sets, migrations.RunPython.noop)]
