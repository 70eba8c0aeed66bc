package linstor

import "github.com/lingate/lingate/schema"

// checker collects every problem found in the user's input during one Compile.
type checker struct {
	cfg  *schema.Config
	errs schema.Errors
}

// fail records a problem at the user's field path.
func (c *checker) fail(path, format string, args ...any) {
	c.errs = append(c.errs, c.cfg.Errorf(path, format, args...))
}

// failWith records a problem at path whose other half the user wrote at other.
func (c *checker) failWith(path, other, format string, args ...any) {
	e := c.cfg.Errorf(path, format, args...)
	if p := c.cfg.Pos(other); p.IsValid() && p != e.Pos {
		e.Related = append(e.Related, p)
	}
	c.errs = append(c.errs, e)
}

// count is how many problems have been recorded so far.
func (c *checker) count() int { return len(c.errs) }
