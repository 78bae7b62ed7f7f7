package connectwise

import (
	"context"
	"iter"
)

// AgreementsService reads agreements and updates their additions, which is
// how per-seat billing (for example a security awareness product's user
// count) reaches invoices.
type AgreementsService service

// Agreement is a billing agreement with a company.
type Agreement struct {
	ID       int    `json:"id,omitempty"`
	Name     string `json:"name,omitempty"`
	Type     Ref    `json:"type,omitzero"`
	Company  Ref    `json:"company,omitzero"`
	NoEnding bool   `json:"noEndingDateFlag,omitempty"` // the PSA's name (psa-wire-facts #3, connectwise/WIREFACTS.md §3)
	Info     *Info  `json:"_info,omitempty"`
}

// Addition is a product line on an agreement; Quantity is what gets billed.
type Addition struct {
	ID          int     `json:"id,omitempty"`
	Product     Ref     `json:"product,omitzero"`
	Quantity    float64 `json:"quantity"`
	Description string  `json:"description,omitempty"`
	AgreementID int     `json:"agreementId,omitempty"`
	Info        *Info   `json:"_info,omitempty"`
}

const agreementsPath = "finance/agreements"

// List returns one page of agreements.
func (s *AgreementsService) List(ctx context.Context, opts *ListOptions) ([]Agreement, *Response, error) {
	return list[Agreement](ctx, s.client, agreementsPath, false, opts)
}

// All walks every agreement lazily.
func (s *AgreementsService) All(ctx context.Context, opts *ListOptions) iter.Seq2[Agreement, error] {
	return all[Agreement](ctx, s.client, agreementsPath, false, opts)
}

// Get returns one agreement.
func (s *AgreementsService) Get(ctx context.Context, id int) (*Agreement, *Response, error) {
	return get[Agreement](ctx, s.client, idPath(agreementsPath, id))
}

// ListAdditions returns one page of an agreement's additions.
func (s *AgreementsService) ListAdditions(ctx context.Context, agreementID int, opts *ListOptions) ([]Addition, *Response, error) {
	return list[Addition](ctx, s.client, idPath(agreementsPath, agreementID, "additions"), false, opts)
}

// AllAdditions walks every addition of an agreement lazily.
func (s *AgreementsService) AllAdditions(ctx context.Context, agreementID int, opts *ListOptions) iter.Seq2[Addition, error] {
	return all[Addition](ctx, s.client, idPath(agreementsPath, agreementID, "additions"), false, opts)
}

// PatchAddition updates an addition, typically its quantity:
// Replace("quantity", 42).
func (s *AgreementsService) PatchAddition(ctx context.Context, agreementID, id int, ops ...PatchOp) (*Addition, *Response, error) {
	return patch[Addition](ctx, s.client, idPath(agreementsPath, agreementID, "additions", itoa(id)), ops)
}
