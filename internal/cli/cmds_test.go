package cli_test

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// scriptCmds are the custom commands the scripts use.
func scriptCmds() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	return map[string]func(ts *testscript.TestScript, neg bool, args []string){
		"httpget":  cmdHTTPGet,
		"httpdo":   cmdHTTPDo,
		"httpwait": cmdHTTPWait,
		"waitfile": cmdWaitFile,
		// placement lookups with a bearer token (placement_cmds_test.go).
		"bearerget": cmdBearerGet,
		// lingate ci's fake GitHub and event payloads (ci_cmds_test.go).
		"fakegithub": cmdFakeGitHub,
		"gitsha":     cmdGitSHA,
		"expand":     cmdExpand,
	}
}

// cmdHTTPGet fetches a URL, retrying for up to 10 s while nothing listens
// yet, and prints the status and body: httpget URL.
func cmdHTTPGet(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: httpget URL")
	}
	cmdHTTPDo(ts, neg, []string{http.MethodGet, args[0]})
}

// cmdHTTPDo sends one request with a JSON body from a file, retrying for
// up to 10 s while nothing listens yet, and prints the status and body:
// httpdo METHOD URL [BODYFILE]. It fails on a status of 400 or more
// unless negated.
func cmdHTTPDo(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 || len(args) > 3 {
		ts.Fatalf("usage: httpdo METHOD URL [BODYFILE]")
	}
	var body []byte
	if len(args) == 3 {
		body = []byte(ts.ReadFile(args[2]))
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		req, err := http.NewRequest(args[0], args[1], bytes.NewReader(body))
		ts.Check(err)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			out, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			fmt.Fprintf(ts.Stdout(), "%d\n%s\n", resp.StatusCode, out)
			if (resp.StatusCode >= 400) != neg {
				ts.Fatalf("%s %s: status %d", args[0], args[1], resp.StatusCode)
			}
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("%s %s: %v", args[0], args[1], err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

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

// cmdWaitFile polls a file until its content matches a regular expression
// (multi-line mode), for up to 20 s: waitfile FILE REGEXP.
func cmdWaitFile(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 || neg {
		ts.Fatalf("usage: waitfile FILE REGEXP")
	}
	re, err := regexp.Compile("(?m)" + args[1])
	ts.Check(err)
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if data, err := os.ReadFile(ts.MkAbs(args[0])); err == nil && re.Match(data) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	ts.Fatalf("%s: nothing matching %s within 20s", args[0], args[1])
}

// freePort returns a loopback port nothing listens on right now.
func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port), nil
}
