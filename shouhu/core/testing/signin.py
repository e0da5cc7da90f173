"""Signing a test client in as a user, past the second factor when the user has an authenticator
(what the sign-in pages leave in the session; tests/test_signin*.py go through the pages)."""

from __future__ import annotations

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from shouhu.accounts.models import User
from shouhu.accounts.signin import two_factor


def sign_in(client: Client, user: User) -> Client:
    client.force_login(user)
    device = two_factor.authenticator_of(user)
    session = client.session
    if device is not None:
        session[two_factor.SESSION_KEY] = two_factor.VERIFIED
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    else:
        session[two_factor.SESSION_KEY] = two_factor.session_state_after_password(user)
    session.save()
    return client
