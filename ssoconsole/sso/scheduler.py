"""A small in-process scheduler: metadata refresh and housekeeping, in every server process.

Each server process runs one daemon thread that wakes about once a minute
and calls :func:`ssoconsole.sso.refresh.refresh_due_providers`, then
:func:`ssoconsole.sso.housekeeping.purge_expired` (work that must not slow
down a sign-in); every :data:`EXPIRY_EVERY` rounds it also e-mails due
certificate-expiry warnings (:func:`send_expiry_warnings`, once per
threshold whichever process gets there first). The lease in the refresh keeps processes from refreshing
the same provider twice, and the purges are idempotent, so there is no
leader to elect and nothing to configure. Call
:func:`start_scheduler` once per process *after* forking (gunicorn's
``post_fork`` hook, or the ``serve`` command for a single process); a thread
started before ``fork`` would not exist in the workers.
"""

from __future__ import annotations

import logging
import os
import random
import threading

from django.db import close_old_connections

log = logging.getLogger("ssoconsole.sso.scheduler")
INTERVAL_SECONDS = 60.0
EXPIRY_EVERY = 10

_lock = threading.Lock()
_state: dict = {"thread": None, "pid": None, "stop": None}


def send_expiry_warnings() -> int:
    """E-mail the certificate-expiry warnings that are due (once per threshold, any process)."""
    from ssoconsole.core import clock
    from ssoconsole.sso.expiry import send_expiry_notices

    sent = send_expiry_notices(clock.now())
    if sent:
        log.info("certificate expiry e-mails sent=%s", sent)
    return sent


def _run(stop: threading.Event, interval: float) -> None:
    from ssoconsole.core import clock
    from ssoconsole.sso.housekeeping import purge_expired
    from ssoconsole.sso.refresh import refresh_due_providers

    # A random first delay spreads the processes of one deployment over the minute.
    delay = random.uniform(1.0, interval)
    rounds = 0
    while not stop.wait(delay):
        delay = interval
        rounds += 1
        if rounds % EXPIRY_EVERY == 1:
            try:
                send_expiry_warnings()
            except Exception:  # a mail or database hiccup: the next expiry round retries
                log.exception("certificate expiry round failed")
        try:
            close_old_connections()
            for outcome in refresh_due_providers():
                log.info(
                    "metadata refreshed provider=%s ok=%s changed=%s code=%s",
                    outcome.provider_id,
                    outcome.ok,
                    outcome.changed,
                    outcome.error_code,
                )
        except Exception:  # the scheduler must outlive a database hiccup; the next round retries
            log.exception("metadata refresh round failed")
        try:
            purged = purge_expired(now=clock.now())
            if purged.any:
                log.info(
                    "housekeeping purged consumed_assertions=%s sign_in_requests=%s sessions=%s%s",
                    purged.consumed_assertions,
                    purged.sign_in_requests,
                    purged.sessions,
                    "".join(f" {label}={n}" for label, n in purged.others.items()),
                )
        except Exception:  # as above: a failed round is retried a minute later
            log.exception("housekeeping round failed")
        try:
            _deprovision_due()
        except Exception:  # same: the next round retries
            log.exception("SCIM deprovisioning round failed")
        finally:
            close_old_connections()


def _deprovision_due() -> None:
    """Deactivate the SCIM-deprovisioned users whose tenant's delay has passed (same minute tick)."""
    from ssoconsole.scim.users import apply_due_deactivations

    done = apply_due_deactivations()
    if done:
        log.info("SCIM deprovisioning applied users=%s", done)


def start_scheduler(interval: float = INTERVAL_SECONDS) -> bool:
    """Start the refresh thread in this process unless it runs already; return whether it was started."""
    with _lock:
        thread = _state["thread"]
        if thread is not None and thread.is_alive() and _state["pid"] == os.getpid():
            return False
        stop = threading.Event()
        thread = threading.Thread(
            target=_run, args=(stop, interval), name="ssoconsole-metadata-refresh", daemon=True
        )
        _state.update(thread=thread, pid=os.getpid(), stop=stop)
        thread.start()
        return True


def stop_scheduler(timeout: float = 5.0) -> None:
    """Stop the refresh thread of this process and wait for it (tests, orderly shutdown)."""
    with _lock:
        thread, stop = _state["thread"], _state["stop"]
        _state.update(thread=None, pid=None, stop=None)
    if stop is not None:
        stop.set()
    if thread is not None and thread.is_alive():
        thread.join(timeout)


def scheduler_running() -> bool:
    thread = _state["thread"]
    return thread is not None and thread.is_alive() and _state["pid"] == os.getpid()
