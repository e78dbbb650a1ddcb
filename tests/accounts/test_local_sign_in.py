"""``services.set_local_sign_in``: who may name local users, what is audited, and tenant isolation."""

from __future__ import annotations

import pytest

from ssoconsole.accounts import services
from ssoconsole.accounts.models import User
from ssoconsole.accounts.roles import Capability, Role, can
from ssoconsole.audit.models import AuditEvent
from ssoconsole.core.errors import Forbidden, NotFound, ValidationFailed

pytestmark = pytest.mark.django_db

ACTION = "user.local_sign_in_changed"


def _events(user):
    return AuditEvent.objects.filter(action=ACTION, target_id=str(user.id))


def test_both_administrator_roles_hold_the_capability_and_plain_users_do_not(users_by_role):
    assert can(users_by_role[Role.IDENTITY_ADMIN], Capability.LOCAL_USERS_MANAGE)
    assert can(users_by_role[Role.ORG_ADMIN], Capability.LOCAL_USERS_MANAGE)
    assert not can(users_by_role[Role.USER], Capability.LOCAL_USERS_MANAGE)


def test_enabling_is_stored_and_audited_with_before_and_after(identity_admin, plain_user):
    services.set_local_sign_in(plain_user, True, actor=identity_admin)
    assert User.objects.get(id=plain_user.id).local_sign_in is True
    event = _events(plain_user).get()
    assert event.actor_id == identity_admin.id and event.tenant_id == plain_user.tenant_id
    assert event.data == {"before": {"localSignIn": False}, "after": {"localSignIn": True}}


def test_disabling_is_audited_and_an_unchanged_value_records_nothing(identity_admin, plain_user):
    services.set_local_sign_in(plain_user, True, actor=identity_admin)
    services.set_local_sign_in(plain_user, True, actor=identity_admin)
    assert _events(plain_user).count() == 1
    services.set_local_sign_in(plain_user, False, actor=identity_admin)
    assert User.objects.get(id=plain_user.id).local_sign_in is False
    latest = _events(plain_user).order_by("-created_at").first()
    assert latest.data == {"before": {"localSignIn": True}, "after": {"localSignIn": False}}
    assert _events(plain_user).count() == 2


def test_an_identity_admin_may_keep_themselves_and_colleagues_on_password_sign_in(
    identity_admin, make_user
):
    """The troubleshooting case: the people fixing the IdP need a way in that does not depend on it."""
    colleague = make_user(roles=[Role.IDENTITY_ADMIN])
    services.set_local_sign_in(identity_admin, True, actor=identity_admin)
    services.set_local_sign_in(colleague, True, actor=identity_admin)
    assert (
        User.objects.filter(id__in=[identity_admin.id, colleague.id], local_sign_in=True).count()
        == 2
    )


def test_an_identity_admin_cannot_change_an_org_admin(identity_admin, org_admin):
    """org-admin carries users.manage and orgs.manage, which an identity-admin lacks (check_can_manage's rule)."""
    with pytest.raises(Forbidden) as caught:
        services.set_local_sign_in(org_admin, True, actor=identity_admin)
    assert caught.value.code == "user_not_manageable"
    assert User.objects.get(id=org_admin.id).local_sign_in is False
    assert not _events(org_admin).exists()


def test_an_org_admin_cannot_change_an_identity_admin_but_may_change_users_and_org_admins(
    org_admin, identity_admin, make_user
):
    with pytest.raises(Forbidden):
        services.set_local_sign_in(identity_admin, True, actor=org_admin)
    peer = make_user(roles=[Role.ORG_ADMIN])
    user = make_user()
    services.set_local_sign_in(peer, True, actor=org_admin)
    services.set_local_sign_in(user, True, actor=org_admin)
    assert not _events(identity_admin).exists()
    assert _events(peer).count() == 1 and _events(user).count() == 1


def test_a_user_holding_both_admin_roles_may_change_anyone(make_user, identity_admin, org_admin):
    both = make_user(roles=[Role.IDENTITY_ADMIN, Role.ORG_ADMIN])
    for subject in (identity_admin, org_admin):
        services.set_local_sign_in(subject, True, actor=both)
    assert User.objects.filter(local_sign_in=True).count() == 2


def test_a_plain_user_cannot_name_local_users_not_even_themselves(plain_user, make_user):
    for subject in (plain_user, make_user()):
        with pytest.raises(Forbidden) as caught:
            services.set_local_sign_in(subject, True, actor=plain_user)
        assert caught.value.details == {"capability": "local_users.manage"}
    assert not User.objects.filter(local_sign_in=True).exists()


def test_another_tenants_user_is_not_found(identity_admin, make_user, other_tenant):
    foreign = make_user(tenant=other_tenant)
    with pytest.raises(NotFound):
        services.set_local_sign_in(foreign, True, actor=identity_admin)
    assert User.objects.get(id=foreign.id).local_sign_in is False
    assert not AuditEvent.objects.filter(action=ACTION).exists()


def test_the_cli_may_change_anyone(org_admin):
    services.set_local_sign_in(org_admin, True, actor=None)
    event = _events(org_admin).get()
    assert event.actor_id is None and event.actor_label == "system"


def test_enabling_a_user_without_a_password_is_allowed_with_a_warning(identity_admin, make_user):
    """An org-admin sets the password later; until then the caller says why sign-in cannot work yet."""
    no_password = make_user(password=None)
    assert services.password_warning(no_password) is None  # not a local user: nothing to warn about
    services.set_local_sign_in(no_password, True, actor=identity_admin)
    warning = services.password_warning(no_password)
    assert no_password.username in warning and "password" in warning
    services.set_password(no_password, "a long enough password", actor=None)
    assert services.password_warning(User.objects.get(id=no_password.id)) is None


def test_enabled_must_be_a_boolean(identity_admin, plain_user):
    with pytest.raises(ValidationFailed) as caught:
        services.set_local_sign_in(plain_user, "yes", actor=identity_admin)
    assert caught.value.field == "enabled"


def test_a_deactivated_actor_is_refused(identity_admin, plain_user):
    identity_admin.is_active = False
    with pytest.raises(Forbidden):
        services.set_local_sign_in(plain_user, True, actor=identity_admin)


def test_the_user_edit_path_records_the_same_action(org_admin, plain_user):
    """update_user (edit form, PATCH /users) delegates, so auditors find every change under one action."""
    services.update_user(plain_user, actor=org_admin, first_name="Changed", local_sign_in=True)
    assert _events(plain_user).get().data["after"] == {"localSignIn": True}
    updated = AuditEvent.objects.get(action="user.updated", target_id=str(plain_user.id))
    assert "localSignIn" not in str(updated.data)
