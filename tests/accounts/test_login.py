"""The /login page: each branch of the username-first flow, password sign-in and its audit."""

from __future__ import annotations

import lxml.html
import pytest
from django.conf import settings
from django.test import Client

from ssoconsole.accounts import services as accounts
from ssoconsole.accounts.models import ConsoleSession
from ssoconsole.audit.models import AuditEvent

BAD_CREDENTIALS = "The username or password is incorrect."


def sign_in(client, username, password, **extra):
    return client.post(
        "/login", {"step": "password", "username": username, "password": password, **extra}
    )


def test_the_login_page_asks_for_the_username_only(client, db):
    """Step 1 has a username field and no password field."""
    body = client.get("/login").content.decode()
    assert 'name="username"' in body and 'type="password"' not in body


def test_a_local_user_gets_a_password_field_with_the_username_carried_over(
    client, plain_user, no_sso_flow
):
    """Step 2 shows who is signing in and asks for the password."""
    response = client.post("/login", {"step": "username", "username": plain_user.username})
    body = response.content.decode()
    assert response.status_code == 200 and 'type="password"' in body
    assert f'name="username" value="{plain_user.username}"' in body


def test_the_password_step_has_a_username_field_password_managers_can_match(
    client, plain_user, no_sso_flow
):
    """A read-only text field with autocomplete=username sits beside the password (not only a hidden one)."""
    response = client.post("/login", {"step": "username", "username": plain_user.username})
    doc = lxml.html.fromstring(response.content.decode())
    (field,) = doc.xpath("//form//input[@name='username']")
    assert (field.get("type"), field.get("autocomplete")) == ("text", "username")
    assert field.get("readonly") is not None and field.get("value") == plain_user.username
    assert doc.xpath(f"//label[@for='{field.get('id')}']")


def test_login_with_a_username_in_the_query_goes_straight_to_the_password(
    client, plain_user, no_sso_flow
):
    """GET /login?username=U is step 2 for local users (bookmarks and agents use it)."""
    body = client.get("/login", {"username": plain_user.username}).content.decode()
    assert 'type="password"' in body and plain_user.username in body


def test_an_unknown_username_also_gets_a_password_field(client, db, no_sso_flow):
    """The page does not reveal whether a username exists."""
    response = client.post("/login", {"step": "username", "username": "ghost@example.test"})
    assert response.status_code == 200 and 'type="password"' in response.content.decode()


def test_an_sso_user_gets_no_password_field_but_a_clear_message(client, sso_user, no_sso_flow):
    """Until the sso app plugs in, SSO users learn that single sign-on is not available yet."""
    response = client.get("/login", {"username": sso_user.username})
    body = response.content.decode()
    assert 'type="password"' not in body
    assert "Single sign-on is not available yet" in body


def test_an_sso_user_is_handed_to_the_registered_sso_flow(client, sso_user, sso_flow):
    """With a flow registered, the login page returns whatever the flow answers, with the safe next."""
    response = client.get("/login", {"username": sso_user.username, "next": "/console/users"})
    assert response.status_code == 302 and response["Location"] == "https://idp.example/sso"
    ((step, next_url),) = sso_flow.started
    assert step.user == sso_user and next_url == "/console/users"


def test_a_malformed_username_is_shown_next_to_the_field(client, db):
    """The error sits beside the username field, with a 400."""
    response = client.post("/login", {"step": "username", "username": "two words"})
    assert response.status_code == 400
    assert 'class="field-error"' in response.content.decode()


def test_the_right_password_signs_in_and_goes_to_next(client, plain_user, password):
    """Success redirects to the same-origin next and creates a session of the user."""
    response = sign_in(client, plain_user.username.upper(), password, next="/console/orgs?page=2")
    assert response.status_code == 302 and response["Location"] == "/console/orgs?page=2"
    assert ConsoleSession.objects.filter(user_id=plain_user.id).count() == 1


def test_without_next_sign_in_goes_to_the_console(client, plain_user, password):
    """The console's home is the default destination."""
    assert sign_in(client, plain_user.username, password)["Location"] == "/console/"


def test_a_successful_sign_in_is_audited(client, plain_user, password):
    """The event names the user, the method and the client address."""
    sign_in(client, plain_user.username, password)
    event = AuditEvent.objects.get(action="auth.signin", actor_id=plain_user.id, outcome="success")
    assert event.tenant_id == plain_user.tenant_id and event.data["method"] == "password"
    assert event.ip_address == "127.0.0.1"


