#!/bin/bash
# mkdir is atomic: the counter update happens under the directory lock.
lockdir=/tmp/counter.lock
bump() {
    until mkdir "$lockdir" 2>/dev/null; do sleep 0.1; done
    n=$(cat counter)
    echo $((n + 1)) > counter
    rmdir "$lockdir"
}
pids=()
for i in 1 2 3 4; do
    bump &
    pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || exit 1; done
