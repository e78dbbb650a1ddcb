"""Finding 0: an asserted username matches a console user exactly as signed, apart from letter case.

The attack: an identity provider genuinely signs a response for a
*different* account, named like a console user plus an invisible character
(``support@x<U+2003>``) or with a look-alike letter (``ſupport``,
``ｓupport``). Trimming, case folding or compatibility normalization on the
way would sign that IdP account in as the console user. Every case is sent
over HTTP to the live server: at the ACS, to the REST API and to the console's
user form, which must all refuse with a sentence naming the character.
"""

from __future__ import annotations

import unicodedata

import pytest

from ssoconsole.accounts.roles import Role
from ssoconsole.accounts.username_rule import describe_char
from ssoconsole.audit.models import AuditEvent

pytestmark = pytest.mark.django_db(transaction=True)

VICTIM = "sysadmin@example.org"

# Every whitespace character of the Basic Multilingual Plane, by str.isspace()
# or by Unicode category (Zs, Zl, Zp): U+0009 to U+3000, EM SPACE included.
WHITESPACE = sorted(
    {
        chr(c)
        for c in range(0x3100)
        if chr(c).isspace() or unicodedata.category(chr(c)) in {"Zs", "Zl", "Zp"}
    }
)
# Zero-width, bidi, soft hyphen, invisible fillers, tags and variation selectors.
INVISIBLE = [
    "\u200b",
    "\u200c",
    "\u200d",
    "\u2060",
    "\ufeff",
    "\u00ad",
    "\u202e",
    "\u202a",
    "\u2066",
    "\u180e",
    "\u3164",
    "\u115f",
    "\u2800",
    "\ufe0f",
    "\U000e0001",
    "\x7f",
]
# Controls XML 1.0 cannot carry reach only the API and the forms.
XML_FORBIDDEN = ["\x00", "\x1b", "\x08"]
# Values that case folding (U+017F LONG S, U+0131 DOTLESS I, U+0130 DOTTED I,
# U+212A KELVIN) or NFKC (fullwidth letters) would turn into the victim's name.
LOOKALIKES = [
    "\u017fysadmin@example.org",
    "sysadm\u0131n@example.org",
    "SYSADM\u0130N@example.org",
    "\uff53ysadmin@example.org",
    "sysadmin@example.\uff4frg",
]
ATTACKS = (
    [VICTIM + ch for ch in WHITESPACE]
    + [ch + VICTIM for ch in ("\u2003", "\u00a0", "\u3000", "\u200b")]
    + ["sysadmin\u2003@example.org"]
    + [VICTIM + ch for ch in INVISIBLE]
    + ["sys\u200badmin@example.org", "sysadmin@\u202eexample.org"]
    + LOOKALIKES
)


def _xml_char(c: str) -> bool:
    """XML 1.0's Char production: what a signed SAML response can carry at all."""
    o = ord(c)
    return o in (0x9, 0xA, 0xD) or 0x20 <= o <= 0xD7FF or 0xE000 <= o <= 0xFFFD or o >= 0x10000


ACS_ATTACKS = [a for a in ATTACKS if all(_xml_char(c) for c in a)]


def _label(value: str) -> str:
    odd = [describe_char(c) for c in value if not (c.isascii() and c.isprintable())]
    return ", ".join(odd) or value


def test_whitespace_invisible_and_lookalike_usernames_never_sign_in_at_the_acs(
    app_url, tenant, sso_org, make_user, new_visitor
):
    victim = make_user(VICTIM, org=sso_org, password=None)
    got_through = []
    assert len(ACS_ATTACKS) > 40
    for attack in ACS_ATTACKS:
        visitor = new_visitor()
        started = visitor.sso_start(victim.username)
        acs = visitor.post_acs(tenant, started, attack)
        if acs.status_code != 403 or visitor.me().status_code != 401:
            got_through.append((_label(attack), acs.status_code))
    assert got_through == []
    assert not AuditEvent.objects.filter(action="auth.signin", outcome="success").exists()


def test_the_acs_refusal_names_the_invisible_character_to_the_administrator(
    app_url, tenant, sso_org, make_user, visitor
):
    """The person is told to ask their administrator; the provider's failure list says which character."""
    victim = make_user(VICTIM, org=sso_org, password=None)
    started = visitor.sso_start(victim.username)
    acs = visitor.post_acs(tenant, started, VICTIM + "\u2003")
    assert acs.status_code == 403 and "Tell your administrator" in acs.text
    event = AuditEvent.objects.get(reason_code="sso.mapping_username_invalid")
    assert "ends with an invisible character (U+2003 EM SPACE)" in event.data["adminMessage"]


