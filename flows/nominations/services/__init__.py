"""Every write of the year-end flows: atomic, permission-checked, audited.

A step runs inside ``workflows.acting.acting_on`` (the flow's lock, the open task, the person
acting in its role at its unit today). The vote itself is the engine's ballot
(``workflows.ballots``): these modules decide what is put to the vote, under which rules, and
what the result means.

By stage: ``meeting`` (the bloc's bình xét – suy tôn and its minutes), ``dossier`` (the
nominees' reports and the bloc's proposal), ``handover`` (the next leader unit), ``reception``
(the home-affairs department receives or returns the dossier, and appraises it); ``common``
holds what they share. The names below are the app's service API, used by its views, tasks,
receivers and the demo.
"""

from flows.nominations.services.common import OPENING_ROLES, RULES
from flows.nominations.services.dossier import (
    draft_achievements,
    draft_of,
    on_proposal_signed,
    on_report_signed,
    prepare_proposal,
    prepare_report,
    register_proposal,
    report_for,
    save_report,
    send_proposal,
    sign_proposal,
    sign_report,
    submit_report,
)
from flows.nominations.services.handover import (
    HANDOVER_FIELDS,
    count_election,
    designate_next_leader,
    elect,
    may_designate,
    on_handover_signed,
    prepare_handover,
    sign_handover,
)
from flows.nominations.services.meeting import (
    answer_decision,
    close_voting,
    convene,
    count,
    decide,
    may_close_voting,
    minutes_field,
    on_minutes_signed,
    open_voting,
    prepare_minutes,
    propose,
    ranking_of,
    record_written_vote,
    set_attendance,
    sign_minutes,
    vote,
    withdraw,
)

__all__ = [
    "HANDOVER_FIELDS",
    "OPENING_ROLES",
    "RULES",
    "answer_decision",
    "close_voting",
    "convene",
    "count",
    "count_election",
    "decide",
    "designate_next_leader",
    "draft_achievements",
    "draft_of",
    "elect",
    "may_close_voting",
    "may_designate",
    "minutes_field",
    "on_handover_signed",
    "on_minutes_signed",
    "on_proposal_signed",
    "on_report_signed",
    "open_voting",
    "prepare_handover",
    "prepare_minutes",
    "prepare_proposal",
    "prepare_report",
    "propose",
    "ranking_of",
    "record_written_vote",
    "register_proposal",
    "report_for",
    "save_report",
    "send_proposal",
    "set_attendance",
    "sign_handover",
    "sign_minutes",
    "sign_proposal",
    "sign_report",
    "submit_report",
    "vote",
    "withdraw",
]
