"""Named points where a process can be held still, for tests of crashes mid-write.

A test that kills an import "while its transaction is open" must know the
transaction *is* open; polling from outside races a fast import. With
``GEOAPP_PAUSE_AT=<name>`` in its environment, the process reaching
``reach(<name>)`` writes ``paused at <name>`` on stderr and then waits for
one line (or the end) on stdin before going on: the test reads the line,
does what it wants (SIGKILL, a concurrent read) and may let it continue.
Unset, ``reach`` does nothing.
"""

from __future__ import annotations

import sys

from geoapp import settings


def reach(name: str) -> None:
    if settings.get("PAUSE_AT") != name:
        return
    sys.stderr.write(f"paused at {name}\n")
    sys.stderr.flush()
    sys.stdin.readline()
