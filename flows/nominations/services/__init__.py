"""Every write of the year-end flows: atomic, permission-checked, audited.

A step runs inside ``workflows.acting.acting_on`` (the flow's lock, the open task, the person
acting in its role at its unit today). The vote itself is the engine's ballot
(``workflows.ballots``): these modules decide what is put to the vote, under which rules, and
what the result means.

By stage: ``meeting`` (the bloc's bình xét – suy tôn and its minutes), ``dossier`` (the
nominees' reports and the bloc's proposal), ``handover`` (the next leader unit), ``reception``
(the home-affairs department receives or returns the dossier, and appraises it), ``council``
(the council's session and vote; its names here say "council"), ``decision`` (the
province's award decision); ``common``
holds what they share. The names below are the app's service API, used by its views, tasks,
receivers and the demo.
"""

from flows.nominations.services.common import OPENING_ROLES, RULES
from flows.nominations.services.council import (
    SESSION_RULES,
    convene_session,
    open_session,
)
from flows.nominations.services.council import (
    close_voting as close_council_voting,
)
from flows.nominations.services.council import (
    count as count_council,
)
from flows.nominations.services.council import (
    may_close_voting as may_close_council_voting,
)
from flows.nominations.services.council import (
    on_minutes_signed as on_council_minutes_signed,
)
from flows.nominations.services.council import (
    prepare_minutes as prepare_council_minutes,
)
from flows.nominations.services.council import (
    record_written_vote as record_written_council_vote,
)
from flows.nominations.services.council import (
    sign_minutes as sign_council_minutes,
)
from flows.nominations.services.council import (
    vote as council_vote,
)
from flows.nominations.services.decision import (
    draft_decision,
    on_decision_signed,
    prepare_decision,
    register_decision,
    sign_decision,
)
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
from flows.nominations.services.reception import (
    appraise,
    on_appraisal_signed,
    on_return_notice_signed,
    prepare_appraisal,
    prepare_return_notice,
    receive,
    record_consultation_answer,
    request_consultation,
    return_dossier,
    send_appraisal,
    sign_appraisal,
    sign_return_notice,
)

__all__ = [
    "HANDOVER_FIELDS",
    "OPENING_ROLES",
    "RULES",
    "SESSION_RULES",
    "answer_decision",
    "appraise",
    "close_council_voting",
    "close_voting",
    "convene",
    "convene_session",
    "council_vote",
    "count",
    "count_council",
    "count_election",
    "decide",
    "designate_next_leader",
    "draft_achievements",
    "draft_decision",
    "draft_of",
    "elect",
    "may_close_council_voting",
    "may_close_voting",
    "may_designate",
    "minutes_field",
    "on_appraisal_signed",
    "on_council_minutes_signed",
    "on_decision_signed",
    "on_handover_signed",
    "on_minutes_signed",
    "on_proposal_signed",
    "on_report_signed",
    "on_return_notice_signed",
    "open_session",
    "open_voting",
    "prepare_appraisal",
    "prepare_council_minutes",
    "prepare_decision",
    "prepare_handover",
    "prepare_minutes",
    "prepare_proposal",
    "prepare_report",
    "prepare_return_notice",
    "propose",
    "ranking_of",
    "receive",
    "record_consultation_answer",
    "record_written_council_vote",
    "record_written_vote",
    "register_decision",
    "register_proposal",
    "report_for",
    "request_consultation",
    "return_dossier",
    "save_report",
    "send_appraisal",
    "send_proposal",
    "set_attendance",
    "sign_appraisal",
    "sign_council_minutes",
    "sign_decision",
    "sign_handover",
    "sign_minutes",
    "sign_proposal",
    "sign_report",
    "sign_return_notice",
    "submit_report",
    "vote",
    "withdraw",
]
