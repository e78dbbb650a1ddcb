"""Look-ups used by all of the dev IdP's views: the directory and app named in a URL."""

from __future__ import annotations

from django.http import Http404

from ssoconsole.devidp.models import Directory, EnterpriseApp


def directory_or_404(tenant_id) -> Directory:
    directory = Directory.objects.filter(id=tenant_id).first()
    if directory is None:
        raise Http404("No such directory.")
    return directory


def app_or_404(directory: Directory, app_id) -> EnterpriseApp:
    app = (
        EnterpriseApp.objects.filter(directory=directory, id=app_id)
        .select_related("directory")
        .first()
    )
    if app is None:
        raise Http404("No such application.")
    return app
