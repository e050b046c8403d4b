"""The Redis lock store for several Rasa servers: Rasa's own `RedisLockStore`, with its ticket book
changed under a short Redis mutex.

Rasa 3.6's ticket lock reads the conversation's lock from Redis, changes it in Python and writes it
back. When two servers receive messages for one conversation at the same moment, both can read the
same lock: both issue the same ticket number (and process at once), or a finished ticket's clean-up
deletes a lock another server has just added a ticket to (that message is refused with LockError).
`scripts/scale-out` saw both: a refused message stored anyway, and a burst no longer stored exactly
once. Every read-modify-write of the lock (issue, update, clean-up) now happens under
`SET NX`-style mutex (redis-py's `Lock`), so the book has one writer at a time. Waiting for the
conversation's turn is unchanged and does not hold the mutex.

Use it in `endpoints.yml` with `lock_store: {type: rasa_patches.redis_lock_store.AtomicRedisLockStore, url: ...,
port: ..., db: ...}`: the same keys as Rasa's `redis` type.
"""
from __future__ import annotations

from typing import Text

from rasa.core.lock_store import LOCK_LIFETIME, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

# Each guarded step is one or two Redis round trips; a holder that died releases after this many seconds.
MUTEX_SECONDS = 5
# How long a server waits for another server's guarded step before giving up (raises, so the message
# gets the channel's "trouble" answer and the client's retry, never a half-kept ticket book).
MUTEX_WAIT_SECONDS = 10


class AtomicRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: EndpointConfig) -> None:
        super().__init__(host=endpoint_config.url, **endpoint_config.kwargs)

    def _book(self, conversation_id: Text):  # noqa: ANN202 - redis.lock.Lock
        return self.red.lock(f"mutex:{self.key_prefix}{conversation_id}", timeout=MUTEX_SECONDS,
                             blocking_timeout=MUTEX_WAIT_SECONDS)

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        with self._book(conversation_id):
            return super().issue_ticket(conversation_id, lock_lifetime)

    def update_lock(self, conversation_id: Text) -> None:
        with self._book(conversation_id):
            super().update_lock(conversation_id)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        with self._book(conversation_id):
            super().cleanup(conversation_id, ticket_number)
