"""The rule sets shipped with the site: NĐ 152/2025 (national) and the NĐ 98/2023 fallback.

Each value goes through its parameter's ``clean``, so a shipped value is as valid as one typed
in the admin. A set already present (by name and scope) is left as it is.
"""

from django.db import migrations

from flows.rules.services.rule_sets import install_shipped_sets


def add_shipped_sets(apps, schema_editor):
    install_shipped_sets(apps.get_model("rules", "RuleSet"), apps.get_model("rules", "RuleValue"))


class Migration(migrations.Migration):
    dependencies = [("rules", "0001_initial")]

    operations = [migrations.RunPython(add_shipped_sets, migrations.RunPython.noop)]
