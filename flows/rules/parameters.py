"""The catalogue of rule parameters: what each one means, its type, its range, who may set it.

The values live in dated rule sets (``models.RuleSet``); this module says only what a value may
be. Every key of DOMAIN.md §6 is here. A parameter's ``level`` is the lowest level that may set
it: a national rule (the Government flag's 80 %) cannot be changed by a province or a bloc; a
provincial one (the council's quorum) by a province, not by a bloc; a bloc's own rules by all.

Values are stored as JSON. Ratios are exact fractions written as text ("4/5", "2/3", "0.8"),
so 2/3 of 15 members is 10, never 9.9999.
"""

import datetime
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _


class Level(models.IntegerChoices):
    """Who may set a parameter, from the widest to the narrowest."""

    NATIONAL = 1, _("national")
    PROVINCE = 2, _("province")
    BLOC = 3, _("bloc")


class Kind(models.TextChoices):
    RATIO = "ratio", _("share (fraction or per cent)")
    INTEGER = "integer", _("whole number")
    BOOLEAN = "boolean", _("yes or no")
    CHOICE = "choice", _("one of a list")
    CHOICES = "choices", _("several of a list, in order")
    ANNUAL_DATE = "annual_date", _("day of the year")
    DATE_RANGE = "annual_range", _("period of the year")
    MONEY = "money", _("amount in đồng")
    TABLE = "table", _("table of coefficients")


@dataclass(frozen=True)
class Parameter:
    key: str
    kind: str
    label: Any
    level: int
    unit: Any = ""
    minimum: Any = None
    maximum: Any = None
    options: dict = field(default_factory=dict)
    nullable: bool = False

    def clean(self, value):
        """The value in its stored form; ``ValidationError`` naming the parameter if invalid."""
        if value is None:
            if self.nullable:
                return None
            raise self._error(_("a value is required"))
        try:
            return CLEANERS[self.kind](self, value)
        except (TypeError, ValueError, ZeroDivisionError, KeyError):
            raise self._error(
                _("“%(value)s” is not a %(kind)s") % {"value": value, "kind": Kind(self.kind).label}
            ) from None

    def native(self, stored):
        """The stored JSON value as Python (``Fraction`` for ratios, ``date`` pieces…)."""
        if stored is None:
            return None
        if self.kind == Kind.RATIO:
            return Fraction(stored)
        if self.kind == Kind.TABLE:
            return {name: Fraction(number) for name, number in stored.items()}
        return stored

    def display(self, stored) -> str:
        return display_value(self, stored)

    def _error(self, message):
        return ValidationError(
            _("%(parameter)s (%(key)s): %(message)s.")
            % {"parameter": self.label, "key": self.key, "message": message},
            code="invalid",
        )

    def check_range(self, number):
        if self.minimum is not None and number < self.minimum:
            raise self._error(
                _("%(value)s is below the least allowed, %(minimum)s")
                % {"value": number, "minimum": self.minimum}
            )
        if self.maximum is not None and number > self.maximum:
            raise self._error(
                _("%(value)s is above the most allowed, %(maximum)s")
                % {"value": number, "maximum": self.maximum}
            )
        return number


def _clean_ratio(parameter, value):
    number = Fraction(str(value).strip().replace(",", "."))
    parameter.check_range(number)
    return str(number) if number.denominator != 1 else str(number.numerator)


def _clean_integer(parameter, value):
    if isinstance(value, bool) or int(value) != Fraction(str(value)):
        raise ValueError(value)
    return parameter.check_range(int(value))


def _clean_boolean(parameter, value):
    if not isinstance(value, bool):
        raise ValueError(value)
    return value


def _clean_choice(parameter, value):
    if value not in parameter.options:
        raise parameter._error(
            _("“%(value)s” is not one of %(options)s")
            % {"value": value, "options": ", ".join(parameter.options)}
        )
    return value


def _clean_choices(parameter, value):
    if isinstance(value, str) or not value:
        raise ValueError(value)
    for item in value:
        _clean_choice(parameter, item)
    if len(set(value)) != len(value):
        raise parameter._error(_("an option is listed twice"))
    return list(value)


def _clean_annual_date(parameter, value):
    day, month, offset = int(value["day"]), int(value["month"]), int(value.get("year_offset", 0))
    datetime.date(2024, month, day)  # a leap year: 29/2 is a day of some years
    if not 0 <= offset <= 2:
        raise ValueError(offset)
    return {"day": day, "month": month, "year_offset": offset}


