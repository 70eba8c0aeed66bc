package linstor

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lingate/lingate/apply"
	emulator "github.com/lingate/lingate/internal/emulator/linstor"
)

// clientCert makes a self-signed client certificate and key in PEM.
func clientCert(t *testing.T) (certPEM, keyPEM string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "lingate-test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}))
}

// TestTLSFromVariables: LS_ROOT_CA trusts the controller, LS_USER_CERTIFICATE
// and LS_USER_KEY authenticate the client, and a controller given as
// host:port is reached over https; with a client the caller gives too.
func TestTLSFromVariables(t *testing.T) {
	clearEnv(t)
	srv, err := emulator.New(emulator.Config{Pools: examplePools})
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu      sync.Mutex
		clients []string
	)
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
			mu.Lock()
			clients = append(clients, r.TLS.PeerCertificates[0].Subject.CommonName)
			mu.Unlock()
		}
		srv.ServeHTTP(w, r)
	}))
	ts.TLS = &tls.Config{ClientAuth: tls.RequireAnyClientCert}
	ts.Config.ErrorLog = log.New(io.Discard, "", 0) // the untrusted client's handshake fails on purpose
	ts.StartTLS()
	defer ts.Close()
	ca := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw}))
	cert, key := clientCert(t)
	env := map[string]string{"LS_ROOT_CA": ca, "LS_USER_CERTIFICATE": cert, "LS_USER_KEY": key}
	hostPort := strings.TrimPrefix(ts.URL, "https://")
	for name, hc := range map[string]*http.Client{
		"built": nil,
		"given": {Transport: &apply.Transport{Policy: apply.RetryPolicy{MaxTries: 2}}},
	} {
		t.Run(name, func(t *testing.T) {
			mu.Lock()
			clients = nil
			mu.Unlock()
			d, err := New(Config{Env: "sandbox", Controllers: []string{hostPort}, HTTPClient: hc,
				Getenv: func(k string) string { return env[k] }})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := d.Read(context.Background(), nil); err != nil {
				t.Fatalf("read over TLS: %v", err)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(clients) == 0 || clients[0] != "lingate-test" {
				t.Errorf("the controller saw client certificates %v", clients)
			}
		})
	}
	plain, err := New(Config{Env: "sandbox", Controllers: []string{ts.URL}, Retry: apply.RetryPolicy{MaxTries: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := plain.Read(context.Background(), nil); err == nil {
		t.Error("a controller with an unknown certificate was trusted")
	}
}
