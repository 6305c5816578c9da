from django.http import Http404
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from viewflow.urls import AppMenuMixin, Viewset

from flows.blocs import selectors
from flows.blocs.access import visible_terms
from flows.blocs.models import Bloc
from signatures import selectors as signature_selectors
from workflows import selectors as workflow_selectors


class BlocListView(TemplateView):
    template_name = "blocs/bloc_list.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(blocs=selectors.blocs_for_list(), **kwargs)


class BlocDetailView(TemplateView):
    template_name = "blocs/bloc_detail.html"

    def get_context_data(self, **kwargs):
        try:
            bloc = selectors.bloc_detail(self.kwargs["pk"])
        except Bloc.DoesNotExist as error:
            raise Http404(_("No such emulation bloc.")) from error
        # The terms whose work (criteria set, covenant, scoring) the visitor may open.
        visible = visible_terms(self.request.user).filter(bloc=bloc).values_list("pk", flat=True)
        return super().get_context_data(bloc=bloc, visible_term_ids=set(visible), **kwargs)


class MyOrganisationView(TemplateView):
    """The signed-in official's profile: his name, appointments, delegations, signing
    certificates and the blocs of his units (the account's "profile" leads here)."""

    template_name = "blocs/my_organisation.html"

    def get_context_data(self, **kwargs):
        user, today = self.request.user, timezone.localdate()
        appointments = workflow_selectors.appointments_of(user, today)
        current_units = {a.organisation_id for a in appointments if a.is_current}
        return super().get_context_data(
            appointments=appointments,
            delegations_given=workflow_selectors.delegations_given(user),
            delegations_received=workflow_selectors.delegations_received(user),
            memberships=selectors.memberships_of_units(current_units),
            credentials=signature_selectors.credentials_of(user),
            **kwargs,
        )


class BlocViewset(AppMenuMixin, Viewset):
    """Emulation blocs: every signed-in official may read them."""

    app_name = "blocs"
    title = _("Emulation blocs")
    icon = "groups"

    index_path = path("", BlocListView.as_view(), name="index")
    detail_path = path("<int:pk>/", BlocDetailView.as_view(), name="detail")


class MyOrganisationViewset(AppMenuMixin, Viewset):
    app_name = "me"
    title = _("My organisation and roles")
    icon = "badge"

    index_path = path("", MyOrganisationView.as_view(), name="index")
