"""``run``: the agent's working loop in miniature, a simulated backup and a heartbeat per round.

Nothing is backed up for real: each round invents a plausible result (a few
files, some megabytes) so that the console has something to show under Last
status. What is real is the heartbeat, which keeps being accepted after the
user loses access at the identity provider (the tutorial's "agents continue
to back up") and stops the loop once the agent is revoked or its user is
deactivated.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from ssoconsole_agent import config
from ssoconsole_agent.errors import ServerError, ServerUnreachable, TokenStopped
from ssoconsole_agent.server import Server

MAX_SIMULATED_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class Backup:
    finished_at: datetime
    files: int
    size: int


class SimulatedBackup:
    """Invents one backup per round; ``seed`` makes a run repeatable."""

    def __init__(self, seed: int | None = None) -> None:
        self._random = random.Random(seed)

    def run(self, now: datetime) -> Backup:
        files = self._random.randint(0, 40)
        size = sum(self._random.randint(1_000, MAX_SIMULATED_BYTES // 40) for _ in range(files))
        return Backup(now.replace(microsecond=0), files, size)


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


def files(count: int) -> str:
    return f"{count} file" if count == 1 else f"{count} files"


def heartbeat_body(backup: Backup) -> dict:
    return {
        "state": "idle",
        "lastBackupAt": backup.finished_at.isoformat(),
        "lastBackupBytes": backup.size,
        "message": f"Simulated backup: {files(backup.files)}, {human_size(backup.size)}",
    }


def run(
    server: Server,
    credentials: config.Credentials,
    out,
    *,
    interval: float,
    count: int = 0,
    sleep=time.sleep,
    clock=lambda: datetime.now(UTC),
    backup: SimulatedBackup | None = None,
) -> int:
    """Back up and report every ``interval`` seconds for ``count`` rounds (0: until stopped); return the heartbeats accepted.

    Raises ``TokenStopped`` when the server no longer accepts the token. An
    unreachable or failing server does not stop the agent: it keeps backing
    up and reports again next round, as a real agent must.
    """
    backup = backup or SimulatedBackup()
    sent = rounds = 0
    out.write(
        f"Working as {credentials.username} on {credentials.server}: a simulated backup and a "
        f"heartbeat every {interval:g} seconds. Stop with Ctrl+C.\n"
    )
    out.flush()
    while True:
        result = backup.run(clock())
        wait = interval
        stamp = clock().strftime("%H:%M:%S")
        try:
            answer = server.call(
                "POST",
                "/api/v1/agents/heartbeat",
                heartbeat_body(result),
                token=credentials.agent_token,
            )
        except (ServerUnreachable, ServerError) as exc:
            out.write(
                f"{stamp}  backed up {files(result.files)}; heartbeat not delivered: {exc.message}\n"
            )
        else:
            if answer.status == 200:
                sent += 1
                out.write(
                    f"{stamp}  heartbeat accepted: backed up {files(result.files)}, "
                    f"{human_size(result.size)}\n"
                )
            elif answer.status == 429:
                wait = max(interval, _retry_after(answer))
                out.write(
                    f"{stamp}  the server asked for fewer heartbeats; next one in {wait:g} seconds\n"
                )
            else:
                refusal = server.refusal(answer, "accept the heartbeat")
                if isinstance(refusal, TokenStopped):
                    raise refusal
                out.write(f"{stamp}  heartbeat refused: {refusal.message}\n")
        out.flush()
        rounds += 1
        if count and rounds >= count:
            return sent
        sleep(wait)


def _retry_after(answer) -> float:
    try:
        return min(max(float(answer.headers.get("Retry-After", "60")), 1), 3600)
    except ValueError:
        return 60
