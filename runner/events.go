package runner

import "time"

// EventKind names what happened.
type EventKind string

// The kinds of Event.
const (
	EventStart   EventKind = "start"   // a try of a job started
	EventFinish  EventKind = "finish"  // a job ended, after its last try
	EventRetry   EventKind = "retry"   // a try failed and the job will run again
	EventTimeout EventKind = "timeout" // a try ran past --timeout and is being ended
	EventBreaker EventKind = "breaker" // the circuit breaker changed state
	EventHalt    EventKind = "halt"    // a --halt rule tripped
)

// Event is one thing that happened in a run, for reports.
type Event struct {
	Kind EventKind
	Time time.Time
	// Job is the job concerned; nil for breaker and halt events.
	Job *Job
	// Attempt is the try, from 1.
	Attempt int
	// Status is how the try ended (finish, retry).
	Status Status
	// Message describes breaker and halt events.
	Message string
}

// Observer receives the events of a run. Observe is called from several
// goroutines at once and must not block for long.
type Observer interface {
	Observe(Event)
}
