package cli_test

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
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

// freePort returns a loopback port nothing listens on right now.
func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port), nil
}
