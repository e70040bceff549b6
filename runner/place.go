package runner

import (
	"errors"
	"time"
)

// place puts a new job on a host with a free slot (Config.Hosts). When no
// host is left it stops the run and reports false.
func (r *run) place(job *Job) bool {
	p, err := r.cfg.Hosts.Place(job)
	if err != nil {
		r.fail(err)
		return false
	}
	job.placement, job.Host = p, p.Host()
	return true
}

// placeRequeued starts again, on other hosts, the jobs whose host failed,
// while hosts have free slots. Once the run is stopping, or when no host
// is left, they end without running.
func (r *run) placeRequeued() {
	for len(r.rehost) > 0 && (r.stopping || r.cfg.Hosts.Free()) {
		f := r.rehost[0]
		r.rehost = r.rehost[1:]
		var err error
		if !r.stopping {
			var p Placement
			if p, err = r.cfg.Hosts.Place(f.job); err == nil {
				f.job.placement, f.job.Host = p, p.Host()
				r.setTag(f.job)
				f.job.Delay = 0
				go r.runJob(f.job, f.out, r.timeout())
				continue
			}
			r.fail(err)
		}
		if err == nil {
			err = errors.New("not started: the run was stopping")
		}
		go r.endJob(f.job, f.out, Status{Exit: 255, Err: err, Start: time.Now(), Attempt: 1})
	}
}
