package security360

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"strings"

	"github.com/psabridge/psabridge/connectwise/bridge"
	"github.com/psabridge/psabridge/internal/apiclient"
	"github.com/psabridge/psabridge/internal/httpx"
)

// SitesService reads the sites of a company and records mappings to other
// products (such as an INFIMA client) in a site's externalIds.
type SitesService service

// Site is one location of a company. In Security 360, integration data is
// attached to sites, which is why a client mapping lives here.
type Site struct {
	// ID is the platform's identifier of the site.
	ID string `json:"id"`
	// CompanyID is the owning company. The client fills it in from the
	// request path, since site bodies do not reliably carry it.
	CompanyID string `json:"-"`
	// Name is the site's name.
	Name string `json:"name"`
	// FriendlyName is the display name, when set.
	FriendlyName string `json:"friendlyName,omitempty"`
	// Description is free text.
	Description string `json:"description,omitempty"`
	// TimeZone is an IANA zone name such as "America/New_York".
	TimeZone string `json:"timeZone,omitempty"`
	// ActiveFlag is false for a deactivated site.
	ActiveFlag bool `json:"activeFlag,omitempty"`
	// PrimaryFlag marks the company's primary site.
	PrimaryFlag bool `json:"primaryFlag,omitempty"`
	// ExternalIDs are the site's mappings to other products.
	ExternalIDs []ExternalID `json:"externalIds,omitempty"`
}

// DisplayName is FriendlyName when set, otherwise Name.
func (s Site) DisplayName() string { return cmp.Or(s.FriendlyName, s.Name) }

// ExternalIDFor returns the site's mapping for productID, if any.
func (s Site) ExternalIDFor(productID string) (ExternalID, bool) {
	for _, e := range s.ExternalIDs {
		if e.ProductID == productID {
			return e, true
		}
	}
	return ExternalID{}, false
}

// ExternalID maps a platform record to a record of another product: for an
// INFIMA mapping, ExternalID is the INFIMA client ID and ProductID names
// INFIMA.
type ExternalID struct {
	// ExternalID is the record's identifier in the other product.
	ExternalID string `json:"externalId"`
	// ProductID names the other product; at most one entry per product is
	// kept by SetExternalID.
	ProductID string `json:"productId"`
	// ProductInstanceID tells apart several installations of the product
	// (for example two INFIMA partner accounts).
	ProductInstanceID string `json:"productInstanceId,omitempty"`
	// ID, SiteID and Backsynced are set by the platform; SetExternalID never
	// sends them, and never rewrites another product's entry.
	ID         string `json:"id,omitempty"`
	SiteID     string `json:"siteId,omitempty"`
	Backsynced bool   `json:"backsynced,omitempty"`
}

func (e ExternalID) validate() error {
	for _, f := range []struct{ name, v string }{{"ExternalID", e.ExternalID}, {"ProductID", e.ProductID}} {
		if f.v == "" {
			return configError(f.name, "is required")
		}
		if strings.TrimSpace(f.v) != f.v {
			return configError(f.name, "has surrounding whitespace")
		}
	}
	if strings.TrimSpace(e.ProductInstanceID) != e.ProductInstanceID {
		return configError("ProductInstanceID", "has surrounding whitespace")
	}
	return nil
}

// PatchOp is one RFC 6902 JSON Patch operation (the same type as
// connectwise.PatchOp); the platform updates sites with JSON Patch, which
// leaves fields this package does not model untouched.
type PatchOp = bridge.PatchOp

func sitesPath(companyID string, extra ...string) []string {
	return companiesPath(append([]string{companyID, "sites"}, extra...)...)
}

// List returns one page of a company's sites (GET
// /api/platform/v1/company/companies/{companyId}/sites).
func (s *SitesService) List(ctx context.Context, companyID string, opts *ListOptions) ([]Site, *Response, error) {
	if companyID == "" {
		return nil, nil, errors.New("security360: Sites.List: empty company ID")
	}
	sites, resp, err := list[Site](ctx, s.client, s.client.url(sitesPath(companyID), opts.query()))
	for i := range sites {
		sites[i].CompanyID = companyID
	}
	return sites, resp, err
}

// All walks every site of a company, page by page, lazily. opts is copied,
// never modified.
func (s *SitesService) All(ctx context.Context, companyID string, opts *ListOptions) iter.Seq2[Site, error] {
	if companyID == "" {
		return func(yield func(Site, error) bool) {
			yield(Site{}, errors.New("security360: Sites.All: empty company ID"))
		}
	}
	return all(ctx, s.client, s.client.url(sitesPath(companyID), opts.query()), func(site *Site) { site.CompanyID = companyID })
}

// Get returns one site of a company.
func (s *SitesService) Get(ctx context.Context, companyID, siteID string) (*Site, *Response, error) {
	site, _, resp, err := s.get(ctx, companyID, siteID)
	return site, resp, err
}

