"""URL map: the viewflow frontend (Site) with the inbox and the domain pages, admin, i18n."""

from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import LoginView
from django.http import HttpResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET
from django.views.generic import RedirectView
from django.views.i18n import set_language
from viewflow.contrib.auth import AuthViewset
from viewflow.urls import Application, Site, route

from flows.awards.urls import AwardViewset
from flows.blocs.views import BlocViewset, MyOrganisationViewset
from flows.board.views import BoardViewset
from flows.nominations.flows import CouncilFlow, DecisionFlow, HandoverFlow, MeetingFlow
from flows.nominations.views import CouncilViewset, DecisionViewset, MeetingViewset
from flows.pledges.flows import CovenantFlow
from flows.pledges.views import CovenantViewset
from flows.rules.views import CriteriaViewset, RulesViewset
from flows.scoring.flows import ScoringFlow
from flows.scoring.views import ScoringViewset
from notifications.views import NotificationViewset
from signatures.views import CredentialViewset, ValidationViewset
from workflows.forms import ThrottledSignInForm
from workflows.views import (
    ArchiveListView,
    FlowViewset,
    InboxListView,
    QueueListView,
    WorkflowApp,
)


class InboxApp(WorkflowApp):
    title = _("Tasks")
    icon = "inbox"
    inbox_view_class = InboxListView
    queue_view_class = QueueListView
    archive_view_class = ArchiveListView
    index_path = path("", RedirectView.as_view(pattern_name="workflow:inbox"), name="index")

    def has_view_permission(self, user, obj=None):
        # Every signed-in official has an inbox; its lists only ever hold his own tasks.
        return user.is_authenticated


class EmulationApp(Application):
    app_name = "thidua"
    title = _("Emulation and commendation")
    icon = "emoji_events"
    base_template_name = "workflows/page.html"
    blocs_path = route("blocs/", BlocViewset())
    covenants_path = route("covenants/", CovenantViewset())
    scorings_path = route("scorings/", ScoringViewset())
    meetings_path = route("meetings/", MeetingViewset())
    council_path = route("council/", CouncilViewset())
    decisions_path = route("decisions/", DecisionViewset())
    board_path = route("board/", BoardViewset())
    awards_path = route("awards/", AwardViewset())
    rules_path = route("rules/", RulesViewset())
    criteria_path = route("criteria/", CriteriaViewset())
    me_path = route("me/", MyOrganisationViewset())
    validation_path = route("validation/", ValidationViewset())
    credentials_path = route("credentials/", CredentialViewset())
    notifications_path = route("notifications/", NotificationViewset())


class ThiDuaSite(Site):
    index_path = path("", RedirectView.as_view(pattern_name="workflow:inbox"), name="index")
    # Inside the site, the login pages get its title and colours.
    accounts_path = route(
        "accounts/",
        AuthViewset(
            login_view=LoginView.as_view(authentication_form=ThrottledSignInForm),
            # viewflow's profile lists the account's raw flags (True/False, "superuser"); an
            # official's profile is his page of units, roles, delegations and certificates.
            profile_view=RedirectView.as_view(pattern_name="thidua:me:index"),
        ),
    )


site = ThiDuaSite(
    title=_("Emulation and commendation"),
    viewsets=[
        InboxApp(
            flow_viewsets=[
                FlowViewset(CovenantFlow, icon="handshake"),
                FlowViewset(ScoringFlow, icon="leaderboard"),
                FlowViewset(MeetingFlow, icon="how_to_vote"),
                FlowViewset(HandoverFlow, icon="swap_horiz"),
                FlowViewset(CouncilFlow, icon="gavel"),
                FlowViewset(DecisionFlow, icon="workspace_premium"),
            ]
        ),
        EmulationApp(),
    ],
)


@login_not_required
@require_GET
def health(request):
    """Liveness probe for load balancers: answers without touching the database."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("admin/", admin.site.urls),
    # Anyone, signed in or not, may switch language (the login page offers it).
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("healthz", health, name="health"),
    path("", site.urls),
]
