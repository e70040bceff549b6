#!/bin/bash
# Three jobs update one JSON state file through a temporary copy.
# expect: KL001 9
# expect: KL002 10
# expect: KL004 12
# expect: KL004 12
# expect: KL004 12
update() {
    jq --arg k "$1" --arg v "$2" '.[$k] = $v' state.json > state.json.tmp
    mv state.json.tmp state.json
}
update build ok & update test ok & update lint ok &
wait
