package security360

import (
	"cmp"
	"context"
	"errors"
	"iter"
)

// companiesPath returns the path segments of the partner's companies
// collection followed by extra (escaped later, one by one).
func companiesPath(extra ...string) []string {
	return append([]string{"api", "platform", "v1", "company", "companies"}, extra...)
}

// CompaniesService reads the partner's companies (the MSP's clients).
type CompaniesService service

// Company is a partner's client company.
type Company struct {
	// ID is the platform's identifier of the company.
	ID string `json:"id"`
	// Name is the company's legal or primary name.
	Name string `json:"name"`
	// FriendlyName is the display name, when set; Asio shows it in place
	// of Name.
	FriendlyName string `json:"friendlyName,omitempty"`
	// Description is free text.
	Description string `json:"description,omitempty"`
	// ExternalIDs are the company's mappings to other products.
	ExternalIDs []ExternalID `json:"externalIds,omitempty"`
}

// DisplayName is FriendlyName when set, otherwise Name: what a person sees
// in Asio, and so what client-name matching should compare.
func (c Company) DisplayName() string { return cmp.Or(c.FriendlyName, c.Name) }

// List returns one page of companies (GET
// /api/platform/v1/company/companies). With nil or zero opts the server
// answers with its default page, usually every company.
func (s *CompaniesService) List(ctx context.Context, opts *ListOptions) ([]Company, *Response, error) {
	return list[Company](ctx, s.client, s.client.url(companiesPath(), opts.query()))
}

// All walks every company, page by page, fetching the next page only when
// the loop asks for it. opts is copied, never modified.
func (s *CompaniesService) All(ctx context.Context, opts *ListOptions) iter.Seq2[Company, error] {
	return all[Company](ctx, s.client, s.client.url(companiesPath(), opts.query()), nil)
}

// Get returns one company.
func (s *CompaniesService) Get(ctx context.Context, companyID string) (*Company, *Response, error) {
	if companyID == "" {
		return nil, nil, errors.New("security360: Companies.Get: empty company ID")
	}
	var c Company
	resp, err := s.client.get(ctx, s.client.url(companiesPath(companyID), nil), &c)
	if err != nil {
		return nil, resp, err
	}
	return &c, resp, nil
}
