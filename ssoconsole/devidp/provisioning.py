"""The dev IdP's provisioning service: it pushes an app's users to a SCIM endpoint as Entra ID does.

One cycle, for every user in scope (assigned to the app, or every directory
user when assignment is not required): ``GET /Users?filter=userName eq "…"``
(Entra's matching on ``userName``); no match is a POST of the user, a match a
PATCH of the attributes that differ, with Entra's spellings (``Replace``,
``active`` as ``"False"``, ``emails[type eq "work"].value``). A user that
left the scope, or whose account is disabled, is set ``active: "False"``
(Entra's default: disable, not delete). Each step is a line of the app's
provisioning log with the target's status and error detail; the Secret
Token is sent, never logged.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import httpx

from ssoconsole.core import clock
from ssoconsole.devidp.models import (
    DirectoryUser,
    EnterpriseApp,
    ProvisionedUser,
    ProvisioningConfig,
    ProvisioningLogEntry,
)

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
MEDIA = "application/scim+json"
MAX_USERS_PER_CYCLE = 500
KEEP_LOG = 1000


@dataclass(frozen=True)
class CycleResult:
    cycle: str
    created: int = 0
    updated: int = 0
    disabled: int = 0
    failed: int = 0


def configure(app: EnterpriseApp, *, tenant_url: str, secret_token: str) -> ProvisioningConfig:
    config, _ = ProvisioningConfig.objects.update_or_create(
        app=app,
        defaults={
            "tenant_url": tenant_url.strip().rstrip("/"),
            "secret_token": secret_token.strip(),
        },
    )
    return config


def in_scope(app: EnterpriseApp):
    users = DirectoryUser.objects.filter(directory=app.directory)
    if app.assignment_required:
        users = users.filter(assignments__app=app)
    return users.order_by("created_at", "id")[:MAX_USERS_PER_CYCLE]


def desired(user: DirectoryUser) -> dict:
    """The user as Entra's default attribute mapping sends it."""
    body = {
        "schemas": [USER],
        "externalId": user.upn.split("@")[0],
        "userName": user.upn,
        "active": user.account_enabled,
        "displayName": user.display_name,
        "name": {"givenName": user.given_name, "familyName": user.surname},
    }
    if user.mail:
        body["emails"] = [{"primary": True, "type": "work", "value": user.mail}]
    return body


def _differences(current: dict, user: DirectoryUser) -> list[dict]:
    """Entra's PATCH operations for what differs between the target's copy and the directory."""
    name = current.get("name") or {}
    work = next(
        (e.get("value") for e in current.get("emails") or [] if e.get("type") == "work"), None
    )
    ops = []
    if current.get("displayName") != user.display_name:
        ops.append({"op": "Replace", "path": "displayName", "value": user.display_name})
    if (name.get("givenName") or "") != user.given_name:
        ops.append({"op": "Replace", "path": "name.givenName", "value": user.given_name})
    if (name.get("familyName") or "") != user.surname:
        ops.append({"op": "Replace", "path": "name.familyName", "value": user.surname})
    if user.mail and work != user.mail:
        ops.append({"op": "Replace", "path": 'emails[type eq "work"].value', "value": user.mail})
    if bool(current.get("active")) != user.account_enabled:
        ops.append({"op": "Replace", "path": "active", "value": str(user.account_enabled)})
    return ops


