#!/usr/bin/env bash
# `make test`: every check in order; prints one summary line at the end.
set -uo pipefail
cd "$(dirname "$0")/.."
V=.venv/bin
results=()
failed=0
step() {
  local name=$1; shift
  local start=$SECONDS
  echo "== $name"
  if "$@"; then results+=("$name ok ($((SECONDS - start))s)"); else results+=("$name FAILED"); failed=1; fi
}
step ruff "$V/ruff" check src tests bench conftest.py
step format "$V/ruff" format --check src tests bench conftest.py
step mypy "$V/mypy"
step contracts "$V/lint-imports"
step migrations .venv/bin/python manage.py makemigrations --check --dry-run
step messages bash scripts/check-messages.sh
step sqlite "$V/pytest" -n 2 --create-db -q -p no:randomly
step postgres bash scripts/with-postgres.sh "$V/pytest" -n 2 --create-db -q
echo
summary=$(printf '%s; ' "${results[@]}"); summary=${summary%; }
echo "make test: $summary"
exit $failed
