from django import forms
from django.utils.translation import gettext_lazy as _

from flows.blocs.models import BlocTerm, default_period, validate_term
from workflows.models import Organisation


class BlocTermForm(forms.ModelForm):
    """A term with its member units; every rule comes from ``validate_term``."""

    members = forms.ModelMultipleChoiceField(
        queryset=Organisation.objects.filter(kind__is_jurisdiction=False),
        label=_("member units"),
    )

    class Meta:
        model = BlocTerm
        fields = ["bloc", "year", "valid_from", "valid_to", "leader", "deputy"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["valid_from"].required = False
        self.fields["valid_to"].required = False
        self.fields["valid_from"].help_text = _("Empty: 1 January of the year.")
        self.fields["valid_to"].help_text = _("Empty: 31 December of the year.")
        if self.instance.pk:
            self.fields["bloc"].disabled = True
            self.fields["year"].disabled = True
            self.initial["members"] = [m.organisation for m in self.instance.memberships.all()]

    def clean(self):
        data = super().clean()
        bloc, year = data.get("bloc"), data.get("year")
        if bloc is None or year is None or "members" not in data:
            return data
        start, end = default_period(year)
        data["valid_from"] = data.get("valid_from") or start
        data["valid_to"] = data.get("valid_to") or end
        validate_term(
            bloc=bloc,
            year=year,
            valid_from=data["valid_from"],
            valid_to=data["valid_to"],
            leader=data.get("leader"),
            deputy=data.get("deputy"),
            members=list(data["members"]),
            term=self.instance if self.instance.pk else None,
        )
        return data

    def validate_unique(self):
        # validate_term() already checked one term per bloc and year, with a precise message;
        # the model's generic constraint message would only repeat it.
        pass
