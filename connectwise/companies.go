package connectwise

import (
	"context"
	"iter"
)

// CompaniesService reads companies (the PSA's customers) and their sites.
type CompaniesService service

// Company is a PSA company.
type Company struct {
	ID          int    `json:"id,omitempty"`
	Identifier  string `json:"identifier,omitempty"`
	Name        string `json:"name,omitempty"`
	Status      Ref    `json:"status,omitzero"`
	Types       []Ref  `json:"types,omitempty"`
	DeletedFlag bool   `json:"deletedFlag,omitempty"`
	Info        *Info  `json:"_info,omitempty"`
}

// CompanySite is one of a company's sites (locations).
type CompanySite struct {
	ID           int    `json:"id,omitempty"`
	Name         string `json:"name,omitempty"`
	InactiveFlag bool   `json:"inactiveFlag,omitempty"`
	Info         *Info  `json:"_info,omitempty"`
}

// List returns one page of companies.
func (s *CompaniesService) List(ctx context.Context, opts *ListOptions) ([]Company, *Response, error) {
	return list[Company](ctx, s.client, "company/companies", false, opts)
}

// All walks every company lazily.
func (s *CompaniesService) All(ctx context.Context, opts *ListOptions) iter.Seq2[Company, error] {
	return all[Company](ctx, s.client, "company/companies", false, opts)
}

// Get returns one company.
func (s *CompaniesService) Get(ctx context.Context, id int) (*Company, *Response, error) {
	return get[Company](ctx, s.client, idPath("company/companies", id))
}

// Count returns how many companies match cond.
func (s *CompaniesService) Count(ctx context.Context, cond Conditions) (int, *Response, error) {
	return count(ctx, s.client, "company/companies", cond)
}

// ListSites returns one page of a company's sites.
func (s *CompaniesService) ListSites(ctx context.Context, companyID int, opts *ListOptions) ([]CompanySite, *Response, error) {
	return list[CompanySite](ctx, s.client, idPath("company/companies", companyID, "sites"), false, opts)
}

// AllSites walks every site of a company lazily.
func (s *CompaniesService) AllSites(ctx context.Context, companyID int, opts *ListOptions) iter.Seq2[CompanySite, error] {
	return all[CompanySite](ctx, s.client, idPath("company/companies", companyID, "sites"), false, opts)
}
