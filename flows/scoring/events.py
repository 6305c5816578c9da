"""The scoring's events: audited, and pushed to its pages and the jurisdiction's board."""

from notifications.events import live_group, publish


def scoring_event(event: str, scoring, /, *, actor=None, on_behalf_of=None, audit=True, **data):
    """A change of the scoring (a stage, a sheet, points…); ``audit=False`` when the service
    that made it recorded it already."""
    term = scoring.term
    publish(
        event,
        groups=[
            live_group("scoring", scoring.pk),
            live_group("board", term.bloc.jurisdiction_id, term.year),
        ],
        data={"scoring": scoring.pk, "status": scoring.status, **data},
        actor=actor,
        on_behalf_of=on_behalf_of,
        obj=scoring,
        audit=audit,
    )


def signing_progress(scoring_id: int, request) -> None:
    """A signature of a sheet or of the result moved on without landing: the pages refresh."""
    publish(
        "scoring.signing_progress",
        groups=[live_group("scoring", scoring_id)],
        data={"scoring": scoring_id, "field": request.field_id, "signing": request.status},
        audit=False,
    )
