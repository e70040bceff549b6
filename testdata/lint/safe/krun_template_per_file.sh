#!/bin/bash
# krun with a file per input inside the template.
find . -name '*.log' | krun -j 8 'grep -c ERROR {} > {}.count'
