"""The Label Studio server as a Dagster resource (bound from `LABEL_STUDIO_URL` and
`LABEL_STUDIO_API_KEY`). The token stays inside the client; Dagster shows config values in
the UI, so bind it with `EnvVar`, never a literal."""

from __future__ import annotations

from dagster import ConfigurableResource

from annotation.client import LabelStudioClient, RetryPolicy


class LabelStudioResource(ConfigurableResource):
    """Where Label Studio answers and the admin token; retries are bounded (about 15 s)."""

    url: str = "http://127.0.0.1:8080"
    api_key: str
    attempts: int = 5
    base_delay: float = 0.5

    def client(self) -> LabelStudioClient:
        return LabelStudioClient(
            self.url.rstrip("/"), self.api_key, RetryPolicy(self.attempts, self.base_delay)
        )
