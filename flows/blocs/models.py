"""Emulation blocs (khối / cụm thi đua) and their yearly terms.

A term fixes, for one year, the member units, the leader unit (Trưởng khối) and the deputy
(Khối phó). ``validate_term`` holds every rule of a term's composition; the form, the admin and
the services all call it.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from workflows.models import Organisation, period_label, validate_period

MINIMUM_MEMBERS = 2


class BlocKind(models.TextChoices):
    KHOI = "khoi", _("Emulation bloc (khối thi đua)")
    CUM = "cum", _("Emulation cluster (cụm thi đua)")


class SigningOrder(models.TextChoices):
    PARALLEL = "parallel", _("All member heads at once")
    ORDERED = "ordered", _("One after another, in the order of the members")


class Bloc(models.Model):
    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=255)
    kind = models.CharField(_("kind"), max_length=10, choices=BlocKind.choices)
    jurisdiction = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="blocs",
        limit_choices_to={"kind__is_jurisdiction": True},
        verbose_name=_("jurisdiction"),
    )
    supervising_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supervised_blocs",
        verbose_name=_("supervising leader"),
        help_text=_("The provincial vice-chairman in charge of the bloc."),
    )
    historical = models.BooleanField(
        _("historical"),
        default=False,
        help_text=_("Organised before the 2025 reorganisation; kept for past records."),
    )
    description = models.TextField(_("description"), blank=True)
    # The bloc's own rules for its covenant (not regulated nationally, DOMAIN.md §1.3).
    signing_order = models.CharField(
        _("covenant signing order"),
        max_length=10,
        choices=SigningOrder.choices,
        default=SigningOrder.PARALLEL,
    )
    review_days = models.PositiveSmallIntegerField(
        _("days for member review"),
        default=7,
        help_text=_("Each member unit comments on the draft covenant within this many days."),
    )
    signing_days = models.PositiveSmallIntegerField(
        _("days for signing"),
        default=7,
        help_text=_("Each member head signs the adopted covenant within this many days."),
    )
    reminder_days = models.PositiveSmallIntegerField(
        _("reminder, days before the due date"),
        default=2,
        help_text=_(
            "Whoever holds a task of the bloc is reminded this many days before it is due."
        ),
    )
    escalate_overdue = models.BooleanField(
        _("tell the deputy head of overdue tasks"),
        default=False,
        help_text=_("When a head's task is overdue, his unit's deputy head is told as well."),
    )

    class Meta:
        ordering = ["jurisdiction__name", "name"]
        verbose_name = _("emulation bloc")
        verbose_name_plural = _("emulation blocs")

    def __str__(self):
        return self.name


class BlocTerm(models.Model):
    bloc = models.ForeignKey(
        Bloc, on_delete=models.PROTECT, related_name="terms", verbose_name=_("bloc")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"))
    leader = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="led_terms",
        verbose_name=_("leader unit"),
    )
    deputy = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deputy_terms",
        verbose_name=_("deputy unit"),
    )
    members = models.ManyToManyField(
        Organisation,
        through="BlocMembership",
        through_fields=("term", "organisation"),
        related_name="bloc_terms",
        verbose_name=_("member units"),
    )

    class Meta:
        ordering = ["bloc__name", "-year"]
        verbose_name = _("bloc term")
        verbose_name_plural = _("bloc terms")
        # flows.blocs.access: auditors see every bloc's work (covenants, documents, processes).
        permissions = [("view_all_terms", _("Can see the work of every bloc (auditors)"))]
        constraints = [
            models.UniqueConstraint(fields=["bloc", "year"], name="one_term_per_bloc_year"),
            models.CheckConstraint(
                condition=Q(valid_to__gte=F("valid_from")), name="term_period_ordered"
            ),
        ]

    def __str__(self):
        return _("%(bloc)s, %(year)s") % {"bloc": self.bloc, "year": self.year}


class BlocMembership(models.Model):
    term = models.ForeignKey(
        BlocTerm, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("term")
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="bloc_memberships",
        verbose_name=_("member unit"),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    # Copies of the term's jurisdiction and year: they let the database itself refuse a unit
    # in two blocs of one jurisdiction in the same year, even under concurrent writes.
    jurisdiction = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("jurisdiction"),
    )
    year = models.PositiveSmallIntegerField(_("year"), editable=False)

    class Meta:
        ordering = ["position", "organisation__name"]
        verbose_name = _("bloc membership")
        verbose_name_plural = _("bloc memberships")
        constraints = [
            models.UniqueConstraint(fields=["term", "organisation"], name="member_once_per_term"),
            models.UniqueConstraint(
                fields=["organisation", "jurisdiction", "year"],
                name="one_bloc_per_jurisdiction_year",
            ),
        ]

    def __str__(self):
        return str(self.organisation)


def default_period(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


def validate_term(
    *,
    bloc: Bloc,
    year: int,
    valid_from: datetime.date,
    valid_to: datetime.date,
    leader: Organisation,
    deputy: Organisation | None,
    members: list[Organisation],
    term: BlocTerm | None = None,
) -> None:
    """Raise a ``ValidationError`` (by field) for every rule the term would break."""
    errors: dict[str, list] = {}

    def add(field, message):
        errors.setdefault(field, []).append(message)

    try:
        validate_period(valid_from, valid_to)
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            for message in messages:
                add(field, message)
    if valid_from and valid_from.year != year:
        add("valid_from", _("The term of %(year)s must start in %(year)s.") % {"year": year})
    _check_members(members, leader, deputy, add)
    _check_other_blocs(bloc, year, members, term, add)
    _check_overlapping_terms(bloc, year, valid_from, valid_to, term, add)
    if errors:
        raise ValidationError(errors)


def _check_members(members, leader, deputy, add) -> None:
    member_ids = [member.pk for member in members]
    if len(set(member_ids)) != len(member_ids):
        add("members", _("A unit is listed twice among the members."))
    if len(set(member_ids)) < MINIMUM_MEMBERS:
        add(
            "members",
            _("A bloc needs at least %(count)s member units.") % {"count": MINIMUM_MEMBERS},
        )
    if leader and leader.pk not in member_ids:
        add(
            "leader",
            _("The leader unit (%(unit)s) must be a member of the bloc.") % {"unit": leader},
        )
    if deputy and deputy.pk not in member_ids:
        add(
            "deputy",
            _("The deputy unit (%(unit)s) must be a member of the bloc.") % {"unit": deputy},
        )
    if leader and deputy and leader.pk == deputy.pk:
        add("deputy", _("The deputy unit must differ from the leader unit."))


def _check_other_blocs(bloc, year, members, term, add) -> None:
    taken = (
        BlocMembership.objects.filter(
            organisation__in=members, jurisdiction_id=bloc.jurisdiction_id, year=year
        )
        .exclude(term__bloc=bloc)
        .select_related("organisation", "term__bloc")
    )
    if term is not None:
        taken = taken.exclude(term=term)
    for membership in taken:
        add(
            "members",
            _("%(unit)s is already a member of %(bloc)s in %(year)s.")
            % {
                "unit": membership.organisation,
                "bloc": membership.term.bloc,
                "year": year,
            },
        )


def _check_overlapping_terms(bloc, year, valid_from, valid_to, term, add) -> None:
    others = BlocTerm.objects.filter(bloc=bloc)
    if term is not None:
        others = others.exclude(pk=term.pk)
    if others.filter(year=year).exists():
        add("year", _("%(bloc)s already has a term for %(year)s.") % {"bloc": bloc, "year": year})
        return
    if not (valid_from and valid_to) or valid_to < valid_from:
        return
    clash = others.filter(valid_from__lte=valid_to, valid_to__gte=valid_from).first()
    if clash is not None:
        add(
            "valid_from",
            _("The period overlaps the %(year)s term (%(period)s).")
            % {
                "year": clash.year,
                "period": period_label(clash.valid_from, clash.valid_to),
            },
        )
