"""The widgets rendered in Python give Django's own HTML, byte for byte."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from django import forms

from shouhu.accounts.models import User
from shouhu.registry.forms.filters import ChildFilterForm
from shouhu.web import widgets as fast


def as_django(widget: Any) -> Any:
    """The same widget, rendered by Django's templates."""
    plain = copy.deepcopy(widget)
    plain.__class__ = next(c for c in type(widget).__mro__ if c.__module__.startswith("django."))
    return plain


def both(form: forms.Form) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for name in form.fields:
        bound = form[name]
        pairs.append((bound.as_widget(), bound.as_widget(widget=as_django(bound.field.widget))))
        for box in bound.subwidgets:  # what the template's {% for box in filters.flags %} renders
            plain = copy.copy(box)
            plain.parent_widget = as_django(box.parent_widget)
            pairs.append((box.tag(), plain.tag()))
    return pairs


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data",
    [
        None,
        {
            "q": 'lzh"<&>',
            "sex": "F",
            "age_min": "3",
            "age_max": "12",
            "status": "all",
            "flags": ["low_income", "migrant"],
        },
        {"age_min": "x", "region": "nowhere", "flags": ["nothing"]},  # invalid: errors, values kept
    ],
)
def test_the_filter_form_renders_as_django_does(personas: dict[str, User], data: Any) -> None:
    form = ChildFilterForm(data, user=personas["caseworker"])
    assert all(isinstance(f.widget, fast.PythonRendered) for f in form.fields.values())
    pairs = both(form)
    assert len(pairs) > 10
    for ours, django in pairs:
        assert ours == django


def test_values_and_labels_are_escaped_as_django_escapes_them() -> None:
    class Form(forms.Form):
        pick = forms.ChoiceField(
            choices=[("a&b", "<b>甲</b>"), ("组", [("x", "乙'"), ("y", '丙"')])],
            widget=fast.Select(attrs={"data-x": "<"}),
        )
        many = forms.MultipleChoiceField(choices=[("1", "<i>一</i>")], widget=fast.CheckboxSelectMultiple)
        text = forms.CharField(widget=fast.TextInput(attrs={"placeholder": '"引号"', "required": False}))

    form = Form({"pick": "y", "many": ["1"], "text": "<script>"})
    pairs = both(form)
    assert "&lt;b&gt;" in pairs[0][0] and "<optgroup" in pairs[0][0]
    for ours, django in pairs:
        assert ours == django
