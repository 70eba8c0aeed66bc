package apigee

import (
	"fmt"
	"sort"
	"strconv"
)

// defaultEntriesPage is how many entries a list answers without pageSize.
const defaultEntriesPage = 100

// kvmScope is the organization, environment or proxy that owns maps.
type kvmScope struct {
	maps map[string]*kvmState
	desc string
}

// mapDesc names a map the way Apigee's entry errors do.
func (sc *kvmScope) mapDesc(name string) string {
	return fmt.Sprintf("KeyValueMap(Scope=%s,Map=%s)", sc.desc, name)
}

func (s *Server) kvmScope(q *request) (*kvmScope, error) {
	org := q.v("org")
	o := s.org(org)
	if env := q.v("env"); env != "" {
		desc := fmt.Sprintf("KeyValueMapScope {ScopeType ='ENVIRONMENTS', Organization = '%s', Environment = '%s'}", org, env)
		return &kvmScope{maps: s.env(o, env).KVMs, desc: desc}, nil
	}
	if api := q.v("api"); api != "" {
		ref, err := s.lookupProxy(q)
		if err != nil {
			return nil, err
		}
		desc := fmt.Sprintf("KeyValueMapScope {ScopeType ='APIS', Organization = '%s', ApiProxy = '%s'}", org, api)
		return &kvmScope{maps: ref.p.KVMs, desc: desc}, nil
	}
	desc := fmt.Sprintf("KeyValueMapScope {ScopeType ='ORGANIZATIONS', Organization = '%s'}", org)
	return &kvmScope{maps: o.KVMs, desc: desc}, nil
}

func (s *Server) lookupMap(q *request) (*kvmScope, *kvmState, error) {
	sc, err := s.kvmScope(q)
	if err != nil {
		return nil, nil, err
	}
	m := sc.maps[q.v("map")]
	if m == nil {
		return nil, nil, notFound("%s does not exist", sc.mapDesc(q.v("map")))
	}
	return sc, m, nil
}

// mapView is the KeyValueMap JSON; Apigee X maps are always encrypted.
func mapView(name string, m *kvmState) map[string]any {
	v := map[string]any{"name": name, "encrypted": true}
	if m.MaskedValues {
		v["maskedValues"] = true
	}
	return v
}

// maskedValue is what an entry of a map with maskedValues reads as.
const maskedValue = "*****"

// entryView is the KeyValueEntry JSON; a map with maskedValues never
// returns a value, only the mask.
func entryView(m *kvmState, name, value string) map[string]any {
	v := map[string]any{"name": name}
	switch {
	case m.MaskedValues:
		v["value"] = maskedValue
	case value != "":
		v["value"] = value
	}
	return v
}

func (s *Server) listMaps(q *request) (any, error) {
	sc, err := s.kvmScope(q)
	if err != nil {
		return nil, err
	}
	return sortedKeys(sc.maps), nil
}

func (s *Server) createMap(q *request) (any, error) {
	body, err := decodeBody(kvmSchema(), "key_value_map", q.body)
	if err != nil {
		return nil, err
	}
	sc, err := s.kvmScope(q)
	if err != nil {
		return nil, err
	}
	name, _ := body["name"].(string)
	if name == "" {
		return nil, invalidArgument("KeyValueMap name is required")
	}
	if sc.maps[name] != nil {
		return nil, alreadyExists("%s already exists", sc.mapDesc(name))
	}
	masked, _ := body["maskedValues"].(bool)
	m := &kvmState{MaskedValues: masked, Entries: map[string]string{}}
	sc.maps[name] = m
	s.dirty = true
	return mapView(name, m), nil
}

func (s *Server) getMap(q *request) (any, error) {
	_, m, err := s.lookupMap(q)
	if err != nil {
		return nil, err
	}
	return mapView(q.v("map"), m), nil
}

// updateMap changes what a map's PUT may change: maskedValues.
func (s *Server) updateMap(q *request) (any, error) {
	body, err := decodeBody(kvmSchema(), "key_value_map", q.body)
	if err != nil {
		return nil, err
	}
	_, m, err := s.lookupMap(q)
	if err != nil {
		return nil, err
	}
	m.MaskedValues, _ = body["maskedValues"].(bool)
	s.dirty = true
	return mapView(q.v("map"), m), nil
}

