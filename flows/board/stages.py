"""The columns of the progress board: one stage per process of a bloc's year.

Each stage reads every bloc term of the board at once (a fixed number of queries, whatever the
number of blocs) and returns one cell per term. The covenant is the first stage; scoring and the
nominations join as further functions in ``STAGES``.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from flows.pledges.models import LIVE_STATUSES, Covenant, CovenantVersion
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

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


@dataclass(frozen=True)
class Stage:
    code: str
    title: str
    cells: object  # callable(terms, today) -> {term_id: Cell}


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
            overdue=sum(day < today for day in due_dates),
            next_due=min((day for day in due_dates if day >= today), default=None),
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
    dues = defaultdict(list)
    tasks = open_tasks_with_deadlines().filter(
        process__covenantprocess__covenant__in=list(covenants)
    )
    for task in tasks.select_related("process__covenantprocess"):
        if (due := due_on(task)) is not None:
            dues[task.process.covenantprocess.covenant_id].append(due)
    return dues


STAGES = [Stage(code="covenant", title=_("Covenant"), cells=covenant_cells)]
