package apigee

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"google.golang.org/api/apigee/v1"

	"github.com/lingate/lingate/apply"
	compiled "github.com/lingate/lingate/compile/apigee"
	"github.com/lingate/lingate/compile/artifact"
)

// commitPrefix introduces the source commit in the marker's value.
const commitPrefix = "; commit:"

// productPath is the resource name of product name.
func (d *Driver) productPath(name string) string { return d.org + "/apiproducts/" + name }

// listProducts reads every API product of the organization, whole.
func (d *Driver) listProducts(ctx context.Context) ([]*apigee.GoogleCloudApigeeV1ApiProduct, error) {
	var out []*apigee.GoogleCloudApigeeV1ApiProduct
	start := ""
	for {
		call := d.svc.Organizations.Apiproducts.List(d.org).Expand(true).Count(1000).Context(ctx)
		if start != "" {
			call = call.StartKey(start)
		}
		resp, err := call.Do()
		if err != nil {
			return nil, fmt.Errorf("apigee products of organization %s: %w", d.cfg.Organization, apiError(err))
		}
		page := resp.ApiProduct
		// startKey is inclusive: the page starts with the last one read.
		if start != "" && len(page) > 0 && page[0].Name == start {
			page = page[1:]
		}
		out = append(out, page...)
		if len(page) == 0 || len(resp.ApiProduct) < 1000 {
			return out, nil
		}
		start = page[len(page)-1].Name
	}
}

// marked reports whether p carries lingate's marker attribute.
func marked(p *apigee.GoogleCloudApigeeV1ApiProduct) bool {
	return slices.ContainsFunc(p.Attributes, func(a *apigee.GoogleCloudApigeeV1Attribute) bool {
		return a != nil && a.Name == compiled.ManagedAttribute
	})
}

// boundTo reports whether p is bound to the Apigee environment env; a
// product bound to none is open to all.
func boundTo(p *apigee.GoogleCloudApigeeV1ApiProduct, env string) bool {
	return len(p.Environments) == 0 || slices.Contains(p.Environments, env)
}

// compiledFields are the product fields compile writes; serverFields are
// those the server sets. Any other field read is drift kept in the object.
var (
	compiledFields = []string{"name", "displayName", "description", "approvalType", "attributes",
		"environments", "proxies", "scopes", "quota", "quotaInterval", "quotaTimeUnit", "operationGroup"}
	serverFields = []string{"createdAt", "lastModifiedAt"}
)

// productObject writes a product read from Apigee as compile writes it:
// the marker's value as compiled, attributes by name, sets sorted (an
// operation's methods in the order desired declares them, when they are
// the same methods), the operation config type defaulted, server
// timestamps dropped, and fields compile never writes appended in name
// order. desired is the zero Object when the policies do not name p.
func productObject(p *apigee.GoogleCloudApigeeV1ApiProduct, desired artifact.Object) (artifact.Object, error) {
	raw, err := json.Marshal(p)
	if err != nil {
		return artifact.Object{}, fmt.Errorf("%s: %w", subject(artifact.KindProduct, p.Name), err)
	}
	var prod compiled.APIProduct
	var all map[string]json.RawMessage
	if err := json.Unmarshal(raw, &prod); err != nil {
		return artifact.Object{}, fmt.Errorf("%s: %w", subject(artifact.KindProduct, p.Name), err)
	}
	if err := json.Unmarshal(raw, &all); err != nil {
		return artifact.Object{}, fmt.Errorf("%s: %w", subject(artifact.KindProduct, p.Name), err)
	}
	normalize(&prod, desiredProduct(desired))
	data, err := compiled.ProductJSON(prod)
	if err != nil {
		return artifact.Object{}, err
	}
	if data, err = appendExtras(data, all); err != nil {
		return artifact.Object{}, fmt.Errorf("%s: %w", subject(artifact.KindProduct, p.Name), err)
	}
	return artifact.Object{System: artifact.SystemApigee, Kind: artifact.KindProduct, Name: p.Name,
		Files: []artifact.File{{Path: "apigee/products/" + p.Name + ".json", Data: data}}}, nil
}

// desiredProduct is the API product of a desired object; the zero product
// when there is none or it cannot be read.
func desiredProduct(o artifact.Object) compiled.APIProduct {
	var p compiled.APIProduct
	if len(o.Files) == 1 {
		_ = json.Unmarshal(o.Files[0].Data, &p)
	}
	return p
}

