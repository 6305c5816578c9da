"""Background work of the year-end meeting (django.tasks)."""

from django.tasks import task

from flows.nominations import services
from workflows.background import job


@job("nominations.prepare_minutes")
@task
def prepare_minutes(meeting_id: int) -> None:
    """Render the meeting's minutes with the vote count, for its secretary and chair to sign."""
    services.prepare_minutes(meeting_id)
