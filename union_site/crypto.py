"""Encryption of personal data at rest (PI10): AES-GCM with a key from the environment.

``PERSONAL_DATA_KEY`` is stretched into two keys: one encrypts values, the other
computes a keyed hash ("blind index") used to find and de-duplicate a value
without decrypting it. Without the setting (``make run``) the keys derive from
SECRET_KEY; production sets its own key (.env.example).
"""

import base64
import functools
import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

_PREFIX = "v1:"


@functools.cache
def _keys(secret: str) -> tuple[bytes, bytes]:
    master = hashlib.sha256(("union-site-personal-data:" + secret).encode()).digest()
    enc = hmac.new(master, b"encrypt", hashlib.sha256).digest()
    idx = hmac.new(master, b"index", hashlib.sha256).digest()
    return enc, idx


def _secret() -> str:
    return settings.PERSONAL_DATA_KEY or settings.SECRET_KEY


@functools.cache
def _cipher(secret: str) -> AESGCM:
    return AESGCM(_keys(secret)[0])


def encrypt(value: str) -> str:
    if not value:
        return ""
    nonce = os.urandom(12)
    token = _cipher(_secret()).encrypt(nonce, value.encode(), None)
    return _PREFIX + base64.urlsafe_b64encode(nonce + token).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    if not token.startswith(_PREFIX):
        raise ValueError("unknown ciphertext version")
    raw = base64.urlsafe_b64decode(token[len(_PREFIX) :])
    return _cipher(_secret()).decrypt(raw[:12], raw[12:], None).decode()


def blind_index(value: str) -> str:
    """A keyed hash: equal values give equal indexes, but the value cannot be recovered."""
    if not value:
        return ""
    _, idx = _keys(_secret())
    return hmac.digest(idx, value.encode(), "sha256").hex()  # one call into OpenSSL: half the time of hmac.new
