#!/usr/bin/env bash
# French and English catalogues must be complete and compiled: no untranslated or fuzzy
# French entry, and the .mo files up to date with the .po files.
set -euo pipefail
cd "$(dirname "$0")/../src/pilotage"
../../.venv/bin/python ../../manage.py makemessages -l fr -l en --no-obsolete --no-location --ignore "static/vendor/*" >/dev/null
po=locale/fr/LC_MESSAGES/django.po
untranslated=$(msgattrib --untranslated --no-obsolete "$po" | grep -c '^msgid ' || true)
fuzzy=$(msgattrib --only-fuzzy --no-obsolete "$po" | grep -c '^msgid ' || true)
if [ "$untranslated" -gt 0 ] || [ "$fuzzy" -gt 0 ]; then
  echo "French catalogue incomplete: $untranslated untranslated, $fuzzy fuzzy (first ones below)"
  msgattrib --untranslated --only-fuzzy --no-obsolete "$po" | grep '^msgid ' | head -20
  msgattrib --untranslated --no-obsolete "$po" | grep '^msgid ' | head -20
  exit 1
fi
../../.venv/bin/python ../../manage.py compilemessages >/dev/null
git -C ../.. diff --quiet -I "POT-Creation-Date" -- "src/pilotage/locale/*.po" || { echo "French/English catalogues out of step with the code: run 'make messages', translate, and commit"; git -C ../.. diff --stat -- src/pilotage/locale; exit 1; }
