"""Reads of the signatures app, for its pages and the flows' signing steps."""

from signatures.models import Credential, SigningRequest, ValidationJob

#: How many of his last checks the validation page lists for an official.
RECENT_JOBS = 10


def recent_validations(user, limit: int = RECENT_JOBS):
    """``user``'s last uploaded checks, newest first, without their files."""
    return ValidationJob.objects.filter(requested_by=user).only(
        "pk", "file_name", "sha256", "size", "status", "created_at", "report"
    )[:limit]


def credentials_of(user):
    """``user``'s signing credentials, live ones first, the longest valid first."""
    return Credential.objects.filter(user=user).order_by("revoked_at", "-valid_to")


def usable_credential_ids(user) -> set[int]:
    return set(Credential.objects.usable_for(user).values_list("pk", flat=True))


def last_request(field_id) -> SigningRequest | None:
    """The newest signing request of a field: the only one that can still be open."""
    requests = SigningRequest.objects.filter(field_id=field_id).select_related("credential")
    return requests.order_by("-pk").first()
