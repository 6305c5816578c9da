"""System checks of the rules: a national rule set covers today, and every parameter has a
value somewhere in it, or in the transitional fallback."""

from django.core.checks import Tags, Warning, register
from django.db import DatabaseError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


# A database check: it runs with ``migrate`` and ``check --database default``, not on every
# command (Django runs no database check by default).
@register("rules", Tags.database)
def check_national_rules(app_configs=None, databases=None, **kwargs):
    # Imported here: the check registry loads before the app registry is ready.
    from flows.rules.selectors import national_set_on, rules_in_force

    if not databases:
        return []
    today = timezone.localdate()
    try:
        national = national_set_on(today)
        unset = [p for p, found in rules_in_force(on=today) if found is None]
    except DatabaseError:
        return []  # not migrated yet: migrate creates the shipped sets
    if national is None:
        return [
            Warning(
                _("No national rule set is in force today (%(today)s).") % {"today": today},
                hint=_(
                    "NĐ 152/2025/NĐ-CP ceased to have effect on 01/03/2027 unless extended;"
                    " add the set of the instrument now in force in the admin (Rule sets),"
                    " from the day after the last one ended."
                ),
                id="rules.W001",
            )
        ]
    if unset:
        return [
            Warning(
                _("No rule set in force today says %(parameters)s.")
                % {"parameters": ", ".join(p.key for p in unset)},
                hint=_("Add the values to the national set's successor in the admin."),
                id="rules.W002",
            )
        ]
    return []