def _clean_annual_range(parameter, value):
    return {
        "start": _clean_annual_date(parameter, value["start"]),
        "end": _clean_annual_date(parameter, value["end"]),
    }


def _clean_table(parameter, value):
    return {str(name): _clean_ratio(parameter, number) for name, number in dict(value).items()}


CLEANERS = {
    Kind.RATIO: _clean_ratio,
    Kind.INTEGER: _clean_integer,
    Kind.BOOLEAN: _clean_boolean,
    Kind.CHOICE: _clean_choice,
    Kind.CHOICES: _clean_choices,
    Kind.ANNUAL_DATE: _clean_annual_date,
    Kind.DATE_RANGE: _clean_annual_range,
    Kind.MONEY: _clean_integer,
    Kind.TABLE: _clean_table,
}


def annual_date(stored: dict, year: int) -> datetime.date:
    """The day an annual date falls on for the work of ``year`` (its offset applied)."""
    return datetime.date(year + stored.get("year_offset", 0), stored["month"], stored["day"])


def ratio_text(number: Fraction) -> str:
    """A share as an official reads it: "80 %", or "2/3" when no whole per cent says it."""
    percent = number * 100
    if percent.denominator == 1:
        return f"{percent.numerator} %"
    return f"{number.numerator}/{number.denominator}"


def _annual_text(stored) -> str:
    text = f"{stored['day']:02d}/{stored['month']:02d}"
    offset = stored.get("year_offset", 0)
    if offset:
        return str(_("%(date)s of year N+%(offset)s") % {"date": text, "offset": offset})
    return text


def display_value(parameter: Parameter, stored) -> str:
    """The value as an official reads it: "80 %", "2/3", "10/12", "2 340 000 đ"."""
    if stored is None:
        return str(_("none"))
    native = parameter.native(stored)
    match parameter.kind:
        case Kind.RATIO:
            text = ratio_text(native)
        case Kind.BOOLEAN:
            text = str(_("yes") if native else _("no"))
        case Kind.CHOICE:
            text = str(parameter.options[native])
        case Kind.CHOICES:
            text = "; ".join(str(parameter.options[item]) for item in native)
        case Kind.ANNUAL_DATE:
            text = _annual_text(native)
        case Kind.DATE_RANGE:
            text = f"{_annual_text(native['start'])} – {_annual_text(native['end'])}"
        case Kind.MONEY:
            # Vietnamese groups thousands with dots: 2.340.000 đ.
            text = f"{native:,} đ".replace(",", ".")
        case Kind.TABLE:
            text = "; ".join(f"{name}: {number_format(float(n))}" for name, n in native.items())
        case _:
            text = str(native)
    return f"{text} {parameter.unit}".strip() if parameter.unit else text


VOTE_BASES = {
    "total_members": _("of the total membership"),
    "present": _("of the members present"),
}
TIE_RULES = {
    "prefer_female": _("prefer the woman, or the collective with at least 70 % women"),
    "leader_deputy_decide": _("the bloc leader and deputy decide"),
    "revote": _("vote again among the tied"),
}
RANKING_TIE_RULES = {
    "fewer_penalties": _("fewer penalty points ranks higher"),
    "major_scores": _("higher points in the major criteria, in their order, rank higher"),
    "shared": _("equal totals share the rank"),
}
VOTERS = {
    "member_heads": _("one vote per member unit, cast by its head"),
    "member_heads_and_leader": _("the member heads and the supervising leader"),
}
ROTATION_POLICIES = {
    "manual": _("named by the bloc each year"),
    "roster": _("by a roster"),
    "deputy_succeeds": _("the deputy becomes leader"),
    "vote": _("elected by the members"),
}
COVENANT_SIGNERS = {
    "member_heads": _("all member heads"),
    "member_heads_and_presiding": _("all member heads and the presiding leader"),
}
CRITERIA_TEMPLATES = {"3x15": _("3 major criteria with 15 components")}
BLOCKERS = {
    "discipline": _("under disciplinary review or discipline"),
    "investigation": _("under investigation"),
    "inspection": _("inspection with signs of violation"),
    "complaint": _("complaints or denunciations being handled"),
    "press_corruption": _("press-reported corruption being verified"),
    "late_social_insurance": _("late compulsory social insurance"),
}

