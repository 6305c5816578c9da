"""Background work of the signatures app (django.tasks): signing never runs in a request."""

from django.tasks import task

from signatures import services


@task
def sign_requested(request_id: int) -> str:
    """Carry out a signing request; returns its final status (signed or failed)."""
    return services.carry_out(request_id).status
