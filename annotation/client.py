"""A thin wrapper over `label-studio-sdk` 2.x: bounded retries with exponential backoff, then a
clear error.

Label Studio runs as a separate local process that may be starting, restarting or busy; a short
outage should cost a few seconds, a real one a clear message, never a hang. Only transport
errors (refused connection, timeout) and 5xx/429 answers are retried: a 4xx is our mistake and
retrying it would only hide it. The SDK's own retry loop is switched off so the two do not
multiply. The token lives only inside the SDK client; neither `repr` nor any message shows it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
from label_studio_sdk import LabelStudio
from label_studio_sdk.core.api_error import ApiError

log = logging.getLogger(__name__)
T = TypeVar("T")
RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})


class LabelStudioUnavailable(RuntimeError):
    """The server did not answer usefully within the retry budget."""


@dataclass(frozen=True)
class RetryPolicy:
    """`attempts` tries in all, sleeping `base_delay * 2**n` (capped) between them."""

    attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 8.0

    def delays(self) -> list[float]:
        return [min(self.base_delay * 2**n, self.max_delay) for n in range(self.attempts - 1)]


def is_retryable(error: BaseException) -> bool:
    """Transport failures and server-side errors are worth another try; client errors are not."""
    if isinstance(error, httpx.TransportError):
        return True
    if isinstance(error, ApiError):
        return error.status_code in RETRYABLE_STATUS
    return False


def with_retries(
    fn: Callable[..., T], *args: Any, policy: RetryPolicy, what: str, url: str, **kwargs: Any
) -> T:
    """Call `fn` under `policy`; raise `LabelStudioUnavailable` naming `what` when it gives up."""
    delays = policy.delays()
    for attempt in range(policy.attempts):
        try:
            return fn(*args, **kwargs)
        except Exception as error:  # noqa: BLE001 - filtered by is_retryable
            if not is_retryable(error):
                raise
            if attempt == policy.attempts - 1:
                raise LabelStudioUnavailable(
                    f"Label Studio at {url} failed {what} {policy.attempts} times "
                    f"(last: {_describe(error)}); is the server running? "
                    "(`python -m annotation.server status`)"
                ) from error
            log.warning(
                "Label Studio %s failed (%s); retry %d/%d in %.1fs",
                what, _describe(error), attempt + 1, policy.attempts - 1, delays[attempt],
            )
            time.sleep(delays[attempt])
    raise AssertionError("unreachable")


def _describe(error: BaseException) -> str:
    if isinstance(error, ApiError):
        return f"HTTP {error.status_code}"
    return type(error).__name__


@dataclass
class LabelStudioClient:
    """The SDK client plus the retry policy. `call` runs any SDK method under the policy."""

    url: str
    token: str = field(repr=False)
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    timeout: float = 30.0
    _sdk: LabelStudio | None = field(default=None, init=False, repr=False)

    @property
    def sdk(self) -> LabelStudio:
        if self._sdk is None:
            self._sdk = LabelStudio(base_url=self.url, api_key=self.token, timeout=self.timeout)
        return self._sdk

    def call(self, what: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """`fn(*args, **kwargs)` with retries; the SDK's own retries are turned off."""
        kwargs.setdefault("request_options", {"max_retries": 0})
        return with_retries(fn, *args, policy=self.policy, what=what, url=self.url, **kwargs)

    def call_list(self, what: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> list[Any]:
        """Like `call` for paginated SDK methods: the whole listing, retried as one unit (a
        pager fetches lazily, so a failure can happen while iterating)."""
        return self.call(what, lambda *a, **k: list(fn(*a, **k)), *args, **kwargs)

    def request(self, method: str, path: str, what: str, **kwargs: Any) -> Any:
        """A raw API call for endpoints the SDK does not cover; returns the decoded JSON."""

        def send() -> Any:
            response = httpx.request(
                method, f"{self.url}{path}", headers={"Authorization": f"Token {self.token}"},
                timeout=self.timeout, **kwargs,
            )
            if response.status_code >= 400:
                raise ApiError(status_code=response.status_code, body=response.text[:500])
            return response.json() if response.content else None

        return with_retries(send, policy=self.policy, what=what, url=self.url)
