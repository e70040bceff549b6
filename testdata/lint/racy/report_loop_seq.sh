#!/bin/bash
# The same loop over a count from the command line: unbounded as well.
# expect: KL001 8
# expect: KL003 8
# expect: KL004 8
N=${1:-100}
for i in $(seq 1 "$N"); do
    ./generate_report.sh "$i" >> "$REPORT_DIR/all.log" &
done
wait
echo "all reports written"
