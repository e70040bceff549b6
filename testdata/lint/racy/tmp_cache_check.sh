#!/bin/bash
# Whoever finds the cache missing fills it: several jobs find it missing
# and write it at once, while others read it half-written.
# expect: KL002 9
# expect: KL003 13
# expect: KL004 13
fetch() {
    if [ ! -f /tmp/cache.json ]; then
        curl -fsS "$API" > /tmp/cache.json
    fi
    jq ".[\"$1\"]" /tmp/cache.json > "out/$1.json"
}
for k in "$@"; do fetch "$k" & done
wait
