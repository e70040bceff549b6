package output

import (
	"sync"

	"github.com/krun-dev/krun/runner"
)

// Observers fans events out to several observers, in order.
type Observers []runner.Observer

// Observe passes e to every observer.
func (o Observers) Observe(e runner.Event) {
	for _, obs := range o {
		obs.Observe(e)
	}
}

// errOnce keeps the first error set, safely across goroutines.
type errOnce struct {
	mu  sync.Mutex
	err error
}

func (e *errOnce) set(err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.err == nil {
		e.err = err
	}
}

func (e *errOnce) get() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.err
}
