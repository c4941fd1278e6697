#!/usr/bin/env bash
# Make a local PostgreSQL with PostGIS available for the test suite.
# Installs Debian's postgresql-15-postgis-3 when missing (needs root, as in CI),
# starts the cluster when it is down (pg_ctl refuses root, so pg_ctlcluster),
# and checks that `CREATE EXTENSION postgis` works. Prints what is missing and
# exits non-zero when it cannot do that itself.
set -euo pipefail

PG_VERSION="${PG_VERSION:-15}"
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

if [ ! -f "/usr/share/postgresql/${PG_VERSION}/extension/postgis.control" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing postgresql-${PG_VERSION}-postgis-3 from Debian"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "postgresql-${PG_VERSION}-postgis-3" >/dev/null
  else
    echo "PostGIS is missing: install postgresql-${PG_VERSION}-postgis-3 (as root), or set" >&2
    echo "GEOAPP_TEST_POSTGIS_URL to a server where the tests may create databases." >&2
    exit 1
  fi
fi

if command -v pg_lsclusters >/dev/null; then
  if ! pg_lsclusters -h | awk -v v="$PG_VERSION" '$1 == v && $2 == "main" && $4 == "online"' | grep -q .; then
    echo "starting PostgreSQL ${PG_VERSION} cluster main"
    pg_ctlcluster --skip-systemctl-redirect "$PG_VERSION" main start
  fi
fi

for _ in $(seq 1 30); do
  if as_postgres psql -qAtc "select 1" postgres >/dev/null 2>&1; then break; fi
  sleep 1
done
as_postgres psql -qAtc "select 1" postgres >/dev/null
echo "PostgreSQL ready: $(as_postgres psql -qAtc 'select version()' postgres | cut -d, -f1)"
