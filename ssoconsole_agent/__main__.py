"""``python -m ssoconsole_agent`` is the same as the ``ssoconsole-agent`` command."""

from ssoconsole_agent.cli import main

raise SystemExit(main())
