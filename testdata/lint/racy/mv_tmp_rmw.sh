#!/bin/bash
# Sort into a temporary name, then rename over the index: the classic
# "atomic" update, racy when jobs run it at once.
# expect: KL001 9
# expect: KL002 10
# expect: KL003 12
# expect: KL004 12
add_entry() {
    sort -u index.txt - > index.txt.new <<< "$1"
    mv index.txt.new index.txt
}
for e in "$@"; do add_entry "$e" & done
wait
