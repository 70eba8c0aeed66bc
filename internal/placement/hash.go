// Package placement answers where a request's data lives: for a key taken
// from an API call, the LINSTOR resource among those spawned from a tier's
// resource group (rendezvous hashing, so adding a resource moves only about
// 1/n of the keys), the nodes holding an UpToDate diskful replica of it,
// and the preferred node (the DRBD Primary, otherwise a stable choice among
// the UpToDate ones). It serves the answer over HTTP from a cached view of
// LINSTOR that a caller refreshes (lingate serve).
package placement

import "math/bits"

// fnv64 is FNV-1a of s: the key's and names' base hashes.
func fnv64(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// mix is a 64-bit finalizer (splitmix64): it turns the combination of a
// key's and a candidate's hashes into a well spread score.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

// score is the rendezvous weight of a candidate (by its name's hash) for a
// key's hash. The candidate with the highest score wins; ties (vanishingly
// rare) go to the name that sorts first, which callers ensure by scanning
// candidates in name order and keeping the first maximum.
func score(key, candidate uint64) uint64 {
	return mix(key ^ bits.RotateLeft64(candidate, 17))
}

// pick returns the index of the candidate (by name hash) with the highest
// score for key, or -1 when there is none.
func pick(key uint64, candidates []uint64) int {
	best, at := uint64(0), -1
	for i, c := range candidates {
		if s := score(key, c); at < 0 || s > best {
			best, at = s, i
		}
	}
	return at
}
