#!/bin/sh
# text_speed.sh — throughput of the text engine: `tipgate analyze` from a file to /dev/null on
# one core (taskset), Release build. The target is 20,000 messages/s.
#
#   bench/text_speed.sh [N] [FILE]
#
# N messages (default 200000) are cycled from FILE (JSON Lines with "text" and "context";
# default /work/shared/data/tips-dev.jsonl). Environment: BUILD_DIR (default build/text-release,
# configured with -DCMAKE_BUILD_TYPE=Release -DTIPGATE_TESTS=OFF and built if needed), CORE (the
# core to pin to, default 0), RUNS (default 5; the best and the median are reported — on a
# shared machine the best is the engine, the median includes the neighbours).
set -eu

REPO=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-200000}
FILE=${2:-/work/shared/data/tips-dev.jsonl}
BUILD_DIR=${BUILD_DIR:-$REPO/build/text-release}
CORE=${CORE:-0}
RUNS=${RUNS:-5}

if [ ! -x "$BUILD_DIR/tipgate" ] || [ "${REBUILD:-0}" = 1 ]; then
    cmake -S "$REPO" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DTIPGATE_TESTS=OFF >/dev/null
fi
cmake --build "$BUILD_DIR" -j2 --target tipgate >/dev/null

INPUT="$BUILD_DIR/text-speed-input.jsonl"
python3 - "$FILE" "$N" "$INPUT" <<'EOF'
import json, sys
src, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rows = [json.loads(l) for l in open(src, encoding="utf-8") if l.strip()]
with open(out, "w", encoding="utf-8") as f:
    for i in range(n):
        r = rows[i % len(rows)]
        f.write(json.dumps({"text": r["text"], "context": r.get("context", "private")},
                           ensure_ascii=False) + "\n")
EOF

lines=$(taskset -c "$CORE" "$BUILD_DIR/tipgate" analyze <"$INPUT" | wc -l)
if [ "$lines" -ne "$N" ]; then
    echo "text_speed: $lines answers for $N messages" >&2
    exit 1
fi

rates=""
i=0
while [ "$i" -lt "$RUNS" ]; do
    t0=$(date +%s.%N)
    taskset -c "$CORE" "$BUILD_DIR/tipgate" analyze <"$INPUT" >/dev/null
    t1=$(date +%s.%N)
    rate=$(echo "$N $t0 $t1" | awk '{printf "%.0f", $1 / ($3 - $2)}')
    echo "run $((i + 1)): $rate messages/s"
    rates="$rates $rate"
    i=$((i + 1))
done
echo "$rates" | tr ' ' '\n' | grep . | sort -n | awk -v n="$N" -v core="$CORE" '
    { r[NR] = $1 }
    END {
        printf "%d messages, core %s: best %d messages/s, median %d messages/s (target 20000)\n",
               n, core, r[NR], r[int((NR + 1) / 2)]
    }'
