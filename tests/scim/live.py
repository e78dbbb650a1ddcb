"""A scim2-client engine over httpx, for talking to the live test server.

scim2-client's own network engine needs ``httpx2``, which ssoconsole does not
ship; this is the same few lines over the ``httpx`` the project already pins.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any

import httpx
from scim2_client.client import BaseSyncSCIMClient
from scim2_client.errors import RequestNetworkException


@contextmanager
def _network_errors():
    try:
        yield
    except httpx.RequestError as exc:
        error = RequestNetworkException()
        error.add_note(str(exc))
        raise error from exc


class HttpxSCIMClient(BaseSyncSCIMClient):
    def __init__(self, client: httpx.Client, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.client = client

    def _stays_under_base_url(self, endpoint: str) -> bool:
        base = str(self.client.base_url).rstrip("/") + "/"
        url = str(self.client.build_request("GET", endpoint).url)
        return url.startswith(base) or url == base.rstrip("/")

    def _parse_json(self, response):
        return response.json()

    def request(self, method: str, url: str, **kwargs: Any):
        with _network_errors():
            return self.client.request(method, url, **kwargs)
