#!/bin/sh
# A counter file bumped by every job: two jobs read the same value and one
# update is lost.
# expect: KL003 9
# expect: KL004 9
# expect: KL002 12
echo 0 > processed.count
for f in incoming/*.txt; do
    (
        n=$(cat processed.count)
        ./process.sh "$f"
        echo $((n + 1)) > processed.count
    ) &
done
wait
echo "processed $(cat processed.count) files"
