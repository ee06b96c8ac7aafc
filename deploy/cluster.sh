#!/usr/bin/env bash
# Two Corebank instances (run.py: gunicorn, or granian with SERVER=granian) behind nginx, on this machine (SPEC section 17).
#
#   deploy/cluster.sh          (or `make cluster`)
#
# PostgreSQL and Redis come from the machine: DATABASE_URL and RATELIMIT_STORAGE_URI as set in the
# environment (or .env), defaulting to postgresql://postgres@127.0.0.1:5432/corebank and
# redis://127.0.0.1:6379/0. nginx serves the bank on HOST:PORT (default 127.0.0.1:8000, as the app's
# own config). The instances listen on two free 127.0.0.1 ports with TRUSTED_PROXIES=1.
# Ctrl-C or SIGTERM stops nginx, then both instances, and waits for every one of them.
#
# Optional: CLUSTER_RUN_DIR (default .cache/cluster: nginx's conf, pid, temp and logs, the
# instances' logs), NGINX (default /usr/sbin/nginx), CLUSTER_READY_SECONDS (default 60).
set -euo pipefail
set -m   # every background job gets its own process group: we signal and reap whole groups

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
PY="${PY:-$ROOT/.venv/bin/python}"
FLASK="${FLASK:-$ROOT/.venv/bin/flask}"
NGINX="${NGINX:-/usr/sbin/nginx}"
RUN_DIR="${CLUSTER_RUN_DIR:-$ROOT/.cache/cluster}"
READY_SECONDS="${CLUSTER_READY_SECONDS:-60}"
export FLASK_APP=app:create_app

log() { printf 'cluster: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# A setting from the environment, else from .env (as python-dotenv reads it for the app), else $2.
setting() {
  local name=$1 default=$2 value
  if [[ -n "${!name:-}" ]]; then printf '%s' "${!name}"; return; fi
  if [[ -f "$ROOT/.env" ]]; then
    value="$(sed -n -E "s/^[[:space:]]*(export[[:space:]]+)?${name}[[:space:]]*=[[:space:]]*//p" "$ROOT/.env" \
      | tail -n 1 | sed -E 's/[[:space:]]+#.*$//; s/^"(.*)"$/\1/; s/^'"'"'(.*)'"'"'$/\1/')"
    if [[ -n "$value" ]]; then printf '%s' "$value"; return; fi
  fi
  printf '%s' "$default"
}

HOST="$(setting HOST 127.0.0.1)"
PORT="$(setting PORT 8000)"
DATABASE_URL="$(setting DATABASE_URL postgresql://postgres@127.0.0.1:5432/corebank)"
RATELIMIT_STORAGE_URI="$(setting RATELIMIT_STORAGE_URI redis://127.0.0.1:6379/0)"
case "$RATELIMIT_STORAGE_URI" in
  memory://*) die "RATELIMIT_STORAGE_URI=memory:// cannot be shared by two instances; use redis://…" ;;
esac
export DATABASE_URL RATELIMIT_STORAGE_URI
export TRUSTED_PROXIES=1                # exactly one hop: nginx
export FORWARDED_ALLOW_IPS=127.0.0.1    # SERVER=gunicorn: X-Forwarded-Proto only from the local nginx

[[ -x "$PY" ]] || die "$PY missing: run \`make setup\` (or \`make cluster\`)"
command -v curl >/dev/null || die "curl is needed to wait for /readyz"

# ---- nginx (Debian's package), installed only when missing and only as root ----
if [[ ! -x "$NGINX" ]]; then
  [[ $EUID -eq 0 ]] || die "$NGINX missing: install Debian's package \`nginx\` (apt-get install nginx)"
  log "installing Debian's nginx"
  system_nginx_was_running=0
  [[ -s /run/nginx.pid ]] && kill -0 "$(cat /run/nginx.pid)" 2>/dev/null && system_nginx_was_running=1
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq nginx >/dev/null
  # Where policy-rc.d lets services start, the package starts the system nginx on port 80: we
  # started it, so we stop it again (our nginx is the one below, with its own config).
  if [[ $system_nginx_was_running -eq 0 && -s /run/nginx.pid ]] && kill -0 "$(cat /run/nginx.pid)" 2>/dev/null; then
    "$NGINX" -s quit 2>/dev/null || true
  fi
  [[ -x "$NGINX" ]] || die "apt-get did not install $NGINX"
fi

# ---- process bookkeeping and shutdown ----
declare -A PIDS=()     # name -> pid (= process group id, thanks to set -m)
declare -A STATUS=()   # name -> exit status once reaped
STOPPING=0

