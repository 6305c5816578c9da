"""Drive a province's award decision as the demo officials (``run_decision_demo``): its
home-affairs officer drafts it on the year's nominees the province decides, the chairman signs
it, the committee's records clerk numbers and seals it. The council must have counted first
(``run_council_demo``)."""

from django.contrib.auth import get_user_model
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from flows.demo.covenants import DemoStopped, signing_step
from flows.nominations import services
from flows.nominations.flows import DecisionFlow
from flows.nominations.models import AwardDecision, DecisionStatus
from workflows.background import run_queued_tasks
from workflows.models import Organisation

STEPS = {
    DecisionFlow.sign: signing_step(services.sign_decision),
    DecisionFlow.register: signing_step(services.register_decision),
}


def drive_decision(*, jurisdiction_code: str, year: int, log=lambda line: None) -> AwardDecision:
    jurisdiction = Organisation.objects.get(code=jurisdiction_code)
    decision = AwardDecision.objects.filter(issuer__parent=jurisdiction, year=year).first()
    if decision is None:
        officer = get_user_model().objects.get(username=f"{jurisdiction_code}.homeaffairs")
        decision = services.draft_decision(jurisdiction=jurisdiction, year=year, by=officer)
        log(f"drafted: {decision}")
    for _step in range(len(STEPS) + 1):
        run_queued_tasks()
        decision.refresh_from_db()
        if decision.status == DecisionStatus.ISSUED:
            return decision
        task = (
            Task.objects.filter(
                process__decisionprocess__decision=decision,
                flow_task_type="HUMAN",
                status__in=[STATUS.ASSIGNED, STATUS.STARTED],
            )
            .select_related("owner")
            .first()
        )
        if task is None:
            raise DemoStopped(f"{decision} waits for no one ({decision.get_status_display()}).")
        log(f"{task.flow_task.name}: {task.owner.get_full_name()}")
        STEPS[task.flow_task](task, decision)
    raise DemoStopped(f"{decision} was not issued.")
