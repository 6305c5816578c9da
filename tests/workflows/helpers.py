"""Assertions shared by the workflows tests.

Messages are written in English (msgids) and will be translated to Vietnamese: tests look at
which field carries an error and at the values interpolated into it, never at whole sentences.
"""

from django.core.exceptions import ValidationError

from workflows.models import AuditEvent


def errors_on(error: ValidationError, field: str) -> str:
    """The messages ``error`` carries for ``field`` (NON_FIELD_ERRORS for model-wide ones)."""
    assert field in error.message_dict, f"no error on {field!r}: {error.message_dict}"
    return " | ".join(error.message_dict[field])


def actions() -> list[str]:
    """The actions of the audit log, in order."""
    return list(AuditEvent.objects.order_by("position").values_list("action", flat=True))


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("position"))
