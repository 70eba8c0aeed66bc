// Package github is lingate's GitHub side of `lingate ci`: it reads the
// Actions event, keeps one plan comment per pull request (found by a hidden
// marker, edited in place, split under GitHub's size limit), writes
// annotations, check runs, the job summary and step outputs, counts the
// approvals that release asks for, and keeps one drift issue per
// environment. It talks to GitHub with go-github v60 through a transport
// that waits out rate limits; the token is sent as a header and never
// printed.
package github
