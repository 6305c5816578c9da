"""The admin's forms of rule sets: each value typed as text, checked by its parameter."""

import json

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from flows.rules.models import RuleSet, RuleValue, validate_values
from flows.rules.parameters import CATALOGUE


def parse_value(text: str):
    """What an official typed: JSON where it is JSON (``true``, ``6``, ``["a", "b"]``), else
    the text itself (``4/5``, ``member_heads``)."""
    text = text.strip()
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def value_text(value) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


class RuleSetForm(forms.ModelForm):
    copy_from = forms.ModelChoiceField(
        RuleSet.objects.all(),
        required=False,
        label=_("copy the values of"),
        help_text=_("The new set starts with that set's values; the values below change them."),
    )

    class Meta:
        model = RuleSet
        fields = ["name", "scope", "jurisdiction", "bloc", "legal_basis", "valid_from", "valid_to"]

    def clean(self):
        data = super().clean()
        copy_from, scope = data.get("copy_from"), data.get("scope")
        if copy_from is not None and scope is not None and copy_from.scope != scope:
            self.add_error(
                "copy_from",
                _("Copy a set of the same level: “%(set)s” is %(scope)s.")
                % {"set": copy_from, "scope": copy_from.get_scope_display()},
            )
        return data

    def clean_valid_to(self):
        valid_to = self.cleaned_data.get("valid_to")
        instance = self.instance
        today = timezone.localdate()
        in_effect = instance.pk and instance.has_taken_effect(today)
        if in_effect and valid_to != instance.valid_to and valid_to and valid_to < today:
            raise ValidationError(
                _("A set in force cannot end before today (%(today)s): it applied on those days.")
                % {"today": date_format(today, "SHORT_DATE_FORMAT")}
            )
        return valid_to


class RuleValueForm(forms.ModelForm):
    key = forms.ChoiceField(
        label=_("parameter"),
        choices=[(p.key, f"{p.key} — {p.label}") for p in CATALOGUE],
    )
    value = forms.CharField(
        label=_("value"),
        required=False,
        help_text=_('A share as 4/5 or 0.8; yes/no as true/false; a list as ["a", "b"].'),
    )

    class Meta:
        model = RuleValue
        fields = ["key", "value", "citation"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["value"] = value_text(self.instance.value)

    def clean_value(self):
        text = self.cleaned_data.get("value", "")
        return None if text.strip() in ("", "null") else parse_value(text)


class RuleValueFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        scope = self.instance.scope
        if scope is None:
            return
        validate_values(scope, values_of(self))


def values_of(formset) -> dict:
    """``{key: (value, citation)}`` of the formset's rows that are kept."""
    values = {}
    for form in formset.forms:
        data = getattr(form, "cleaned_data", None)
        if not data or data.get("DELETE"):
            continue
        if data["key"] in values:
            raise ValidationError(_("%(key)s is listed twice.") % {"key": data["key"]})
        values[data["key"]] = (data.get("value"), data.get("citation", ""))
    return values
