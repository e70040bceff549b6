#!/bin/sh
# timeline-job.sh N: test job N of the timeline example
# (scripts/timeline-demo.sh, which sets TIMELINE_DEMO_DIR): mostly a second
# or two of work, with a straggler, a job that hangs until --timeout ends
# it, a flaky job that fails on its first try, and a burst of failures (a
# service down) that opens the circuit breaker.
dir=${TIMELINE_DEMO_DIR:?} n=$1
case $n in
5) sleep 5.5; exit 0 ;;                          # a straggler
9) sleep 60 ;;                                  # hangs: --timeout ends it
14) [ -e "$dir/flaky.14" ] || { touch "$dir/flaky.14"; sleep 1; exit 1; } ;;
2[2-7]) sleep 0.5; echo "service unavailable" >&2; exit 1 ;;
esac
sleep "$(( (n * 37) % 13 / 6 + 1 )).$(( (n * 53) % 10 ))"
