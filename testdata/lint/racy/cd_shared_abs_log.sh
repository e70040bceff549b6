#!/bin/bash
# cd into each repository, but log to one file in $HOME.
# expect: KL001 7
# expect: KL003 7
# expect: KL004 7
for repo in ~/src/*/; do
    (cd "$repo" && git pull >> ~/pull.log 2>&1) &
done
wait
