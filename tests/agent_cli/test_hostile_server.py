"""What a wrong or hostile server says reaches the terminal as plain text, and a redirect is not followed."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest


class Hostile(BaseHTTPRequestHandler):
    def do_POST(self):
        if self.path.startswith("/moved"):
            self.send_response(302)
            self.send_header("Location", "https://elsewhere.example/\x1b[31mred")
            self.end_headers()
            return
        body = json.dumps(
            {
                "error": {
                    "code": "nope\x1b[2J",
                    "message": "Cleared\x1b[2J your screen\x07 \u202etxt",
                }
            }
        ).encode()
        self.send_response(400)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def hostile_server():
    server = HTTPServer(("127.0.0.1", 0), Hostile)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_control_characters_from_the_server_never_reach_the_terminal(agent_world, hostile_server):
    outcome = agent_world.run("login", "--server", hostile_server)
    assert outcome.status == 1
    assert "Cleared" in outcome.err and "your screen" in outcome.err
    assert not any(c in outcome.err for c in "\x1b\x07\u202e")


def test_a_redirect_is_reported_not_followed(agent_world, hostile_server):
    outcome = agent_world.run("login", "--server", hostile_server + "/moved")
    assert outcome.status == 1
    assert "redirects /api/v1/agents/sign-in to https://elsewhere.example/" in outcome.err
    assert "\x1b" not in outcome.err
