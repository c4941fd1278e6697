"""Values the tests and the apps under test agree on."""

from __future__ import annotations

import datetime as dt

TEST_SECRET_KEY = "test-only-secret-key"
# The apps' "today" (geoapp.web.clock): pinned, so no test depends on the hour it runs at
# (a Shanghai midnight mid-run). Later than any real event the tests record, which
# carry the real time of the run.
TODAY = dt.date(2030, 6, 14)

# every test account's password unless a test says otherwise
PASSWORD = "correct-horse-battery"
ROLES = ("leader", "grid", "planner", "admin", "supervisor", "enterprise")
