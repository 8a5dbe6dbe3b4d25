#!/usr/bin/env bash
# Until the first release the schema has one migration, regenerated from the models.
# After a release, add new revisions with `alembic revision --autogenerate` instead.
set -euo pipefail
cd "$(dirname "$0")/.."
versions=src/watchword/store/migrations/versions
rm -f "$versions/0001_initial_schema.py"
tmp=$(mktemp -d)
# Later, hand-written revisions (full-text search) build on 0001: set them aside while
# autogenerate compares the models with an empty database, and put them back after.
aside="$tmp/aside"
mkdir -p "$aside"
find "$versions" -maxdepth 1 -name '0*.py' -exec mv {} "$aside"/ \;
trap 'mv "$aside"/*.py "$versions"/ 2>/dev/null || true; rm -rf "$tmp"' EXIT
.venv/bin/python - "$tmp" <<'PY'
import sys
from alembic import command
from watchword.store.db import Database
from watchword.store.migrate import alembic_config
db = Database(f"sqlite:///{sys.argv[1]}/gen.db")
command.revision(alembic_config(db), message="initial schema", autogenerate=True, rev_id="0001")
PY
f=src/watchword/store/migrations/versions/0001_initial_schema.py
sed -i 's/astext_type=Text()/astext_type=sa.Text()/g; /^Create Date:/d' "$f"
.venv/bin/ruff format -q "$f"
echo "regenerated $f"
