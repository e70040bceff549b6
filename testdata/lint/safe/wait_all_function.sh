#!/bin/sh
# The pids are handed to a function that waits for each and returns the
# first failure.
wait_all() {
  rc=0
  for pid in "$@"; do
    wait "$pid" || rc=$?
  done
  return $rc
}
a > a.out & p1=$!
b > b.out & p2=$!
wait_all $p1 $p2 || exit 1
