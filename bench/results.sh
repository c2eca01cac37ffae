#!/usr/bin/env bash
# Regenerates bench/RESULTS.md: on SQLite and on PostgreSQL, makes a training database of
# $CUSTOMERS synthetic customers (default 1,000,000) with `kotopolku demo generate`, makes the
# statistics, runs the caseworker load mix (`kotopolku-bench load`: $CLIENTS clients, default 50,
# for $DURATION seconds, default 60) against the real server, and makes the statistics again after
# the notes the mix added, and measures what read auditing costs (`kotopolku-bench reads` on a
# database of its own with $READ_CUSTOMERS customers, default 100,000, at 16, 64 and 128
# clients). With SQLite among the backends it then times the import of a legacy
# export of as many rows (`bench/import.sh`, ROWS=$CUSTOMERS). Every figure in RESULTS.md comes from
# this run.
#
#   bench/results.sh                       # both databases, 1,000,000 customers (about an hour)
#   CUSTOMERS=100000 BACKENDS=sqlite bench/results.sh
#
# PostgreSQL: $KOTOPOLKU_TEST_POSTGRES_URL or postgres://postgres@127.0.0.1:5432/test; the data
# goes into a schema of its own (kotopolku_bench), dropped afterwards. SQLite: a file in a
# temporary directory, removed afterwards. Needs about 25 GB of free disk per million customers.
set -euo pipefail
cd "$(dirname "$0")/.."

CUSTOMERS=${CUSTOMERS:-1000000}
CLIENTS=${CLIENTS:-50}
DURATION=${DURATION:-60}
SEED=${SEED:-2026}
READ_CUSTOMERS=${READ_CUSTOMERS:-100000}
BACKENDS=${BACKENDS:-sqlite postgres}
PG=${KOTOPOLKU_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}
SCHEMA=kotopolku_bench
OUT=bench/RESULTS.md

cargo build --release -p kotopolku -p kotopolku-bench
bin=target/release/kotopolku
work=$(mktemp -d)
cleanup() {
    rm -rf "$work"
    if [[ " $BACKENDS " == *" postgres "* ]]; then
        psql -q "$PG" -c "DROP SCHEMA IF EXISTS $SCHEMA CASCADE" >/dev/null 2>&1 || true
    fi
}
trap cleanup EXIT

seconds_of() { grep -o 'in [0-9.]* s' "$1" | head -1 | grep -o '[0-9.]*'; }

{
    echo "# Benchmark results"
    echo
    echo "Made by \`bench/results.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC') (commit $(git rev-parse --short HEAD)$(git diff --quiet || echo ', with uncommitted changes'))."
    echo "Rerun it to replace every figure; see bench/README.md for what each benchmark does."
    echo
    echo "## Machine"
    echo
    echo "- processor: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores"
    echo "- memory: $(awk '/MemTotal/ {printf "%.1f GB", $2/1048576}' /proc/meminfo)"
    echo "- system: $(. /etc/os-release && echo "$PRETTY_NAME"), Linux $(uname -r)"
    echo "- $(rustc --version)"
    echo "- SQLite $(sqlite3 --version 2>/dev/null | cut -d' ' -f1 || echo '(bundled)') (Kotopolku's own is bundled with sqlx)"
    if [[ " $BACKENDS " == *" postgres "* ]]; then
        echo "- PostgreSQL $(psql -tAq "$PG" -c 'SHOW server_version')"
    fi
    echo "- the load generator runs on the same cores as the server (loopback), as do the databases"
    echo
    echo "Targets on 2 cores (issue 7): p99 under 50 ms for worklist, search and customer page at 50"
    echo "concurrent clients; at least 1,000 requests per second on the mix; server peak memory under 300 MB;"
    echo "1,000,000 customers generated in under 10 minutes on SQLite. Issue 8: 1,000,000 legacy rows"
    echo "imported in under 2 minutes on SQLite. Issue 3: read auditing costs under 20% of read throughput."
} > "$work/head.md"

