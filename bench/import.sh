#!/usr/bin/env bash
# Times `kotopolku import customers` of a legacy export against `sqlite3 .import` of the same file
# (issue 8: 1,000,000 legacy rows in under 2 minutes on SQLite). Writes a synthetic export of $ROWS
# customers (default 1,000,000; seed $SEED, default 2026) in the format of
# examples/legacy/asiakkaat.csv with `kotopolku-bench legacy-export`, then times, each as its own
# process with wall time and peak memory:
#   1. `kotopolku import customers` by examples/legacy-mapping.toml into a fresh SQLite database
#      (created and migrated first, untimed);
#   2. the same command again on the same database: the idempotent rerun, every row skipped;
#   3. `sqlite3 .import` of the same file, bytes as they are, into a bare table of text columns
#      named by the header (no checks, no indexes, one transaction).
# Prints a markdown block with both figures and their ratio. Everything goes into a temporary
# directory, removed at exit (a million rows: about 195 MB of export, a few GB of database).
#
#   bench/import.sh                        # 1,000,000 rows (release build; built if missing)
#   ROWS=100000 SEED=7 bench/import.sh
#   KOTOPOLKU_BIN=target/debug/kotopolku BENCH_BIN=target/debug/kotopolku-bench ROWS=20000 bench/import.sh
set -euo pipefail
cd "$(dirname "$0")/.."

ROWS=${ROWS:-1000000}
SEED=${SEED:-2026}
KOTOPOLKU_BIN=${KOTOPOLKU_BIN:-target/release/kotopolku}
BENCH_BIN=${BENCH_BIN:-target/release/kotopolku-bench}
MAPPING=examples/legacy-mapping.toml

if [[ ! -x $KOTOPOLKU_BIN || ! -x $BENCH_BIN ]]; then
    if [[ $KOTOPOLKU_BIN == target/release/kotopolku && $BENCH_BIN == target/release/kotopolku-bench ]]; then
        cargo build --release -p kotopolku -p kotopolku-bench
    else
        echo "import.sh: $KOTOPOLKU_BIN or $BENCH_BIN is missing; build them or unset KOTOPOLKU_BIN and BENCH_BIN" >&2
        exit 2
    fi
fi
if ! command -v sqlite3 >/dev/null; then
    echo "import.sh: needs the sqlite3 command-line shell for the comparison" >&2
    exit 2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export_file=$work/asiakkaat.csv
url="sqlite://$work/import.db"

# timed NAME COMMAND...: runs the command with its standard output in $work/NAME.out, and leaves
# the wall seconds in $work/NAME.seconds, the peak resident memory (KB, when /usr/bin/time is there)
# in $work/NAME.kb and the exit status in $work/NAME.status.
timed() {
    local name=$1 started ended status=0
    shift
    started=$(date +%s.%N)
    if [[ -x /usr/bin/time ]]; then
        /usr/bin/time -o "$work/$name.kb" -f '%M' "$@" > "$work/$name.out" || status=$?
    else
        "$@" > "$work/$name.out" || status=$?
    fi
    ended=$(date +%s.%N)
    awk -v a="$started" -v b="$ended" 'BEGIN {printf "%.2f", b - a}' > "$work/$name.seconds"
    echo "$status" > "$work/$name.status"
}
seconds() { cat "$work/$1.seconds"; }
rate() { awk -v n="$ROWS" -v s="$(seconds "$1")" 'BEGIN {printf "%.0f", (s > 0 ? n / s : 0)}'; }
memory() {
    if [[ -s $work/$1.kb ]]; then
        awk -v kb="$(tail -1 "$work/$1.kb")" 'BEGIN {printf "; peak memory %.0f MB", kb / 1024}'
    fi
}
# The importer's summary line: `  created   20000`.
count() { awk -v what="$2" 'index($0, "  " what) == 1 {print $NF}' "$work/$1.out"; }
# The importer's own time of its rows (without starting up and reading the file).
own_seconds() { grep -o 'rows in [0-9.]* s' "$work/$1.out" | grep -o '[0-9.]*' || echo '?'; }
check_import() {
    local status
    status=$(cat "$work/$1.status")
    cat "$work/$1.out" >&2
    # 2: the import ran but rejected rows; they are counted in the figures.
    if [[ $status != 0 && $status != 2 ]]; then
        echo "import.sh: $1 failed (exit status $status)" >&2
        exit 1
    fi
}

