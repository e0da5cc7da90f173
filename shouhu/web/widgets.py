"""Form widgets that render their HTML in Python (docs/performance.md, "Web under load").

Django renders every widget, and every `<option>` of a select, through a template: a filter form
with a region select of a county's villages cost several milliseconds a page. These widgets give
the same HTML as Django's own templates (`tests` compare them byte for byte) from string joins, and
fall back to the template for anything they do not know."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

SELECT = "django/forms/widgets/select.html"
INPUTS = {f"django/forms/widgets/{name}.html" for name in ("text", "number", "search", "email", "date", "hidden")}
OPTIONS = {"django/forms/widgets/checkbox_option.html", "django/forms/widgets/radio_option.html"}


def _attrs(attrs: dict[str, Any]) -> str:
    """django/forms/widgets/attrs.html"""
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        out.append(f" {conditional_escape(name)}")
        if value is not True:
            out.append(f'="{conditional_escape(str(value))}"')
    return "".join(out)


def _input(widget: dict[str, Any]) -> str:
    """django/forms/widgets/input.html (with its closing newline)"""
    value = f' value="{conditional_escape(str(widget["value"]))}"' if widget["value"] is not None else ""
    return (
        f'<input type="{conditional_escape(widget["type"])}" name="{conditional_escape(widget["name"])}"'
        f"{value}{_attrs(widget['attrs'])}>\n"
    )


def _input_option(widget: dict[str, Any]) -> str:
    """django/forms/widgets/input_option.html, as included by checkbox_option.html / radio_option.html"""
    if widget.get("wrap_label"):
        label_for = f' for="{conditional_escape(widget["attrs"]["id"])}"' if widget["attrs"].get("id") else ""
        inner = f"<label{label_for}>{_input(widget)} {conditional_escape(widget['label'])}</label>"
    else:
        inner = _input(widget)
    return inner + "\n\n"


def _option(option: dict[str, Any]) -> str:
    """django/forms/widgets/select_option.html"""
    return (
        f'<option value="{conditional_escape(str(option["value"]))}"{_attrs(option["attrs"])}>'
        f"{conditional_escape(option['label'])}</option>\n"
    )


def _select(widget: dict[str, Any]) -> str:
    """django/forms/widgets/select.html"""
    out = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            out.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in group_choices:
            out.append("\n  " + _option(option))
        if group_name:
            out.append("\n  </optgroup>")
    out.append("\n</select>\n")
    return "".join(out)


class PythonRendered:
    """Mixin for a widget: its own template and its options' rendered in Python."""

    def _render(self, template_name: str, context: dict[str, Any], renderer: Any = None) -> SafeString:
        widget = context["widget"]
        # Django's renderer strips what the template gives (BaseRenderer.render); so do these.
        if template_name == SELECT:
            return mark_safe(_select(widget).strip())  # noqa: S308  (every value escaped above)
        if template_name in INPUTS:
            return mark_safe(_input(widget).strip())  # noqa: S308
        if template_name in OPTIONS:
            return mark_safe(_input_option(widget).strip())  # noqa: S308
        return super()._render(template_name, context, renderer)  # type: ignore[misc, no-any-return]


class Select(PythonRendered, forms.Select):
    pass


class TextInput(PythonRendered, forms.TextInput):
    pass


class NumberInput(PythonRendered, forms.NumberInput):
    pass


class CheckboxSelectMultiple(PythonRendered, forms.CheckboxSelectMultiple):
    pass
