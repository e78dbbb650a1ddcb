"""The tutorial's steps 1, 3, 4 and 6 done through the REST API alone, with Okta's real metadata.

1. read the SP values to enter at the identity provider;
4. create the provider from the IdP's metadata file;
3. set the attribute mapping;
6. apply it to a test org first, then to the top org for everyone, with inheritance,
   checking after each step which provider every org's effective setting names.
(Step 2, the IdP side, and step 5, signing in, are not API calls.)
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit
from xml.etree import ElementTree

from .catalog import AP, P

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "idp-samples"
OKTA_ENTITY_ID = "http://www.okta.com/exkppsa1qwuFV4D7z0h7"
OKTA_SSO_URL = (
    "https://dev-513394.oktapreview.com/app/rstudioincdev513394_dev_1/exkppsa1qwuFV4D7z0h7/sso/saml"
)
MD = "{urn:oasis:names:tc:SAML:2.0:metadata}"


def effective(client) -> dict[str, tuple[str, str | None]]:
    """Return each org's effective SSO setting by name, as ``GET /orgs`` shows it."""
    items = client.get(f"{P}/orgs?pageSize=200").json()["items"]
    return {o["name"]: (o["effectiveSso"]["mode"], o["effectiveSso"]["providerId"]) for o in items}


def test_tutorial_steps_1_3_4_and_6_through_the_api(world, settings):
    settings.SSOCONSOLE_BASE_URL = "https://console.example.com"
    idp = world.client("identity-admin")
    orgs_admin = world.client("org-admin")

    # Step 1: the values to copy into the IdP, and the SP metadata they point to.
    sp = idp.get(f"{P}/service-provider").json()
    tenant = str(world.tenant.id)
    assert sp == {
        "entityId": f"https://console.example.com/{tenant}",
        "acsUrl": f"https://console.example.com/sso/{tenant}/acs",
        "loginUrl": "https://console.example.com/login",
        "metadataUrl": f"https://console.example.com/sso/{tenant}/metadata",
    }
    metadata = idp.get(urlsplit(sp["metadataUrl"]).path)
    assert metadata.status_code == 200
    root = ElementTree.fromstring(metadata.content)
    assert root.get("entityID") == sp["entityId"]
    assert root.find(f".//{MD}AssertionConsumerService").get("Location") == sp["acsUrl"]

    # Step 4: create the provider from the metadata file downloaded from the IdP.
    okta_xml = (SAMPLES / "okta" / "metadata.xml").read_text(encoding="utf-8")
    created = idp.post(AP, {"displayName": "Okta", "metadataXml": okta_xml})
    assert created.status_code == 201, created.content
    provider = created.json()
    pid = provider["id"]
    assert (provider["entityId"], provider["ssoUrl"]) == (OKTA_ENTITY_ID, OKTA_SSO_URL)
    assert [c["status"] for c in provider["certificates"]] == ["ok"]
    assert provider["serviceProvider"] == sp
    assert provider["orgsInUse"] == 0  # applies to nobody until assigned
    assert set(effective(idp).values()) == {("none", None)}

    # Step 3: usernames from the NameID, names from Okta's attribute tags.
    mapping = {
        "useDefault": False,
        "username": None,
        "firstName": "firstName",
        "lastName": "lastName",
    }
    assert idp.put(f"{AP}/{pid}/attribute-mapping", mapping).json() == mapping

    # Step 6a: a test org (with a child org that inherits) first.
    test_org = orgs_admin.post(f"{P}/orgs", {"name": "SSO pilot"}).json()
    orgs_admin.post(f"{P}/orgs", {"name": "Pilot team", "parentId": test_org["id"]})
    opted_out = orgs_admin.post(f"{P}/orgs", {"name": "Contractors"}).json()
    idp.put(f"{P}/orgs/{opted_out['id']}/sso", {"mode": "none"})
    used = idp.put(f"{AP}/{pid}/orgs", {"orgIds": [test_org["id"]]}).json()
    assert used["orgIds"] == [test_org["id"]] and used["count"] == 2
    assert effective(idp) == {
        "acme": ("none", None),
        "Contractors": ("none", None),
        "Engineering": ("none", None),
        "SSO pilot": ("provider", pid),
        "Pilot team": ("provider", pid),
    }

    # Step 6b: the top org for everyone; the test org goes back to inheriting.
    used = idp.put(
        f"{AP}/{pid}/orgs", {"orgIds": [str(world.top.id)], "inheritOrgIds": [test_org["id"]]}
    ).json()
    assert used["orgIds"] == [str(world.top.id)] and used["count"] == 4
    assert effective(idp) == {
        "acme": ("provider", pid),
        "Contractors": ("none", None),  # its own setting wins over inheritance
        "Engineering": ("provider", pid),
        "SSO pilot": ("provider", pid),
        "Pilot team": ("provider", pid),
    }
    sources = {
        o["name"]: o["effectiveSso"]["sourceOrgId"] for o in idp.get(f"{P}/orgs").json()["items"]
    }
    assert sources["Pilot team"] == sources["SSO pilot"] == str(world.top.id)

    # The details page's view agrees with the orgs list.
    details = idp.get(f"{AP}/{pid}").json()
    assert details["orgsInUse"] == 4
    assert {o["name"]: o["direct"] for o in details["orgs"]} == {
        "acme": True,
        "Engineering": False,
        "SSO pilot": False,
        "Pilot team": False,
    }
