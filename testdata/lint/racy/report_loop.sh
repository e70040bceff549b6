#!/bin/bash
# The loop from krun's README: ten reports appended to one file at once.
# expect: KL001 6
# expect: KL004 6
for i in {1..10}; do
    generate_report.sh $i >> final_report.log &
done
wait
