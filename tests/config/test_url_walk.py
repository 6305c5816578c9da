"""Every URL of the site, as every demo role and as an anonymous visitor, against the policy;
and every page it shows, in Vietnamese without a word of the English interface and without the
visitor's username (people are shown by name).

The walk reads the URL conf itself, so a new URL is walked as soon as it exists; each URL name
must match one of the rules below (a URL no rule knows fails the test). Ids come from the
demo: the Bạch Long Vĩ bloc's 2024 covenant, half-way through signing (two heads signed), with
an attachment, a validation job and a credential. Who may see it is flows.blocs.access: its
member units, the supervising vice-chairman, Hải Phòng's council and home-affairs office, the
administrator; nobody else sees a title, a name or a document of it.
"""

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from viewflow.workflow.models import Task

from flows.awards import services as award_services
from flows.awards.models import AwardRecord
from flows.blocs import services as bloc_services
from flows.blocs.models import Bloc
from flows.nominations import services as meeting_services
from flows.nominations.flows import CouncilFlow, DecisionFlow, MeetingFlow
from flows.nominations.selectors import members_of
from flows.pledges.models import Covenant
from flows.rules.services import criteria
from flows.scoring import services as scoring_services
from flows.scoring.flows import ScoringFlow
from signatures.models import Credential, ValidationJob
from tests.fixtures.meetings import write_ranking
from workflows import ballots
from workflows import services as workflow_services
from workflows.background import run_queued_tasks
from workflows.models import Organisation

BLV = "khoi-dvsn-bach-long-vi"

#: Demo accounts, one per role and position relative to the Bạch Long Vĩ bloc.
VISITORS = {
    "anonymous": None,
    "member head": "bqlcang-blv.head",
    "leader's officer": "ttvhtt-blv.officer",
    "leader's clerk": "ttvhtt-blv.clerk",
    "head in another bloc": "vinh-bao.head",
    "head in another province": "bql-kkt-van-phong.head",
    "home-affairs officer": "hp.homeaffairs",
    "home-affairs, another province": "kh.homeaffairs",
    "supervising vice-chairman": "hp.vicechair",
    "council chair": "hp.council.chair",
    "council secretary": "hp.council.secretary",
    "council member": "hp.council.m01",
    "administrator": "admin",
}
SEES_THE_BLOC = {
    "member head",
    "leader's officer",
    "leader's clerk",
    "home-affairs officer",
    "supervising vice-chairman",
    "council chair",
    "council secretary",
    "council member",
    "administrator",
}
OVERSEES_HAI_PHONG = SEES_THE_BLOC - {"member head", "leader's officer", "leader's clerk"}

REFUSED = {403, 404}

#: Words of the English interface that must never show on a Vietnamese page (whole words, case
#: sensitive where an English word is also a Vietnamese syllable or a code).
ENGLISH_WORDS = re.compile(
    r"\b(?:the|and|of|to|your|you|is|are|was|not|no|yes|with|from|for|this|that|please|ago|"
    r"minutes?|hours?|days?|New|Done|Cancel(?:l?ed)?|Save|Submit|Delete|Edit|Search|Filter|Next|"
    r"Previous|Page|Name|Status|Date|Created|Owner|Start|Join|Split|Task|Tasks|Process|"
    r"Processes|Assigned|Unassigned|Finished|Summary|Brief|Common|Organization|Country|Unknown|"
    r"None|True|False|Log ?in|Log ?out|Sign ?in|Profile|Password|Username|Email|Change|Close|"
    r"Open|Back|Home|Dashboard|Inbox|Queue|Archive|Select|Actions?|Permission|"
    # the covenant flow's steps by their code names (viewflow's filters list them so)
    r"Review|Draft|Adopt|Register|Sign|Decline)\b"
)
HIDDEN = re.compile(r"<(script|style|head)\b.*?</\1>|<[^>]+>", re.S | re.I)


def english_in(html: str) -> list[str]:
    """English words in the text a reader sees (tags, scripts and styles removed)."""
    text = HIDDEN.sub(" ", html)
    return sorted(
        {
            " ".join(text[max(0, m.start() - 30) : m.end() + 30].split())
            for m in ENGLISH_WORDS.finditer(text)
        }
    )


