"""Field encryption (AES-256-GCM) and blind indexes (HMAC-SHA256) for sensitive personal data.

Ciphertext is stored as text: ``v1:<key id>:<base64(nonce + ciphertext + tag)>``. The key id is
the first 8 hex digits of SHA-256(key), so after a rotation (`SHOUHU_ENCRYPTION_KEY` new,
`SHOUHU_ENCRYPTION_OLD_KEYS` the previous ones) old rows still decrypt until `shouhu crypto rotate`
re-encrypts them. The blind index key is derived from the current encryption key (HKDF), so the
rotate command recomputes indexes too.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

PREFIX = "v1"


class DecryptionError(Exception):
    pass


def _decode_key(value: str) -> bytes:
    key = base64.b64decode(value)
    if len(key) != 32:
        raise ValueError("加密密钥必须是 32 字节（Base64 编码）")
    return key


def key_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:8]


@cache
def _keys(current: str, old: tuple[str, ...]) -> tuple[bytes, dict[str, bytes]]:
    current_key = _decode_key(current)
    by_id = {key_id(current_key): current_key}
    for value in old:
        k = _decode_key(value)
        by_id.setdefault(key_id(k), k)
    return current_key, by_id


def keyring() -> tuple[bytes, dict[str, bytes]]:
    old = tuple(v for v in getattr(settings, "ENCRYPTION_OLD_KEYS", ()) if v)
    return _keys(settings.ENCRYPTION_KEY, old)


class Cipher:
    """Encryption and blind index under one key, set up once (bulk paths keep one per batch)."""

    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)
        self._prefix = f"{PREFIX}:{key_id(key)}:"
        self._index_key = _index_key(key)

    def encrypt(self, plaintext: str) -> str:
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), None)
        return self._prefix + base64.b64encode(nonce + sealed).decode()

    def blind_index(self, value: str) -> str:
        return hmac.new(self._index_key, value.encode(), hashlib.sha256).hexdigest()


@cache
def _cipher_for(key: bytes) -> Cipher:
    return Cipher(key)


def current_cipher() -> Cipher:
    return _cipher_for(keyring()[0])


def encrypt(plaintext: str) -> str:
    return current_cipher().encrypt(plaintext)


def decrypt(token: str) -> str:
    try:
        prefix, kid, payload = token.split(":", 2)
    except ValueError as e:
        raise DecryptionError("密文格式无效") from e
    if prefix != PREFIX:
        raise DecryptionError("密文版本未知")
    _, by_id = keyring()
    key = by_id.get(kid)
    if key is None:
        raise DecryptionError(f"缺少密钥 {kid}（请在 SHOUHU_ENCRYPTION_OLD_KEYS 中提供旧密钥）")
    raw = base64.b64decode(payload)
    try:
        return AESGCM(key).decrypt(raw[:12], raw[12:], None).decode()
    except Exception as e:  # cryptography raises InvalidTag
        raise DecryptionError("解密失败") from e


def is_current(token: str) -> bool:
    current, _ = keyring()
    return token.startswith(f"{PREFIX}:{key_id(current)}:")


@cache
def _index_key(current: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"shouhu blind index v1").derive(current)


def blind_index(value: str) -> str:
    """A keyed hash for exact lookup of an encrypted value (same input → same index)."""
    return current_cipher().blind_index(value)
