"""What the agent shows while it waits: a spinner on a terminal, a line now and then otherwise.

The wait itself goes through ``sleep`` (injected by tests), in short slices
on a terminal so the spinner turns, in one call otherwise.
"""

from __future__ import annotations

import time

FRAMES = "|/-\\"
SLICE_SECONDS = 0.25
PLAIN_EVERY_SECONDS = 60


class Waiting:
    """Shows "Waiting for approval in the browser" and how long the sign-in has left."""

    def __init__(
        self, stream, *, sleep=time.sleep, monotonic=time.monotonic, interactive=None
    ) -> None:
        self.stream = stream
        self.sleep = sleep
        self.monotonic = monotonic
        self.interactive = stream.isatty() if interactive is None else interactive
        self._frame = 0
        self._last_plain = None

    def wait(self, seconds: float, deadline: float) -> None:
        """Sleep ``seconds`` while showing progress towards ``deadline`` (a ``monotonic`` time)."""
        if not self.interactive:
            now = self.monotonic()
            if self._last_plain is None or now - self._last_plain >= PLAIN_EVERY_SECONDS:
                self._last_plain = now
                self.stream.write(
                    f"Waiting for approval in the browser ({_left(deadline - now)} left)…\n"
                )
                self.stream.flush()
            self.sleep(seconds)
            return
        end = self.monotonic() + seconds
        while (remaining := end - self.monotonic()) > 0:
            frame = FRAMES[self._frame % len(FRAMES)]
            self._frame += 1
            line = f"{frame} Waiting for approval in the browser… {_left(deadline - self.monotonic())} left"
            self.stream.write("\r" + line + "   ")
            self.stream.flush()
            self.sleep(min(SLICE_SECONDS, remaining))

    def note(self, text: str) -> None:
        """Print a line that stays (clearing the spinner's line first)."""
        self.stream.write(("\r\033[K" if self.interactive else "") + text + "\n")
        self.stream.flush()

    def done(self) -> None:
        if self.interactive:
            self.stream.write("\r\033[K")
            self.stream.flush()


def _left(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"
