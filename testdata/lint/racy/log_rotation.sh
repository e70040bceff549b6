#!/bin/bash
# Two jobs rotate the same log: both can see it, both move it, and the
# touch of one lands after the other's writes began.
# expect: KL002 9
# expect: KL004 11
# expect: KL004 11
rotate() {
    [ -f app.log ] && mv app.log "app.log.$(date +%s)"
    touch app.log
}
rotate & rotate &
wait
