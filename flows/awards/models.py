"""The award history the year-end flows read, and the province's external inputs per unit.

- ``AwardType``: the catalogue of titles and forms (standard ones from ``data/award_types.yaml``).
- ``AwardRecord``: an award given to a unit or to a person of a unit, with its decision and the
  achievement period it rewards (R-01: one award per achievement; R-08: the next period counts
  from it).
- ``AnnualRating``: the yearly rating of a collective (HTXSNV…), the links of merit chains.
- ``Finding``: a violation or a pending procedure about a unit or a person of it (R-05 blockers,
  scoring penalties).
- ``IndicatorScore``: a provincial indicator of a unit for a year (the CCHC index…).

The rules each record must keep live in the models' ``clean``; the database constraints back
those a concurrent write could break.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from workflows.models import Organisation, period_label, validate_period


class AwardLevel(models.TextChoices):
    STATE = "state", _("State")
    PROVINCE = "province", _("Ministry, branch or province")
    BASE = "base", _("Base")


class AwardKind(models.TextChoices):
    REGULAR = "regular", _("Regular")
    THEMATIC = "thematic", _("Thematic (chuyên đề)")
    EXTRAORDINARY = "extraordinary", _("Extraordinary (đột xuất)")


class Rating(models.TextChoices):
    """The yearly rating of a collective (NĐ 152/2025 Điều 33 khoản 7 counts its years)."""

    HTXSNV = "HTXSNV", _("Duties completed excellently (HTXSNV)")
    HTTNV = "HTTNV", _("Duties completed well (HTTNV)")
    HTNV = "HTNV", _("Duties completed (HTNV)")
    KHTNV = "KHTNV", _("Duties not completed (KHTNV)")


class FindingKind(models.TextChoices):
    """What blocks an award (NĐ 152/2025 Điều 4 khoản 4; Luật BHXH 2024 Điều 40 khoản 3) or
    costs points in scoring."""

    DISCIPLINE = "discipline", _("Disciplinary action or review")
    INVESTIGATION = "investigation", _("Under investigation")
    INSPECTION = "inspection", _("Inspection with signs of violation")
    COMPLAINT = "complaint", _("Complaint or denunciation being handled")
    PRESS_CORRUPTION = "press_corruption", _("Press-reported corruption being verified")
    LATE_SOCIAL_INSURANCE = "late_social_insurance", _("Late compulsory social insurance")
    OTHER = "other", _("Other violation")


class Source(models.TextChoices):
    ENTERED = "entered", _("Entered by hand")
    IMPORTED = "imported", _("Imported from a sheet")
    SITE = "site", _("Decided on this site")


class AwardType(models.Model):
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=255)
    level = models.CharField(_("level"), max_length=10, choices=AwardLevel.choices)
    for_collectives = models.BooleanField(_("for collectives"), default=True)
    for_individuals = models.BooleanField(_("for individuals"), default=False)
    is_title = models.BooleanField(
        _("emulation title"),
        default=False,
        help_text=_("An emulation title (danh hiệu); otherwise a form of commendation."),
    )
    position = models.PositiveSmallIntegerField(_("position in the catalogue"), default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("award type")
        verbose_name_plural = _("award types")

    def __str__(self):
        return self.name


class Recorded(models.Model):
    """Where a row comes from and who put it here."""

    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.ENTERED
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        abstract = True


def _period_in_order(start_field: str, end_field: str, start, end) -> None:
    """``validate_period``'s rule and message, under this model's field names."""
    try:
        validate_period(start, end)
    except ValidationError as error:
        raise ValidationError({end_field: error.message_dict["valid_to"]}) from error


class AwardRecord(Recorded):
    unit = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="awards",
        verbose_name=_("unit awarded"),
        help_text=_("Empty when the award is a person's."),
    )
    person_name = models.CharField(_("person awarded"), max_length=255, blank=True)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="awards",
        verbose_name=_("account of the person"),
    )
    person_unit = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff_awards",
        verbose_name=_("unit of the person"),
    )
    award_type = models.ForeignKey(
        AwardType, on_delete=models.PROTECT, related_name="records", verbose_name=_("award")
    )
    kind = models.CharField(
        _("kind"), max_length=15, choices=AwardKind.choices, default=AwardKind.REGULAR
    )
    year = models.PositiveSmallIntegerField(_("year"))
    decision_number = models.CharField(_("decision number"), max_length=60)
    decision_date = models.DateField(_("decision date"))
    decided_by = models.CharField(_("decided by"), max_length=255, blank=True)
    period_from = models.DateField(_("achievement period from"))
    period_to = models.DateField(_("achievement period to"))
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["-year", "award_type__position", "pk"]
        verbose_name = _("award record")
        verbose_name_plural = _("award records")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(unit__isnull=False, person_name="")
                    & Q(person__isnull=True, person_unit__isnull=True)
                )
                | (Q(unit__isnull=True, person_unit__isnull=False) & ~Q(person_name="")),
                name="award_subject_is_a_unit_or_a_person",
                violation_error_message=_("An award is given either to a unit or to a person."),
            ),
            models.CheckConstraint(
                condition=Q(period_to__gte=F("period_from")), name="award_period_ordered"
            ),
            models.UniqueConstraint(
                fields=["unit", "award_type", "decision_number"],
                condition=Q(unit__isnull=False),
                name="one_award_per_unit_and_decision",
                violation_error_message=_("This unit already has this award by this decision."),
            ),
            models.UniqueConstraint(
                fields=["person_unit", "person_name", "award_type", "decision_number"],
                condition=Q(unit__isnull=True),
                name="one_award_per_person_and_decision",
                violation_error_message=_("This person already has this award by this decision."),
            ),
        ]
        indexes = [models.Index(fields=["unit", "year"]), models.Index(fields=["decision_number"])]

    def __str__(self):
        return _("%(award)s, %(subject)s, %(year)s") % {
            "award": self.award_type,
            "subject": self.subject_name,
            "year": self.year,
        }

    @property
    def subject_name(self) -> str:
        return self.person_name or str(self.unit)

    @property
    def period(self) -> str:
        return period_label(self.period_from, self.period_to)

    @property
    def in_force(self) -> bool:
        """Not undone by an annulment (P14); the record itself is never deleted."""
        annulment = getattr(self, "annulment", None)  # no annulment: AttributeError's kin
        return annulment is None or annulment.status not in ANNULLED_STATUSES

    def clean(self):
        self._check_subject()
        _period_in_order("period_from", "period_to", self.period_from, self.period_to)

    def _check_subject(self) -> None:
        if self.person_name and self.unit_id:
            raise ValidationError(
                {"person_name": _("An award is given either to a unit or to a person.")}
            )
        if self.person_name and not self.person_unit_id:
            raise ValidationError({"person_unit": _("Give the unit of the person awarded.")})
        if not self.person_name and not self.unit_id:
            raise ValidationError({"unit": _("Give the unit awarded, or the person's name.")})
        if not self.person_name and (self.person_id or self.person_unit_id):
            raise ValidationError({"person_name": _("Give the name of the person awarded.")})
        self._check_award_fits_subject()

    def _check_award_fits_subject(self) -> None:
        if not self.award_type_id:
            return
        award = self.award_type
        if self.person_name and not award.for_individuals:
            raise ValidationError(
                {"award_type": _("%(award)s is not given to individuals.") % {"award": award}}
            )
        if not self.person_name and not award.for_collectives:
            raise ValidationError(
                {"award_type": _("%(award)s is not given to collectives.") % {"award": award}}
            )


class AnnualRating(Recorded):
    unit = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="ratings", verbose_name=_("unit")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    rating = models.CharField(_("rating"), max_length=10, choices=Rating.choices)

    class Meta:
        ordering = ["-year", "unit__name"]
        verbose_name = _("annual rating")
        verbose_name_plural = _("annual ratings")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year"],
                name="one_rating_per_unit_and_year",
                violation_error_message=_("This unit already has a rating for this year."),
            )
        ]

    def __str__(self):
        return _("%(unit)s, %(year)s: %(rating)s") % {
            "unit": self.unit,
            "year": self.year,
            "rating": self.rating,
        }


class Finding(Recorded):
    unit = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="findings", verbose_name=_("unit")
    )
    person_name = models.CharField(
        _("person concerned"),
        max_length=255,
        blank=True,
        help_text=_("Empty when the finding is about the unit itself."),
    )
    kind = models.CharField(_("kind"), max_length=25, choices=FindingKind.choices)
    agency = models.CharField(_("reporting agency"), max_length=255)
    year = models.PositiveSmallIntegerField(_("year"))
    period_from = models.DateField(_("from"))
    period_to = models.DateField(
        _("to"), null=True, blank=True, help_text=_("Empty while it is still going on.")
    )
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["-period_from", "pk"]
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        constraints = [
            models.CheckConstraint(
                condition=Q(period_to__isnull=True) | Q(period_to__gte=F("period_from")),
                name="finding_period_ordered",
            ),
            models.UniqueConstraint(
                fields=["unit", "person_name", "kind", "period_from"],
                name="one_finding_per_subject_kind_and_start",
                violation_error_message=_(
                    "This finding is already recorded (same subject, kind and start)."
                ),
            ),
        ]

    def __str__(self):
        return _("%(kind)s: %(subject)s (%(period)s)") % {
            "kind": self.get_kind_display(),
            "subject": self.person_name or self.unit,
            "period": self.period,
        }

    @property
    def period(self) -> str:
        return period_label(self.period_from, self.period_to)

    def clean(self):
        _period_in_order("period_from", "period_to", self.period_from, self.period_to)


class IndicatorScore(Recorded):
    unit = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="indicators", verbose_name=_("unit")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    indicator = models.SlugField(
        _("indicator code"), max_length=40, help_text=_('e.g. "cchc", the CCHC index.')
    )
    indicator_name = models.CharField(_("indicator"), max_length=255)
    score = models.DecimalField(_("score"), max_digits=7, decimal_places=2)
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)

    class Meta:
        ordering = ["-year", "indicator", "unit__name"]
        verbose_name = _("indicator score")
        verbose_name_plural = _("indicator scores")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year", "indicator"],
                name="one_score_per_unit_year_and_indicator",
                violation_error_message=_("This unit already has this indicator for this year."),
            )
        ]

    def __str__(self):
        return _("%(indicator)s, %(unit)s, %(year)s: %(score)s") % {
            "indicator": self.indicator_name,
            "unit": self.unit,
            "year": self.year,
            "score": self.score,
        }


# Annulment (DOMAIN.md §5 P14; Luật Thi đua, khen thưởng 2022, Điều 93; NĐ 152/2025, Điều 58) --


class AnnulmentStatus(models.TextChoices):
    PROPOSED = "proposed", _("Annulment proposed")
    ANNULLED = "annulled", _("Annulled, recovery due")
    RECOVERED = "recovered", _("Annulled, artefacts and money recovered")
    REJECTED = "rejected", _("Annulment rejected")


#: The statuses in which the award no longer counts (R-01, the merit chains).
ANNULLED_STATUSES = [AnnulmentStatus.ANNULLED, AnnulmentStatus.RECOVERED]


class Annulment(ConcurrentTransitionMixin, models.Model):
    """The annulment of an award: proposed with its reason and legal basis, decided by the
    competent authority (recorded with its decision), the artefacts and money recovered within
    the rule's working days. The award record itself is never deleted nor changed."""

    record = models.OneToOneField(
        AwardRecord, on_delete=models.PROTECT, related_name="annulment", verbose_name=_("award")
    )
    status = FSMField(
        _("status"),
        max_length=12,
        choices=AnnulmentStatus.choices,
        default=AnnulmentStatus.PROPOSED,
        protected=True,
    )
    reason = models.TextField(_("reason"))
    legal_basis = models.CharField(_("legal basis"), max_length=500)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("proposed by"),
    )
    proposed_at = models.DateTimeField(_("proposed at"), default=timezone.now)
    decision_number = models.CharField(_("decision number"), max_length=60, blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decided_by = models.CharField(_("decided by"), max_length=255, blank=True)
    rejection_reason = models.TextField(_("why it was rejected"), blank=True)
    recovery_due = models.DateField(_("recovery due"), null=True, blank=True)
    recovered_on = models.DateField(_("recovered on"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        ordering = ["-proposed_at", "-pk"]
        verbose_name = _("annulment")
        verbose_name_plural = _("annulments")

    def __str__(self):
        return _("Annulment of %(record)s") % {"record": self.record}

    @transition(field=status, source=AnnulmentStatus.PROPOSED, target=AnnulmentStatus.ANNULLED)
    def annul(self):
        pass

    @transition(field=status, source=AnnulmentStatus.PROPOSED, target=AnnulmentStatus.REJECTED)
    def reject(self):
        pass

    @transition(field=status, source=AnnulmentStatus.ANNULLED, target=AnnulmentStatus.RECOVERED)
    def recover(self):
        pass