SIGN_IN = "sign-in"  # a redirect to the login page


@dataclass
class Demo:
    covenant: Covenant
    process_id: int
    tasks: dict  # node name → a task of it
    secrets: dict[str, str]  # what a visitor who may not see the covenant must never read:
    # the bloc's name, the covenant's title, its signers' names (a username → his own name)
    ids: dict


@dataclass(frozen=True)
class Rule:
    """What a URL answers ``visitor`` (a status, a set of them, or SIGN_IN)."""

    pattern: str
    expect: Callable[[str, Demo, dict], object]
    #: Whether a refusal must not leak the covenant's title, names or documents.
    guarded: bool = True


def _signed_in(status):
    return lambda visitor, demo, kwargs: SIGN_IN if visitor == "anonymous" else status


def _sees(allowed, refused=REFUSED):
    def expect(visitor, demo, kwargs):
        if visitor == "anonymous":
            return SIGN_IN
        return allowed if visitor in SEES_THE_BLOC else refused

    return expect


def _overseer(visitor, demo, kwargs):
    if visitor == "anonymous":
        return SIGN_IN
    return 200 if visitor in OVERSEES_HAI_PHONG else 403


def _manager(visitor, demo, kwargs):
    if visitor == "anonymous":
        return SIGN_IN
    return {200, 302} if visitor == "administrator" else 403


#: The province's flows: a council session, an award decision (Hải Phòng's overseers see them).
PROVINCE_FLOWS = (CouncilFlow, DecisionFlow)


def _task_page(visitor, demo, kwargs):
    """A task's own page: its detail for whom may see the covenant (a council session's: for
    Hải Phòng's overseers); its steps for its owner."""
    if visitor == "anonymous":
        return SIGN_IN
    province = Task.objects.get(pk=kwargs["task_pk"]).flow_task.flow_class in PROVINCE_FLOWS
    return 200 if visitor in (OVERSEES_HAI_PHONG if province else SEES_THE_BLOC) else 403


def _task_execute(visitor, demo, kwargs):
    if visitor == "anonymous":
        return SIGN_IN
    task = Task.objects.get(pk=kwargs["task_pk"])
    owner = task.owner.username if task.owner else None
    mine = owner == VISITORS[visitor] and task.status in ("ASSIGNED", "STARTED")
    return 200 if mine else REFUSED


def _task_redirect(visitor, demo, kwargs):
    # A task's index sends each visitor to what he may do with it (or away): never content.
    return SIGN_IN if visitor == "anonymous" else 302


def _task_action(visitor, demo, kwargs):
    # Assigning, unassigning, cancelling, undoing, reviving: the flow's managers only, and
    # only where viewflow's transition allows it (else it sends them back to the task).
    if visitor == "anonymous":
        return SIGN_IN
    return {200, 302, 403} if visitor == "administrator" else REFUSED


def _public(status):
    return lambda visitor, demo, kwargs: status


#: The award history walks Vĩnh Bảo's (AWARDS_UNIT); its findings are for its own officials
#: ("head in another bloc" is its head), Hải Phòng's overseers and the administrator.
AWARDS_UNIT = "vinh-bao"
SEES_VINH_BAO_FINDINGS = OVERSEES_HAI_PHONG | {"head in another bloc"}
#: Importing award history: whoever holds the add permissions (the demo's home-affairs officers).
IMPORTS_AWARDS = {"home-affairs officer", "home-affairs, another province", "administrator"}


def _among(visitors, refused=403):
    def expect(visitor, demo, kwargs):
        if visitor == "anonymous":
            return SIGN_IN
        return 200 if visitor in visitors else refused

    return expect


