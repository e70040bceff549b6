#!/bin/bash
# GNU parallel groups output, but a redirection inside the command is the
# jobs' own: they all append to done.txt.
# expect: KL001 5
parallel -j 8 'convert {} -resize 50% small/{/} && echo {} >> done.txt && cat {}.meta >> done.txt' ::: images/*.jpg
