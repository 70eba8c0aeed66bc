// Package apigee is the live Apigee driver: it reads the proxies and API
// products of one environment's organization back into the objects
// compile/apigee produces, and applies changes to them with the Apigee
// management API (google.golang.org/api/apigee/v1, plus raw authenticated
// requests for bundle import and export, which the client cannot do).
//
// # Ownership and provenance
//
// A proxy is lingate's when one of its revisions is: the bundle's
// <Description> (the revision's description) ends in
//
//	[lingate sha256:<content hash> commit:<source commit>]
//
// and the revision's bundle, exported and read back under the proxy's name,
// has that content hash. The content hash is apply.ObjectDigest of the
// proxy object as compiled (its bundle zip and unpacked files), the same
// digest the plan file records. The stamp alone proves nothing: a revision
// made by hand from one of lingate's (edited in the console, exported and
// imported again, copied under another name) carries it too, and is
// neither reused, nor pruned, nor taken for the compiled bundle. The stamp is written into the bundle when it is imported and
// removed when a bundle is read back, so it never shows in a diff. An API
// product is lingate's when it has the attribute lingate-managed; on apply
// its value becomes "true; commit:<source commit>" and reads back as
// "true", the value compile writes.
//
// # Reading
//
// Read lists the organization's proxies, the deployments of the
// environment and the organization's API products.
//
//   - A proxy whose deployed revision is lingate's with the desired
//     object's content hash reads back as the desired object itself. Any
//     other deployed revision, lingate's or hand-made, is exported
//     (?format=bundle) and unpacked into compile's paths, the stamp and the
//     fields Apigee adds on export (revision attribute, CreatedAt...)
//     removed, so drift shows as a diff of the bundle's files.
//   - A proxy that is not deployed in the environment is absent there (an
//     apply imports or reuses a revision and deploys it), unless the
//     policies name it and none of its revisions is lingate's: then it is
//     foreign, read from its latest revision.
//   - A proxy or product the policies name but that lacks lingate's marker
//     is returned in Live.Foreign. Objects neither desired nor marked are
//     not read further. A proxy the policies no longer name is lingate's
//     (to prune) only while a revision lingate stamped is deployed: one
//     deployed by hand since is left alone.
//   - Products are read only when marked and bound to the environment, or
//     named by the policies, and are normalised back into compile's JSON:
//     attributes by name, sets sorted (an operation's methods in the order
//     the policies declare them), defaults filled in, server timestamps
//     dropped, fields compile never writes kept at the end so that a
//     hand-made addition shows.
//
// Read makes only GET calls: three lists, and one revision's metadata and
// bundle per proxy deployed in the environment (more only for foreign
// proxies).
//
// # Applying
//
// A proxy create or update reuses a revision carrying the content hash or
// imports one (re-listing revisions before every retry, so a lost import
// response never makes a second revision), deploys it with override, polls
// the deployment until READY and, on ERROR or timeout, redeploys the
// revision that served before and fails saying so. Afterwards lingate's
// revisions other than the deployed one and the newest KeepRevisions are
// deleted (before the import too, when the proxy is at Apigee's 250
// revisions); hand-made revisions and revisions deployed anywhere are
// kept. A create refuses a proxy none of whose revisions is lingate's; an
// update (apply --adopt) takes it over. A proxy delete undeploys it from
// the environment and deletes the proxy only when no other environment
// still deploys it.
//
// A product is created, or replaced with a full PUT; a create whose
// response was lost (409 on retry) is re-read and replaced when it
// differs. A create refuses an unmarked product. Impact says that a
// deleted product's developer apps lose access through it.
//
// # Lock
//
// The environment's apply lock is the entry "apply-lock" of the
// environment-scoped key value map "lingate", holding the JSON of an
// apply.Lock. Creating an entry fails with 409 when it exists, which makes
// taking a free lock atomic. Taking over an expired lock first creates the
// entry "apply-lock-takeover-<hash of its ID>" (again atomic), and only
// the apply that made it deletes the expired lock and creates its own, so
// two applies taking over the same expired lock end with one holder. The
// key value map API has no conditional delete: deletes of the lock entry
// are sent once and retried only after re-reading it, so a delete whose
// answer was lost never removes a lock another apply has taken since.
// What remains: an expired holder still running and releasing its lock in
// the same round trip as a takeover can remove the new holder's lock.
package apigee
