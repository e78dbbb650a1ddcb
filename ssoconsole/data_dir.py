"""Keep the data directory private: 0700 for the directory, 0600 for the files the product writes there.

The data directory holds the SQLite database (sessions, password hashes,
sealed SP keys) and the generated secret key. Created with the default
umask it was 0755 and the database 0644: any local account could read it.
At every start (``ssoconsole.settings`` calls :func:`secure_data_dir` before
anything opens a file) the directory is created 0700, a new SQLite file is
created 0600 before SQLite opens it (SQLite gives its ``-wal`` and ``-shm``
files the database's mode), and an existing installation's modes are
tightened in place, so an upgrade just works. Only when a mode cannot be
changed (the directory belongs to another account) does the start stop,
with the command that fixes it.

Pure ``os``: it runs while the settings are read, before Django is set up.
"""

from __future__ import annotations

import os
import pwd
import stat
from pathlib import Path

from ssoconsole.config import ConfigurationError

DIR_MODE = 0o700
FILE_MODE = 0o600
# What the product itself writes into the data directory (names or prefixes).
PRODUCT_FILES = ("secret_key", "devidp_admin_password")
PRODUCT_PREFIXES = ("demo_admin_password", "demo_idp_password.", "ssoconsole.sqlite3")
SQLITE_COMPANIONS = ("", "-wal", "-shm", "-journal")


def secure_data_dir(data_dir: Path, sqlite_path: Path | None = None) -> list[str]:
    """Create or tighten ``data_dir`` and the product's files in it; return what was changed.

    ``sqlite_path`` is the database file when SQLite is used (it may lie
    outside the data directory); it is created empty with mode 0600 when it
    does not exist yet. Raises :class:`ConfigurationError` naming the fix
    when a mode that lets other accounts read the data cannot be changed.
    """
    changed: list[str] = []
    if not data_dir.exists():
        _make_private_dir(data_dir)
    changed += _tighten(data_dir, DIR_MODE, "data directory")
    for entry in sorted(data_dir.iterdir()):
        if _is_product_file(entry.name):
            changed += _tighten(entry, FILE_MODE, "file")
    if sqlite_path is not None:
        if not sqlite_path.parent.exists():
            _make_private_dir(sqlite_path.parent)
        if not sqlite_path.exists():
            try:
                os.close(os.open(sqlite_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
            except FileExistsError:  # another process started at the same moment
                pass
        for suffix in SQLITE_COMPANIONS:
            companion = sqlite_path.with_name(sqlite_path.name + suffix)
            if companion.exists():
                changed += _tighten(companion, FILE_MODE, "database file")
    return changed


def _is_product_file(name: str) -> bool:
    return name in PRODUCT_FILES or name.startswith(PRODUCT_PREFIXES)


def _make_private_dir(path: Path) -> None:
    saved = os.umask(0o077)
    try:
        path.mkdir(parents=True, mode=DIR_MODE, exist_ok=True)
    finally:
        os.umask(saved)


def _tighten(path: Path, allowed: int, what: str) -> list[str]:
    """Remove the mode bits of ``path`` beyond ``allowed``; refuse with the fix when that is not possible."""
    info = path.lstat()
    if stat.S_ISLNK(info.st_mode):
        return []  # never follow a link planted in the directory
    current = stat.S_IMODE(info.st_mode)
    wanted = current & allowed
    if current == wanted:
        return []
    try:
        os.chmod(path, wanted)
    except PermissionError:
        owner = _account(info.st_uid)
        raise ConfigurationError(
            f"The {what} {path} can be read by other accounts on this machine (mode "
            f"{current:04o}), and ssoconsole, running as {_account(os.geteuid())}, cannot change "
            f"that because it belongs to {owner}. Fix it once, then start again: "
            f"chmod {'700' if allowed == DIR_MODE else '600'} {path} (as {owner}), or "
            f"chown {_account(os.geteuid())} {path}."
        ) from None
    return [f"{path}: {current:04o} -> {wanted:04o}"]


def _account(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"