class _Cycle:
    def __init__(self, app: EnterpriseApp, config: ProvisioningConfig, client: httpx.Client):
        self.app, self.config, self.client = app, config, client
        self.id = str(uuid.uuid4())
        self.counts = {"created": 0, "updated": 0, "disabled": 0, "failed": 0}

    def log(self, action, upn, status, response=None, detail=""):
        if response is not None and response.status_code >= 400:
            try:
                detail = response.json().get("detail", "") or detail
            except ValueError:
                detail = detail or response.text[:200]
        ProvisioningLogEntry.objects.create(
            app=self.app,
            cycle=self.id,
            at=clock.now(),
            action=action,
            upn=upn[:254],
            status=status,
            http_status=response.status_code if response is not None else None,
            detail=detail[:500],
        )
        if status == "Failure":
            self.counts["failed"] += 1

    def push(self, user: DirectoryUser) -> None:
        found = self.client.get("/Users", params={"filter": f'userName eq "{user.upn}"'})
        if found.status_code != 200:
            self.log("Update", user.upn, "Failure", found)
            return
        resources = found.json().get("Resources") or []
        if not resources:
            created = self.client.post("/Users", json=desired(user))
            if created.status_code != 201:
                self.log("Create", user.upn, "Failure", created)
                return
            self._remember(user, created.json()["id"], user.account_enabled)
            self.counts["created"] += 1
            self.log("Create", user.upn, "Success", created)
            return
        current = resources[0]
        self._remember(user, current["id"], user.account_enabled)
        ops = _differences(current, user)
        if not ops:
            self.log("Update", user.upn, "Skipped", detail="No changes")
            return
        patched = self.client.patch(
            f"/Users/{current['id']}", json={"schemas": [PATCH], "Operations": ops}
        )
        if patched.status_code != 200:
            self.log("Update", user.upn, "Failure", patched)
            return
        self.counts["updated"] += 1
        changed = ", ".join(op["path"] for op in ops)
        self.log("Update", user.upn, "Success", patched, detail=f"Changed {changed}")

    def disable(self, provisioned: ProvisionedUser) -> None:
        response = self.client.patch(
            f"/Users/{provisioned.scim_id}",
            json={
                "schemas": [PATCH],
                "Operations": [{"op": "Replace", "path": "active", "value": "False"}],
            },
        )
        if response.status_code == 200:
            provisioned.active = False
            provisioned.save(update_fields=["active"])
            self.counts["disabled"] += 1
            self.log("Disable", provisioned.upn, "Success", response, detail="Out of scope")
        else:
            self.log("Disable", provisioned.upn, "Failure", response)

    def _remember(self, user: DirectoryUser, scim_id: str, active: bool) -> None:
        ProvisionedUser.objects.update_or_create(
            app=self.app,
            upn=user.upn,
            defaults={"user": user, "scim_id": scim_id, "active": active},
        )


def run_cycle(app: EnterpriseApp, *, transport: httpx.BaseTransport | None = None) -> CycleResult:
    """Run one provisioning cycle for ``app`` now and return what it did (the log has the details)."""
    config = ProvisioningConfig.objects.get(app=app)
    with httpx.Client(
        base_url=config.tenant_url,
        headers={"Authorization": f"Bearer {config.secret_token}", "Content-Type": MEDIA},
        timeout=10,
        transport=transport,
    ) as client:
        cycle = _Cycle(app, config, client)
        try:
            scope = list(in_scope(app))
            for user in scope:
                cycle.push(user)
            upns = {u.upn for u in scope}
            for provisioned in ProvisionedUser.objects.filter(app=app, active=True).exclude(
                upn__in=upns
            ):
                cycle.disable(provisioned)
        except httpx.HTTPError as exc:
            cycle.log(
                "Connect",
                "",
                "Failure",
                detail=f"Cannot reach the Tenant URL: {type(exc).__name__}",
            )
    config.last_cycle_at = clock.now()
    config.save(update_fields=["last_cycle_at"])
    _prune(app)
    return CycleResult(cycle=cycle.id, **cycle.counts)


def _prune(app: EnterpriseApp) -> None:
    old = (
        ProvisioningLogEntry.objects.filter(app=app)
        .order_by("-at", "-id")
        .values_list("id", flat=True)[KEEP_LOG:]
    )
    ProvisioningLogEntry.objects.filter(id__in=list(old)).delete()


def log_of(app: EnterpriseApp, limit: int = 200):
    return ProvisioningLogEntry.objects.filter(app=app)[:limit]
