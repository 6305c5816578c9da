"""Reads of the rules: the value of a parameter for a bloc or a province on a day, and why.

``resolve`` answers "what is P for this bloc on day D", with the set and the article it comes
from; ``resolve_many`` answers for several parameters in one query, which is what pages and
checks that apply many rules use. The order of precedence is in ``models``' docstring.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, Q
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from flows.rules.models import CriteriaSet, Criterion, CriterionKind, RuleSet, RuleValue, Scope
from flows.rules.parameters import CATALOGUE, Parameter, parameter
from workflows.citations import Citation, Ruling


class MissingRule(LookupError):
    """No rule set in force that day names the parameter; the message says which and when."""


@dataclass(frozen=True)
class Resolution:
    parameter: Parameter
    #: The value as Python (``Fraction`` for shares, ``dict`` for dates of the year…).
    value: Any
    stored: Any
    rule_set: RuleSet
    source: str

    @property
    def key(self) -> str:
        return self.parameter.key

    @property
    def display(self) -> str:
        return self.parameter.display(self.stored)

    @property
    def citation(self) -> Citation:
        return Citation(source=self.source, summary=str(self.parameter.label))

    @property
    def ruling(self) -> Ruling:
        return Ruling(value=self.value, citation=self.citation)


def sets_in_force(*, on: datetime.date, bloc=None, jurisdiction=None):
    """The sets that apply on ``on`` to ``bloc`` (and its province) or to ``jurisdiction``."""
    jurisdiction_id = (
        bloc.jurisdiction_id if bloc is not None else getattr(jurisdiction, "pk", None)
    )
    subjects = Q(scope__in=[Scope.NATIONAL, Scope.FALLBACK])
    if jurisdiction_id is not None:
        subjects |= Q(scope=Scope.PROVINCE, jurisdiction_id=jurisdiction_id)
    if bloc is not None:
        subjects |= Q(scope=Scope.BLOC, bloc=bloc)
    return RuleSet.objects.filter(subjects, valid_from__lte=on).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=on)
    )


def resolve_many(
    keys, *, on: datetime.date, bloc=None, jurisdiction=None, strict: bool = True
) -> dict:
    """``{key: Resolution}`` for ``keys`` (one query); ``MissingRule`` if one has no value
    (unless ``strict`` is false: then the keys without a value are left out)."""
    keys = list(keys)
    wanted = {key: parameter(key) for key in keys}
    values = (
        RuleValue.objects.filter(
            key__in=keys,
            rule_set__in=sets_in_force(on=on, bloc=bloc, jurisdiction=jurisdiction),
        )
        .select_related("rule_set")
        .order_by("-rule_set__scope")
    )
    found = {}
    for row in values:
        if row.key not in found:
            found[row.key] = Resolution(
                parameter=wanted[row.key],
                value=wanted[row.key].native(row.value),
                stored=row.value,
                rule_set=row.rule_set,
                source=row.citation,
            )
    missing = [wanted[key] for key in keys if key not in found]
    if missing and strict:
        raise MissingRule(
            _("No rule set in force on %(date)s says %(parameters)s.")
            % {
                "date": date_format(on, "SHORT_DATE_FORMAT"),
                "parameters": "; ".join(f"{p.label} ({p.key})" for p in missing),
            }
        )
    return found


def resolve(key: str, *, on: datetime.date, bloc=None, jurisdiction=None) -> Resolution:
    return resolve_many([key], on=on, bloc=bloc, jurisdiction=jurisdiction)[key]


def rulings(keys, *, on: datetime.date, bloc=None, jurisdiction=None) -> dict:
    """The rules a procedure keeps when it starts, as stored data (one query):
    {key: {"value": stored value, "display": "…", "source": "…", "rule_set": "…"}}."""
    found = resolve_many(keys, on=on, bloc=bloc, jurisdiction=jurisdiction)
    return {
        key: {
            "value": resolution.stored,
            "display": resolution.display,
            "source": resolution.source,
            "rule_set": resolution.rule_set.name,
        }
        for key, resolution in found.items()
    }


def rules_in_force(*, on: datetime.date, bloc=None, jurisdiction=None) -> list:
    """Every parameter of the catalogue with its resolution that day (``None`` where no set
    says it), in the catalogue's order: the page of the rules that apply."""
    keys = [p.key for p in CATALOGUE]
    found = resolve_many(keys, on=on, bloc=bloc, jurisdiction=jurisdiction, strict=False)
    return [(p, found.get(p.key)) for p in CATALOGUE]


def national_set_on(day: datetime.date) -> RuleSet | None:
    return sets_in_force(on=day).filter(scope=Scope.NATIONAL).first()


# -- criteria sets ---------------------------------------------------------------------------------


def criteria_versions(term) -> list[CriteriaSet]:
    """Every version of a term's criteria set, newest first (one query)."""
    return list(CriteriaSet.objects.filter(term=term).order_by("-version"))


def latest_criteria_set(term, *, adopted_only: bool = False) -> CriteriaSet | None:
    versions = CriteriaSet.objects.filter(term=term)
    if adopted_only:
        versions = versions.filter(adopted_at__isnull=False)
    return versions.order_by("-version").first()


def criteria_table(criteria_set: CriteriaSet) -> list[Criterion]:
    """The majors in order, each with ``component_list`` (two queries, whatever the size)."""
    components = Criterion.objects.filter(parent__isnull=False).order_by("position")
    return list(
        criteria_set.criteria.filter(parent__isnull=True)
        .prefetch_related(Prefetch("components", queryset=components, to_attr="component_list"))
        .order_by("position")
    )


def scored_total(table: list[Criterion]):
    """The most points of the scored criteria (bonus and penalty groups aside)."""
    return sum(
        (major.max_points for major in table if major.kind == CriterionKind.SCORED), Decimal(0)
    )
