"""URLs under ``/devidp/`` (mounted by ``ssoconsole.urls`` only when the dev IdP is enabled).

Protocol endpoints sit at Entra's paths below the tenant id
(``/<tenant-id>/saml2``, ``/<tenant-id>/federationmetadata/2007-06/...``);
the admin pages, Entra's admin center, sit below ``/devidp/portal/``.
Every view is wrapped in ``enabled_only`` as a second gate.
"""

from django.urls import path

from ssoconsole.devidp.access import enabled_only
from ssoconsole.devidp.views import (
    admin_auth,
    apps,
    assignments,
    directories,
    metadata,
    myapps,
    protocol,
    provisioning,
    sign_ins,
    sso_config,
    users,
)

app_name = "devidp"

_APP = "portal/<uuid:tenant_id>/apps/<uuid:app_id>/"


def _route(pattern, view, name):
    return path(pattern, enabled_only(view), name=name)


urlpatterns = [
    # End users and service providers
    _route("<uuid:tenant_id>/saml2", protocol.saml2, "saml2"),
    _route("<uuid:tenant_id>/saml2/signin", protocol.sign_in, "saml2_signin"),
    _route(
        "<uuid:tenant_id>/federationmetadata/2007-06/federationmetadata.xml",
        metadata.federation_metadata,
        "federation_metadata",
    ),
    _route("<uuid:tenant_id>/myapps", myapps.my_apps, "myapps"),
    _route("<uuid:tenant_id>/signout", myapps.sign_out, "signout"),
    # Administrators
    _route("", directories.home, "home"),
    _route("admin/signin", admin_auth.admin_sign_in, "admin_signin"),
    _route("admin/signout", admin_auth.admin_sign_out, "admin_signout"),
    _route("portal/<uuid:tenant_id>/", directories.overview, "directory"),
    _route("portal/<uuid:tenant_id>/users", users.user_list, "users"),
    _route("portal/<uuid:tenant_id>/users/new", users.user_new, "user_new"),
    _route(
        "portal/<uuid:tenant_id>/users/<uuid:user_id>/account-enabled",
        users.user_account_enabled,
        "user_account_enabled",
    ),
    _route("portal/<uuid:tenant_id>/sign-ins", sign_ins.sign_in_logs, "sign_ins"),
    _route("portal/<uuid:tenant_id>/apps", apps.app_list, "apps"),
    _route("portal/<uuid:tenant_id>/apps/new", apps.app_new, "app_new"),
    _route(_APP, apps.app_overview, "app"),
    _route(_APP + "properties", apps.app_properties, "app_properties"),
    _route(_APP + "sso", sso_config.sso, "app_sso"),
    _route(_APP + "sso/basic", sso_config.basic_saml, "app_sso_basic"),
    _route(_APP + "sso/signing", sso_config.signing, "app_sso_signing"),
    _route(_APP + "sso/verification", sso_config.verification, "app_sso_verification"),
    _route(_APP + "sso/certificates/new", sso_config.new_certificate, "app_cert_new"),
    _route(
        _APP + "sso/certificates/<int:cert_id>/activate",
        sso_config.activate_certificate,
        "app_cert_activate",
    ),
    _route(
        _APP + "sso/certificates/<int:cert_id>/download",
        sso_config.download_certificate,
        "app_cert_download",
    ),
    _route(_APP + "users", assignments.app_users, "app_users"),
    _route(_APP + "provisioning", provisioning.app_provisioning, "app_provisioning"),
    _route(_APP + "provisioning/run", provisioning.app_provision_now, "app_provision_now"),
    _route(_APP + "users/<uuid:user_id>/remove", assignments.app_user_remove, "app_user_remove"),
]