func (s *Server) deleteMap(q *request) (any, error) {
	sc, m, err := s.lookupMap(q)
	if err != nil {
		return nil, err
	}
	delete(sc.maps, q.v("map"))
	s.dirty = true
	return mapView(q.v("map"), m), nil
}

func entryMissing(sc *kvmScope, mapName, key string) *apiError {
	msg := fmt.Sprintf("%s Entry=%s does not exist", sc.mapDesc(mapName), key)
	return notFound("%s", msg).withPrecondition(precondition{
		Type: "keyvaluemap.service.keyvaluemap_entry_doesnt_exist", Subject: sc.mapDesc(mapName), Description: msg,
	})
}

// createEntry adds an entry; an existing key is a 409, so an entry can be
// used as a lock.
func (s *Server) createEntry(q *request) (any, error) {
	body, err := decodeBody(entrySchema(), "key_value_entry", q.body)
	if err != nil {
		return nil, err
	}
	sc, m, err := s.lookupMap(q)
	if err != nil {
		return nil, err
	}
	key, _ := body["name"].(string)
	value, _ := body["value"].(string)
	if key == "" {
		return nil, invalidArgument("KeyValueEntry name is required")
	}
	if _, ok := m.Entries[key]; ok {
		msg := fmt.Sprintf("KeyValueMapEntry %s already exists in map %s", key, q.v("map"))
		return nil, alreadyExists("%s", msg).withPrecondition(precondition{
			Type: "keyvaluemap.service.KeyValueMapEntryAlreadyExists", Subject: sc.mapDesc(q.v("map")), Description: msg,
		})
	}
	m.Entries[key] = value
	s.dirty = true
	return entryView(m, key, value), nil
}

func (s *Server) getEntry(q *request) (any, error) {
	sc, m, err := s.lookupMap(q)
	if err != nil {
		return nil, err
	}
	value, ok := m.Entries[q.v("entry")]
	if !ok {
		return nil, entryMissing(sc, q.v("map"), q.v("entry"))
	}
	return entryView(m, q.v("entry"), value), nil
}

// updateEntry replaces the value of an existing entry; a missing one is a 404.
func (s *Server) updateEntry(q *request) (any, error) {
	body, err := decodeBody(entrySchema(), "key_value_entry", q.body)
	if err != nil {
		return nil, err
	}
	sc, m, err := s.lookupMap(q)
	if err != nil {
		return nil, err
	}
	key := q.v("entry")
	if _, ok := m.Entries[key]; !ok {
		return nil, entryMissing(sc, q.v("map"), key)
	}
	value, _ := body["value"].(string)
	m.Entries[key] = value
	s.dirty = true
	return entryView(m, key, value), nil
}

func (s *Server) deleteEntry(q *request) (any, error) {
	sc, m, err := s.lookupMap(q)
	if err != nil {
		return nil, err
	}
	key := q.v("entry")
	value, ok := m.Entries[key]
	if !ok {
		return nil, entryMissing(sc, q.v("map"), key)
	}
	delete(m.Entries, key)
	s.dirty = true
	return entryView(m, key, value), nil
}

// listEntries pages through entries in key order; the page token is the
// last key of the previous page.
func (s *Server) listEntries(q *request) (any, error) {
	_, m, err := s.lookupMap(q)
	if err != nil {
		return nil, err
	}
	size := defaultEntriesPage
	if ps := q.query.Get("pageSize"); ps != "" {
		if size, err = strconv.Atoi(ps); err != nil || size < 0 {
			return nil, invalidArgument("Invalid value for parameter pageSize: %q", ps)
		}
		if size == 0 {
			size = defaultEntriesPage
		}
	}
	keys := sortedKeys(m.Entries)
	after := q.query.Get("pageToken")
	start := sort.Search(len(keys), func(i int) bool { return after == "" || keys[i] > after })
	end := min(start+size, len(keys))
	entries := make([]map[string]any, 0, end-start)
	for _, k := range keys[start:end] {
		entries = append(entries, entryView(m, k, m.Entries[k]))
	}
	resp := listOf("keyValueEntries", entries)
	resp["nextPageToken"] = ""
	if end < len(keys) {
		resp["nextPageToken"] = keys[end-1]
	}
	return resp, nil
}
