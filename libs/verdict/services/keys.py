"""Rotating the encryption key: `verdict rotate-key`.

Roll-out: set the new VERDICT_ENCRYPTION_KEY and list the previous one in
VERDICT_ENCRYPTION_OLD_KEYS on every process (both decrypt, the new one encrypts), then
run `verdict rotate-key` once: every stored secret is re-encrypted with the new key in
one transaction, and the old key can be dropped. A secret no configured key can read is
counted, left as it is, and reported, never replaced by garbage.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from verdict.security.crypto import TokenCipher
from verdict.settings import Settings
from verdict.storage import identity as identity_repo
from verdict.storage import inputs as inputs_repo
from verdict.storage import webhooks as webhooks_repo


@dataclass
class Rotation:
    rotated: int = 0
    unreadable: int = 0


async def rotate_encryption_key(
    pool: asyncpg.Pool[asyncpg.Record], settings: Settings
) -> dict[str, Rotation]:
    """Re-encrypt user tokens, webhook secrets and pending job credentials."""
    cipher = TokenCipher.from_settings(settings)
    report = {"user_tokens": Rotation(), "webhook_secrets": Rotation(), "job_secrets": Rotation()}

    def again(blob: bytes | None, counts: Rotation) -> bytes | None:
        if not blob:
            return blob
        fresh = cipher.rotate(bytes(blob))
        if fresh is None:
            counts.unreadable += 1
            return bytes(blob)
        counts.rotated += 1
        return fresh

    async with pool.acquire() as conn, conn.transaction():
        for row in await identity_repo.all_token_ciphertexts(conn):
            counts = report["user_tokens"]
            github = again(row["github_token_enc"], counts)
            jira = again(row["jira_token_enc"], counts)
            await identity_repo.set_token_ciphertexts(conn, row["id"], github, jira)
        for row in await webhooks_repo.secret_ciphertexts(conn):
            secret = again(row["secret_enc"], report["webhook_secrets"])
            await webhooks_repo.set_secret_ciphertext(conn, row["id"], secret or b"")
        for job_id, payload in await inputs_repo.all_secret_payloads(conn):
            fresh = again(payload, report["job_secrets"])
            await inputs_repo.set_secret_payload(conn, job_id, fresh or payload)
    return report
