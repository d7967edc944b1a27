"""Runtime settings of one sandbox instance."""

from __future__ import annotations

import dataclasses

DEMO_CLIENT_ID = "1000.SANDBOXDEMOCLIENT"
DEMO_CLIENT_SECRET = "sandbox-demo-secret"  # noqa: S105 - a published fake for local use only


@dataclasses.dataclass
class SandboxSettings:
    # Returned as `api_domain` and `accounts-server`: one host plays both Zoho roles.
    base_url: str = "http://127.0.0.1:8001"
    access_token_ttl_seconds: int = 3600
    # CRM v8 token-validity says 3 minutes by default (accounts docs say 2); we follow CRM.
    grant_code_ttl_seconds: int = 180
    # Zoho: at most 10 new access tokens per refresh token per 10 minutes, then "Access Denied".
    refresh_limit_per_window: int = 10
    refresh_window_seconds: int = 600
    # Zoho: 15 live access tokens per refresh token; the 16th silently invalidates the oldest.
    max_live_access_tokens: int = 15
    demo_client_id: str = DEMO_CLIENT_ID
    demo_client_secret: str = DEMO_CLIENT_SECRET
    # Page-based listing stops after this many records; beyond it callers must use page_token.
    # Tests lower it to exercise page tokens without seeding thousands of records.
    discrete_page_limit: int = 2000
    # Signs page tokens so they are opaque and cannot be forged; fixed so they survive restarts.
    page_token_secret: str = "sandbox-page-token-secret"  # noqa: S105
    # The org's API limits (sandbox/limits.py): the edition's unless set; tests set them low.
    edition: str = "enterprise"
    concurrency: int | None = None
    daily_credits: int | None = None
