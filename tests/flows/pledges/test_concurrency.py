"""On PostgreSQL: every head signing at the same moment, and double submissions."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from flows.pledges import services
from flows.pledges.flows import CovenantFlow
from flows.pledges.models import CovenantStatus, Decision, ReviewOpinion
from signatures import validation
from signatures.models import SigningRequest
from signatures.pki import DEMO_PIN
from tests.flows.pledges.test_flow import (
    adopt,
    draft_and_submit,
    open_tasks,
    review_all,
    status_of,
    task_of,
)
from workflows.background import run_queued_tasks

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
    pytest.mark.django_db(transaction=True),
]
JOIN_SECONDS = 120  # every wait is bounded


def all_at_once(functions) -> list[dict]:
    """Run the functions in threads released together; each outcome has "result" or "error"."""
    barrier = threading.Barrier(len(functions))
    outcomes = [{} for _ in functions]

    def run(function, outcome):
        try:
            barrier.wait(timeout=JOIN_SECONDS)
            outcome["result"] = function()
        except Exception as error:  # examined by the test
            outcome["error"] = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=pair, daemon=True)
        for pair in zip(functions, outcomes, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=JOIN_SECONDS)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


def test_every_head_signs_at_the_same_moment(covenant_bloc):
    bloc = covenant_bloc(6)
    covenant = services.start_covenant(term=bloc.term, by=bloc.officer)
    draft_and_submit(bloc, covenant)
    review_all(bloc, covenant)
    adopt(bloc, covenant)

    def signing(head):
        task = task_of(covenant, CovenantFlow.sign, head)
        return lambda: services.sign(
            task=task, by=head, credential=bloc.credential(head), secret=DEMO_PIN
        )

    outcomes = all_at_once([signing(head) for head in bloc.heads])
    assert [outcome.get("error") for outcome in outcomes] == [None] * 6
    # Two workers carry the signatures out side by side, as two db_worker processes would.
    all_at_once([run_queued_tasks, run_queued_tasks])

    assert status_of(covenant) == CovenantStatus.SIGNED
    document = covenant.versions.get().document
    numbers = sorted(field.revision.number for field in document.fields.exclude(revision=None))
    assert numbers == list(range(2, 8))  # 0 rendered, 1 fields, then one per signature
    assert len(open_tasks(covenant, CovenantFlow.register)) == 1
    report = validation.validate_pdf(document.latest_revision().read())
    assert report.ok, report.as_dict()


def test_a_double_click_signs_once_and_reviews_once(covenant_bloc):
    bloc = covenant_bloc(2)
    covenant = services.start_covenant(term=bloc.term, by=bloc.officer)
    draft_and_submit(bloc, covenant)
    head = bloc.heads[0]
    review = task_of(covenant, CovenantFlow.review, head)
    outcomes = all_at_once(
        [lambda: services.review_draft(task=review, by=head, decision=Decision.APPROVE)] * 2
    )
    assert sum("error" in outcome for outcome in outcomes) == 1
    assert isinstance(next(o["error"] for o in outcomes if "error" in o), ValidationError)
    assert ReviewOpinion.objects.filter(organisation=bloc.units[0]).count() == 1

    services.review_draft(
        task=task_of(covenant, CovenantFlow.review, bloc.heads[1]),
        by=bloc.heads[1],
        decision=Decision.APPROVE,
    )
    adopt(bloc, covenant)
    sign = task_of(covenant, CovenantFlow.sign, head)
    outcomes = all_at_once(
        [
            lambda: services.sign(
                task=sign, by=head, credential=bloc.credential(head), secret=DEMO_PIN
            )
        ]
        * 2
    )
    assert sum("error" in outcome for outcome in outcomes) == 1
    assert SigningRequest.objects.filter(field__signer=head).count() == 1
    run_queued_tasks()
    assert covenant.versions.get().document.fields.get(signer=head).signed_by == head
