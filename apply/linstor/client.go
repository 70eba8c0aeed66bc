package linstor

import "github.com/LINBIT/golinstor/client"

// Client is the driver's golinstor client, for read-only callers that need
// calls the driver does not make itself (lingate serve's placement view).
func (d *Driver) Client() *client.Client { return d.c }