TASK_URL = r"workflow:flows:(covenant|scoring|meeting|handover|council|decision):\w+:"
RULES = [
    # Signed out too.
    Rule(r"login|password_reset|password_reset_done|password_reset_complete", _public(200)),
    Rule(r"password_reset_confirm", _public(200)),
    Rule(r"health", _public(200)),
    Rule(r"set_language", _public(302)),  # back to the page (a GET changes nothing)
    Rule(r"logout", _signed_in(405)),  # POST only
    Rule(r"index|thidua:index|workflow:index", _signed_in(302)),
    # Every official's own pages and lists (the lists hold only what he may see).
    Rule(r"workflow:(inbox|queue|archive)", _signed_in(200)),
    Rule(r"workflow:tasks_(assign|unassign)", _signed_in(302)),
    Rule(r"password_change|password_change_done", _signed_in(200)),
    Rule(r"profile", _signed_in(302)),  # his page of units, roles and certificates
    Rule(
        r"thidua:(blocs|covenants|scorings|meetings|board|me|validation|credentials|notifications"
        r"|rules):index",
        _signed_in(200),
    ),
    Rule(r"thidua:blocs:detail", _signed_in(200)),  # the blocs' composition is public
    Rule(r"thidua:credentials:(certificate|withdraw)", _signed_in(405)),  # POST only
    Rule(r"thidua:validation:detail", _signed_in(404)),  # only its requester's
    # The covenant, its documents, its process: for whom may see the bloc's work.
    Rule(r"thidua:covenants:(detail|attachment|revision)", _sees(200, 404)),
    Rule(r"workflow:flows:(covenant|scoring|meeting|handover):process_detail", _sees(200, 403)),
    Rule(r"workflow:flows:(council|decision):process_detail", _among(OVERSEES_HAI_PHONG)),
    # The council's sessions: the list for every official (his own jurisdictions' rows), a
    # session for Hải Phòng's overseers.
    Rule(r"thidua:council:index", _signed_in(200)),
    Rule(r"thidua:council:(detail|revision|word)", _among(OVERSEES_HAI_PHONG, 404)),
    # The award decisions: the list for every official, a decision for Hải Phòng's overseers
    # (and the committee that issues it, whose officials are not among the visitors).
    Rule(r"thidua:decisions:index", _signed_in(200)),
    Rule(r"thidua:decisions:(detail|revision|word)", _among(OVERSEES_HAI_PHONG, 404)),
    # The scoring and the criteria set: the bloc's work too; the blank criteria sheet is not.
    Rule(r"thidua:scorings:(detail|sheet|revision|evidence)", _sees(200, 404)),
    Rule(r"thidua:criteria:(detail|sheet)", _sees(200, 404)),
    Rule(r"thidua:meetings:(detail|revision|word)", _sees(200, 404)),
    Rule(r"thidua:criteria:template", _signed_in(200)),
    Rule(r"thidua:board:board", _overseer),
    # The award history: awards, ratings and indicators are public; findings and imports not.
    Rule(r"thidua:awards:(index|unit|(unit|year)_(awards|ratings|indicators))", _signed_in(200)),
    Rule(r"thidua:awards:unit_findings", _among(SEES_VINH_BAO_FINDINGS)),
    Rule(r"thidua:awards:year_findings", _overseer),
    Rule(r"thidua:awards:(import|template_\w+)", _among(IMPORTS_AWARDS)),
    # Annulling an award: proposed and recorded by the same officers; the annulment is public
    # like the award history.
    Rule(r"thidua:awards:annul", _among(IMPORTS_AWARDS)),
    Rule(r"thidua:awards:annulment", _signed_in(200)),
    # The flow's overview of every process: its managers'.
    Rule(
        r"workflow:flows:(index|(covenant|scoring|meeting|handover|council|decision):(index|process_list|task_list|chart"
        r"|process_chart|process_cancel))",
        _manager,
    ),
    Rule(TASK_URL + r"detail", _task_page),
    Rule(TASK_URL + r"execute", _task_execute),
    Rule(TASK_URL + r"index", _task_redirect),
    Rule(TASK_URL + r"(assign|unassign|cancel|undo|revive)", _task_action),
]


