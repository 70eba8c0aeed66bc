// Package linstor is an embedded emulator of the LINSTOR controller's REST
// API (v1, API version 1.28), faithful where a deploy tool looks: nodes with
// Aux/ properties and storage pools, resource groups and volume groups with
// the controller's semantics (case-insensitive names, default place count,
// partial select-filter merges, the property whitelist and normalisation,
// ApiCallRc answers with LINSTOR's return codes and status mapping), and
// spawning resource definitions with the controller's autoplacer (filter,
// strategies, selection, provider mixing) and tie breaker rules, place count
// raises per definition, the balance task on a clock the caller controls
// (Config.Now, Server.Balance), backup remotes, schedules and their
// enablement on resource groups with the backups they ship on that clock,
// and Jackson's scalar coercion of request bodies. State can live in a JSON file that is rewritten after every
// successful mutation; a failed call leaves the state as it was.
//
// docs/emulator-linstor.md lists what is not emulated and every known
// difference from a real controller, and how to run the contract tests
// against one.
package linstor
