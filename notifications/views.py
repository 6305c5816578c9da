"""The notification centre: the list, marking read, the e-mail preference."""

from django import forms
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from viewflow.urls import AppMenuMixin, Viewset

from notifications import selectors, services
from notifications.models import Preference


class PreferenceForm(forms.ModelForm):
    class Meta:
        model = Preference
        fields = ["email"]


class NotificationListView(TemplateView):
    template_name = "notifications/list.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        preference = Preference.objects.filter(user=user).first() or Preference(user=user)
        return super().get_context_data(
            notifications=selectors.recent(user),
            preference_form=PreferenceForm(instance=preference),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        if "preferences" in request.POST:
            form = PreferenceForm(request.POST)
            if form.is_valid():
                services.set_preferences(user=request.user, email=form.cleaned_data["email"])
                messages.success(request, _("Your preference was saved."))
        else:
            ids = [int(pk) for pk in request.POST.getlist("notification") if pk.isdigit()]
            services.mark_read(user=request.user, ids=ids or None)
        return HttpResponseRedirect(request.path)


class NotificationViewset(AppMenuMixin, Viewset):
    app_name = "notifications"
    title = gettext_lazy("Notifications")
    icon = "notifications"

    index_path = path("", NotificationListView.as_view(), name="index")