reap() {  # reap NAME within SECONDS, else SIGKILL its whole group
  local name=$1 seconds=$2 pid=${PIDS[$1]} i status
  if [[ -n "${STATUS[$name]:-}" ]]; then  # already reaped by the main loop's wait -n
    kill -KILL -- "-$pid" 2>/dev/null || true
    return 0
  fi
  for ((i = 0; i < seconds * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "$name (pid $pid) did not stop in ${seconds}s: SIGKILL to its process group"
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  status=0
  wait "$pid" 2>/dev/null || status=$?
  # Anything left in the group (a worker whose master died) goes too.
  if kill -0 -- "-$pid" 2>/dev/null; then
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  STATUS[$name]=$status
}

shutdown() {
  local rc=${1:-0} name bad=0
  [[ $STOPPING -eq 1 ]] && return
  STOPPING=1
  trap '' INT TERM
  if [[ ${#PIDS[@]} -eq 0 ]]; then exit "$rc"; fi   # nothing started yet
  # nginx first (no new requests reach the instances), gracefully (QUIT lets requests finish).
  if [[ -n "${PIDS[nginx]:-}" ]]; then
    kill -QUIT "${PIDS[nginx]}" 2>/dev/null || true
    reap nginx 15
  fi
  # Then the instances: SIGTERM to each server's master is a graceful stop (in-flight requests finish, 10 s at most).
  for name in instance-a instance-b; do
    if [[ -n "${PIDS[$name]:-}" ]]; then kill -TERM "${PIDS[$name]}" 2>/dev/null || true; fi
  done
  for name in instance-a instance-b; do
    if [[ -n "${PIDS[$name]:-}" ]]; then reap "$name" 20; fi
  done
  for name in nginx instance-a instance-b; do
    [[ -n "${STATUS[$name]:-}" ]] || continue
    if [[ ${STATUS[$name]} -eq 0 ]]; then
      log "$name exited cleanly"
    else
      log "$name exited with status ${STATUS[$name]}"
      bad=1
    fi
  done
  if [[ $bad -eq 1 && $rc -eq 0 ]]; then rc=1; fi
  log "stopped (logs in $RUN_DIR)"
  exit "$rc"
}
trap 'shutdown 0' INT TERM
trap 'shutdown $?' EXIT

alive() { kill -0 "${PIDS[$1]}" 2>/dev/null; }

free_port() {
  "$PY" - <<'PY'
import socket
with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
PY
}

# ---- the database: created if missing (PostgreSQL only), migrated once ----
ensure_postgres_database() {
  local fields host port user password dbname
  fields="$("$PY" - "$DATABASE_URL" <<'PY'
import sys
from urllib.parse import unquote, urlsplit
u = urlsplit(sys.argv[1])
print("\x1f".join([u.hostname or "", str(u.port or 5432), unquote(u.username or ""),
                 unquote(u.password or ""), unquote(u.path.lstrip("/"))]))
PY
)"
  IFS=$'\x1f' read -r host port user password dbname <<<"$fields"
  [[ -n "$dbname" ]] || die "DATABASE_URL names no database"
  local -a conn=()
  [[ -n "$host" ]] && conn+=(-h "$host")
  conn+=(-p "$port")
  [[ -n "$user" ]] && conn+=(-U "$user")
  command -v psql >/dev/null || { log "psql missing: not checking that database $dbname exists"; return; }
  if [[ -n "$password" ]]; then export PGPASSWORD="$password"; fi
  if ! pg_isready -q "${conn[@]}" -t 5; then
    unset PGPASSWORD
    die "PostgreSQL at ${host:-local socket}:$port is not accepting connections"
  fi
  local exists
  exists="$(psql "${conn[@]}" -d postgres -w -X -tAc "SELECT 1 FROM pg_database WHERE datname = '${dbname//\'/\'\'}'")" \
    || { unset PGPASSWORD; die "cannot query PostgreSQL as ${user:-$(id -un)} (check pg_hba.conf and the password)"; }
  if [[ "$exists" != "1" ]]; then
    log "creating database $dbname"
    createdb "${conn[@]}" -w "$dbname"
  fi
  unset PGPASSWORD
}

case "$DATABASE_URL" in
  postgresql://*|postgres://*) ensure_postgres_database ;;
  sqlite:*) log "warning: DATABASE_URL is SQLite ($DATABASE_URL): both instances share one file (a smoke test, not the section 17 setup)" ;;
esac

mkdir -p "$RUN_DIR"
chmod 755 "$RUN_DIR"
rm -rf "$RUN_DIR/tmp" "$RUN_DIR"/*.log "$RUN_DIR/nginx.pid" "$RUN_DIR/nginx.conf" "$RUN_DIR/instance-"*
mkdir -p "$RUN_DIR/tmp" "$RUN_DIR/instance-a" "$RUN_DIR/instance-b"

# HOST:PORT must be free for nginx: fail now rather than after the instances have started.
"$PY" - "$HOST" "$PORT" <<'PY' || die "$HOST:$PORT is already in use (set HOST/PORT)"
import socket, sys
host, port = sys.argv[1], int(sys.argv[2])
family = socket.AF_INET6 if ":" in host else socket.AF_INET
with socket.socket(family) as s:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind((host, port))
    except OSError:
        sys.exit(1)
PY

# One upgrade before the instances start: it applies the migrations and, in development, writes
# instance/secrets.json, so both instances read the same JWT_SECRET, PIN_PEPPER, CARD_KEYS,
# AUDIT_KEY … instead of racing to generate them (the file is locked, but one writer is simpler).
log "migrating $(printf '%s' "$DATABASE_URL" | sed -E 's#//([^:@/]*):[^@/]*@#//\1:***@#')"
LOG_DIR="$RUN_DIR" "$FLASK" db upgrade >"$RUN_DIR/upgrade.log" 2>&1 \
  || { cat "$RUN_DIR/upgrade.log" >&2; die "flask db upgrade failed"; }

# ---- the two instances ----
PORT_A="$(free_port)"
PORT_B="$(free_port)"
while [[ "$PORT_B" == "$PORT_A" ]]; do PORT_B="$(free_port)"; done
for name in instance-a instance-b; do
  port=$PORT_A; [[ $name == instance-b ]] && port=$PORT_B
  # Each instance logs to its own directory: two processes must not rotate one file.
  HOST=127.0.0.1 PORT=$port LOG_DIR="$RUN_DIR/$name" \
    "$PY" run.py >"$RUN_DIR/$name.log" 2>&1 </dev/null &
  PIDS[$name]=$!
  log "$name: run.py pid ${PIDS[$name]} on 127.0.0.1:$port"
done

# ---- nginx ----
listen="$HOST:$PORT"
[[ $HOST == *:* && $HOST != \[* ]] && listen="[$HOST]:$PORT"
user_line=""
[[ $EUID -eq 0 ]] && user_line="user nobody nogroup;"   # as root, the workers drop to nobody
sed -e "s|@RUN_DIR@|$RUN_DIR|g" -e "s|@LISTEN@|$listen|g" \
    -e "s|@UPSTREAM_A@|127.0.0.1:$PORT_A|g" -e "s|@UPSTREAM_B@|127.0.0.1:$PORT_B|g" \
    -e "s|@USER@|$user_line|g" "$ROOT/deploy/nginx.conf" >"$RUN_DIR/nginx.conf"
"$NGINX" -q -t -p "$RUN_DIR" -e "$RUN_DIR/error.log" -c "$RUN_DIR/nginx.conf" \
  || { cat "$RUN_DIR/error.log" >&2 2>/dev/null; die "nginx refused the configuration"; }
"$NGINX" -p "$RUN_DIR" -e "$RUN_DIR/error.log" -c "$RUN_DIR/nginx.conf" </dev/null &
PIDS[nginx]=$!
log "nginx: pid ${PIDS[nginx]} on $listen"

# ---- ready: each instance directly, then through nginx ----
url_host=$HOST
[[ $url_host == 0.0.0.0 || -z $url_host ]] && url_host=127.0.0.1
[[ $url_host == *:* && $url_host != \[* ]] && url_host="[$url_host]"
URL="http://$url_host:$PORT"
ready() { curl -fsS -o /dev/null --max-time 2 "$1/readyz" 2>/dev/null; }
deadline=$((SECONDS + READY_SECONDS))
for target in "instance-a http://127.0.0.1:$PORT_A" "instance-b http://127.0.0.1:$PORT_B" "nginx $URL"; do
  name=${target%% *}
  until ready "${target#* }"; do
    for piece in "${!PIDS[@]}"; do
      if ! alive "$piece"; then
        tail -n 30 "$RUN_DIR/$piece.log" "$RUN_DIR/error.log" 2>/dev/null >&2 || true
        die "$piece exited during start-up (see $RUN_DIR)"
      fi
    done
    ((SECONDS < deadline)) || die "$name: /readyz did not answer 200 within ${READY_SECONDS}s (see $RUN_DIR)"
    sleep 0.25
  done
done

log "ready: $(curl -fsS --max-time 2 "$URL/readyz")"
printf '%s\n' "$URL"
log "Ctrl-C or SIGTERM stops nginx and both instances"

# ---- run until a signal. An instance that dies is reported and nginx sends everything to the
# other one (that is the point of two); nginx dying, or both instances, stops the rest and fails.
while :; do
  running=()
  for piece in "${!PIDS[@]}"; do
    if [[ -z "${STATUS[$piece]:-}" ]]; then running+=("${PIDS[$piece]}"); fi
  done
  done_pid="" status=0
  wait -n -p done_pid "${running[@]}" || status=$?
  if [[ $STOPPING -eq 1 ]]; then break; fi
  [[ -n "$done_pid" ]] || continue   # interrupted without a child exiting
  for piece in "${!PIDS[@]}"; do
    if [[ "${PIDS[$piece]}" == "$done_pid" ]]; then
      STATUS[$piece]=$status
      kill -KILL -- "-$done_pid" 2>/dev/null || true   # orphaned workers of a dead master, if any
      log "$piece exited unexpectedly (status $status; see $RUN_DIR/$piece.log)"
    fi
  done
  if [[ -n "${STATUS[nginx]:-}" ]]; then
    log "nginx is gone: stopping the instances"
    shutdown 1
  elif [[ -n "${STATUS[instance-a]:-}" && -n "${STATUS[instance-b]:-}" ]]; then
    log "both instances are gone: stopping nginx"
    shutdown 1
  fi
  log "still serving $URL through the remaining instance"
done
