// Package emulator holds what the embedded Apigee and LINSTOR emulators share:
// fault and latency injection, a request log for tests, and atomic JSON state
// files. The API-specific handlers live in the apigee and linstor subpackages.
package emulator
