#!/bin/bash
# Two API listings printed at once.
# expect: KL006 5
# expect: KL006 7
curl -fsS "$API/users" | jq -r '.[].name' &
users=$!
curl -fsS "$API/groups" | jq -r '.[].name' &
groups=$!
wait "$users" && wait "$groups" || exit 1
