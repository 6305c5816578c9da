"""Background work of the scoring flow (django.tasks)."""

from django.tasks import task

from flows.scoring import services
from workflows.background import job


@job("scoring.prepare_sheet")
@task
def prepare_sheet(sheet_id: int) -> None:
    """Render a unit's sent score sheet to its PDF, for its head's signature."""
    services.prepare_sheet(sheet_id)


@job("scoring.prepare_result")
@task
def prepare_result(result_id: int) -> None:
    """Render the bloc's frozen result to its PDF, for the leader unit head's signature."""
    services.prepare_result(result_id)
