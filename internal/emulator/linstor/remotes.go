package linstor

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"sort"
)

// Object masks and codes of remotes and schedules (linstor-common's consts).
const (
	maskRemote   int64 = 0x040000
	maskSchedule int64 = 0x540000

	failInvldRemoteName   = 239 | maskError
	failInvldScheduleName = 241 | maskError
	failInvldTimeParam    = 240 | maskError
	failNotFoundRemote    = 321 | maskError
	failNotFoundSchedule  = 323 | maskError
	failExistsRemote      = 527 | maskError
	failExistsSchedule    = 528 | maskError
	failInUse             = 997 | maskError
)

// remote is an S3 or LINSTOR remote. The emulator keeps a digest of each
// secret instead of the secret (the state file is written to disk); the
// real controller keeps them encrypted with its master passphrase. No GET
// returns secrets.
type remote struct {
	Kind         string `json:"kind"` // "s3" or "linstor"
	Name         string `json:"remote_name"`
	UUID         string `json:"uuid"`
	Endpoint     string `json:"endpoint,omitempty"`
	Bucket       string `json:"bucket,omitempty"`
	Region       string `json:"region,omitempty"`
	UsePathStyle bool   `json:"use_path_style,omitempty"`
	URL          string `json:"url,omitempty"`
	ClusterID    string `json:"cluster_id,omitempty"`
	// Secrets are SHA-256 digests of access_key, secret_key or passphrase.
	Secrets map[string]string `json:"secret_digests,omitempty"`
}

// s3RemoteIO is S3Remote as POST and PUT take it and GET returns it (GET
// never fills the keys).
type s3RemoteIO struct {
	RemoteName   string  `json:"remote_name"`
	Endpoint     *string `json:"endpoint,omitempty"`
	Bucket       *string `json:"bucket,omitempty"`
	Region       *string `json:"region,omitempty"`
	AccessKey    *string `json:"access_key,omitempty"`
	SecretKey    *string `json:"secret_key,omitempty"`
	UsePathStyle *bool   `json:"use_path_style,omitempty"`
}

// linstorRemoteIO is LinstorRemote.
type linstorRemoteIO struct {
	RemoteName string  `json:"remote_name"`
	URL        *string `json:"url,omitempty"`
	Passphrase *string `json:"passphrase,omitempty"`
	ClusterID  *string `json:"cluster_id,omitempty"`
}

// remoteListOut is what GET /v1/remotes returns: one object, although the
// spec says an array (reference §1.6).
type remoteListOut struct {
	S3      []s3RemoteIO      `json:"s3_remotes"`
	Linstor []linstorRemoteIO `json:"linstor_remotes"`
	Ebs     []any             `json:"ebs_remotes"`
}

func remoteCtx(name string) respCtx {
	return respCtx{op: maskCrt, obj: maskRemote, descr: "Remote: " + name, objRefs: map[string]string{"Remote": name}}
}

// SecretDigest is the hex SHA-256 of a secret as the emulator keeps it.
func SecretDigest(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// RemoteSecretDigests returns the digests of the secrets the named remote
// was last given (field name to SecretDigest), for tests; nil when unknown.
func (s *Server) RemoteSecretDigests(name string) map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.st.Remotes[key(name)]
	if r == nil {
		return nil
	}
	return copyProps(r.Secrets)
}

func (r *remote) s3Out() s3RemoteIO {
	return s3RemoteIO{RemoteName: r.Name, Endpoint: &r.Endpoint, Bucket: &r.Bucket, Region: &r.Region, UsePathStyle: &r.UsePathStyle}
}

func (r *remote) linstorOut() linstorRemoteIO {
	out := linstorRemoteIO{RemoteName: r.Name, URL: &r.URL}
	if r.ClusterID != "" {
		out.ClusterID = &r.ClusterID
	}
	return out
}

func (s *Server) sortedRemotes(kind string) []*remote {
	var out []*remote
	for _, r := range s.st.Remotes {
		if r.Kind == kind {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return key(out[i].Name) < key(out[j].Name) })
	return out
}

