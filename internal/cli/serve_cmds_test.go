package cli_test

import (
	"fmt"
	"io"
	"net/http"
	"regexp"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// cmdHTTPWait fetches a URL until its body matches every regular
// expression (multi-line mode), for up to 20 s, and prints the last
// status and body: httpwait URL REGEXP...
func cmdHTTPWait(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 || neg {
		ts.Fatalf("usage: httpwait URL REGEXP...")
	}
	var res []*regexp.Regexp
	for _, a := range args[1:] {
		re, err := regexp.Compile("(?m)" + a)
		ts.Check(err)
		res = append(res, re)
	}
	deadline := time.Now().Add(20 * time.Second)
	last := ""
	for time.Now().Before(deadline) {
		resp, err := http.Get(args[0])
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			last = fmt.Sprintf("%d\n%s\n", resp.StatusCode, body)
			if matchAll(res, string(body)) {
				fmt.Fprint(ts.Stdout(), last)
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	fmt.Fprint(ts.Stdout(), last)
	ts.Fatalf("GET %s: no answer matched %q within 20 s", args[0], args[1:])
}

func matchAll(res []*regexp.Regexp, s string) bool {
	for _, re := range res {
		if !re.MatchString(s) {
			return false
		}
	}
	return true
}
