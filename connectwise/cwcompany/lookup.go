package cwcompany

import (
	"context"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/cwmodel"
)

// ByIdentifier returns the company whose identifier (the short code the
// PSA shows, "AcmeCorp") is identifier. The PSA filters with identifier =
// "..." (its database compares without case on standard installs); the
// answer is then checked here without regard to case, so two companies
// differing only in case are reported as ambiguous rather than picked at
// random. It fails with a *connectwise.LookupError when none or several
// match.
func (s *CompaniesService) ByIdentifier(ctx context.Context, identifier string) (*cwmodel.Company, error) {
	opts := &connectwise.ListOptions{Conditions: connectwise.Where("identifier = ?", identifier)}
	v, err := connectwise.FindOne(s.All(ctx, opts), "company", identifier, func(c cwmodel.Company) (int, string) {
		var id int
		var n string
		if c.ID != nil {
			id = int(*c.ID)
		}
		if c.Identifier != nil {
			n = *c.Identifier
		}
		return id, n
	})
	if err != nil {
		return nil, err
	}
	return &v, nil
}
