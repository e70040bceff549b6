#!/bin/bash
# Options that take no value (-X) and ones krun gained with -S, --pipe and
# GNU's options (-S, -N, --env): the linter must still find the template.
# expect: KL001 6
# expect: KL001 7
krun -X './process.sh {} >> results.log' ::: data/*
krun -S 2/host1 --env PATH -N 10 --pipe './count.sh >> counts.log' < input.txt
