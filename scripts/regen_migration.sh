#!/usr/bin/env bash
# Until the first release the schema has one migration, regenerated from the models.
# After a release, add new revisions with `alembic revision --autogenerate` instead.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -f src/watchword/store/migrations/versions/0001_initial_schema.py
tmp=$(mktemp -d)
.venv/bin/python - "$tmp" <<'PY'
import sys
from alembic import command
from watchword.store.db import Database
from watchword.store.migrate import alembic_config
db = Database(f"sqlite:///{sys.argv[1]}/gen.db")
command.revision(alembic_config(db), message="initial schema", autogenerate=True, rev_id="0001")
PY
rm -rf "$tmp"
f=src/watchword/store/migrations/versions/0001_initial_schema.py
sed -i 's/astext_type=Text()/astext_type=sa.Text()/g; /^Create Date:/d' "$f"
.venv/bin/ruff format -q "$f"
echo "regenerated $f"
