"""A model field whose value is encrypted at rest with Fernet (the `cryptography` library).

Keys come from settings.TOKEN_ENCRYPTION_KEYS, newest first. MultiFernet decrypts with any of
them and encrypts with the first, so a new key can be put in front and old rows re-encrypted
(`manage.py rotate_token_keys`) without downtime.
"""

from __future__ import annotations

from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


@cache
def _fernet_for(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("TOKEN_ENCRYPTION_KEYS is empty: set at least one Fernet key.")
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(
            "TOKEN_ENCRYPTION_KEYS holds a key that is not a valid Fernet key "
            "(generate one with `python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())'`)."
        ) from exc


def fernet() -> MultiFernet:
    return _fernet_for(tuple(settings.TOKEN_ENCRYPTION_KEYS))


class DecryptionError(Exception):
    """The stored ciphertext could not be decrypted with any configured key."""


class EncryptedTextField(models.TextField):
    """Stores `fernet(plaintext)`; Python code only ever sees the plaintext.

    Empty strings are stored empty, so "no token" stays queryable without decrypting.
    """

    def get_prep_value(self, value: object) -> str:
        value = super().get_prep_value(value)
        if not value:
            return ""
        return fernet().encrypt(str(value).encode()).decode()

    def from_db_value(self, value: str | None, expression: object, connection: object) -> str:
        if not value:
            return ""
        try:
            return fernet().decrypt(value.encode()).decode()
        except InvalidToken as exc:
            raise DecryptionError(
                f"{self.model.__name__}.{self.name} cannot be decrypted with TOKEN_ENCRYPTION_KEYS"
            ) from exc

    def rotate(self, stored: str) -> str:
        """Re-encrypt one stored ciphertext with the newest key."""
        return fernet().rotate(stored.encode()).decode() if stored else ""
