#!/bin/sh
# $$ is the pid of the script, the same in every job: not a unique name.
# expect: KL005 7
# expect: KL003 7
# expect: KL004 7
for f in "$@"; do
    sort "$f" > /tmp/sorted.$$ && mv /tmp/sorted.$$ "$f" &
done
wait
