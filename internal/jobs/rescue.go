package jobs

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"time"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivertype"
)

// How long jobs may run, and when River gives up on one. A job that
// outlives its timeout has its context cancelled; every job returns soon
// after (SMTP steps and webhook posts are bounded by 30 s), so River's own
// rescue, for a job still marked running in a live process, waits well past
// that. Jobs a process left running when it died are rescued sooner, by
// rescueOrphans. The long jobs (domain change 1 h, domain check and billing
// run 30 min) have their own timeouts, which River's rescue also waits for;
// they are safe to run twice at once.
const (
	// JobTimeout bounds a mail delivery and the cleanup.
	JobTimeout = time.Minute
	// RescueStuckJobsAfter is River's rescue of a job marked running that
	// no lapsed instance explains: one that ignored its cancellation.
	RescueStuckJobsAfter = 5 * time.Minute
)

// orphanEvery is how often running jobs of dead instances are looked for:
// with app's 20 s lease, a job a crash interrupted runs again within about
// 30 s of the crash, however soon the process restarts.
const orphanEvery = 10 * time.Second

// orphanBatch is how many running jobs one query reads.
const orphanBatch = 1000

// rescueOrphans makes the jobs that dead instances left running available
// again at once, and frees the mails their senders claimed. River records
// the client (here the instance) that runs a job as the last of its
// attempted_by. River itself would wait for RescueStuckJobsAfter and then
// the job's retry delay, up to hours for a mail on its tenth attempt. A job past its attempts runs once more, as its
// last. Failures are logged; the next pass tries again.
func (r *runner[TTx]) rescueOrphans(ctx context.Context) {
	if r.opts.Lapsed == nil {
		return
	}
	if err := r.h.ReleaseDeadClaims(ctx, r.opts.Lapsed); err != nil && ctx.Err() == nil {
		r.opts.Logger.ErrorContext(ctx, "freeing the mails of dead processes failed; retrying", "err", err)
	}
	exec := r.driver.GetExecutor()
	var after int64
	for {
		running, err := exec.JobGetStuck(ctx, &riverdriver.JobGetStuckParams{AfterID: after, Max: orphanBatch, StuckHorizon: time.Now().Add(time.Hour)})
		if err == nil && len(running) > 0 {
			after = running[len(running)-1].ID
			err = r.rescue(ctx, exec, running)
		}
		if err != nil && ctx.Err() == nil {
			r.opts.Logger.ErrorContext(ctx, "rescuing the jobs of dead processes failed; retrying", "err", err)
		}
		if err != nil || len(running) < orphanBatch {
			return
		}
	}
}

// rescue makes those of the running jobs whose instance has lapsed
// available, if they still run the attempt read: a job that another runner
// rescued and a live process started again meanwhile (attempted_at later
// than any read, by the database's clock) is left running, not made
// available a second time and run twice at once.
func (r *runner[TTx]) rescue(ctx context.Context, exec riverdriver.Executor, running []*rivertype.JobRow) error {
	byOwner := map[string][]*rivertype.JobRow{}
	for _, j := range running {
		if n := len(j.AttemptedBy); n > 0 && j.AttemptedBy[n-1] != r.opts.ID {
			byOwner[j.AttemptedBy[n-1]] = append(byOwner[j.AttemptedBy[n-1]], j)
		}
	}
	lapsed, err := r.opts.Lapsed(ctx, slices.Sorted(maps.Keys(byOwner)))
	if err != nil || len(lapsed) == 0 {
		return err
	}
	now := time.Now().UTC()
	p := &riverdriver.JobRescueManyParams{}
	for _, owner := range lapsed {
		for _, j := range byOwner[owner] {
			if j.AttemptedAt != nil && !j.AttemptedAt.Before(p.StuckHorizon) {
				p.StuckHorizon = j.AttemptedAt.Add(time.Millisecond) // River's SQLite times have milliseconds
			}
			e, err := json.Marshal(rivertype.AttemptError{At: now, Attempt: j.Attempt, Error: "the process running this job (" + owner + ") died; run again"})
			if err != nil {
				return err
			}
			p.ID, p.Error, p.FinalizedAt = append(p.ID, j.ID), append(p.Error, e), append(p.FinalizedAt, nil)
			p.ScheduledAt, p.State = append(p.ScheduledAt, now), append(p.State, string(rivertype.JobStateAvailable))
		}
	}
	_, err = exec.JobRescueMany(ctx, p)
	if err == nil {
		r.opts.Logger.WarnContext(ctx, "ran again the jobs of a dead process", "jobs", len(p.ID), "instances", lapsed)
	}
	return err
}
