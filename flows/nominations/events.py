"""The meeting's events: audited, and pushed to its page and the jurisdiction's board."""

from notifications.events import live_group, publish


def meeting_event(event: str, meeting, /, *, actor=None, on_behalf_of=None, audit=True, **data):
    """A change of the meeting (a stage, a vote, the minutes…); ``audit=False`` when the
    service that made it recorded it already. A vote event says which unit voted, never how."""
    term = meeting.term
    publish(
        event,
        groups=[
            live_group("meeting", meeting.pk),
            live_group("board", term.bloc.jurisdiction_id, term.year),
        ],
        data={"meeting": meeting.pk, "status": meeting.status, **data},
        actor=actor,
        on_behalf_of=on_behalf_of,
        obj=meeting,
        audit=audit,
    )


def signing_progress(meeting_id: int, request) -> None:
    """A signature of the minutes moved on without landing: the pages refresh."""
    publish(
        "meeting.signing_progress",
        groups=[live_group("meeting", meeting_id)],
        data={"meeting": meeting_id, "field": request.field_id, "signing": request.status},
        audit=False,
    )


def handover_event(event: str, handover, /, *, actor=None, on_behalf_of=None, audit=True, **data):
    """A step of the leader's hand-over: audited, and pushed to the board of its year."""
    term = handover.term
    publish(
        event,
        groups=[live_group("board", term.bloc.jurisdiction_id, term.year)],
        data={"handover": handover.pk, "status": handover.status, **data},
        actor=actor,
        on_behalf_of=on_behalf_of,
        obj=handover,
        audit=audit,
    )


def session_event(event: str, session, /, *, actor=None, on_behalf_of=None, audit=True, **data):
    """A step of a council session: audited, pushed to its page and the board of its year. A
    vote event says that a member voted, never who or how."""
    publish(
        event,
        groups=[
            live_group("session", session.pk),
            live_group("board", session.council.parent_id, session.year),
        ],
        data={"session": session.pk, "status": session.status, **data},
        actor=actor,
        on_behalf_of=on_behalf_of,
        obj=session,
        audit=audit,
    )


def decision_event(event: str, decision, /, *, actor=None, audit=True, **data):
    """A step of an award decision: audited, pushed to the board of its year."""
    publish(
        event,
        groups=[live_group("board", decision.issuer.parent_id, decision.year)],
        data={"decision": decision.pk, "status": decision.status, **data},
        actor=actor,
        obj=decision,
        audit=audit,
    )
