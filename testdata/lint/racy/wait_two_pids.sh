#!/bin/bash
# wait with two pids returns the status of the last one only.
# expect: KL004 4
./a.sh & pa=$!
./b.sh & pb=$!
wait $pa $pb || exit 1