def url_names(patterns=None, namespace="", route=""):
    """(full name, route, URL kwargs) of every named URL of the site but the admin's."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from url_names(entry.url_patterns, inner, route + str(entry.pattern))
        elif isinstance(entry, URLPattern) and entry.name:
            yield namespace + entry.name, route + str(entry.pattern), entry.pattern.converters


def rule_for(name: str) -> Rule | None:
    return next((rule for rule in RULES if re.fullmatch(rule.pattern, name)), None)


def kwargs_for(name: str, route: str, demo: Demo) -> dict | None:
    """The URL's arguments from the demo; None when the demo has no such object."""
    wanted = re.findall(r"<(?:\w+:)?(\w+)>", route)
    values = {}
    for key in wanted:
        if key == "task_pk":
            task = demo.tasks.get(":".join(name.split(":")[2:4]))
            if task is None:
                return None
            values[key] = task.pk
        elif key == "pk":  # the URL's own object, else its viewset's
            values[key] = demo.ids.get(f"{name}:pk", demo.ids.get(name.rsplit(":", 1)[0]))
        else:  # the URL's or its flow's own value first (two pages may take an "attachment")
            scoped = [f"{name}:{key}"]
            if name.startswith("workflow:flows:"):
                scoped.append(f"{name.split(':')[2]}:{key}")
            values[key] = next((demo.ids[k] for k in scoped if k in demo.ids), demo.ids.get(key))
    return values


def _scoring_under_way(term):
    """The bloc's scoring opened, its leader unit's sheet filled, evidenced and sent to its
    head (who has a signing task): (scoring, that sheet, its evidence)."""
    officer = get_user_model().objects.get(username="ttvhtt-blv.officer")
    criteria.create_from_template(term=term, by=officer)
    scoring = scoring_services.open_scoring(term=term, by=officer)
    sheet = scoring.sheets.get(unit=term.leader)
    entries = {
        score.criterion_id: {"points": 1, "note": "", "revision": score.revision}
        for score in sheet.scores.filter(criterion__indicator="")
    }
    scoring_services.save_self_scores(sheet=sheet, by=officer, entries=entries)
    evidence = None
    for score in sheet.scores.filter(criterion__evidence_required=True):
        evidence = scoring_services.attach_evidence(
            sheet=sheet,
            criterion_id=score.criterion_id,
            by=officer,
            name="Báo cáo tổng kết",
            file=SimpleUploadedFile("bao-cao.pdf", b"%PDF-1.4 demo"),
        )
    task = Task.objects.get(
        process__scoringprocess__scoring=scoring,
        flow_task=ScoringFlow.self_score,
        data__unit=term.leader_id,
    )
    scoring_services.submit_sheet(task=task, by=officer)
    run_queued_tasks()
    sheet.refresh_from_db()
    return scoring, sheet, evidence


def _meeting_held(term):
    """The bloc's previous year ranked (as a signed scoring leaves it), its year-end meeting
    convened and held: every head present voted for every candidate, the votes counted, the
    minutes awaiting the secretary's signature."""
    officer = get_user_model().objects.get(username="ttvhtt-blv.officer")
    earlier = bloc_services.open_term(
        bloc=term.bloc,
        year=term.year - 1,
        leader=term.leader,
        deputy=term.deputy,
        members=list(term.members.all()),
        by=None,
    )
    criteria.create_from_template(term=earlier, by=officer)
    write_ranking(earlier, by=officer)
    meeting = meeting_services.convene(
        term=earlier, by=officer, held_on=timezone.localdate(), place="Hội trường"
    )
    prepare = Task.objects.get(process__meetingprocess__meeting=meeting, status="ASSIGNED")
    meeting = meeting_services.open_voting(task=prepare, by=officer)
    marks = list(ballots.current_round(meeting.ballot).candidates.all())
    for task in Task.objects.filter(
        process__meetingprocess__meeting=meeting, flow_task=MeetingFlow.vote
    ):
        meeting_services.vote(task=task, by=task.owner, marks=marks)
    count = Task.objects.get(process__meetingprocess__meeting=meeting, flow_task=MeetingFlow.count)
    meeting_services.count(task=count, by=count.owner)
    run_queued_tasks()
    meeting.refresh_from_db()
    return meeting