// get also reports whether the body carried an externalIds member, which
// decides between JSON Patch "replace" (member must exist) and "add".
func (s *SitesService) get(ctx context.Context, companyID, siteID string) (*Site, bool, *Response, error) {
	if companyID == "" || siteID == "" {
		return nil, false, nil, errors.New("security360: Sites.Get: empty company or site ID")
	}
	var raw json.RawMessage
	resp, err := s.client.get(ctx, s.client.url(sitesPath(companyID, siteID), nil), &raw)
	if err != nil {
		return nil, false, resp, err
	}
	var site Site
	var probe struct {
		ExternalIDs json.RawMessage `json:"externalIds"`
	}
	if err := json.Unmarshal(raw, &site); err != nil {
		return nil, false, resp, fmt.Errorf("security360: GET site %s: decoding response: %w", siteID, err)
	}
	_ = json.Unmarshal(raw, &probe)
	site.CompanyID = companyID
	present := len(probe.ExternalIDs) > 0 && string(probe.ExternalIDs) != "null"
	return &site, present, resp, nil
}

// Patch applies JSON Patch operations to a site (PATCH
// /api/platform/v1/company/companies/{companyId}/sites/{siteId}). The
// returned site is nil when the server answers without a body. A PATCH is
// not retried once it may have reached the server: such a failure is an
// *OutcomeUnknownError.
func (s *SitesService) Patch(ctx context.Context, companyID, siteID string, ops ...PatchOp) (*Site, *Response, error) {
	if companyID == "" || siteID == "" {
		return nil, nil, errors.New("security360: Sites.Patch: empty company or site ID")
	}
	if len(ops) == 0 {
		return nil, nil, errors.New("security360: Sites.Patch: no operations")
	}
	var raw json.RawMessage
	resp, err := s.client.do(ctx, &apiclient.Request{Method: http.MethodPatch, URL: s.client.url(sitesPath(companyID, siteID), nil), Body: ops, EmptyOK: true}, &raw)
	if err != nil {
		return nil, resp, err
	}
	var site Site
	if len(raw) == 0 || json.Unmarshal(raw, &site) != nil || site.ID == "" {
		return nil, resp, nil
	}
	site.CompanyID = companyID
	return &site, resp, nil
}

// SetExternalID records id on the site, replacing any entry with the same
// ProductID and keeping every other product's entries. It is idempotent:
// when the site already carries exactly this mapping no write is made and
// changed is false. It reads the site, then patches only this product's
// entry with element-level JSON Patch operations (externalids.go), so other
// products' entries keep their id, siteId and backsynced; calls for the
// same site through one Client are serialised.
//
// When the write's outcome is unknown (a timeout or gateway error), the
// site is read again: if the mapping is there the call succeeds, otherwise
// the patch is sent once more.
func (s *SitesService) SetExternalID(ctx context.Context, companyID, siteID string, id ExternalID) (site *Site, changed bool, err error) {
	if err := id.validate(); err != nil {
		return nil, false, err
	}
	return s.updateExternalIDs(ctx, companyID, siteID, func(cur []ExternalID, present bool) []PatchOp {
		return setOps(cur, present, id)
	})
}

// RemoveExternalID removes every entry for productID from the site, for
// when a mapping is deleted. changed is false when there was none.
func (s *SitesService) RemoveExternalID(ctx context.Context, companyID, siteID, productID string) (site *Site, changed bool, err error) {
	if productID == "" {
		return nil, false, configError("ProductID", "is required")
	}
	return s.updateExternalIDs(ctx, companyID, siteID, func(cur []ExternalID, _ bool) []PatchOp {
		return removeOps(cur, productID)
	})
}

// updateExternalIDs is the read-modify-write shared by Set and Remove.
func (s *SitesService) updateExternalIDs(ctx context.Context, companyID, siteID string, plan func([]ExternalID, bool) []PatchOp) (*Site, bool, error) {
	unlock, err := s.client.lockSite(ctx, companyID+"/"+siteID)
	if err != nil {
		return nil, false, err
	}
	defer unlock()

	for attempt := 0; ; attempt++ {
		cur, present, _, err := s.get(ctx, companyID, siteID)
		if err != nil {
			return nil, false, err
		}
		ops := plan(cur.ExternalIDs, present)
		if len(ops) == 0 {
			// Either nothing to do, or a write whose outcome was unknown
			// did land.
			return cur, attempt > 0, nil
		}
		updated, _, err := s.Patch(ctx, companyID, siteID, ops...)
		if err != nil {
			var apiErr *Error
			// 409: a "test" failed because the list changed under us;
			// read it again and plan anew.
			conflict := errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusConflict
			if attempt == 0 && (httpx.IsOutcomeUnknown(err) || conflict) && ctx.Err() == nil {
				continue
			}
			return nil, false, fmt.Errorf("security360: updating externalIds of site %s with %s: %w", siteID, describeOps(ops), err)
		}
		if updated == nil {
			if updated, _, _, err = s.get(ctx, companyID, siteID); err != nil {
				return nil, true, err
			}
		}
		return updated, true, nil
	}
}

// lockSite serialises read-modify-write cycles on one site, honouring ctx
// while waiting.
func (c *Client) lockSite(ctx context.Context, key string) (func(), error) {
	v, _ := c.siteLocks.LoadOrStore(key, make(chan struct{}, 1))
	sem := v.(chan struct{})
	select {
	case sem <- struct{}{}:
		return func() { <-sem }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("security360: waiting to update site: %w", ctx.Err())
	}
}
