"""URLs of the server-rendered console, all under ``/console/`` except the ``/`` redirect."""

from django.urls import path

from ssoconsole.console.views import (
    account,
    agents,
    audit,
    dashboard,
    identity,
    identity_domains,
    identity_local_users,
    identity_providers,
    identity_provisioning,
    identity_settings,
    identity_sp_keys,
    orgs,
    users,
)

IDM = "console/administration/integrations/identity-management/"
PROVIDER = IDM + "providers/<uuid:provider_id>/"

app_name = "console"

urlpatterns = [
    path("", dashboard.root, name="root"),
    path("console/", dashboard.dashboard, name="dashboard"),
    path("console/orgs/", orgs.org_list, name="org_list"),
    path("console/orgs/new/", orgs.org_create, name="org_create"),
    path("console/orgs/<uuid:org_id>/", orgs.org_detail, name="org_detail"),
    path("console/orgs/<uuid:org_id>/rename/", orgs.org_rename, name="org_rename"),
    path("console/orgs/<uuid:org_id>/move/", orgs.org_move, name="org_move"),
    path(
        "console/orgs/<uuid:org_id>/authentication/",
        orgs.org_authentication,
        name="org_authentication",
    ),
    path("console/users/", users.user_list, name="user_list"),
    path("console/users/new/", users.user_create, name="user_create"),
    path("console/users/<uuid:user_id>/", users.user_detail, name="user_detail"),
    path("console/users/<uuid:user_id>/edit/", users.user_edit, name="user_edit"),
    path("console/users/<uuid:user_id>/deactivate/", users.user_deactivate, name="user_deactivate"),
    path("console/users/<uuid:user_id>/reactivate/", users.user_reactivate, name="user_reactivate"),
    path(
        "console/administration/integrations/identity-management/",
        identity.identity_management,
        name="identity",
    ),
    path(IDM + "providers/new/", identity_providers.provider_add, name="identity_provider_add"),
    path(IDM + "sp-keys/", identity_sp_keys.sp_keys, name="identity_sp_keys"),
    path(IDM + "domains/", identity_domains.domains_page, name="identity_domains"),
    path(PROVIDER, identity_providers.provider_detail, name="identity_provider"),
    path(PROVIDER + "rename/", identity_providers.provider_rename, name="identity_provider_rename"),
    path(
        PROVIDER + "refresh/", identity_providers.provider_refresh, name="identity_provider_refresh"
    ),
    path(
        PROVIDER + "metadata/",
        identity_providers.provider_metadata,
        name="identity_provider_metadata",
    ),
    path(PROVIDER + "delete/", identity_providers.provider_delete, name="identity_provider_delete"),
    path(
        PROVIDER + "attribute-mapping/",
        identity_settings.provider_mapping,
        name="identity_provider_mapping",
    ),
    path(
        PROVIDER + "organizations/", identity_settings.provider_orgs, name="identity_provider_orgs"
    ),
    path(
        PROVIDER + "advanced/",
        identity_settings.provider_advanced,
        name="identity_provider_advanced",
    ),
    path(
        IDM + "local-users/add/",
        identity_local_users.local_user_add,
        name="identity_local_user_add",
    ),
    path(
        IDM + "local-users/<uuid:user_id>/remove/",
        identity_local_users.local_user_remove,
        name="identity_local_user_remove",
    ),
    path(IDM + "provisioning/", identity_provisioning.provisioning, name="identity_provisioning"),
    path(
        IDM + "provisioning/tokens/new/",
        identity_provisioning.provisioning_token_create,
        name="identity_provisioning_token_create",
    ),
    path(
        IDM + "provisioning/tokens/<uuid:scim_token_id>/revoke/",
        identity_provisioning.provisioning_token_revoke,
        name="identity_provisioning_token_revoke",
    ),
    path(
        IDM + "provisioning/rules/",
        identity_provisioning.provisioning_rules,
        name="identity_provisioning_rules",
    ),
    path(
        IDM + "provisioning/groups/<uuid:group_id>/org/",
        identity_provisioning.provisioning_group_org,
        name="identity_provisioning_group_org",
    ),
    path("console/agents/", agents.agent_list, name="agent_list"),
    path("console/agents/revoke/", agents.agent_revoke, name="agent_revoke"),
    path("console/audit/", audit.audit_log, name="audit"),
    path("console/account/", account.account, name="account"),
    path("console/account/tokens/new/", account.token_create, name="token_create"),
    path(
        "console/account/tokens/<uuid:token_id>/revoke/", account.token_revoke, name="token_revoke"
    ),
]