for backend in $BACKENDS; do
    case $backend in
        sqlite) url="sqlite://$work/kotopolku.db" ;;
        postgres)
            psql -q "$PG" -c "DROP SCHEMA IF EXISTS $SCHEMA CASCADE; CREATE SCHEMA $SCHEMA" >/dev/null
            sep='?'; [[ $PG == *\?* ]] && sep='&'
            url="$PG${sep}options=-c%20search_path%3D$SCHEMA"
            ;;
        *) echo "unknown backend $backend" >&2; exit 2 ;;
    esac
    echo "== $backend: generating $CUSTOMERS customers" >&2
    "$bin" demo generate --customers "$CUSTOMERS" --seed "$SEED" --database-url "$url" > "$work/generate.txt"
    generated=$(grep '^Generated' "$work/generate.txt")
    case $backend in
        sqlite) size=$(du -cb "$work"/kotopolku.db* | tail -1 | cut -f1) ;;
        postgres) size=$(psql -tAq "$PG" -c "SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = '$SCHEMA' AND c.relkind = 'r'") ;;
    esac
    echo "== $backend: first statistics refresh" >&2
    if [[ -x /usr/bin/time ]]; then
        /usr/bin/time -o "$work/refresh1.mem" -f '%M' "$bin" statistics refresh --database-url "$url" > "$work/refresh1.txt"
        memory="; peak memory of the command $(( $(cat "$work/refresh1.mem") / 1024 )) MB"
    else
        "$bin" statistics refresh --database-url "$url" > "$work/refresh1.txt"
        memory=""
    fi
    echo "== $backend: caseworker load mix" >&2
    target/release/kotopolku-bench load --database-url "$url" --clients "$CLIENTS" --seconds "$DURATION" > "$work/load.txt"
    echo "== $backend: statistics refresh after the mix" >&2
    "$bin" statistics refresh --database-url "$url" > "$work/refresh2.txt"
    {
        echo
        echo "## $backend"
        echo
        echo "### Generating the data (\`kotopolku demo generate --customers $CUSTOMERS --seed $SEED\`)"
        echo
        echo "$generated"
        echo "Rate: $(awk -v n="$CUSTOMERS" -v s="$(seconds_of "$work/generate.txt")" 'BEGIN {printf "%.0f", n / s}') customers per second; database size afterwards $(awk -v b="$size" 'BEGIN {printf "%.1f GB", b / 1e9}')."
        echo
        echo "### Statistics (\`kotopolku statistics refresh\`)"
        echo
        echo "- first refresh (every customer's facts derived): $(cat "$work/refresh1.txt")$memory"
        echo "- after the load mix (the customers given notes derived again): $(cat "$work/refresh2.txt")"
        echo
        echo "### Caseworker load mix (\`kotopolku-bench load --clients $CLIENTS --seconds $DURATION\`)"
        echo
        cat "$work/load.txt"
    } >> "$work/body.md"
    case $backend in
        sqlite) rm -rf "$work"/kotopolku.db* ;;  # the database, its -wal and -shm, and its audit journal directory
        postgres) psql -q "$PG" -c "DROP SCHEMA IF EXISTS $SCHEMA CASCADE" >/dev/null ;;
    esac
    echo "== $backend: read auditing" >&2
    target/release/kotopolku-bench reads --customers "$READ_CUSTOMERS" --seconds 10 --backend "$backend" > "$work/reads.txt"
    {
        echo
        echo "### Read auditing (\`kotopolku-bench reads --customers $READ_CUSTOMERS --seconds 10\`)"
        echo
        echo '```'
        cat "$work/reads.txt"
        echo '```'
    } >> "$work/body.md"
done

if [[ " $BACKENDS " == *" sqlite "* ]]; then
    echo "== sqlite: legacy import of $CUSTOMERS rows (bench/import.sh)" >&2
    {
        echo
        echo "## Import (SQLite)"
        echo
        ROWS=$CUSTOMERS SEED=$SEED bench/import.sh
    } >> "$work/body.md"
fi

cat "$work/head.md" "$work/body.md" > "$OUT"
echo "wrote $OUT" >&2