echo "== writing $ROWS legacy rows (seed $SEED)" >&2
timed export "$BENCH_BIN" legacy-export --customers "$ROWS" --seed "$SEED" --out "$export_file" --mapping "$MAPPING"
cat "$work/export.out" >&2
[[ $(cat "$work/export.status") == 0 ]] || { echo "import.sh: legacy-export failed" >&2; exit 1; }
size=$(stat -c %s "$export_file")
folded=$(grep -o 'folded to ASCII[^:]*: [0-9]*' "$work/export.out" | grep -o '[0-9]*$' || echo '?')

echo "== creating and migrating a fresh SQLite database (untimed)" >&2
"$KOTOPOLKU_BIN" migrate --database-url "$url" > /dev/null

echo "== kotopolku import customers (fresh database)" >&2
timed import "$KOTOPOLKU_BIN" import customers "$export_file" --mapping "$MAPPING" --database-url "$url"
check_import import
database_size=$(du -cb "$work"/import.db* | tail -1 | cut -f1)

echo "== kotopolku import customers again (every row skipped)" >&2
timed rerun "$KOTOPOLKU_BIN" import customers "$export_file" --mapping "$MAPPING" --database-url "$url"
check_import rerun

echo "== sqlite3 .import into a bare table" >&2
timed sqlite3 sqlite3 -batch "$work/bare.db" ".mode csv" ".separator ;" ".import $export_file legacy"
[[ $(cat "$work/sqlite3.status") == 0 ]] || { echo "import.sh: sqlite3 .import failed" >&2; exit 1; }
bare_rows=$(sqlite3 -batch "$work/bare.db" "SELECT COUNT(*) FROM legacy")
if [[ $bare_rows != "$ROWS" ]]; then
    echo "import.sh: sqlite3 .import made $bare_rows rows, not $ROWS" >&2
    exit 1
fi

ratio=$(awk -v k="$(seconds import)" -v s="$(seconds sqlite3)" 'BEGIN {printf "%.1f", (s > 0 ? k / s : 0)}')
target=$(awk -v r="$(rate import)" 'BEGIN {print (r >= 1000000 / 120 ? "met" : "not met") " at this rate (8,334 rows/s needed)"}')
commit="$(git rev-parse --short HEAD)$([[ -z $(git status --porcelain) ]] || echo ", with uncommitted changes")"

cat <<EOF
### Legacy import: $ROWS rows (\`bench/import.sh\`)

| | |
|---|---|
| rows | $ROWS customers, seed $SEED ($folded values folded to ASCII for Windows-1252) |
| file | $(awk -v b="$size" 'BEGIN {printf "%.1f MB", b / 1e6}'), Windows-1252, \`;\`, CRLF, 25 columns |
| Kotopolku import, fresh SQLite database | $(seconds import) s, $(rate import) rows/s (the importer's own count $(own_seconds import) s); created $(count import created), rejected $(count import rejected)$(memory import); database $(awk -v b="$database_size" 'BEGIN {printf "%.0f MB", b / 1e6}') |
| rerun, same database | $(seconds rerun) s, $(rate rerun) rows/s; skipped $(count rerun 'skipped (unchanged)'), created $(count rerun created), updated $(count rerun updated), rejected $(count rerun rejected)$(memory rerun) |
| \`sqlite3 .import\` into a bare table | $(seconds sqlite3) s, $(rate sqlite3) rows/s$(memory sqlite3); SQLite $(sqlite3 --version | cut -d' ' -f1) |
| ratio Kotopolku / sqlite3 | $ratio |
| issue 8 target (1,000,000 rows in under 120 s) | $target |
| machine | $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GB", $2 / 1048576}' /proc/meminfo) |
| binaries | $KOTOPOLKU_BIN, $BENCH_BIN |
| commit | $commit, $(date -u '+%Y-%m-%d %H:%M UTC') |
EOF
