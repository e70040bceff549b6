#!/bin/bash
# krun groups output, but a >> inside the template is each job's own.
# expect: KL001 4
krun -j 4 './process.sh {} >> results.log' ::: data/*