def _council_sat():
    """The Hải Phòng cluster's 2023 dossier appraised (the demo commands), Hải Phòng's council
    convened on it: 14 of 15 members present voted, the chairman counted, the minutes await
    the secretary."""
    call_command("run_scoring_demo", bloc="cum-khoi-huyen-hp", year=2023, verbosity=0)
    call_command("run_nominations_demo", bloc="cum-khoi-huyen-hp", year=2023, verbosity=0)
    users = get_user_model().objects
    session = meeting_services.convene_session(
        jurisdiction=Organisation.objects.get(code="hp"),
        year=2023,
        by=users.get(username="hp.council.chair"),
        held_on=timezone.localdate(),
        place="Hội trường UBND thành phố",
    )
    roll_call = Task.objects.get(
        process__councilprocess__session=session, flow_task=CouncilFlow.open_session
    )
    members = members_of(session.council, session.held_on)
    session = meeting_services.open_session(
        task=roll_call, by=roll_call.owner, present=members[:14]
    )
    marks = list(ballots.current_round(session.ballot).candidates.all())
    for task in Task.objects.filter(
        process__councilprocess__session=session, flow_task=CouncilFlow.vote
    ):
        meeting_services.council_vote(task=task, by=task.owner, marks=marks)
    count = Task.objects.get(process__councilprocess__session=session, flow_task=CouncilFlow.count)
    meeting_services.count_council(task=count, by=count.owner)
    run_queued_tasks()
    session.refresh_from_db()
    return session


@pytest.fixture
def demo(demo_pki):
    call_command("run_covenant_demo", bloc=BLV, year=2024, signatures=2, verbosity=0)
    covenant = Covenant.objects.get(term__bloc__code=BLV)
    version = covenant.versions.get()
    workflow_services.attach(
        owner=version,
        name="Báo cáo thành tích",
        upload=SimpleUploadedFile("bao-cao.pdf", b"%PDF-1.4 demo"),
        by=None,
    )
    process = covenant.processes.get()
    tasks = {}
    for task in Task.objects.filter(process=process).order_by("pk"):
        tasks.setdefault(f"covenant:{task.flow_task.name}", task)
    scoring, sheet, evidence = _scoring_under_way(covenant.term)
    for task in Task.objects.filter(process__scoringprocess__scoring=scoring).order_by("pk"):
        tasks.setdefault(f"scoring:{task.flow_task.name}", task)
    meeting = _meeting_held(covenant.term)
    for task in Task.objects.filter(process__meetingprocess__meeting=meeting).order_by("pk"):
        tasks.setdefault(f"meeting:{task.flow_task.name}", task)
    # The 2023 lead handed to the unit that leads in 2024 (awaiting the outgoing head).
    handover = meeting_services.designate_next_leader(
        term=meeting.term,
        by=get_user_model().objects.get(username="ttvhtt-blv.officer"),
        next_leader=covenant.term.leader,
        handover_on=datetime.date(covenant.term.year, 3, 1),
    )
    for task in Task.objects.filter(process__handoverprocess__handover=handover).order_by("pk"):
        tasks.setdefault(f"handover:{task.flow_task.name}", task)
    # Vĩnh Bảo's 2021 certificate: proposed for annulment (the reason illustrative).
    vinh_bao = Organisation.objects.get(code=AWARDS_UNIT)
    annulment = award_services.propose_annulment(
        record=AwardRecord.objects.get(unit=vinh_bao, year=2021),
        by=get_user_model().objects.get(username="hp.homeaffairs"),
        reason="Kiểm tra phát hiện số liệu báo cáo thành tích không trung thực (minh họa).",
    )
    session = _council_sat()
    for task in Task.objects.filter(process__councilprocess__session=session).order_by("pk"):
        tasks.setdefault(f"council:{task.flow_task.name}", task)
    # The city's decision on the cluster's 2023 nominees, drafted, awaiting the chairman.
    decision = meeting_services.draft_decision(
        jurisdiction=session.council.parent,
        year=2023,
        by=get_user_model().objects.get(username="hp.homeaffairs"),
    )
    run_queued_tasks()
    decision.refresh_from_db()
    for task in Task.objects.filter(process__decisionprocess__decision=decision).order_by("pk"):
        tasks.setdefault(f"decision:{task.flow_task.name}", task)
    user_model = get_user_model()
    requester = user_model.objects.get(username="ttvhtt-blv.head")
    job = ValidationJob.objects.create(
        requested_by=requester, file_name="x.pdf", sha256="0" * 64, size=1
    )
    fields = version.document.fields.select_related("signer")
    return Demo(
        covenant=covenant,
        process_id=process.pk,
        tasks=tasks,
        secrets={
            "": covenant.term.bloc.name,
            " ": version.title,
            **{f.signer.username: f.signer.get_full_name() for f in fields if f.signer},
        },
        ids={
            "thidua:covenants": covenant.pk,
            "thidua:blocs": Bloc.objects.get(code=BLV).pk,
            "thidua:awards": Organisation.objects.get(code=AWARDS_UNIT).pk,
            "thidua:scorings": scoring.pk,
            "scoring:process_pk": scoring.processes.get().pk,
            "term_id": covenant.term_id,
            "version": 1,
            "unit": sheet.unit_id,
            "thidua:scorings:evidence:attachment": evidence.pk,
            "thidua:scorings:revision:revision": sheet.document.latest_revision().pk,
            "thidua:meetings": meeting.pk,
            "meeting:process_pk": meeting.processes.get().pk,
            "handover:process_pk": handover.processes.get().pk,
            "thidua:council": session.pk,
            "council:process_pk": session.processes.get().pk,
            "thidua:council:revision:revision": session.minutes.latest_revision().pk,
            "thidua:decisions": decision.pk,
            "thidua:awards:annul:pk": annulment.record_id,
            "thidua:awards:annulment:pk": annulment.pk,
            "decision:process_pk": decision.processes.get().pk,
            "thidua:decisions:revision:revision": decision.document.latest_revision().pk,
            "thidua:meetings:revision:revision": meeting.minutes.latest_revision().pk,
            "thidua:meetings:word:document": meeting.minutes_id,
            "thidua:validation": job.pk,
            "thidua:credentials": Credential.objects.filter(user=requester).first().pk,
            "process_pk": process.pk,
            "attachment": version.attachments.get().pk,
            "revision": version.document.latest_revision().pk,
            "jurisdiction": Organisation.objects.get(code="hp").pk,
            "year": 2024,
            "uidb64": "MQ",
            "token": "set-password",
        },
    )


