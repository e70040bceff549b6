#!/bin/sh
# The same with the input as $1 of sh -c.
# expect: KL001 4
ls data/*.csv | xargs -n 1 -P 4 sh -c 'python3 summarize.py "$1" >> summary.csv' _
