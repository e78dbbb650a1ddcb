"""ssoconsole-agent: the reference desktop agent of ssoconsole.

It signs in through the system browser and then works with its own token,
using only the public agent API (docs/agents.md) and the Python standard
library, so that an agent developer can read it as a worked example and an
administrator can try the agent side of the tutorial against the demo.
It never imports the server's code (``tests/agent_cli`` checks that).
"""

__version__ = "0.1.0"