// normalize puts what the server may reorder or default into compile's
// form; want is the product desired, for the order of methods.
func normalize(p *compiled.APIProduct, want compiled.APIProduct) {
	for i, a := range p.Attributes {
		if a.Name == compiled.ManagedAttribute {
			p.Attributes[i].Value = compiled.ManagedValue
		}
	}
	slices.SortStableFunc(p.Attributes, func(a, b compiled.Attribute) int { return cmp.Compare(a.Name, b.Name) })
	slices.Sort(p.Environments)
	slices.Sort(p.Proxies)
	slices.Sort(p.Scopes)
	p.QuotaTimeUnit = strings.ToLower(p.QuotaTimeUnit)
	if g := p.OperationGroup; g != nil {
		if g.OperationConfigType == "" {
			g.OperationConfigType = "proxy"
		}
		orderMethods(g, want.OperationGroup)
	}
}

// orderMethods puts the methods of each operation in the order want
// declares them for the same source and resource when they are the same
// methods, else in name order. Apigee keeps methods as a set.
func orderMethods(g, want *compiled.OperationGroup) {
	declared := map[[2]string][]string{}
	if want != nil {
		for _, c := range want.OperationConfigs {
			for _, op := range c.Operations {
				declared[[2]string{c.APISource, op.Resource}] = op.Methods
			}
		}
	}
	for _, c := range g.OperationConfigs {
		for i, op := range c.Operations {
			d := declared[[2]string{c.APISource, op.Resource}]
			if sameSet(op.Methods, d) {
				c.Operations[i].Methods = slices.Clone(d)
			} else {
				slices.Sort(c.Operations[i].Methods)
			}
		}
	}
}

// sameSet reports whether a and b hold the same strings.
func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	sa, sb := slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b))
	return slices.Equal(sa, sb)
}

// appendExtras adds the fields of all that compile does not write (nor
// the server) at the end of the JSON object data, in name order.
func appendExtras(data []byte, all map[string]json.RawMessage) ([]byte, error) {
	var names []string
	for k := range all {
		if !slices.Contains(compiledFields, k) && !slices.Contains(serverFields, k) {
			names = append(names, k)
		}
	}
	if len(names) == 0 {
		return data, nil
	}
	slices.Sort(names)
	out := bytes.TrimSuffix(bytes.TrimRight(data, "\n"), []byte("}"))
	out = bytes.TrimRight(out, "\n")
	for _, k := range names {
		var v bytes.Buffer
		if err := json.Indent(&v, all[k], "  ", "  "); err != nil {
			return nil, err
		}
		key, _ := json.Marshal(k)
		out = fmt.Appendf(out, ",\n  %s: %s", key, v.Bytes())
	}
	return append(out, "\n}\n"...), nil
}

// productBody is the product of desired as sent to Apigee: compile's JSON
// with the commit in the marker's value.
func (d *Driver) productBody(desired artifact.Object) (*apigee.GoogleCloudApigeeV1ApiProduct, error) {
	if len(desired.Files) != 1 {
		return nil, fmt.Errorf("%s: expected one JSON file, got %d files", subject(desired.Kind, desired.Name), len(desired.Files))
	}
	var p apigee.GoogleCloudApigeeV1ApiProduct
	if err := json.Unmarshal(desired.Files[0].Data, &p); err != nil {
		return nil, fmt.Errorf("%s: %s: %w", subject(desired.Kind, desired.Name), desired.Files[0].Path, err)
	}
	if p.Name != desired.Name {
		return nil, fmt.Errorf("%s: %s names product %q", subject(desired.Kind, desired.Name), desired.Files[0].Path, p.Name)
	}
	for _, a := range p.Attributes {
		if a.Name == compiled.ManagedAttribute && d.cfg.Commit != "" {
			a.Value = compiled.ManagedValue + commitPrefix + d.cfg.Commit
		}
	}
	return &p, nil
}

// applyProduct creates the product or replaces it whole. A create whose
// answer was lost shows on the next try as a 409, or as the product
// existing with lingate's marker: it is then replaced.
func (d *Driver) applyProduct(ctx context.Context, c apply.Change, desired artifact.Object) error {
	body, err := d.productBody(desired)
	if err != nil {
		return err
	}
	_, err = apply.Retry(ctx, d.cfg.Retry, func() (struct{}, error) {
		return struct{}{}, d.putProduct(ctx, c, desired, body)
	})
	if err != nil {
		return fmt.Errorf("%s: %w", subject(artifact.KindProduct, desired.Name), err)
	}
	return nil
}

