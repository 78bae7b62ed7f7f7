package psasync

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/flow"
	"github.com/psabridge/psabridge/heimdal"
)

// Check reports, item by item, whether the integration can work: the PSA
// connection (the Test Connection call), every right of Requirements, the
// Heimdal API key, each board's configuration and each customer mapping's
// company. Each item is granted, missing, unknown (the check itself failed)
// or a warning, with what is lost. Check writes nothing; the error is
// non-nil only when the stored state cannot be read.
func (in *Integration) Check(ctx context.Context) (*flow.CheckReport, error) {
	rep := &flow.CheckReport{Flow: Flow}
	add := rep.Add
	boards, mappings, err := in.configured(ctx)
	if err != nil {
		return nil, err
	}

	psaOK := false
	switch info, _, err := in.psa.System.Info(ctx); {
	case err != nil && (connectwise.IsUnauthorized(err) || connectwise.IsForbidden(err)):
		add("PSA connection", flow.Missing, (&ConnectionError{Site: in.psa.Site(), Err: err}).Error(), "no ticket can be created or updated")
	case err != nil:
		add("PSA connection", flow.Unknown, (&ConnectionError{Site: in.psa.Site(), Err: err}).Error(), "whether tickets can be filed is unknown")
	default:
		psaOK = true
		add("PSA connection", flow.Granted, "ConnectWise PSA "+info.Version, "")
	}
	if psaOK {
		if ar, err := in.CheckAccess(ctx); err != nil {
			add("PSA permissions", flow.Unknown, err.Error(), "whether the API member's role is sufficient is unknown")
		} else {
			rep.AddAccess(ar.Checks...)
		}
	}

	// One page of customers proves the key; a customer-level account
	// lists only itself.
	switch _, _, err := in.heimdal.Customers.List(ctx, in.customerID, nil); {
	case err != nil && heimdalRefused(err):
		add("Heimdal connection", flow.Missing, err.Error(), "no alert can be read")
	case err != nil:
		add("Heimdal connection", flow.Unknown, err.Error(), "whether alerts can be read is unknown")
	default:
		add("Heimdal connection", flow.Granted, "customer "+in.customerID+" is visible to the API key", "")
	}

	configured := 0
	for _, b := range Boards() {
		if bc := boards[b]; bc != nil {
			configured++
			add(b.String(), flow.Granted, fmt.Sprintf("tickets go to PSA board %q", bc.Settings.Board.Name), "")
			continue
		}
		st := flow.Warning
		if configured == 0 && b == BoardM365 {
			st = flow.Missing
		}
		add(b.String(), st, "not configured (ConfigureBoard)", "alerts of "+b.Section().String()+" get no ticket")
	}

	if len(mappings) == 0 {
		add("customer mappings", flow.Missing, "no Heimdal customer is mapped to a PSA company", "no alert is read or filed")
	}
	if psaOK && len(mappings) > 0 {
		checked, err := checkCompanies(ctx, in.psa, mappings)
		if err != nil {
			add("customer mappings", flow.Unknown, err.Error(), "")
		}
		for _, m := range checked {
			name := "customer " + customerLabel(m.CustomerID, m.CustomerName)
			if m.err != nil {
				add(name, flow.Missing, m.err.Error(), "the customer's alerts get no ticket, and Heimdal Operations tickets are not closed")
				continue
			}
			add(name, flow.Granted, "mapped to PSA company "+companyLabel(m.Company), "")
		}
	}
	return rep, nil
}

// heimdalRefused reports whether Heimdal refused the API key (401 or 403).
func heimdalRefused(err error) bool {
	var he *heimdal.Error
	return errors.As(err, &he) && (he.StatusCode == http.StatusUnauthorized || he.StatusCode == http.StatusForbidden)
}
