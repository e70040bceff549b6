#!/bin/bash
# A wrapper function sends each command to its own log; the pids are
# checked one by one.
run() {
  local name=$1; shift
  "$@" > "logs/$name.log" 2>&1
}
run lint npm run lint & p1=$!
run test npm test & p2=$!
run build npm run build & p3=$!
fail=0
for p in $p1 $p2 $p3; do wait $p || fail=1; done
exit $fail