// putProduct is one try of applyProduct. A product that already is as
// desired, stamp included (a create whose answer was lost), is left alone.
func (d *Driver) putProduct(ctx context.Context, c apply.Change, desired artifact.Object, body *apigee.GoogleCloudApigeeV1ApiProduct) error {
	cur, err := d.svc.Organizations.Apiproducts.Get(d.productPath(body.Name)).Context(ctx).Do()
	if isStatus(err, http.StatusNotFound) {
		_, err = d.svc.Organizations.Apiproducts.Create(d.org, body).Context(ctx).Do()
		if !isStatus(err, http.StatusConflict) {
			return wrapAPI("create", err)
		}
		cur, err = d.svc.Organizations.Apiproducts.Get(d.productPath(body.Name)).Context(ctx).Do()
	}
	if err != nil {
		return wrapAPI("read", err)
	}
	if err := d.otherEnvironments(cur); err != nil {
		return err
	}
	if c.Action == apply.Create && !marked(cur) {
		return fmt.Errorf("exists without lingate's marker attribute %s (adopt it with `apply --adopt %s`)", compiled.ManagedAttribute, body.Name)
	}
	if same, err := sameProduct(cur, body, desired); err != nil || same {
		return err
	}
	_, err = d.svc.Organizations.Apiproducts.Update(d.productPath(body.Name), body).Context(ctx).Do()
	return wrapAPI("update", err)
}

// sameProduct reports whether cur reads as desired and carries the marker
// value body stamps.
func sameProduct(cur, body *apigee.GoogleCloudApigeeV1ApiProduct, desired artifact.Object) (bool, error) {
	if markerValue(cur) != markerValue(body) {
		return false, nil
	}
	obj, err := productObject(cur, desired)
	if err != nil {
		return false, err
	}
	return bytes.Equal(obj.Files[0].Data, desired.Files[0].Data), nil
}

// markerValue is the value of p's marker attribute, or "".
func markerValue(p *apigee.GoogleCloudApigeeV1ApiProduct) string {
	for _, a := range p.Attributes {
		if a != nil && a.Name == compiled.ManagedAttribute {
			return a.Value
		}
	}
	return ""
}

// wrapAPI names the step of a failed call; nil stays nil.
func wrapAPI(step string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", step, apiError(err))
}

// deleteProduct deletes lingate's product; one that is gone is fine. The
// DELETE is sent once per try and each try reads the product first: after
// a delete whose answer was lost, a product found is someone else's, made
// since, and stays.
func (d *Driver) deleteProduct(ctx context.Context, name string) error {
	first := true
	_, err := apply.Retry(ctx, d.cfg.Retry, func() (struct{}, error) {
		cur, err := d.svc.Organizations.Apiproducts.Get(d.productPath(name)).Context(ctx).Do()
		if isStatus(err, http.StatusNotFound) {
			return struct{}{}, nil
		}
		if err != nil {
			return struct{}{}, fmt.Errorf("read: %w", apiError(err))
		}
		if !marked(cur) {
			if !first {
				return struct{}{}, nil // deleted by a try whose answer was lost
			}
			return struct{}{}, fmt.Errorf("has no lingate marker attribute %s; lingate deletes only its own products", compiled.ManagedAttribute)
		}
		if err := d.otherEnvironments(cur); err != nil {
			return struct{}{}, err
		}
		first = false
		_, err = d.svc.Organizations.Apiproducts.Delete(d.productPath(name)).Context(apply.SendOnce(ctx)).Do()
		if err != nil && !isStatus(err, http.StatusNotFound) {
			return struct{}{}, fmt.Errorf("delete: %w", apiError(err))
		}
		return struct{}{}, nil
	})
	if err != nil {
		return fmt.Errorf("%s: %w", subject(artifact.KindProduct, name), err)
	}
	return nil
}

// otherEnvironments refuses a product of lingate's bound only to other
// environments of the organization: API products belong to the
// organization, so another lingate environment deploying there manages
// it, and replacing it (bound to this environment only) or deleting it
// would cut that environment's apps off.
func (d *Driver) otherEnvironments(p *apigee.GoogleCloudApigeeV1ApiProduct) error {
	if !marked(p) || boundTo(p, d.cfg.Environment) {
		return nil
	}
	return fmt.Errorf("lingate manages it for environment %s of organization %s (API products belong to the organization); "+
		"two environments deploying to one organization cannot both define it: rename it in one of them, or remove it from the other's policies first",
		strings.Join(p.Environments, ", "), d.cfg.Organization)
}
