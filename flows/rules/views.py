"""The rules in force: every parameter's value for a province or a bloc on a day, with the set
and the article it comes from. Open to every signed-in official (the rules are law)."""

from django import forms
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from viewflow.urls import AppMenuMixin, Viewset

from flows.blocs.models import Bloc
from flows.rules import selectors
from flows.rules.models import RuleSet
from workflows.models import Organisation


class RulesFilterForm(forms.Form):
    jurisdiction = forms.ModelChoiceField(
        Organisation.objects.filter(kind__is_jurisdiction=True),
        required=False,
        label=_("province"),
        empty_label=_("national rules only"),
    )
    bloc = forms.ModelChoiceField(
        Bloc.objects.select_related("jurisdiction"),
        required=False,
        label=_("bloc"),
        empty_label=_("no bloc"),
    )
    on = forms.DateField(
        required=False, label=_("on"), widget=forms.DateInput(attrs={"type": "date"})
    )


class RulesInForceView(TemplateView):
    template_name = "rules/rules_in_force.html"

    def get_context_data(self, **kwargs):
        form = RulesFilterForm(self.request.GET or None)
        data = form.cleaned_data if form.is_bound and form.is_valid() else {}
        on = data.get("on") or timezone.localdate()
        bloc, jurisdiction = data.get("bloc"), data.get("jurisdiction")
        return super().get_context_data(
            form=form,
            on=on,
            bloc=bloc,
            jurisdiction=bloc.jurisdiction if bloc else jurisdiction,
            rows=selectors.rules_in_force(on=on, bloc=bloc, jurisdiction=jurisdiction),
            rule_sets=RuleSet.objects.select_related("jurisdiction", "bloc"),
            **kwargs,
        )


class RulesViewset(AppMenuMixin, Viewset):
    app_name = "rules"
    title = _("Rules in force")
    icon = "gavel"

    index_path = path("", RulesInForceView.as_view(), name="index")
