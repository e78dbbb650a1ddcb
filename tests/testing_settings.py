"""The settings of the test process: the production settings, plus the development identity provider installed.

Production installs ``ssoconsole.devidp`` only when ``SSOCONSOLE_DEVIDP`` is set
(``ssoconsole/settings.py``). The tests need its models and tables in the one
test database, yet most of them run the production configuration, so here the
app is installed while ``SSOCONSOLE_DEVIDP_ENABLED`` keeps the environment's
value (off by default): /devidp/ is mounted only by the fixtures that switch it
on (``devidp_enabled``, ``demo_settings``), exactly as ``SSOCONSOLE_DEVIDP=1`` would.
That production leaves the app out is pinned on the real settings, in fresh
processes (``tests/test_settings.py``, ``tests/cli/test_devidp_installed_only_when_enabled.py``).
"""

from ssoconsole.settings import *  # noqa: F403 - this module is those settings plus one app
from ssoconsole.settings import INSTALLED_APPS

if "ssoconsole.devidp" not in INSTALLED_APPS:
    INSTALLED_APPS = [*INSTALLED_APPS, "ssoconsole.devidp"]
