"""Reads of the covenant pages and of the flow's fan-outs; who may watch a covenant live."""

import difflib

from django.db.models import Prefetch
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from flows.blocs.access import visible_terms
from flows.blocs.models import SigningOrder
from flows.blocs.selectors import member_units
from flows.pledges.models import (
    Covenant,
    CovenantVersion,
    ReviewOpinion,
    SigningDecline,
)
from notifications.access import watchable
from signatures import pipeline
from signatures.models import SignatureField

ORGANISATION_FIELD = "organisation"


def signature_field_name(organisation_id: int) -> str:
    """The PDF field of a member unit's head (names must be plain ASCII)."""
    return f"unit-{organisation_id}"


def current_version(covenant: Covenant) -> CovenantVersion:
    return covenant.versions.order_by("-number").first()


# -- data sources of the flow's fan-outs ----------------------------------------------------------


def review_items(activation) -> list[dict]:
    """One review task per member unit of the term."""
    return [{"unit": unit.pk} for unit in member_units(activation.process.covenant.term)]


def signing_items(activation) -> list[dict]:
    """One signature task per unsigned head field (only the next one in ordered mode)."""
    covenant = activation.process.covenant
    version = current_version(covenant)
    fields = pipeline.unsigned_fields(
        version.document, ordered=covenant.term.bloc.signing_order == SigningOrder.ORDERED
    )
    return [
        {"unit": field.organisation_id, "field": field.pk, "version": version.pk}
        for field in fields
    ]


# -- pages ------------------------------------------------------------------------------------


def visible_covenants(user):
    """The covenants ``user`` may see: those of the bloc terms the policy shows him."""
    return Covenant.objects.filter(term__in=visible_terms(user))


def may_see_covenant(user, covenant_id: int) -> bool:
    return visible_covenants(user).filter(pk=covenant_id).exists()


def _versions_with_numbers():
    return Prefetch(
        "versions", queryset=CovenantVersion.objects.select_related("document__issued_number")
    )


def covenants_for_list(user):
    return (
        visible_covenants(user)
        .select_related("term__bloc", "term__leader")
        .prefetch_related(_versions_with_numbers())
        .order_by("-term__year", "term__bloc__name")
    )


def covenant_detail(user, pk: int) -> Covenant:
    """A covenant ``user`` may see, with its versions, opinions, declines and signature fields,
    in few queries (``Covenant.DoesNotExist`` if there is none he may see)."""
    return (
        visible_covenants(user)
        .select_related("term__bloc__jurisdiction", "term__leader", "created_by")
        .prefetch_related(
            Prefetch(
                "versions",
                queryset=CovenantVersion.objects.select_related(
                    "created_by", "document__issued_number", "criteria_set"
                )
                .prefetch_related("commitments", "targets", "attachments")
                .order_by("-number"),
            ),
            Prefetch(
                "versions__opinions",
                queryset=ReviewOpinion.objects.select_related(
                    "organisation", "person", "on_behalf_of"
                ),
            ),
            Prefetch(
                "versions__declines",
                queryset=SigningDecline.objects.select_related(
                    "organisation", "person", "on_behalf_of"
                ),
            ),
            Prefetch(
                "versions__document__fields",
                queryset=SignatureField.objects.select_related("signer", "signed_by").order_by(
                    "position"
                ),
            ),
            "versions__document__revisions",
        )
        .get(pk=pk)
    )


def open_tasks(covenant: Covenant):
    """The covenant's human tasks still waiting, with their owners."""
    return (
        Task.objects.filter(
            process__covenantprocess__covenant=covenant,
            status__in=[STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED],
            flow_task_type="HUMAN",
        )
        .select_related("owner", "process")
        .order_by("pk")
    )


def version_text(version: CovenantVersion) -> list[str]:
    """The version as lines of text, for a readable diff between versions."""
    lines = [version.title, "", *version.basis_lines(), "", version.theme, "", version.preamble]
    for commitment in version.commitments.all():
        lines += ["", f"{commitment.position}. {commitment.heading}".rstrip(), commitment.text]
    lines.append("")
    for target in version.targets.all():
        lines.append(f"[{target.code}] {target.text}: {target.value_text}")
    lines += ["", version.closing]
    return [line for text in lines for line in (text.splitlines() or [""])]


def version_diff(older: CovenantVersion, newer: CovenantVersion) -> list[tuple[str, str]]:
    """(kind, line) pairs: kind is "added", "removed" or "same"; unchanged runs shortened."""
    kinds = {"+": "added", "-": "removed", " ": "same"}
    diff = difflib.unified_diff(version_text(older), version_text(newer), lineterm="", n=1)
    return [
        (kinds[line[0]], line[1:])
        for line in diff
        if line and line[0] in kinds and not line.startswith(("+++", "---"))
    ]


@watchable("covenant")
def may_watch(user, covenant_id: int) -> bool:
    """A covenant's page updates live for whoever may see the covenant."""
    return may_see_covenant(user, covenant_id)
