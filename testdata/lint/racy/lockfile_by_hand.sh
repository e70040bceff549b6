#!/bin/bash
# A lock file by hand: wait until it is gone, then touch it. Between the
# test and the touch another job does the same.
# expect: KL002 9
# expect: KL004 14
LOCK=/var/lock/backup.lock
backup() {
    while [ -e "$LOCK" ]; do sleep 1; done
    touch "$LOCK"
    rsync -a "$1" /backup/
    rm -f "$LOCK"
}
for dir in /home /etc /srv; do
    backup "$dir" &
done
wait
