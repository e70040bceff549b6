#!/bin/bash
# A pid file "lock" by hand: test, then create. Two workers both see no
# pid file and both start.
# expect: KL002 10
# expect: KL004 14
start_worker() {
    if [ -e /var/run/worker.pid ]; then
        return 0
    fi
    echo $BASHPID > /var/run/worker.pid
    exec ./worker --queue "$1"
}
for q in high low batch; do
    start_worker "$q" &
done
wait
