"""requests' exceptions → the tree's transport errors, in one place for every HTTP call.

Callers above the updater never see a ``requests`` exception (STYLE.md, Errors).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import requests

from updater.errors.tree import TransportError, ZohoConnectionError, ZohoTimeout


@contextmanager
def transport_errors_raised(*, service: str = "Zoho") -> Iterator[None]:
    """Raise ZohoTimeout / ZohoConnectionError / TransportError for a failed ``requests`` call;
    ``service`` names who did not answer ("Zoho", "Zoho accounts")."""
    try:
        yield
    except requests.Timeout as error:
        raise ZohoTimeout(message=f"{service} did not answer in time") from error
    except requests.ConnectionError as error:
        raise ZohoConnectionError(message=f"Could not connect to {service}") from error
    except requests.RequestException as error:
        raise TransportError(kind="invalid_response", message=type(error).__name__) from error
