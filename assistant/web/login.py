"""A login that resists guessing: failed logins are throttled per client address and per account, with a delay
that doubles after a few failures, then a lock-out window. Pure bookkeeping over an injectable clock;
`assistant.web.guard` applies it to Gradio's /login route (and logs each failure: account and address, never the
password).
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field

FREE_FAILURES = 3  # failures before any delay (a mistyped password or two)
FIRST_DELAY = 1.0  # seconds after the first failure past the free ones; doubles with each further failure
LOCKOUT_AFTER = 10  # failures after which a client or an account is locked out
LOCKOUT_SECONDS = 15 * 60.0
TRACKED_KEYS = 10_000  # clients and accounts remembered at most: the oldest settled ones are forgotten first


@dataclass
class _Failures:
    count: int = 0
    blocked_until: float = 0.0


@dataclass
class LoginThrottle:
    clock: Callable[[], float] = time.monotonic
    _failures: dict[str, _Failures] = field(default_factory=dict)

    @staticmethod
    def _keys(client: str, account: str) -> list[str]:
        named = account.strip().casefold()
        return [f"client:{client}", *([f"account:{named}"] if named else [])]

    def wait(self, client: str, account: str) -> float:
        """Seconds before this client may try this account again (0: it may now)."""
        now = self.clock()
        return max([0.0, *(self._failures[key].blocked_until - now for key in self._keys(client, account)
                           if key in self._failures)])

    def failed(self, client: str, account: str) -> None:
        now = self.clock()
        for key in self._keys(client, account):
            failures = self._failures.pop(key, _Failures())
            failures.count += 1
            if failures.count >= LOCKOUT_AFTER:
                failures.blocked_until = now + LOCKOUT_SECONDS
            elif failures.count > FREE_FAILURES:
                failures.blocked_until = now + FIRST_DELAY * 2 ** (failures.count - FREE_FAILURES - 1)
            self._failures[key] = failures  # re-inserted: the dict's order is the order of last failure
        if len(self._failures) > TRACKED_KEYS:
            self._forget(now)

    def _forget(self, now: float) -> None:
        """Keep the table bounded: forget what no longer blocks, then the oldest addresses (rotating addresses
        must not erase an account's lock-out)."""
        for key in [key for key, failures in self._failures.items() if failures.blocked_until <= now]:
            del self._failures[key]
        for key in [key for key in self._failures if key.startswith("client:")]:
            if len(self._failures) <= TRACKED_KEYS:
                break
            del self._failures[key]

    def succeeded(self, client: str, account: str) -> None:
        for key in self._keys(client, account):
            self._failures.pop(key, None)
