package linstor

import "net/http"

// maskCtrlConf is the object mask of controller configuration entries.
const maskCtrlConf int64 = 0x100000

// ctrlPropsModifyIn is ControllerPropsModify.
type ctrlPropsModifyIn struct {
	OverrideProps    map[string]string `json:"override_props"`
	DeleteProps      []string          `json:"delete_props"`
	DeleteNamespaces []string          `json:"delete_namespaces"`
}

// handleCtrlPropsList is GET /v1/controller/properties: the controller's
// property map (an object, empty when nothing is set).
func handleCtrlPropsList(s *Server, _ *request) reply {
	out := copyProps(s.st.ControllerProps)
	if out == nil {
		out = map[string]string{}
	}
	return okJSON(out)
}

// handleCtrlPropsModify is POST /v1/controller/properties: override, then
// delete keys, then namespaces, as for any props container; 201 on success.
//
// Emulation gap: only Aux/ keys (which the controller accepts without a
// whitelist rule) are accepted; the controller's own whitelist of
// controller-level keys (TcpPortAutoRange, BalanceResourcesInterval, …) is
// not emulated and those keys are refused as not whitelisted.
func handleCtrlPropsModify(s *Server, req *request) reply {
	var in ctrlPropsModifyIn
	if err := decodeBody(req.body, &in, "ControllerPropsModify"); err != nil {
		return s.fixedReply(http.StatusBadRequest, errorEntries(err))
	}
	if s.st.ControllerProps == nil {
		s.st.ControllerProps = map[string]string{}
	}
	pc := propsChange{override: in.OverrideProps, deleteKeys: in.DeleteProps, deleteNamespaces: in.DeleteNamespaces}
	rcs, err := applyProps(whitelist{}, s.st.ControllerProps, pc, maskCtrlConf)
	if err != nil {
		c := respCtx{op: maskCrt, obj: maskCtrlConf}
		return s.respond(http.StatusCreated, c, nil, err)
	}
	if len(rcs) == 0 {
		rcs = []apiCallRc{{RetCode: maskCtrlConf | maskCrt | rcModified, Message: "Controller properties applied."}}
	}
	return s.rcReply(http.StatusCreated, rcs)
}
