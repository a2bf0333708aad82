"""Connector credentials encrypted at rest (Fernet, from `cryptography`).

The key is derived from the installation's secret key (`SATUDATA_SECRET_KEY`, or the
`secret_key` file in SATUDATA_HOME that the settings create), so no extra file has to be backed
up; a dedicated key can be given with `SATUDATA_CONNECTOR_KEY` (a Fernet key) or a
`connector.key` file in SATUDATA_HOME. Database backups and exports therefore only ever hold
ciphertext. Decrypted values live only in memory during a pull and are never shown back.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.utils.translation import gettext as _

from satudata.core.errors import ValidationFailed

KEY_CONTEXT = b"satudata-connector-secrets-v1"
REDACTED = "••••••"


def _key() -> bytes:
    from_env = os.environ.get("SATUDATA_CONNECTOR_KEY", "").strip()
    if from_env:
        return from_env.encode()
    key_file = Path(settings.SATUDATA_HOME) / "connector.key"
    if key_file.exists():
        return key_file.read_text().strip().encode()
    # A keyed derivation: the Django secret never leaves the process, the Fernet key is
    # independent of other uses of it.
    digest = hashlib.sha256(KEY_CONTEXT + settings.SECRET_KEY.encode()).digest()
    return base64.urlsafe_b64encode(digest)


def _fernet() -> Fernet:
    return Fernet(_key())


def encrypt_secrets(values: dict[str, str]) -> str:
    """Ciphertext of the non-empty values (an empty dict → empty string)."""
    kept = {name: str(value) for name, value in values.items() if value not in (None, "")}
    if not kept:
        return ""
    return _fernet().encrypt(json.dumps(kept, sort_keys=True).encode()).decode()


def decrypt_secrets(token: str) -> dict[str, str]:
    if not token:
        return {}
    try:
        return json.loads(_fernet().decrypt(token.encode()))
    except (InvalidToken, ValueError):
        raise ValidationFailed(
            _(
                "The connector's stored credentials cannot be decrypted (the secret key of the"
                " installation changed?). Enter them again."
            ),
            code="secrets-unreadable",
        ) from None


def redact(text: str, secrets: dict[str, str]) -> str:
    """`text` with every secret value (and its base64 form, as in Basic auth) replaced."""
    for value in secrets.values():
        if not value or len(str(value)) < 3:
            continue
        text = text.replace(str(value), REDACTED)
    return text
