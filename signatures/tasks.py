"""Background work of the signatures app (django.tasks): signing never runs in a request."""

from django.tasks import task

from signatures.services import credentials, signing, uploads
from workflows.background import job


@job("signatures.sign_requested")
@task
def sign_requested(request_id: int) -> str:
    """Take a signing request one step on; returns its status: signed or failed, or for an
    outside signer waiting_external once the document is prepared for him."""
    return signing.carry_out(request_id).status


@job("signatures.validate_uploaded")
@task
def validate_uploaded(job_id: int, language: str | None = None) -> str:
    """Check the signatures of an uploaded PDF; returns the job's final status.

    ``language`` is the uploader's, for the report's messages (the worker has none of its own).
    """
    job = uploads.run_validation(job_id, language=language)
    return job.status if job is not None else "missing"


@job("signatures.check_credential")
@task
def check_credential(credential_id: int, language: str | None = None, attempt: int = 1) -> str:
    """Finish checking a registered credential (its revocation status, asked online); returns
    its status. ``language`` is the registering person's, for the reason of a refusal;
    ``attempt`` counts the checks of a status that could not be learnt (a responder down)."""
    credential = credentials.finish_credential_check(
        credential_id, language=language, attempt=attempt
    )
    return credential.status if credential is not None else "missing"
