"""The columns of the progress board: one stage per process of a bloc's year.

Each stage reads every bloc term of the board at once (a fixed number of queries, whatever the
number of blocs) and returns one cell per term: the covenant, the year-end scoring, the
year-end meeting's vote, the dossier sent to the home-affairs department, its reception and
appraisal, the council's vote on its flags, the province's award decision.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from flows.nominations.models import (
    LIVE_SESSIONS,
    AgendaItem,
    DecisionLine,
    DecisionStatus,
    Dossier,
    DossierStatus,
    Meeting,
)
from flows.nominations.models import LIVE_STATUSES as MEETING_LIVE
from flows.nominations.selectors import (
    appraisal_counts,
    meeting_turnout,
    report_counts,
    return_counts,
)
from flows.pledges.models import LIVE_STATUSES, Covenant, CovenantVersion
from flows.scoring.models import LIVE_STATUSES as SCORING_LIVE
from flows.scoring.models import SIGNED_STATUSES, Scoring, ScoringStatus, SheetStatus
from flows.scoring.selectors import stage_counts
from signatures import pipeline
from workflows.deadlines import due_on, open_tasks_with_deadlines


@dataclass(frozen=True)
class Cell:
    status: str  # a code for styles and tests
    label: str  # what the board shows
    done: int = 0  # progress, e.g. signatures made…
    total: int = 0  # …of signatures expected
    overdue: int = 0  # open tasks past their due date
    next_due: datetime.date | None = None
    url: str = ""
    detail: str = ""  # a second line: the scoring's cross-scored and frozen counts…

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


@dataclass(frozen=True)
class Stage:
    code: str
    title: str
    cells: object  # callable(terms, today) -> {term_id: Cell}
    #: What a cell's done/total counts ("Signatures", "Self-scored").
    progress_title: str = ""


def _deadlines(due_dates, today: datetime.date) -> dict:
    """A cell's open tasks past their due date, and the nearest due date still ahead."""
    return {
        "overdue": sum(day < today for day in due_dates),
        "next_due": min((day for day in due_dates if day >= today), default=None),
    }


def covenant_cells(terms, today: datetime.date) -> dict[int, Cell]:
    covenants = {
        covenant.term_id: covenant
        for covenant in Covenant.objects.filter(term__in=terms, status__in=LIVE_STATUSES)
    }
    documents = _current_documents(covenants.values())
    progress = pipeline.personal_progress(documents.values())
    dues = _task_dues(covenants.values())
    cells = {}
    for term in terms:
        covenant = covenants.get(term.pk)
        if covenant is None:
            cells[term.pk] = Cell(status="none", label=str(_("Not started")))
            continue
        count = progress.get(documents.get(covenant.pk), pipeline.Progress())
        due_dates = dues.get(covenant.pk, [])
        cells[term.pk] = Cell(
            status=covenant.status,
            label=covenant.get_status_display(),
            done=count.signed,
            total=count.total,
            **_deadlines(due_dates, today),
            url=reverse("thidua:covenants:detail", args=[covenant.pk]),
        )
    return cells


def _current_documents(covenants) -> dict[int, int]:
    """covenant id → document id of its latest version (when it has one)."""
    current = {}
    versions = CovenantVersion.objects.filter(covenant__in=list(covenants)).order_by(
        "covenant", "-number"
    )
    for covenant_id, document_id in versions.values_list("covenant", "document"):
        current.setdefault(covenant_id, document_id)
    return {pk: document for pk, document in current.items() if document is not None}


def _task_dues(covenants) -> dict[int, list[datetime.date]]:
    return _dues_by(
        open_tasks_with_deadlines().filter(process__covenantprocess__covenant__in=list(covenants)),
        "covenantprocess",
        "covenant_id",
    )


def _dues_by(tasks, process_relation: str, subject_field: str) -> dict[int, list[datetime.date]]:
    """The due dates of open ``tasks``, by the subject of their flow's process."""
    dues = defaultdict(list)
    for task in tasks.select_related(f"process__{process_relation}"):
        if (due := due_on(task)) is not None:
            subject = getattr(getattr(task.process, process_relation), subject_field)
            dues[subject].append(due)
    return dues


