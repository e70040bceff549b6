#!/bin/bash
# A poll every 5 seconds, whether or not the previous one finished.
# expect: KL003 6
# expect: KL004 6
while true; do
    ./poll.sh &
    sleep 5
done