#: What a nomination dossier holds (DOMAIN.md §3 "Dossier"; NĐ 152/2025 Điều 37 khoản 2).
DOSSIER_DOCUMENTS = {
    "proposal": _("the proposal with its list (tờ trình, danh sách)"),
    "minutes": _("the minutes of the bloc's vote with its count (biên bản bình xét)"),
    "reports": _("each nominee's achievement report, signed by its head"),
}

WD = _("working days")
DAYS = _("days")

CATALOGUE: list[Parameter] = [
    # Votes (DOMAIN.md §1.2 R-11…R-14)
    Parameter(
        "vote.co_cp.threshold",
        Kind.RATIO,
        _("Government emulation flag: votes needed"),
        Level.NATIONAL,
        minimum=Fraction(1, 2),
        maximum=1,
    ),
    Parameter(
        "vote.cstd_toan_quoc.threshold",
        Kind.RATIO,
        _("National emulation fighter: votes needed"),
        Level.NATIONAL,
        minimum=Fraction(1, 2),
        maximum=1,
    ),
    Parameter(
        "vote.anh_hung.threshold",
        Kind.RATIO,
        _("Hero title: votes needed"),
        Level.NATIONAL,
        minimum=Fraction(1, 2),
        maximum=1,
    ),
    Parameter(
        "vote.co_tinh.threshold",
        Kind.RATIO,
        _("Provincial emulation flag: votes needed"),
        Level.PROVINCE,
        minimum=Fraction(1, 2),
        maximum=1,
    ),
    Parameter(
        "vote.cstd_tinh.threshold",
        Kind.RATIO,
        _("Provincial emulation fighter: votes needed"),
        Level.PROVINCE,
        minimum=Fraction(1, 2),
        maximum=1,
    ),
    Parameter(
        "vote.cstd_co_so.threshold",
        Kind.RATIO,
        _("Grassroots emulation fighter: votes needed"),
        Level.PROVINCE,
        minimum=Fraction(1, 2),
        maximum=1,
    ),
    Parameter(
        "vote.base",
        Kind.CHOICE,
        _("Vote thresholds are counted over"),
        Level.NATIONAL,
        options=VOTE_BASES,
    ),
    Parameter(
        "vote.absentee_written_opinion",
        Kind.BOOLEAN,
        _("Absent members vote in writing"),
        Level.PROVINCE,
    ),
    Parameter("vote.ballot_secret", Kind.BOOLEAN, _("Secret ballot"), Level.BLOC),
    # The council
    Parameter(
        "council.quorum",
        Kind.RATIO,
        _("Council quorum"),
        Level.PROVINCE,
        minimum=Fraction(1, 2),
        maximum=1,
    ),
    Parameter(
        "council.award_session_min_presence",
        Kind.RATIO,
        _("Members present for a session on awards"),
        Level.PROVINCE,
        minimum=Fraction(1, 2),
        maximum=1,
    ),
    Parameter(
        "council.meeting_period_months",
        Kind.INTEGER,
        _("The council meets every"),
        Level.PROVINCE,
        unit=_("months"),
        minimum=1,
        maximum=12,
    ),
    # The bloc's own vote (K-06, R-07)
    Parameter(
        "bloc.vote.max_rounds",
        Kind.INTEGER,
        _("Bloc vote: most rounds"),
        Level.BLOC,
        minimum=1,
        maximum=5,
    ),
    Parameter(
        "bloc.vote.tie_rule",
        Kind.CHOICES,
        _("Bloc vote: when candidates tie"),
        Level.BLOC,
        options=TIE_RULES,
    ),
    Parameter(
        "bloc.vote.threshold",
        Kind.RATIO,
        _("Bloc vote: votes needed"),
        Level.BLOC,
        minimum=Fraction(1, 2),
        maximum=1,
    ),
    Parameter(
        "bloc.vote.voters", Kind.CHOICE, _("Bloc vote: who votes"), Level.BLOC, options=VOTERS
    ),
    # Quotas (K-02, K-03)
    Parameter(
        "quota.co_cp.max_share_of_bloc_leaders",
        Kind.RATIO,
        _("Government flag: most nominees, as a share of the bloc leaders"),
        Level.PROVINCE,
        minimum=0,
        maximum=1,
    ),
    Parameter(
        "quota.co_tinh.per_bloc",
        Kind.INTEGER,
        _("Provincial flags per bloc"),
        Level.PROVINCE,
        minimum=1,
        maximum=5,
    ),
    Parameter(
        "quota.cstd_co_so.max_share",
        Kind.RATIO,
        _("Grassroots emulation fighters: most, as a share of the staff"),
        Level.NATIONAL,
        minimum=0,
        maximum=1,
        nullable=True,
    ),
    Parameter(
        "priority.female_collective_ratio",
        Kind.RATIO,
        _("A collective counts as female from this share of women"),
        Level.NATIONAL,
        minimum=0,
        maximum=1,
    ),
    # Standards of the provincial titles
    Parameter(
        "ttldxs.min_ldtt_ratio",
        Kind.RATIO,
        _("Excellent labour collective: least share of advanced workers"),
        Level.PROVINCE,
        minimum=0,
        maximum=1,
    ),
    Parameter(
        "ttldtt.min_ldtt_ratio",
        Kind.RATIO,
        _("Advanced labour collective: least share of advanced workers"),
        Level.PROVINCE,
        minimum=0,
        maximum=1,
    ),
    Parameter(
        "bk_tinh.collective.consecutive_htxs_years",
        Kind.INTEGER,
        _("Provincial certificate of merit: consecutive years of excellent completion"),
        Level.PROVINCE,
        unit=_("years"),
        minimum=1,
        maximum=10,
    ),
    # Deadlines (K-04; NĐ 152 Đ35)
    Parameter(
        "deadline.bloc_dossier_to_snv",
        Kind.ANNUAL_DATE,
        _("Blocs send their dossiers to the home-affairs department by"),
        Level.PROVINCE,
    ),
    Parameter(
        "deadline.thematic_dossier_lead_days",
        Kind.INTEGER,
        _("Thematic dossiers, days before the conference"),
        Level.PROVINCE,
        unit=DAYS,
        minimum=0,
        maximum=60,
    ),
    Parameter(
        "deadline.education_dossier",
        Kind.ANNUAL_DATE,
        _("Education sector dossiers by"),
        Level.PROVINCE,
    ),
    Parameter(
        "deadline.violation_lists",
        Kind.ANNUAL_DATE,
        _("Agencies send their violation lists by"),
        Level.PROVINCE,
    ),
    Parameter(
        "deadline.co_cp_to_bnv",
        Kind.ANNUAL_DATE,
        _("Government flag dossiers reach the Ministry of Home Affairs by"),
        Level.NATIONAL,
    ),
    Parameter(
        "deadline.cstdtq_to_bnv",
        Kind.ANNUAL_DATE,
        _("National emulation fighter dossiers reach the Ministry by"),
        Level.NATIONAL,
    ),
    Parameter(
        "sla.bnv_appraisal_wd",
        Kind.INTEGER,
        _("The Ministry appraises within"),
        Level.NATIONAL,
        unit=WD,
        minimum=1,
        maximum=60,
    ),
    Parameter(
        "sla.bnv_return_wd",
        Kind.INTEGER,
        _("The Ministry returns a dossier within"),
        Level.NATIONAL,
        unit=WD,
        minimum=1,
        maximum=60,
    ),
    Parameter(
        "sla.consultation_reply_wd",
        Kind.INTEGER,
        _("Consulted agencies answer within"),
        Level.NATIONAL,
        unit=WD,
        minimum=1,
        maximum=60,
    ),
    Parameter(
        "sla.snv_reception_wd",
        Kind.INTEGER,
        _("The home-affairs department receives or returns a bloc's dossier within"),
        Level.PROVINCE,
        unit=WD,
        minimum=1,
        maximum=30,
    ),
    Parameter(
        "sla.snv_appraisal_wd",
        Kind.INTEGER,
        _("The home-affairs department appraises a received dossier within"),
        Level.PROVINCE,
        unit=WD,
        minimum=1,
        maximum=60,
    ),
    Parameter(
        "sla.ministry_province_merit_review_wd",
        Kind.INTEGER,
        _("A ministry or province reviews a merit dossier within"),
        Level.NATIONAL,
        unit=WD,
        minimum=1,
        maximum=90,
    ),
    Parameter(
        "sla.ministry_province_merit_review_top_wd",
        Kind.INTEGER,
        _("… for the highest orders and the Hero title, within"),
        Level.NATIONAL,
        unit=WD,
        minimum=1,
        maximum=90,
    ),
    Parameter(
        "publicity.min_days_before_council_wd",
        Kind.INTEGER,
        _("Nominees are published before the council meets, at least"),
        Level.NATIONAL,
        unit=WD,
        minimum=0,
        maximum=60,
    ),
    Parameter(
        "achievement.max_age_months_state_level",
        Kind.INTEGER,
        _("State-level awards: achievements at most this old"),
        Level.NATIONAL,
        unit=_("months"),
        minimum=1,
        maximum=24,
    ),
    # What a bloc's dossier must hold, per award (the reception's checklist)
    Parameter(
        "dossier.documents.co_cp",
        Kind.CHOICES,
        _("Government flag: the dossier holds"),
        Level.NATIONAL,
        options=DOSSIER_DOCUMENTS,
    ),
    Parameter(
        "dossier.documents.co_tinh",
        Kind.CHOICES,
        _("Provincial flag: the dossier holds"),
        Level.PROVINCE,
        options=DOSSIER_DOCUMENTS,
    ),
    Parameter(
        "dossier.documents.bk_tinh",
        Kind.CHOICES,
        _("Provincial certificate of merit: the dossier holds"),
        Level.PROVINCE,
        options=DOSSIER_DOCUMENTS,
    ),
    # The covenant and the bloc (K-08, K-10)
    Parameter(
        "covenant.conference_window",
        Kind.DATE_RANGE,
        _("The covenant conference is held between"),
        Level.BLOC,
    ),
    Parameter(
        "covenant.signers",
        Kind.CHOICE,
        _("Who signs the covenant"),
        Level.BLOC,
        options=COVENANT_SIGNERS,
    ),
    Parameter(
        "rotation.policy",
        Kind.CHOICE,
        _("How the next leader unit is chosen"),
        Level.BLOC,
        options=ROTATION_POLICIES,
    ),
    # Scoring (P5)
    Parameter(
        "scoring.criteria_template",
        Kind.CHOICE,
        _("Criteria set template"),
        Level.BLOC,
        options=CRITERIA_TEMPLATES,
    ),
    Parameter(
        "scoring.self_score_days",
        Kind.INTEGER,
        _("Units score themselves within"),
        Level.BLOC,
        unit=DAYS,
        minimum=1,
        maximum=60,
    ),
    Parameter(
        "scoring.cross_score_days",
        Kind.INTEGER,
        _("Cross-scoring is done within"),
        Level.BLOC,
        unit=DAYS,
        minimum=1,
        maximum=60,
    ),
    Parameter(
        "scoring.dispute_window_days",
        Kind.INTEGER,
        _("A unit may dispute its cross-scored points within"),
        Level.BLOC,
        unit=DAYS,
        minimum=1,
        maximum=30,
    ),
    Parameter(
        "scoring.ranking_tie_rule",
        Kind.CHOICES,
        _("Ranking: when totals tie"),
        Level.BLOC,
        options=RANKING_TIE_RULES,
    ),
    # Money and the fund (NĐ 152 Đ48–55)
    Parameter("money.base_salary_vnd", Kind.MONEY, _("Base salary"), Level.NATIONAL, minimum=1),
    Parameter(
        "money.rounding_vnd",
        Kind.MONEY,
        _("Award money is rounded up to"),
        Level.NATIONAL,
        minimum=1,
    ),
    Parameter(
        "money.coefficients",
        Kind.TABLE,
        _("Award money, times the base salary"),
        Level.NATIONAL,
        minimum=0,
        maximum=100,
    ),
    Parameter(
        "fund.share_for_organisation",
        Kind.RATIO,
        _("Share of the fund for organising the movements"),
        Level.NATIONAL,
        minimum=0,
        maximum=1,
    ),
    Parameter(
        "eligibility.blockers",
        Kind.CHOICES,
        _("Nobody is proposed for an award while"),
        Level.NATIONAL,
        options=BLOCKERS,
    ),
]

PARAMETERS: dict[str, Parameter] = {parameter.key: parameter for parameter in CATALOGUE}


def parameter(key: str) -> Parameter:
    try:
        return PARAMETERS[key]
    except KeyError:
        raise LookupError(f"No rule parameter {key!r} in flows.rules.parameters") from None
