"""Background work of the covenant flow (django.tasks)."""

from django.tasks import task

from flows.pledges import services
from workflows.background import job


@job("pledges.prepare_document")
@task
def prepare_document(version_id: int) -> None:
    """Render an adopted version to its PDF with signature fields and open the signing."""
    services.prepare_document(version_id)