def scoring_cells(terms, today: datetime.date) -> dict[int, Cell]:
    """Each term's scoring: its stage, units self-scored (signed) of all, cross-scored, frozen."""
    scorings = {
        scoring.term_id: scoring
        for scoring in Scoring.objects.filter(term__in=terms, status__in=SCORING_LIVE)
    }
    counts = stage_counts(scoring.pk for scoring in scorings.values())
    dues = _dues_by(
        open_tasks_with_deadlines().filter(process__scoringprocess__scoring__in=scorings.values()),
        "scoringprocess",
        "scoring_id",
    )
    cells = {}
    for term in terms:
        scoring = scorings.get(term.pk)
        if scoring is None:
            cells[term.pk] = Cell(status="none", label=str(_("Not started")))
            continue
        by_status = counts.get(scoring.pk, {})
        cross = sum(by_status.get(status, 0) for status in CROSS_SCORED_STATUSES)
        due_dates = dues.get(scoring.pk, [])
        cells[term.pk] = Cell(
            status=scoring.status,
            label=scoring.get_status_display(),
            done=sum(by_status.get(status, 0) for status in SIGNED_STATUSES),
            total=sum(by_status.values()),
            **_deadlines(due_dates, today),
            url=reverse("thidua:scorings:detail", args=[scoring.pk]),
            detail=str(
                _("cross-scored %(done)s/%(total)s%(frozen)s")
                % {
                    "done": cross,
                    "total": sum(by_status.values()),
                    "frozen": _(", frozen") if scoring.status in FROZEN_STATUSES else "",
                }
            ),
        )
    return cells


#: Sheets the scorer has cross-scored (and what the units did with them since).
CROSS_SCORED_STATUSES = [
    SheetStatus.CROSS_SCORED,
    SheetStatus.ACCEPTED,
    SheetStatus.DISPUTED,
    SheetStatus.SETTLED,
]
FROZEN_STATUSES = [ScoringStatus.FROZEN, ScoringStatus.RANKED]


def meeting_cells(terms, today: datetime.date) -> dict[int, Cell]:
    """Each term's year-end meeting: its stage, the current round's turnout (who voted, never
    how), then the units nominated."""
    meetings = {
        meeting.term_id: meeting
        for meeting in Meeting.objects.filter(term__in=terms, status__in=MEETING_LIVE)
    }
    turnout = meeting_turnout(meetings.values())
    dues = _dues_by(
        open_tasks_with_deadlines().filter(process__meetingprocess__meeting__in=meetings.values()),
        "meetingprocess",
        "meeting_id",
    )
    cells = {}
    for term in terms:
        meeting = meetings.get(term.pk)
        if meeting is None:
            cells[term.pk] = Cell(status="none", label=str(_("Not started")))
            continue
        counts = turnout.get(meeting.pk)
        due_dates = dues.get(meeting.pk, [])
        cells[term.pk] = Cell(
            status=meeting.status,
            label=meeting.get_status_display(),
            done=counts.voted if counts else 0,
            total=counts.electorate if counts else 0,
            **_deadlines(due_dates, today),
            url=reverse("thidua:meetings:detail", args=[meeting.pk]),
            detail=str(
                _("round %(round)s%(nominated)s")
                % {
                    "round": counts.round_number if counts else "–",
                    "nominated": _(", %(count)s nominated") % {"count": counts.nominated}
                    if counts and counts.nominated
                    else "",
                }
            ),
        )
    return cells


#: A dossier the bloc is writing or completing after a return: the deadline is the bloc's.
WITH_THE_BLOC = {
    DossierStatus.REPORTS,
    DossierStatus.COMPILING,
    DossierStatus.SIGNING,
    DossierStatus.REGISTERING,
    DossierStatus.RETURNED,
}


def _dossiers(terms) -> dict[int, Dossier]:
    return {
        dossier.meeting.term_id: dossier
        for dossier in Dossier.objects.filter(
            meeting__term__in=terms, meeting__status__in=MEETING_LIVE
        ).select_related("meeting")
    }


def dossier_cells(terms, today: datetime.date) -> dict[int, Cell]:
    """Each term's dossier to the home-affairs department: its stage, reports signed of all,
    its deadline, and whether it went (or is) late."""
    dossiers = _dossiers(terms)
    signed = report_counts(dossiers.values())
    cells = {}
    for term in terms:
        dossier = dossiers.get(term.pk)
        if dossier is None:
            cells[term.pk] = Cell(status="none", label=str(_("Not started")))
            continue
        done, total = signed.get(dossier.pk, (0, 0))
        with_bloc = dossier.status in WITH_THE_BLOC
        cells[term.pk] = Cell(
            status=dossier.status,
            label=dossier.get_status_display(),
            done=done,
            total=total,
            overdue=int(dossier.late and with_bloc),
            next_due=dossier.due if with_bloc else None,
            url=reverse("thidua:meetings:detail", args=[dossier.meeting_id]),
            detail=str(_("submitted late") if not with_bloc and dossier.late else ""),
        )
    return cells


