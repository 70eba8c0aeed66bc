// Package linstor is an embedded emulator of the LINSTOR controller's REST
// API (v1, API version 1.28), faithful where a deploy tool looks: nodes with
// Aux/ properties and storage pools, resource groups and volume groups with
// the controller's semantics (case-insensitive names, default place count,
// partial select-filter merges, the property whitelist and normalisation,
// ApiCallRc answers with LINSTOR's return codes and status mapping), and
// spawning resource definitions with an autoplacer that honours the select
// filter. State can live in a JSON file that is rewritten after every
// successful mutation; a failed call leaves the state as it was.
//
// Not emulated: satellites and DRBD itself (every node is ONLINE and every
// replica UpToDate), authentication, snapshots and backups, adjust and size
// queries, node and storage pool changes, resource definition creation
// other than by spawn, and the tie breaker and quorum bookkeeping the
// controller redoes for existing definitions when a group's quorum or
// auto-add-quorum-tiebreaker property changes. The master passphrase counts
// as set, so LUKS layer stacks spawn without the controller's missing-key
// warning.
package linstor
