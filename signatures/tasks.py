"""Background work of the signatures app (django.tasks): signing never runs in a request."""

from django.tasks import task

from signatures import services


@task
def sign_requested(request_id: int) -> str:
    """Carry out a signing request; returns its final status (signed or failed)."""
    return services.carry_out(request_id).status


@task
def validate_uploaded(job_id: int, language: str | None = None) -> str:
    """Check the signatures of an uploaded PDF; returns the job's final status.

    ``language`` is the uploader's, for the report's messages (the worker has none of its own).
    """
    job = services.run_validation(job_id, language=language)
    return job.status if job is not None else "missing"