def appraisal_cells(terms, today: datetime.date) -> dict[int, Cell]:
    """Each term's dossier at the department: awaiting reception, returned (how many times),
    received, the nominees appraised of all; its open task's deadline."""
    dossiers = {
        term_id: dossier
        for term_id, dossier in _dossiers(terms).items()
        if dossier.submitted_at is not None
    }
    concluded = appraisal_counts(dossiers.values())
    returns = return_counts(dossiers.values())
    cells = {}
    for term in terms:
        dossier = dossiers.get(term.pk)
        if dossier is None:
            cells[term.pk] = Cell(status="none", label=str(_("Not received")))
            continue
        done, total = concluded.get(dossier.pk, (0, 0))
        returned = returns.get(dossier.pk, 0)
        cells[term.pk] = Cell(
            status=dossier.status,
            label=dossier.get_status_display(),
            done=done,
            total=total,
            url=reverse("thidua:meetings:detail", args=[dossier.meeting_id]),
            detail=str(_("returned %(times)s time(s)") % {"times": returned}) if returned else "",
        )
    return cells


def council_cells(terms, today: datetime.date) -> dict[int, Cell]:
    """Each term's flags at the council: the session's stage, how many passed of those put to
    it (the results once counted)."""
    items = defaultdict(list)
    for item in AgendaItem.objects.filter(
        appraisal__candidacy__meeting__term__in=terms,
        session__status__in=LIVE_SESSIONS,
    ).select_related("session", "appraisal__candidacy__meeting"):
        items[item.appraisal.candidacy.meeting.term_id].append(item)
    cells = {}
    for term in terms:
        agenda = items.get(term.pk)
        if not agenda:
            cells[term.pk] = Cell(status="none", label=str(_("Not on an agenda")))
            continue
        session = agenda[0].session
        cells[term.pk] = Cell(
            status=session.status,
            label=session.get_status_display(),
            done=sum(1 for item in agenda if item.passed),
            total=len(agenda),
            url=reverse("thidua:council:detail", args=[session.pk]),
        )
    return cells


def decision_cells(terms, today: datetime.date) -> dict[int, Cell]:
    """Each term's nominees in the province's award decision: its stage, those awarded."""
    lines = defaultdict(list)
    for line in DecisionLine.objects.filter(
        appraisal__candidacy__meeting__term__in=terms
    ).select_related("decision__document__issued_number", "appraisal__candidacy__meeting"):
        lines[line.appraisal.candidacy.meeting.term_id].append(line)
    cells = {}
    for term in terms:
        awarded = lines.get(term.pk)
        if not awarded:
            cells[term.pk] = Cell(status="none", label=str(_("No decision yet")))
            continue
        decision = awarded[0].decision
        issued = decision.status == DecisionStatus.ISSUED
        cells[term.pk] = Cell(
            status=decision.status,
            label=decision.get_status_display(),
            done=len(awarded) if issued else 0,
            total=len(awarded),
            url=reverse("thidua:decisions:detail", args=[decision.pk]),
            detail=decision.document.issued_number.label if issued else "",
        )
    return cells


STAGES = [
    Stage(
        code="covenant",
        title=_("Covenant"),
        cells=covenant_cells,
        progress_title=_("Signatures"),
    ),
    Stage(
        code="scoring",
        title=_("Scoring"),
        cells=scoring_cells,
        progress_title=_("Self-scored"),
    ),
    Stage(
        code="meeting",
        title=_("Year-end vote"),
        cells=meeting_cells,
        progress_title=_("Voted"),
    ),
    Stage(
        code="dossier",
        title=_("Dossier to the home-affairs department"),
        cells=dossier_cells,
        progress_title=_("Reports signed"),
    ),
    Stage(
        code="appraisal",
        title=_("Reception and appraisal"),
        cells=appraisal_cells,
        progress_title=_("Nominees appraised"),
    ),
    Stage(
        code="council",
        title=_("Council vote"),
        cells=council_cells,
        progress_title=_("Passed"),
    ),
    Stage(
        code="decision",
        title=_("Award decision"),
        cells=decision_cells,
        progress_title=_("Awarded"),
    ),
]
