package officeprotect

import (
	"context"
	"fmt"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/flow"
)

// Check reports, item by item, whether the integration can work: the
// connection (credentials accepted), every right of Requirements, the
// emergency contact, each mapping's company, the board and ticket status
// tickets go to, and whether the setup was confirmed. Each item is granted,
// missing, unknown (the check itself failed) or a warning, with what is
// lost. Check writes nothing, to the PSA or the store; it is the uniform
// verb every flow shares, while CheckConnection and ConfirmSetup remain the
// setup guide's "Check connection" and "Confirm setup" steps. The error is
// non-nil only when the stored state cannot be read.
func (in *Integration) Check(ctx context.Context) (*flow.CheckReport, error) {
	rep := &flow.CheckReport{Flow: Source}
	add := rep.Add
	cfg, err := in.loadConfig(ctx)
	if err != nil {
		return nil, err
	}
	mappings, err := in.Mappings(ctx)
	if err != nil {
		return nil, err
	}

	chk, err := in.checkAccess(ctx)
	switch {
	case err != nil && connectwise.IsUnauthorized(err):
		add("connection", flow.Missing, err.Error(), "no ticket can be created: the PSA rejects the API keys")
	case err != nil:
		add("connection", flow.Unknown, err.Error(), "whether tickets can be created is unknown")
	default:
		add("connection", flow.Granted, fmt.Sprintf("credentials accepted (API member %s)", chk.Member.Identifier), "")
		rep.AddAccess(chk.Permissions...)
	}

	if cfg.Contact == "" {
		add("EmergencyContact", flow.Missing, "no emergency contact is set", "nobody is alerted when the integration breaks, and Confirm setup is refused")
	} else {
		add("EmergencyContact", flow.Granted, cfg.Contact, "")
	}

	enabled := 0
	for _, m := range mappings {
		name := "Mapping[" + m.TenantID + "]"
		co, _, err := in.client.Companies.Get(ctx, m.Company.ID)
		if err != nil && !connectwise.IsNotFound(err) {
			add(name, flow.Unknown, fmt.Sprintf("PSA company %d could not be read: %v", m.Company.ID, err), "")
			continue
		}
		if err != nil {
			co = nil
		}
		switch st := companyState(co); {
		case st == CompanyActive && m.Enabled:
			enabled++
			add(name, flow.Granted, fmt.Sprintf("enabled, PSA company %q", m.Company.Identifier), "")
		case st == CompanyActive:
			add(name, flow.Warning, fmt.Sprintf("disabled, PSA company %q", m.Company.Identifier), "the tenant's events get no ticket")
		case m.Enabled:
			add(name, flow.Missing, fmt.Sprintf("PSA company %q (id %d) is %s", m.Company.Identifier, m.Company.ID, st), "the tenant's events get no ticket: the PSA refuses them")
		default:
			add(name, flow.Warning, fmt.Sprintf("disabled, PSA company %q (id %d) is %s", m.Company.Identifier, m.Company.ID, st), "the tenant's events get no ticket")
		}
	}
	if enabled == 0 {
		add("Mappings", flow.Warning, "no tenant is mapped with its flow enabled", "no ticket is created for any tenant")
	}

	if chk != nil {
		tg, warnings, err := in.resolveTarget(ctx, chk.DefaultBoard, "", cfg.Status)
		switch {
		case err != nil:
			add("Board and TicketStatus", flow.Missing, err.Error(), "no ticket can be created until the board and status are usable")
		default:
			add("Board", flow.Granted, tg.board.Explanation, "")
			add("TicketStatus", flow.Granted, fmt.Sprintf("tickets are created in %q", tg.status.Name), "")
		}
		for _, w := range warnings {
			add("Board", flow.Warning, w, "")
		}
	}

	if cfg.Confirmed {
		detail := "confirmed"
		if !cfg.BackfillDone {
			detail = "confirmed; the 48-hour backfill has not finished and the next Run completes it"
		}
		add("Setup", flow.Granted, detail, "")
	} else {
		add("Setup", flow.Missing, "Confirm setup has not succeeded", "Run files nothing until the setup is confirmed")
	}
	return rep, nil
}
