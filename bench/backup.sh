#!/usr/bin/env bash
# Times `kotopolku backup`, `backup verify` and `restore` (issue 9) on a training database of
# $CUSTOMERS synthetic customers (default 100,000; seed $SEED, default 7) with their process records,
# on SQLite and, when $POSTGRES_URL answers (default postgres://postgres@127.0.0.1:5432/test), on
# PostgreSQL in a schema of its own. Each step runs as its own process; wall time and peak memory
# (GNU time) are printed with the backup's size, as a markdown table. Everything goes into a
# temporary directory and schemas that are removed at exit.
#
#   bench/backup.sh                          # release build; built if missing
#   CUSTOMERS=1000000 bench/backup.sh
#   KOTOPOLKU_BIN=target/debug/kotopolku CUSTOMERS=2000 bench/backup.sh
set -euo pipefail
cd "$(dirname "$0")/.."

CUSTOMERS=${CUSTOMERS:-100000}
SEED=${SEED:-7}
KOTOPOLKU_BIN=${KOTOPOLKU_BIN:-target/release/kotopolku}
POSTGRES_URL=${POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}

if [[ ! -x $KOTOPOLKU_BIN ]]; then
    if [[ $KOTOPOLKU_BIN == target/release/kotopolku ]]; then
        cargo build --release -p kotopolku
    else
        echo "backup.sh: $KOTOPOLKU_BIN is missing" >&2
        exit 2
    fi
fi
if [[ ! -x /usr/bin/time ]]; then
    echo "backup.sh: needs GNU time (Debian package time)" >&2
    exit 2
fi

work=$(mktemp -d)
tag=kp_bench_backup_$$
cleanup() {
    rm -rf "$work"
    if [[ -n ${pg_ok:-} ]]; then
        psql "$POSTGRES_URL" -qAtc "DROP SCHEMA IF EXISTS ${tag}_a CASCADE; DROP SCHEMA IF EXISTS ${tag}_b CASCADE" >/dev/null 2>&1 || true
    fi
}
trap cleanup EXIT

# step NAME COMMAND...: runs the command, printing "NAME|seconds|peak MB"
step() {
    local name=$1
    shift
    /usr/bin/time -f "%e %M" -o "$work/time" "$@" >"$work/out" 2>&1 || {
        cat "$work/out" >&2
        exit 1
    }
    read -r seconds kilobytes <"$work/time"
    printf '| %s | %s | %.0f |\n' "$name" "$seconds" "$((kilobytes / 1024))"
}

measure() {
    local engine=$1 source=$2 target=$3
    echo "Generating $CUSTOMERS customers on $engine..." >&2
    "$KOTOPOLKU_BIN" demo generate --customers "$CUSTOMERS" --seed "$SEED" --database-url "$source" >/dev/null 2>&1
    echo
    echo "**$engine**, $CUSTOMERS customers"
    echo
    echo '| step | seconds | peak MB |'
    echo '|---|---|---|'
    step "backup" "$KOTOPOLKU_BIN" backup --to "$work/$engine.kpb" --database-url "$source"
    step "backup verify" "$KOTOPOLKU_BIN" backup verify "$work/$engine.kpb"
    step "restore into an empty database" "$KOTOPOLKU_BIN" restore --from "$work/$engine.kpb" --database-url "$target"
    echo
    echo "backup size: $(du -m "$work/$engine.kpb" | cut -f1) MB, $(grep -c '' "$work/$engine.kpb") lines"
}

measure sqlite "sqlite://$work/a.db" "sqlite://$work/b.db"
echo "sqlite database size: $(du -m "$work/a.db" | cut -f1) MB"

if psql "$POSTGRES_URL" -qAtc 'SELECT 1' >/dev/null 2>&1; then
    pg_ok=1
    psql "$POSTGRES_URL" -qAtc "CREATE SCHEMA ${tag}_a; CREATE SCHEMA ${tag}_b" >/dev/null
    sep='?'
    [[ $POSTGRES_URL == *\?* ]] && sep='&'
    measure postgres "${POSTGRES_URL}${sep}options=-c%20search_path%3D${tag}_a" "${POSTGRES_URL}${sep}options=-c%20search_path%3D${tag}_b"
else
    echo "backup.sh: no PostgreSQL at $POSTGRES_URL; SQLite only" >&2
fi
