#!/bin/bash
# A function that increments a counter, called from background jobs.
# expect: KL002 10
# expect: KL003 14
# expect: KL004 14
COUNTER=/var/tmp/reachable.count
increment() {
    local n
    n=$(<"$COUNTER")
    echo $((n + 1)) > "$COUNTER"
}
echo 0 > "$COUNTER"
for host in $(cat hosts.txt); do
    { ping -c 1 -W 1 "$host" > /dev/null && increment; } &
done
wait
echo "$(cat "$COUNTER") hosts up"
