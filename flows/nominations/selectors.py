"""Reads of the year-end meeting: who may see it, the eligibility checks of a candidate, the
flow's fan-out, and what its pages show.

Eligibility answers cite their rule (ARCHITECTURE rule 8): a check that fails keeps the unit
off the ballot, a check for information is shown beside it.
"""

import calendar
import datetime
from dataclasses import asdict, dataclass

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from flows.awards.models import AwardType
from flows.awards.selectors import (
    R04_MERIT_CHAINS,
    R08_CONSECUTIVE_YEARS,
    already_awarded,
    blockers_on,
    consecutive_rating_years,
    merit_chain,
)
from flows.blocs.access import may_oversee, sees_everything, visible_terms
from flows.blocs.models import BlocTerm
from flows.nominations.models import (
    AWARD_TYPES,
    COUNCIL_AWARDS,
    AchievementReport,
    AgendaItem,
    Appraisal,
    AppraisalConclusion,
    AwardDecision,
    BlocAward,
    Candidacy,
    Consultation,
    ConsultationOutcome,
    CouncilSession,
    Dossier,
    DossierStatus,
    Handover,
    Meeting,
    MeetingStatus,
    ReportStatus,
    Submission,
    SubmissionOutcome,
)
from flows.rules import selectors as rules
from flows.rules.parameters import DOSSIER_DOCUMENTS
from notifications.access import watchable
from workflows import ballots
from workflows.citations import Citation
from workflows.models import (
    Appointment,
    BallotRound,
    Elector,
    Organisation,
    Participation,
    Role,
)
from workflows.resolvers import actor_for

K02_LEADING_UNIT = Citation(
    "NĐ 152/2025/NĐ-CP, Điều 7 khoản 1",
    gettext_lazy(
        "the Government flag goes to a bloc's leading unit that meets the provincial flag's"
        " standard"
    ),
)
K03_PROVINCIAL_FLAG = (
    "Luật Thi đua, khen thưởng 2022, Điều 26; QĐ 86/2025/QĐ-UBND tỉnh Bắc Ninh, Điều 3 khoản 1"
)


# -- who may see -----------------------------------------------------------------------------------


def visible_meetings(user):
    """The meetings of the bloc terms ``user`` may see (flows.blocs.access)."""
    return Meeting.objects.filter(term__in=visible_terms(user))


def may_see_meeting(user, meeting_id: int) -> bool:
    return visible_meetings(user).filter(pk=meeting_id).exists()


@watchable("meeting")
def may_watch(user, meeting_id: int) -> bool:
    return may_see_meeting(user, meeting_id)


