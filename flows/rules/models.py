"""Rule sets: the rules of emulation and commendation as dated data (ARCHITECTURE rule 8).

A rule set is an instrument (a decree, a province's regulation, a bloc's own rules) in force for
a period at one level, with the values it sets for the parameters of ``parameters.CATALOGUE``,
each citing its article. A set names only what it changes: the resolver
(``selectors.resolve``) looks for a parameter from the narrowest set to the widest:

    the bloc's set → the province's set → the transitional fallback → the national set

The fallback is NĐ 98/2023, which still applies where a province has not yet issued the rules
NĐ 152/2025 handed to it (NĐ 152 Điều 60 khoản 2). A set that has taken effect is never
rewritten: a change is a new set from a later date (``services.supersede``).
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from flows.blocs.models import Bloc, BlocTerm
from flows.rules.parameters import PARAMETERS, Level
from workflows.models import Organisation, period_label, validate_period


class Scope(models.IntegerChoices):
    """The level of a set; the resolver prefers the highest number (the narrowest set)."""

    NATIONAL = 1, _("national")
    FALLBACK = 2, _("national, transitional (where the province has not legislated)")
    PROVINCE = 3, _("province")
    BLOC = 4, _("bloc")

    @property
    def parameter_level(self) -> int:
        """The widest level of parameter a set of this scope may set (``Parameter.level``)."""
        return {1: Level.NATIONAL, 2: Level.PROVINCE, 3: Level.PROVINCE, 4: Level.BLOC}[self]


class RuleSet(models.Model):
    name = models.CharField(_("name"), max_length=255)
    scope = models.PositiveSmallIntegerField(_("scope"), choices=Scope.choices)
    jurisdiction = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rule_sets",
        limit_choices_to={"kind__is_jurisdiction": True},
        verbose_name=_("province"),
    )
    bloc = models.ForeignKey(
        Bloc,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rule_sets",
        verbose_name=_("bloc"),
    )
    legal_basis = models.CharField(
        _("legal basis"),
        max_length=500,
        help_text=_("The instrument, e.g. “Nghị định 152/2025/NĐ-CP ngày 14/6/2025”."),
    )
    valid_from = models.DateField(_("in force from"))
    valid_to = models.DateField(
        _("in force until"),
        null=True,
        blank=True,
        help_text=_("The last day the set applies; empty: until further notice."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        ordering = ["scope", "jurisdiction__name", "bloc__name", "-valid_from"]
        verbose_name = _("rule set")
        verbose_name_plural = _("rule sets")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="rule_set_period_ordered",
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        scope__in=[Scope.NATIONAL, Scope.FALLBACK],
                        jurisdiction__isnull=True,
                        bloc__isnull=True,
                    )
                    | Q(scope=Scope.PROVINCE, jurisdiction__isnull=False, bloc__isnull=True)
                    | Q(scope=Scope.BLOC, jurisdiction__isnull=True, bloc__isnull=False)
                ),
                name="rule_set_scope_has_its_subject",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({period_label(self.valid_from, self.valid_to)})"

    @property
    def subject(self):
        return self.bloc or self.jurisdiction

    def has_taken_effect(self, today: datetime.date | None = None) -> bool:
        """Whether the set has applied on some day: then its values are history."""
        return self.valid_from <= (today or timezone.localdate())

    def clean(self):
        validate_period(self.valid_from, self.valid_to)
        subject_errors = {
            Scope.PROVINCE: ("jurisdiction", _("A province's set names its province.")),
            Scope.BLOC: ("bloc", _("A bloc's set names its bloc.")),
        }
        if self.scope in subject_errors:
            name, message = subject_errors[self.scope]
            if getattr(self, f"{name}_id") is None:
                raise ValidationError({name: message})
        if self.scope != Scope.PROVINCE:
            self.jurisdiction = None
        if self.scope != Scope.BLOC:
            self.bloc = None
        self._check_overlaps()

    def same_subject(self):
        return RuleSet.objects.filter(
            scope=self.scope, jurisdiction_id=self.jurisdiction_id, bloc_id=self.bloc_id
        ).exclude(pk=self.pk)

    def _check_overlaps(self):
        if not self.valid_from or (self.valid_to and self.valid_to < self.valid_from):
            return
        clashes = self.same_subject().filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=self.valid_from)
        )
        if self.valid_to:
            clashes = clashes.filter(valid_from__lte=self.valid_to)
        clash = clashes.first()
        if clash is not None:
            raise ValidationError(
                {
                    "valid_from": _(
                        "The period overlaps “%(set)s”: one set at a time applies to the same"
                        " level and subject; close it first or start after it."
                    )
                    % {"set": clash}
                }
            )


class RuleValue(models.Model):
    rule_set = models.ForeignKey(
        RuleSet, on_delete=models.CASCADE, related_name="values", verbose_name=_("rule set")
    )
    key = models.CharField(_("parameter"), max_length=80)
    value = models.JSONField(_("value"), null=True)
    citation = models.CharField(
        _("source"),
        max_length=500,
        help_text=_("The article the value comes from, e.g. “NĐ 152/2025/NĐ-CP, Điều 33 khoản 5”."),
    )

    class Meta:
        ordering = ["key"]
        verbose_name = _("rule value")
        verbose_name_plural = _("rule values")
        constraints = [
            models.UniqueConstraint(fields=["rule_set", "key"], name="one_value_per_parameter")
        ]

    def __str__(self):
        return f"{self.key} = {self.display}"

    @property
    def parameter(self):
        return PARAMETERS[self.key]

    @property
    def display(self) -> str:
        return self.parameter.display(self.value)


def validate_values(scope: int, values: dict) -> dict:
    """The values in stored form, or a ``ValidationError`` listing every bad one.

    ``values``: ``{key: (value, citation)}``. A set may name only the parameters its scope may
    set: a province cannot change a national rule, a bloc a provincial one.
    """
    errors, cleaned = [], {}
    widest = Scope(scope).parameter_level
    for key, (value, citation) in values.items():
        parameter = PARAMETERS.get(key)
        if parameter is None:
            errors.append(_("“%(key)s” is not a rule parameter.") % {"key": key})
            continue
        if parameter.level < widest:
            errors.append(
                _("%(parameter)s (%(key)s) is a %(level)s rule: a %(scope)s set cannot change it.")
                % {
                    "parameter": parameter.label,
                    "key": key,
                    "level": Level(parameter.level).label,
                    "scope": Scope(scope).label,
                }
            )
            continue
        if not (citation or "").strip():
            errors.append(
                _("%(parameter)s (%(key)s): say which article the value comes from.")
                % {"parameter": parameter.label, "key": key}
            )
            continue
        try:
            cleaned[key] = (parameter.clean(value), citation.strip())
        except ValidationError as error:
            errors.extend(error.messages)
    if errors:
        raise ValidationError(errors)
    return cleaned


# -- Criteria sets (bộ tiêu chí): the table a bloc scores its units against ------------------------


class CriterionKind(models.TextChoices):
    SCORED = "scored", _("scored criterion")
    BONUS = "bonus", _("bonus points")
    PENALTY = "penalty", _("penalty points")


class CriteriaSet(models.Model):
    """One version of a bloc term's criteria table (DOMAIN.md §7 T3).

    Drafted by the leader unit, adopted with the covenant; an adopted version never changes,
    a correction is a new version. Its major criteria hold components; the bonus and penalty
    groups are majors of their kind, whose maximum is the cap of the whole group.
    """

    term = models.ForeignKey(
        BlocTerm,
        on_delete=models.PROTECT,
        related_name="criteria_sets",
        verbose_name=_("bloc term"),
    )
    version = models.PositiveSmallIntegerField(_("version"))
    name = models.CharField(_("name"), max_length=255)
    adopted_at = models.DateTimeField(_("adopted at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        ordering = ["term", "-version"]
        verbose_name = _("criteria set")
        verbose_name_plural = _("criteria sets")
        constraints = [
            models.UniqueConstraint(fields=["term", "version"], name="criteria_version_once")
        ]

    def __str__(self):
        return _("%(name)s, version %(version)s") % {"name": self.name, "version": self.version}

    @property
    def is_adopted(self) -> bool:
        return self.adopted_at is not None


class Criterion(models.Model):
    criteria_set = models.ForeignKey(
        CriteriaSet,
        on_delete=models.CASCADE,
        related_name="criteria",
        verbose_name=_("criteria set"),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="components",
        verbose_name=_("major criterion"),
    )
    position = models.PositiveSmallIntegerField(_("position"))
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("criterion"), max_length=500)
    kind = models.CharField(_("kind"), max_length=10, choices=CriterionKind.choices)
    max_points = models.DecimalField(_("maximum points"), max_digits=6, decimal_places=2)
    guidance = models.TextField(_("how it is scored"), blank=True)
    evidence_required = models.BooleanField(_("evidence required"), default=False)
    indicator = models.CharField(
        _("indicator"),
        max_length=40,
        blank=True,
        help_text=_(
            "The code of a provincial indicator (e.g. cchc) whose score, out of 100, gives this"
            " component's points in proportion."
        ),
    )
    finding_kind = models.CharField(
        _("violation"),
        max_length=40,
        blank=True,
        help_text=_(
            "For a penalty item: the kind of violation on the province's lists that incurs it."
        ),
    )

    class Meta:
        ordering = ["criteria_set", "position"]
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        constraints = [
            models.UniqueConstraint(fields=["criteria_set", "code"], name="criterion_code_once"),
            models.CheckConstraint(condition=Q(max_points__gt=0), name="criterion_points_positive"),
        ]

    def __str__(self):
        return f"{self.code}. {self.name}"

    @property
    def is_major(self) -> bool:
        return self.parent_id is None
