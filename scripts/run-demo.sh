#!/usr/bin/env bash
# `make run`: the demo on the embedded defaults (SQLite under var/, Celery on the
# filesystem transport, console email), with a real worker and beat beside the web app.
set -euo pipefail
cd "$(dirname "$0")/.."
host=${1:-127.0.0.1}
port=${2:-8000}
export DEBUG=${DEBUG:-1}
export HTTPS=${HTTPS:-0}
# Portal links in emails and letters point at the demo's own address.
export SITE_URL=${SITE_URL:-http://$host:$port}
bin=.venv/bin

$bin/python manage.py migrate --no-input -v0
$bin/python manage.py seed_demo
# Today's reminders for the demo deadlines, rather than waiting for beat at 07:00.
$bin/python manage.py deadlines_sweep

$bin/celery -A lcspr worker --beat --pool=solo --without-mingle --without-gossip \
  --loglevel=INFO --schedule "var/celerybeat-schedule" &
worker=$!
trap 'kill $worker 2>/dev/null; wait $worker 2>/dev/null' EXIT INT TERM

cat <<TXT

  LCSPR case manager: http://$host:$port/sign-in/
  Sign in as leicester-office, lr-office, leicester-chair, lr-chair, police-crg,
  leicester-la-crg, lr-la-crg, scrutineer, reviewer, llr-reporting, police-portal or
  school-portal
  (configuration: admin at /admin/), password: ${DEMO_PASSWORD:-lcspr-demo-only}. Second factor: run \`make code WHO=<user>\` in
  another terminal, or add the key NRRXG4DSFVSGK3LPFV2G65DQFVVWK6JB to an
  authenticator app (all demo users share it).
  Database: ${DATABASE_URL:-var/lcspr.sqlite3 (SQLite)}. Background jobs: ${REDIS_URL:-embedded (var/celery)}.
  Emails are printed here. Stop with Ctrl-C.

TXT
$bin/python manage.py runserver "$host:$port"
