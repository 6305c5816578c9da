"""Background work of the year-end meeting (django.tasks)."""

from django.tasks import task

from flows.nominations import services
from workflows.background import job


@job("nominations.prepare_minutes")
@task
def prepare_minutes(meeting_id: int) -> None:
    """Render the meeting's minutes with the vote count, for its secretary and chair to sign."""
    services.prepare_minutes(meeting_id)


@job("nominations.prepare_report")
@task
def prepare_report(report_id: int) -> None:
    """Render a nominee's achievement report, for its head to sign."""
    services.prepare_report(report_id)


@job("nominations.prepare_proposal")
@task
def prepare_proposal(dossier_id: int) -> None:
    """Render the bloc's proposal and its list, for the leader unit's head and records clerk."""
    services.prepare_proposal(dossier_id)


@job("nominations.prepare_handover")
@task
def prepare_handover(handover_id: int) -> None:
    """Render the leader's hand-over minutes, for the outgoing and incoming heads to sign."""
    services.prepare_handover(handover_id)


@job("nominations.prepare_return_notice")
@task
def prepare_return_notice(submission_id: int) -> None:
    """Render the department's notice returning a dossier, for its head to sign."""
    services.prepare_return_notice(submission_id)


@job("nominations.prepare_appraisal")
@task
def prepare_appraisal(dossier_id: int) -> None:
    """Render the department's appraisal of a dossier, for its head to sign."""
    services.prepare_appraisal(dossier_id)


@job("nominations.prepare_council_minutes")
@task
def prepare_council_minutes(session_id: int) -> None:
    """Render a council session's minutes with its results, for the secretary and chairman."""
    services.prepare_council_minutes(session_id)


@job("nominations.prepare_decision")
@task
def prepare_decision(decision_id: int) -> None:
    """Render an award decision with its list, for the chairman and the records clerk."""
    services.prepare_decision(decision_id)
