#!/bin/bash
# The README loop, rewritten: krun appends each report as one block.
krun --append final_report.log generate_report.sh ::: {1..10}