func handleRemoteList(s *Server, _ *request) reply {
	out := remoteListOut{S3: []s3RemoteIO{}, Linstor: []linstorRemoteIO{}, Ebs: []any{}}
	for _, r := range s.sortedRemotes("s3") {
		out.S3 = append(out.S3, r.s3Out())
	}
	for _, r := range s.sortedRemotes("linstor") {
		out.Linstor = append(out.Linstor, r.linstorOut())
	}
	return okJSON(out)
}

func handleS3List(s *Server, _ *request) reply {
	out := []s3RemoteIO{}
	for _, r := range s.sortedRemotes("s3") {
		out = append(out, r.s3Out())
	}
	return okJSON(out)
}

func handleLinstorList(s *Server, _ *request) reply {
	out := []linstorRemoteIO{}
	for _, r := range s.sortedRemotes("linstor") {
		out = append(out, r.linstorOut())
	}
	return okJSON(out)
}

// remoteName validates a remote name (LinstorParsingUtils.asRemoteName).
func remoteName(name string) error {
	if err := nameError(name, objectNameMin); err != nil {
		return fail(failInvldRemoteName, fmt.Sprintf("The given remote name '%s' is invalid.", name)).with(err.Error(), "", "")
	}
	return nil
}

func handleS3Create(s *Server, req *request) reply {
	var in s3RemoteIO
	if err := decodeBody(req.body, &in, "S3Remote"); err != nil {
		return s.fixedReply(http.StatusBadRequest, errorEntries(err))
	}
	r := &remote{Kind: "s3", Name: in.RemoteName}
	rcs, err := s.createRemote(r, func() error { return r.setS3(in, true) })
	return s.respond(http.StatusOK, remoteCtx(in.RemoteName), rcs, err) // 200, as the spec says
}

func handleLinstorCreate(s *Server, req *request) reply {
	var in linstorRemoteIO
	if err := decodeBody(req.body, &in, "LinstorRemote"); err != nil {
		return s.fixedReply(http.StatusBadRequest, errorEntries(err))
	}
	r := &remote{Kind: "linstor", Name: in.RemoteName}
	rcs, err := s.createRemote(r, func() error { return r.setLinstor(in, true) })
	return s.respond(http.StatusOK, remoteCtx(in.RemoteName), rcs, err) // 200, as the spec says
}

// createRemote adds r after set filled it, unless the name is taken.
func (s *Server) createRemote(r *remote, set func() error) ([]apiCallRc, error) {
	if err := remoteName(r.Name); err != nil {
		return nil, err
	}
	if s.st.Remotes[key(r.Name)] != nil {
		return nil, fail(failExistsRemote, fmt.Sprintf("A remote with the name '%s' already exists.", r.Name))
	}
	if err := set(); err != nil {
		return nil, err
	}
	r.UUID = newUUID()
	if s.st.Remotes == nil {
		s.st.Remotes = map[string]*remote{}
	}
	s.st.Remotes[key(r.Name)] = r
	return []apiCallRc{remoteCtx(r.Name).add(apiCallRc{RetCode: rcCreated, Message: fmt.Sprintf("Remote '%s' created.", r.Name),
		ObjRefs: map[string]string{"UUID": r.UUID}}, false)}, nil
}

func handleS3Modify(s *Server, req *request) reply {
	var in s3RemoteIO
	if err := decodeBody(req.body, &in, "S3Remote"); err != nil {
		return s.fixedReply(http.StatusBadRequest, errorEntries(err))
	}
	name := req.params[0]
	rcs, err := s.modifyRemote(name, "s3", func(r *remote) error { return r.setS3(in, false) })
	return s.respond(http.StatusOK, remoteCtx(name), rcs, err)
}