def answer(client, url, status):
    response = client.get(url)
    if status == SIGN_IN:
        return response.status_code == 302 and response["Location"].startswith(
            reverse("login")
        ), response
    allowed = status if isinstance(status, set) else {status}
    return response.status_code in allowed, response


@pytest.mark.django_db(transaction=True)
def test_every_url_as_every_demo_role(demo):
    urls, unknown = [], []
    for name, route, _converters in url_names():
        rule = rule_for(name)
        if rule is None:
            unknown.append(name)
            continue
        kwargs = kwargs_for(name, route, demo)
        if kwargs is not None:
            urls.append((name, reverse(name, kwargs=kwargs), rule, kwargs))
    assert not unknown, f"URLs the walk does not know (add a rule): {unknown}"

    wrong = []
    for visitor, username in VISITORS.items():
        client = Client()
        if username:
            client.force_login(get_user_model().objects.get(username=username))
        for name, url, rule, kwargs in urls:
            expected = rule.expect(visitor, demo, kwargs)
            ok, response = answer(client, url, expected)
            if not ok:
                wrong.append(f"{visitor}: {url} ({name}) → {response.status_code}, not {expected}")
            elif response.status_code == 200 and "html" in response.get("Content-Type", ""):
                html = response.content.decode()
                english = english_in(html)
                if english:
                    wrong.append(f"{visitor}: {url} ({name}) shows English: {english}")
                if username and username in HIDDEN.sub(" ", html):
                    wrong.append(f"{visitor}: {url} ({name}) shows the username {username}")
            if ok and rule.guarded and response.status_code in REFUSED | {302}:
                body = response.content.decode(errors="replace")
                leaked = [
                    secret
                    for owner, secret in demo.secrets.items()
                    if owner != username and secret in body
                ]
                if leaked:
                    wrong.append(f"{visitor}: {url} ({name}) refused but shows {leaked}")
    assert not wrong, "\n".join(wrong)
    walked = {name for name, *_ in urls}
    assert len(walked) >= 60  # the covenant flow's task URLs are most of them
