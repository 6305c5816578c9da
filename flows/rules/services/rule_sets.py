"""Every write of rule sets: permission-checked, validated, audited; history never rewritten.

A set that has taken effect (``RuleSet.has_taken_effect``) keeps its values for good: rulings
were made with them. Only its last day may still be set, not before today. A change of the
rules is a new set from a later day, usually a copy of the old one with the changed values
(``create_rule_set(copy_from=…)``).
"""

import datetime
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from flows.rules.models import RuleSet, RuleValue, Scope, validate_values
from flows.rules.parameters import PARAMETERS
from workflows.services import record_event, require_permission

DATA = Path(__file__).parent.parent / "data"
#: The sets shipped with the site, loaded by migration 0002.
SHIPPED_SETS = ["nd152-2025.yaml", "nd98-2023-fallback.yaml"]


@transaction.atomic
def create_rule_set(
    *,
    name: str,
    scope: int,
    legal_basis: str,
    valid_from: datetime.date,
    values: dict,
    by,
    valid_to: datetime.date | None = None,
    jurisdiction=None,
    bloc=None,
    copy_from: RuleSet | None = None,
) -> RuleSet:
    """``values``: ``{key: (value, citation)}``; with ``copy_from``, they change its values."""
    require_permission(by, "rules.add_ruleset", _("You may not create rule sets."))
    rule_set = RuleSet(
        name=name,
        scope=scope,
        legal_basis=legal_basis,
        valid_from=valid_from,
        valid_to=valid_to,
        jurisdiction=jurisdiction,
        bloc=bloc,
        created_by=by,
    )
    rule_set.full_clean()
    all_values = _copied_values(copy_from) | dict(values)
    cleaned = validate_values(scope, all_values)
    rule_set.save()
    RuleValue.objects.bulk_create(
        RuleValue(rule_set=rule_set, key=key, value=value, citation=citation)
        for key, (value, citation) in cleaned.items()
    )
    record_event(
        "rule_set.created",
        actor=by,
        obj=rule_set,
        data={
            "scope": scope,
            "valid_from": valid_from.isoformat(),
            "valid_to": valid_to.isoformat() if valid_to else None,
            "copied_from": copy_from.pk if copy_from else None,
            "values": {key: value for key, (value, _citation) in cleaned.items()},
        },
    )
    return rule_set


def _copied_values(rule_set: RuleSet | None) -> dict:
    if rule_set is None:
        return {}
    return {row.key: (row.value, row.citation) for row in rule_set.values.all()}


@transaction.atomic
def replace_values(*, rule_set: RuleSet, values: dict, by) -> None:
    """Set the values of a set that has not taken effect yet (the admin's form)."""
    require_permission(by, "rules.change_ruleset", _("You may not change rule sets."))
    rule_set = RuleSet.objects.select_for_update().get(pk=rule_set.pk)
    _refuse_if_in_effect(rule_set)
    cleaned = validate_values(rule_set.scope, values)
    old = {row.key: row.value for row in rule_set.values.all()}
    rule_set.values.all().delete()
    RuleValue.objects.bulk_create(
        RuleValue(rule_set=rule_set, key=key, value=value, citation=citation)
        for key, (value, citation) in cleaned.items()
    )
    new = {key: value for key, (value, _citation) in cleaned.items()}
    record_event(
        "rule_set.values_changed",
        actor=by,
        obj=rule_set,
        data={
            "changed": {
                key: {"old": old.get(key), "new": new.get(key)}
                for key in sorted(old.keys() | new.keys())
                if old.get(key) != new.get(key)
            }
        },
    )


@transaction.atomic
def change_rule_set(*, rule_set: RuleSet, by, **fields) -> None:
    """Change the name, basis or period of a set; of a set in effect, only its last day."""
    require_permission(by, "rules.change_ruleset", _("You may not change rule sets."))
    locked = RuleSet.objects.select_for_update().get(pk=rule_set.pk)
    changed = {name: value for name, value in fields.items() if getattr(locked, name) != value}
    if locked.has_taken_effect() and set(changed) - {"valid_to"}:
        _refuse_if_in_effect(locked)
    if "valid_to" in changed and locked.has_taken_effect():
        _check_closing_day(changed["valid_to"])
    for name, value in changed.items():
        setattr(locked, name, value)
    locked.full_clean()
    locked.save()
    record_event(
        "rule_set.changed",
        actor=by,
        obj=locked,
        data={name: str(value) if value is not None else None for name, value in changed.items()},
    )


def _refuse_if_in_effect(rule_set: RuleSet) -> None:
    if rule_set.has_taken_effect():
        raise ValidationError(
            _(
                "“%(set)s” has been in force since %(date)s: decisions rest on it, so it is"
                " never rewritten. Set its last day and create a new set from the next day."
            )
            % {"set": rule_set.name, "date": date_format(rule_set.valid_from, "SHORT_DATE_FORMAT")}
        )


def _check_closing_day(valid_to: datetime.date | None) -> None:
    today = timezone.localdate()
    if valid_to is not None and valid_to < today:
        raise ValidationError(
            {
                "valid_to": _(
                    "A set in force cannot end before today (%(today)s): it applied on those days."
                )
                % {"today": date_format(today, "SHORT_DATE_FORMAT")}
            }
        )


def install_shipped_sets(rule_set_model=RuleSet, value_model=RuleValue) -> int:
    """Create the shipped sets that are missing (by name and scope); never changes one.

    Migration 0002 calls it with its historical models; databases emptied since (the demo,
    transactional tests) with the app's. Each value goes through its parameter's ``clean``.
    Returns how many sets were created.
    """
    created = 0
    for file_name in SHIPPED_SETS:
        data = read_set_file(DATA / file_name)
        values = data.pop("values")
        rule_set, new = rule_set_model.objects.get_or_create(
            name=data["name"], scope=data["scope"], defaults=data
        )
        if new:
            created += 1
            value_model.objects.bulk_create(
                value_model(
                    rule_set=rule_set, key=key, value=PARAMETERS[key].clean(value), citation=source
                )
                for key, (value, source) in values.items()
            )
    return created


def add_new_parameters(rule_set_model=RuleSet, value_model=RuleValue) -> int:
    """Give the shipped sets already installed the values of parameters added to the catalogue
    since (a migration calls it); a value present is never changed. Returns how many were added.
    """
    added = 0
    for file_name in SHIPPED_SETS:
        data = read_set_file(DATA / file_name)
        rule_set = rule_set_model.objects.filter(name=data["name"], scope=data["scope"]).first()
        if rule_set is None:
            continue
        present = set(value_model.objects.filter(rule_set=rule_set).values_list("key", flat=True))
        new = [
            value_model(
                rule_set=rule_set, key=key, value=PARAMETERS[key].clean(value), citation=source
            )
            for key, (value, source) in data["values"].items()
            if key not in present
        ]
        value_model.objects.bulk_create(new)
        added += len(new)
    return added


def read_set_file(path: Path) -> dict:
    """A shipped set's YAML as the keyword arguments of ``create_rule_set``."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {
        "name": data["name"],
        "scope": Scope[data["scope"].upper()],
        "legal_basis": data["legal_basis"],
        "valid_from": data["valid_from"],
        "valid_to": data["valid_to"],
        "values": {key: (row["value"], row["source"]) for key, row in data["values"].items()},
    }
