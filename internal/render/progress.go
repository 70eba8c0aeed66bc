package render

import (
	"fmt"
	"io"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/lingate/lingate/apply"
)

// Progress returns a reporter of an apply's progress on w: a progress bar
// when w is a terminal, else one line per change as it finishes (for CI
// logs).
func Progress(w io.Writer, terminal bool) apply.Reporter {
	if terminal {
		return &barReporter{w: w}
	}
	return &lineReporter{w: w}
}

// lineReporter writes one line per finished change.
type lineReporter struct {
	mu    sync.Mutex
	w     io.Writer
	total int
	n     int
}

func (l *lineReporter) Begin(total int) { l.total = total }

func (l *lineReporter) Started(apply.Change) {}

func (l *lineReporter) Finished(o apply.Outcome) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.n++
	fmt.Fprintf(l.w, "[%d/%d] %s\n", l.n, l.total, outcomeLine(o))
}

// outcomeLine is "prod: ~ update apigee proxy payments: applied (1.2s)".
func outcomeLine(o apply.Outcome) string {
	c := o.Change
	s := fmt.Sprintf("%s: %s %s %s: %s", Printable(c.Env), c.Action.Symbol(), c.Action, Printable(c.Subject()), o.Status)
	switch {
	case o.Status == apply.Applied:
		s += " (" + seconds(o.Duration) + ")"
	case o.Error != "":
		s += ": " + Printable(o.Error)
	}
	return s
}

// seconds shows a duration to a tenth of a second.
func seconds(d time.Duration) string { return fmt.Sprintf("%.1fs", d.Seconds()) }

// barReporter draws a progress bar, with failures printed above it.
type barReporter struct {
	mu  sync.Mutex
	w   io.Writer
	bar *progressbar.ProgressBar
}

func (b *barReporter) Begin(total int) {
	b.bar = progressbar.NewOptions(total,
		progressbar.OptionSetWriter(b.w),
		progressbar.OptionSetDescription("applying"),
		progressbar.OptionShowCount(),
		progressbar.OptionSetWidth(30),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetPredictTime(false),
	)
}

func (b *barReporter) Started(c apply.Change) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.bar.Describe(Printable(c.Env + " " + c.Subject()))
}

func (b *barReporter) Finished(o apply.Outcome) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if o.Status != apply.Applied {
		_ = b.bar.Clear()
		fmt.Fprintln(b.w, outcomeLine(o))
	}
	_ = b.bar.Add(1)
}

// ApplyResult writes the table closing an apply: one row per change with
// what became of it, then the totals.
func ApplyResult(w io.Writer, res apply.Result) error {
	if len(res.Outcomes) == 0 {
		_, err := fmt.Fprintln(w, "Nothing to apply: live targets match the policies.")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ENV\tACTION\tSYSTEM\tKIND\tNAME\tRESULT\tTIME")
	for _, o := range res.Outcomes {
		c := o.Change
		fmt.Fprintf(tw, "%s\t%s %s\t%s\t%s\t%s\t%s\t%s\n", Printable(c.Env), c.Action.Symbol(), c.Action,
			c.System, c.Kind, Printable(c.Name), o.Status, seconds(o.Duration))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	verdict := "Apply complete"
	if res.Err() != nil {
		verdict = "Apply failed"
	}
	_, err := fmt.Fprintf(w, "%s: %d applied, %d failed, %d not done, in %s.\n", verdict,
		res.Count(apply.Applied), res.Count(apply.Failed), res.Count(apply.Skipped), seconds(res.Duration))
	return err
}
