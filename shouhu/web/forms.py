"""What every form view shares."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.forms import Form


def add_validation_errors(form: Form, error: ValidationError) -> None:
    """A service's ValidationError shown on the form: at its field where the form has one, above
    the form otherwise."""
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def show_refusal(form: Form, error: Exception) -> None:
    """A service's refusal shown on the form: a ValidationError at its fields, any other refusal
    (a concurrent edit, a routing or permission problem) as one message above the form."""
    if isinstance(error, ValidationError):
        add_validation_errors(form, error)
    else:
        form.add_error(None, str(error))
