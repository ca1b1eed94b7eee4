package box

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/pitchbox/pitchbox/control"
)

// stage is one goroutine of the pipeline, with the lifetime every stage
// has: startStage starts run, Close signals and waits, and run's end is
// seen on Done. Its counters are what it took in, handed on, and dropped
// because the next stage was behind.
type stage struct {
	name   string
	cancel context.CancelFunc
	done   chan struct{}
	state  atomic.Int32 // control.StageState

	in, out, dropped atomic.Uint64

	mu  sync.Mutex
	err error
}

// startStage runs fn on its own goroutine until ctx ends or fn returns.
// An error returned while ctx is still running marks the stage failed.
func startStage(ctx context.Context, name string, fn func(ctx context.Context, s *stage) error) *stage {
	ctx, cancel := context.WithCancel(ctx)
	s := &stage{name: name, cancel: cancel, done: make(chan struct{})}
	s.state.Store(int32(control.StageStarting))
	go s.run(ctx, fn)
	return s
}

func (s *stage) run(ctx context.Context, fn func(ctx context.Context, s *stage) error) {
	defer close(s.done)
	s.state.Store(int32(control.StageRunning))
	err := fn(ctx, s)
	if err != nil && ctx.Err() == nil {
		s.mu.Lock()
		s.err = err
		s.mu.Unlock()
		s.state.Store(int32(control.StageFailed))
		return
	}
	s.state.Store(int32(control.StageStopped))
}

// Close stops the stage and waits for its goroutine to end.
func (s *stage) Close() {
	s.cancel()
	<-s.done
}

// Done is closed when the stage's goroutine has ended.
func (s *stage) Done() <-chan struct{} { return s.done }

// Err is why the stage failed, nil while it runs or after a clean stop.
func (s *stage) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

func (s *stage) status() control.StageStatus {
	st := control.StageStatus{Name: s.name, State: control.StageState(s.state.Load()),
		In: s.in.Load(), Out: s.out.Load(), Dropped: s.dropped.Load()}
	if err := s.Err(); err != nil {
		st.Error = err.Error()
	}
	return st
}
