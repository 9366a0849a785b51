"""Annotator accounts on a server whose public sign-up is closed.

Label Studio Community lets a person join only through the organisation's invite link, which
only the admin can read. `sign_up` follows that link the way a browser does (form and CSRF
token) and returns the new annotator's API token; `login_token` does the same for an existing
account. Used by the integration tests' simulated annotators and by operators scripting a
labelling round; passwords and tokens are arguments, never logged.
"""

from __future__ import annotations

import re

import httpx

from annotation.client import LabelStudioClient

_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class AccountError(RuntimeError):
    """Sign-up or login was refused."""


def invite_token(client: LabelStudioClient) -> str:
    """The organisation's invite token (admin only)."""
    return str(client.request("GET", "/api/invite", "read the invite link")["token"])


def _form_post(url: str, path: str, email: str, password: str) -> httpx.Client:
    session = httpx.Client(base_url=url, timeout=30, follow_redirects=False)
    page = session.get(path)
    match = _CSRF.search(page.text)
    if not match:
        raise AccountError(f"no form at {path.split('?')[0]} (HTTP {page.status_code})")
    answer = session.post(
        path, data={"email": email, "password": password, "csrfmiddlewaretoken": match.group(1),
                    "allow_newsletters": "false"},
        headers={"Referer": f"{url}{path}"},
    )
    if answer.status_code != 302:
        raise AccountError(f"{path.split('?')[0]} refused {email} (HTTP {answer.status_code})")
    return session


def _token_of(session: httpx.Client) -> str:
    answer = session.get("/api/current-user/token")
    if answer.status_code != 200:
        raise AccountError(f"no token for the session (HTTP {answer.status_code})")
    return str(answer.json()["token"])


def sign_up(url: str, invite: str | None, email: str, password: str) -> str:
    """Create an account through the invite link; returns its API token."""
    path = "/user/signup/" + (f"?token={invite}" if invite else "")
    session = _form_post(url, path, email, password)
    try:
        return _token_of(session)
    finally:
        session.close()


def login_token(url: str, email: str, password: str) -> str:
    """An existing account's API token, through the login form."""
    session = _form_post(url, "/user/login/", email, password)
    try:
        return _token_of(session)
    finally:
        session.close()