def test_a_username_mapped_from_an_attribute_is_not_trimmed_either(
    app_url, tenant, sso_org, provider, make_user, visitor
):
    from ssoconsole.sso.providers import set_attribute_mapping

    set_attribute_mapping(provider, use_default=False, username="mail", actor=None)
    victim = make_user(VICTIM, org=sso_org, password=None)
    started = visitor.sso_start(victim.username)
    acs = visitor.post_acs(
        tenant, started, "anything@idp.example", attributes={"mail": (VICTIM + "\u2003",)}
    )
    assert acs.status_code == 403 and visitor.me().status_code == 401
    event = AuditEvent.objects.get(reason_code="sso.mapping_username_invalid")
    assert "(mail)" in event.data["adminMessage"] and "U+2003" in event.data["adminMessage"]


def test_the_exact_name_and_a_case_variant_still_sign_in(
    app_url, tenant, sso_org, make_user, new_visitor
):
    """The control: the rule refuses look-alikes, not the genuine user in another case."""
    make_user(VICTIM, org=sso_org, password=None)
    for spelling in (VICTIM, VICTIM.upper()):
        visitor = new_visitor()
        started = visitor.sso_start(VICTIM)
        assert visitor.post_acs(tenant, started, spelling).status_code == 303
        assert visitor.me().json()["username"] == VICTIM


def test_the_api_refuses_to_create_such_usernames_naming_the_character(
    app_url, make_user, api_token_for
):
    from security.live import Api

    admin = make_user("admin@example.org", roles=[Role.ORG_ADMIN])
    api = Api(app_url, api_token_for(admin))
    org_id = str(admin.org_id)
    refused = []
    attacks = [a for a in ATTACKS if a not in LOOKALIKES[1:3]]  # ı and İ are letters
    attacks += [VICTIM + ch for ch in XML_FORBIDDEN]  # the API takes JSON, which can carry them
    for attack in attacks:
        response = api("POST", "/users", {"username": attack, "orgId": org_id})
        body = response.json()["error"]
        if response.status_code != 400 or body.get("field") != "username":
            refused.append((_label(attack), response.status_code, body))
    assert refused == [], "every attack must be a 400 on the username field"
    em = api("POST", "/users", {"username": VICTIM + "\u2003", "orgId": org_id}).json()["error"]
    assert em["code"] == "username_invalid" and "U+2003 EM SPACE" in em["message"]
    assert em["details"]["reason"] == "whitespace"
    wide = api("POST", "/users", {"username": "\uff53ysadmin@example.org", "orgId": org_id})
    wide = wide.json()["error"]
    assert wide["details"]["reason"] == "lookalike" and "'sysadmin@example.org'" in wide["message"]


def test_the_api_refuses_renaming_a_user_to_such_a_username(app_url, make_user, api_token_for):
    from security.live import Api

    admin = make_user("admin@example.org", roles=[Role.ORG_ADMIN])
    target = make_user("target@example.org")
    api = Api(app_url, api_token_for(admin))
    response = api("PATCH", f"/users/{target.id}", {"username": "target@example.org\u200b"})
    assert response.status_code == 400
    assert "U+200B ZERO WIDTH SPACE" in response.json()["error"]["message"]


def test_the_console_user_form_refuses_them_with_a_field_error(
    app_url, make_user, new_visitor, password
):
    admin = make_user("admin@example.org", roles=[Role.ORG_ADMIN])
    visitor = new_visitor().sign_in(admin.username, password)
    for attack, shown in (
        (VICTIM + "\u2003", "U+2003 EM SPACE"),
        (" " + VICTIM, "U+0020 SPACE"),
        ("sysadmin\u202e@example.org", "U+202E RIGHT-TO-LEFT OVERRIDE"),
        ("\u017fysadmin@example.org", "U+017F LATIN SMALL LETTER LONG S"),
    ):
        response = visitor.submit(
            "/console/users/new/", {"username": attack, "org": str(admin.org_id), "roles": "user"}
        )
        assert response.status_code == 200, (_label(attack), response.status_code)
        assert shown in response.text, "the form shows the field error naming the character"
    from ssoconsole.accounts.models import User

    assert not User.objects.exclude(id=admin.id).exists()


def test_the_login_page_does_not_trim_either(app_url, make_user, new_visitor, password):
    """A password sign-in as " user" is refused with the reason, not silently matched to "user"."""
    user = make_user(VICTIM)
    visitor = new_visitor()
    response = visitor.submit(
        "/login", {"step": "password", "username": user.username + "\u2003", "password": password}
    )
    assert response.status_code == 400 and "U+2003 EM SPACE" in response.text
    assert visitor.me().status_code == 401
