"""The covenant's events: audited, and pushed to its page and the board."""

from notifications.events import live_group, publish


def covenant_groups(covenant) -> list[str]:
    term = covenant.term
    return [
        live_group("covenant", covenant.pk),
        live_group("board", term.bloc.jurisdiction_id, term.year),
    ]


def covenant_event(
    event: str, covenant, /, *, actor=None, on_behalf_of=None, audit=True, **data
) -> None:
    """A change of the covenant (its status, a signature, a comment…); ``audit=False`` when
    the service that made it recorded it already."""
    publish(
        event,
        groups=covenant_groups(covenant),
        data={"covenant": covenant.pk, "status": covenant.status, **data},
        actor=actor,
        on_behalf_of=on_behalf_of,
        obj=covenant,
        audit=audit,
    )


def signing_progress(covenant_id: int, request) -> None:
    """A signature under way moved on without landing (prepared for an outside signer, back to
    pending, failed): the covenant's pages refresh, the signer's step among them. Not the board,
    which counts signatures; the signing service wrote the audit entry."""
    publish(
        "covenant.signing_progress",
        groups=[live_group("covenant", covenant_id)],
        data={"covenant": covenant_id, "field": request.field_id, "signing": request.status},
        audit=False,
    )
