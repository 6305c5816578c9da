"""Drive a covenant through its whole flow as the demo officials (``run_covenant_demo``).

Every step goes through the covenant services, acting as the person the task is assigned to,
exactly as that official would from his inbox; background work (the PDF, each signature) runs
in this process between the steps.
"""

from pathlib import Path

import yaml
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from flows.pledges import services
from flows.pledges.models import Covenant, CovenantStatus, Decision
from flows.rules import selectors as rules
from flows.rules.services import criteria
from signatures.models import Credential, RequestStatus, SigningRequest
from signatures.pki import DEMO_PIN
from workflows.background import run_queued_tasks
from workflows.models import Role
from workflows.resolvers import holders

COVENANT_TEXT = Path(__file__).parent / "data" / "covenant.yaml"
#: Every step is one task; a covenant of 20 members takes fewer than 60.
MAX_STEPS = 200


class DemoStopped(Exception):
    """The covenant cannot go further on its own (a failed signature, a missing official)."""


def drive_covenant(*, term, signatures: int | None = None, log=lambda line: None) -> Covenant:
    """Take ``term``'s covenant as far as it goes; stop at ``signatures`` heads' signatures."""
    covenant = Covenant.objects.filter(term=term).exclude(status=CovenantStatus.WITHDRAWN).first()
    if covenant is None:
        covenant = services.start_covenant(term=term, by=drafter(term))
        log(f"started: {covenant}")
    for _step in range(MAX_STEPS):
        run_queued_tasks()
        covenant.refresh_from_db()
        if covenant.status == CovenantStatus.IN_FORCE or _enough(covenant, signatures):
            return covenant
        task = _next_task(covenant)
        log(f"{task.flow_task.name}: {task.owner.get_full_name()} ({task.data.get('unit_name')})")
        STEPS[task.flow_task.name](task, covenant)
    raise DemoStopped(f"{covenant} did not finish in {MAX_STEPS} steps.")


def drafter(term):
    """Who drafts for the term's leader unit: its emulation officer, else its head."""
    for role in (Role.EMULATION_OFFICER, Role.HEAD):
        appointments = holders(role, term.leader, timezone.localdate())
        if appointments:
            return appointments[0].user
    raise DemoStopped(f"{term.leader} has no emulation officer or head to draft for the bloc.")


def _enough(covenant, signatures) -> bool:
    if signatures is None or covenant.status != CovenantStatus.SIGNING:
        return False
    document = covenant.versions.order_by("-number").first().document
    return document.fields.filter(kind="personal", signed_by__isnull=False).count() >= signatures


def _next_task(covenant):
    task = (
        Task.objects.filter(
            process__covenantprocess__covenant=covenant,
            flow_task_type="HUMAN",
            status__in=[STATUS.ASSIGNED, STATUS.STARTED],
        )
        .select_related("owner")
        .order_by("pk")
        .first()
    )
    if task is None:
        raise DemoStopped(f"{covenant} waits for no one ({covenant.get_status_display()}).")
    return task


def _draft(task, covenant):
    text = yaml.safe_load(COVENANT_TEXT.read_text(encoding="utf-8"))
    names = {"year": covenant.term.year, "bloc": covenant.term.bloc.name}
    services.save_draft(
        task=task,
        by=task.owner,
        title=text["title"].format(**names),
        basis=text["basis"].format(**names),
        theme=text["theme"],
        preamble=text["preamble"].format(**names),
        closing=text["closing"],
        commitments=text["commitments"],
        targets=text["targets"],
    )
    services.submit_draft(task=task, by=task.owner)


def _review(task, covenant):
    services.review_draft(task=task, by=task.owner, decision=Decision.APPROVE)


def _adopt(task, covenant):
    # The bloc adopts its criteria set with the covenant (DOMAIN.md §1.3 K-10).
    if rules.latest_criteria_set(covenant.term) is None:
        criteria.create_from_template(term=covenant.term, by=drafter(covenant.term))
    services.adopt(task=task, by=task.owner)


def _credential(person):
    credential = Credential.objects.usable_for(person).order_by("-pk").first()
    if credential is None:
        raise DemoStopped(f"{person.get_full_name()} has no signing credential: run pki_init.")
    return credential


def signing_step(service):
    """A step signing as the task's owner with his credential, the signature made at once."""

    def step(task, subject):
        request = service(
            task=task, by=task.owner, credential=_credential(task.owner), secret=DEMO_PIN
        )
        run_queued_tasks()
        request = SigningRequest.objects.get(pk=request.pk)
        if request.status == RequestStatus.FAILED:
            raise DemoStopped(f"{task.owner.get_full_name()} could not sign: {request.reason}")

    return step


def _reopen(task, covenant):
    services.answer_decline(task=task, by=task.owner, reopen=True)


STEPS = {
    "draft": _draft,
    "review": _review,
    "adopt": _adopt,
    "sign": signing_step(services.sign),
    "register": signing_step(services.register),
    "answer_decline": _reopen,
}
