"""The parameters of the dossier's reception and appraisal (``sla.snv_*``,
``dossier.documents.*``), added to the shipped sets already installed."""

from django.db import migrations

from flows.rules.services.rule_sets import add_new_parameters


def add_values(apps, schema_editor):
    add_new_parameters(apps.get_model("rules", "RuleSet"), apps.get_model("rules", "RuleValue"))


class Migration(migrations.Migration):
    dependencies = [("rules", "0003_criteria_sets")]

    operations = [migrations.RunPython(add_values, migrations.RunPython.noop)]