func handleLinstorModify(s *Server, req *request) reply {
	var in linstorRemoteIO
	if err := decodeBody(req.body, &in, "LinstorRemote"); err != nil {
		return s.fixedReply(http.StatusBadRequest, errorEntries(err))
	}
	name := req.params[0]
	rcs, err := s.modifyRemote(name, "linstor", func(r *remote) error { return r.setLinstor(in, false) })
	return s.respond(http.StatusOK, remoteCtx(name), rcs, err)
}

// modifyRemote changes the given fields of a remote of kind.
func (s *Server) modifyRemote(name, kind string, set func(*remote) error) ([]apiCallRc, error) {
	r, err := s.loadRemote(name)
	if err != nil {
		return nil, err
	}
	if r.Kind != kind {
		return nil, fail(failNotFoundRemote, fmt.Sprintf("The %s remote '%s' could not be found (it is a %s remote).", kind, name, r.Kind))
	}
	changed := *r
	changed.Secrets = copyProps(r.Secrets)
	if err := set(&changed); err != nil {
		return nil, err
	}
	*r = changed
	return []apiCallRc{remoteCtx(name).add(apiCallRc{RetCode: rcModified, Message: fmt.Sprintf("Remote '%s' modified.", r.Name)}, false)}, nil
}

func (s *Server) loadRemote(name string) (*remote, error) {
	if err := remoteName(name); err != nil {
		return nil, err
	}
	r := s.st.Remotes[key(name)]
	if r == nil {
		return nil, fail(failNotFoundRemote, fmt.Sprintf("The remote '%s' could not be found.", name))
	}
	return r, nil
}

func (r *remote) setS3(in s3RemoteIO, create bool) error {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&r.Endpoint, in.Endpoint)
	set(&r.Bucket, in.Bucket)
	set(&r.Region, in.Region)
	if in.UsePathStyle != nil {
		r.UsePathStyle = *in.UsePathStyle
	}
	if create && (r.Endpoint == "" || r.Bucket == "" || r.Region == "") {
		return fail(failInvldRemoteName, "An S3 remote needs endpoint, bucket and region.")
	}
	r.setSecret("access_key", in.AccessKey)
	r.setSecret("secret_key", in.SecretKey)
	return nil
}

func (r *remote) setLinstor(in linstorRemoteIO, create bool) error {
	if in.URL != nil {
		r.URL = *in.URL
	}
	if in.ClusterID != nil {
		r.ClusterID = *in.ClusterID
	}
	if create && r.URL == "" {
		return fail(failInvldRemoteName, "A LINSTOR remote needs the url of the other cluster's controller.")
	}
	r.setSecret("passphrase", in.Passphrase)
	return nil
}

func (r *remote) setSecret(field string, v *string) {
	if v == nil {
		return
	}
	if r.Secrets == nil {
		r.Secrets = map[string]string{}
	}
	r.Secrets[field] = SecretDigest(*v)
}

// handleRemoteDelete is DELETE /v1/remotes?remote_name=: refused while a
// schedule towards the remote is enabled on a resource group.
func handleRemoteDelete(s *Server, req *request) reply {
	name := first(req.query["remote_name"])
	rcs, err := s.deleteRemote(name)
	return s.respond(http.StatusOK, remoteCtx(name), rcs, err)
}

func (s *Server) deleteRemote(name string) ([]apiCallRc, error) {
	r, err := s.loadRemote(name)
	if err != nil {
		return nil, err
	}
	for _, rg := range s.st.sortedGroups() {
		for _, e := range enablementsOf(rg) {
			if key(e.remote) == key(name) {
				return nil, fail(failInUse, fmt.Sprintf("Remote '%s' is in use: schedule '%s' ships resource group '%s' to it.", r.Name, e.schedule, rg.Name)).
					with("", "", "Delete the backup schedule first.")
			}
		}
	}
	delete(s.st.Remotes, key(name))
	return []apiCallRc{remoteCtx(name).add(apiCallRc{RetCode: rcDeleted, Message: fmt.Sprintf("Remote '%s' deleted.", r.Name)}, false)}, nil
}

func first(vs []string) string {
	if len(vs) == 0 {
		return ""
	}
	return vs[0]
}