# -- eligibility -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """One eligibility check: ``passed`` False keeps the unit off the ballot, None informs."""

    rule: str
    passed: bool | None
    text: str
    source: str

    def as_data(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Standing:
    """Where a unit stands in the frozen ranking, and which units the bloc proposes for the
    Government flag (they leave the provincial flags' places to the next units)."""

    ranks: dict[int, int]
    flag_candidates: frozenset[int]


def checks_for(
    *, award: str, unit, term, on: datetime.date, rulings: dict, standing: Standing
) -> list[Check]:
    """Every check of ``unit`` for ``award`` at the meeting of ``term`` held on ``on``."""
    code, kind = AWARD_TYPES[BlocAward(award)]
    award_type = AwardType.objects.get(code=code)
    checks = [_blockers(unit, on, rulings), _awarded_once(unit, award_type, kind, term.year, on)]
    rank = standing.ranks.get(unit.pk)
    if award == BlocAward.CO_CP:
        checks.append(_leads_the_bloc(unit, rank))
    elif award == BlocAward.CO_TINH:
        checks.append(_within_flag_places(unit, rank, rulings, standing))
    elif award == BlocAward.BK_TOAN_DIEN:
        checks += [_excellent_years(unit, term.year), _merit_chain(unit, term.year)]
    else:
        checks.append(_thematic_outside_chains())
    return checks


def _blockers(unit, on, rulings) -> Check:
    kinds = rulings["eligibility.blockers"]["value"]
    running = blockers_on(unit, on, kinds)
    if running.value:
        text = _("Under way on %(day)s: %(findings)s.") % {
            "day": on.strftime("%d/%m/%Y"),
            "findings": "; ".join(str(finding) for finding in running.value),
        }
        return Check("R-05", False, text, running.citation.source)
    return Check("R-05", True, _("No blocking finding recorded."), running.citation.source)


def _awarded_once(unit, award_type, kind, year, on) -> Check:
    """R-01 as on the meeting's day: a decision taken later is not yet one."""
    period = (datetime.date(year, 1, 1), datetime.date(year, 12, 31))
    found = already_awarded(unit, award_type, period)
    same = [r for r in found.value if r.kind == kind and r.decision_date <= on]
    if same:
        record = same[0]
        text = _("Already awarded %(award)s for %(year)s (decision %(decision)s of %(day)s).") % {
            "award": award_type.name,
            "year": year,
            "decision": record.decision_number,
            "day": record.decision_date.strftime("%d/%m/%Y"),
        }
        return Check("R-01", False, text, found.citation.source)
    text = _("Not yet awarded %(award)s for %(year)s.") % {"award": award_type.name, "year": year}
    return Check("R-01", True, text, found.citation.source)


def _leads_the_bloc(unit, rank) -> Check:
    if rank == 1:
        return Check(
            "K-02", True, _("Leads the bloc in the frozen ranking."), K02_LEADING_UNIT.source
        )
    text = _(
        "Only the unit that leads the bloc may be proposed for the Government flag; %(unit)s"
        " ranks %(rank)s."
    ) % {"unit": unit, "rank": rank or "–"}
    return Check("K-02", False, text, K02_LEADING_UNIT.source)


def _within_flag_places(unit, rank, rulings, standing: Standing) -> Check:
    places = rulings["quota.co_tinh.per_bloc"]["value"]
    source = f"{K03_PROVINCIAL_FLAG}; {rulings['quota.co_tinh.per_bloc']['source']}"
    if unit.pk in standing.flag_candidates:
        text = _("%(unit)s is proposed for the Government flag.") % {"unit": unit}
        return Check("K-03", False, text, source)
    ahead = [
        other
        for other, other_rank in standing.ranks.items()
        if rank is not None and other_rank < rank and other not in standing.flag_candidates
    ]
    if rank is not None and len(ahead) < places:
        text = _(
            "Among the bloc's %(places)s leading unit(s) not proposed for the Government flag."
        ) % {"places": places}
        return Check("K-03", True, text, source)
    text = _(
        "A bloc proposes %(places)s provincial flag(s), for its leading units; %(unit)s ranks"
        " %(rank)s, after %(ahead)s unit(s) that may receive it."
    ) % {"places": places, "unit": unit, "rank": rank or "–", "ahead": len(ahead)}
    return Check("K-03", False, text, source)


def _excellent_years(unit, year) -> Check:
    years = consecutive_rating_years(unit, year).value
    text = _(
        "%(count)s consecutive year(s) of tasks completed excellently up to %(year)s (two are"
        " one ground of the all-round certificate; the bloc may propose on another)."
    ) % {"count": years, "year": year}
    return Check("R-08", None, text, R08_CONSECUTIVE_YEARS.source)


def _merit_chain(unit, year) -> Check:
    excluded = merit_chain(unit, year).value.excluded
    if not excluded:
        return Check(
            "R-04",
            None,
            _("No thematic or extraordinary award to set aside."),
            R04_MERIT_CHAINS.source,
        )
    text = _("Not counted toward merit awards: %(awards)s.") % {
        "awards": "; ".join(f"{record.award_type.name} {record.year}" for record in excluded)
    }
    return Check("R-04", None, text, R04_MERIT_CHAINS.source)


def _thematic_outside_chains() -> Check:
    text = _("A thematic certificate does not count toward higher merit awards later.")
    return Check("R-04", None, text, R04_MERIT_CHAINS.source)


def standing_of(meeting: Meeting, *, without=None) -> Standing:
    """The ranking of the meeting's result, and its Government flag candidates (other than
    the candidacy ``without``)."""
    ranks = dict(meeting.result.rows.values_list("unit_id", "rank"))
    flags = meeting.candidacies.filter(award=BlocAward.CO_CP, eligible=True)
    if without is not None:
        flags = flags.exclude(pk=without.pk)
    return Standing(ranks=ranks, flag_candidates=frozenset(flags.values_list("unit_id", flat=True)))


# -- data sources of the flow's fan-outs -----------------------------------------------------------


def voter_items(activation) -> list[dict]:
    """One "vote" task per member unit present at the meeting (absentees vote in writing)."""
    meeting = activation.process.meeting
    return [
        {"unit": unit_id}
        for unit_id in meeting.attendees.order_by("name").values_list("pk", flat=True)
    ]


def nominee_items(activation) -> list[dict]:
    """One report (written, then signed) per nominee whose report is to be written: all of
    them when the dossier opens, those the department named when it returns the dossier."""
    reports = AchievementReport.objects.filter(
        dossier__meeting=activation.process.meeting, status=ReportStatus.DRAFT
    )
    return [
        {"unit": unit_id}
        for unit_id in reports.order_by("candidacy__rank", "pk").values_list(
            "candidacy__unit_id", flat=True
        )
    ]


def elector_items(activation) -> list[dict]:
    """One "elect" task per member unit of the outgoing term."""
    term = activation.process.handover.term
    return [
        {"unit": unit_id} for unit_id in term.members.order_by("name").values_list("pk", flat=True)
    ]


def home_affairs_of(jurisdiction):
    """The department of ``jurisdiction`` whose officers receive the blocs' dossiers."""
    appointment = (
        Appointment.objects.current(timezone.localdate())
        .filter(role=Role.HOME_AFFAIRS_OFFICER, organisation__parent=jurisdiction)
        .select_related("organisation")
        .order_by("pk")
        .first()
    )
    return appointment.organisation if appointment else None


# -- pages -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AwardGroup:
    award: str
    label: str
    candidacies: list[Candidacy]


def candidacies_by_award(meeting: Meeting) -> list[AwardGroup]:
    """The candidacies of each award, in rank order (one query)."""
    rows = list(meeting.candidacies.select_related("unit").order_by("rank", "unit__name"))
    return [
        AwardGroup(
            award=award.value, label=award.label, candidacies=[r for r in rows if r.award == award]
        )
        for award in BlocAward
    ]


def meeting_detail(user, pk: int) -> Meeting:
    return (
        visible_meetings(user)
        .select_related(
            "term__bloc__jurisdiction",
            "term__leader",
            "term__deputy",
            "presiding",
            "secretary",
            "ballot",
            "minutes",
        )
        .get(pk=pk)
    )


def turnout(meeting: Meeting):
    return ballots.turnout(meeting.ballot) if meeting.ballot_id else None


def meetings_for_list(user):
    return (
        visible_meetings(user)
        .select_related("term__bloc", "term__leader")
        .order_by("-term__year", "term__bloc__name")
    )


def voted_units(meeting: Meeting) -> list:
    """The units that have voted in the current round (who voted is public; how, never)."""
    if not meeting.ballot_id:
        return []
    round_ = ballots.current_round(meeting.ballot)
    if round_ is None:
        return []
    return list(
        Organisation.objects.filter(
            pk__in=Participation.objects.filter(round=round_).values(
                "elector__appointment__organisation"
            )
        ).order_by("name")
    )


def absent_units_not_voted(meeting: Meeting):
    """Member units absent from the roll call that have not voted in the current round."""
    voted = [unit.pk for unit in voted_units(meeting)]
    present = meeting.attendees.values("pk")
    return meeting.term.members.exclude(pk__in=present).exclude(pk__in=voted).order_by("name")


@dataclass(frozen=True)
class ProposedChoice:
    question: str
    chosen: list[str]


def proposed_decision(meeting: Meeting) -> dict:
    """The leader's choice awaiting the deputy: the questions with the candidates chosen."""
    decision = meeting.decision or {}
    chosen = decision.get("chosen", {})
    questions = meeting.ballot.questions.filter(pk__in=[int(pk) for pk in chosen]).prefetch_related(
        "candidates"
    )
    return {
        "reason": decision.get("reason", ""),
        "choices": [
            ProposedChoice(
                question=question.label,
                chosen=[
                    c.label for c in question.candidates.all() if c.pk in chosen[str(question.pk)]
                ],
            )
            for question in questions
        ],
    }


@dataclass(frozen=True)
class MeetingTurnout:
    round_number: int
    voted: int
    electorate: int
    nominated: int


def meeting_turnout(meetings) -> dict[int, MeetingTurnout]:
    """For the board: each meeting's current round, its turnout and the units nominated, in
    four queries whatever the number of meetings."""
    by_ballot = {meeting.ballot_id: meeting.pk for meeting in meetings if meeting.ballot_id}
    latest = {}
    for ballot_id, round_id, number in BallotRound.objects.filter(
        ballot_id__in=by_ballot
    ).values_list("ballot_id", "pk", "number"):
        if number > latest.get(ballot_id, (0, 0))[1]:
            latest[ballot_id] = (round_id, number)
    voted = dict(
        Participation.objects.filter(round_id__in=[pk for pk, _n in latest.values()])
        .values("round_id")
        .annotate(count=Count("pk"))
        .values_list("round_id", "count")
    )
    electorate = dict(
        Elector.objects.filter(ballot_id__in=by_ballot)
        .values("ballot_id")
        .annotate(count=Count("pk"))
        .values_list("ballot_id", "count")
    )
    nominated = dict(
        Candidacy.objects.filter(meeting_id__in=by_ballot.values(), nominated=True)
        .values("meeting_id")
        .annotate(count=Count("pk"))
        .values_list("meeting_id", "count")
    )
    return {
        meeting_id: MeetingTurnout(
            round_number=latest[ballot_id][1],
            voted=voted.get(latest[ballot_id][0], 0),
            electorate=electorate.get(ballot_id, 0),
            nominated=nominated.get(meeting_id, 0),
        )
        for ballot_id, meeting_id in by_ballot.items()
        if ballot_id in latest
    }


@dataclass(frozen=True)
class DossierView:
    dossier: Dossier
    reports: list
    submissions: list
    appraisals: list


def dossier_view(meeting: Meeting) -> DossierView | None:
    """The meeting's dossier with its reports, the versions sent and what the department made
    of them, and its nominees' appraisals (four queries), or None before it opens."""
    dossier = (
        Dossier.objects.filter(meeting=meeting)
        .select_related("proposal__issued_number", "recipient", "appraisal")
        .first()
    )
    if dossier is None:
        return None
    reports = list(
        dossier.reports.select_related("candidacy__unit", "document").order_by(
            "candidacy__rank", "pk"
        )
    )
    submissions = list(
        dossier.submissions.select_related("proposal__issued_number", "notice").order_by("version")
    )
    return DossierView(
        dossier=dossier,
        reports=reports,
        submissions=submissions,
        appraisals=appraisals_of(dossier),
    )


def appraisals_of(dossier: Dossier) -> list:
    """The dossier's appraisals in the ranking's order (one query)."""
    return list(
        dossier.appraisals.select_related("candidacy__unit").order_by("candidacy__rank", "pk")
    )


def consultations_of(dossier: Dossier) -> dict[int, list]:
    """The dossier's consultations by appraisal (one query)."""
    found: dict[int, list] = {}
    for row in Consultation.objects.filter(appraisal__dossier=dossier).order_by("pk"):
        found.setdefault(row.appraisal_id, []).append(row)
    return found


def returned_submission(meeting: Meeting):
    """The version of the meeting's dossier last returned (its notice to sign)."""
    return (
        Submission.objects.filter(dossier__meeting=meeting, outcome=SubmissionOutcome.RETURNED)
        .select_related("notice")
        .order_by("-version")
        .first()
    )


def document_ids(meeting: Meeting) -> list[int]:
    """The meeting's documents: its minutes, its nominees' reports, its proposal, every version
    sent with the department's notices, the appraisal, and the minutes of its term's
    hand-over."""
    ids = [meeting.minutes_id]
    ids += list(Handover.objects.filter(term=meeting.term).values_list("minutes_id", flat=True))
    dossier = Dossier.objects.filter(meeting=meeting).first()
    if dossier is not None:
        ids += [dossier.proposal_id, dossier.appraisal_id]
        ids += list(dossier.reports.values_list("document_id", flat=True))
        for submission in dossier.submissions.all():
            ids += [submission.proposal_id, submission.notice_id]
            ids += list(submission.documents.get("reports", {}).values())
    return [pk for pk in ids if pk is not None]


def handover_of(term):
    """The term's latest hand-over to next year's leader (or election of it), if any."""
    return (
        Handover.objects.filter(term=term)
        .select_related("next_term__leader", "next_term__deputy", "minutes", "ballot")
        .order_by("-pk")
        .first()
    )


def report_counts(dossiers) -> dict[int, tuple[int, int]]:
    """For the board: each dossier's reports signed and in all (one query)."""
    counts = (
        AchievementReport.objects.filter(dossier__in=list(dossiers))
        .values("dossier_id")
        .annotate(total=Count("pk"), signed=Count("pk", filter=Q(status=ReportStatus.SIGNED)))
        .values_list("dossier_id", "signed", "total")
    )
    return {dossier_id: (signed, total) for dossier_id, signed, total in counts}


def appraisal_counts(dossiers) -> dict[int, tuple[int, int]]:
    """For the board: each dossier's nominees concluded and in all (one query)."""
    counts = (
        Appraisal.objects.filter(dossier__in=list(dossiers))
        .values("dossier_id")
        .annotate(total=Count("pk"), concluded=Count("pk", filter=~Q(conclusion="")))
        .values_list("dossier_id", "concluded", "total")
    )
    return {dossier_id: (concluded, total) for dossier_id, concluded, total in counts}


def return_counts(dossiers) -> dict[int, int]:
    """For the board: how many times each dossier was returned (one query)."""
    counts = (
        Submission.objects.filter(dossier__in=list(dossiers), outcome=SubmissionOutcome.RETURNED)
        .values("dossier_id")
        .annotate(times=Count("pk"))
        .values_list("dossier_id", "times")
    )
    return dict(counts)


def check_receipt(meeting: Meeting, code: str):
    """The paper a receipt code finds among the meeting's ballots: its vote, and the election
    of the next leader at the hand-over."""
    elections = Handover.objects.filter(term=meeting.term, ballot__isnull=False)
    for ballot in [meeting.ballot, *(handover.ballot for handover in elections)]:
        if ballot is not None and (found := ballots.check_receipt(ballot=ballot, code=code)):
            return found
    return None


# -- the department's reception and appraisal (P8) ----------------------------------------------

#: The rule parameter of each award's dossier documents.
DOSSIER_RULES = {
    BlocAward.CO_CP: "dossier.documents.co_cp",
    BlocAward.CO_TINH: "dossier.documents.co_tinh",
    BlocAward.BK_TOAN_DIEN: "dossier.documents.bk_tinh",
    BlocAward.BK_CHUYEN_DE: "dossier.documents.bk_tinh",
}
#: The statuses of a dossier the department has received (its nominees count toward quotas).
RECEIVED_STATUSES = [DossierStatus.RECEIVED, DossierStatus.APPRAISING, DossierStatus.APPRAISED]
K02_QUOTA = Citation(
    "NĐ 152/2025/NĐ-CP, Điều 7 khoản 1",
    gettext_lazy(
        "at most the rule set's share of the blocs' leading units that meet the provincial"
        " flag's standard"
    ),
)
R09_REPORT_AGE = "NĐ 152/2025/NĐ-CP, Điều 33 khoản 9"
R16_CONSULTATION = "NĐ 152/2025/NĐ-CP, Điều 34"


@dataclass(frozen=True)
class ChecklistItem:
    """One document the dossier must hold: ``unit`` names the nominee of a report."""

    item: str
    label: str
    present: bool
    source: str
    unit: int | None = None

    def as_data(self) -> dict:
        return asdict(self)


def reception_checklist(dossier: Dossier, *, on: datetime.date) -> list[ChecklistItem]:
    """What the dossier must hold for its nominees' awards (``dossier.documents.*``), each
    with whether it is there, signed (three queries)."""
    meeting = dossier.meeting
    reports = list(
        dossier.reports.select_related("candidacy__unit").order_by("candidacy__rank", "pk")
    )
    keys = sorted({DOSSIER_RULES[BlocAward(r.candidacy.award)] for r in reports})
    found = rules.resolve_many(keys, on=on, bloc=meeting.term.bloc)
    wanted: dict[str, set[str]] = {}
    for key in keys:
        for item in found[key].value:
            wanted.setdefault(item, set()).add(found[key].source)
    items = []
    for item in DOSSIER_DOCUMENTS:
        if item not in wanted:
            continue
        source = "; ".join(sorted(wanted[item]))
        if item == "reports":
            items += [
                ChecklistItem(
                    item,
                    _("Achievement report of %(unit)s") % {"unit": report.candidacy.unit.name},
                    report.status == ReportStatus.SIGNED,
                    source,
                    unit=report.candidacy.unit_id,
                )
                for report in reports
            ]
        elif item == "minutes":
            signed = meeting.status == MeetingStatus.MINUTES_SIGNED
            items.append(ChecklistItem(item, str(DOSSIER_DOCUMENTS[item]), signed, source))
        else:
            sent = dossier.proposal_id is not None and dossier.status == DossierStatus.SUBMITTED
            items.append(ChecklistItem(item, str(DOSSIER_DOCUMENTS[item]), sent, source))
    return items


def blocs_of_year(jurisdiction, year: int) -> int:
    """The jurisdiction's blocs with a term in ``year``: one leading unit each (K-02's base as
    far as this site knows it)."""
    return BlocTerm.objects.filter(bloc__jurisdiction=jurisdiction, year=year).count()


def co_cp_nominees(jurisdiction, year: int) -> int:
    """The Government flag nominees of the jurisdiction's received dossiers of ``year``."""
    return Candidacy.objects.filter(
        award=BlocAward.CO_CP,
        nominated=True,
        meeting__term__bloc__jurisdiction=jurisdiction,
        meeting__term__year=year,
        meeting__dossier__status__in=RECEIVED_STATUSES,
    ).count()


def _co_cp_quota(candidacy, *, leaders: int, share) -> Check:
    term = candidacy.meeting.term
    quota = int(share * leaders)  # "không quá 20 %": rounded down
    nominees = co_cp_nominees(term.bloc.jurisdiction, term.year)
    values = {"nominees": nominees, "quota": quota, "leaders": leaders, "share": f"{share:.0%}"}
    if nominees <= quota:
        text = _(
            "%(nominees)s Government flag nominee(s) in the province's received dossiers, within"
            " %(quota)s (%(share)s of %(leaders)s leading units)."
        )
        return Check("K-02", True, text % values, K02_QUOTA.source)
    text = _(
        "%(nominees)s Government flag nominees in the province's received dossiers, over the"
        " quota of %(quota)s (%(share)s of %(leaders)s leading units)."
    )
    return Check("K-02", False, text % values, K02_QUOTA.source)


def _report_age(candidacy, *, months: int) -> Check:
    """R-09: a State-level award's report covers achievements at most ``months`` old when the
    province submits it to the Prime Minister (checked again when it is sent)."""
    year = candidacy.meeting.term.year
    last_day = _months_after(datetime.date(year, 12, 31), months)
    text = _(
        "The report covers %(year)s: it must reach the Prime Minister's office by %(day)s"
        " (%(months)s months after the achievements)."
    ) % {"year": year, "day": last_day.strftime("%d/%m/%Y"), "months": months}
    return Check("R-09", None, text, R09_REPORT_AGE)


def _months_after(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later, or that month's last day (31/12 + 6 months: 30/6)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


APPRAISAL_RULES = [
    "quota.co_cp.max_share_of_bloc_leaders",
    "achievement.max_age_months_state_level",
]


def appraisal_checks(candidacy: Candidacy, *, on: datetime.date, leaders: int) -> list[Check]:
    """Every check of a nominee at the department on ``on``: the meeting's checks again on that
    day (a blocker since, an award decided since), and the province's: the Government flag's
    quota over the province (K-02) and its report's age (R-09)."""
    meeting = candidacy.meeting
    checks = checks_for(
        award=candidacy.award,
        unit=candidacy.unit,
        term=meeting.term,
        on=on,
        rulings=meeting.rulings,
        standing=standing_of(meeting),
    )
    if candidacy.award == BlocAward.CO_CP:
        found = rules.resolve_many(APPRAISAL_RULES, on=on, bloc=meeting.term.bloc)
        share = found["quota.co_cp.max_share_of_bloc_leaders"].value
        months = found["achievement.max_age_months_state_level"].value
        checks += [
            _co_cp_quota(candidacy, leaders=leaders, share=share),
            _report_age(candidacy, months=months),
            _consulted(candidacy, on),
        ]
    return checks


def _consulted(candidacy, on: datetime.date) -> Check:
    """R-16: the agencies consulted on a State-level award answered without objection, or were
    silent past their deadline (which counts as no objection)."""
    rows = list(Consultation.objects.filter(appraisal__candidacy=candidacy).order_by("pk"))
    if not rows:
        text = _("No agency consulted yet (police, tax, social insurance, inspectorate…).")
        return Check("R-16", False, text, R16_CONSULTATION)
    objecting = [row for row in rows if row.outcome == ConsultationOutcome.OBJECTION]
    if objecting:
        text = _("Objection: %(answers)s.") % {
            "answers": "; ".join(f"{row.agency}: {row.answer}" for row in objecting)
        }
        return Check("R-16", False, text, R16_CONSULTATION)
    pending = [row for row in rows if row.outcome == ConsultationOutcome.PENDING]
    waiting = [row for row in pending if row.due >= on]
    if waiting:
        text = _("Awaiting the answer of %(agencies)s.") % {
            "agencies": "; ".join(
                f"{row.agency} ({row.due.strftime('%d/%m/%Y')})" for row in waiting
            )
        }
        return Check("R-16", False, text, R16_CONSULTATION)
    text = _("No objection from %(agencies)s.") % {"agencies": "; ".join(r.agency for r in rows)}
    if pending:
        text += " " + _("Silent past the deadline, counted as not objecting: %(agencies)s.") % {
            "agencies": "; ".join(row.agency for row in pending)
        }
    return Check("R-16", True, text, R16_CONSULTATION)


# -- the council's session (P9) -------------------------------------------------------------------

#: Who sits on a council.
COUNCIL_ROLES = [Role.COUNCIL_CHAIR, Role.COUNCIL_SECRETARY, Role.COUNCIL_MEMBER]


def council_of(jurisdiction):
    """The jurisdiction's emulation and commendation council: the unit its chairman sits in."""
    appointment = (
        Appointment.objects.current(timezone.localdate())
        .filter(role=Role.COUNCIL_CHAIR, organisation__parent=jurisdiction)
        .select_related("organisation")
        .order_by("pk")
        .first()
    )
    return appointment.organisation if appointment else None


def chaired_councils(user) -> list[Organisation]:
    """The councils ``user`` chairs today, himself or by a delegation of the chairman."""
    today = timezone.localdate()
    councils = Organisation.objects.filter(
        appointments__in=Appointment.objects.current(today).filter(role=Role.COUNCIL_CHAIR)
    ).distinct()
    return [c for c in councils if actor_for(user, Role.COUNCIL_CHAIR, c, today) is not None]


def members_of(council, on: datetime.date) -> list[Appointment]:
    """The council's members on ``on`` (its total membership): the chairman, the secretary,
    then the members by name."""
    order = {role: position for position, role in enumerate(COUNCIL_ROLES)}
    members = (
        Appointment.objects.current(on)
        .filter(organisation=council, role__in=COUNCIL_ROLES)
        .select_related("user", "organisation")
    )
    return sorted(members, key=lambda a: (order[a.role], a.user.last_name, a.user.first_name))


def agenda_candidates(jurisdiction, year: int):
    """The appraised nominees of the jurisdiction's year the council votes on (the flags),
    concluded "put to the council", not yet on a session's agenda."""
    return (
        Appraisal.objects.filter(
            conclusion=AppraisalConclusion.AGREED,
            candidacy__award__in=COUNCIL_AWARDS,
            dossier__status=DossierStatus.APPRAISED,
            candidacy__meeting__term__bloc__jurisdiction=jurisdiction,
            candidacy__meeting__term__year=year,
            agenda_item__isnull=True,
        )
        .select_related("candidacy__unit", "candidacy__meeting__term__bloc")
        .order_by("candidacy__award", "candidacy__meeting__term__bloc__name", "pk")
    )


def visible_sessions(user):
    """The sessions of the councils of the jurisdictions ``user`` oversees (the council, the
    home-affairs officers, the supervising vice-chairmen, auditors)."""
    sessions = CouncilSession.objects.all()
    if sees_everything(user):
        return sessions
    jurisdictions = {
        pk
        for pk in sessions.order_by().values_list("council__parent_id", flat=True).distinct()
        if may_oversee(user, pk)
    }
    return sessions.filter(council__parent_id__in=jurisdictions)


def may_see_session(user, session_id: int) -> bool:
    return visible_sessions(user).filter(pk=session_id).exists()


@watchable("session")
def may_watch_session(user, session_id: int) -> bool:
    return may_see_session(user, session_id)


def session_detail(user, pk: int) -> CouncilSession:
    return (
        visible_sessions(user)
        .select_related("council__parent", "chair", "secretary", "ballot", "minutes")
        .get(pk=pk)
    )


def agenda_of(session: CouncilSession) -> list[AgendaItem]:
    """The session's agenda in order, with each nominee's unit and bloc (one query)."""
    return list(
        session.agenda.select_related(
            "appraisal__candidacy__unit", "appraisal__candidacy__meeting__term__bloc"
        ).order_by("pk")
    )


def session_electors(activation) -> list[dict]:
    """One "Bỏ phiếu Hội đồng" task per member present (the absent vote in writing)."""
    session = activation.process.session
    present = set(session.present.values_list("pk", flat=True))
    return [
        {"appointment": elector.appointment_id}
        for elector in session.ballot.electors.order_by("pk")
        if elector.appointment_id in present
    ]


def absent_members(session: CouncilSession) -> list:
    """The electors not present, who may vote in writing, with whether they have (two
    queries)."""
    present = set(session.present.values_list("pk", flat=True))
    voted = voted_electors(session.ballot)
    return [
        (elector, elector.pk in voted)
        for elector in session.ballot.electors.select_related("appointment__user")
        if elector.appointment_id not in present
    ]


def voted_electors(ballot) -> set[int]:
    """The electors who voted in the ballot's current round (one query)."""
    current = ballots.current_round(ballot)
    if current is None:
        return set()
    return set(Participation.objects.filter(round=current).values_list("elector_id", flat=True))


# -- the award decision (P10) ----------------------------------------------------------------------


def people_committee_of(jurisdiction):
    """The jurisdiction's People's Committee (its chairman signs the award decisions)."""
    return (
        Organisation.objects.filter(parent=jurisdiction, kind__code="ubnd-tinh")
        .order_by("pk")
        .first()
    )


def decidable(jurisdiction, year: int):
    """The nominees of the jurisdiction's year the province decides, not yet in a decision:
    the provincial certificates the department agreed, the provincial flags the council passed
    (the Government flag is the Prime Minister's)."""
    agreed = Appraisal.objects.filter(
        conclusion=AppraisalConclusion.AGREED,
        dossier__status=DossierStatus.APPRAISED,
        candidacy__meeting__term__bloc__jurisdiction=jurisdiction,
        candidacy__meeting__term__year=year,
        decision_line__isnull=True,
    )
    certificates = Q(candidacy__award__in=[BlocAward.BK_TOAN_DIEN, BlocAward.BK_CHUYEN_DE])
    passed_flag = Q(candidacy__award=BlocAward.CO_TINH, agenda_item__passed=True)
    return (
        agreed.filter(certificates | passed_flag)
        .select_related("candidacy__unit", "candidacy__meeting__term__bloc")
        .order_by("candidacy__meeting__term__bloc__name", "candidacy__rank", "pk")
    )


def visible_decisions(user):
    """The decisions of the jurisdictions ``user`` oversees, and of the committee he works at
    (its chairman, his substitute, its clerk)."""
    decisions = AwardDecision.objects.all()
    if sees_everything(user):
        return decisions
    jurisdictions = {
        pk
        for pk in decisions.order_by().values_list("issuer__parent_id", flat=True).distinct()
        if may_oversee(user, pk)
    }
    today = timezone.localdate()
    issuers = {
        pk
        for pk in decisions.order_by().values_list("issuer_id", flat=True).distinct()
        if Appointment.objects.current(today).filter(user=user, organisation_id=pk).exists()
        or actor_for(user, Role.HEAD, Organisation(pk=pk), today) is not None
    }
    return decisions.filter(Q(issuer__parent_id__in=jurisdictions) | Q(issuer_id__in=issuers))


def may_see_decision(user, decision) -> bool:
    return visible_decisions(user).filter(pk=decision.pk).exists()


def lines_of(decision) -> list:
    """The decision's lines in its list's order (one query)."""
    return list(
        decision.lines.select_related(
            "appraisal__candidacy__unit", "appraisal__candidacy__meeting__term__bloc", "record"
        ).order_by("pk")
    )
