package infimasync

import (
	"context"
	"errors"
	"fmt"

	"github.com/psabridge/psabridge/connectwise/flow"
)

// Check reports, item by item, whether the flow can run: the saved
// settings, the INFIMA connection ("Test Connection"), the Asio sites, each
// mapping ("Map INFIMA clients to Asio sites": a mapping to a site since
// deleted is a warning naming it) and the stored delivery state. It writes
// nothing. The error is non-nil only when ctx ended; every other problem is
// an item.
func (s *Syncer) Check(ctx context.Context) (*flow.CheckReport, error) {
	rep := &flow.CheckReport{Flow: FlowName}
	add := rep.Add

	switch set, err := LoadSettings(ctx, s.store, s.optionsForSettings()...); {
	case errors.Is(err, flow.ErrNotFound):
		add("Settings", flow.Warning, "no settings are saved for this instance (SaveSettings)",
			"a restarted host has no saved server URL and key to rebuild its INFIMA client from")
	case err != nil:
		add("Settings", flow.Missing, err.Error(), "the saved settings cannot build a working INFIMA client")
	default:
		add("Settings", flow.Granted, "server "+set.ServerURL+", key saved", "")
	}

	partner, _, err := s.infima.Partner.Get(ctx)
	if d := Diagnose(err); d != nil {
		err = d // the setup guide's words for what is wrong
	}
	if !rep.AddConnection(ctx, "Test Connection", err, func() string { return "INFIMA partner " + partner.Name }, "no INFIMA data reaches Security 360") {
		return nil, ctx.Err()
	}

	sites, err := listSites(ctx, s.asio)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	siteByKey := map[string]SiteRef{}
	sitesOK := err == nil
	if !sitesOK {
		add("Asio sites", flow.Unknown, err.Error(), "mappings cannot be checked against Asio, nor suggested")
	} else {
		for _, site := range sites {
			siteByKey[site.Key()] = site
		}
		add("Asio sites", flow.Granted, fmt.Sprintf("%d sites", len(sites)), "")
	}

	mappings, err := s.Mappings(ctx)
	switch {
	case err != nil:
		add("Mappings", flow.Missing, err.Error(), "Run refuses to deliver until the mappings are saved again")
	case len(mappings) == 0:
		add("Mappings", flow.Missing, "no INFIMA client is mapped to an Asio site", "nothing is delivered")
	default:
		add("Mappings", flow.Granted, fmt.Sprintf("%d clients mapped", len(mappings)), "")
		if sitesOK {
			for i, m := range mappings {
				if _, ok := siteByKey[m.SiteKey()]; !ok {
					add(fmt.Sprintf("Mappings[%d]", i), flow.Warning,
						fmt.Sprintf("client %d (%s) is mapped to site %s of company %s, which Asio no longer has", m.InfimaClientID, m.ClientName, m.SiteID, m.CompanyID),
						"this client's data is delivered to a site nobody sees; map it again")
				}
			}
		}
	}

	if st, err := s.readState(ctx); err != nil {
		add("Delivery state", flow.Missing, err.Error(), "Run refuses to deliver until the damaged record is removed")
	} else {
		detail := fmt.Sprintf("%d categories delivered", len(st.delivered))
		status := flow.Granted
		if len(st.failed) > 0 {
			status = flow.Warning
			detail += fmt.Sprintf(", %d failing since an earlier run", len(st.failed))
		}
		lost := ""
		if status == flow.Warning {
			lost = "some clients' latest data is not shown yet; the next run retries"
		}
		add("Delivery state", status, detail, lost)
	}
	return rep, nil
}

// optionsForSettings passes the settings checks New was given on to
// LoadSettings.
func (s *Syncer) optionsForSettings() []Option {
	o := *s.opts
	return []Option{func(dst *options) { *dst = o }}
}