def test_a_wrong_password_and_an_unknown_user_fail_the_same_way(client, plain_user):
    """Both show the same message with the same status, so neither reveals that the user exists."""
    wrong = sign_in(client, plain_user.username, "not-the-password-at-all")
    unknown = sign_in(client, "ghost@example.test", "not-the-password-at-all")
    assert wrong.status_code == unknown.status_code == 401
    assert BAD_CREDENTIALS in wrong.content.decode() and BAD_CREDENTIALS in unknown.content.decode()
    assert "_auth_user_id" not in client.session


def test_failures_are_audited_with_their_reason(client, plain_user):
    """Admins see why a sign-in failed; unknown users are recorded without a tenant."""
    sign_in(client, plain_user.username, "not-the-password-at-all")
    sign_in(client, "ghost@example.test", "not-the-password-at-all")
    failures = AuditEvent.objects.filter(action="auth.signin", outcome="failure")
    assert {(e.reason_code, e.tenant_id) for e in failures} == {
        ("bad_password", plain_user.tenant_id),
        ("unknown_user", None),
    }


def test_a_user_without_a_password_cannot_sign_in_with_an_empty_or_any_password(client, make_user):
    """Users created for SSO have no usable password."""
    user = make_user(password=None)
    assert sign_in(client, user.username, "anything-at-all-123").status_code == 401


def test_an_empty_password_is_asked_for_again_without_counting_a_failure(client, plain_user):
    """A slip of the Enter key is not an attempt."""
    response = sign_in(client, plain_user.username, "")
    assert response.status_code == 400 and "Enter your password." in response.content.decode()
    assert not AuditEvent.objects.filter(action="auth.signin", outcome="failure").exists()


def test_a_deactivated_user_with_the_right_password_is_told_so(client, plain_user, password):
    """The reason is shown only to someone who knows the password."""
    accounts.set_active(plain_user, False)
    response = sign_in(client, plain_user.username, password)
    assert response.status_code == 403
    assert "deactivated" in response.content.decode()
    assert AuditEvent.objects.filter(action="auth.signin", reason_code="account_inactive").exists()
    assert "_auth_user_id" not in client.session


def test_a_deactivated_user_with_a_wrong_password_gets_the_usual_message(client, plain_user):
    """A guesser does not learn that the account exists and is deactivated."""
    accounts.set_active(plain_user, False)
    body = sign_in(client, plain_user.username, "not-the-password-at-all").content.decode()
    assert BAD_CREDENTIALS in body and "deactivated" not in body


def test_an_sso_user_cannot_sign_in_with_an_old_password(client, sso_user, password, no_sso_flow):
    """Posting the password form directly does not bypass SSO."""
    response = sign_in(client, sso_user.username, password)
    assert "_auth_user_id" not in client.session
    assert "Single sign-on is not available yet" in response.content.decode()
    assert AuditEvent.objects.filter(action="auth.signin", reason_code="sso_required").exists()


def test_sign_in_gives_the_browser_a_new_session_id(client, plain_user, password):
    """A session id planted before sign-in (session fixation) is worthless after it."""
    client.get("/login")
    session = client.session
    session["planted"] = True
    session.save()
    before = session.session_key
    sign_in(client, plain_user.username, password)
    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert after != before
    assert not ConsoleSession.objects.filter(session_key=before).exists()


def test_the_session_cookie_is_httponly_and_samesite_lax(client, plain_user, password):
    """Scripts cannot read it, and cross-site posts do not carry it."""
    sign_in(client, plain_user.username, password)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


def test_the_login_form_needs_the_csrf_token(plain_user, password):
    """A forged cross-site sign-in post is refused."""
    client = Client(enforce_csrf_checks=True)
    assert sign_in(client, plain_user.username, password).status_code == 403


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/",
        "//evil.example/path",
        "/\\evil.example",
        "\\\\evil.example",
        "http:/evil.example",
        "javascript:alert(1)",
        "/%0d%0aSet-Cookie:x=y",
        " /console/",
        "/login?next=/console/",
        "console/",
        "/console/\nx",
    ],
)
def test_next_never_leaves_the_site(client, plain_user, password, next_url):
    """Anything but a same-origin path falls back to the console's home page."""
    response = sign_in(client, plain_user.username, password, next=next_url)
    location = response["Location"]
    assert location.startswith("/") and not location.startswith(("//", "/\\"))
    if next_url != "/%0d%0aSet-Cookie:x=y":
        assert location == "/console/"


def test_a_signed_in_user_visiting_login_goes_to_next(client, plain_user, password):
    """No second sign-in form for someone already signed in."""
    sign_in(client, plain_user.username, password)
    assert client.get("/login", {"next": "/console/users"})["Location"] == "/console/users"
