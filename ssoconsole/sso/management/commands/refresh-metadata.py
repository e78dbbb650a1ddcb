"""``ssoconsole refresh-metadata``: refresh URL-sourced IdP metadata now, with progress output.

Without options it refreshes what is due, exactly like the in-process
scheduler, and can run beside the servers (the refresh lease keeps them from
doing a provider twice). ``--all`` refreshes every URL-sourced provider
whether due or not; ``--provider ID`` one provider.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from ssoconsole.core import clock
from ssoconsole.core.errors import DomainError
from ssoconsole.sso.models import AuthProvider, MetadataSource
from ssoconsole.sso.refresh import RefreshOutcome, refresh_due_providers, refresh_metadata


class Command(BaseCommand):
    help = "Download the metadata of identity providers configured by URL and keep the last good copy on failure."

    def add_arguments(self, parser) -> None:
        group = parser.add_mutually_exclusive_group()
        group.add_argument(
            "--all", action="store_true", help="refresh every URL-sourced provider, due or not"
        )
        group.add_argument("--provider", metavar="ID", help="refresh one provider by id")

    def handle(self, *args, **options) -> None:
        if options["provider"]:
            targets = list(
                AuthProvider.objects.filter(id=_uuid(options["provider"])).select_related("tenant")
            )
            if not targets:
                raise CommandError(f"No authentication provider with id {options['provider']}.")
            self._run_each(targets)
        elif options["all"]:
            targets = list(
                AuthProvider.objects.filter(metadata_source=MetadataSource.URL).select_related(
                    "tenant"
                )
            )
            if not targets:
                files = AuthProvider.objects.filter(metadata_source=MetadataSource.FILE).count()
                self.stdout.write(
                    "No provider reads its metadata from a URL, so there is nothing to download"
                    + (
                        f"; {files} provider(s) use an uploaded file: upload their new metadata "
                        "in the console after a certificate rollover at the identity provider."
                        if files
                        else "."
                    )
                )
            self._run_each(targets)
        else:
            outcomes = refresh_due_providers(clock.now(), progress=self._report)
            self.stdout.write(f"{len(outcomes)} provider(s) were due and refreshed by this run.")
            self._finish(outcomes)

    def _run_each(self, providers) -> None:
        outcomes = []
        for index, provider in enumerate(providers, start=1):
            self.stdout.write(
                f"[{index}/{len(providers)}] {provider.display_name} ({provider.id}) …"
            )
            try:
                outcome = refresh_metadata(provider, actor_label="cli")
            except DomainError as exc:
                self.stderr.write(f"    skipped: {exc.message}")
                continue
            self._report(outcome)
            outcomes.append(outcome)
        self._finish(outcomes)

    def _report(self, outcome: RefreshOutcome) -> None:
        if outcome.ok:
            state = "changed" if outcome.changed else "unchanged"
            self.stdout.write(
                self.style.SUCCESS(f"    ok, metadata {state}: {outcome.display_name}")
            )
        else:
            self.stdout.write(
                self.style.ERROR(
                    f"    failed ({outcome.error_code}), last good metadata kept: {outcome.display_name}: {outcome.error_message}"
                )
            )

    def _finish(self, outcomes: list[RefreshOutcome]) -> None:
        failed = [o for o in outcomes if not o.ok]
        if failed:
            raise CommandError(
                f"{len(failed)} of {len(outcomes)} refresh(es) failed; see above. Sign-in keeps using the last good metadata."
            )


def _uuid(value: str):
    from uuid import UUID

    try:
        return UUID(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a provider id (UUID).") from None
