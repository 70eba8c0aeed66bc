package cli_test

import (
	"fmt"
	"io"
	"net/http"
	"regexp"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// cmdBearerGet fetches URL with a bearer token until its body matches
// every regular expression (multi-line mode), for up to 20 s, and prints
// the last status and body: bearerget TOKEN URL [REGEXP...]. It fails on a
// status of 400 or more unless negated, and negated on one below 400.
func cmdBearerGet(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 {
		ts.Fatalf("usage: bearerget TOKEN URL [REGEXP...]")
	}
	var res []*regexp.Regexp
	for _, a := range args[2:] {
		re, err := regexp.Compile("(?m)" + a)
		ts.Check(err)
		res = append(res, re)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		req, err := http.NewRequest(http.MethodGet, args[1], nil)
		ts.Check(err)
		if args[0] != "-" {
			req.Header.Set("Authorization", "Bearer "+args[0])
		}
		resp, err := http.DefaultClient.Do(req)
		var status int
		var body []byte
		if err == nil {
			body, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
			status = resp.StatusCode
		}
		if err == nil && matchAll(res, string(body)) {
			fmt.Fprintf(ts.Stdout(), "%d\n%s\n", status, body)
			if (status >= 400) != neg {
				ts.Fatalf("GET %s: status %d", args[1], status)
			}
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("GET %s: %v, status %d, body %s: no answer matched %q within 20 s", args[1], err, status, body, args[2:])
		}
		time.Sleep(100 * time.Millisecond)
	}
}
